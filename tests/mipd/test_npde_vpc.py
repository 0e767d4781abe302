"""NPDE and VPC: observations drawn from the model itself pass, a misspecified model fails.

Under the true model npde are N(0, 1) and uncorrelated within a subject (Brendel et al.
2006), and the observed percentiles fall inside the simulated 90 % bands; with the
clearance twofold off the npde are shifted, and with 1.5-fold the bands miss the observed median.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.individual_fits import Design
from pbpk.mipd.modelfile import poppk_from_dict
from pbpk.mipd.npde import npde
from pbpk.mipd.popmodel import Theta
from pbpk.mipd.solve import repeated_doses
from pbpk.mipd.vpc import vpc

MODEL = {
    "format": "pbpk-poppk/1", "name": "known", "drug": "x", "title": "known model",
    "source": {"type": "example", "reference": "made for this test"},
    "structure": {"compartments": 2}, "units": {"time": "h", "amount": "mg", "volume": "L"},
    "analytes": {"parent": {"unit": "mg/L"}}, "covariates": {"WT": {"unit": "kg"}},
    "theta": {"TVCL": {"value": 4.5}, "TVV1": {"value": 30}, "TVQ": {"value": 6.5}, "TVV2": {"value": 40}},
    "omega": [{"etas": ["ETA_CL", "ETA_V1"], "variance": [[0.09, 0.045], [0.045, 0.16]]}],
    "pk": ["CL = TVCL * (WT / 70) ** 0.75 * exp(ETA_CL)", "V1 = TVV1 * (WT / 70) * exp(ETA_V1)", "Q = TVQ",
           "V2 = TVV2"],
    "error": {"parent": {"model": "combined", "combination": "variance-sum",
                         "sd": {"additive": 0.2, "proportional": 0.1}}},
}
DESIGN = Design(repeated_doses(1000.0, 12.0, 2, duration=1.0), np.array([0.5, 1.0, 2.0, 4.0, 8.0, 12.0, 13.0, 24.0]))


PROFILE = Design(DESIGN.doses, np.linspace(0.5, 24.0, 48))


def _observed(model, n: int, seed: int, design: Design = DESIGN):
    rng = np.random.default_rng(seed)
    covariates = {"WT": rng.lognormal(np.log(75), 0.25, n)}
    prediction = model.predict(design.doses, design.times, covariates, model.sample_eta(n, rng)).concentration()
    return model.errors["parent"].sample(prediction, rng), covariates


def _misspecified(model, factor: float):
    return replace(model, thetas=tuple(Theta(t.name, t.value * factor) if t.name == "TVCL" else t
                                       for t in model.thetas))


def test_npde_of_the_true_model_are_standard_normal_and_decorrelated():
    model = poppk_from_dict(MODEL, where="test")
    observed, covariates = _observed(model, 300, seed=1)
    result = npde(model, observed, DESIGN, covariates, replicates=500, seed=2)
    tests = result.tests()
    assert tests["n"] == 300 * DESIGN.times.size
    assert abs(tests["mean"]) < 0.08 and abs(tests["variance"] - 1) < 0.1
    assert tests["p_global"] > 0.01
    raw = np.corrcoef(np.log(observed[:, 3]), np.log(observed[:, 4]))[0, 1]
    decorrelated = np.corrcoef(result.values[:, 3], result.values[:, 4])[0, 1]
    assert raw > 0.5 and abs(decorrelated) < 0.15


def test_npde_detect_a_clearance_off_twofold():
    model = poppk_from_dict(MODEL, where="test")
    observed, covariates = _observed(_misspecified(model, 2.0), 300, seed=1)
    tests = npde(model, observed, DESIGN, covariates, replicates=500, seed=2).tests()
    assert tests["mean"] < -0.5 and tests["p_global"] < 1e-6


def test_vpc_bands_hold_the_true_model_and_miss_a_wrong_one():
    model = poppk_from_dict(MODEL, where="test")
    observed, covariates = _observed(model, 300, seed=3, design=PROFILE)
    check = vpc(model, observed, PROFILE, covariates, replicates=100, seed=4)
    assert check.simulated.shape == (100, 3, PROFILE.times.size)
    assert np.all(check.outside() <= 0.35)
    wrong = vpc(_misspecified(model, 1.5), observed, PROFILE, covariates, replicates=100, seed=4)
    assert wrong.outside()[1] >= 0.8


def test_npde_refuses_too_few_replicates_and_a_wrong_shape():
    model = poppk_from_dict(MODEL, where="test")
    observed, covariates = _observed(model, 5, seed=1)
    with pytest.raises(PbpkInputError, match="at least 100 simulations"):
        npde(model, observed, DESIGN, covariates, replicates=10)
    with pytest.raises(PbpkInputError, match="subjects × 8 times"):
        npde(model, observed[:, :3], DESIGN, covariates)


def test_npde_of_an_unobserved_subject_and_of_a_time_without_spread():
    """A subject with no observations gives no npde; a time whose simulations all tie with the observation
    (before the first dose: 0 under a proportional error) gives npde 0 (pde ½, mid-rank), not −3.09."""
    model = poppk_from_dict({**MODEL, "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.1}}}},
                            where="test")
    design = Design(tuple(d for d in DESIGN.doses if d.time > 0), DESIGN.times)  # first dose at 12 h
    observed, covariates = _observed(model, 4, seed=1, design=design)
    observed[1] = np.nan
    result = npde(model, observed, design, covariates, replicates=200, seed=2)
    assert np.isnan(result.values[1]).all()
    before = design.times < 12.0
    assert np.all(result.values[[0, 2, 3]][:, before] == 0.0)
    assert np.all(np.isfinite(result.values[[0, 2, 3]][:, ~before]))
