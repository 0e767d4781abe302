"""The one solve path: n subjects (or one) through one compiled kernel.

``solve_many(kernel, parameters, schedules, grid, options)`` is what every simulation
runs on — a single person (:func:`pbpk.simulation.simulate.simulate`), population chunks,
DDI phases and population DDI: parameters are an n × p matrix, the dosing of the n
subjects shares its change times, and the result is one :class:`Trajectories` with the
states and the outputs of the generated outputs kernel. Linear models are solved exactly
(matrix exponential); others with RODAS4; the python backend (the test oracle) with
scipy's Radau.

Units: time h, amounts µmol, concentrations µmol/L.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.engine import drivers
from pbpk.engine.codegen import Kernel
from pbpk.engine.schedules import Schedule
from pbpk.engine.status import SolverCode, SolverStatus
from pbpk.engine.tolerances import absolute_tolerance

Method = Literal["auto", "exact", "general"]
METHODS: tuple[Method, ...] = ("auto", "exact", "general")


@dataclass(frozen=True)
class Schedules:
    """Dosing of n subjects for the solvers: shared change times, per-subject amounts.

    ``bolus`` (µmol) and ``rate`` (µmol/h) are (n, change times, states); ``scale`` (n,
    states) is each state's dose scale in µmol, from which :mod:`pbpk.engine.tolerances`
    sets the absolute tolerance.
    """

    times: np.ndarray
    bolus: np.ndarray
    rate: np.ndarray
    scale: np.ndarray

    @property
    def n(self) -> int:
        return self.bolus.shape[0]

    @classmethod
    def of(cls, schedule: Schedule) -> Schedules:
        """One subject's schedule."""
        return cls(schedule.times, schedule.bolus[None], schedule.rate[None], schedule.scale[None])

    @classmethod
    def linear_in(cls, at_one: Schedule, at_two: Schedule, x: np.ndarray) -> Schedules:
        """Subjects whose dosing is linear in a covariate ``x`` (e.g. mg/kg doses in body weight),
        from the schedules at x = 1 and x = 2 (same change times)."""
        step = (np.asarray(x, dtype=float) - 1.0)[:, None, None]
        return cls(at_one.times,
                   at_one.bolus[None] + step * (at_two.bolus - at_one.bolus)[None],
                   at_one.rate[None] + step * (at_two.rate - at_one.rate)[None],
                   at_one.scale[None] + step[:, :, 0] * (at_two.scale - at_one.scale)[None])

    def doses(self) -> np.ndarray:
        """Total amount given to each subject (µmol): boluses plus infusion rate × duration."""
        durations = np.diff(np.append(self.times, self.times[-1]))
        return self.bolus.sum(axis=(1, 2)) + np.einsum("ksi,s->k", self.rate, durations)

    def subject(self, k: int) -> Schedule:
        """Subject k's schedule."""
        return Schedule(self.times, self.bolus[k], self.rate[k], float(self.doses()[k]), self.scale[k])


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: ``method`` (auto: exact when the model is linear), relative tolerance,
    absolute tolerance as a fraction of the dose scale (None: the rule of
    :mod:`pbpk.engine.tolerances`) and the step limit of the integrator."""

    method: Method = "auto"
    rtol: float = 1e-8
    atol: float | None = None
    max_steps: int = 200_000

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise PbpkInputError("solve", "method", self.method, f"one of {', '.join(METHODS)}")
        if not 0 < self.rtol < 1:
            raise PbpkInputError("solve", "rtol", self.rtol, "a relative tolerance in (0, 1), e.g. 1e-8")
        if self.atol is not None and self.atol <= 0:
            raise PbpkInputError("solve", "atol", self.atol, "a positive fraction of the dose, or None")
        if self.max_steps < 1:
            raise PbpkInputError("solve", "max_steps", self.max_steps, "at least one step")


@dataclass(frozen=True)
class Trajectories:
    """Solved subjects: states and outputs on one time grid, and how each solve ended."""

    times: np.ndarray  # (t,) h
    states: np.ndarray  # (n, t, kept states) µmol (AUC states µmol·h/L), in the order of ``state_names``
    outputs: np.ndarray  # (n, t, kept outputs) µmol/L, in the order of ``output_names``
    state_names: tuple[str, ...]
    output_names: tuple[str, ...]
    codes: np.ndarray  # (n,) SolverCode values
    steps: np.ndarray  # (n,) integrator steps (0 on the exact path)
    method: str  # "exact", "general" or "reference"
    details: tuple[str, ...] = ()  # per subject, what the reference solver said on failure

    @property
    def ok(self) -> np.ndarray:
        """True for each subject whose solve succeeded."""
        return self.codes == SolverCode.OK

    def output(self, name: str) -> np.ndarray:
        """One output for every subject over time (n, t), µmol/L."""
        return self.outputs[:, :, self.output_names.index(name)]

    def state(self, name: str) -> np.ndarray:
        """One state for every subject over time (n, t), µmol."""
        return self.states[:, :, self.state_names.index(name)]

    def status(self, k: int = 0) -> SolverStatus:
        """Subject k's outcome, with a message saying how to fix a failure."""
        code = SolverCode(int(self.codes[k]))
        if code == SolverCode.OK and self.method != "general":
            how = "exactly (matrix exponential)" if self.method == "exact" else "(scipy Radau reference)"
            return SolverStatus(code, f"solved {how}", int(self.steps[k]))
        return SolverStatus.of(code, steps=int(self.steps[k]), detail=self.details[k] if self.details else "")


def solve_many(kernel: Kernel, parameters: np.ndarray, schedules: Schedules, grid: np.ndarray,
               options: SolveOptions = SolveOptions(), *, states: Sequence[str] | None = None,
               outputs: Sequence[str] | None = None, initial: np.ndarray | None = None) -> Trajectories:
    """Solve the n subjects of ``parameters`` (n × p, internal units) with ``schedules`` on ``grid`` (h).

    ``states`` and ``outputs`` name what to keep (default: every state and output of the
    model; keeping less saves memory in large populations); ``initial`` holds the states at
    ``grid[0]`` (n × states; default zero). Subjects are solved in parallel.
    """
    model = kernel.model
    parameters = np.ascontiguousarray(parameters, dtype=float)
    n, n_states = parameters.shape[0], len(model.states)
    if schedules.n != n:
        raise PbpkInputError("solve", "schedules", schedules.n, f"one schedule per subject ({n})")
    if options.method == "exact" and not model.is_linear:
        raise PbpkInputError("simulate", "method", "exact", "a linear model for the exact solution",
                             'use kinetics="linear" (CLint = Vmax/Km) or method="general"')
    state_names, state_columns = _columns("states", model.state_names, states)
    output_names, output_columns = _columns("outputs", tuple(model.outputs), outputs)
    y0 = np.zeros((n, n_states)) if initial is None else np.ascontiguousarray(initial, dtype=float).reshape(n, n_states)
    kept_states = np.empty((n, len(grid), len(state_names)))
    kept_outputs = np.empty((n, len(grid), len(output_names)))
    codes = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64)
    atol = absolute_tolerance(schedules.scale, options.rtol, options.atol)
    keep = (state_columns, output_columns, len(model.outputs), kept_states, kept_outputs)
    details: tuple[str, ...] = ()
    if kernel.backend == "python":
        method = "reference"
        details = _solve_reference(kernel, y0, parameters, grid, schedules, atol, options, keep, codes, steps)
    elif options.method == "exact" or (options.method == "auto" and model.is_linear):
        method = "exact"
        drivers.exact_population(kernel.compiled.jac, kernel.compiled.outputs, y0, parameters, grid, schedules.times,
                                 schedules.bolus, schedules.rate, *keep, codes)
    else:
        method = "general"
        drivers.solve_population(kernel.compiled.rhs, kernel.compiled.jac, kernel.compiled.outputs, y0, parameters,
                                 grid, schedules.times, schedules.bolus, schedules.rate, options.rtol, atol,
                                 options.max_steps, *keep, codes, steps)
    return Trajectories(grid, kept_states, kept_outputs, state_names, output_names, codes, steps, method, details)


def _columns(what: str, names: tuple[str, ...], chosen: Sequence[str] | None) -> tuple[tuple[str, ...], np.ndarray]:
    """The chosen names (default: all) and their positions in the model's list."""
    chosen = names if chosen is None else tuple(chosen)
    unknown = [name for name in chosen if name not in names]
    if unknown:
        raise PbpkInputError("solve", what, unknown[0], f"one of the model's {what} ({', '.join(names)})")
    return chosen, np.array([names.index(name) for name in chosen], dtype=np.int64)


def _solve_reference(kernel: Kernel, y0: np.ndarray, parameters: np.ndarray, grid: np.ndarray,
                     schedules: Schedules, atol: np.ndarray, options: SolveOptions, keep: tuple,
                     codes: np.ndarray, steps: np.ndarray) -> tuple[str, ...]:
    """scipy Radau per subject (the python backend); returns what failed solves reported."""
    from pbpk.engine.reference_solver import solve_scipy

    state_columns, output_columns, n_outputs, kept_states, kept_outputs = keep
    row = np.empty(n_outputs)
    details = []
    for k in range(parameters.shape[0]):
        buffer, status = solve_scipy(kernel, y0[k], parameters[k], grid, schedules.subject(k), options.rtol, atol[k])
        codes[k], steps[k] = int(status.code), status.steps
        details.append(status.message if not status.ok else "")
        kept_states[k] = buffer[:, state_columns]
        for i in range(len(grid)):
            kernel.outputs(buffer[i], parameters[k], row)
            kept_outputs[k, i] = row[output_columns]
    return tuple(details)
