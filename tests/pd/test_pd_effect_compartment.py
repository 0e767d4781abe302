"""The effect-site concentration: exact for a plasma profile linear between samples."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pbpk.core.errors import PbpkInputError
from pbpk.pd.effect_compartment import effect_site, equilibration_half_life


def bateman(t, dose=100.0, ka=1.2, ke=0.15, v=20.0):
    """A smooth one-compartment oral profile."""
    return dose / v * ka / (ka - ke) * (np.exp(-ke * t) - np.exp(-ka * t))


def test_constant_plasma_concentration_is_approached_exponentially():
    t = np.linspace(0.0, 50.0, 26)
    ce = effect_site(t, np.full(t.size, 8.0), ke0=0.3)
    np.testing.assert_allclose(ce, 8.0 * (1 - np.exp(-0.3 * t)), rtol=1e-13, atol=1e-14)
    assert ce[-1] == pytest.approx(8.0, rel=1e-6)  # Ce → Cp


def test_starts_from_the_given_initial_value():
    t = np.array([0.0, 2.0, 4.0])
    ce = effect_site(t, [1.0, 1.0, 1.0], ke0=0.5, initial=3.0)
    np.testing.assert_allclose(ce, 1.0 + 2.0 * np.exp(-0.5 * t), rtol=1e-13)


def test_matches_solve_ivp_on_the_same_interpolated_profile():
    t = np.concatenate([np.linspace(0, 4, 17), np.linspace(5, 48, 44)])
    cp = bateman(t)
    ke0 = 0.7
    reference = solve_ivp(lambda s, y: ke0 * (np.interp(s, t, cp) - y), (t[0], t[-1]), [0.0], t_eval=t,
                          method="LSODA", rtol=1e-12, atol=1e-14, max_step=0.05).y[0]
    np.testing.assert_allclose(effect_site(t, cp, ke0), reference, rtol=1e-7, atol=1e-9)


def test_matches_solve_ivp_on_the_smooth_profile_to_the_interpolation_error():
    """Against the smooth profile itself the only error is linear interpolation's: second order in the step."""
    ke0 = 0.4
    reference = solve_ivp(lambda s, y: ke0 * (bateman(s) - y), (0.0, 48.0), [0.0], t_eval=np.linspace(0, 48, 97),
                          method="LSODA", rtol=1e-12, atol=1e-14).y[0]
    errors = []
    for samples in (481, 961):   # 6 and 3 min steps
        t = np.linspace(0.0, 48.0, samples)
        ce = effect_site(t, bateman(t), ke0)[:: (samples - 1) // 96]
        errors.append(np.max(np.abs(ce - reference)) / reference.max())
    assert errors[1] < 2e-4
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.05)
    assert reference.argmax() > bateman(np.linspace(0, 48, 97)).argmax()  # the effect site peaks later: hysteresis


def test_values_between_samples_are_the_same_exact_solution():
    t = np.linspace(0.0, 24.0, 13)
    cp = bateman(t)
    fine = np.linspace(0.0, 24.0, 241)
    direct = effect_site(fine, np.interp(fine, t, cp), ke0=0.25)
    np.testing.assert_allclose(effect_site(t, cp, ke0=0.25, at=fine), direct, rtol=1e-11, atol=1e-13)


def test_per_subject_profiles_and_rate_constants():
    t = np.linspace(0.0, 12.0, 25)
    profiles = np.vstack([bateman(t), 2 * bateman(t)])
    both = effect_site(t, profiles, ke0=[0.2, 1.5])
    assert both.shape == (2, 25)
    np.testing.assert_allclose(both[0], effect_site(t, profiles[0], 0.2), rtol=1e-14)
    np.testing.assert_allclose(both[1], effect_site(t, profiles[1], 1.5), rtol=1e-14)


def test_slow_and_fast_equilibration_keep_their_digits():
    t = np.linspace(0.0, 10.0, 11)
    cp = t.copy()   # Cp = t
    slow = effect_site(t, cp, ke0=1e-9)           # Ce ≈ ke0·t²/2
    np.testing.assert_allclose(slow[1:], 1e-9 * t[1:] ** 2 / 2, rtol=1e-6)
    fast = effect_site(t, cp, ke0=1e6)            # Ce ≈ Cp − 1/ke0
    np.testing.assert_allclose(fast[1:], t[1:] - 1e-6, rtol=1e-9)


def test_half_life_and_bad_input():
    assert float(equilibration_half_life(np.log(2) / 5)) == pytest.approx(5.0)
    with pytest.raises(PbpkInputError) as info:
        effect_site([0.0, 2.0, 1.0], [1.0, 1.0, 1.0], 0.5)
    assert info.value.field == "times[2]"
    with pytest.raises(PbpkInputError, match="ke0"):
        effect_site([0.0, 1.0], [1.0, 1.0], 0.0)
    with pytest.raises(PbpkInputError, match="at"):
        effect_site([0.0, 1.0], [1.0, 1.0], 0.5, at=[2.0])
