"""The Laplace posterior of a MAP fit: η draws, parameter intervals and prediction bands.

Near its mode the posterior of η is approximated by N(η̂, C), C the inverse Hessian of
OFV/2 (``map_estimation.estimate``; the normal approximation of Bayesian MAP estimation,
e.g. Kang et al. 2012, Transl Clin Pharmacol 20:1). Intervals of the individual parameters
and of the concentration–time profile are percentiles over draws of η from it, so they hold
for any code, not only for P = TV·exp(η).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import MapEstimate, individual_parameters, predict_subject
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject


@dataclass(frozen=True)
class LaplacePosterior:
    """Draws (draws × η) from N(η̂, C) for one subject."""

    estimate: MapEstimate
    draws: np.ndarray

    def parameter_intervals(self, model: PopulationModel, subject: Subject, level: float = 0.9) -> pd.DataFrame:
        """MAP value and the central ``level`` interval of each structural parameter (model units)."""
        tail = 100 * (1 - level) / 2
        names = model.structure.required + tuple(n for n in model.structure.optional if n in model.code.assigned)
        if subject.time_varying:  # each draw's values at the first record
            per_draw = [individual_parameters(model, subject, eta) for eta in self.draws]
            values = {name: np.array([_scalar(p[name]) for p in per_draw]) for name in names}
        else:
            values = model.parameters(subject.covariates, self.draws)
        rows = []
        for name in names:
            drawn = np.broadcast_to(values[name], (len(self.draws),))
            rows.append({"parameter": name, "MAP": _scalar(self.estimate.parameters[name]),
                         f"P{tail:g}": float(np.percentile(drawn, tail)),
                         f"P{100 - tail:g}": float(np.percentile(drawn, 100 - tail))})
        return pd.DataFrame(rows)

    def prediction_band(self, model: PopulationModel, subject: Subject, times: np.ndarray,
                        level: float = 0.9) -> dict[str, np.ndarray]:
        """The MAP, population (η = 0) and ``level`` band of the concentration at ``times`` (analyte unit)."""
        grid = replace(subject, times=np.asarray(times, dtype=float), observations=np.full(len(times), np.nan),
                       censored=np.zeros(len(times), dtype=bool), lloq=np.full(len(times), np.nan))
        curves = np.array([predict_subject(model, grid, eta) for eta in self.draws])
        tail = 100 * (1 - level) / 2
        return {"times": grid.times, "map": predict_subject(model, grid, self.estimate.eta),
                "population": predict_subject(model, grid, np.zeros_like(self.estimate.eta)),
                "low": np.percentile(curves, tail, axis=0), "high": np.percentile(curves, 100 - tail, axis=0)}


def laplace_posterior(estimate: MapEstimate, draws: int = 300, seed: int = 0) -> LaplacePosterior:
    """``draws`` values of η from N(η̂, C) (C must be a covariance: finite and positive definite)."""
    covariance = np.asarray(estimate.covariance, dtype=float)
    if not np.all(np.isfinite(covariance)) or np.any(np.linalg.eigvalsh(covariance) <= 0):
        raise PbpkInputError(f"subject {estimate.subject}", "covariance", "not positive definite",
                             "a MAP fit whose Hessian is positive definite (check convergence)")
    rng = np.random.default_rng(seed)
    return LaplacePosterior(estimate, rng.multivariate_normal(estimate.eta, covariance, size=draws))


def _scalar(value: float | np.ndarray) -> float:
    """A parameter's value (its first record's when covariates change with time)."""
    return float(np.ravel(value)[0])
