"""Reduce each virtual subject's plasma profile to compartmental parameters, and say how well it fits.

Profiles are read as the PBPK engine writes them: a sample at a dose time is taken
just after the dose. Each subject is fitted on its own (least squares on log concentration, scipy's
trust-region reflective method, log parameters, several starts from its NCA) with
the exact solver, so a fit is the compartmental model closest to the PBPK
profile in relative terms. The reduction error per subject compares the fitted
model with the PBPK profile: AUC over the design (both exact integrals), Cmax
and the last concentration (trough) on the design grid, and the profile error
(root mean square of the log ratio). The number of compartments is chosen by
the Bayesian information criterion summed over subjects (Schwarz 1978), with
the log residuals as the likelihood: BIC = Σᵢ nᵢ·ln(RSSᵢ/nᵢ) + p·ln(nᵢ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from pbpk.mipd.solve import Dose, solve
from pbpk.mipd.structure import Structure

#: Concentrations below this fraction of a subject's Cmax are left out of its fit (numerical zeros).
FLOOR = 1e-6
#: Smallest residual sum of squares in the BIC (log residuals; round-off of an exact fit).
RSS_FLOOR = 1e-24


@dataclass(frozen=True)
class Design:
    """What every virtual subject received and where its profile was read (h, mg; mg/kg when per_kg)."""

    doses: tuple[Dose, ...]
    times: np.ndarray
    per_kg: bool = False


@dataclass(frozen=True)
class IndividualFits:
    """Per subject: fitted parameters, BIC terms and the reduction error, for one structure."""

    structure: Structure
    parameters: pd.DataFrame  # subjects × fitted parameter names (model units)
    errors: pd.DataFrame  # AUC, Cmax, trough ratios (fit/PBPK) and profile RMS log error
    rss: np.ndarray  # Σ log residual² per subject
    points: np.ndarray  # samples used per subject
    converged: np.ndarray

    @property
    def bic(self) -> float:
        k = self.parameters.shape[1]
        fitted = np.isfinite(self.rss)
        rss = np.maximum(self.rss[fitted], RSS_FLOOR)  # an exact fit (noise-free synthetic profiles) has RSS 0
        points = self.points[fitted]
        return float(np.sum(points * np.log(rss / points) + k * np.log(points)))

    @property
    def residual_sd(self) -> float:
        """Pooled SD of the log residuals: the reduction misfit as a proportional error."""
        return float(np.sqrt(self.rss.sum() / max(self.points.sum() - self.parameters.shape[1] * len(self.rss), 1)))

    def within(self, metric: str, tolerance: float) -> float:
        """Fraction of subjects whose ``metric`` ratio is within ±tolerance of 1."""
        return float(np.mean(np.abs(self.errors[metric].to_numpy() - 1.0) <= tolerance))

    def summary(self) -> pd.DataFrame:
        """Median and 5th/95th percentile of each error, with the fraction within 10 % and 20 %."""
        rows = []
        for metric in ("AUC ratio", "Cmax ratio", "trough ratio"):
            values = self.errors[metric].to_numpy()
            rows.append({"metric": metric, "P5": np.percentile(values, 5), "median": np.median(values),
                         "P95": np.percentile(values, 95), "within 10 %": self.within(metric, 0.10),
                         "within 20 %": self.within(metric, 0.20)})
        profile = self.errors["profile RMS log error"].to_numpy()
        rows.append({"metric": "profile RMS log error", "P5": np.percentile(profile, 5), "median": np.median(profile),
                     "P95": np.percentile(profile, 95), "within 10 %": float(np.mean(profile <= 0.10)),
                     "within 20 %": float(np.mean(profile <= 0.20))})
        return pd.DataFrame(rows)


def fit_individuals(structure: Structure, design: Design, profiles: np.ndarray, *, weights: np.ndarray | None = None,
                    auc_last: np.ndarray | None = None, simpler: IndividualFits | None = None,
                    progress=None) -> IndividualFits:
    """Fit ``structure`` to each row of ``profiles`` (subjects × design times, mg/L).

    ``weights`` (kg) scale the doses when the design is per kg; ``auc_last`` (mg·h/L) is the
    PBPK's exact AUC to the last time (the trapezoid of the profile if not given); ``simpler``,
    the fits with one compartment fewer, adds a start from each subject's simpler fit.
    """
    n = profiles.shape[0]
    names = structure.required  # F is left at 1: from one route the fit gives apparent CL/F, V/F
    scale = np.ones(n) if weights is None or not design.per_kg else np.asarray(weights, dtype=float)
    estimates = np.full((n, len(names)), np.nan)
    rss, points, converged = np.full(n, np.nan), np.zeros(n, dtype=int), np.zeros(n, dtype=bool)
    for i in range(n):
        previous = simpler.parameters.iloc[i] if simpler is not None else None
        starts = _starts(structure, names, design, design.times, profiles[i], scale[i], previous)
        fit = _fit_one(structure, names, design, profiles[i], scale[i], starts)
        if fit is not None:
            estimates[i], rss[i], points[i], converged[i] = fit
        if progress is not None:
            progress(1)
    parameters = pd.DataFrame(estimates, columns=list(names))
    errors = reduction_errors(structure, design, parameters, profiles, scale, auc_last)
    return IndividualFits(structure, parameters, errors, rss, points, converged)


def _fit_one(structure: Structure, names: Sequence[str], design: Design, profile: np.ndarray, scale: float,
             starts: list[np.ndarray]):
    times = design.times
    first = min(dose.time for dose in design.doses)
    keep = (times >= first) & np.isfinite(profile) & (profile > FLOOR * np.nanmax(profile))
    if keep.sum() <= len(names):
        return None
    t, log_observed = times[keep], np.log(profile[keep])

    def log_predicted(x: np.ndarray) -> np.ndarray:
        """log C for each row of log parameters x (rows solved together)."""
        p = dict(zip(names, np.exp(x).T, strict=True))
        c = solve(structure, p, design.doses, t, amount_scale=np.full(len(x), scale),
                  at_dose_time="after").concentrations["parent"]
        return np.log(np.maximum(c, 1e-300))

    def residuals(x: np.ndarray) -> np.ndarray:
        return log_predicted(x[None, :])[0] - log_observed

    def jacobian(x: np.ndarray) -> np.ndarray:
        """Forward differences, the perturbed parameter sets solved in one call."""
        rows = np.vstack([x, x + _STEP * np.eye(len(x))])
        values = log_predicted(rows)
        return ((values[1:] - values[0]) / _STEP).T

    best = None
    for start in starts:
        result = least_squares(residuals, start, jac=jacobian, method="trf", bounds=(start - 12, start + 12),
                               xtol=1e-10, ftol=1e-12, max_nfev=200)
        if best is None or result.cost < best.cost:
            best = result
    return np.exp(best.x), 2 * best.cost, int(keep.sum()), bool(best.success)


_STEP = 1e-7  # step in log parameter for the finite-difference Jacobian


def _starts(structure: Structure, names: Sequence[str], design: Design, times: np.ndarray, profile: np.ndarray,
            scale: float, simpler: pd.Series | None) -> list[np.ndarray]:
    """Log starting values: three from the profile's NCA (CL = dose/AUC, V = CL/λz split over compartments)
    or, when a fit with one compartment fewer is given, one from it (its last peripheral split in two) and
    one from the NCA."""
    ok = np.isfinite(profile) & (profile > 0)
    t, c = times[ok], profile[ok]
    dose = sum(d.amount for d in design.doses) * scale
    auc = np.trapezoid(c, t)
    tail = slice(max(len(t) - 4, 0), len(t))
    slope = -np.polyfit(t[tail], np.log(c[tail]), 1)[0] if len(t) >= 2 else 0.1
    slope = slope if np.isfinite(slope) and slope > 0 else 0.1
    clearance = dose / (auc + c[-1] / slope)
    volume = clearance / slope
    starts = []
    if simpler is not None and np.all(np.isfinite(simpler.to_numpy())):
        guess = dict(simpler)
        if structure.compartments == 2:
            volume_1 = guess.pop("V")
            guess.update(V1=0.5 * volume_1, V2=0.5 * volume_1, Q=2 * guess["CL"])
        elif structure.compartments == 3:
            guess.update(Q2=guess.pop("Q"), V2=0.7 * simpler["V2"], Q3=0.2 * simpler["Q"], V3=0.6 * simpler["V2"])
        starts.append(np.log([guess[name] for name in names]))
    for central_share, exchange in ((0.3, 2.0), (0.6, 0.5), (0.15, 8.0)):
        guess = {"CL": clearance, "V": volume, "V1": central_share * volume, "Q": exchange * clearance,
                 "V2": (1 - central_share) * volume, "Q2": exchange * clearance, "Q3": 0.2 * exchange * clearance,
                 "V3": 0.5 * (1 - central_share) * volume, "KA": 1.0, "MTT": 1.0, "VMAX": 10 * clearance,
                 "KM": float(np.max(c))}
        if structure.compartments == 3:
            guess["V2"] = 0.5 * (1 - central_share) * volume
        starts.append(np.log([guess[name] for name in names]))
        if (structure.compartments == 1 and structure.absorption == "none") or len(starts) >= 2 + (simpler is None):
            break
    return starts


def reduction_errors(structure: Structure, design: Design, parameters: pd.DataFrame, profiles: np.ndarray,
                     scale: np.ndarray, auc_last: np.ndarray | None) -> pd.DataFrame:
    """Fit/PBPK ratios of AUC (exact, to the last design time), Cmax and trough, and the profile RMS log error."""
    times = design.times
    p = {name: parameters[name].to_numpy() for name in parameters}
    good = np.all(np.isfinite(parameters.to_numpy()), axis=1)
    fitted = np.full(profiles.shape, np.nan)
    auc_fit = np.full(len(profiles), np.nan)
    if good.any():
        solution = solve(structure, {k: v[good] for k, v in p.items()}, design.doses, times,
                         amount_scale=scale[good], at_dose_time="after")
        fitted[good] = solution.concentrations["parent"]
        auc_fit[good] = solution.auc()[:, -1]
    if auc_last is None:
        auc_last = np.trapezoid(profiles, times, axis=1)
    first = min(dose.time for dose in design.doses)
    inside = times >= first
    with np.errstate(divide="ignore", invalid="ignore"):
        floor = FLOOR * np.nanmax(profiles, axis=1, keepdims=True)
        used = inside & (profiles > floor)
        log_ratio = np.where(used, np.log(fitted / profiles), np.nan)
        return pd.DataFrame({
            "AUC ratio": auc_fit / auc_last,
            "Cmax ratio": np.nanmax(fitted, axis=1) / np.nanmax(profiles, axis=1),
            "trough ratio": fitted[:, -1] / profiles[:, -1],
            "profile RMS log error": np.sqrt(np.nanmean(log_ratio**2, axis=1)),
        })


def choose_structure(fits: Sequence[IndividualFits]) -> IndividualFits:
    """The fits with the lowest summed BIC (fewer compartments on a tie)."""
    return min(fits, key=lambda fit: (round(fit.bic, 6), fit.structure.compartments))
