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

from pbpk.compound.clearance import Clearance
from pbpk.compound.fields import fraction, optional, parts
from pbpk.compound.ionization import PKa, charge_class, ionization_ratio
from pbpk.core.errors import PbpkInputError
from pbpk.core.frozenmap import frozen
from pbpk.core.names import enzyme_names, tissue_names, transporter_names
from pbpk.core.records import (
    Cited,
    check_choice,
    check_cited,
    check_number,
    check_quantity,
    check_text,
)

BINDING_PROTEINS = ("albumin", "alpha1_acid_glycoprotein")
PARTITION_METHODS = ("rodgers_rowland", "poulin_theil", "berezhkovskiy", "schmitt")
#: Ways to predict B:P when it was not measured (see ``pbpk.disposition.distribution.blood_plasma_ratio``).
BLOOD_PLASMA_METHODS = ("rodgers_rowland", "excluded_from_red_cells")
INTERACTION_TYPES = ("competitive", "noncompetitive", "mixed", "mechanism_based", "induction")

#: Where an interaction can act: transporters in liver, gut wall and kidney, enzymes in the first two.
INTERACTION_SITES = ("liver", "gut", "kidney")
ENZYME_SITES = ("liver", "gut")


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
        optional(self.ka, "1/h", where, "ka", required=first_order)
        if first_order or self.fa is not None:
            fraction(self.fa, where, "fa")
        if self.fg is not None:
            fraction(self.fg, where, "fg")
        optional(self.permeability, "cm/s", where, "permeability", required=self.model == "transit")
        optional(self.solubility, "mg/mL", where, "solubility")
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
        optional(self.ki_u, "umol/L", where, "ki_u", required=inhibition)
        if self.type == "mixed" or self.alpha is not None:
            check_number(self.alpha, where=where, field="alpha", low=0, low_open=True)
        mechanism = self.type == "mechanism_based"
        optional(self.kinact, "1/h", where, "kinact", required=mechanism)
        optional(self.KI_u, "umol/L", where, "KI_u", required=mechanism)
        if self.type == "induction" or self.emax is not None:
            check_number(self.emax, where=where, field="emax", low=0)
        optional(self.ec50_u, "umol/L", where, "ec50_u", required=self.type == "induction")
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
    kp_scale: Cited | None = None  # multiplier of the Kp predicted by partition_method (measured Kp unchanged)
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
        parts(self.pka, PKa, where, "pka")
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
        if self.kp_scale is not None:
            check_cited(self.kp_scale, where=where, field="kp_scale", low=0, high=10, low_open=True)
        if not isinstance(self.clearance, Clearance):
            raise PbpkInputError(where, "clearance", str(self.clearance), "a Clearance")
        if self.absorption is not None and not isinstance(self.absorption, Absorption):
            raise PbpkInputError(where, "absorption", str(self.absorption), "an Absorption or None")
        parts(self.interactions, Interaction, where, "interactions")
        parts(self.specific_binding, SpecificBinding, where, "specific_binding")
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
            if pathway.kidney_failure is not None and pathway.kidney_failure.fitted_to:
                fitted[f"clearance.hepatic[{i}].kidney_failure"] = pathway.kidney_failure.fitted_to
        for name in ("renal", "biliary", "dialysis", "hepatic_uptake"):
            part = getattr(self.clearance, name)
            if part is not None and part.fitted_to:
                fitted[f"clearance.{name}"] = part.fitted_to
        if self.absorption is not None and self.absorption.fitted_to:
            fitted["absorption"] = self.absorption.fitted_to
        for i, interaction in enumerate(self.interactions):
            if interaction.fitted_to:
                fitted[f"interactions[{i}] ({interaction.target})"] = interaction.fitted_to
        if self.kp_scale is not None and self.kp_scale.fitted_to:
            fitted["kp_scale"] = self.kp_scale.fitted_to
        for tissue, kp in self.measured_kp.items():
            if kp.fitted_to:
                fitted[f"measured_kp.{tissue}"] = kp.fitted_to
        for tissue, ps in self.permeability_limited.items():
            if ps.fitted_to:
                fitted[f"permeability_limited.{tissue}"] = ps.fitted_to
        if self.placental_transfer is not None and self.placental_transfer.fitted_to:
            fitted["placental_transfer"] = self.placental_transfer.fitted_to
        return fitted


