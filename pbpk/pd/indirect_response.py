"""Indirect response models I–IV (Dayneka, Garg & Jusko 1993, J Pharmacokinet Biopharm 21:457).

A response R is made at a zero-order rate kin and lost at a first-order rate kout·R; the drug
inhibits or stimulates one of the two:

=====  ==========================================  =====================  ==================
model  dR/dt                                       drug acts on           R at constant C
=====  ==========================================  =====================  ==================
I      kin·(1 − I(C)) − kout·R                     production, inhibited  R0·(1 − I)
II     kin − kout·(1 − I(C))·R                     loss, inhibited        R0/(1 − I)
III    kin·(1 + S(C)) − kout·R                     production, stimulated R0·(1 + S)
IV     kin − kout·(1 + S(C))·R                     loss, stimulated       R0/(1 + S)
=====  ==========================================  =====================  ==================

with I(C) = Imax·Cᵞ/(IC50ᵞ + Cᵞ) (0 < Imax ≤ 1), S(C) = Emax·Cᵞ/(EC50ᵞ + Cᵞ), γ = 1 unless
given, and baseline R0 = kin/kout. At a constant concentration every model is linear in R,
so ``constant_concentration`` gives the whole time course in closed form,
R(t) = R_ss + (R(0) − R_ss)·e^(−k·t) with k = kout (I, III), kout·(1 − I) (II) or kout·(1 + S)
(IV). Otherwise ``solve`` integrates with scipy's ``solve_ivp`` (LSODA, rtol 10⁻¹⁰) driven by
a concentration function: a callable of time, or sampled (times, values) joined linearly.
Units: kin in response/time, kout in 1/time, IC50 and EC50 in the concentration unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from pbpk.core.errors import PbpkInputError
from pbpk.pd import inputs
from pbpk.pd.direct import hill_fraction

MODELS = (1, 2, 3, 4)
NAMES = {1: "I", 2: "II", 3: "III", 4: "IV"}
#: Relative tolerance of ``solve`` (the absolute one is this times the baseline R0).
RTOL = 1e-10


@dataclass(frozen=True)
class IndirectResponse:
    """One of the models I–IV; ``drug_max`` is Imax (I, II) or Emax (III, IV), ``c50`` IC50 or EC50.

    Parameters may be one number or one per subject (arrays of equal length).

    >>> model = IndirectResponse(1, kin=10.0, kout=0.5, drug_max=0.8, c50=2.0)
    >>> float(model.baseline), float(model.steady_state(2.0))
    (20.0, 12.0)
    """

    model: int
    kin: float
    kout: float
    drug_max: float
    c50: float
    hill: float = 1.0

    def __post_init__(self) -> None:
        where = f"indirect response model {NAMES.get(self.model, self.model)}"
        if self.model not in MODELS:
            raise PbpkInputError("indirect response model", "model", self.model,
                                 "1, 2, 3 or 4 (Dayneka 1993 models I–IV)")
        inputs.positive(self.kin, where=where, field="kin")
        inputs.positive(self.kout, where=where, field="kout")
        inputs.positive(self.c50, where=where, field="c50")
        inputs.positive(self.hill, where=where, field="hill")
        if self.inhibits:
            inputs.fraction(self.drug_max, where=where, field="drug_max (Imax)", open_low=True)
        else:
            inputs.positive(self.drug_max, where=where, field="drug_max (Emax)")

    @property
    def inhibits(self) -> bool:
        """Models I and II: the drug inhibits (I(C)); III and IV stimulate (S(C))."""
        return self.model in (1, 2)

    @property
    def baseline(self) -> np.ndarray:
        """R0 = kin/kout, the response without drug."""
        return np.asarray(self.kin, float) / np.asarray(self.kout, float)

    def drug_effect(self, concentration) -> np.ndarray:
        """I(C) for models I and II, S(C) for III and IV."""
        return np.asarray(self.drug_max, float) * hill_fraction(concentration, self.c50, self.hill)

    def _production_loss(self, concentration) -> tuple[np.ndarray, np.ndarray]:
        """(production factor, loss factor) at C: kin·p − kout·l·R."""
        effect = self.drug_effect(concentration)
        one = np.ones_like(effect)
        return {1: (1 - effect, one), 2: (one, 1 - effect), 3: (1 + effect, one), 4: (one, 1 + effect)}[self.model]

    def rate(self, response, concentration) -> np.ndarray:
        """dR/dt at response R and concentration C."""
        production, loss = self._production_loss(concentration)
        return np.asarray(self.kin, float) * production - np.asarray(self.kout, float) * loss * response

    def steady_state(self, concentration) -> np.ndarray:
        """R_ss at a constant concentration (R0·(1 − I), R0/(1 − I), R0·(1 + S), R0/(1 + S))."""
        production, loss = self._production_loss(concentration)
        with np.errstate(divide="ignore"):
            return self.baseline * production / loss

    def constant_concentration(self, times, concentration, *, initial=None) -> np.ndarray:
        """R at ``times`` (from 0) under a constant concentration: the exact exponential approach to R_ss.

        Shape (subjects, times) when a parameter or the concentration has one value per subject.
        """
        t = inputs.finite(times, where="indirect response", field="times")
        _, loss = self._production_loss(concentration)
        rate = np.atleast_1d(np.asarray(self.kout, float) * loss)
        steady = np.atleast_1d(self.steady_state(concentration))
        start = np.atleast_1d(self.baseline if initial is None else np.asarray(initial, float))
        rate, steady, start = np.broadcast_arrays(rate, steady, start)
        course = steady[:, None] + (start - steady)[:, None] * np.exp(-rate[:, None] * t[None, :])
        return course[0] if course.shape[0] == 1 else course

    def solve(self, times: Sequence[float], concentration, *, initial=None, method: str = "LSODA",
              rtol: float = RTOL) -> np.ndarray:
        """R at ``times`` (from ``times[0]``) for a concentration that changes with time.

        ``concentration`` is a callable of time (returning one value, or one per subject) or a pair
        (times, values) of sampled points joined linearly. ``initial`` is R at ``times[0]`` (default R0).
        Returns (times,) for one subject, (subjects, times) for several.
        """
        t = inputs.times(times, where="indirect response", field="times")
        c_of_t = inputs.concentration_function(concentration, where="indirect response")
        size = np.broadcast(np.atleast_1d(self.baseline), np.atleast_1d(c_of_t(t[0]))).shape[0]
        start = np.broadcast_to(self.baseline if initial is None else np.asarray(initial, float), (size,)).copy()
        scale = float(np.max(np.abs(np.atleast_1d(self.baseline))))
        result = solve_ivp(lambda time, r: np.broadcast_to(self.rate(r, c_of_t(time)), (size,)), (t[0], t[-1]),
                           start, method=method, t_eval=t, rtol=rtol, atol=rtol * scale)
        if not result.success:
            raise RuntimeError(f"indirect response model {NAMES[self.model]}: solve_ivp ({method}) failed: "
                               f"{result.message}; check that the concentration function is finite and ≥ 0")
        return result.y[0] if size == 1 else result.y
