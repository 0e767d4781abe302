"""Clearance of a renally cleared drug against creatinine clearance, against a published regression."""

import numpy as np
import pytest

from pbpk.qualification.renal_trend import WITHIN, load_regressions, renal_trend


def trend(regression_id: str):
    [regression] = [r for r in load_regressions() if r.id == regression_id]
    return renal_trend(regression)


@pytest.fixture(scope="module")
def vancomycin():
    return trend("vancomycin-matzke-1984")


@pytest.fixture(scope="module")
def cefepime():
    return trend("cefepime-an-2023")


def test_vancomycin_clearance_is_linear_in_crcl_with_the_published_intercept(vancomycin):
    """Matzke 1984: CL = 3.66 + 0.689 CrCL (mL/min). The non-renal clearance falls with the remaining GFR to the
    label's anephric 0.14 of it, so the simulated line meets CrCL 0 within 25 % of 3.66 mL/min."""
    assert vancomycin.regression.slope == 0.689 and vancomycin.regression.intercept == 3.66
    assert abs(vancomycin.intercept_error()) <= WITHIN
    assert np.all(np.diff(vancomycin.clearance) > 0)
    residual = vancomycin.clearance - (vancomycin.intercept + vancomycin.slope * vancomycin.crcl)
    assert np.abs(residual).max() < 0.05 * vancomycin.clearance.max()  # linear in CrCL, as published


def test_the_vancomycin_slope_miss_is_reported_not_hidden(vancomycin):
    """The simulated slope is steeper than Matzke's (about 0.96 against 0.689): pbpk's renal clearance is
    fu·GFR plus secretion fitted to Golper 1988 (0.89 x inulin, 0.79 x creatinine clearance) and it takes the
    CrCL as the GFR, while Matzke's patients cleared 0.689 x CrCL. Outside 25 %, reported as not agreeing."""
    assert vancomycin.slope_error() > WITHIN and not vancomycin.agrees()


def test_cefepime_clearance_rises_with_crcl_to_the_published_intercept(cefepime):
    """An 2023 (critically ill adults): CL = 8.77 + 0.617 CrCL (mL/min) over the cohort's CrCL IQR 52-126 mL/min;
    the line fitted to the simulated clearances meets CrCL 0 within 25 % of An's fixed non-renal 8.77 mL/min."""
    assert cefepime.regression.slope == 0.617 and cefepime.regression.intercept == 8.77
    assert abs(cefepime.intercept_error()) <= WITHIN
    assert np.all(np.diff(cefepime.clearance) > 0)


def test_cefepime_slope_miss_is_reported(cefepime):
    """The simulated slope (about 0.83, fu 0.836 times the GFR that the CrCL is taken as) is steeper than An's
    0.617 per mL/min of Cockcroft-Gault CrCL with lean body weight: outside 25 %, reported as not agreeing."""
    assert cefepime.slope_error() > WITHIN and not cefepime.agrees()
