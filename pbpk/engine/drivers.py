"""Running compiled kernels over many subjects and time points, in Numba.

The generated kernels of a model (``rhs``, ``jac``, ``outputs``) are Numba
C callbacks with one fixed signature, passed to these functions as
first-class function values. The functions here are therefore compiled once
per machine (and cached), whatever the model: a new model structure compiles
only its own small kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from pbpk.engine.linear import propagate
from pbpk.engine.rosenbrock import integrate


@njit(cache=True, error_model="numpy")
def outputs_series(outputs, states, p, out):
    """Outputs for each row of ``states`` (one subject)."""
    for i in range(states.shape[0]):
        outputs(states[i], p, out[i])


@njit(cache=True, parallel=True, error_model="numpy")
def outputs_population(outputs, states, parameters, out):
    """Outputs for every subject and time point (states: subjects × times × states)."""
    for k in prange(states.shape[0]):
        for i in range(states.shape[1]):
            outputs(states[k, i], parameters[k], out[k, i])


@njit(cache=True, parallel=True, error_model="numpy")
def solve_population(rhs, jac, y0, parameters, t_out, schedule_t, schedule_bolus, schedule_rate, rtol, atol,
                     max_steps, out, status):
    """RODAS4 for each row of ``parameters`` in parallel; per-subject doses and tolerances."""
    for k in prange(parameters.shape[0]):
        status[k], _ = integrate(rhs, jac, y0, parameters[k], t_out, schedule_t, schedule_bolus[k],
                                 schedule_rate[k], rtol, atol[k], max_steps, out[k])


@njit(cache=True, parallel=True, error_model="numpy")
def exact_population(jac, y0, parameters, t_out, schedule_t, schedule_bolus, schedule_rate, out, status):
    """Exact linear solution for each row of ``parameters`` in parallel."""
    for k in prange(parameters.shape[0]):
        status[k] = propagate(jac, y0, parameters[k], t_out, schedule_t, schedule_bolus[k], schedule_rate[k],
                              out[k])


def evaluate_outputs(kernel, states: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """The model's outputs (µmol/L) at each row of ``states`` of one subject, from its outputs kernel."""
    out = np.empty((states.shape[0], len(kernel.model.outputs)))
    if kernel.backend == "numba":
        outputs_series(kernel.compiled.outputs, states, vector, out)
    else:
        for i, row in enumerate(states):
            kernel.outputs(row, vector, out[i])
    return out
