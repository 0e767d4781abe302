"""The state of a linear compartmental model at steady state, just before a dose (NONMEM's SS=1).

Convention (NONMEM Users Guide, Part V "SS data item", and Part VI "PREDPP", steady-state doses):
a dose record with SS=1 and II > 0 says that doses of AMT (a bolus, or an infusion of the record's
RATE or DUR) have been given every II for ever; the record's dose is the last of them. The system
is reset: what came before the record is replaced by the steady state, and the state at the dose
time is the steady-state trough plus the record's own dose. This module gives the trough: the
state just before the dose, from the infinitely many doses at t − II, t − 2·II, …

For a linear model it is exact. Let z be the state one interval after a single dose from zero
(``solve`` from 0 to II, with the subject's F and ALAG), and Φ = exp(A·II). When the dose's input
is over within one interval (ALAG + duration ≤ II), the dose k intervals back contributes Φᵏ⁻¹·z,
so the trough is Σₖ Φᵏ⁻¹·z = (I − Φ)⁻¹·z (a Neumann series; Gibaldi & Perrier 1982,
ch. 3, "multiple dosing"). A lag or infusion longer than II (a dose still going in at the next
dose time) is refused, and so is a Michaelis–Menten model (no closed form: give the doses).

The AUC states grow without bound under repeated dosing and have no steady state: they are kept
out of the solve and set to 0, so that after an SS dose the AUC is the cumulative AUC from the
SS dose's time (the exposure of the intervals that follow, which is what a target needs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
from scipy.linalg import expm

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.solve import Dose, solve
from pbpk.mipd.structure import Structure


def steady_state(structure: Structure, parameters: Mapping[str, np.ndarray], dose: Dose, interval: float, *,
                 amount_scale: np.ndarray | None = None) -> np.ndarray:
    """The state (subjects × states, amounts; AUC states 0) just before ``dose`` at steady state every ``interval``.

    Pass it to ``solve(..., initial=..., start=dose.time)`` together with ``dose`` (and the doses that
    follow) to continue from the steady state; see the module docstring for the convention.
    """
    if not structure.linear:
        raise PbpkInputError("structure", "elimination", structure.elimination,
                             "linear elimination for a steady state", "give the doses of a Michaelis–Menten model")
    if not (np.isfinite(interval) and interval > 0):
        raise PbpkInputError("interval", "", interval, "a dosing interval > 0 (II) for a steady state")
    z = solve(structure, parameters, [replace(dose, time=0.0)], [interval], amount_scale=amount_scale).states[:, 0]
    n = z.shape[0]
    filled = structure.defaults({name: np.asarray(value, dtype=float) for name, value in parameters.items()})
    lag = np.broadcast_to(filled["ALAG"] if dose.compartment == "depot" and "ALAG" in filled else 0.0, (n,))
    duration = np.broadcast_to(_duration(structure, filled, dose, amount_scale), (n,))
    if np.any(lag + duration > interval):
        raise PbpkInputError("dose", "duration", float(np.nanmax(duration)), f"ALAG + duration ≤ II ({interval:g}) "
                             f"for a steady state (ALAG up to {float(np.nanmax(lag)):g})",
                             "a dose still going in when the next one starts is not supported")
    kept = np.array([not name.startswith("auc_") for name in structure.states])
    a = structure.matrix(filled, n)[:, kept][:, :, kept]
    x = np.full(z.shape, np.nan)
    x[:, ~kept] = 0.0
    finite = np.all(np.isfinite(a), axis=(1, 2)) & np.all(np.isfinite(z), axis=1)
    if finite.any():
        lost = np.eye(int(kept.sum())) - expm(a[finite] * interval)  # I − Φ: what one interval eliminates
        try:
            x[np.ix_(finite, kept)] = np.linalg.solve(lost, z[finite][:, kept][..., None])[..., 0]
        except np.linalg.LinAlgError:
            raise PbpkInputError("parameters", "", "a model that does not eliminate the dose",
                                 "a clearance > 0 for a steady state") from None
    return x


def _duration(structure: Structure, filled: Mapping[str, np.ndarray], dose: Dose,
              amount_scale: np.ndarray | None) -> np.ndarray:
    """The dose's duration per subject: its own, or the modelled ``Dn``, or amount (after F and scale) / ``Rn``."""
    if not dose.modelled:
        return np.asarray(dose.duration, dtype=float)
    value = filled[dose.parameter(structure)]
    if dose.modelled == "duration":
        return value
    amount = dose.amount * (1.0 if amount_scale is None else np.asarray(amount_scale, dtype=float))
    return amount * (filled["F"] if dose.compartment == "depot" and "F" in filled else 1.0) / value
