"""Amounts and concentrations of a compartmental model after doses, for many subjects at once.

Linear models are solved exactly: between change points (dose times, infusion
ends, sample times) the state moves by Φ = exp(AΔ) and Γ = ∫₀^Δ exp(As) ds,
so a bolus, an infusion and an oral dose are superposed without integration
error. Where A is diagonalisable with real eigenvalues and a well-conditioned
eigenvector matrix (every mammillary model without transit, unless KA meets a
disposition rate constant), Φ = V·diag(e^{λΔ})·V⁻¹ and Γ = V·diag((e^{λΔ}−1)/λ)·V⁻¹
(sums of exponentials, Gibaldi & Perrier 1982); otherwise both are read off one
exponential of a block matrix (Van Loan 1978; the engine's ``engine.linear.transition``). Michaelis–Menten models go through
scipy's LSODA between the same change points (rtol 10⁻⁸).

Times and amounts are in the model's units. A sample taken at a dose time sees
the amount before that dose (a trough) unless asked otherwise. A lag time
shifts, and a bioavailability scales, doses into the depot only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from scipy.integrate import solve_ivp

from pbpk.core.errors import PbpkInputError
from pbpk.engine.linear import expm, transition
from pbpk.mipd.structure import Structure

#: Largest condition number of a subject's eigenvector matrix for the eigen path (else Van Loan).
EIGEN_CONDITION = 1e5
#: Fewest subjects solved on several threads (below, starting the threads costs more than it gains).
PARALLEL_FROM = 256


@dataclass(frozen=True)
class Dose:
    """One dose: time and amount in the model's units; duration 0 is a bolus."""

    time: float
    amount: float
    compartment: str = "central"
    duration: float = 0.0


def repeated_doses(amount: float, every: float, count: int, *, start: float = 0.0, duration: float = 0.0,
                   compartment: str = "central") -> tuple[Dose, ...]:
    """``count`` equal doses ``every`` time units from ``start``."""
    return tuple(Dose(start + k * every, amount, compartment, duration) for k in range(count))


@dataclass(frozen=True)
class Solution:
    """States (subjects × times × states) and concentrations (subjects × times) per analyte."""

    times: np.ndarray
    states: np.ndarray
    concentrations: Mapping[str, np.ndarray]
    structure: Structure

    def auc(self, analyte: str = "parent") -> np.ndarray:
        """Exact cumulative AUC from the first change point to each time (amount·time/volume)."""
        return self.states[..., self.structure.index(f"auc_{analyte}")]


def check_doses(structure: Structure, doses: Sequence[Dose], *, where: str = "doses") -> None:
    """Refuse doses into a compartment the structure lacks, negative amounts or durations."""
    if not doses:
        raise PbpkInputError(where, "", "no doses", "at least one dose")
    for k, dose in enumerate(doses):
        if dose.compartment not in structure.dose_compartments:
            raise PbpkInputError(where, f"[{k}].compartment", dose.compartment,
                                 " or ".join(structure.dose_compartments) + " for this model's structure")
        if not (np.isfinite(dose.amount) and dose.amount >= 0):
            raise PbpkInputError(where, f"[{k}].amount", dose.amount, "an amount ≥ 0")
        if not (np.isfinite(dose.duration) and dose.duration >= 0):
            raise PbpkInputError(where, f"[{k}].duration", dose.duration, "a duration ≥ 0 (0 for a bolus)")
        if not np.isfinite(dose.time):
            raise PbpkInputError(where, f"[{k}].time", dose.time, "a finite time")


def solve(structure: Structure, parameters: Mapping[str, np.ndarray], doses: Sequence[Dose],
          times: Sequence[float], *, amount_scale: np.ndarray | None = None,
          at_dose_time: str = "before") -> Solution:
    """Solve every subject of ``parameters`` (arrays of equal length) for ``doses`` at ``times``.

    ``amount_scale`` (one factor per subject) multiplies every dose, e.g. a body weight for mg/kg.
    ``at_dose_time``: a sample at a dose time sees the amount "before" the dose (a trough, the
    default) or "after" it (a profile that starts at the bolus peak).
    """
    if at_dose_time not in ("before", "after"):
        raise PbpkInputError("at_dose_time", "", at_dose_time, '"before" or "after"')
    after = at_dose_time == "after"
    check_doses(structure, doses)
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) < 0):
        raise PbpkInputError("times", "", times.tolist() if times.size < 10 else f"{times.size} times",
                             "one or more sample times in increasing order")
    p = structure.defaults(dict(parameters))
    n = max(np.size(value) for value in p.values())
    p = {name: np.broadcast_to(np.asarray(value, dtype=float), (n,)) for name, value in p.items()}
    scale = np.ones(n) if amount_scale is None else np.broadcast_to(np.asarray(amount_scale, dtype=float), (n,))
    into_depot = np.array([dose.compartment == "depot" for dose in doses])
    lag = p["ALAG"][:, None] if "ALAG" in p else np.zeros((n, 1))
    dose_time = np.array([dose.time for dose in doses])[None, :] + np.where(into_depot, lag, 0.0)
    dose_amount = np.array([dose.amount for dose in doses])[None, :] * scale[:, None]
    if "F" in p:
        dose_amount = dose_amount * np.where(into_depot, p["F"][:, None], 1.0)
    dose_duration = np.broadcast_to(np.array([dose.duration for dose in doses]), dose_time.shape).copy()
    dose_state = np.array([structure.index(dose.compartment) for dose in doses], dtype=np.int64)
    a = structure.matrix(p, n)
    states = np.zeros((n, times.size, len(structure.states)))
    if structure.linear:
        rates, vectors, inverses = _eigen(a)
        (_exact if n >= PARALLEL_FROM else _exact_serial)(a, rates, vectors, inverses, np.ascontiguousarray(dose_time), np.ascontiguousarray(dose_amount), dose_duration, dose_state,
               times, after, states)
    else:
        for i in range(n):
            states[i] = _general(structure, a[i], {name: value[i] for name, value in p.items()}, dose_time[i],
                                 dose_amount[i], dose_duration[i], dose_state, times, after)
    return Solution(times, states, structure.concentrations(states, p), structure)


def _eigen(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues, eigenvectors and their inverse per subject; NaN eigenvalues where Van Loan must be used."""
    rates, vectors = np.linalg.eig(a)
    real = np.all(np.abs(np.imag(rates)) == 0, axis=1)
    rates, vectors = np.real(rates).copy(), np.real(vectors).copy()
    good = real & (np.linalg.cond(vectors) < EIGEN_CONDITION)
    vectors[~good] = np.eye(a.shape[1])
    rates[~good] = np.nan
    return rates, vectors, np.linalg.inv(vectors)


@njit(cache=True, error_model="numpy")
def _change_points(dose_time, dose_duration, n_doses):  # pragma: no cover - compiled
    """Times of dose starts (code d) and infusion ends (code n_doses + d), with their order."""
    change_time = np.empty(2 * n_doses)
    change_code = np.empty(2 * n_doses, dtype=np.int64)
    m = 0
    for d in range(n_doses):
        change_time[m] = dose_time[d]
        change_code[m] = d
        m += 1
        if dose_duration[d] > 0.0:
            change_time[m] = dose_time[d] + dose_duration[d]
            change_code[m] = n_doses + d
            m += 1
    return change_time[:m], change_code[:m], np.argsort(change_time[:m], kind="mergesort")


@njit(cache=True, parallel=True, error_model="numpy")
def _exact(a, rates, vectors, inverses, dose_time, dose_amount, dose_duration, dose_state, t_obs, after,
           out):  # pragma: no cover - compiled
    """Every subject in parallel; the work of one is a function of its own (Numba would hoist its arrays)."""
    for i in prange(a.shape[0]):
        _exact_subject(a[i], rates[i], vectors[i], inverses[i], dose_time[i], dose_amount[i], dose_duration[i],
                       dose_state, t_obs, after, out[i])


@njit(cache=True, error_model="numpy")
def _exact_serial(a, rates, vectors, inverses, dose_time, dose_amount, dose_duration, dose_state, t_obs, after,
                  out):  # pragma: no cover - compiled
    """``_exact`` on one thread, for a few subjects (a fit and its finite-difference Jacobian)."""
    for i in range(a.shape[0]):
        _exact_subject(a[i], rates[i], vectors[i], inverses[i], dose_time[i], dose_amount[i], dose_duration[i],
                       dose_state, t_obs, after, out[i])


@njit(cache=True, error_model="numpy")
def _exact_subject(a, rates, vectors, inverses, dose_time, dose_amount, dose_duration, dose_state, t_obs, after,
                   out):  # pragma: no cover - compiled
    """Exact states at ``t_obs`` of one subject with matrix ``a`` and its doses (see the module docstring)."""
    n = a.shape[0]
    n_doses = dose_time.shape[0]
    change_time, change_code, order = _change_points(dose_time, dose_duration, n_doses)
    m = change_time.shape[0]
    x = np.zeros(n)
    u = np.zeros(n)
    infusions = np.zeros(n, dtype=np.int64)
    phi = np.empty((n, n))
    gamma = np.empty((n, n))
    phi_only = np.empty((n, n))
    cached_block = -1.0
    cached_phi = -1.0
    eigen = not np.isnan(rates[0])
    modal = np.empty(n)
    t = min(t_obs[0], change_time[order[0]])
    k = 0
    o = 0
    while True:
        while not after and o < t_obs.shape[0] and t_obs[o] <= t:
            out[o, :] = x
            o += 1
        while k < m and change_time[order[k]] <= t:
            code = change_code[order[k]]
            if code >= n_doses:
                d = code - n_doses
                s = dose_state[d]
                infusions[s] -= 1
                u[s] = 0.0 if infusions[s] == 0 else u[s] - dose_amount[d] / dose_duration[d]
            elif dose_duration[code] > 0.0:
                s = dose_state[code]
                infusions[s] += 1
                u[s] += dose_amount[code] / dose_duration[code]
            else:
                x[dose_state[code]] += dose_amount[code]
            k += 1
        while after and o < t_obs.shape[0] and t_obs[o] <= t:
            out[o, :] = x
            o += 1
        if o >= t_obs.shape[0]:
            return
        t_next = t_obs[o]
        if k < m and change_time[order[k]] < t_next:
            t_next = change_time[order[k]]
        delta = t_next - t
        if delta > 0.0 and eigen:
            for j in range(n):
                z = rates[j] * delta
                gain = delta if z == 0.0 else math.expm1(z) / rates[j]
                state = 0.0
                rate = 0.0
                for i in range(n):
                    state += inverses[j, i] * x[i]
                    rate += inverses[j, i] * u[i]
                modal[j] = math.exp(z) * state + gain * rate
            for i in range(n):
                total = 0.0
                for j in range(n):
                    total += vectors[i, j] * modal[j]
                x[i] = total
        elif delta > 0.0:
            if np.any(infusions > 0):
                if delta != cached_block:
                    transition(a, delta, phi, gamma)
                    cached_block = delta
                x = phi @ x + gamma @ u
            else:
                if delta != cached_phi:
                    phi_only = expm(a * delta)
                    cached_phi = delta
                x = phi_only @ x
        t = t_next


def _general(structure: Structure, a: np.ndarray, p: Mapping[str, float], dose_time: np.ndarray,
             dose_amount: np.ndarray, dose_duration: np.ndarray, dose_state: np.ndarray,
             t_obs: np.ndarray, after: bool) -> np.ndarray:
    """States at ``t_obs`` of one subject with Michaelis–Menten elimination (LSODA between change points)."""
    central = structure.index("central")
    metabolite = structure.index("metabolite") if structure.metabolite else -1
    volume = p[structure.central_volume]
    vmax, km = p["VMAX"], p["KM"]
    fm = p["FM"] if structure.metabolite else 0.0
    ratio = structure.metabolite_mass_ratio

    def rhs(_t: float, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        dx = a @ x + u
        concentration = max(x[central], 0.0) / volume
        saturable = vmax * concentration / (km + concentration)
        dx[central] -= saturable
        if metabolite >= 0:
            dx[metabolite] += fm * ratio * saturable
        return dx

    starts = [(time, d, "start") for d, time in enumerate(dose_time)]
    ends = [(time + duration, d, "end") for d, (time, duration) in enumerate(zip(dose_time, dose_duration,
                                                                                  strict=True)) if duration > 0]
    changes = sorted(starts + ends, key=lambda change: change[0])
    n = a.shape[0]
    x, u = np.zeros(n), np.zeros(n)
    out = np.zeros((t_obs.size, n))
    t = min(t_obs[0], changes[0][0])
    k = o = 0
    scale = max(float(np.max(dose_amount)), 1e-300)
    while True:
        while not after and o < t_obs.size and t_obs[o] <= t:
            out[o] = x
            o += 1
        while k < len(changes) and changes[k][0] <= t:
            _, d, what = changes[k]
            s = dose_state[d]
            if dose_duration[d] > 0:
                u[s] += dose_amount[d] / dose_duration[d] * (1.0 if what == "start" else -1.0)
            else:
                x[s] += dose_amount[d]
            k += 1
        while after and o < t_obs.size and t_obs[o] <= t:
            out[o] = x
            o += 1
        if o >= t_obs.size:
            return out
        t_next = t_obs[o] if k >= len(changes) else min(t_obs[o], changes[k][0])
        if t_next > t:
            result = solve_ivp(rhs, (t, t_next), x, method="LSODA", args=(u.copy(),), rtol=1e-8,
                               atol=1e-12 * scale)
            if not result.success:
                raise RuntimeError(f"the Michaelis–Menten model could not be solved from t={t} to {t_next}: "
                                   f"{result.message}")
            x = result.y[:, -1]
        t = t_next
