"""Optimal sampling times for a patient and regimen: Bayesian D- and c-optimal designs.

For sample times S the Bayesian Fisher information at the typical patient (η = 0) is

    M(S) = Σ_{t∈S} J(t)ᵀ J(t) / g(f(t))² + Ω⁻¹,

with J(t) = ∂f(t)/∂η (central finite differences, step ``STEP`` on the η scale), g the SD
of the model's residual error for the parent analyte and Ω the prior covariance of η; for an
``exponential`` error (log y = log f + ε) J is ∂ log f/∂η. M⁻¹ approximates the expected
posterior covariance of η after the samples (the first-order, η = 0 linearisation of
Merlé & Mentré 1995, Biometrika 82:545; Chaloner & Verdinelli 1995, Stat Sci 10:273, §2.1).

* ``criterion="D"`` maximises log det M (Bayesian D-optimality): the smallest volume of the
  posterior ellipsoid of all η together.
* ``criterion="c"`` with ``parameter`` P minimises cᵀ M⁻¹ c, c = ∂ log P/∂η at η = 0: the
  expected posterior variance of log P. The parameter that drives an AUC target is CL.

Search over ``count`` distinct times of the candidate grid: every combination when there are at
most ``EXHAUSTIVE_LIMIT``, else greedy forward selection (add the time that most improves the
criterion) followed by one exchange pass (each chosen time in turn swapped for the best
unchosen one if that improves the criterion; Fedorov 1972) — a local optimum, not guaranteed
global. The naive design reported for comparison is the last ``count`` candidate times.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.solve import Dose

#: Finite-difference step on the η scale.
STEP = 1e-4
#: Most combinations searched exhaustively; above, greedy selection and one exchange pass.
EXHAUSTIVE_LIMIT = 20_000
CRITERIA = ("D", "c")


@dataclass(frozen=True)
class SamplingDesign:
    """The chosen times and what they are expected to give.

    ``value`` is log det M for "D" (larger is better) and the expected posterior variance of
    log ``parameter`` for "c" (smaller is better); ``naive_value`` the same for ``naive_times``.
    ``eta_sd`` is √diag M⁻¹ per η, ``prior_sd`` √diag Ω; ``parameter_sd`` the expected posterior
    SD of log ``parameter`` (None without one).
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


def optimal_times(model: PopulationModel, doses: Sequence[Dose], covariates: Mapping[str, float],
                  candidates: Sequence[float], count: int, *, criterion: str = "D",
                  parameter: str | None = None) -> SamplingDesign:
    """The ``count`` times of ``candidates`` (model time unit) that optimise ``criterion`` at η = 0."""
    grid = _checked(model, candidates, count, criterion, parameter)
    information = _information(model, doses, covariates, grid)
    prior = np.linalg.inv(model.omega.matrix)
    direction = None if parameter is None else _direction(model, covariates, parameter)
    if comb(grid.size, count) <= EXHAUSTIVE_LIMIT:
        chosen, search = _exhaustive(information, prior, count, criterion, direction), "exhaustive"
    else:
        chosen, search = _greedy_exchange(information, prior, count, criterion, direction), "greedy+exchange"
    naive = np.arange(grid.size - count, grid.size)
    matrix = prior + information[chosen].sum(axis=0)
    posterior = np.linalg.inv(matrix)
    names = model.eta_names
    return SamplingDesign(
        times=tuple(float(t) for t in grid[chosen]), criterion=criterion,
        value=_value(matrix, criterion, direction),
        eta_sd=dict(zip(names, np.sqrt(np.diag(posterior)).tolist(), strict=True)),
        prior_sd=dict(zip(names, np.sqrt(np.diag(model.omega.matrix)).tolist(), strict=True)),
        parameter=parameter,
        parameter_sd=None if direction is None else float(np.sqrt(direction @ posterior @ direction)),
        naive_times=tuple(float(t) for t in grid[naive]),
        naive_value=_value(prior + information[naive].sum(axis=0), criterion, direction), search=search)


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


def _information(model: PopulationModel, doses: Sequence[Dose], covariates: Mapping[str, float],
                 grid: np.ndarray) -> np.ndarray:
    """J(t)ᵀJ(t)/g(t)² per candidate time (times × η × η), at η = 0."""
    size = len(model.eta_names)
    eta = np.vstack([np.zeros(size), STEP * np.eye(size), -STEP * np.eye(size)])
    f = model.predict(doses, grid, covariates, eta).concentration()
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


def _direction(model: PopulationModel, covariates: Mapping[str, float], parameter: str) -> np.ndarray:
    """c = ∂ log P/∂η at η = 0 for the individual parameter P."""
    size = len(model.eta_names)
    eta = np.vstack([STEP * np.eye(size), -STEP * np.eye(size)])
    values = model.parameters(covariates, eta)
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
