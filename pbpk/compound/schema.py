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

from pbpk.compound.ionization import PKa, charge_class, ionization_ratio
from pbpk.core.errors import PbpkInputError
from pbpk.core.frozenmap import frozen
from pbpk.core.names import SINUSOIDAL_UPTAKE, enzyme_names, tissue_names, transporter_names
from pbpk.core.records import Cited, check_choice, check_cited, check_number, check_quantity, check_text

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
#: The unit of a Vmax in each in-vitro system.
VMAX_UNITS = {"HLM": "pmol/min/mg", "hepatocytes": "pmol/min/Mcell", "rCYP": "pmol/min/pmol"}
INTERACTION_TYPES = ("competitive", "noncompetitive", "mixed", "mechanism_based", "induction")


def _fraction(value: object, where: str, field: str, *, low_open: bool = True) -> float:
    """A fraction in (0, 1] (or [0, 1] if not ``low_open``)."""
    return check_number(value, where=where, field=field, low=0, high=1, low_open=low_open)


def _optional(value: object, unit: str, where: str, field: str, *, required: bool = False,
              positive: bool = True) -> None:
    """Check an optional quantity (``required``: it must be given)."""
    if value is None:
        if required:
            raise PbpkInputError(where, field, None, f"a quantity in units like {unit}")
        return
    check_quantity(value, unit, where=where, field=field, positive=positive)


@dataclass(frozen=True)
class Metabolite:
    """A metabolite formed by a pathway: its compound file and the molar fraction of the pathway's flux."""

    compound: str
    fraction: float
    source: str

    def __post_init__(self) -> None:
        check_text(self.compound, where="Metabolite", field="compound")
        _fraction(self.fraction, "Metabolite", "fraction")
        check_text(self.source, where="Metabolite", field="source")


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

    def __post_init__(self) -> None:
        where = "HepaticPathway"
        check_choice(self.enzyme, enzyme_names() + ("other",), where=where, field="enzyme")
        check_choice(self.system, tuple(HEPATIC_SYSTEMS), where=where, field="system")
        check_text(self.source, where=where, field="source")
        if self.system == "in_vivo":
            _optional(self.clint, "L/h", where, "clint", required=True)
            for name in ("vmax", "km"):
                if getattr(self, name) is not None:
                    raise PbpkInputError(where, name, str(getattr(self, name)), "no Vmax or Km for an in_vivo CLint")
        elif self.clint is not None:
            if self.vmax is not None or self.km is not None:
                raise PbpkInputError(where, "clint", str(self.clint), "either CLint or Vmax with Km, not both")
            check_quantity(self.clint, HEPATIC_SYSTEMS[self.system], where=where, field="clint")
        else:
            _optional(self.vmax, VMAX_UNITS[self.system], where, "vmax", required=True)
            _optional(self.km, "umol/L", where, "km", required=True)
        _fraction(self.fu_inc, where, "fu_inc")
        if self.system == "rCYP":
            check_number(self.isef, where=where, field="isef", low=0, low_open=True)
        elif self.isef is not None:
            raise PbpkInputError(where, "isef", self.isef, "an ISEF only for rCYP data")
        if self.metabolite is not None and not isinstance(self.metabolite, Metabolite):
            raise PbpkInputError(where, "metabolite", str(self.metabolite), "a Metabolite or None")

    @property
    def clint_in_vitro_unbound(self) -> pint.Quantity:
        """Linear-regime unbound intrinsic clearance in the system's own units.

        Vmax/Km (or CLint) divided by ``fu_inc``; for ``in_vivo`` the whole-liver
        value as given.
        """
        clint = self.clint if self.clint is not None else (self.vmax / self.km)
        unit = HEPATIC_SYSTEMS[self.system]
        return (clint / self.fu_inc).to(unit)


#: Where an interaction can act: transporters in liver, gut wall and kidney, enzymes in the first two.
INTERACTION_SITES = ("liver", "gut", "kidney")
ENZYME_SITES = ("liver", "gut")

#: How the fraction of filtered drug escaping tubular reabsorption varies between people.
REABSORPTION = ("constant", "urine_flow")


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
        _fraction(self.gfr_fraction, where, "gfr_fraction", low_open=False)
        _optional(self.secretion, "L/h", where, "secretion", positive=False)
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
        _parts(self.hepatic, HepaticPathway, "Clearance", "hepatic")
        for name, kind in (("renal", RenalElimination), ("biliary", BiliaryElimination),
                           ("dialysis", DialysisElimination), ("hepatic_uptake", HepaticUptake)):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), kind):
                raise PbpkInputError("Clearance", name, str(getattr(self, name)), f"a {kind.__name__} or None")


@dataclass(frozen=True)
class Absorption:
    """Oral absorption.

    ``first_order``: ``ka`` and ``fa`` (fraction absorbed into the enterocytes).
    ``transit``: human effective jejunal permeability and solubility (CAT model,
    Yu & Amidon 1999). ``fg`` is a measured intestinal availability, used
    instead of the Qgut prediction when given. ``efflux_transporter`` (first order
    only) names the apical efflux transporter that causes the unabsorbed fraction
    1 − fa: in DDI models fa = 1/(1 + (1 − fa)/fa · A), A its activity.
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
    efflux_transporter: str | None = None

    def __post_init__(self) -> None:
        where = "Absorption"
        check_choice(self.model, ("first_order", "transit"), where=where, field="model")
        check_text(self.source, where=where, field="source")
        first_order = self.model == "first_order"
        _optional(self.ka, "1/h", where, "ka", required=first_order)
        if first_order or self.fa is not None:
            _fraction(self.fa, where, "fa")
        if self.fg is not None:
            _fraction(self.fg, where, "fg")
        _optional(self.permeability, "cm/s", where, "permeability", required=self.model == "transit")
        _optional(self.solubility, "mg/mL", where, "solubility")
        if self.solubility_ph is not None:
            check_number(self.solubility_ph, where=where, field="solubility_ph")
        if self.efflux_transporter is not None:
            check_choice(self.efflux_transporter, transporter_names(), where=where, field="efflux_transporter")
            if not first_order or self.fa >= 1:
                raise PbpkInputError(where, "efflux_transporter", self.efflux_transporter,
                                     "a first-order absorption with fa < 1 (the efflux causes the unabsorbed part)")


@dataclass(frozen=True)
class Interaction:
    """An effect of this compound on an enzyme or transporter.

    Inhibition constants are unbound (``*_u``): a total in-vitro constant is
    converted on load with the incubation's unbound fraction. ``sites`` restricts
    the effect to some of ``liver``, ``gut`` and ``kidney`` (empty: everywhere the
    target acts).
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
    sites: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = "Interaction"
        check_choice(self.target, enzyme_names() + transporter_names(), where=where, field="target")
        check_choice(self.type, INTERACTION_TYPES, where=where, field="type")
        check_text(self.source, where=where, field="source")
        inhibition = self.type in ("competitive", "noncompetitive", "mixed")
        _optional(self.ki_u, "umol/L", where, "ki_u", required=inhibition)
        if self.type == "mixed" or self.alpha is not None:
            check_number(self.alpha, where=where, field="alpha", low=0, low_open=True)
        mechanism = self.type == "mechanism_based"
        _optional(self.kinact, "1/h", where, "kinact", required=mechanism)
        _optional(self.KI_u, "umol/L", where, "KI_u", required=mechanism)
        if self.type == "induction" or self.emax is not None:
            check_number(self.emax, where=where, field="emax", low=0)
        _optional(self.ec50_u, "umol/L", where, "ec50_u", required=self.type == "induction")
        if not isinstance(self.sites, tuple) or len(set(self.sites)) != len(self.sites):
            raise PbpkInputError(where, "sites", self.sites, "a list of distinct sites")
        for site in self.sites:
            check_choice(site, INTERACTION_SITES if self.target in transporter_names() else ENZYME_SITES,
                         where=where, field="sites")


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

    def __post_init__(self) -> None:
        where = "SpecificBinding"
        check_choice(self.tissue, tissue_names(), where=where, field="tissue")
        check_text(self.target, where=where, field="target")
        check_quantity(self.bmax, "umol/L", where=where, field="bmax")
        check_quantity(self.kd, "umol/L", where=where, field="kd")
        check_text(self.source, where=where, field="source")

    @property
    def kpu_increment(self) -> float:
        return float((self.bmax / self.kd).to("").magnitude)


@dataclass(frozen=True)
class Compound:
    """A drug: physicochemistry, binding, elimination, absorption, interactions.

    Build one with :func:`load_compound`; change one with ``dataclasses.replace`` (values are
    checked on construction, as on loading; ``measured_kp`` and ``permeability_limited`` are read-only).
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

    def __post_init__(self) -> None:
        where = self.file or "Compound"
        check_text(self.name, where=where, field="name")
        check_cited(self.molecular_weight, "g/mol", where=where, field="molecular_weight")
        _parts(self.pka, PKa, where, "pka")
        check_cited(self.fu_plasma, where=where, field="fu_plasma", low=0, high=1, low_open=True,
                    hint="if this is percent unbound, divide by 100")
        check_choice(self.binding_protein, BINDING_PROTEINS, where=where, field="binding_protein")
        for name in ("logP", "logD74"):
            if getattr(self, name) is not None:
                check_cited(getattr(self, name), where=where, field=name, low=-10, high=15)
        if self.logP is None and self.logD74 is None:
            raise PbpkInputError(where, "logP", None, "logP (or logD7.4)")
        if self.logP is None and charge_class(self.pka) == "zwitterion":
            raise PbpkInputError(where, "logP", "only logD7.4", "logP for a zwitterion")
        if self.blood_plasma_ratio is not None:
            check_cited(self.blood_plasma_ratio, where=where, field="blood_plasma_ratio", low=0, low_open=True, high=20)
        if self.blood_plasma_method is not None or self.blood_plasma_ratio is None:
            check_choice(self.blood_plasma_method, BLOOD_PLASMA_METHODS, where=where, field="blood_plasma_method")
        check_choice(self.partition_method, PARTITION_METHODS, where=where, field="partition_method")
        if not isinstance(self.clearance, Clearance):
            raise PbpkInputError(where, "clearance", str(self.clearance), "a Clearance")
        if self.absorption is not None and not isinstance(self.absorption, Absorption):
            raise PbpkInputError(where, "absorption", str(self.absorption), "an Absorption or None")
        _parts(self.interactions, Interaction, where, "interactions")
        _parts(self.specific_binding, SpecificBinding, where, "specific_binding")
        for name, unit in (("measured_kp", None), ("permeability_limited", "L/h")):
            values = frozen(getattr(self, name))
            for tissue, value in values.items():
                check_choice(tissue, tissue_names(), where=where, field=name)
                check_cited(value, unit, where=where, field=f"{name}.{tissue}",
                            **({"positive": True} if unit else {"low": 0, "low_open": True}))
            object.__setattr__(self, name, values)
        if "lung" in self.permeability_limited:
            raise PbpkInputError(where, "permeability_limited", "lung",
                                 "tissues other than the lung (it is perfusion-limited here)")
        uptake, biliary = self.clearance.hepatic_uptake, self.clearance.biliary
        if uptake is not None and "liver" not in self.permeability_limited:
            raise PbpkInputError(where, "clearance.hepatic_uptake", ", ".join(uptake.clearances),
                                 "a permeability-limited liver (permeability_limited: {liver: passive PS}) for "
                                 "active uptake into its cells")
        if uptake is not None and biliary is not None and biliary.transporter in uptake.clearances:
            raise PbpkInputError(where, "clearance.biliary.transporter", biliary.transporter,
                                 "a canalicular transporter other than the sinusoidal uptake transporters")
        if self.placental_transfer is not None:
            check_cited(self.placental_transfer, "L/h", where=where, field="placental_transfer")

    @property
    def log_p(self) -> float:
        """log10 octanol:water partition coefficient of the neutral species.

        Derived from logD7.4 and the pKa values when only logD7.4 is given.
        """
        if self.logP is not None:
            return self.logP.value
        return self.logD74.value + math.log10(ionization_ratio(self.pka, 7.4))

    @property
    def transport_processes(self) -> tuple[tuple[str, str, str], ...]:
        """(process, site, transporter) of each transporter-carried process: ``secretion`` in the kidney,
        ``biliary`` excretion and sinusoidal ``uptake`` in the liver, apical ``efflux`` in the gut."""
        renal, biliary, absorption = self.clearance.renal, self.clearance.biliary, self.absorption
        processes = [("secretion", "kidney", renal and renal.transporter),
                     ("biliary", "liver", biliary and biliary.transporter),
                     ("efflux", "gut", absorption and absorption.efflux_transporter)]
        if self.clearance.hepatic_uptake is not None:
            processes += [("uptake", "liver", transporter) for transporter in self.clearance.hepatic_uptake.clearances]
        return tuple((process, site, transporter) for process, site, transporter in processes if transporter)

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
        for name in ("renal", "biliary", "dialysis", "hepatic_uptake"):
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
        for tissue, ps in self.permeability_limited.items():
            if ps.fitted_to:
                fitted[f"permeability_limited.{tissue}"] = ps.fitted_to
        if self.placental_transfer is not None and self.placental_transfer.fitted_to:
            fitted["placental_transfer"] = self.placental_transfer.fitted_to
        return fitted


def _parts(values: object, kind: type, where: str, field: str) -> None:
    """Check that ``values`` is a tuple of ``kind`` (each part has validated itself)."""
    if not isinstance(values, tuple) or not all(isinstance(value, kind) for value in values):
        raise PbpkInputError(where, field, str(values)[:60], f"a tuple of {kind.__name__}")
