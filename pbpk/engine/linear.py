"""Exact solution of linear models: matrix exponential and superposition of doses.

For dy/dt = A·y + u with u constant between schedule times, over a step Δ

    y(t + Δ) = Φ(Δ)·y(t) + Γ(Δ)·u,   Φ = exp(AΔ),   Γ = ∫₀^Δ exp(As) ds,

both read off one exponential of the block matrix [[A, I], [0, 0]]·Δ (Van Loan
1978, IEEE Trans Automat Contr 23:395). Boluses add to y at their times. The
exponential is the scaling-and-squaring Padé(13) algorithm of Higham 2005
(SIAM J Matrix Anal Appl 26:1179), written in Numba so that a whole population
runs without Python in the loop. Φ and Γ are reused while the step length is
unchanged (a regular output grid needs one or two exponentials).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from pbpk.engine.rosenbrock import lu_factor, lu_solve

# Padé(13) coefficients and the scaling threshold θ13 (Higham 2005, Table 2.3 and eq. 2.5).
_B = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
      129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
      40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


@njit(cache=True, error_model="numpy")
def expm(a):
    """exp(a) by scaling and squaring with a Padé(13) approximant."""
    n = a.shape[0]
    norm = 0.0
    for j in range(n):
        column = 0.0
        for i in range(n):
            column += abs(a[i, j])
        norm = max(norm, column)
    squarings = 0
    if norm > _THETA13:
        squarings = int(np.ceil(np.log2(norm / _THETA13)))
    scaled = a / (2.0 ** squarings)
    identity = np.eye(n)
    a2 = scaled @ scaled
    a4 = a2 @ a2
    a6 = a2 @ a4
    b = _B
    u_inner = a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * identity
    u = scaled @ u_inner
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * identity
    denominator = v - u
    numerator = v + u
    pivots = np.empty(n, dtype=np.int64)
    lu_factor(denominator, pivots)
    result = np.empty((n, n))
    column = np.empty(n)
    for j in range(n):
        for i in range(n):
            column[i] = numerator[i, j]
        lu_solve(denominator, pivots, column)
        for i in range(n):
            result[i, j] = column[i]
    for _ in range(squarings):
        result = result @ result
    return result


@njit(cache=True, error_model="numpy")
def transition(a, delta, phi, gamma):
    """Φ = exp(AΔ) and Γ = ∫₀^Δ exp(As) ds from the block exponential."""
    n = a.shape[0]
    block = np.zeros((2 * n, 2 * n))
    for i in range(n):
        for j in range(n):
            block[i, j] = a[i, j] * delta
        block[i, n + i] = delta
    e = expm(block)
    for i in range(n):
        for j in range(n):
            phi[i, j] = e[i, j]
            gamma[i, j] = e[i, n + j]


@njit(cache=True, error_model="numpy", fastmath=True)
def propagate(jac, y0, p, t_out, schedule_t, schedule_bolus, schedule_rate, out):
    """Exact solution at ``t_out`` of a linear model (same schedule arrays as ``rosenbrock.integrate``).

    Without infusion running only exp(AΔ) is needed (an n × n exponential);
    with infusion the 2n × 2n block gives Γ as well. Both are kept while Δ is
    unchanged.
    """
    n = y0.shape[0]
    a = np.empty((n, n))
    jac(y0, p, a)  # the Jacobian of a linear model is its constant system matrix
    y = y0.copy()
    u = np.zeros(n)
    phi = np.empty((n, n))
    gamma = np.empty((n, n))
    phi_only = np.empty((n, n))
    work = np.empty(n)
    cached_block = -1.0
    cached_phi = -1.0
    t = t_out[0]
    if schedule_t.shape[0] > 0 and schedule_t[0] < t:
        t = schedule_t[0]
    s = 0
    o = 0
    while True:
        while s < schedule_t.shape[0] and schedule_t[s] <= t + 1e-12:
            for i in range(n):
                y[i] += schedule_bolus[s, i]
                u[i] = schedule_rate[s, i]
            s += 1
        while o < t_out.shape[0] and t_out[o] <= t + 1e-12:
            for i in range(n):
                out[o, i] = y[i]
            o += 1
        if o >= t_out.shape[0]:
            return 0
        t_next = t_out[o]
        if s < schedule_t.shape[0] and schedule_t[s] < t_next:
            t_next = schedule_t[s]
        delta = t_next - t
        infusing = False
        for i in range(n):
            if u[i] != 0.0:
                infusing = True
        if infusing:
            if abs(delta - cached_block) > 1e-12 * max(1.0, delta):
                transition(a, delta, phi, gamma)
                cached_block = delta
            for i in range(n):
                total = 0.0
                for j in range(n):
                    total += phi[i, j] * y[j] + gamma[i, j] * u[j]
                work[i] = total
        else:
            if abs(delta - cached_phi) > 1e-12 * max(1.0, delta):
                phi_only[:, :] = expm(a * delta)
                cached_phi = delta
            for i in range(n):
                total = 0.0
                for j in range(n):
                    total += phi_only[i, j] * y[j]
                work[i] = total
        for i in range(n):
            y[i] = work[i]
        t = t_next
