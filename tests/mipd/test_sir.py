"""Posterior draws by sampling importance resampling (SIR) against exact and grid posteriors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate, objectives
from pbpk.mipd.modelfile import poppk_from_dict
from pbpk.mipd.posterior import laplace_posterior, sir_posterior
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose

OMEGA2, SIGMA, DOSE, TVV, TVKE = 0.25, 0.3, 100.0, 20.0, 0.1


def _model(theta: dict, omega: dict, pk: list[str], error: dict):
    return poppk_from_dict({
        "format": "pbpk-poppk/1", "name": "sir", "drug": "x", "title": "SIR test model",
        "source": {"type": "example", "reference": "made for this test"}, "structure": {"compartments": 1},
        "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
        "theta": {name: {"value": value} for name, value in theta.items()}, "omega": [omega], "pk": pk,
        "error": {"parent": error}}, where="test")


# log f = log D − log TVV − η_V − k·t is linear in η_V and the error is additive on the log scale,
# so the posterior of η_V is exactly normal (conjugate normal–normal).
LINEAR = _model({"TVV": TVV, "TVKE": TVKE}, {"etas": ["ETA_V"], "variance": [[OMEGA2]]},
                ["V = TVV * exp(ETA_V)", "CL = TVKE * V"], {"model": "exponential", "sd": {"additive": SIGMA}})
# η on CL with ω² = 1, one late sample, proportional error: a skewed posterior.
SKEWED = _model({"TVCL": 2.0, "TVV": TVV}, {"etas": ["ETA_CL"], "variance": [[1.0]]},
                ["CL = TVCL * exp(ETA_CL)", "V = TVV"], {"model": "proportional", "sd": {"proportional": 0.3}})


def _subject(times, observations) -> Subject:
    times, n = np.asarray(times, dtype=float), len(times)
    return Subject("1", (Dose(0.0, DOSE),), times, np.asarray(observations, dtype=float), np.zeros(n, bool),
                   np.full(n, np.nan), {}, np.concatenate([[0.0], times]))


def test_sir_and_laplace_recover_an_exactly_normal_posterior():
    subject = _subject([1.0, 4.0, 8.0], [3.0, 2.4, 1.5])
    residual = np.log(subject.observations) - (np.log(DOSE / TVV) - TVKE * subject.times)  # = −η_V + ε
    precision = 1 / OMEGA2 + subject.times.size / SIGMA**2
    mean, sd = -residual.sum() / SIGMA**2 / precision, precision**-0.5
    fit = estimate(LINEAR, subject)
    assert fit.eta[0] == pytest.approx(mean, abs=1e-4)
    assert np.sqrt(fit.covariance[0, 0]) == pytest.approx(sd, abs=1e-4)
    draws = 2000
    posterior = sir_posterior(LINEAR, subject, fit, draws, seed=1)
    assert posterior.method == "sir" and posterior.draws.shape == (draws, 1)
    assert posterior.effective_sample_size > 0.5 * 10 * draws  # the t proposal is close to the target
    assert abs(posterior.draws.mean() - mean) < 3 * sd / np.sqrt(draws)
    assert abs(posterior.draws.std(ddof=1) - sd) < 3 * sd / np.sqrt(2 * (draws - 1))
    assert laplace_posterior(fit).effective_sample_size is None and laplace_posterior(fit).method == "laplace"


def test_sir_follows_the_long_low_clearance_tail_that_laplace_misses():
    # Observed: Laplace 90 % η_CL interval ≈ (0.03, 0.34); SIR ≈ (−0.15, 0.29), matching a grid
    # integration (−0.17, 0.29) — lower CL means a higher prediction and so a wider proportional error.
    subject = _subject([24.0], [0.3])
    fit = estimate(SKEWED, subject)
    sir = sir_posterior(SKEWED, subject, fit, 2000, seed=1)
    laplace = laplace_posterior(fit, 2000, seed=1)
    assert sir.effective_sample_size > 0.1 * 2000
    low, high = np.percentile(laplace.draws, [5, 95])
    assert low < np.median(sir.draws) < high
    assert np.percentile(sir.draws, 5) < low - 0.1  # the lower tail is much longer than the normal one
    grid = np.linspace(-3.0, 2.0, 5001)
    density = np.exp(-(objectives(SKEWED, subject, grid[:, None]) - fit.ofv) / 2)
    cdf = np.cumsum(density) / density.sum()
    exact = [grid[np.searchsorted(cdf, q)] for q in (0.05, 0.5, 0.95)]
    assert np.percentile(sir.draws, [5, 50, 95]) == pytest.approx(exact, abs=0.05)
    table = sir.parameter_intervals(SKEWED, subject).set_index("parameter")  # intervals work unchanged
    assert table.loc["CL", "P5"] < table.loc["CL", "MAP"] < table.loc["CL", "P95"]


def test_sir_refuses_too_low_an_effective_sample_size_and_too_few_proposals():
    subject = _subject([1.0, 4.0, 8.0], [3.0, 2.4, 1.5])
    fit = estimate(LINEAR, subject)
    off = replace(fit, eta=fit.eta + 1.0, covariance=fit.covariance / 100)  # a proposal far from the mode
    with pytest.raises(PbpkInputError, match="effective sample size") as error:
        sir_posterior(LINEAR, subject, off, 200)
    assert "raise proposals" in str(error.value).lower()
    with pytest.raises(PbpkInputError, match="as many proposals as draws"):
        sir_posterior(LINEAR, subject, fit, 100, proposals=50)
