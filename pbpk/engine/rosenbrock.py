"""A stiff ODE integrator in Numba: RODAS4 with adaptive steps and dose restarts.

RODAS4 is the 6-stage, order-4 (embedded order-3), L-stable and stiffly
accurate Rosenbrock method of Hairer & Wanner (Solving Ordinary Differential
Equations II, 2nd ed., Springer 1996, §IV.7; coefficients of their code
RODAS). It needs the Jacobian, which pbpk generates analytically, and one LU
factorisation per step. Rosenbrock methods with the exact Jacobian keep linear
invariants, so mass balance holds to round-off.

The model is autonomous between schedule times: f(y) = rhs(y, p) + u, where u
holds the infusion rates. At each schedule time the boluses are added, u is
updated and integration restarts with a small step (doses are
discontinuities). Step sizes follow the error control; outputs between steps
come from cubic Hermite interpolation; at a dose time they report the state
after the dose.

Everything here is compiled with ``numba.njit(cache=True)``; ``rhs`` and
``jac`` are the generated kernels of a model, passed as first-class functions.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# RODAS4 coefficients (Hairer & Wanner 1996, code RODAS, METH = 1).
GAMMA = 0.25
A21 = 1.544
A31, A32 = 0.9466785280815826, 0.2557011698983284
A41, A42, A43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
A51, A52, A53, A54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
C21 = -5.6688
C31, C32 = -2.430093356833875, -0.2063599157091915
C41, C42, C43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
C51, C52, C53, C54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
C61, C62, C63, C64, C65 = 8.083246795921522, -7.981132988064893, -31.52159432874371, 16.31930543123136, -6.058818238834054

#: Status codes returned by the integrator (named in :class:`pbpk.engine.status.SolverCode`).
OK, MAX_STEPS, STEP_TOO_SMALL, SINGULAR, NOT_FINITE = 0, 1, 2, 3, 4


@njit(cache=True, error_model="numpy")
def lu_factor(a, pivots):
    """In-place LU factorisation with partial pivoting; returns False if singular.

    Zeros are skipped (multipliers and pivot-row entries), so a sparse matrix
    with little fill-in — a PBPK model with its hub states last — factorises in
    far fewer than n³/3 operations.
    """
    n = a.shape[0]
    columns = np.empty(n, dtype=np.int64)
    for k in range(n):
        pivot = k
        biggest = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > biggest:
                biggest = abs(a[i, k])
                pivot = i
        pivots[k] = pivot
        if biggest == 0.0:
            return False
        if pivot != k:
            for j in range(n):
                a[k, j], a[pivot, j] = a[pivot, j], a[k, j]
        count = 0
        for j in range(k + 1, n):
            if a[k, j] != 0.0:
                columns[count] = j
                count += 1
        inverse = 1.0 / a[k, k]
        for i in range(k + 1, n):
            if a[i, k] != 0.0:
                a[i, k] *= inverse
                factor = a[i, k]
                for c in range(count):
                    j = columns[c]
                    a[i, j] -= factor * a[k, j]
    return True


@njit(cache=True, error_model="numpy")
def lu_solve(lu, pivots, b):
    """Solve in place with the factors of ``lu_factor``."""
    n = lu.shape[0]
    for k in range(n):
        p = pivots[k]
        if p != k:
            b[k], b[p] = b[p], b[k]
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= lu[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= lu[i, j] * b[j]
        b[i] = s / lu[i, i]


@njit(cache=True, error_model="numpy")
def lu_pattern(lu, indices, starts):
    """Compressed row pattern of the nonzero factors: row i of L then of U in
    ``indices[starts[i]:starts[i + 1]]`` (L part first, ``starts`` has 2n + 1 entries)."""
    n = lu.shape[0]
    count = 0
    for i in range(n):
        starts[2 * i] = count
        for j in range(i):
            if lu[i, j] != 0.0:
                indices[count] = j
                count += 1
        starts[2 * i + 1] = count
        for j in range(i + 1, n):
            if lu[i, j] != 0.0:
                indices[count] = j
                count += 1
    starts[2 * n] = count


@njit(cache=True, error_model="numpy")
def lu_solve_sparse(lu, pivots, indices, starts, b):
    """``lu_solve`` over the nonzero pattern of ``lu_pattern`` (same result, fewer operations)."""
    n = lu.shape[0]
    for k in range(n):
        p = pivots[k]
        if p != k:
            b[k], b[p] = b[p], b[k]
    for i in range(n):
        s = b[i]
        for c in range(starts[2 * i], starts[2 * i + 1]):
            j = indices[c]
            s -= lu[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for c in range(starts[2 * i + 1], starts[2 * i + 2]):
            j = indices[c]
            s -= lu[i, j] * b[j]
        b[i] = s / lu[i, i]


@njit(cache=True, error_model="numpy")
def _error_norm(error, y, y_new, rtol, atol):
    total = 0.0
    n = y.shape[0]
    for i in range(n):
        scale = atol[i] + rtol * max(abs(y[i]), abs(y_new[i]))
        total += (error[i] / scale) ** 2
    return np.sqrt(total / n)


@njit(cache=True, error_model="numpy")
def _hermite(y0, f0, y1, f1, h, theta, out):
    """Cubic Hermite interpolation on an accepted step (order 3, like the embedded error estimate).

    Keeps linear invariants: its weights on y0 and y1 sum to one.
    """
    t2 = theta * theta
    t3 = t2 * theta
    a0 = 2.0 * t3 - 3.0 * t2 + 1.0
    b0 = (t3 - 2.0 * t2 + theta) * h
    a1 = -2.0 * t3 + 3.0 * t2
    b1 = (t3 - t2) * h
    for i in range(y0.shape[0]):
        out[i] = a0 * y0[i] + b0 * f0[i] + a1 * y1[i] + b1 * f1[i]


@njit(cache=True, error_model="numpy")
def integrate(rhs, jac, y0, p, t_out, schedule_t, schedule_bolus, schedule_rate, rtol, atol, max_steps, out):
    """Solve through ``t_out``; write the states at those times to ``out``.

    Steps follow the error control, not the output grid: outputs inside a step
    come from cubic Hermite interpolation with the derivatives at both ends
    (the end derivative is the next step's first stage, so it costs nothing).
    Steps stop only at schedule times, where boluses are added and rates
    switched; outputs at a schedule time report the state after the dose.
    ``rhs`` and ``jac`` are called directly from this function (Numba caches a
    function that receives first-class functions only if it does not pass
    them on), which is why the whole step loop is one function (long by design:
    a Numba kernel).

    Parameters
    ----------
    rhs, jac
        Generated kernels ``rhs(y, p, dy)`` and ``jac(y, p, J)``.
    y0, p
        Initial state and parameter vector.
    t_out
        Sorted output times (h).
    schedule_t, schedule_bolus, schedule_rate
        Sorted schedule times; amounts added at each (rows: states), and the
        input rates (µmol/h per state) that hold from each time on.
    rtol, atol
        Relative tolerance (scalar) and absolute tolerances (per state).
    out
        (len(t_out), n) array receiving the states.

    Returns
    -------
    (status, steps)
    """
    n = y0.shape[0]
    n_out = t_out.shape[0]
    n_schedule = schedule_t.shape[0]
    y = y0.copy()
    u = np.zeros(n)
    k1, k2, k3, k4 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    k5, k6, stage, f = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    y_new, last_stage, f0, f1 = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    lu = np.empty((n, n))
    jacobian = np.empty((n, n))
    pivots = np.empty(n, dtype=np.int64)
    indices = np.empty(n * n, dtype=np.int64)
    starts = np.empty(2 * n + 1, dtype=np.int64)
    t = t_out[0]
    if n_schedule > 0 and schedule_t[0] < t:
        t = schedule_t[0]
    t_final = t_out[n_out - 1]
    s = 0
    o = 0
    steps = 0
    h_restart = 1e-6 * max(1.0, t_final - t)
    h = h_restart
    while True:
        # schedule events at t, then outputs at exactly t (after the dose)
        while s < n_schedule and schedule_t[s] <= t + 1e-12:
            for i in range(n):
                y[i] += schedule_bolus[s, i]
                u[i] = schedule_rate[s, i]
            s += 1
            h = h_restart
        while o < n_out and t_out[o] <= t + 1e-12:
            for i in range(n):
                out[o, i] = y[i]
            o += 1
        if o >= n_out:
            return OK, steps
        t_end = t_final
        if s < n_schedule and schedule_t[s] < t_end:
            t_end = schedule_t[s]
        rhs(y, p, f0)
        for i in range(n):
            f0[i] += u[i]
        # adaptive RODAS4 steps from t to t_end
        while t < t_end - 1e-14 * max(1.0, abs(t_end)):
            status = OK
            if steps >= max_steps:
                status = MAX_STEPS
            elif h < 1e-14 * max(1.0, abs(t)):
                status = STEP_TOO_SMALL
            if status == OK:
                truncated = t + h > t_end
                h_wanted = h
                if truncated:
                    h = t_end - t
                jac(y, p, jacobian)
                factor = 1.0 / (h * GAMMA)
                for i in range(n):
                    for j in range(n):
                        lu[i, j] = -jacobian[i, j]
                    lu[i, i] += factor
                if not lu_factor(lu, pivots):
                    status = SINGULAR
                else:
                    lu_pattern(lu, indices, starts)
            if status != OK:
                for k in range(o, n_out):
                    for i in range(n):
                        out[k, i] = np.nan
                return status, steps
            for i in range(n):
                k1[i] = f0[i]
            lu_solve_sparse(lu, pivots, indices, starts, k1)
            for i in range(n):
                stage[i] = y[i] + A21 * k1[i]
            rhs(stage, p, f)
            for i in range(n):
                k2[i] = f[i] + u[i] + C21 * k1[i] / h
            lu_solve_sparse(lu, pivots, indices, starts, k2)
            for i in range(n):
                stage[i] = y[i] + A31 * k1[i] + A32 * k2[i]
            rhs(stage, p, f)
            for i in range(n):
                k3[i] = f[i] + u[i] + (C31 * k1[i] + C32 * k2[i]) / h
            lu_solve_sparse(lu, pivots, indices, starts, k3)
            for i in range(n):
                stage[i] = y[i] + A41 * k1[i] + A42 * k2[i] + A43 * k3[i]
            rhs(stage, p, f)
            for i in range(n):
                k4[i] = f[i] + u[i] + (C41 * k1[i] + C42 * k2[i] + C43 * k3[i]) / h
            lu_solve_sparse(lu, pivots, indices, starts, k4)
            for i in range(n):
                stage[i] = y[i] + A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i]
            rhs(stage, p, f)
            for i in range(n):
                k5[i] = f[i] + u[i] + (C51 * k1[i] + C52 * k2[i] + C53 * k3[i] + C54 * k4[i]) / h
            lu_solve_sparse(lu, pivots, indices, starts, k5)
            for i in range(n):  # stiffly accurate: the solution is the last stage
                last_stage[i] = stage[i] + k5[i]
            rhs(last_stage, p, f)
            for i in range(n):
                k6[i] = f[i] + u[i] + (C61 * k1[i] + C62 * k2[i] + C63 * k3[i] + C64 * k4[i] + C65 * k5[i]) / h
            lu_solve_sparse(lu, pivots, indices, starts, k6)
            finite = True
            for i in range(n):
                y_new[i] = last_stage[i] + k6[i]
                if not np.isfinite(y_new[i]):
                    finite = False
            steps += 1
            if not finite:
                h *= 0.25
                continue
            error = _error_norm(k6, y, y_new, rtol, atol)
            if error > 1.0:
                h *= max(0.2, 0.9 * error ** -0.25)
                continue
            t_next = t_end if truncated else t + h
            rhs(y_new, p, f1)
            for i in range(n):
                f1[i] += u[i]
            # outputs inside (t, t_next]; one at t_end waits for the dose there
            while o < n_out and (t_out[o] < t_next - 1e-12 or (t_next == t_final and t_out[o] <= t_final + 1e-12)):
                _hermite(y, f0, y_new, f1, t_next - t, (t_out[o] - t) / (t_next - t), out[o])
                o += 1
            t = t_next
            for i in range(n):
                y[i] = y_new[i]
                f0[i] = f1[i]
            growth = 6.0 if error == 0.0 else min(6.0, max(0.2, 0.9 * error ** -0.25))
            h = max(h * growth, h_wanted) if truncated else h * growth
        t = t_end
