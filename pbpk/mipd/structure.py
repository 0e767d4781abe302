"""Compartmental structures of population PK models: states, parameters, system matrix.

Disposition has 1, 2 or 3 mammillary compartments in clearance form (NONMEM's
ADVAN1/3/11 with TRANS2/4 names): ``CL, V`` · ``CL, V1, Q, V2`` ·
``CL, V1, Q2, V2, Q3, V3``. Extravascular doses enter a depot absorbed first-order
(``KA``), optionally through ``n`` transit compartments (Savic et al. 2007,
J Pharmacokinet Pharmacodyn 34:711: the dose compartment ``depot``, ``n`` transit
compartments and the ``absorption`` compartment, n + 1 transfers at ktr, so that
``MTT`` = (n + 1)/ktr is the mean time to reach the absorption compartment, which
is absorbed at ``KA``), with bioavailability
``F`` and lag time ``ALAG`` (1 and 0 when the model does not assign them, as in
NONMEM). Elimination is linear or Michaelis–Menten (``VMAX`` in amount/time,
``KM`` in amount/volume, plus ``CL`` if assigned). A metabolite (one
compartment, ``CLM, VM``) is formed from a fraction ``FM`` of the parent's
clearance and, for oral doses, from a first-pass fraction ``FPM`` of the
absorbed dose. Amounts are in the model's amount unit (the metabolite's in
parent-equivalents times ``mass_ratio``); each analyte has an AUC state, so
exposure targets are integrals, not trapezoids.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pbpk.core.errors import PbpkInputError

ABSORPTION = ("none", "first-order", "transit")
ELIMINATION = ("linear", "michaelis-menten")
_DISPOSITION = {
    1: ("CL", "V"),
    2: ("CL", "V1", "Q", "V2"),
    3: ("CL", "V1", "Q2", "V2", "Q3", "V3"),
}


@dataclass(frozen=True)
class Structure:
    """What a model's ODEs are; the parameter values come from its code."""

    compartments: int = 1
    absorption: str = "none"
    transit_compartments: int = 0
    elimination: str = "linear"
    metabolite: bool = False
    metabolite_mass_ratio: float = 1.0

    def check(self, where: str) -> None:
        """Refuse a structure that cannot be built, naming the field."""
        if self.compartments not in _DISPOSITION:
            raise PbpkInputError(where, "structure.compartments", self.compartments, "1, 2 or 3")
        if self.absorption not in ABSORPTION:
            raise PbpkInputError(where, "structure.absorption", self.absorption, " or ".join(ABSORPTION))
        if self.elimination not in ELIMINATION:
            raise PbpkInputError(where, "structure.elimination", self.elimination, " or ".join(ELIMINATION))
        if self.absorption == "transit":
            if not isinstance(self.transit_compartments, int) or not 1 <= self.transit_compartments <= 20:
                raise PbpkInputError(where, "structure.transit_compartments", self.transit_compartments,
                                     "a whole number from 1 to 20 with transit absorption")
        elif self.transit_compartments:
            raise PbpkInputError(where, "structure.transit_compartments", self.transit_compartments,
                                 'no transit compartments unless absorption is "transit"')
        if not self.metabolite_mass_ratio > 0:
            raise PbpkInputError(where, "structure.metabolite.mass_ratio", self.metabolite_mass_ratio,
                                 "a positive ratio of molar masses (metabolite / parent)")

    # ---- names --------------------------------------------------------------------------------
    @property
    def central_volume(self) -> str:
        return "V" if self.compartments == 1 else "V1"

    @property
    def required(self) -> tuple[str, ...]:
        """Parameters the code must assign."""
        names = list(_DISPOSITION[self.compartments])
        if self.elimination == "michaelis-menten":
            names = [name for name in names if name != "CL"] + ["VMAX", "KM"]
        if self.absorption != "none":
            names.append("KA")
        if self.absorption == "transit":
            names.append("MTT")
        if self.metabolite:
            names += ["CLM", "VM", "FM"]
        return tuple(names)

    @cached_property
    def optional(self) -> tuple[str, ...]:
        """Parameters with a default when not assigned: F = 1, ALAG = 0, FPM = 0, CL = 0 (with MM); and, with no
        default, the modelled durations ``Dn`` and rates ``Rn`` of doses into compartment number n (RATE −2, −1)."""
        names = [f"{kind}{self.number(name)}" for name in self.dose_compartments for kind in ("D", "R")]
        if self.absorption != "none":
            names += ["F", "ALAG"]
            if self.metabolite:
                names.append("FPM")
        if self.elimination == "michaelis-menten":
            names.append("CL")
        return tuple(names)

    @cached_property
    def states(self) -> tuple[str, ...]:
        """State names in order: depot, transits and absorption, central, peripherals, metabolite, the AUCs."""
        names = []
        if self.absorption != "none":
            names.append("depot")
            names += [f"transit{k}" for k in range(1, self.transit_compartments + 1)]
            names += ["absorption"] if self.absorption == "transit" else []
        names.append("central")
        names += ["peripheral1", "peripheral2"][: self.compartments - 1]
        if self.metabolite:
            names.append("metabolite")
        names += [f"auc_{analyte}" for analyte in self.analytes]
        return tuple(names)

    @property
    def analytes(self) -> tuple[str, ...]:
        return ("parent", "metabolite") if self.metabolite else ("parent",)

    @property
    def dose_compartments(self) -> tuple[str, ...]:
        return ("depot", "central") if self.absorption != "none" else ("central",)

    @cached_property
    def numbers(self) -> dict[int, str]:
        """Compartment number → name, as PREDPP numbers them (the AUC states are not compartments)."""
        return {k + 1: name for k, name in enumerate(name for name in self.states if not name.startswith("auc_"))}

    def number(self, compartment: str) -> int:
        return next(k for k, name in self.numbers.items() if name == compartment)

    def index(self, state: str) -> int:
        return self.states.index(state)

    @property
    def linear(self) -> bool:
        return self.elimination == "linear"

    # ---- the ODE system -------------------------------------------------------------------------
    def defaults(self, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The parameters with the optional ones filled in (F 1, ALAG 0, FPM 0, CL 0 with MM)."""
        filled = dict(values)
        for name, default in (("F", 1.0), ("ALAG", 0.0), ("FPM", 0.0), ("CL", 0.0)):
            if name in self.optional and name not in filled:
                filled[name] = np.float64(default)
        return filled

    def matrix(self, p: dict[str, np.ndarray], n: int) -> np.ndarray:
        """The linear part A (n_subjects × states × states) of dA/dt = A·x + inputs, in 1/time."""
        states = self.states
        a = np.zeros((n, len(states), len(states)))

        def flow(source: str, target: str | None, rate: np.ndarray) -> None:
            i = states.index(source)
            a[:, i, i] -= rate
            if target is not None:
                a[:, states.index(target), i] += rate

        v1 = p[self.central_volume]
        k10 = p["CL"] / v1
        if self.metabolite:
            flow("central", "metabolite", k10 * p["FM"])
            flow("central", None, k10 * (1.0 - p["FM"]))
            a[:, states.index("metabolite"), states.index("central")] *= self.metabolite_mass_ratio
            flow("metabolite", None, p["CLM"] / p["VM"])
        else:
            flow("central", None, k10)
        if self.compartments == 2:
            flow("central", "peripheral1", p["Q"] / v1)
            flow("peripheral1", "central", p["Q"] / p["V2"])
        elif self.compartments == 3:
            flow("central", "peripheral1", p["Q2"] / v1)
            flow("peripheral1", "central", p["Q2"] / p["V2"])
            flow("central", "peripheral2", p["Q3"] / v1)
            flow("peripheral2", "central", p["Q3"] / p["V3"])
        if self.absorption != "none":
            chain = [state for state in states if state in ("depot", "absorption") or state.startswith("transit")]
            if self.absorption == "transit":
                ktr = (self.transit_compartments + 1) / p["MTT"]
                for source, target in itertools.pairwise(chain):
                    flow(source, target, ktr)
            last = chain[-1]
            ka = p["KA"]
            if self.metabolite:
                fpm = p["FPM"]
                flow(last, "central", ka * (1.0 - fpm))
                flow(last, "metabolite", ka * fpm)
                a[:, states.index("metabolite"), states.index(last)] *= self.metabolite_mass_ratio
            else:
                flow(last, "central", ka)
        a[:, states.index("auc_parent"), states.index("central")] = 1.0 / v1
        if self.metabolite:
            a[:, states.index("auc_metabolite"), states.index("metabolite")] = 1.0 / p["VM"]
        return a

    def concentrations(self, x: np.ndarray, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Concentration of each analyte (amount/volume units) from states x (…, states)."""
        result = {"parent": x[..., self.index("central")] / _column(p[self.central_volume], x)}
        if self.metabolite:
            result["metabolite"] = x[..., self.index("metabolite")] / _column(p["VM"], x)
        return result


def _column(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per-subject values shaped to divide states x (subjects × times × states)[..., k]."""
    values = np.asarray(values, dtype=float)
    return values.reshape(values.shape + (1,) * (x.ndim - 1 - values.ndim)) if values.ndim else values
