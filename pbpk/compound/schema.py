"""The compound schema: typed, validated drug properties (read by :mod:`pbpk.compound.load`).

The file format is documented in ``docs/compound-format.md``. Every value keeps
its source, and values fitted to clinical data say which study
(``fitted_to``), so validation can keep training and test studies apart.

Examples
--------
>>> from pbpk.compound import load_compound
>>> mdz = load_compound("midazolam")
>>> mdz.fu_plasma.value
0.031
>>> str(mdz.molecular_weight.value.units)
'gram / mole'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pint

from pbpk.compound.ionization import PKa, ionization_ratio
from pbpk.core.records import Cited

BINDING_PROTEINS = ("albumin", "alpha1_acid_glycoprotein")
PARTITION_METHODS = ("rodgers_rowland", "poulin_theil", "berezhkovskiy", "schmitt")
#: Ways to predict B:P when it was not measured (see ``pbpk.disposition.distribution.blood_plasma_ratio``).
BLOOD_PLASMA_METHODS = ("rodgers_rowland", "excluded_from_red_cells")
#: In-vitro (or in-vivo) systems a hepatic CLint can come from, and the unit
#: a linear-regime intrinsic clearance (Vmax/Km or CLint) has in each.
HEPATIC_SYSTEMS = {
    "HLM": "uL/min/mg",  # per mg microsomal protein
    "hepatocytes": "uL/min/Mcell",  # per million hepatocytes (Mcell = 10⁶ cells; "uL/min/(1e6 cell)" also reads)
    "rCYP": "uL/min/pmol",  # per pmol recombinant enzyme
    "in_vivo": "L/h",  # unbound intrinsic clearance of the whole liver
}
INTERACTION_TYPES = ("competitive", "noncompetitive", "mixed", "mechanism_based", "induction")


@dataclass(frozen=True)
class Metabolite:
    """A metabolite formed by a pathway: its compound file and the molar fraction of the pathway's flux."""

    compound: str
    fraction: float
    source: str


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

    @property
    def clint_in_vitro_unbound(self) -> pint.Quantity:
        """Linear-regime unbound intrinsic clearance in the system's own units.

        Vmax/Km (or CLint) divided by ``fu_inc``; for ``in_vivo`` the whole-liver
        value as given.
        """
        clint = self.clint if self.clint is not None else (self.vmax / self.km)
        unit = HEPATIC_SYSTEMS[self.system]
        return (clint / self.fu_inc).to(unit)


#: How the fraction of filtered drug escaping tubular reabsorption varies between people.
REABSORPTION = ("constant", "urine_flow")


@dataclass(frozen=True)
class RenalElimination:
    """Renal excretion: filtration of unbound drug (times ``gfr_fraction``) plus secretion.

    ``secretion`` is an unbound secretion clearance (L/h, adult reference).
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


@dataclass(frozen=True)
class BiliaryElimination:
    """Biliary excretion as an unbound intrinsic clearance of the liver (L/h)."""

    clint_unbound: pint.Quantity
    source: str
    fitted_to: str | None = None


@dataclass(frozen=True)
class Clearance:
    hepatic: tuple[HepaticPathway, ...] = ()
    renal: RenalElimination | None = None
    biliary: BiliaryElimination | None = None


@dataclass(frozen=True)
class Absorption:
    """Oral absorption.

    ``first_order``: ``ka`` and ``fa`` (fraction absorbed into the enterocytes).
    ``transit``: human effective jejunal permeability and solubility (CAT model,
    Yu & Amidon 1999). ``fg`` is a measured intestinal availability, used
    instead of the Qgut prediction when given.
    """

    model: Literal["first_order", "transit"]
    source: str
    ka: pint.Quantity | None = None
    fa: float | None = None
    fg: float | None = None
    permeability: pint.Quantity | None = None
    solubility: pint.Quantity | None = None
    solubility_ph: float | None = None
    fitted_to: str | None = None


@dataclass(frozen=True)
class Interaction:
    """An effect of this compound on an enzyme or transporter.

    Inhibition constants are unbound (``*_u``): a total in-vitro constant is
    converted on load with the incubation's unbound fraction.
    """

    target: str
    type: Literal["competitive", "noncompetitive", "mixed", "mechanism_based", "induction"]
    source: str
    ki_u: pint.Quantity | None = None
    alpha: float | None = None  # mixed inhibition: Ki of the enzyme–substrate complex / Ki
    kinact: pint.Quantity | None = None
    KI_u: pint.Quantity | None = None
    emax: float | None = None
    ec50_u: pint.Quantity | None = None
    fitted_to: str | None = None


@dataclass(frozen=True)
class SpecificBinding:
    """Saturable binding to a tissue target (e.g. digoxin to Na+/K+-ATPase in muscle).

    In the linear range (Cu ≪ Kd) it adds Bmax/Kd to the tissue's unbound
    partition coefficient Kpu.
    """

    tissue: str
    target: str
    bmax: pint.Quantity  # binding-site concentration in tissue
    kd: pint.Quantity
    source: str

    @property
    def kpu_increment(self) -> float:
        return float((self.bmax / self.kd).to("").magnitude)


@dataclass(frozen=True)
class Compound:
    """A drug: physicochemistry, binding, elimination, absorption, interactions.

    Build one with :func:`load_compound`; change one with ``dataclasses.replace``.
    """

    name: str
    file: str
    molecular_weight: Cited
    pka: tuple[PKa, ...]
    fu_plasma: Cited
    binding_protein: str
    logP: Cited | None = None
    logD74: Cited | None = None
    blood_plasma_ratio: Cited | None = None  # None: predicted with ``blood_plasma_method``
    blood_plasma_method: str | None = None
    partition_method: str = "rodgers_rowland"
    clearance: Clearance = field(default_factory=Clearance)
    absorption: Absorption | None = None
    interactions: tuple[Interaction, ...] = ()
    measured_kp: Mapping[str, Cited] = field(default_factory=dict)
    specific_binding: tuple[SpecificBinding, ...] = ()
    permeability_limited: Mapping[str, Cited] = field(default_factory=dict)  # tissue -> PS product (L/h)
    placental_transfer: Cited | None = None  # unbound placenta <-> fetus clearance (L/h); None: umbilical-flow-limited

    @property
    def log_p(self) -> float:
        """log10 octanol:water partition coefficient of the neutral species.

        Derived from logD7.4 and the pKa values when only logD7.4 is given.
        """
        if self.logP is not None:
            return self.logP.value
        return self.logD74.value + math.log10(ionization_ratio(self.pka, 7.4))

    @property
    def fitted_values(self) -> dict[str, str]:
        """Which values were fitted to clinical data: {field: study}."""
        fitted = {}
        for name in ("molecular_weight", "fu_plasma", "logP", "logD74", "blood_plasma_ratio"):
            value = getattr(self, name)
            if value is not None and value.fitted_to:
                fitted[name] = value.fitted_to
        for i, pathway in enumerate(self.clearance.hepatic):
            if pathway.fitted_to:
                fitted[f"clearance.hepatic[{i}] ({pathway.enzyme})"] = pathway.fitted_to
        for name in ("renal", "biliary"):
            part = getattr(self.clearance, name)
            if part is not None and part.fitted_to:
                fitted[f"clearance.{name}"] = part.fitted_to
        if self.absorption is not None and self.absorption.fitted_to:
            fitted["absorption"] = self.absorption.fitted_to
        for i, interaction in enumerate(self.interactions):
            if interaction.fitted_to:
                fitted[f"interactions[{i}] ({interaction.target})"] = interaction.fitted_to
        for tissue, kp in self.measured_kp.items():
            if kp.fitted_to:
                fitted[f"measured_kp.{tissue}"] = kp.fitted_to
        if self.placental_transfer is not None and self.placental_transfer.fitted_to:
            fitted["placental_transfer"] = self.placental_transfer.fitted_to
        return fitted
