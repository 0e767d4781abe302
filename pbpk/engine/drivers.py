"""Running compiled kernels over many subjects, in parallel, in Numba.

The generated kernels of a model (``rhs``, ``jac``, ``outputs``) are Numba C callbacks
with one fixed signature, passed to these functions as first-class function values.
The functions here are therefore compiled once per machine (and cached), whatever the
model: a new model structure compiles only its own small kernels.

Each subject is solved into a buffer of its own, from which the chosen states and
outputs are kept, so memory grows with what is kept, not with the whole state vector.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pbpk.engine.linear import propagate
from pbpk.engine.rosenbrock import integrate


@njit(cache=True, error_model="numpy")
def _keep(outputs, buffer, p, state_columns, output_columns, n_outputs, states_out, outputs_out):
    """Copy the kept states of one subject and evaluate its kept outputs at every time."""
    row = np.empty(n_outputs)
    for i in range(buffer.shape[0]):
        for c in range(state_columns.shape[0]):
            states_out[i, c] = buffer[i, state_columns[c]]
        if output_columns.shape[0] > 0:
            outputs(buffer[i], p, row)
            for c in range(output_columns.shape[0]):
                outputs_out[i, c] = row[output_columns[c]]


@njit(cache=True, parallel=True, error_model="numpy")
def solve_population(rhs, jac, outputs, y0, parameters, t_out, schedule_t, schedule_bolus, schedule_rate, rtol, atol,
                     max_steps, state_columns, output_columns, n_outputs, states_out, outputs_out, status, steps):
    """RODAS4 for each row of ``parameters`` in parallel (per-subject initial states, doses and tolerances)."""
    for k in prange(parameters.shape[0]):
        buffer = np.empty((t_out.shape[0], y0.shape[1]))
        status[k], steps[k] = integrate(rhs, jac, y0[k], parameters[k], t_out, schedule_t, schedule_bolus[k],
                                        schedule_rate[k], rtol, atol[k], max_steps, buffer)
        _keep(outputs, buffer, parameters[k], state_columns, output_columns, n_outputs, states_out[k],
              outputs_out[k])


@njit(cache=True, parallel=True, error_model="numpy")
def exact_population(jac, outputs, y0, parameters, t_out, schedule_t, schedule_bolus, schedule_rate, state_columns,
                     output_columns, n_outputs, states_out, outputs_out, status):
    """Exact linear solution for each row of ``parameters`` in parallel (per-subject initial states)."""
    for k in prange(parameters.shape[0]):
        buffer = np.empty((t_out.shape[0], y0.shape[1]))
        status[k] = propagate(jac, y0[k], parameters[k], t_out, schedule_t, schedule_bolus[k], schedule_rate[k],
                              buffer)
        _keep(outputs, buffer, parameters[k], state_columns, output_columns, n_outputs, states_out[k],
              outputs_out[k])
