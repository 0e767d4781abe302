"""How a solve ended: a code per outcome, with a message that says how to fix a failure.

The integrator returns plain integers (it is compiled by Numba); :class:`SolverCode`
names them and :class:`SolverStatus` carries one outcome with its message.

Examples
--------
>>> SolverStatus.of(SolverCode.MAX_STEPS, steps=200_000).message
'the integrator reached max_steps; raise max_steps or loosen rtol'
>>> SolverStatus.of(0).ok
True
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from pbpk.engine import rosenbrock


class SolverCode(IntEnum):
    """Outcome of a solve (the integers :func:`pbpk.engine.rosenbrock.integrate` returns)."""

    OK = rosenbrock.OK
    MAX_STEPS = rosenbrock.MAX_STEPS
    STEP_TOO_SMALL = rosenbrock.STEP_TOO_SMALL
    SINGULAR = rosenbrock.SINGULAR
    NOT_FINITE = rosenbrock.NOT_FINITE
    REFERENCE_FAILED = 5  # scipy's Radau (the reference solver) gave up

    @property
    def advice(self) -> str:
        """What the outcome means and what to do about it."""
        return _ADVICE[self]


_ADVICE = {
    SolverCode.OK: "solved",
    SolverCode.MAX_STEPS: "the integrator reached max_steps; raise max_steps or loosen rtol",
    SolverCode.STEP_TOO_SMALL: "the step size fell below round-off; check the parameters (a zero volume or "
                               "an enormous clearance) or loosen rtol",
    SolverCode.SINGULAR: "the Newton matrix was singular; check for zero volumes or partition coefficients",
    SolverCode.NOT_FINITE: "the solution became non-finite; check the parameters",
    SolverCode.REFERENCE_FAILED: "scipy's Radau method failed; check the parameters or loosen rtol",
}


@dataclass(frozen=True)
class SolverStatus:
    """Outcome of one solve; ``message`` says how to fix a failure."""

    code: SolverCode
    message: str
    steps: int = 0

    @classmethod
    def of(cls, code: int, *, steps: int = 0, detail: str = "") -> SolverStatus:
        """The status of an integer code, with the code's advice (and a detail, if any)."""
        named = SolverCode(int(code))
        return cls(named, f"{named.advice}: {detail}" if detail else named.advice, int(steps))

    @property
    def ok(self) -> bool:
        return self.code == SolverCode.OK
