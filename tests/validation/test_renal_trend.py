"""Clearance of a renally cleared drug against creatinine clearance, against a published regression."""

import numpy as np
import pytest

from pbpk.qualification.renal_trend import WITHIN, load_regressions, renal_trend


@pytest.fixture(scope="module")
def vancomycin():
    [regression] = [r for r in load_regressions() if r.id == "vancomycin-matzke-1984"]
    return renal_trend(regression)


def test_vancomycin_clearance_rises_with_crcl_at_the_published_slope(vancomycin):
    """Matzke 1984: CL = 3.66 + 0.689 CrCL (mL/min); the simulated slope is within 25 %."""
    assert vancomycin.regression.slope == 0.689 and vancomycin.regression.intercept == 3.66
    assert abs(vancomycin.slope_error()) <= WITHIN
    assert np.all(np.diff(vancomycin.clearance) > 0)
    residual = vancomycin.clearance - (vancomycin.intercept + vancomycin.slope * vancomycin.crcl)
    assert np.abs(residual).max() < 0.05 * vancomycin.clearance.max()  # linear in CrCL, as published


def test_the_intercept_miss_is_reported_not_hidden(vancomycin):
    """The non-renal clearance (16 mL/min from urinary recovery) stays in CKD while Matzke's patients' fell to
    ~4 mL/min: the intercept is outside 25 % and the trend is reported as not agreeing."""
    assert vancomycin.intercept_error() > WITHIN and not vancomycin.agrees()
