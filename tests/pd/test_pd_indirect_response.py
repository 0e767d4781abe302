"""Indirect response models I–IV (Dayneka 1993): analytic steady states and the exact time course."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.pd.indirect_response import IndirectResponse

KIN, KOUT, C50 = 12.0, 0.3, 4.0
C = 6.0                                   # I(C) = 0.9·6/10 = 0.54, S(C) = 2.5·6/10 = 1.5
R0 = KIN / KOUT                           # 40
HAND = {1: R0 * (1 - 0.54), 2: R0 / (1 - 0.54), 3: R0 * (1 + 1.5), 4: R0 / (1 + 1.5)}


def model(number: int, **changes) -> IndirectResponse:
    drug_max = 0.9 if number in (1, 2) else 2.5
    return IndirectResponse(number, **{"kin": KIN, "kout": KOUT, "drug_max": drug_max, "c50": C50, **changes})


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_each_model_reaches_its_analytic_steady_state(number):
    """Integrated at a constant C for 30 half-lives of the slowest rate, R ends at the hand value."""
    slowest = KOUT * min(1 - 0.54, 1.0)
    t = np.linspace(0.0, 30 * np.log(2) / slowest, 200)
    course = model(number).solve(t, lambda _: C)
    assert course[0] == pytest.approx(R0)
    assert course[-1] == pytest.approx(HAND[number], rel=1e-8)
    assert float(model(number).steady_state(C)) == pytest.approx(HAND[number], rel=1e-14)


def test_model_one_time_course_is_the_exponential_approach():
    t = np.linspace(0.0, 20.0, 81)
    exact = HAND[1] + (R0 - HAND[1]) * np.exp(-KOUT * t)
    np.testing.assert_allclose(model(1).solve(t, lambda _: C), exact, rtol=1e-8)
    np.testing.assert_allclose(model(1).constant_concentration(t, C), exact, rtol=1e-14)


@pytest.mark.parametrize("number, rate", [(2, KOUT * (1 - 0.54)), (3, KOUT), (4, KOUT * (1 + 1.5))])
def test_the_other_models_approach_at_their_own_rate(number, rate):
    t = np.linspace(0.0, 15.0, 31)
    exact = HAND[number] + (R0 - HAND[number]) * np.exp(-rate * t)
    np.testing.assert_allclose(model(number).constant_concentration(t, C), exact, rtol=1e-13)
    np.testing.assert_allclose(model(number).solve(t, lambda _: C), exact, rtol=1e-8)


def test_no_drug_keeps_the_baseline_and_hill_sharpens():
    t = np.linspace(0.0, 10.0, 11)
    np.testing.assert_allclose(model(3).solve(t, lambda _: 0.0), R0, rtol=1e-12)
    steep = model(1, hill=3.0)
    assert float(steep.steady_state(C)) == pytest.approx(R0 * (1 - 0.9 * 6**3 / (4**3 + 6**3)), rel=1e-14)


def test_driven_by_a_sampled_profile_and_per_subject_parameters():
    """A (times, values) profile per subject; with zero drug after the samples R returns to R0."""
    times = np.array([0.0, 1.0, 24.0, 48.0])
    profiles = np.array([[0.0, 8.0, 8.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    m = model(4, kin=np.array([12.0, 6.0]))
    t = np.linspace(0.0, 200.0, 41)
    course = m.solve(t, (times, profiles))
    assert course.shape == (2, 41)
    np.testing.assert_allclose(course[1], 20.0, rtol=1e-10)          # subject 2: no drug, R0 = 6/0.3
    assert course[0].min() < 40.0 * 0.9 and course[0, -1] == pytest.approx(40.0, rel=1e-6)


@pytest.mark.parametrize("number, changes, field", [
    (5, {}, "model"),
    (1, {"drug_max": 1.2}, "drug_max (Imax)"),
    (3, {"c50": -1.0}, "c50"),
    (2, {"kout": 0.0}, "kout"),
])
def test_bad_models_are_refused(number, changes, field):
    with pytest.raises(PbpkInputError) as info:
        model(number, **changes) if number != 5 else IndirectResponse(5, 1.0, 1.0, 0.5, 1.0)
    assert info.value.field == field
