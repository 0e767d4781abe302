"""Tumour growth inhibition after Claret et al. 2009 (J Clin Oncol 27:4103).

The tumour size y (sum of longest diameters) grows exponentially and shrinks under treatment
with a drug effect that fades as resistance appears:

    dy/dt = KL·y − KD·e^(−λ·t)·E(t)·y,   y(0) = y0,

with E(t) the exposure that drives the effect (Claret: the daily dose; an AUC or a
concentration works the same way). The equation is linear in y, so

    ln(y/y0) = KL·t − KD·∫₀ᵗ e^(−λs)·E(s) ds,

which for a constant E is the closed form y = y0·exp(KL·t − KD·E·(1 − e^(−λt))/λ)
(KD·E·t when λ = 0). For an exposure that changes with time, ln y is integrated with scipy's
``solve_ivp`` (LSODA, rtol 10⁻¹⁰). The relative change in tumour size at week 8,
y(8 wk)/y0 − 1, is the early predictor of survival in Claret 2009 (``week8_change``).
Units: t, 1/KL and 1/λ in one time unit (Claret: weeks); KD in 1/(time·exposure unit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from pbpk.core.errors import PbpkInputError
from pbpk.pd import inputs

WHERE = "tumour growth inhibition model"
#: Relative tolerance of the integration for time-varying exposures.
RTOL = 1e-10
#: Claret 2009's landmark: the change in tumour size at week 8.
WEEK8 = 8.0


@dataclass(frozen=True)
class TumourGrowthInhibition:
    """Claret's model: growth rate ``kl``, drug kill ``kd`` per exposure unit, resistance ``lam``, size ``y0``.

    Parameters may be one number or one per subject.

    >>> tgi = TumourGrowthInhibition(kl=0.01, kd=0.02, lam=0.0, y0=100.0)
    >>> float(tgi.size([10.0], 1.0)[0])   # 100·exp((0.01 − 0.02)·10)
    90.48374180359595
    """

    kl: float
    kd: float
    lam: float
    y0: float

    def __post_init__(self) -> None:
        inputs.nonnegative(self.kl, where=WHERE, field="kl")
        inputs.nonnegative(self.kd, where=WHERE, field="kd")
        inputs.nonnegative(self.lam, where=WHERE, field="lam")
        inputs.positive(self.y0, where=WHERE, field="y0")

    def size(self, times, exposure) -> np.ndarray:
        """y at ``times`` (≥ 0, from the start of treatment).

        ``exposure`` is a constant (one value, or one per subject: closed form), a callable of time, or
        sampled (times, values) joined linearly (integrated). Returns (times,) or (subjects, times).
        """
        t = inputs.nonnegative(times, where=WHERE, field="times")
        if t.ndim != 1:
            raise PbpkInputError(WHERE, "times", f"an array of shape {t.shape}", "a 1-D array of times")
        if callable(exposure) or isinstance(exposure, tuple):
            return self._integrated(t, inputs.concentration_function(exposure, where=WHERE))
        e = inputs.nonnegative(exposure, where=WHERE, field="exposure")
        log_ratio = (np.atleast_1d(self.kl)[:, None] * t
                     - np.atleast_1d(self.kd * e)[:, None] * _resistance_integral(np.atleast_1d(self.lam)[:, None], t))
        y = np.atleast_1d(self.y0)[:, None] * np.exp(log_ratio)
        return y[0] if y.shape[0] == 1 else y

    def _integrated(self, t: np.ndarray, exposure) -> np.ndarray:
        """ln y by solve_ivp: d(ln y)/dt = KL − KD·e^(−λt)·E(t), from 0 to the last time."""
        kl, kd, lam = (np.atleast_1d(np.asarray(v, float)) for v in (self.kl, self.kd, self.lam))
        size = np.broadcast(kl, kd, lam, np.atleast_1d(exposure(0.0))).shape[0]

        def rate(time, _):
            return np.broadcast_to(kl - kd * np.exp(-lam * time) * exposure(time), (size,))

        grid = np.union1d([0.0], t)
        result = solve_ivp(rate, (0.0, grid[-1]), np.zeros(size), method="LSODA", t_eval=grid, rtol=RTOL,
                           atol=1e-12) if grid[-1] > 0 else None
        log_ratio = result.y[:, np.searchsorted(grid, t)] if result is not None else np.zeros((size, t.size))
        y = np.broadcast_to(np.atleast_1d(self.y0), (size,))[:, None] * np.exp(log_ratio)
        return y[0] if size == 1 else y

    def week8_change(self, exposure, *, week: float = WEEK8) -> np.ndarray:
        """The relative change in tumour size at ``week`` (time unit of the model: weeks), y/y0 − 1."""
        y = self.size([week], exposure)
        return y[..., 0] / np.asarray(self.y0, float) - 1.0

    def time_to_regrowth(self, exposure) -> np.ndarray:
        """The time of the nadir (dy/dt = 0) under a constant exposure: ln(KD·E/KL)/λ; 0 if it never shrinks.

        Infinite when λ = 0 and KD·E > KL (the tumour shrinks for ever).
        """
        e = inputs.nonnegative(exposure, where=WHERE, field="exposure")
        kill, kl, lam = np.asarray(self.kd * e, float), np.asarray(self.kl, float), np.asarray(self.lam, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            nadir = np.where(lam > 0, np.log(kill / kl) / np.where(lam > 0, lam, 1.0), np.inf)
        return np.where(kill > kl, nadir, 0.0)


def _resistance_integral(lam: np.ndarray, t: np.ndarray) -> np.ndarray:
    """∫₀ᵗ e^(−λs) ds = (1 − e^(−λt))/λ, and t where λ·t is tiny (λ = 0 included)."""
    x = lam * t
    small = x < 1e-8
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = -np.expm1(-x) / np.where(lam > 0, lam, 1.0)
    return np.where(small, t * (1 - x / 2), exact)
