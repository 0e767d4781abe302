"""Typical values, covariate effects and Ω from individual parameter estimates (the two-stage method).

Each log parameter is regressed on transformed covariates by least squares
(Steimer et al. 1984, Drug Metab Rev 15:265, the standard two-stage method):

* a positive continuous covariate enters as a power model, ln P = ln TV + β·ln(x/ref);
* a continuous covariate that can be 0 or negative as an exponential one, ln P = ln TV + β·(x − ref);
* a binary covariate (0/1) as a factor, P = TV·θ^x with θ = e^β.

**Selection rule** (forward, one parameter at a time): of the candidates not yet in, the one
that lowers the Bayesian information criterion most enters if it also (a) is significant at
p < 0.001 (F test of the added term) and (b) is clinically relevant: it changes the parameter
by at least 20 % between the covariate's 5th and 95th percentiles (a binary one: between its
two values). Selection stops when no candidate passes. With thousands of noise-free virtual
subjects almost every effect is significant, so (b) is what decides. Ω is the covariance of
the residuals (full matrix); a parameter whose residual variance is below 10⁻⁴ gets no η.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pbpk.core.errors import PbpkInputError

P_VALUE = 1e-3
RELEVANCE = 1.20  # smallest P95/P5 factor (or its inverse) that counts
MIN_VARIANCE = 1e-4


@dataclass(frozen=True, eq=False)
class CovariateData:
    """One candidate covariate of the virtual subjects: values, unit and how it enters."""

    name: str
    values: np.ndarray
    unit: str
    description: str
    reference: float | None = None  # centring value (the median, rounded, if not given)

    @property
    def kind(self) -> str:
        """power, exponential or binary."""
        values = np.unique(self.values)
        if np.all(np.isin(values, (0.0, 1.0))):
            return "binary"
        return "power" if np.min(self.values) > 0 else "exponential"

    @property
    def centre(self) -> float:
        if self.reference is not None:
            return self.reference
        median = float(np.median(self.values))
        return float(f"{median:.2g}") if median != 0 else 0.0

    def regressor(self) -> np.ndarray:
        kind = self.kind
        if kind == "power":
            return np.log(self.values / self.centre)
        if kind == "exponential":
            return self.values - self.centre
        return self.values.astype(float)

    def relevance(self, coefficient: float) -> float:
        """The factor the effect makes between the 5th and 95th percentile (binary: between 0 and 1)."""
        if self.kind == "binary":
            return float(np.exp(abs(coefficient)))
        x = self.regressor()
        return float(np.exp(abs(coefficient) * (np.percentile(x, 95) - np.percentile(x, 5))))


@dataclass(frozen=True)
class Effect:
    parameter: str
    covariate: CovariateData
    coefficient: float  # β on the log scale


@dataclass(frozen=True)
class CovariateModel:
    """ln P = intercept + Σ β·regressor + η, for every parameter; Ω over the parameters that keep an η."""

    intercepts: Mapping[str, float]  # ln TV at the covariate references
    effects: tuple[Effect, ...]
    residuals: pd.DataFrame  # subjects × parameters (η estimates)
    omega: np.ndarray  # over ``random``
    random: tuple[str, ...]
    steps: pd.DataFrame  # the selection record: every candidate tried, with ΔBIC, p, relevance, decision

    def effects_on(self, parameter: str) -> list[Effect]:
        return [effect for effect in self.effects if effect.parameter == parameter]


def estimate(log_parameters: pd.DataFrame, candidates: Sequence[CovariateData]) -> CovariateModel:
    """Select covariates per log parameter by the module's rule, then estimate intercepts, effects and Ω."""
    n = len(log_parameters)
    for candidate in candidates:
        if np.asarray(candidate.values).shape != (n,) or not np.all(np.isfinite(candidate.values)):
            raise PbpkInputError("covariates", candidate.name, "missing or wrong-length values",
                                 f"a finite value for each of the {n} subjects")
    usable = [c for c in candidates if np.ptp(c.values) > 0]
    intercepts, effects, residuals, steps = {}, [], {}, []
    for parameter in log_parameters:
        y = log_parameters[parameter].to_numpy()
        chosen: list[CovariateData] = []
        while True:
            base = _fit(y, chosen)
            trials = []
            for candidate in usable:
                if candidate in chosen:
                    continue
                trial = _fit(y, [*chosen, candidate])
                delta_bic = n * np.log(trial.rss / base.rss) + np.log(n)
                f = (base.rss - trial.rss) / (trial.rss / (n - trial.columns))
                p = float(stats.f.sf(f, 1, n - trial.columns)) if np.isfinite(f) else 0.0
                relevance = candidate.relevance(trial.coefficients[-1])
                trials.append((delta_bic, candidate, p, relevance))
            passing = [t for t in trials if t[0] < 0 and t[2] < P_VALUE and t[3] >= RELEVANCE]
            for delta_bic, candidate, p, relevance in trials:
                steps.append({"parameter": parameter, "step": len(chosen) + 1, "covariate": candidate.name,
                              "ΔBIC": delta_bic, "p": p, "P95/P5 factor": relevance, "entered": False})
            if not passing:
                break
            best = min(passing, key=lambda t: t[0])[1]
            steps[-len(trials) + [t[1] for t in trials].index(best)]["entered"] = True
            chosen.append(best)
        final = _fit(y, chosen)
        intercepts[parameter] = float(final.coefficients[0])
        effects += [Effect(parameter, c, float(b)) for c, b in zip(chosen, final.coefficients[1:], strict=True)]
        residuals[parameter] = final.residuals
    residuals = pd.DataFrame(residuals)
    variances = residuals.var(ddof=1)
    random = tuple(name for name in residuals if variances[name] >= MIN_VARIANCE)
    omega = np.cov(residuals[list(random)].to_numpy(), rowvar=False, ddof=1).reshape(len(random), len(random))
    return CovariateModel(intercepts, tuple(effects), residuals, omega, random, pd.DataFrame(steps))


@dataclass(frozen=True)
class _Fit:
    coefficients: np.ndarray
    residuals: np.ndarray
    rss: float
    columns: int


def _fit(y: np.ndarray, chosen: Sequence[CovariateData]) -> _Fit:
    design = np.column_stack([np.ones_like(y)] + [c.regressor() for c in chosen])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coefficients
    return _Fit(coefficients, residuals, max(float(residuals @ residuals), 1e-300), design.shape[1])
