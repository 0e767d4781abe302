"""The Laplace posterior of a MAP fit: η draws, parameter intervals and prediction bands.

Near its mode the posterior of η is approximated by N(η̂, C), C the inverse Hessian of
OFV/2 (``map_estimation.estimate``; the normal approximation of Bayesian MAP estimation,
e.g. Kang et al. 2012, Transl Clin Pharmacol 20:1). Intervals of the individual parameters
and of the concentration–time profile are percentiles over draws of η from it, so they hold
for any code, not only for P = TV·exp(η).

``sir_posterior`` corrects the normal approximation where the posterior is skewed or
heavy-tailed: sampling importance resampling (Rubin 1988, Bayesian Statistics 3:395; Dosne et al.
2016, J Pharmacokinet Pharmacodyn 43:583) draws proposals from a multivariate t around η̂ with an
inflated C, weights each by exp(−OFV/2)/q and resamples proportionally to the weights.

With inter-occasion variability (``occasions``) the draws are of the whole vector [η, κ₁, …, κ_K]
(``MapEstimate.effects``, with its covariance ``MapEstimate.effects_covariance``); a band is then that of the
record's own occasions, and the intervals of the parameters are those of occasion 1 (the first record), as with
covariates that change with time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import logsumexp
from scipy.stats import multivariate_t

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import (
    PENALTY,
    MapEstimate,
    individual_parameters,
    objectives,
    predict_many,
    predict_subject,
)
from pbpk.mipd.occasions import kappa_count
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject


@dataclass(frozen=True)
class LaplacePosterior:
    """Draws (draws × effects: η, or [η, κ₁, …, κ_K] with occasions) of one subject's posterior: from N(η̂, C)
    (``method`` "laplace") or by SIR ("sir").

    ``effective_sample_size`` is the importance weights' ESS, (Σw)²/Σw², for SIR; None for Laplace.
    """

    estimate: MapEstimate
    draws: np.ndarray
    effective_sample_size: float | None = None
    method: str = "laplace"

    def parameter_intervals(self, model: PopulationModel, subject: Subject, level: float = 0.9) -> pd.DataFrame:
        """MAP value and the central ``level`` interval of each structural parameter (model units)."""
        tail = 100 * (1 - level) / 2
        names = model.structure.required + tuple(n for n in model.structure.optional if n in model.code.assigned)
        if subject.time_varying or kappa_count(model, subject):  # each draw's values at the first record
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
                        level: float = 0.9, analyte: str = "parent") -> dict[str, np.ndarray]:
        """The MAP, population (η = κ = 0) and ``level`` band of ``analyte``'s concentration at ``times`` (its unit)."""
        grid = subject.at_times(times, analyte)
        curves = predict_many(model, grid, self.draws)
        tail = 100 * (1 - level) / 2
        return {"times": grid.times, "map": predict_subject(model, grid, self.estimate.effects),
                "population": predict_subject(model, grid, np.zeros_like(self.estimate.effects)),
                "low": np.percentile(curves, tail, axis=0), "high": np.percentile(curves, 100 - tail, axis=0)}


def laplace_posterior(estimate: MapEstimate, draws: int = 300, seed: int = 0) -> LaplacePosterior:
    """``draws`` values of the random effects from N(η̂, C) (``MapEstimate.effects`` and ``effects_covariance``; C
    must be a covariance: finite and positive definite)."""
    covariance = _covariance(estimate)
    rng = np.random.default_rng(seed)
    return LaplacePosterior(estimate, rng.multivariate_normal(estimate.effects, covariance, size=draws))


def sir_posterior(model: PopulationModel, subject: Subject, estimate: MapEstimate, draws: int = 1000, *,
                  proposals: int | None = None, seed: int = 0, degrees_of_freedom: float = 4,
                  inflation: float = 1.5) -> LaplacePosterior:
    """``draws`` values of the random effects (η, or [η, κ₁, …, κ_K]) from the exact posterior by sampling importance
    resampling (SIR).

    M = ``proposals`` (default 10·``draws``) proposals come from a multivariate t with
    ``degrees_of_freedom`` centred at η̂ with scale ``inflation``²·C, heavier-tailed than the posterior
    so the weights stay bounded. Each proposal is weighted by w ∝ exp(−OFV(η)/2)/q(η) (OFV of
    ``map_estimation.objectives``, −2·log posterior up to a constant; a penalised, non-physical η gets
    w = 0), normalised by log-sum-exp, and ``draws`` of them are resampled without replacement with
    probabilities ∝ w (Dosne et al. 2016, J Pharmacokinet Pharmacodyn 43:583; Rubin 1988). The
    effective sample size (Σw)²/Σw² (Kish) is returned with the draws; below 10 % of ``draws`` the
    weights are too uneven to trust and the call is refused.
    """
    where = f"subject {estimate.subject}"
    proposals = 10 * draws if proposals is None else proposals
    if draws < 1 or proposals < draws:
        raise PbpkInputError(where, "proposals", f"{proposals} proposals for {draws} draws",
                             "at least one draw and at least as many proposals as draws")
    if degrees_of_freedom <= 0 or inflation <= 0:
        raise PbpkInputError(where, "degrees_of_freedom, inflation", (degrees_of_freedom, inflation),
                             "positive numbers")
    proposal = multivariate_t(estimate.effects, inflation**2 * _covariance(estimate),
                              df=degrees_of_freedom)
    rng = np.random.default_rng(seed)
    etas = np.reshape(proposal.rvs(size=proposals, random_state=rng), (proposals, -1))
    ofv = objectives(model, subject, etas)
    log_w = np.where(ofv < PENALTY, -0.5 * ofv - proposal.logpdf(etas), -np.inf)
    if not np.any(np.isfinite(log_w)):
        raise PbpkInputError(where, "proposals", "every proposal non-physical", "a MAP fit inside the model's range")
    w = np.exp(log_w - logsumexp(log_w))
    ess = float(1.0 / np.sum(w**2))
    if ess < 0.1 * draws or np.count_nonzero(w) < draws:
        raise PbpkInputError(where, "effective sample size", f"{ess:.1f} of {proposals} proposals",
                             f"at least 10 % of the {draws} draws ({0.1 * draws:g})",
                             "raise proposals (or draws fewer); a very low ESS also hints at a poor MAP fit")
    chosen = rng.choice(proposals, size=draws, replace=False, p=w)
    return LaplacePosterior(estimate, etas[chosen], ess, "sir")


def _covariance(estimate: MapEstimate) -> np.ndarray:
    """The MAP fit's C (of ``effects``), refused unless finite and positive definite."""
    covariance = np.asarray(estimate.effects_covariance, dtype=float)
    if not np.all(np.isfinite(covariance)) or np.any(np.linalg.eigvalsh(covariance) <= 0):
        raise PbpkInputError(f"subject {estimate.subject}", "covariance", "not positive definite",
                             "a MAP fit whose Hessian is positive definite (check convergence)")
    return covariance


def _scalar(value: float | np.ndarray) -> float:
    """A parameter's value (its first record's when covariates change with time)."""
    return float(np.ravel(value)[0])
