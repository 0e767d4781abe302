"""The Laplace posterior: draws from N(η̂, C), parameter intervals and prediction bands."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import norm

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.posterior import laplace_posterior
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose

MODEL = load_poppk("example-pkpdmap-run1")  # CL = 7.67·e^η1, V = 97.7·e^η2 (TV2)
SUBJECT = Subject("1", (Dose(0.0, 100.0),), np.array([2.0, 12.0]), np.array([900.0, 300.0]), np.zeros(2, bool),
                  np.full(2, np.nan), {}, np.array([0.0, 2.0, 12.0]))


def _estimate(eta, covariance) -> MapEstimate:
    parameters = {"CL": 7.67 * np.exp(eta[0]), "V": 97.7 * np.exp(eta[1])}
    return MapEstimate("1", np.asarray(eta), parameters, 0.0, True, np.asarray(covariance), np.zeros(2))


def test_parameter_interval_of_a_lognormal_parameter_is_the_normal_quantile():
    se = np.array([0.2, 0.1])
    posterior = laplace_posterior(_estimate([0.1, -0.05], np.diag(se**2)), draws=20000, seed=3)
    table = posterior.parameter_intervals(MODEL, SUBJECT).set_index("parameter")
    z = norm.ppf(0.95)
    assert table.loc["CL", "P5"] == pytest.approx(7.67 * np.exp(0.1 - z * 0.2), rel=0.01)
    assert table.loc["CL", "P95"] == pytest.approx(7.67 * np.exp(0.1 + z * 0.2), rel=0.01)
    assert table.loc["V", "MAP"] == pytest.approx(97.7 * np.exp(-0.05))


def test_prediction_band_holds_the_map_profile_and_narrows_with_the_covariance():
    wide = laplace_posterior(_estimate([0.0, 0.0], np.diag([0.04, 0.04])), draws=400).prediction_band(
        MODEL, SUBJECT, np.linspace(0.5, 24.0, 20))
    narrow = laplace_posterior(_estimate([0.0, 0.0], np.diag([1e-4, 1e-4])), draws=400).prediction_band(
        MODEL, SUBJECT, np.linspace(0.5, 24.0, 20))
    assert np.all(wide["low"] <= wide["map"]) and np.all(wide["map"] <= wide["high"])
    assert np.all(narrow["high"] - narrow["low"] < 0.2 * (wide["high"] - wide["low"]))
    assert narrow["map"] == pytest.approx(narrow["population"])  # η̂ = 0


def test_a_covariance_that_is_not_positive_definite_is_refused():
    with pytest.raises(PbpkInputError, match="positive definite"):
        laplace_posterior(replace(_estimate([0.0, 0.0], np.diag([0.04, 0.04])), covariance=np.full((2, 2), np.nan)))
