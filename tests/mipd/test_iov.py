"""Inter-occasion variability: a record cut into occasions, each with its own κ, solved in a row.

References: with κ = 0 the plain prediction; a 1-compartment bolus per occasion in closed form
(Gibaldi & Perrier 1982, ch. 1: C = D/V·e^(−kt), AUC = C₀(1 − e^(−kΔ))/k), so the amount
carried over a boundary and the exact AUC state are checked to rounding; an infusion running
across a boundary and Michaelis–Menten elimination against scipy's Radau on the piecewise ODE.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pbpk.core.errors import PbpkInputError
from pbpk.mipd import solve
from pbpk.mipd.modelfile import poppk_from_dict
from pbpk.mipd.solve import Dose, repeated_doses


def _model(structure: dict, theta: dict, pk: list[str], omega: list, iov: list, unit: str = "mg/L"):
    return poppk_from_dict({
        "format": "pbpk-poppk/1", "name": "iov-test", "drug": "x", "title": "IOV test model",
        "source": {"type": "example", "reference": "made for this test"}, "structure": structure,
        "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": unit}},
        "theta": {name: {"value": value} for name, value in theta.items()}, "omega": omega, "iov": iov, "pk": pk,
        "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.1}}},
    }, where="test")


#: 1 compartment, IV; κ on CL and V; concentrations in µg/L (a model in mg and L: × 1000).
BOLUS = _model({"compartments": 1}, {"TVCL": 4.0, "TVV": 50.0},
               ["CL = TVCL * exp(ETA_CL + KAPPA_CL)", "V = TVV * exp(KAPPA_V)"],
               [{"eta": "ETA_CL", "variance": 0.09}],
               [{"eta": "KAPPA_CL", "variance": 0.04}, {"eta": "KAPPA_V", "variance": 0.01}], unit="ug/L")
#: 2 compartments with first-order absorption, lag and bioavailability, κ on CL, V1, KA and F.
ORAL = _model({"compartments": 2, "absorption": "first-order"},
              {"TVCL": 5.0, "TVV1": 30.0, "TVQ": 6.0, "TVV2": 60.0, "TVKA": 1.1},
              ["CL = TVCL * exp(ETA_CL + KAPPA_CL)", "V1 = TVV1 * exp(ETA_V1 + KAPPA_V1)", "Q = TVQ", "V2 = TVV2",
               "KA = TVKA * exp(KAPPA_KA)", "F = 0.7 * exp(KAPPA_F)", "ALAG = 0.4"],
              [{"etas": ["ETA_CL", "ETA_V1"], "variance": [[0.09, 0.03], [0.03, 0.1]]}],
              [{"etas": ["KAPPA_CL", "KAPPA_V1"], "variance": [[0.04, 0.01], [0.01, 0.03]]},
               {"eta": "KAPPA_KA", "variance": 0.1}, {"eta": "KAPPA_F", "variance": 0.02}])
#: 2 compartments, IV, κ on CL and V1.
INFUSION = _model({"compartments": 2}, {"TVCL": 3.0, "TVV1": 20.0, "TVQ": 8.0, "TVV2": 40.0},
                  ["CL = TVCL * exp(KAPPA_CL)", "V1 = TVV1 * exp(KAPPA_V1)", "Q = TVQ", "V2 = TVV2"], [],
                  [{"eta": "KAPPA_CL", "variance": 0.04}, {"eta": "KAPPA_V1", "variance": 0.02}])
#: 1 compartment, IV, Michaelis–Menten elimination with κ on VMAX.
SATURABLE = _model({"compartments": 1, "elimination": "michaelis-menten"}, {"TVVMAX": 40.0, "TVKM": 5.0, "TVV": 30.0},
                   ["VMAX = TVVMAX * exp(KAPPA_VMAX)", "KM = TVKM", "V = TVV"], [],
                   [{"eta": "KAPPA_VMAX", "variance": 0.05}])
WITHOUT_IOV = _model({"compartments": 1}, {"TVCL": 4.0, "TVV": 50.0}, ["CL = TVCL * exp(ETA_CL)", "V = TVV"],
                     [{"eta": "ETA_CL", "variance": 0.09}], [])


def test_kappa_zero_on_every_occasion_is_the_plain_prediction():
    rng = np.random.default_rng(3)
    eta = ORAL.sample_eta(300, rng)  # above PARALLEL_FROM: the threaded kernel
    doses = repeated_doses(200.0, 12.0, 6, compartment="depot") + (Dose(30.0, 100.0, duration=5.0),)
    times = np.unique(np.concatenate([np.linspace(0.0, 84.0, 85), [11.9, 12.0, 24.0, 32.5, 36.0, 48.0]]))
    # boundaries at doses and mid-infusion; before the first dose, without samples, after the last sample
    for occasions, at_dose_time in (([0.0, 24.0, 32.5, 48.0], "before"), ([0.0, 24.0, 32.5, 48.0], "after"),
                                    ([-1.0, 24.1, 24.2, 90.0], "before")):
        plain = ORAL.predict(doses, times, {}, eta, at_dose_time=at_dose_time)
        cut = ORAL.predict(doses, times, {}, eta, kappa=np.zeros((300, 4, 4)), occasions=occasions,
                           at_dose_time=at_dose_time)
        assert cut.concentration() == pytest.approx(plain.concentration(), rel=1e-12, abs=1e-15)
        assert cut.auc() == pytest.approx(plain.auc(), rel=1e-12, abs=1e-15)


def _bolus_closed_form(dose: float, cl: np.ndarray, v: np.ndarray, times: np.ndarray):
    """Concentration (mg/L) and AUC (mg·h/L) of a bolus at 0 and 24 h, occasion 2 from 24 h (after the dose)."""
    k = cl / v
    before = times < 24.0
    c1 = dose / v[0] * np.exp(-k[0] * times)
    start2 = dose * np.exp(-k[0] * 24.0) + dose  # amount at 24 h, just after the second bolus
    c2 = start2 / v[1] * np.exp(-k[1] * (times - 24.0))
    auc1 = dose / v[0] * -np.expm1(-k[0] * np.minimum(times, 24.0)) / k[0]
    auc2 = start2 / v[1] * -np.expm1(-k[1] * np.maximum(times - 24.0, 0.0)) / k[1]
    return np.where(before, c1, c2), auc1 + auc2


def test_one_compartment_bolus_over_two_occasions_is_the_closed_form():
    times = np.array([0.0, 1.0, 6.0, 12.0, 23.99, 24.0, 24.5, 30.0, 36.0, 48.0])
    kappa = np.array([[[0.25, 0.0], [-0.35, 0.0]], [[-0.1, 0.0], [0.4, 0.0]]])
    prediction = BOLUS.predict([Dose(0.0, 100.0), Dose(24.0, 100.0)], times, {}, kappa=kappa, occasions=[0.0, 24.0],
                               at_dose_time="after")
    for i in range(2):
        cl = 4.0 * np.exp(kappa[i, :, 0])
        expected, _ = _bolus_closed_form(100.0, cl, np.full(2, 50.0), times)
        assert prediction.concentration()[i] == pytest.approx(1000.0 * expected, rel=1e-12)
        assert prediction.parameters["CL"][i] == pytest.approx(cl, rel=1e-15)


def test_exact_auc_is_continuous_across_occasions():
    """κ on V too: the amount carries over, the concentration jumps with V, the AUC integrates each piece."""
    times = np.array([2.0, 23.0, 24.0, 25.0, 40.0, 72.0, 120.0])
    kappa = np.array([[0.3, -0.2], [-0.25, 0.3]])  # one κ set per occasion, for every subject
    eta = np.array([[0.0], [0.2]])
    prediction = BOLUS.predict([Dose(0.0, 100.0), Dose(24.0, 100.0)], times, {}, eta, kappa=kappa,
                               occasions=[0.0, 24.0], at_dose_time="after")
    v = 50.0 * np.exp(kappa[:, 1])
    for i in range(2):
        cl = 4.0 * np.exp(eta[i, 0] + kappa[:, 0])
        concentration, auc = _bolus_closed_form(100.0, cl, v, times)
        assert prediction.concentration()[i] == pytest.approx(1000.0 * concentration, rel=1e-12)
        assert prediction.auc()[i] == pytest.approx(1000.0 * auc, rel=1e-12)
        k = cl / v
        pieces = 100.0 / cl[0] * -np.expm1(-k[0] * 24.0) + 100.0 * (np.exp(-k[0] * 24.0) + 1.0) / cl[1] * -np.expm1(
            -k[1] * 96.0)  # ∫₀²⁴ C dt + ∫₂₄¹²⁰ C dt
        assert prediction.auc()[i, -1] == pytest.approx(1000.0 * pieces, rel=1e-12)


def _piecewise_radau(rhs, pieces, n_states: int, times: np.ndarray, bolus: dict[float, float]) -> np.ndarray:
    """Radau (rtol 1e-10) over ``pieces`` (start, end, arguments of rhs), a bolus into state 0 at its time."""
    x, out = np.zeros(n_states), np.zeros((times.size, n_states))
    for start, end, args in pieces:
        x[0] += bolus.get(start, 0.0)
        inside = (times >= start) & (times < end)
        y = solve_ivp(rhs, (start, end), x, method="Radau", rtol=1e-10, atol=1e-12, args=args,
                      t_eval=np.append(times[inside], end)).y
        out[inside], x = y[:, :-1].T, y[:, -1]
    return out


@pytest.mark.parametrize("condition", [solve.EIGEN_CONDITION, 0.0], ids=["eigen", "van-loan"])
def test_an_infusion_running_across_an_occasion_boundary_against_radau(condition, monkeypatch):
    """A 4 h infusion from 22 h runs on at its rate after occasion 2 starts at 24 h, with occasion 2's CL and V1."""
    monkeypatch.setattr(solve, "EIGEN_CONDITION", condition)
    kappa = np.array([[0.3, -0.15], [-0.4, 0.25]])
    doses = [Dose(0.0, 300.0, duration=1.0), Dose(22.0, 400.0, duration=4.0)]
    times = np.array([0.5, 1.0, 12.0, 22.0, 23.0, 24.0, 25.0, 26.0, 30.0, 48.0])
    prediction = INFUSION.predict(doses, times, {}, kappa=kappa, occasions=[0.0, 24.0])

    def rhs(_t, x, cl, v1, rate):
        central, peripheral = x
        return [rate - (cl + 8.0) / v1 * central + 8.0 / 40.0 * peripheral, 8.0 * (central / v1 - peripheral / 40.0)]

    cl, v1 = 3.0 * np.exp(kappa[:, 0]), 20.0 * np.exp(kappa[:, 1])
    pieces = [(0.0, 1.0, (cl[0], v1[0], 300.0)), (1.0, 22.0, (cl[0], v1[0], 0.0)), (22.0, 24.0, (cl[0], v1[0], 100.0)),
              (24.0, 26.0, (cl[1], v1[1], 100.0)), (26.0, 49.0, (cl[1], v1[1], 0.0))]
    amounts = _piecewise_radau(rhs, pieces, 2, times, {})
    expected = amounts[:, 0] / np.where(times < 24.0, v1[0], v1[1])
    assert prediction.concentration()[0] == pytest.approx(expected, rel=1e-9)


def test_michaelis_menten_with_occasions_against_radau():
    kappa = np.array([[-0.3], [0.35]])
    doses = [Dose(0.0, 500.0), Dose(22.0, 300.0, duration=4.0)]
    times = np.array([1.0, 6.0, 20.0, 23.0, 24.0, 25.0, 27.0, 36.0])
    prediction = SATURABLE.predict(doses, times, {}, kappa=kappa, occasions=[0.0, 24.0])

    def rhs(_t, x, vmax, rate):
        concentration = x[0] / 30.0
        return [rate - vmax * concentration / (5.0 + concentration)]

    vmax = 40.0 * np.exp(kappa[:, 0])
    pieces = [(0.0, 22.0, (vmax[0], 0.0)), (22.0, 24.0, (vmax[0], 75.0)), (24.0, 26.0, (vmax[1], 75.0)),
              (26.0, 37.0, (vmax[1], 0.0))]
    expected = _piecewise_radau(rhs, pieces, 1, times, {0.0: 500.0})[:, 0] / 30.0
    assert prediction.concentration()[0] == pytest.approx(expected, rel=1e-6)


def test_a_dose_keeps_the_bioavailability_of_the_occasion_it_is_given_in():
    """Given at 23.8 h with a 0.4 h lag, the dose is absorbed in occasion 2 but with occasion 1's F."""
    doses = [Dose(0.0, 200.0, "depot"), Dose(23.8, 200.0, "depot")]
    times = np.linspace(0.0, 48.0, 49)
    plain = ORAL.predict(doses, times, {})
    kappa = np.array([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.3]])  # only F changes, in occasion 2
    cut = ORAL.predict(doses, times, {}, kappa=kappa, occasions=[0.0, 24.0])
    assert cut.concentration() == pytest.approx(plain.concentration(), rel=1e-12, abs=1e-15)


def test_sampled_kappa_are_omega_iov_and_independent_between_occasions():
    kappa = ORAL.sample_kappa(40000, [0.0, 24.0, 48.0], np.random.default_rng(5))
    assert kappa.shape == (40000, 3, 4)
    for k in range(3):
        assert np.cov(kappa[:, k].T) == pytest.approx(ORAL.iov.matrix, abs=0.004)
    between = np.corrcoef(kappa[:, 0, 0], kappa[:, 1, 0])[0, 1]
    assert abs(between) < 0.02


DOSES, TIMES = [Dose(0.0, 100.0), Dose(24.0, 100.0)], [1.0, 12.0, 30.0]


@pytest.mark.parametrize(("model", "arguments", "message"), [
    (BOLUS, {"occasions": [0.0, 24.0, 24.0]}, "increasing"),
    (BOLUS, {"occasions": [24.0, 0.0]}, "increasing"),
    (BOLUS, {"occasions": [[0.0, 24.0]]}, "increasing"),
    (BOLUS, {"occasions": [0.0, 24.0], "kappa": np.zeros((3, 2))}, "2 occasions"),
    (BOLUS, {"occasions": [0.0, 24.0], "kappa": np.zeros((4, 2, 1))}, "2 occasions"),
    (BOLUS, {"occasions": [0.0, 24.0], "kappa": np.zeros((3, 2, 2)), "eta": np.zeros((4, 1))}, "4 subjects"),
    (BOLUS, {"kappa": np.zeros((2, 2))}, "without occasions"),
    (WITHOUT_IOV, {"occasions": [0.0, 24.0], "kappa": np.zeros((2, 1))}, "no inter-occasion variability"),
    (BOLUS, {"occasions": [0.5, 24.0]}, "the first dose"),
    (BOLUS, {"occasions": [0.5, 24.0], "doses": [Dose(1.0, 100.0)], "times": [0.25, 12.0]}, "the first sample"),
])
def test_bad_occasions_and_kappa_are_refused(model, arguments, message):
    arguments = dict(arguments)
    doses, times = arguments.pop("doses", DOSES), arguments.pop("times", TIMES)
    with pytest.raises(PbpkInputError, match=message):
        model.predict(doses, times, {}, **arguments)
