"""Direct effect models: Emax, sigmoid Emax and inhibitory, checked at the points their formulas fix."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.pd.direct import Emax, Inhibitory, hill_fraction


@pytest.mark.parametrize("hill", [0.5, 1.0, 3.0])
def test_half_effect_at_ec50_for_any_hill(hill):
    model = Emax(e0=5.0, emax=20.0, ec50=3.0, hill=hill)
    assert float(model.effect(3.0)) == pytest.approx(15.0, rel=1e-14)


def test_sigmoid_emax_by_hand():
    # C = 4, EC50 = 2, γ = 2: 16/(4 + 16) = 0.8 → E = 1 + 10·0.8
    assert float(Emax(e0=1.0, emax=10.0, ec50=2.0, hill=2.0).effect(4.0)) == pytest.approx(9.0, rel=1e-14)
    assert float(hill_fraction(1.0, 3.0)) == pytest.approx(0.25, rel=1e-14)


def test_limits_and_no_overflow():
    model = Emax(e0=2.0, emax=8.0, ec50=1.0, hill=4.0)
    assert float(model.effect(0.0)) == 2.0
    assert float(model.effect(1e200)) == pytest.approx(10.0, rel=1e-14)
    assert float(model.effect(1e-200)) == pytest.approx(2.0, rel=1e-14)


def test_vectorised_over_subjects_and_times():
    c = np.array([[0.0, 1.0, 4.0], [0.0, 2.0, 8.0]])          # 2 subjects × 3 times
    ec50 = np.array([[1.0], [2.0]])                            # one EC50 per subject
    effect = Emax(e0=0.0, emax=1.0, ec50=ec50).effect(c)
    assert effect.shape == (2, 3)
    np.testing.assert_allclose(effect, [[0.0, 0.5, 0.8], [0.0, 0.5, 0.8]], rtol=1e-14)


def test_inhibitory_form():
    model = Inhibitory(e0=100.0, imax=90.0, ic50=10.0)
    np.testing.assert_allclose(model.effect([0.0, 10.0, 30.0]), [100.0, 55.0, 100.0 - 90.0 * 0.75], rtol=1e-14)
    assert float(model.inhibition(10.0)) == pytest.approx(0.45)


def test_concentration_for_inverts_the_effect():
    model = Emax(e0=1.0, emax=4.0, ec50=7.0, hill=1.7)
    c = np.array([0.5, 7.0, 40.0])
    np.testing.assert_allclose(model.concentration_for(model.effect(c)), c, rtol=1e-12)
    with pytest.raises(PbpkInputError, match="effect"):
        model.concentration_for(5.0)  # E0 + Emax itself is never reached


@pytest.mark.parametrize("field, build", [
    ("ec50", lambda: Emax(0.0, 1.0, ec50=0.0)),
    ("hill", lambda: Emax(0.0, 1.0, 1.0, hill=-1.0)),
    ("imax", lambda: Inhibitory(1.0, imax=-0.5, ic50=1.0)),
])
def test_bad_parameters_are_named(field, build):
    with pytest.raises(PbpkInputError) as info:
        build()
    assert info.value.field == field


def test_negative_concentrations_are_refused():
    with pytest.raises(PbpkInputError, match="concentration"):
        Emax(0.0, 1.0, 1.0).effect([1.0, -2.0])
