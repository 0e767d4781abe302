"""Closed-form steady-state exposures of virtual patients: AUCτ = F·Dose/CL, Cavg = AUCτ/τ."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.pd.exposure import ClosedFormExposure


def test_typical_exposure_by_hand():
    auc = ClosedFormExposure(clearance=4.0, iiv_cv=0.3, metric="auc", unit="ng*h/mL")
    assert auc.typical(100.0) == pytest.approx(100.0 / 4.0 * 1000.0)          # 25 mg·h/L
    cavg = ClosedFormExposure(clearance=4.0, iiv_cv=0.3, metric="cavg", unit="ug/mL", interval=12.0)
    assert cavg.typical(100.0) == pytest.approx(100.0 / 4.0 / 12.0)
    assert ClosedFormExposure(4.0, 0.3, bioavailability=0.5).typical(100.0) == pytest.approx(12.5)


def test_lognormal_clearance_has_the_published_cv():
    model = ClosedFormExposure(clearance=3.33, iiv_cv=0.398)
    cl = model.clearances(200_000, np.random.default_rng(7))
    assert np.std(np.log(cl)) == pytest.approx(np.sqrt(np.log(1 + 0.398**2)), rel=0.01)
    assert np.median(cl) == pytest.approx(3.33, rel=0.01)
    assert np.std(cl) / np.mean(cl) == pytest.approx(0.398, rel=0.02)   # CV on the natural scale


def test_same_patients_scale_with_dose_and_low_doses_lose_bioavailability():
    model = ClosedFormExposure(clearance=2.0, iiv_cv=0.4, low_dose=(30.0, -0.151))
    cl = model.clearances(50, np.random.default_rng(1))
    np.testing.assert_allclose(model.exposures(60.0, cl), 2 * model.exposures(30.0, cl), rtol=1e-14)
    np.testing.assert_allclose(model.exposures(20.0, cl), 0.849 * 20.0 / cl, rtol=1e-14)


@pytest.mark.parametrize("changes, field", [
    ({"clearance": 0.0}, "clearance"),
    ({"metric": "cmax"}, "metric"),
    ({"unit": "L/h"}, "unit"),
    ({"low_dose": (30.0, -1.5)}, "low_dose.change"),
])
def test_bad_exposure_models(changes, field):
    with pytest.raises(PbpkInputError) as info:
        ClosedFormExposure(**{"clearance": 3.0, "iiv_cv": 0.3, **changes})
    assert info.value.field == field
