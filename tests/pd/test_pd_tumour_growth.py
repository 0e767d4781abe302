"""Tumour growth inhibition (Claret 2009): closed form at constant exposure, integration otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.pd.tumour_growth import TumourGrowthInhibition

KL, KD, LAM, Y0 = 0.015, 0.004, 0.05, 80.0   # 1/week, 1/(week·mg), 1/week, mm


def closed_form(t, exposure, kl=KL, kd=KD, lam=LAM, y0=Y0):
    return y0 * np.exp(kl * t - kd * exposure * (1 - np.exp(-lam * t)) / lam)


def test_constant_exposure_follows_the_closed_form():
    t = np.linspace(0.0, 52.0, 27)
    tgi = TumourGrowthInhibition(KL, KD, LAM, Y0)
    np.testing.assert_allclose(tgi.size(t, 10.0), closed_form(t, 10.0), rtol=1e-14)


def test_integration_agrees_with_the_closed_form():
    t = np.linspace(0.0, 52.0, 27)
    tgi = TumourGrowthInhibition(KL, KD, LAM, Y0)
    np.testing.assert_allclose(tgi.size(t, lambda _: 10.0), closed_form(t, 10.0), rtol=1e-8)


def test_without_resistance_the_kill_is_linear_in_time():
    tgi = TumourGrowthInhibition(KL, KD, 0.0, Y0)
    t = np.array([0.0, 4.0, 20.0])
    np.testing.assert_allclose(tgi.size(t, 10.0), Y0 * np.exp((KL - KD * 10.0) * t), rtol=1e-14)


def test_time_varying_exposure_against_its_integral():
    """E(t) = E0·e^(−kt): ∫₀ᵗ e^(−λs)E(s) ds = E0·(1 − e^(−(λ+k)t))/(λ + k)."""
    e0, k = 20.0, 0.1
    t = np.linspace(0.0, 40.0, 21)
    expected = Y0 * np.exp(KL * t - KD * e0 * (1 - np.exp(-(LAM + k) * t)) / (LAM + k))
    tgi = TumourGrowthInhibition(KL, KD, LAM, Y0)
    np.testing.assert_allclose(tgi.size(t, lambda s: e0 * np.exp(-k * s)), expected, rtol=1e-8)


def test_week8_change_and_the_nadir():
    tgi = TumourGrowthInhibition(KL, KD, LAM, Y0)
    assert float(tgi.week8_change(10.0)) == pytest.approx(closed_form(8.0, 10.0) / Y0 - 1, rel=1e-13)
    assert float(tgi.week8_change(10.0)) < 0 < float(tgi.week8_change(0.0))
    nadir = float(tgi.time_to_regrowth(10.0))             # dy/dt = 0: KL = KD·E·e^(−λt)
    assert KD * 10.0 * np.exp(-LAM * nadir) == pytest.approx(KL, rel=1e-12)
    sizes = tgi.size(np.array([nadir - 0.5, nadir, nadir + 0.5]), 10.0)
    assert sizes[1] < sizes[0] and sizes[1] < sizes[2]
    assert float(tgi.time_to_regrowth(1.0)) == 0.0        # too little drug: it never shrinks


def test_per_subject_parameters():
    tgi = TumourGrowthInhibition(KL, np.array([KD, 2 * KD]), LAM, Y0)
    t = np.array([0.0, 8.0])
    sizes = tgi.size(t, np.array([10.0, 5.0]))            # KD·E equal for both
    np.testing.assert_allclose(sizes[0], sizes[1], rtol=1e-14)
    assert tgi.week8_change(np.array([10.0, 5.0])).shape == (2,)


def test_bad_parameters():
    with pytest.raises(PbpkInputError) as info:
        TumourGrowthInhibition(KL, KD, LAM, y0=0.0)
    assert info.value.field == "y0"
    with pytest.raises(PbpkInputError, match="exposure"):
        TumourGrowthInhibition(KL, KD, LAM, Y0).size([1.0], -3.0)
