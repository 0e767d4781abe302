"""Library models predict what the engines they come from predict (MIPD test vector TV6, posologyr).

TV6 (``../shared/validation/mipd/README.md``): the Goti 2018 vancomycin model for patient 04
of posologyr's dose-optimisation tests (CLCREAT 65 mL/min, WT 70 kg, no dialysis) with its
individual η fixed; posologyr's answers were found by root search on its own ODE solution.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.solve import Dose, repeated_doses

ETA = np.array([[0.10796221, 0.04643863, 0.06859768]])
PATIENT = {"CLCREAT": 65.0, "WT": 70.0, "DIAL": 0.0}


@pytest.fixture(scope="module")
def goti():
    return load_poppk("vancomycin-goti-2018")


def test_single_dose_for_auc_and_concentration_targets(goti):
    per_gram = goti.predict([Dose(0.0, 1000.0, duration=2.0)], [24.0], PATIENT, ETA)
    assert 400 / per_gram.auc()[0, 0] * 1000 == pytest.approx(2377.758, rel=1e-6)
    assert 11.04931 / per_gram.concentration()[0, 0] * 1000 == pytest.approx(2530.699, rel=1e-6)


def test_time_to_fall_to_a_threshold_on_posologyr_grid(goti):
    grid = np.round(np.arange(0.0, 48.0 + 1e-9, 0.1), 10)
    c = goti.predict([Dose(0.0, 1500.0, duration=2.0)], grid, PATIENT, ETA).concentration()[0]
    assert grid[np.nonzero((grid > 2.0) & (c <= 10.0))[0][0]] == pytest.approx(11.2)


def test_multiple_dose_auc_and_continuous_infusion_targets(goti):
    intermittent = goti.predict(repeated_doses(1000.0, 24.0, 11, duration=2.0), [216.0, 240.0], PATIENT, ETA)
    auc = np.diff(intermittent.auc()[0])[0]
    assert 400 / auc * 1000 == pytest.approx(1229.366, rel=1e-6)
    continuous = goti.predict(repeated_doses(1000.0, 24.0, 11, duration=24.0), [237.6], PATIENT, ETA)
    assert 400 / 24 / continuous.concentration()[0, 0] * 1000 == pytest.approx(1229.426, rel=1e-6)


def test_interval_for_a_trough_target(goti):
    def trough_minus_target(interval: float) -> float:
        doses = repeated_doses(2000.0, interval, 11, duration=2.0)
        return goti.predict(doses, [11 * interval], PATIENT, ETA).concentration()[0, 0] - 10.0

    # posologyr reports 35.9 h from a search on a 0.1 h grid; the exact root lies within that step
    assert brentq(trough_minus_target, 12.0, 72.0) == pytest.approx(35.9, abs=0.1)
