"""An independent reference solver: scipy's implicit Radau method on the lambdified model.

Used by the python backend (the test oracle) and by tests that check the
Numba solvers against a different integrator. Between schedule times the
model is integrated with ``scipy.integrate.solve_ivp(method="Radau")`` and the
analytic Jacobian; boluses are added and infusion rates switched at each
schedule time, as in :mod:`pbpk.engine.rosenbrock`.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from pbpk.engine.codegen import Kernel
from pbpk.engine.schedules import Schedule
from pbpk.engine.status import SolverCode, SolverStatus


def solve_scipy(kernel: Kernel, y0: np.ndarray, p: np.ndarray, grid: np.ndarray, plan: Schedule, rtol: float,
                atol: np.ndarray) -> tuple[np.ndarray, SolverStatus]:
    """States on ``grid`` (rows) and a status, solved with scipy Radau (``atol`` per state)."""
    n = len(y0)
    dy = np.empty(n)
    jacobian = np.empty((n, n))
    y = y0.astype(float).copy()
    u = np.zeros(n)

    def f(_t, state):
        kernel.rhs(state, p, dy)
        return dy + u

    def jac(_t, state):
        kernel.jac(state, p, jacobian)
        return jacobian.copy()

    nodes = np.unique(np.concatenate([grid, plan.times]))
    out = np.empty((len(grid), n))
    s = 0
    steps = 0
    for k, t in enumerate(nodes):
        while s < len(plan.times) and plan.times[s] <= t + 1e-12:
            y += plan.bolus[s]
            u = plan.rate[s].copy()
            s += 1
        index = np.searchsorted(grid, t)
        if index < len(grid) and abs(grid[index] - t) < 1e-12:
            out[index] = y
        if k + 1 < len(nodes):
            solution = solve_ivp(f, (t, nodes[k + 1]), y, method="Radau", jac=jac, rtol=rtol, atol=atol)
            if not solution.success:
                out[index:] = np.nan
                return out, SolverStatus.of(SolverCode.REFERENCE_FAILED, steps=steps, detail=solution.message)
            steps += solution.t.size
            y = solution.y[:, -1].copy()
    return out, SolverStatus(SolverCode.OK, "solved (scipy Radau reference)", steps)
