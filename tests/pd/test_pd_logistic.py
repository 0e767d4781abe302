"""Logistic and Emax probability models on a small hand-computed case."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.pd.logistic import EmaxProbability, Logistic


def test_logistic_by_hand():
    model = Logistic(intercept=-3.0, slope=0.02)       # logit at x = 100: −1
    assert float(model.probability(100.0)) == pytest.approx(1 / (1 + math.e), rel=1e-14)   # 0.268941…
    assert float(model.probability(150.0)) == pytest.approx(0.5, rel=1e-14)
    np.testing.assert_allclose(model.probability([0.0, 250.0]), [1 / (1 + math.exp(3)), 1 / (1 + math.exp(-2))],
                               rtol=1e-14)


def test_logistic_in_log_exposure():
    model = Logistic(intercept=-5.0, slope=1.0, log_exposure=True)
    assert float(model.probability(math.e**5)) == pytest.approx(0.5, rel=1e-14)
    assert float(model.probability(math.e**6)) == pytest.approx(1 / (1 + math.exp(-1)), rel=1e-14)
    with pytest.raises(PbpkInputError, match="ln x"):
        model.probability(0.0)


def test_exposure_for_a_probability_inverts_the_model():
    for model in (Logistic(-3.0, 0.02), Logistic(-5.0, 1.2, log_exposure=True)):
        x = model.exposure_for(0.33)
        assert float(model.probability(x)) == pytest.approx(0.33, rel=1e-12)


def test_no_overflow_at_extreme_logits():
    p = Logistic(0.0, 1.0).probability([0.0, 1e6])
    np.testing.assert_allclose(p, [0.5, 1.0])


def test_emax_probability_by_hand():
    model = EmaxProbability(p0=0.05, pmax=0.6, ec50=40.0, hill=2.0)
    assert float(model.probability(40.0)) == pytest.approx(0.35, rel=1e-14)
    assert float(model.probability(120.0)) == pytest.approx(0.05 + 0.6 * 0.9, rel=1e-13)
    with pytest.raises(PbpkInputError) as info:
        EmaxProbability(p0=0.5, pmax=0.6, ec50=1.0)
    assert info.value.field == "pmax"
