"""Options of MAP estimation (``pbpk.mipd.map_estimation``): the flattened prior (``prior_weight``), and resets
(EVID 3 and 4, NONMEM Users Guide V) read from the records and predicted piecewise."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from scipy.optimize import minimize

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate, objective, predict_subject
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.records import Subject, read_records
from pbpk.mipd.solve import Dose

MODEL = load_poppk("example-pkpdmap-run1")  # 1-compartment bolus, CL = 7.67·e^η1, V = 97.7·e^η2 (TV2)
TIMES = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 24.0])
EMPTY = Subject("1", (Dose(0.0, 100.0),), TIMES, np.zeros(TIMES.size), np.zeros(TIMES.size, bool),
                np.full(TIMES.size, np.nan), {}, np.array([0.0]))


def _observed(eta=(0.5, -0.4), seed: int = 4) -> Subject:
    """Samples far from the typical subject (so that the prior pulls), with the model's residual error."""
    f = predict_subject(MODEL, EMPTY, np.array(eta))
    y = f + np.random.default_rng(seed).normal(0.0, MODEL.errors["parent"].sd(f))
    return Subject("1", EMPTY.doses, TIMES, y, EMPTY.censored, EMPTY.lloq, {}, EMPTY.record_times)


def _likelihood(subject: Subject, eta: np.ndarray) -> float:
    """−2·log likelihood without 2π: Σ log g² + (y − f)²/g² (the OFV without its prior term)."""
    f = predict_subject(MODEL, subject, eta)
    g = MODEL.errors["parent"].sd(f)
    return float(np.sum(np.log(g**2) + ((subject.observations - f) / g) ** 2))


def test_a_weight_of_one_is_the_plain_map_estimate_exactly():
    subject = _observed()
    plain, weighted = estimate(MODEL, subject), estimate(MODEL, subject, prior_weight=1.0)
    assert np.array_equal(plain.eta, weighted.eta)
    assert plain.ofv == weighted.ofv
    assert np.array_equal(plain.covariance, weighted.covariance)


def test_the_prior_term_is_weighted():
    subject, eta = _observed(), np.array([0.3, -0.2])
    prior = float(eta @ np.linalg.solve(MODEL.omega.matrix, eta))
    assert objective(MODEL, subject, eta, prior_weight=0.25) == pytest.approx(_likelihood(subject, eta) + 0.25 * prior,
                                                                              rel=1e-12)


def test_a_flat_prior_tends_to_the_maximum_likelihood_eta():
    subject = _observed()
    ml = minimize(lambda eta: _likelihood(subject, eta), np.zeros(2), method="Nelder-Mead",
                  options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 10000}).x
    plain, flat = estimate(MODEL, subject), estimate(MODEL, subject, prior_weight=1e-6)
    assert flat.converged
    np.testing.assert_allclose(flat.eta, ml, atol=1e-3)
    assert np.max(np.abs(plain.eta - ml)) > 0.01  # the full prior does pull away from ML


def test_the_laplace_covariance_grows_as_the_weight_falls():
    subject = _observed()
    covariances = [estimate(MODEL, subject, prior_weight=w).covariance for w in (1.0, 0.5, 0.1)]
    for tighter, wider in pairwise(covariances):
        assert np.all(np.linalg.eigvalsh(wider - tighter) > 0)


@pytest.mark.parametrize("weight", [0.0, -0.5, 1.5, np.nan])
def test_a_weight_outside_zero_to_one_is_refused(weight):
    with pytest.raises(PbpkInputError, match="prior_weight"):
        estimate(MODEL, _observed(), prior_weight=weight)
    with pytest.raises(PbpkInputError, match="prior_weight"):
        objective(MODEL, _observed(), np.zeros(2), prior_weight=weight)


def _records(tmp_path, lines: list[str]) -> Subject:
    path = tmp_path / "records.csv"
    path.write_text("ID,TIME,AMT,RATE,DV,EVID,ADDL,II\n" + "\n".join(lines) + "\n")
    return read_records(path, MODEL)["1"]


def _period(t0: float, evid: int) -> list[str]:
    """An infusion of 100 over 2 h and another 12 h later, sampled at 1, 3, 12 (trough) and 20 h."""
    return [f"1,{t0},100,50,.,{evid},1,12", *(f"1,{t0 + dt},.,.,1,0,.,." for dt in (1.0, 3.0, 12.0, 20.0))]


def test_a_period_after_an_evid_4_reset_is_predicted_as_the_first(tmp_path):
    subject = _records(tmp_path, _period(0.0, 1) + _period(30.0, 4))
    assert np.array_equal(subject.resets, [30.0])
    predicted = predict_subject(MODEL, subject, np.array([0.2, -0.1]))
    assert np.all(predicted[:4] > 0)
    np.testing.assert_allclose(predicted[4:], predicted[:4], rtol=0, atol=1e-12)
    without = _records(tmp_path, _period(0.0, 1) + _period(30.0, 1))
    assert np.all(predict_subject(MODEL, without, np.array([0.2, -0.1]))[4:] > predicted[4:])
    assert estimate(MODEL, subject).converged  # predict_many (the batched objective) is cut at the reset too


def test_an_evid_3_reset_empties_the_system_until_the_next_dose(tmp_path):
    subject = _records(tmp_path, ["1,0,100,50,.,1,.,.", "1,4,.,.,1,0,.,.", "1,5,.,.,.,3,.,.", "1,5,.,.,1,0,.,.",
                                  "1,6,.,.,1,0,.,.", "1,10,.,.,1,0,.,.", "1,12,100,0,.,1,.,.", "1,13,.,.,1,0,.,."])
    predicted = predict_subject(MODEL, subject, np.zeros(2))
    single = predict_subject(MODEL, EMPTY, np.zeros(2))  # a bolus of 100 at 0 sampled at TIMES
    assert predicted[0] > 0 and predicted[1] > 0  # at the reset time the sample sees the state before it
    assert np.array_equal(predicted[2:4], [0.0, 0.0])
    assert predicted[4] == pytest.approx(single[1], rel=1e-12)  # 1 h after the bolus at 12


def test_a_reset_after_an_earlier_records_dose_at_or_after_its_time_is_refused(tmp_path):
    with pytest.raises(PbpkInputError, match="reset"):
        _records(tmp_path, ["1,0,100,0,.,1,2,12", "1,6,.,.,1,0,.,.", "1,20,.,.,.,3,.,."])
    with pytest.raises(PbpkInputError, match="reset"):
        _records(tmp_path, ["1,0,100,0,.,1,.,.", "1,6,100,0,.,1,.,.", "1,6,.,.,.,3,.,."])
