"""Bayesian optimal sampling times (``pbpk.mipd.sampling_design``) against closed forms.

A 1-compartment IV bolus, f(t) = D/V·e^(−kt), k = CL/V, CL = TVCL·e^(η_CL), V = TVV·e^(η_V), with a
proportional error g = b·f: ∂ log f/∂η_CL = −kt and ∂ log f/∂η_V = −1 + kt, so one sample at t adds
(∂f/∂η)ᵀ(∂f/∂η)/g² = (∂ log f/∂η)ᵀ(∂ log f/∂η)/b² to M = Ω⁻¹ + Σ …, whatever D.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate
from pbpk.mipd.modelfile import load_poppk, poppk_from_dict
from pbpk.mipd.records import Subject
from pbpk.mipd.sampling_design import optimal_times, patient_times, reference_designs
from pbpk.mipd.solve import Dose, repeated_doses

CL, V, B = 4.0, 40.0, 0.1
K = CL / V  # 0.1 /h
DOSES = (Dose(0.0, 500.0),)


def _bolus(etas: dict[str, float], omega: list | None = None, error: dict | None = None):
    """The 1-compartment bolus model with η on the named parameters (CL, V), variance Ω_jj (or blocks ``omega``),
    a proportional error b (or ``error``)."""
    code = {name: f"{name} = TV{name}" + (f" * exp(ETA_{name})" if name in etas else "") for name in ("CL", "V")}
    return poppk_from_dict({
        "format": "pbpk-poppk/1", "name": "design-test", "drug": "x", "title": "Design test model",
        "source": {"type": "example", "reference": "made for this test"}, "structure": {"compartments": 1},
        "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
        "theta": {"TVCL": {"value": CL}, "TVV": {"value": V}},
        "omega": omega or [{"eta": f"ETA_{name}", "variance": variance} for name, variance in etas.items()],
        "pk": list(code.values()),
        "error": {"parent": error or {"model": "proportional", "sd": {"proportional": B}}},
    }, where="test")


def _log_det(times, omega: np.ndarray) -> float:
    """log det M for η on (CL, V), from the closed-form sensitivities."""
    rows = np.array([[-K * t, -1.0 + K * t] for t in times])
    return float(np.linalg.slogdet(np.linalg.inv(omega) + rows.T @ rows / B**2)[1])


def test_c_optimal_single_time_for_cl_is_the_latest():
    """η on CL only: information (kt)²/b² grows with t, so the latest candidate is chosen, and the
    posterior variance of log CL is 1/(1/ω² + (kt)²/b²)."""
    model = _bolus({"CL": 0.09})
    grid = [0.5, 2.0, 6.0, 12.0, 24.0, 30.0]
    design = optimal_times(model, DOSES, {}, grid, 1, criterion="c", parameter="CL")
    assert design.times == (30.0,) and design.search == "exhaustive"
    expected = 1.0 / (1.0 / 0.09 + (K * 30.0) ** 2 / B**2)
    assert design.value == pytest.approx(expected, rel=1e-6)
    assert design.parameter_sd == pytest.approx(np.sqrt(expected), rel=1e-6)
    assert design.eta_sd["ETA_CL"] == pytest.approx(np.sqrt(expected), rel=1e-6)
    assert design.prior_sd == {"ETA_CL": pytest.approx(0.3)}


@pytest.mark.parametrize(("grid", "best"), [([0.5, 2.0, 8.0, 12.0, 18.0], 0.5), ([0.5, 2.0, 8.0, 12.0, 25.0], 25.0)])
def test_c_optimal_single_time_for_v_maximises_one_minus_kt_squared(grid, best):
    """η on V only: ∂ log f/∂η_V = −1 + kt, information (kt − 1)²/b²: zero at t = 1/k (10 h), 1/b² at t = 0
    and at t = 2/k (20 h). Below 2/k the earliest time wins (the −1 of C₀ = D/V); past 2/k a late one wins
    (kt > 2 beats the early sample). Either way, the time of largest |kt − 1|.
    """
    design = optimal_times(_bolus({"V": 0.04}), DOSES, {}, grid, 1, criterion="c", parameter="V")
    assert design.times == (best,)
    assert best == max(grid, key=lambda t: abs(K * t - 1.0))
    assert design.value == pytest.approx(1.0 / (1.0 / 0.04 + (K * best - 1.0) ** 2 / B**2), rel=1e-6)


def test_d_optimal_pair_spreads_the_points_and_beats_every_other_pair():
    """η on CL and V: det of the two sensitivity rows is k(t₁ − t₂), so the pair spreads to both ends."""
    omega = np.array([[0.09, 0.02], [0.02, 0.04]])
    model = _bolus({"CL": 0.09, "V": 0.04}, [{"etas": ["ETA_CL", "ETA_V"], "variance": omega.tolist()}])
    grid = [0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0]
    design = optimal_times(model, DOSES, {}, grid, 2)
    assert design.times[0] <= 1.0 / K <= design.times[1]
    assert design.times == (0.5, 24.0)
    assert design.value == pytest.approx(_log_det(design.times, omega), abs=1e-6)
    assert all(design.value >= _log_det(pair, omega) - 1e-9 for pair in combinations(grid, 2))
    assert design.naive_times == (16.0, 24.0) and design.naive_value < design.value
    assert all(design.eta_sd[name] < design.prior_sd[name] for name in model.eta_names)


def test_greedy_exchange_on_a_large_grid_reaches_the_brute_force_optimum():
    omega = np.diag([0.09, 0.04])
    grid = np.linspace(0.5, 36.0, 40)  # C(40, 4) = 91 390 combinations: above the exhaustive limit
    design = optimal_times(_bolus({"CL": 0.09, "V": 0.04}), DOSES, {}, grid, 4)
    assert design.search == "greedy+exchange" and len(design.times) == 4
    rows = np.array([[-K * t, -1.0 + K * t] for t in grid]) / B
    sets = np.array(list(combinations(range(grid.size), 4)))
    brute = np.linalg.slogdet(np.linalg.inv(omega) + np.einsum("sni,snj->sij", rows[sets], rows[sets]))[1]
    assert design.times == pytest.approx(grid[sets[np.argmax(brute)]], abs=1e-12)
    assert design.value == pytest.approx(brute.max(), abs=1e-6)
    assert design.value == pytest.approx(_log_det(design.times, omega), abs=1e-6)


def test_a_tiny_prior_dominates_and_the_posterior_is_the_prior():
    omega = np.diag([1e-8, 1e-8])
    design = optimal_times(_bolus({"CL": 1e-8, "V": 1e-8}), DOSES, {}, [1.0, 6.0, 24.0], 2, parameter="CL")
    assert design.value == pytest.approx(float(np.linalg.slogdet(np.linalg.inv(omega))[1]), abs=1e-4)
    for name in ("ETA_CL", "ETA_V"):
        assert design.eta_sd[name] == pytest.approx(design.prior_sd[name], rel=1e-4)
    assert design.parameter_sd == pytest.approx(1e-4, rel=1e-4)


def test_vancomycin_designs_with_covariates_and_infusions():
    """Goti 2018 (3 η), 1 g over 1 h every 12 h: D-optimal 3 samples are an end of infusion and a
    trough (not the last three hours); c-optimal 2 samples for CL shrink its SD below the prior's."""
    model = load_poppk("vancomycin-goti-2018")
    doses = repeated_doses(1000.0, 12.0, 4, duration=1.0)
    grid = np.arange(1.0, 48.5, 1.0)
    covariates = {"CLCREAT": 80.0, "WT": 70.0, "DIAL": 0.0}
    d_optimal = optimal_times(model, doses, covariates, grid, 3)
    assert d_optimal.times[0] == 1.0 and d_optimal.times[-1] == 48.0
    assert d_optimal.naive_times == (46.0, 47.0, 48.0) and d_optimal.value > d_optimal.naive_value + 1.0
    c_optimal = optimal_times(model, doses, covariates, grid, 2, criterion="c", parameter="CL")
    assert c_optimal.value <= c_optimal.naive_value
    assert c_optimal.parameter_sd == pytest.approx(np.sqrt(c_optimal.value))
    assert c_optimal.parameter_sd < 0.75 * c_optimal.prior_sd["ETA_CL"]


@pytest.mark.parametrize(("arguments", "field"), [
    ({"count": 4}, "count"), ({"count": 0}, "count"), ({"criterion": "A"}, "criterion"),
    ({"criterion": "c"}, "parameter"), ({"parameter": "KA"}, "parameter"), ({"parameter": "V"}, "parameter"),
    ({"candidates": [-1.0, 2.0]}, "candidates"), ({"candidates": []}, "candidates"),
])
def test_bad_requests_are_refused(arguments, field):
    request = {"candidates": [1.0, 2.0, 3.0], "count": 1} | arguments
    with pytest.raises(PbpkInputError) as error:
        optimal_times(_bolus({"CL": 0.09}), DOSES, {}, request.pop("candidates"), request.pop("count"), **request)
    assert error.value.where == field



def _patient(doses: tuple[Dose, ...], samples: tuple[tuple[float, float], ...] = ()) -> Subject:
    """A patient without covariates: ``doses`` and (time, concentration) samples."""
    times, values = (np.array([sample[k] for sample in samples], dtype=float) for k in (0, 1))
    return Subject("p", doses, times, values, np.zeros(times.size, dtype=bool), np.full(times.size, np.nan), {},
                   np.unique(np.concatenate([[d.time for d in doses], times])))


def test_a_patient_without_samples_is_designed_under_the_prior_over_the_whole_record():
    """No samples: η₀ = 0, C₀ = Ω, and the past dose adds to the new ones, as in ``optimal_times`` of all doses;
    without new samples log det M = log det Ω⁻¹."""
    omega = np.diag([0.09, 0.04])
    model = _bolus({"CL": 0.09, "V": 0.04})
    new = repeated_doses(500.0, 12.0, 3, start=12.0)
    grid = np.arange(12.5, 48.1, 0.5)
    references = reference_designs(new, grid)
    design = patient_times(model, _patient(DOSES), new, grid, 2, references=references)
    whole = optimal_times(model, (*DOSES, *new), {}, grid, 2, references=references)
    assert design == whole and design.times == (12.5, 48.0)
    assert design.prior_value == pytest.approx(float(np.linalg.slogdet(np.linalg.inv(omega))[1]))
    for name, times in (("trough", (36.0,)), ("peak + trough", (24.5, 36.0))):
        assert design.references[name].times == times


def test_a_patient_with_samples_is_designed_under_the_map_posterior():
    """η on CL only, additive error a: f = D/V·e^(−k̂t) with k̂ = TVCL·e^η̂/V, ∂f/∂η = −k̂t·f, so one sample at t
    adds I(t) = (k̂t·f)²/a² to the precision 1/C of the MAP fit. d/dt (t·e^(−k̂t)) = 0 at t = 1/k̂: the best single
    sample is at V/CL of this patient (6.67 h for CL = 6), not of the typical patient (V/TVCL = 10 h)."""
    additive = 0.2
    model = _bolus({"CL": 0.09}, error={"model": "additive", "sd": {"additive": additive}})
    observed = 500.0 / V * np.exp(-6.0 / V * np.array([2.0, 8.0]))  # a patient with CL = 6 L/h
    subject = _patient(DOSES, ((2.0, float(observed[0])), (8.0, float(observed[1]))))
    fit = estimate(model, subject)
    grid = np.arange(0.25, 24.01, 0.25)
    design = patient_times(model, subject, (), grid, 1, estimate=fit, criterion="c", parameter="CL")
    k = CL * np.exp(fit.eta[0]) / V
    assert 1.0 / k == pytest.approx(V / 6.0, rel=0.05)
    assert abs(design.times[0] - 1.0 / k) <= 0.125 + 1e-9
    information = (k * grid * 500.0 / V * np.exp(-k * grid)) ** 2 / additive**2
    variance = 1.0 / (1.0 / fit.covariance[0, 0] + information)
    assert design.single_values == pytest.approx(variance, rel=1e-5)
    assert design.value == pytest.approx(variance.min(), rel=1e-5)
    assert design.prior_parameter_sd == pytest.approx(np.sqrt(fit.covariance[0, 0]), rel=1e-6)
    assert design.prior_value == pytest.approx(fit.covariance[0, 0], rel=1e-6)
    prior = patient_times(model, subject, (), grid, 1, criterion="c", parameter="CL")  # no fit: η = 0 under Ω
    assert prior.times == (10.0,) and prior.prior_parameter_sd == pytest.approx(0.3)


def test_reference_designs_take_the_trough_before_the_last_dose_and_the_peak_of_that_interval():
    infusions = repeated_doses(1000.0, 12.0, 4, duration=1.0, start=24.0)
    grid = 24.0 + np.arange(0.5, 24.01, 0.5)
    assert reference_designs(infusions, grid) == {"trough": (48.0,), "peak + trough": (37.0, 48.0)}
    assert reference_designs(DOSES, [1.0, 30.0, 6.0]) == {"trough": (30.0,), "peak + trough": (1.0, 30.0)}
    assert reference_designs(DOSES, [0.0, 6.0]) == {"trough": (6.0,)}  # 0 h sees the amount before the bolus


def test_a_model_with_inter_occasion_variability_is_refused_for_a_patient():
    """The κ of the new occasion are not known and not designed for: refused rather than silently set to 0."""
    spec = {"format": "pbpk-poppk/1", "name": "iov-design", "drug": "x", "title": "IOV",
            "source": {"type": "example", "reference": "made for this test"}, "structure": {"compartments": 1},
            "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
            "theta": {"TVCL": {"value": CL}, "TVV": {"value": V}}, "omega": [{"eta": "ETA_CL", "variance": 0.09}],
            "iov": [{"eta": "KAPPA_CL", "variance": 0.04}], "pk": ["CL = TVCL * exp(ETA_CL + KAPPA_CL)", "V = TVV"],
            "error": {"parent": {"model": "proportional", "sd": {"proportional": B}}}}
    with pytest.raises(PbpkInputError) as error:
        patient_times(poppk_from_dict(spec, where="test"), _patient(DOSES), (), [1.0, 6.0], 1)
    assert (error.value.where, error.value.field) == ("model", "iov")
