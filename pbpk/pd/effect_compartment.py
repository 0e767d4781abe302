"""The effect-site concentration of a plasma profile: dCe/dt = ke0·(Cp − Ce), solved exactly.

The effect compartment (Sheiner et al. 1979, Clin Pharmacol Ther 25:358) delays the effect
behind the plasma concentration by a first-order equilibration with rate constant ke0
(t½,ke0 = ln 2/ke0). Here the plasma profile is given at sample times and taken to be
linear between them, Cp(t_k + s) = a + b·s, so that on each interval

    Ce(t_k + s) = Ce_k·e^(−ke0·s) + a·(1 − e^(−ke0·s)) + b·(s − (1 − e^(−ke0·s))/ke0),

the exact solution for that input: no ODE solver and no step-size error. The terms are
written with ``expm1`` and a series for small ke0·s, so they keep their digits for a slow
(ke0·s → 0) and a fast (ke0·s → ∞, Ce → Cp) equilibration alike. Profiles may be one
(times,) or one per subject (subjects × times), with one ke0 or one per subject.
Units: ke0 in 1/(time unit of ``times``); Ce in the unit of Cp.
"""

from __future__ import annotations

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.pd import inputs

#: Below this ke0·Δt the terms of the interval solution use their Taylor series.
SERIES_BELOW = 1e-4
WHERE = "effect compartment"


def _interval_terms(x: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For x = ke0·s: e^(−x), 1 − e^(−x), and s − (1 − e^(−x))/ke0 = s·(1 − (1 − e^(−x))/x)."""
    decay = np.exp(-x)
    rise = -np.expm1(-x)
    small = x < SERIES_BELOW
    safe = np.where(small, 1.0, x)
    ramp_fraction = np.where(small, x / 2 - x**2 / 6 + x**3 / 24, 1.0 - rise / safe)
    return decay, rise, step * ramp_fraction


def effect_site(times, plasma, ke0, *, initial=0.0, at=None) -> np.ndarray:
    """Ce at the sample ``times`` (or at the times ``at`` inside them), for a plasma profile linear between samples.

    ``plasma`` is (times,) or (subjects, times); ``ke0`` one value or one per subject; ``initial``
    is Ce at the first time (default 0: an effect site free of drug). Returns an array shaped like
    ``plasma`` (with ``at``: its time axis replaced by ``at``).

    >>> t = np.array([0.0, 1.0, 2.0])
    >>> effect_site(t, [4.0, 4.0, 4.0], ke0=np.log(2)).round(6).tolist()   # half-way per t½,ke0
    [0.0, 2.0, 3.0]
    """
    grid = inputs.times(times, where=WHERE)
    cp = inputs.nonnegative(plasma, where=WHERE, field="plasma concentrations")
    if cp.shape[-1] != grid.size or cp.ndim > 2:
        raise PbpkInputError(WHERE, "plasma concentrations", f"an array of shape {cp.shape}",
                                    f"{grid.size} concentrations per subject: (times,) or (subjects, times)")
    rows = np.atleast_2d(cp)
    k = np.broadcast_to(inputs.positive(ke0, where=WHERE, field="ke0").reshape(-1), (rows.shape[0],))
    ce = np.empty_like(rows)
    ce[:, 0] = np.broadcast_to(inputs.nonnegative(initial, where=WHERE, field="initial").reshape(-1), (rows.shape[0],))
    steps = np.diff(grid)
    for j, h in enumerate(steps):
        a, b = rows[:, j], (rows[:, j + 1] - rows[:, j]) / h
        decay, rise, ramp = _interval_terms(k * h, np.full_like(k, h))
        ce[:, j + 1] = ce[:, j] * decay + a * rise + b * ramp
    if at is not None:
        ce = _between(grid, rows, ce, k, np.asarray(at, float))
    return ce.reshape(ce.shape[1:]) if cp.ndim == 1 else ce


def _between(grid: np.ndarray, cp: np.ndarray, ce: np.ndarray, k: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Ce at the times ``at`` from the knot before each (the same exact interval solution)."""
    if at.ndim != 1 or np.any(~np.isfinite(at)) or np.any((at < grid[0]) | (at > grid[-1])):
        raise PbpkInputError(WHERE, "at", np.ravel(at)[:3].tolist(),
                                    f"finite times from {grid[0]:g} to {grid[-1]:g} (inside the sampled profile)")
    j = np.clip(np.searchsorted(grid, at, side="right") - 1, 0, grid.size - 2)
    s = at - grid[j]
    h = grid[j + 1] - grid[j]
    a = cp[:, j]
    b = (cp[:, j + 1] - cp[:, j]) / h
    decay, rise, ramp = _interval_terms(k[:, None] * s[None, :], np.broadcast_to(s, (k.size, s.size)))
    return ce[:, j] * decay + a * rise + b * ramp


def equilibration_half_life(ke0) -> np.ndarray:
    """t½,ke0 = ln 2 / ke0 (in the time unit of 1/ke0).

    >>> float(equilibration_half_life(np.log(2) / 3))
    3.0
    """
    return np.log(2) / inputs.positive(ke0, where=WHERE, field="ke0")
