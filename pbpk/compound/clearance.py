"""Elimination records of a compound: hepatic pathways, renal, biliary and dialysis removal, hepatic uptake.

Part of the compound schema (:mod:`pbpk.compound.schema`); the file format is in
``docs/compound-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pint

from pbpk.compound.fields import fraction, optional, parts
from pbpk.core.errors import PbpkInputError
from pbpk.core.frozenmap import frozen
from pbpk.core.names import SINUSOIDAL_UPTAKE, enzyme_names, transporter_names
from pbpk.core.records import check_choice, check_number, check_quantity, check_text

#: In-vitro (or in-vivo) systems a hepatic CLint can come from, and the unit
#: a linear-regime intrinsic clearance (Vmax/Km or CLint) has in each.
HEPATIC_SYSTEMS = {
    "HLM": "uL/min/mg",  # per mg microsomal protein
    "hepatocytes": "uL/min/Mcell",  # per million hepatocytes (Mcell = 10⁶ cells; "uL/min/(1e6 cell)" also reads)
    "rCYP": "uL/min/pmol",  # per pmol recombinant enzyme
    "in_vivo": "L/h",  # unbound intrinsic clearance of the whole liver
}
#: The unit of a Vmax in each in-vitro system.
VMAX_UNITS = {"HLM": "pmol/min/mg", "hepatocytes": "pmol/min/Mcell", "rCYP": "pmol/min/pmol"}
#: How the fraction of filtered drug escaping tubular reabsorption varies between people.
REABSORPTION = ("constant", "urine_flow")


@dataclass(frozen=True)
class Metabolite:
    """A metabolite formed by a pathway: its compound file and the molar fraction of the pathway's flux."""

    compound: str
    fraction: float
    source: str

    def __post_init__(self) -> None:
        check_text(self.compound, where="Metabolite", field="compound")
        fraction(self.fraction, "Metabolite", "fraction")
        check_text(self.source, where="Metabolite", field="source")


@dataclass(frozen=True)
class KidneyFailureChange:
    """How a pathway's activity falls in chronic kidney disease: to ``anephric_fraction`` of the healthy value
    without kidney function, linearly in the remaining GFR between (a pbpk assumption joining the two measured
    ends): factor = f + (1 - f)·GFR/GFR_healthy."""

    anephric_fraction: float
    source: str
    fitted_to: str | None = None

    def __post_init__(self) -> None:
        where = "KidneyFailureChange"
        check_number(self.anephric_fraction, where=where, field="anephric_fraction", low=0, high=1)
        check_text(self.source, where=where, field="source")
        if self.fitted_to is not None:
            check_text(self.fitted_to, where=where, field="fitted_to")

    def factor(self, kidney_function: float) -> float:
        """The pathway's activity relative to healthy at ``kidney_function`` = GFR/GFR_healthy (0–1)."""
        return self.anephric_fraction + (1.0 - self.anephric_fraction) * kidney_function


@dataclass(frozen=True)
class HepaticPathway:
    """One hepatic metabolic pathway, as measured in one system.

    For HLM, hepatocytes and rCYP either ``vmax`` and ``km`` (Michaelis–Menten)
    or ``clint`` (linear regime) is given, with ``fu_inc`` the unbound fraction
    in the incubation. ``in_vivo`` gives the unbound intrinsic clearance of the
    whole liver directly. rCYP data need the enzyme's ISEF.
    """

    enzyme: str
    system: Literal["HLM", "hepatocytes", "rCYP", "in_vivo"]
    source: str
    vmax: pint.Quantity | None = None
    km: pint.Quantity | None = None
    clint: pint.Quantity | None = None
    fu_inc: float = 1.0
    isef: float | None = None
    fitted_to: str | None = None
    metabolite: Metabolite | None = None  # formed in DDI models (pbpk.model.coupled)
    kidney_failure: KidneyFailureChange | None = None  # the pathway's fall in chronic kidney disease

    def __post_init__(self) -> None:
        where = "HepaticPathway"
        check_choice(self.enzyme, enzyme_names() + ("other",), where=where, field="enzyme")
        check_choice(self.system, tuple(HEPATIC_SYSTEMS), where=where, field="system")
        check_text(self.source, where=where, field="source")
        if self.system == "in_vivo":
            optional(self.clint, "L/h", where, "clint", required=True)
            for name in ("vmax", "km"):
                if getattr(self, name) is not None:
                    raise PbpkInputError(where, name, str(getattr(self, name)), "no Vmax or Km for an in_vivo CLint")
        elif self.clint is not None:
            if self.vmax is not None or self.km is not None:
                raise PbpkInputError(where, "clint", str(self.clint), "either CLint or Vmax with Km, not both")
            check_quantity(self.clint, HEPATIC_SYSTEMS[self.system], where=where, field="clint")
        else:
            optional(self.vmax, VMAX_UNITS[self.system], where, "vmax", required=True)
            optional(self.km, "umol/L", where, "km", required=True)
        fraction(self.fu_inc, where, "fu_inc")
        if self.system == "rCYP":
            check_number(self.isef, where=where, field="isef", low=0, low_open=True)
        elif self.isef is not None:
            raise PbpkInputError(where, "isef", self.isef, "an ISEF only for rCYP data")
        if self.metabolite is not None and not isinstance(self.metabolite, Metabolite):
            raise PbpkInputError(where, "metabolite", str(self.metabolite), "a Metabolite or None")
        if self.kidney_failure is not None and not isinstance(self.kidney_failure, KidneyFailureChange):
            raise PbpkInputError(where, "kidney_failure", str(self.kidney_failure), "a KidneyFailureChange or None")

    @property
    def clint_in_vitro_unbound(self) -> pint.Quantity:
        """Linear-regime unbound intrinsic clearance in the system's own units.

        Vmax/Km (or CLint) divided by ``fu_inc``; for ``in_vivo`` the whole-liver
        value as given.
        """
        clint = self.clint if self.clint is not None else (self.vmax / self.km)
        unit = HEPATIC_SYSTEMS[self.system]
        return (clint / self.fu_inc).to(unit)


@dataclass(frozen=True)
class RenalElimination:
    """Renal excretion: filtration of unbound drug (times ``gfr_fraction``) plus secretion.

    ``secretion`` is an unbound secretion clearance (L/h, adult reference); ``transporter``
    names the transporter carrying it (its inhibition and induction then act on it in DDI models).
    ``reabsorption``: ``constant`` keeps ``gfr_fraction`` (the adult fraction of filtered
    drug escaping reabsorption) for everyone; ``urine_flow`` makes it compete with urine
    flow (passive reabsorption, :func:`pbpk.disposition.clearance.unreabsorbed_fraction`).
    """

    filtration: bool
    source: str
    gfr_fraction: float = 1.0
    secretion: pint.Quantity | None = None
    fitted_to: str | None = None
    reabsorption: str = "constant"
    transporter: str | None = None

    def __post_init__(self) -> None:
        where = "RenalElimination"
        if not isinstance(self.filtration, bool):
            raise PbpkInputError(where, "filtration", self.filtration, "true or false")
        check_text(self.source, where=where, field="source")
        fraction(self.gfr_fraction, where, "gfr_fraction", low_open=False)
        optional(self.secretion, "L/h", where, "secretion", positive=False)
        check_choice(self.reabsorption, REABSORPTION, where=where, field="reabsorption")
        if self.reabsorption == "urine_flow" and not 0 < self.gfr_fraction < 1:
            raise PbpkInputError(where, "gfr_fraction", self.gfr_fraction,
                                 "a fraction between 0 and 1 (exclusive) with reabsorption: urine_flow")
        if self.transporter is not None:
            check_choice(self.transporter, transporter_names(), where=where, field="transporter")
            if self.secretion is None or self.secretion.magnitude <= 0:
                raise PbpkInputError(where, "transporter", self.transporter, "a secretion clearance for it to carry")


@dataclass(frozen=True)
class BiliaryElimination:
    """Biliary excretion as an unbound intrinsic clearance of the liver (L/h); ``transporter``: the
    canalicular transporter carrying it."""

    clint_unbound: pint.Quantity
    source: str
    fitted_to: str | None = None
    transporter: str | None = None

    def __post_init__(self) -> None:
        check_quantity(self.clint_unbound, "L/h", where="BiliaryElimination", field="clint_unbound")
        check_text(self.source, where="BiliaryElimination", field="source")
        if self.transporter is not None:
            check_choice(self.transporter, transporter_names(), where="BiliaryElimination", field="transporter")


@dataclass(frozen=True)
class HepaticUptake:
    """Active uptake of unbound drug from the liver's sinusoidal blood into the hepatocytes: an unbound uptake
    clearance (L/h, adult reference) per sinusoidal transporter (OATP1B1, OATP1B3, …). The liver is then
    permeability-limited (``permeability_limited: {liver: …}``), its PS the passive diffusion both ways."""

    clearances: Mapping[str, pint.Quantity]
    source: str
    fitted_to: str | None = None

    def __post_init__(self) -> None:
        where = "HepaticUptake"
        values = frozen(self.clearances)
        if not values:
            raise PbpkInputError(where, "transporters", "{}", "at least one transporter with its uptake clearance")
        for transporter, value in values.items():
            check_choice(transporter, SINUSOIDAL_UPTAKE, where=where, field="transporters")
            check_quantity(value, "L/h", where=where, field=f"transporters.{transporter}")
        object.__setattr__(self, "clearances", values)
        check_text(self.source, where=where, field="source")


@dataclass(frozen=True)
class DialysisElimination:
    """Removal by intermittent haemodialysis: the dialyser's plasma clearance during a session (L/h)."""

    clearance: pint.Quantity
    source: str
    fitted_to: str | None = None

    def __post_init__(self) -> None:
        check_quantity(self.clearance, "L/h", where="DialysisElimination", field="clearance")
        check_text(self.source, where="DialysisElimination", field="source")


@dataclass(frozen=True)
class Clearance:
    """Hepatic pathways, renal and biliary excretion, active hepatic uptake and removal by haemodialysis."""

    hepatic: tuple[HepaticPathway, ...] = ()
    renal: RenalElimination | None = None
    biliary: BiliaryElimination | None = None
    dialysis: DialysisElimination | None = None
    hepatic_uptake: HepaticUptake | None = None

    def __post_init__(self) -> None:
        parts(self.hepatic, HepaticPathway, "Clearance", "hepatic")
        for name, kind in (("renal", RenalElimination), ("biliary", BiliaryElimination),
                           ("dialysis", DialysisElimination), ("hepatic_uptake", HepaticUptake)):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), kind):
                raise PbpkInputError("Clearance", name, str(getattr(self, name)), f"a {kind.__name__} or None")
