"""Amounts and concentrations of a compartmental model after doses, for many subjects at once.

Linear models are solved exactly: between change points (dose times, infusion
ends, sample times) the state moves by Φ = exp(AΔ) and Γ = ∫₀^Δ exp(As) ds,
so a bolus, an infusion and an oral dose are superposed without integration
error. Where A is diagonalisable with real eigenvalues and a well-conditioned
eigenvector matrix (every mammillary model without transit, unless KA meets a
disposition rate constant), Φ = V·diag(e^{λΔ})·V⁻¹ and Γ = V·diag((e^{λΔ}−1)/λ)·V⁻¹
(sums of exponentials, Gibaldi & Perrier 1982); otherwise both are read off one
exponential of a block matrix (Van Loan 1978; the engine's ``engine.linear.transition``).
Michaelis–Menten models go through scipy's LSODA between the same change points (rtol 10⁻⁸).

Times and amounts are in the model's units. A sample taken at a dose time sees
the amount before that dose (a trough) unless asked otherwise. A lag time
shifts, and a bioavailability scales, doses into the depot only.

``solve_occasions`` takes one parameter set per occasion (inter-occasion
variability, NONMEM's OCC): the record is cut at the occasions' start times and
each piece is solved exactly from the state the previous one ended in, with every
dose passed each time, so an infusion begun in one occasion runs on into the next
at its rate, and the AUC states stay continuous.
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
    """One dose: time and amount in the model's units; duration 0 is a bolus.

    ``modelled`` "duration" or "rate" (NONMEM's RATE −2 and −1) takes the infusion's duration ``Dn``, or its rate
    ``Rn`` (amount/time), from the individual parameters, n the dose compartment's number (``Structure.number``);
    ``duration`` is then unused.
    """

    time: float
    amount: float
    compartment: str = "central"
    duration: float = 0.0
    modelled: str = ""

    def parameter(self, structure: Structure) -> str:
        """The name of the individual parameter that gives a modelled dose's duration or rate ("" if none)."""
        return {"": "", "duration": "D", "rate": "R"}[self.modelled] + (
            str(structure.number(self.compartment)) if self.modelled else "")


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
        if dose.modelled not in ("", "duration", "rate"):
            raise PbpkInputError(where, f"[{k}].modelled", dose.modelled, '"duration", "rate" or "" (none)')


def solve(structure: Structure, parameters: Mapping[str, np.ndarray], doses: Sequence[Dose],
          times: Sequence[float], *, amount_scale: np.ndarray | None = None,
          at_dose_time: str = "before", initial: np.ndarray | None = None, start: float | None = None) -> Solution:
    """Solve every subject of ``parameters`` (arrays of equal length) for ``doses`` at ``times``.

    ``amount_scale`` (one factor per subject) multiplies every dose, e.g. a body weight for mg/kg.
    ``at_dose_time``: a sample at a dose time sees the amount "before" the dose (a trough, the
    default) or "after" it (a profile that starts at the bolus peak).
    ``initial`` (subjects × states, amounts; e.g. ``steady_state.steady_state``) is the state at
    ``start``, before the doses at ``start``; without it the state is 0 at the first sample or dose.
    Samples must then be at or after ``start``; of a dose before it only what an infusion still gives counts.
    """
    after = _after(at_dose_time)
    check_doses(structure, doses)
    times = _checked_times(times)
    p, n = _broadcast(structure, [parameters])
    dosing = _dose_arrays(structure, p[0], doses, amount_scale, n)
    x = np.zeros((n, len(structure.states)))
    if initial is None and start is None:
        start = min(times[0], float(dosing[0].min()))
    elif start is None or not np.isfinite(start) or times[0] < start:
        raise PbpkInputError("start", "", start, f"a finite time ≤ {times[0]:g} (the first sample) with initial")
    elif initial is not None:
        x = x + np.asarray(initial, dtype=float)
        if x.shape != (n, len(structure.states)):
            raise PbpkInputError("initial", "", f"shape {np.shape(initial)}",
                                 f"one state vector per subject: ({n}, {len(structure.states)})")
    states = _states(structure, p[0], dosing, times, after, start, np.inf, np.ascontiguousarray(x))
    return Solution(times, states, structure.concentrations(states, p[0]), structure)


def solve_occasions(structure: Structure, parameters: Sequence[Mapping[str, np.ndarray]], occasions: Sequence[float],
                    doses: Sequence[Dose], times: Sequence[float], *, amount_scale: np.ndarray | None = None,
                    at_dose_time: str = "before", initial: np.ndarray | None = None) -> Solution:
    """``solve`` with one parameter set per occasion; ``occasions`` are the start times of occasions 1..K.

    Each occasion is solved from its start with the states (amounts, running infusions, AUCs)
    the previous one ended with. A dose, and a sample, at an occasion's start belong to that
    occasion; a dose's F and ALAG are those of the occasion it is given in (its nominal time).
    ``initial`` (subjects × states, amounts) is the state at the first occasion's start (0 without it).
    """
    after = _after(at_dose_time)
    check_doses(structure, doses)
    times = _checked_times(times)
    starts = check_occasions(occasions, doses, times)
    if len(parameters) != starts.size:
        raise PbpkInputError("parameters", "", f"{len(parameters)} parameter sets", f"one per occasion ({starts.size})")
    p, n = _broadcast(structure, parameters)
    by_occasion = [_dose_arrays(structure, pk, doses, amount_scale, n) for pk in p]
    given_in = np.searchsorted(starts, [dose.time for dose in doses], side="right") - 1
    column = np.arange(len(doses))
    lagged, amounts = (np.stack([arrays[j] for arrays in by_occasion]) for j in (0, 1))  # occasions × n × doses
    dosing = (np.ascontiguousarray(lagged[given_in, :, column].T), np.ascontiguousarray(amounts[given_in, :, column].T),
              *by_occasion[0][2:])
    first = np.searchsorted(times, starts)
    stops = np.append(starts[1:], np.inf)
    x = np.zeros((n, len(structure.states))) + (0.0 if initial is None else np.asarray(initial, dtype=float))
    states = np.zeros((n, times.size, x.shape[1]))
    concentrations = {analyte: np.zeros((n, times.size)) for analyte in structure.analytes}
    for k in range(starts.size):
        if first[k] == times.size:
            break
        stop = first[k + 1] if k + 1 < starts.size else times.size
        window = times[first[k]:stop] if k + 1 == starts.size else np.append(times[first[k]:stop], stops[k])
        part = _states(structure, p[k], dosing, window, after, starts[k], stops[k], x)
        x = np.ascontiguousarray(part[:, -1])
        states[:, first[k]:stop] = part[:, :stop - first[k]]
        for analyte, values in structure.concentrations(states[:, first[k]:stop], p[k]).items():
            concentrations[analyte][:, first[k]:stop] = values
    return Solution(times, states, concentrations, structure)


def check_occasions(occasions: Sequence[float], doses: Sequence[Dose], times: Sequence[float]) -> np.ndarray:
    """The start times of occasions 1..K, refused unless increasing and the first at or before every dose and sample."""
    starts = np.asarray(occasions, dtype=float)
    if starts.ndim != 1 or starts.size == 0 or not np.all(np.isfinite(starts)) or np.any(starts[1:] <= starts[:-1]):
        raise PbpkInputError("occasions", "", np.ravel(starts).tolist()[:10],
                             "the start times of occasions 1..K, finite and increasing")
    for what, first in (("dose", min((dose.time for dose in doses), default=np.inf)),
                        ("sample", float(np.min(times, initial=np.inf)))):
        if starts[0] > first:
            raise PbpkInputError("occasions", "[0]", float(starts[0]),
                                 f"a start ≤ {first:g}, the first {what}: every {what} belongs to an occasion")
    return starts


def _after(at_dose_time: str) -> bool:
    if at_dose_time not in ("before", "after"):
        raise PbpkInputError("at_dose_time", "", at_dose_time, '"before" or "after"')
    return at_dose_time == "after"


def _checked_times(times: Sequence[float]) -> np.ndarray:
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(times[1:] < times[:-1]):
        raise PbpkInputError("times", "", times.tolist() if times.size < 10 else f"{times.size} times",
                             "one or more sample times in increasing order")
    return times


def _broadcast(structure: Structure, parameters: Sequence[Mapping[str, np.ndarray]]
               ) -> tuple[list[dict[str, np.ndarray]], int]:
    """Each parameter set with defaults filled in, broadcast to the largest number of subjects n; and n."""
    filled = [{name: np.asarray(value, dtype=float) for name, value in structure.defaults(dict(p)).items()}
              for p in parameters]
    n = max(value.size for p in filled for value in p.values())
    return [{name: value if value.shape == (n,) else np.broadcast_to(value, (n,)) for name, value in p.items()}
            for p in filled], n


def _dose_arrays(structure: Structure, p: Mapping[str, np.ndarray], doses: Sequence[Dose],
                 amount_scale: np.ndarray | None, n: int) -> tuple[np.ndarray, ...]:
    """Times and amounts (subjects × doses, after lag, F and scale), durations and target states of ``doses``."""
    scale = np.ones(n) if amount_scale is None else np.broadcast_to(np.asarray(amount_scale, dtype=float), (n,))
    into_depot = np.array([dose.compartment == "depot" for dose in doses])
    lag = p["ALAG"][:, None] if "ALAG" in p else np.zeros((n, 1))
    dose_time = np.array([dose.time for dose in doses])[None, :] + np.where(into_depot, lag, 0.0)
    dose_amount = np.array([dose.amount for dose in doses])[None, :] * scale[:, None]
    if "F" in p:
        dose_amount = dose_amount * np.where(into_depot, p["F"][:, None], 1.0)
    dose_duration = np.broadcast_to(np.array([dose.duration for dose in doses]), dose_time.shape).copy()
    for k, dose in enumerate(doses):
        if dose.modelled:
            name = dose.parameter(structure)
            if name not in p:
                raise PbpkInputError("doses", f"[{k}].modelled", dose.modelled,
                                     f"a model whose code assigns {name} (the modelled {dose.modelled} of doses into "
                                     f"{dose.compartment}, compartment {name[1:]})")
            dose_duration[:, k] = p[name] if dose.modelled == "duration" else dose_amount[:, k] / p[name]
    dose_state = np.array([structure.index(dose.compartment) for dose in doses], dtype=np.int64)
    return np.ascontiguousarray(dose_time), np.ascontiguousarray(dose_amount), dose_duration, dose_state


def _states(structure: Structure, p: Mapping[str, np.ndarray], dosing: tuple[np.ndarray, ...], times: np.ndarray,
            after: bool, start: float, stop: float, initial: np.ndarray) -> np.ndarray:
    """States (subjects × times × states) from ``initial`` (subjects × states) at ``start`` (model time).

    A change (dose start, infusion end) at or after ``stop`` is left to the next occasion.
    """
    n = initial.shape[0]
    a = structure.matrix(p, n)
    states = np.zeros((n, times.size, initial.shape[1]))
    dose_time, dose_amount, dose_duration, dose_state = dosing
    if structure.linear:
        finite = np.all(np.isfinite(a), axis=(1, 2))  # a subject with a non-finite parameter gets NaN states
        states[~finite] = np.nan
        if finite.all():
            a_ok, time_ok, amount_ok, duration_ok, initial_ok, out = (a, dose_time, dose_amount, dose_duration,
                                                                      initial, states)
        else:
            a_ok, time_ok, amount_ok, duration_ok, initial_ok = (np.ascontiguousarray(x[finite]) for x in (
                a, dose_time, dose_amount, dose_duration, initial))
            out = np.zeros((int(finite.sum()), times.size, initial.shape[1]))
        rates, vectors, inverses = _eigen(a_ok)
        (_exact if a_ok.shape[0] >= PARALLEL_FROM else _exact_serial)(
            a_ok, rates, vectors, inverses, time_ok, amount_ok, duration_ok, dose_state, times, after, start, stop,
            initial_ok, out)
        if not finite.all():
            states[finite] = out
    else:
        for i in range(n):
            states[i] = _general(structure, a[i], {name: value[i] for name, value in p.items()}, dose_time[i],
                                 dose_amount[i], dose_duration[i], dose_state, times, after, start, stop,
                                 initial[i])
    return states


def _eigen(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues, eigenvectors and their inverse per subject (finite matrices); NaN eigenvalues where Van Loan
    must be used (a defective or ill-conditioned A)."""
    rates, vectors = np.linalg.eig(a)
    real = np.all(np.abs(np.imag(rates)) == 0, axis=1)
    rates, vectors = np.real(rates).copy(), np.real(vectors).copy()
    good = real & (np.linalg.cond(vectors) < EIGEN_CONDITION)
    vectors[~good] = np.eye(a.shape[1])
    rates[~good] = np.nan
    return rates, vectors, np.linalg.inv(vectors)


@njit(cache=True, error_model="numpy")
def _change_points(dose_time, dose_duration, n_doses, t_start, t_stop):  # pragma: no cover - compiled
    """Dose starts (code d) in [t_start, t_stop) and infusion ends (code n_doses + d) in (t_start, t_stop), ordered."""
    change_time = np.empty(2 * n_doses)
    change_code = np.empty(2 * n_doses, dtype=np.int64)
    m = 0
    for d in range(n_doses):
        end = dose_time[d] + dose_duration[d]
        if t_start <= dose_time[d] < t_stop:
            change_time[m] = dose_time[d]
            change_code[m] = d
            m += 1
        if dose_duration[d] > 0.0 and t_start < end < t_stop:
            change_time[m] = end
            change_code[m] = n_doses + d
            m += 1
    return change_time[:m], change_code[:m], np.argsort(change_time[:m], kind="mergesort")


@njit(cache=True, error_model="numpy")
def _running(dose_time, dose_amount, dose_duration, dose_state, t_start, n):  # pragma: no cover - compiled
    """Input rates (amount/time) and counts per state of the infusions started before ``t_start`` and still running."""
    u = np.zeros(n)
    infusions = np.zeros(n, dtype=np.int64)
    for d in range(dose_time.shape[0]):
        if dose_duration[d] > 0.0 and dose_time[d] < t_start < dose_time[d] + dose_duration[d]:
            infusions[dose_state[d]] += 1
            u[dose_state[d]] += dose_amount[d] / dose_duration[d]
    return u, infusions


@njit(cache=True, parallel=True, error_model="numpy")
def _exact(a, rates, vectors, inverses, dose_time, dose_amount, dose_duration, dose_state, t_obs, after, t_start,
           t_stop, x_start, out):  # pragma: no cover - compiled
    """Every subject in parallel; the work of one is a function of its own (Numba would hoist its arrays)."""
    for i in prange(a.shape[0]):
        _exact_subject(a[i], rates[i], vectors[i], inverses[i], dose_time[i], dose_amount[i], dose_duration[i],
                       dose_state, t_obs, after, t_start, t_stop, x_start[i], out[i])


@njit(cache=True, error_model="numpy")
def _exact_serial(a, rates, vectors, inverses, dose_time, dose_amount, dose_duration, dose_state, t_obs, after,
                  t_start, t_stop, x_start, out):  # pragma: no cover - compiled
    """``_exact`` on one thread, for a few subjects (a fit and its finite-difference Jacobian)."""
    for i in range(a.shape[0]):
        _exact_subject(a[i], rates[i], vectors[i], inverses[i], dose_time[i], dose_amount[i], dose_duration[i],
                       dose_state, t_obs, after, t_start, t_stop, x_start[i], out[i])


@njit(cache=True, error_model="numpy")
def _exact_subject(a, rates, vectors, inverses, dose_time, dose_amount, dose_duration, dose_state, t_obs, after,
                   t_start, t_stop, x_start, out):  # pragma: no cover - compiled
    """Exact states at ``t_obs`` of one subject with matrix ``a`` and its doses (see the module docstring).

    The subject starts at ``t_start`` in state ``x_start`` with the infusions begun before it still
    running; changes at or after ``t_stop`` are left to the next occasion.
    """
    n = a.shape[0]
    n_doses = dose_time.shape[0]
    change_time, change_code, order = _change_points(dose_time, dose_duration, n_doses, t_start, t_stop)
    m = change_time.shape[0]
    x = x_start.copy()
    u, infusions = _running(dose_time, dose_amount, dose_duration, dose_state, t_start, n)
    phi = np.empty((n, n))
    gamma = np.empty((n, n))
    phi_only = np.empty((n, n))
    cached_block = -1.0
    cached_phi = -1.0
    eigen = not np.isnan(rates[0])
    modal = np.empty(n)
    t = t_start
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
             t_obs: np.ndarray, after: bool, t_start: float, t_stop: float, x_start: np.ndarray) -> np.ndarray:
    """States at ``t_obs`` of one subject with Michaelis–Menten elimination (LSODA between change points).

    Starts and stops as ``_exact_subject`` does: from ``x_start`` at ``t_start``, changes before ``t_stop``.
    """
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

    n_doses = dose_time.size
    change_time, change_code, order = _change_points(dose_time, dose_duration, n_doses, t_start, t_stop)
    changes = [(change_time[j], change_code[j]) for j in order]
    n = a.shape[0]
    x = x_start.copy()
    u, _ = _running(dose_time, dose_amount, dose_duration, dose_state, t_start, n)
    out = np.zeros((t_obs.size, n))
    t = t_start
    k = o = 0
    scale = max(float(np.max(dose_amount)), 1e-300)
    while True:
        while not after and o < t_obs.size and t_obs[o] <= t:
            out[o] = x
            o += 1
        while k < len(changes) and changes[k][0] <= t:
            d = changes[k][1] % n_doses
            s = dose_state[d]
            if dose_duration[d] > 0:
                u[s] += dose_amount[d] / dose_duration[d] * (1.0 if changes[k][1] < n_doses else -1.0)
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
