"""``recommend_for`` predicts the past as MAP estimation does (an SS=1 dose, covariates NOCB) and the future
with the last record's covariates (``pbpk.mipd.dosing_history``)."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.mipd.dosing_history import history
from pbpk.mipd.map_estimation import MapEstimate, predict_subject
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.recommend import Target, recommend_for, regimens
from pbpk.mipd.records import SteadyDose, Subject
from pbpk.mipd.solve import Dose, repeated_doses, solve

ETA = np.array([0.10796221, 0.04643863, 0.06859768])
COVARIANCE = np.diag([0.02, 0.05, 0.03])
PATIENT = {"CLCREAT": 65.0, "WT": 70.0, "DIAL": 0.0}
SS = Dose(0.0, 1000.0, duration=1.0)


@pytest.fixture(scope="module")
def goti():
    return load_poppk("vancomycin-goti-2018")


def _subject(doses, times, covariates, steady_states=()) -> Subject:
    records = np.unique(np.concatenate([[d.time for d in doses], times]))
    return Subject("1", tuple(doses), np.asarray(times, dtype=float), np.full(len(times), 10.0),
                   np.zeros(len(times), bool), np.full(len(times), np.nan), covariates, records, steady_states)


def _estimate(covariance=COVARIANCE) -> MapEstimate:
    return MapEstimate("1", ETA, {}, 0.0, True, covariance, np.array([]))


def _ss_subject(covariates=PATIENT) -> Subject:
    """1 g over 1 h every 12 h at steady state at 0 (SS=1, II=12), then two more doses."""
    return _subject((SS, Dose(12.0, 1000.0, duration=1.0), Dose(24.0, 1000.0, duration=1.0)),
                    [11.5, 23.5, 30.0], covariates, (SteadyDose(SS, 12.0),))


def test_past_with_a_steady_state_dose_is_predict_subject(goti):
    subject = _ss_subject()
    past = history(goti, subject, np.vstack([ETA, ETA * 0.5])).predict((), subject.times).concentration()
    assert past[0] == pytest.approx(predict_subject(goti, subject, ETA), rel=1e-10)
    assert past[1] == pytest.approx(predict_subject(goti, subject, ETA * 0.5), rel=1e-10)


def test_future_trough_after_a_steady_state_dose_is_the_long_explicit_record(goti):
    subject = _ss_subject()
    options = regimens([750.0, 1000.0, 1500.0], [12.0], count=4, infusions=[1.0], last_dose=24.0)
    result = recommend_for(goti, subject, _estimate(np.zeros((3, 3))), Target("trough"), options, n_draws=5,
                           rng=np.random.default_rng(0))
    before = repeated_doses(1000.0, 12.0, 150, start=-149 * 12.0, duration=1.0)  # ..., -12, 0: the SS dose's past
    for k, option in enumerate(options):
        doses = before + subject.doses[1:] + option.doses()
        direct = goti.predict(doses, [option.end], PATIENT, ETA[None]).concentration()[0, 0]
        assert result.values[k, 0] == pytest.approx(direct, rel=1e-8)
        assert result.values[k, 1:] == pytest.approx(np.full(5, direct), rel=1e-12)  # draws of Σ = 0 are η̂
    # at steady state, 1 g every 12 h on stays at the SS trough: the state just before the SS dose
    assert result.values[1, 0] == pytest.approx(predict_subject(goti, _subject((SS,), [0.0], PATIENT,
                                                                               (SteadyDose(SS, 12.0),)), ETA)[0], rel=1e-10)


def _varying_subject() -> Subject:
    """1 g over 1 h every 12 h, creatinine clearance 80 mL/min until 24 h, 40 after (records 0 … 47.5)."""
    clcreat = np.array([80.0, 80.0, 80.0, 80.0, 80.0, 40.0, 40.0, 40.0])  # 0 11.5 12 23.5 24 35.5 36 47.5
    return _subject(repeated_doses(1000.0, 12.0, 4, duration=1.0), [11.5, 23.5, 35.5, 47.5],
                    {"CLCREAT": clcreat, "WT": 70.0, "DIAL": 0.0})


@pytest.mark.parametrize("steady", [False, True])
def test_past_with_time_varying_covariates_is_predict_subject(goti, steady):
    subject = _varying_subject()
    if steady:
        subject = _subject(subject.doses, subject.times, subject.covariates,
                           (SteadyDose(subject.doses[0], 12.0),))
    etas = np.vstack([ETA, -ETA])
    past = history(goti, subject, etas).predict((), subject.times).concentration()
    for row, eta in zip(past, etas):
        assert row == pytest.approx(predict_subject(goti, subject, eta), rel=1e-10)
    # the last covariates over the whole record (the former behaviour) predict another past
    last = {"CLCREAT": 40.0, "WT": 70.0, "DIAL": 0.0}
    wrong = goti.predict(subject.doses, subject.times, last, ETA[None]).concentration()[0]
    assert not np.allclose(wrong, past[0], rtol=1e-3)


def test_future_uses_the_last_covariates_from_the_state_at_the_last_record(goti):
    subject = _varying_subject()
    options = regimens([500.0, 1250.0], [12.0], count=4, infusions=[1.0], last_dose=36.0)
    estimate = _estimate()
    targets = {"trough": Target("trough"), "auc": Target("auc")}
    results = {kind: recommend_for(goti, subject, estimate, target, options, n_draws=20,
                                   rng=np.random.default_rng(3)) for kind, target in targets.items()}
    draws = np.random.default_rng(3).multivariate_normal(ETA, COVARIANCE, size=20)
    etas = np.vstack([ETA, draws])
    state = history(goti, subject, etas).predict((), [47.5]).solution.states[:, 0]
    last = goti.structural(goti.parameters({"CLCREAT": 40.0, "WT": 70.0, "DIAL": 0.0}, etas))
    for k, option in enumerate(options):
        direct = solve(goti.structure, last, subject.doses + option.doses(), [option.end - 24.0, option.end],
                       initial=state, start=47.5)
        factor = goti.concentration_factor("parent")
        trough = direct.concentrations["parent"][:, 1] * factor
        auc = (direct.auc("parent")[:, 1] - direct.auc("parent")[:, 0]) * factor
        assert results["trough"].values[k] == pytest.approx(trough, rel=1e-10)
        assert results["auc"].values[k] == pytest.approx(auc, rel=1e-10)
