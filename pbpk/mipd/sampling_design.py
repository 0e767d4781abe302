"""Optimal sampling times for a patient and regimen: Bayesian D- and c-optimal designs.

For sample times S the Bayesian Fisher information, linearised at a point η₀, is

    M(S) = Σ_{t∈S} J(t)ᵀ J(t) / g(f(t))² + C₀⁻¹,

with J(t) = ∂f(t)/∂η at η₀ (central finite differences, step ``STEP`` on the η scale), g the SD
of the model's residual error for the parent analyte and C₀ the covariance of η before the new
samples; for an ``exponential`` error (log y = log f + ε) J is ∂ log f/∂η. M⁻¹ approximates the
expected posterior covariance of η after the samples (the first-order linearisation of
Merlé & Mentré 1995, Biometrika 82:545; Chaloner & Verdinelli 1995, Stat Sci 10:273, §2.1).

* ``optimal_times``: a typical patient before any sample, η₀ = 0 and C₀ = Ω (the population prior).
* ``patient_times``: a patient's current posterior, η₀ = η̂ and C₀ = C, the MAP estimate and its
  Laplace covariance (the samples so far are in C; without samples η₀ = 0 and C₀ = Ω), the
  predictions continuing the patient's record (``dosing_history``) with the new doses: the
  sequential use of a Bayesian design, the current posterior taking the place of the prior
  (Chaloner & Verdinelli 1995, §1).

* ``criterion="D"`` maximises log det M (Bayesian D-optimality): the smallest volume of the
  posterior ellipsoid of all η together.
* ``criterion="c"`` with ``parameter`` P minimises cᵀ M⁻¹ c, c = ∂ log P/∂η at η₀: the expected
  posterior variance of log P (its SD is about P's CV). The parameter that drives an AUC target is CL.

Search over ``count`` distinct times of the candidate grid: every combination when there are at
most ``EXHAUSTIVE_LIMIT``, else greedy forward selection (add the time that most improves the
criterion) followed by one exchange pass (each chosen time in turn swapped for the best
unchosen one if that improves the criterion; Fedorov 1972) — a local optimum, not guaranteed
global. The naive design reported for comparison is the last ``count`` candidate times; other
designs (``references``, e.g. those of ``reference_designs``) are evaluated on request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from math import comb

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.dosing_history import history
from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose

#: Finite-difference step on the η scale.
STEP = 1e-4
#: Most combinations searched exhaustively; above, greedy selection and one exchange pass.
EXHAUSTIVE_LIMIT = 20_000
CRITERIA = ("D", "c")
#: (times, rows of η) → parent concentrations (rows × times).
Concentrations = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class DesignValue:
    """What one design of sample times is expected to give (fields as in ``SamplingDesign``)."""

    times: tuple[float, ...]
    value: float
    eta_sd: Mapping[str, float]
    parameter_sd: float | None


@dataclass(frozen=True)
class SamplingDesign:
    """The chosen times and what they are expected to give.

    ``value`` is log det M for "D" (larger is better) and the expected posterior variance of
    log ``parameter`` for "c" (smaller is better); ``naive_value`` the same for ``naive_times``.
    ``eta_sd`` is √diag M⁻¹ per η, ``prior_sd`` √diag C₀ (before the new samples: Ω, or the
    patient's current posterior); ``parameter_sd`` and ``prior_parameter_sd`` the SD of log
    ``parameter`` after and before (None without one), ``prior_value`` the criterion without new
    samples. ``single_values`` is the criterion with one sample at each of ``candidates`` (sorted,
    distinct), ``references`` the requested designs.
    """

    times: tuple[float, ...]
    criterion: str
    value: float
    eta_sd: Mapping[str, float]
    prior_sd: Mapping[str, float]
    parameter: str | None
    parameter_sd: float | None
    naive_times: tuple[float, ...]
    naive_value: float
    search: str
    prior_parameter_sd: float | None = None
    prior_value: float | None = None
    candidates: tuple[float, ...] = ()
    single_values: tuple[float, ...] = ()
    references: Mapping[str, DesignValue] = field(default_factory=dict)


def optimal_times(model: PopulationModel, doses: Sequence[Dose], covariates: Mapping[str, float],
                  candidates: Sequence[float], count: int, *, criterion: str = "D", parameter: str | None = None,
                  references: Mapping[str, Sequence[float]] | None = None) -> SamplingDesign:
    """The ``count`` times of ``candidates`` (model time unit) that optimise ``criterion`` at η = 0 under Ω."""
    def concentrations(times: np.ndarray, etas: np.ndarray) -> np.ndarray:
        return model.predict(doses, times, covariates, etas).concentration()

    return _design(model, np.zeros(len(model.eta_names)), model.omega.matrix, concentrations, covariates,
                   candidates, count, criterion, parameter, references or {})


def patient_times(model: PopulationModel, subject: Subject, doses: Sequence[Dose], candidates: Sequence[float],
                  count: int, *, estimate: MapEstimate | None = None, criterion: str = "D",
                  parameter: str | None = None, references: Mapping[str, Sequence[float]] | None = None
                  ) -> SamplingDesign:
    """The ``count`` times of ``candidates`` (the patient's clock, model time unit) after the record and ``doses``
    that optimise ``criterion`` under the patient's current posterior: at η̂ with C₀ = the Laplace covariance of
    ``estimate``, or at η = 0 under Ω without one (module docstring). Covariates are the last record's."""
    if model.kappa_names:
        raise PbpkInputError("model", "iov", model.name, "a model without inter-occasion variability (κ)",
                             "the κ of the new occasion would need designing too, which is not done here")
    if estimate is None:
        eta, covariance = np.zeros(len(model.eta_names)), model.omega.matrix
    else:
        eta, covariance = np.asarray(estimate.eta, dtype=float), np.asarray(estimate.covariance, dtype=float)
        if not np.all(np.isfinite(covariance)) or np.any(np.linalg.eigvalsh(covariance) <= 0):
            raise PbpkInputError(f"subject {estimate.subject}", "covariance", "not positive definite",
                                 "a MAP fit whose Hessian is positive definite (check convergence)")

    return _design(model, eta, covariance, continued(model, subject, doses),
                   subject.covariates_at(float(subject.record_times[-1])), candidates, count, criterion, parameter,
                   references or {})


def continued(model: PopulationModel, subject: Subject, doses: Sequence[Dose]) -> Concentrations:
    """(times, rows of η) → the parent's concentrations after the subject's record and ``doses`` (``dosing_history``;
    a record without doses: ``doses`` alone, with its covariates)."""
    def concentrations(times: np.ndarray, etas: np.ndarray) -> np.ndarray:
        if not subject.doses:
            covariates = subject.covariates_at(float(subject.record_times[-1]))
            return model.predict(doses, times, covariates, etas).concentration()
        return history(model, subject, etas).predict(doses, times).concentration()

    return concentrations


def reference_designs(doses: Sequence[Dose], candidates: Sequence[float]) -> dict[str, tuple[float, ...]]:
    """A trough alone and a peak with that trough, from the candidate times (the patient's clock).

    The trough is the latest candidate at or before the last dose time inside the grid that follows an
    earlier dose (a sample at a dose time sees the amount before it), or the last candidate when no dose
    falls inside; the peak is the first candidate at or after the end of the dose before the trough (the
    end of its infusion, or just after a bolus or an oral dose), when one falls before the trough.
    """
    grid = np.unique(np.asarray(candidates, dtype=float))
    starts = sorted(doses, key=lambda dose: dose.time)
    inside = [dose.time for dose in starts[1:] if grid[0] < dose.time <= grid[-1]]
    end = inside[-1] if inside else grid[-1]
    trough = float(grid[grid <= end][-1])
    designs = {"trough": (trough,)}
    before = [dose for dose in starts if dose.time < trough]
    if before:
        dose = before[-1]
        after = grid[(grid >= dose.time + dose.duration) & (grid > dose.time) & (grid < trough)]
        if after.size:
            designs["peak + trough"] = (float(after[0]), trough)
    return designs


def _design(model: PopulationModel, eta: np.ndarray, covariance: np.ndarray, concentrations: Concentrations,
            covariates: Mapping[str, float], candidates: Sequence[float], count: int, criterion: str,
            parameter: str | None, references: Mapping[str, Sequence[float]]) -> SamplingDesign:
    """The design linearised at ``eta`` with ``covariance`` before the samples (module docstring)."""
    grid = _checked(model, candidates, count, criterion, parameter)
    information = _information(model, concentrations, eta, grid)
    prior = np.linalg.inv(covariance)
    direction = None if parameter is None else _direction(model, covariates, parameter, eta)
    if comb(grid.size, count) <= EXHAUSTIVE_LIMIT:
        chosen, search = _exhaustive(information, prior, count, criterion, direction), "exhaustive"
    else:
        chosen, search = _greedy_exchange(information, prior, count, criterion, direction), "greedy+exchange"
    naive = np.arange(grid.size - count, grid.size)
    best = _evaluated(model, grid[chosen], prior + information[chosen].sum(axis=0), criterion, direction)
    single = _scores(prior + information, criterion, direction)
    evaluated = {}
    for name, times in references.items():
        times = np.asarray(times, dtype=float)
        extra = _information(model, concentrations, eta, times).sum(axis=0)
        evaluated[name] = _evaluated(model, times, prior + extra, criterion, direction)
    return SamplingDesign(
        times=best.times, criterion=criterion, value=best.value, eta_sd=best.eta_sd,
        prior_sd=dict(zip(model.eta_names, np.sqrt(np.diag(covariance)).tolist(), strict=True)),
        parameter=parameter, parameter_sd=best.parameter_sd,
        naive_times=tuple(float(t) for t in grid[naive]),
        naive_value=_value(prior + information[naive].sum(axis=0), criterion, direction), search=search,
        prior_parameter_sd=None if direction is None else float(np.sqrt(direction @ covariance @ direction)),
        prior_value=_value(prior, criterion, direction),
        candidates=tuple(grid.tolist()), single_values=tuple((single if criterion == "D" else -single).tolist()),
        references=evaluated)


def _evaluated(model: PopulationModel, times: np.ndarray, matrix: np.ndarray, criterion: str,
               direction: np.ndarray | None) -> DesignValue:
    """The criterion value and expected posterior SDs of the design with information ``matrix``."""
    posterior = np.linalg.inv(matrix)
    return DesignValue(tuple(float(t) for t in times), _value(matrix, criterion, direction),
                       dict(zip(model.eta_names, np.sqrt(np.diag(posterior)).tolist(), strict=True)),
                       None if direction is None else float(np.sqrt(direction @ posterior @ direction)))


def _checked(model: PopulationModel, candidates: Sequence[float], count: int, criterion: str,
             parameter: str | None) -> np.ndarray:
    """The candidate grid, sorted and without repeats, after checking the request."""
    grid = np.unique(np.asarray(candidates, dtype=float))
    if grid.ndim != 1 or grid.size == 0 or np.any(~np.isfinite(grid)):
        raise PbpkInputError("candidates", "", candidates, "one or more finite sample times")
    if not model.eta_names:
        raise PbpkInputError("model", "omega", model.name, "a model with random effects (η)")
    if criterion not in CRITERIA:
        raise PbpkInputError("criterion", "", criterion, " or ".join(f'"{c}"' for c in CRITERIA))
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or not 1 <= count <= grid.size:
        raise PbpkInputError("count", "", count, f"a whole number of samples from 1 to {grid.size}, the number of"
                             " distinct candidate times")
    if criterion == "c" and parameter is None:
        raise PbpkInputError("parameter", "", None, 'the parameter whose posterior variance "c" minimises',
                             'e.g. "CL", which drives an AUC target')
    return grid


def _information(model: PopulationModel, concentrations: Concentrations, eta: np.ndarray,
                 grid: np.ndarray) -> np.ndarray:
    """J(t)ᵀJ(t)/g(t)² per time of ``grid`` (times × η × η), at ``eta``."""
    size = len(model.eta_names)
    f = concentrations(grid, eta + np.vstack([np.zeros(size), STEP * np.eye(size), -STEP * np.eye(size)]))
    error = model.errors["parent"]
    sd = error.sd(f[0])
    bad = ~np.isfinite(sd) | (sd <= 0) | (f[0] <= 0)
    if np.any(bad):
        raise PbpkInputError("candidates", "", f"{grid[bad][0]:g} {model.units['time']}",
                             "times with a positive typical concentration and residual SD",
                             "drop sample times before the first dose")
    response = np.log(f) if error.kind == "exponential" else f
    jacobian = (response[1:size + 1] - response[size + 1:]).T / (2 * STEP)  # times × η
    scaled = jacobian / sd[:, None]
    return scaled[:, :, None] * scaled[:, None, :]


def _direction(model: PopulationModel, covariates: Mapping[str, float], parameter: str,
               eta: np.ndarray) -> np.ndarray:
    """c = ∂ log P/∂η at ``eta`` for the individual parameter P."""
    size = len(model.eta_names)
    values = model.parameters(covariates, eta + np.vstack([STEP * np.eye(size), -STEP * np.eye(size)]))
    if parameter not in values:
        raise PbpkInputError("parameter", "", parameter, f"a parameter of {model.name}: " + ", ".join(
            name for name in values if name not in model.eta_names and name not in model.covariate_names))
    value = np.broadcast_to(np.asarray(values[parameter], dtype=float), (2 * size,))
    if np.any(value <= 0) or np.any(~np.isfinite(value)):
        raise PbpkInputError("parameter", "", parameter, "a positive parameter (its log is the target)")
    direction = (np.log(value[:size]) - np.log(value[size:])) / (2 * STEP)
    if not np.any(np.abs(direction) > 1e-8):
        raise PbpkInputError("parameter", "", parameter, "a parameter that depends on an η ("
                             + ", ".join(model.eta_names) + ")", "its posterior is its prior whatever the samples")
    return direction


def _scores(matrices: np.ndarray, criterion: str, direction: np.ndarray | None) -> np.ndarray:
    """What the search maximises, per matrix M (… × η × η): log det M, or −cᵀM⁻¹c."""
    if criterion == "D":
        return np.linalg.slogdet(matrices)[1]
    solved = np.linalg.solve(matrices, np.broadcast_to(direction, matrices.shape[:-1])[..., None])[..., 0]
    return -np.einsum("...i,i->...", solved, direction)


def _value(matrix: np.ndarray, criterion: str, direction: np.ndarray | None) -> float:
    """The reported criterion value: log det M, or cᵀM⁻¹c."""
    score = float(_scores(matrix[None], criterion, direction)[0])
    return score if criterion == "D" else -score


def _exhaustive(information: np.ndarray, prior: np.ndarray, count: int, criterion: str,
                direction: np.ndarray | None) -> np.ndarray:
    """The best of every combination of ``count`` candidates (indices, increasing)."""
    sets = np.array(list(combinations(range(information.shape[0]), count)), dtype=int)
    scores = _scores(prior + information[sets].sum(axis=1), criterion, direction)
    return sets[int(np.argmax(scores))]


def _greedy_exchange(information: np.ndarray, prior: np.ndarray, count: int, criterion: str,
                     direction: np.ndarray | None) -> np.ndarray:
    """Greedy forward selection, then one exchange pass over the chosen times (indices, increasing)."""
    chosen: list[int] = []
    for _ in range(count):
        scores = _scores(prior + information[chosen].sum(axis=0) + information, criterion, direction)
        scores[chosen] = -np.inf
        chosen.append(int(np.argmax(scores)))
    for position in range(count):
        others = information[[k for i, k in enumerate(chosen) if i != position]].sum(axis=0)
        scores = _scores(prior + others + information, criterion, direction)
        scores[[k for i, k in enumerate(chosen) if i != position]] = -np.inf
        chosen[position] = int(np.argmax(scores))  # the current time is among those scored, so never worse
    return np.sort(np.array(chosen))
