"""MAP estimation with inter-occasion variability (``pbpk.mipd.occasions``): η and one κ per occasion (NONMEM's OCC).

References: with Ω_IOV → 0 the model without IOV; the OFV written out by hand (data + ηᵀΩ⁻¹η + Σκᵀ Ω_IOV⁻¹κ);
predictions against ``PopulationModel.predict(..., occasions=, kappa=)`` and against ``solve.solve_occasions`` on
pieces cut by hand; a noise-free simulated subject whose CL and V per occasion the fit must recover.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.dosing_history import future_kappa, history
from pbpk.mipd.forecasting import forecast, forecast_subject, truncate
from pbpk.mipd.map_estimation import (
    MapEstimate,
    estimate,
    objective,
    predict_many,
    predict_subject,
)
from pbpk.mipd.modelfile import poppk_from_dict
from pbpk.mipd.occasions import effect_count, split_effects
from pbpk.mipd.posterior import laplace_posterior, sir_posterior
from pbpk.mipd.recommend import Target, recommend_for, regimens
from pbpk.mipd.records import read_records
from pbpk.mipd.solve import Dose, solve_occasions

OMEGA = [[0.09, 0.02], [0.02, 0.04]]
IOV = [[0.04, 0.0], [0.0, 0.01]]


def _model(iov: list | None, covariate: bool = False):
    """1 compartment, IV infusion; η and κ on CL and V (V on weight when ``covariate``); an exponential error of SD 0.1
    (log scale: noise-free data are then fitted without the bias that the log g² term gives a proportional error)."""
    kappa = iov is not None
    return poppk_from_dict({
        "format": "pbpk-poppk/1", "name": "iov-map", "drug": "x", "title": "IOV MAP test model",
        "source": {"type": "example", "reference": "tests/mipd/test_map_iov.py"}, "structure": {"compartments": 1},
        "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
        "covariates": {"WT": {"unit": "kg"}} if covariate else {},
        "theta": {"TVCL": {"value": 4.0}, "TVV": {"value": 50.0}},
        "omega": [{"etas": ["ETA_CL", "ETA_V"], "variance": OMEGA}],
        "iov": [{"etas": ["KAPPA_CL", "KAPPA_V"], "variance": iov}] if kappa else [],
        "pk": ["CL = TVCL * exp(ETA_CL" + (" + KAPPA_CL)" if kappa else ")"),
               "V = TVV" + (" * (WT / 70)" if covariate else "") + " * exp(ETA_V" + (" + KAPPA_V)" if kappa else ")")],
        "error": {"parent": {"model": "exponential", "sd": {"additive": 0.1}}},
    }, where="test")


MODEL = _model(IOV)
#: A dose of 500 mg over 1 h at the start of each occasion (0, 24, 48 h); rich sampling after each.
STARTS = np.array([0.0, 24.0, 48.0])
DOSES = tuple(Dose(t, 500.0, duration=1.0) for t in STARTS)
AFTER = (0.5, 1.0, 1.5, 2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 23.5)
TIMES = np.array([t + s for t in STARTS for s in AFTER])
ETA = np.array([0.25, -0.15])
KAPPA = np.array([[0.2, 0.08], [-0.25, -0.1], [0.05, 0.12]])


def _write(tmp_path, lines: list[str], name: str = "data.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _csv(values: np.ndarray, *, occ: bool = True) -> list[str]:
    """Records of DOSES and TIMES with ``values`` as DV, each occasion's records (dose first) with its OCC."""
    lines = ["ID,TIME,AMT,RATE,DV,EVID" + (",OCC" if occ else "")]
    for k, start in enumerate(STARTS):
        extra = f",{k + 1}" if occ else ""
        lines.append(f"1,{start:g},500,500,.,1{extra}")
        lines += [f"1,{float(t)!r},.,.,{float(y)!r},0{extra}" for t, y in zip(TIMES, values, strict=True)
                  if start < t < start + 24]
    return lines


def _truth() -> np.ndarray:
    return MODEL.predict(DOSES, TIMES, {}, ETA[None], kappa=KAPPA, occasions=STARTS).concentration()[0]


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    """The noise-free subject of ETA and KAPPA, read from its records."""
    return read_records(_write(tmp_path_factory.mktemp("rich"), _csv(_truth())), MODEL)["1"]


def test_the_reader_gives_each_occasion_its_start_and_the_layout_is_eta_then_kappa(rich, tmp_path):
    assert rich.occasions.tolist() == STARTS.tolist()
    assert effect_count(MODEL, rich) == 2 + 3 * 2
    eta, kappa = split_effects(MODEL, rich, np.arange(8.0))
    assert eta.tolist() == [[0.0, 1.0]] and kappa.tolist() == [[[2.0, 3.0], [4.0, 5.0], [6.0, 7.0]]]
    # no OCC column: one occasion from the first record; a model without IOV ignores the column (even text)
    assert read_records(_write(tmp_path, _csv(_truth(), occ=False)), MODEL)["1"].occasions.tolist() == [0.0]
    lines = _csv(_truth())
    lines[3] = lines[3].rsplit(",", 1)[0] + ",first"
    assert read_records(_write(tmp_path, lines), _model(None))["1"].occasions.size == 0


def test_predictions_with_occasions_equal_popmodel_predict(rich):
    rng = np.random.default_rng(1)
    etas, kappas = rng.normal(0.0, 0.2, (4, 2)), rng.normal(0.0, 0.2, (4, 3, 2))
    rows = np.hstack([etas, kappas.reshape(4, -1)])
    direct = MODEL.predict(DOSES, TIMES, {}, etas, kappa=kappas, occasions=STARTS).concentration()
    assert predict_many(MODEL, rich, rows) == pytest.approx(direct, rel=1e-12)
    assert predict_many(MODEL, rich, rows)[0] != pytest.approx(predict_many(MODEL, rich, rows[:, :2] @ np.eye(2, 8))[0],
                                                                 rel=1e-3)  # κ matters


def test_occasions_and_time_varying_covariates_cut_the_record_at_both(tmp_path):
    """WT 70 then 90 from the record at 18 h (NOCB: from 12 h on), occasions at 0 and 24 h: three pieces."""
    model = _model(IOV, covariate=True)
    lines = ["ID,TIME,AMT,RATE,DV,EVID,OCC,WT", "1,0,500,500,.,1,1,70"]
    lines += [f"1,{t:g},.,.,1.0,0,1,{70 if t <= 12 else 90}" for t in (2, 6, 12, 18)]
    lines += ["1,24,500,500,.,1,2,90"] + [f"1,{t:g},.,.,1.0,0,2,90" for t in (24, 30, 40)]
    subject = read_records(_write(tmp_path, lines), model)["1"]
    assert subject.time_varying and subject.occasions.tolist() == [0.0, 24.0]
    row = np.array([0.1, -0.2, 0.3, 0.1, -0.2, -0.15])

    def parameters(wt, k):
        return {"CL": np.array([4.0 * np.exp(row[0] + row[2 + 2 * k])]),
                "V": np.array([50.0 * wt / 70.0 * np.exp(row[1] + row[3 + 2 * k])])}

    pieces = [parameters(70.0, 0), parameters(90.0, 0), parameters(90.0, 1)]
    states = solve_occasions(model.structure, pieces, [0.0, 12.0, 24.0], subject.doses, subject.times).states
    central = states[0, :, model.structure.index("central")]
    volumes = np.array([p["V"][0] for p in (pieces[0],) * 3 + (pieces[1],) + (pieces[2],) * 3])  # own record, occasion
    assert predict_subject(model, subject, row) == pytest.approx(central / volumes, rel=1e-12)
    fit = estimate(model, replace(subject, observations=predict_subject(model, subject, row)))
    cl = fit.parameters["CL"]
    assert fit.converged
    assert cl.shape == subject.record_times.shape and cl[subject.record_times >= 24].std() == 0  # per record


def test_objective_is_the_data_term_plus_both_priors(rich):
    rng = np.random.default_rng(4)
    observed = _truth() * np.exp(rng.normal(0.0, 0.1, TIMES.size))
    subject = replace(rich, observations=observed)
    eta, kappa = np.array([0.1, -0.05]), np.array([[0.12, -0.03], [-0.2, 0.05], [0.07, 0.1]])
    f = MODEL.predict(DOSES, TIMES, {}, eta[None], kappa=kappa, occasions=STARTS).concentration()[0]
    data = np.sum(np.log(0.1**2) + ((np.log(observed) - np.log(f)) / 0.1) ** 2)  # log scale
    prior = eta @ np.linalg.solve(OMEGA, eta) + sum(k @ np.linalg.solve(IOV, k) for k in kappa)
    row = np.concatenate([eta, kappa.ravel()])
    assert objective(MODEL, subject, row) == pytest.approx(data + prior, rel=1e-12)
    assert objective(MODEL, subject, row, prior_weight=0.5) == pytest.approx(data + 0.5 * prior, rel=1e-12)


def test_with_a_tiny_omega_iov_the_map_eta_is_the_models_without_iov(tmp_path):
    rng = np.random.default_rng(7)
    observed = _truth() * np.exp(rng.normal(0.0, 0.1, TIMES.size))
    path = _write(tmp_path, _csv(observed))
    tiny = _model([[1e-8, 0.0], [0.0, 1e-8]])
    with_iov, without = estimate(tiny, read_records(path, tiny)["1"]), estimate(_model(None),
                                                                                  read_records(path, _model(None))["1"])
    assert with_iov.converged and without.converged
    assert with_iov.kappa.shape == (3, 2) and np.max(np.abs(with_iov.kappa)) < 1e-5
    assert with_iov.eta == pytest.approx(without.eta, abs=1e-5)
    assert with_iov.ofv == pytest.approx(without.ofv, abs=2e-3)
    assert with_iov.joint_covariance.shape == (8, 8) and with_iov.covariance.shape == (2, 2)
    assert with_iov.covariance == pytest.approx(without.covariance, rel=1e-3)
    assert without.joint_covariance is None and without.effects.tolist() == without.eta.tolist()


def test_noise_free_rich_data_recover_cl_and_v_of_each_occasion(rich):
    """The prior shrinks each occasion a little (< 2 % for CL); with it flattened the fit is the truth."""
    fit = estimate(MODEL, rich)
    assert fit.converged and fit.kappa.shape == (3, 2)
    cl, v = 4.0 * np.exp(ETA[0] + KAPPA[:, 0]), 50.0 * np.exp(ETA[1] + KAPPA[:, 1])
    assert fit.parameters["CL"] == pytest.approx(cl, rel=0.02)
    assert fit.parameters["V"] == pytest.approx(v, rel=0.03)
    assert fit.predictions == pytest.approx(_truth(), rel=0.03)
    flat = estimate(MODEL, rich, prior_weight=1e-4)
    assert flat.parameters["CL"] == pytest.approx(cl, rel=1e-5)
    assert flat.parameters["V"] == pytest.approx(v, rel=1e-5)
    assert flat.eta + flat.kappa == pytest.approx(ETA + KAPPA, abs=1e-5)  # only the sums are identified
    # a model that ignores IOV cannot follow the three occasions
    plain = estimate(_model(None), rich)
    assert np.max(np.abs(plain.predictions / _truth() - 1)) > 0.1


def test_posterior_draws_are_of_the_whole_vector(rich):
    fit = estimate(MODEL, rich)
    posterior = laplace_posterior(fit, 200, seed=1)
    assert posterior.draws.shape == (200, 8)
    assert posterior.draws.mean(axis=0) == pytest.approx(fit.effects, abs=0.05)
    intervals = posterior.parameter_intervals(MODEL, rich).set_index("parameter")
    assert intervals.loc["CL", "MAP"] == pytest.approx(fit.parameters["CL"][0])  # occasion 1
    assert intervals.loc["CL", "P5"] < fit.parameters["CL"][0] < intervals.loc["CL", "P95"]
    band = posterior.prediction_band(MODEL, rich, np.linspace(0.5, 70.0, 40))
    assert np.all(band["low"] <= band["map"] * 1.001) and np.all(band["map"] <= band["high"] * 1.001)
    assert sir_posterior(MODEL, rich, fit, 100, seed=2).draws.shape == (100, 8)


def test_the_future_is_a_new_occasion_with_kappa_zero_at_the_map_and_drawn_for_the_posterior(rich):
    fit = estimate(MODEL, rich)
    rows = np.vstack([fit.effects] * 4)  # the MAP and three "draws" equal to it: only the future κ differs
    new = Dose(72.0, 500.0, duration=1.0)
    kappa = future_kappa(MODEL, 4, np.random.default_rng(3))
    assert kappa[0].tolist() == [0.0, 0.0] and np.all(kappa[1:] != 0)
    past = history(MODEL, rich, rows, future=72.0, future_kappa=kappa)
    times = np.array([60.0, 73.0, 80.0, 95.5])
    predicted = past.predict((new,), times).concentration()
    expected = MODEL.predict(DOSES + (new,), times, {}, fit.eta[None], kappa=np.vstack([fit.kappa, [0.0, 0.0]]),
                             occasions=np.append(STARTS, 72.0)).concentration()[0]
    assert predicted[0] == pytest.approx(expected, rel=1e-10)
    assert predicted[1:, 0] == pytest.approx(np.full(3, expected[0]), rel=1e-12)  # 60 h: still occasion 3
    assert np.all(np.abs(predicted[1:, 1:] / expected[1:] - 1) > 1e-3)  # after 72 h: each draw's own κ
    # recommend_for: the same MAP prediction, and spread over the draws even with Σ = 0
    options = regimens([250.0, 500.0, 1000.0], [24.0], count=2, infusions=[1.0], start=72.0)
    zero = MapEstimate(fit.subject, fit.eta, fit.parameters, fit.ofv, True, np.zeros((2, 2)), fit.predictions,
                     kappa=fit.kappa, joint_covariance=np.zeros((8, 8)))
    result = recommend_for(MODEL, rich, zero, Target("trough"), options, n_draws=50, rng=np.random.default_rng(5))
    trough = MODEL.predict(DOSES + options[1].doses(), [options[1].end], {}, fit.eta[None],
                           kappa=np.vstack([fit.kappa, [0.0, 0.0]]), occasions=np.append(STARTS, 72.0))
    assert result.values[1, 0] == pytest.approx(trough.concentration()[0, 0], rel=1e-10)
    assert np.std(np.log(result.values[1, 1:])) > 0.05


def test_forecasting_keeps_the_known_occasions_and_opens_a_new_one(rich):
    known = truncate(rich, 30.0)
    assert known.occasions.tolist() == [0.0, 24.0]
    assert forecast_subject(rich, 30.0, 40.0).occasions.tolist() == [0.0, 24.0]
    assert forecast_subject(rich, 30.0, 60.0).occasions.tolist() == [0.0, 24.0, 48.0]
    assert effect_count(MODEL, forecast_subject(rich, 30.0, 60.0)) == 8
    # the first sample of occasion 2, forecast from occasion 1's: κ₂ = 0
    table = forecast(MODEL, [rich], steps=10)
    fit = estimate(MODEL, truncate(rich, 23.5))
    first = MODEL.predict(DOSES[:2], [24.5], {}, fit.eta[None], kappa=np.vstack([fit.kappa, [0.0, 0.0]]),
                          occasions=STARTS[:2]).concentration()[0, 0]
    assert table.set_index("time").loc[24.5, "predicted"] == pytest.approx(first, rel=1e-10)
    assert table["converged"].all()


@pytest.mark.parametrize(("changes", "line", "expected"), [
    ({5: "3", 6: "2"}, 6, "previous"),  # OCC 1, 3, then 2: decreasing
    ({5: "1.5"}, 5, "whole"),            # not an integer
    ({5: "."}, 5, "whole"),              # missing
])
def test_bad_occasion_numbers_are_refused_with_file_line_and_column(tmp_path, changes, line, expected):
    lines = _csv(_truth())
    for number, value in changes.items():
        lines[number - 1] = lines[number - 1].rsplit(",", 1)[0] + f",{value}"
    path = _write(tmp_path, lines)
    with pytest.raises(PbpkInputError, match=expected) as error:
        read_records(path, MODEL)
    assert (error.value.where, error.value.field) == (f"{path}:{line}", "OCC")


def test_two_occasions_starting_at_one_time_are_refused(tmp_path):
    path = _write(tmp_path, ["ID,TIME,AMT,DV,EVID,OCC", "1,0,.,1.0,0,1", "1,0,500,.,1,2", "1,2,.,3.0,0,2"])
    with pytest.raises(PbpkInputError, match="hold no time") as error:
        read_records(path, MODEL)
    assert (error.value.where, error.value.field) == (f"{path}:3", "OCC")
