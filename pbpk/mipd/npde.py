"""Normalised prediction distribution errors (NPDE) of observations under a population model.

For each subject, the model (its covariates, η drawn from Ω, ε from σ) is simulated
``replicates`` times at the subject's sample times; the observations and the simulations
are decorrelated with the Cholesky factor of the simulated covariance (a symmetric
inverse square root when that covariance is not positive definite), the prediction
discrepancy pde is the fraction of simulated values below the observed one (ties count
half; 1/2K and 1 − 1/2K at the edges), and npde = Φ⁻¹(pde) (Brendel et al. 2006, Pharm Res 23:2036;
Comets et al. 2008, Comput Methods Programs Biomed 90:154). Under a correct model the
npde are N(0, 1): mean tested by Student's t, variance by Fisher's χ² test, normality by
Shapiro–Wilk (on 5000 values drawn at random when there are more), and the global
p-value is the Bonferroni-corrected smallest of the three — the test Maharaj et al. 2020
(J Pharmacokinet Pharmacodyn 47:199) apply to PBPK population predictions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.individual_fits import Design
from pbpk.mipd.popmodel import PopulationModel

#: Subjects simulated together (each with ``replicates`` copies).
CHUNK = 16
#: Most values given to the Shapiro–Wilk test.
SHAPIRO_MAX = 5000


@dataclass(frozen=True)
class NPDE:
    """npde per subject and sample time (NaN where no value), with the tests of N(0, 1)."""

    values: np.ndarray  # subjects × times
    times: np.ndarray
    replicates: int

    @property
    def pooled(self) -> np.ndarray:
        return self.values[np.isfinite(self.values)]

    def tests(self, seed: int = 0) -> dict[str, float]:
        """Mean, variance, skewness, kurtosis and the p-values of the mean, variance, normality and global tests."""
        x = self.pooled
        n = x.size
        if n < 3:
            raise PbpkInputError("npde", "values", n, "at least 3 npde values")
        chi2 = (n - 1) * np.var(x, ddof=1)
        p_variance = 2 * min(stats.chi2.cdf(chi2, n - 1), stats.chi2.sf(chi2, n - 1))
        sample = x if n <= SHAPIRO_MAX else np.random.default_rng(seed).choice(x, SHAPIRO_MAX, replace=False)
        p_mean = float(stats.ttest_1samp(x, 0.0).pvalue)
        p_normal = float(stats.shapiro(sample).pvalue)
        return {"n": n, "mean": float(np.mean(x)), "variance": float(np.var(x, ddof=1)),
                "skewness": float(stats.skew(x)), "kurtosis": float(stats.kurtosis(x)),
                "p_mean": p_mean, "p_variance": float(min(p_variance, 1.0)), "p_normality": p_normal,
                "p_global": float(min(1.0, 3 * min(p_mean, p_variance, p_normal)))}


def npde(model: PopulationModel, observations: np.ndarray, design: Design, covariates: Mapping[str, np.ndarray], *,
         amount_scale: np.ndarray | None = None, replicates: int = 1000, seed: int = 0,
         at_dose_time: str = "before", progress: Callable[[int], None] | None = None) -> NPDE:
    """NPDE of ``observations`` (subjects × ``design.times``, the model's analyte unit; NaN = not observed).

    ``covariates``: each of the model's covariates, one value per subject; ``amount_scale``: per-subject
    dose factor (body weight for doses in mg/kg); ``at_dose_time``: observations at a dose time were
    taken "before" or "after" the dose.
    """
    observations = np.asarray(observations, dtype=float)
    subjects, count = observations.shape
    if count != design.times.size:
        raise PbpkInputError("npde", "observations", observations.shape, f"subjects × {design.times.size} times")
    if replicates < 100:
        raise PbpkInputError("npde", "replicates", replicates, "at least 100 simulations per subject")
    rng = np.random.default_rng(seed)
    error = model.errors["parent"]
    values = np.full(observations.shape, np.nan)
    for start in range(0, subjects, CHUNK):
        rows = np.arange(start, min(start + CHUNK, subjects))
        repeated = np.repeat(rows, replicates)
        prediction = model.predict(design.doses, design.times, {k: np.asarray(v)[repeated] for k, v in covariates.items()},
                                   model.sample_eta(repeated.size, rng),
                                   amount_scale=None if amount_scale is None else np.asarray(amount_scale)[repeated],
                                   at_dose_time=at_dose_time)
        simulated = error.sample(prediction.concentration(), rng).reshape(rows.size, replicates, count)
        for k, row in enumerate(rows):
            values[row] = _subject_npde(observations[row], simulated[k])
        if progress is not None:
            progress(rows.size)
    return NPDE(values, design.times, replicates)


def _subject_npde(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """npde of one subject's observations (times) from its simulations (replicates × times)."""
    result = np.full(observed.shape, np.nan)
    seen = np.isfinite(observed)
    if not seen.any():
        return result
    sims = simulated[:, seen]
    mean = sims.mean(axis=0)
    covariance = np.atleast_2d(np.cov(sims, rowvar=False))
    try:
        whiten = np.linalg.inv(np.linalg.cholesky(covariance))
    except np.linalg.LinAlgError:
        eigenvalues, vectors = np.linalg.eigh(covariance)
        floor = max(eigenvalues.max(), 1e-300) * 1e-12
        whiten = vectors @ np.diag(1 / np.sqrt(np.maximum(eigenvalues, floor))) @ vectors.T
    decorrelated_sims = (sims - mean) @ whiten.T
    decorrelated = whiten @ (observed[seen] - mean)
    replicates = sims.shape[0]
    # mid-rank for ties (a time whose simulations do not vary, e.g. before the first dose)
    pde = np.mean(decorrelated_sims < decorrelated, axis=0) + 0.5 * np.mean(decorrelated_sims == decorrelated, axis=0)
    pde = np.clip(pde, 1 / (2 * replicates), 1 - 1 / (2 * replicates))
    result[seen] = stats.norm.ppf(pde)
    return result
