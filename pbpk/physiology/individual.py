"""One person as data: organs, flows, blood, proteins, kidney and enzymes.

:func:`pbpk.physiology.reference.reference_individual` builds the ICRP 89 reference
adult from ``physiology_db/``. An :class:`Individual` is frozen; special populations
(pediatric, pregnancy, virtual populations) derive new ones from the same
structure, so the model generated from it keeps its shape.

Examples
--------
>>> from pbpk.physiology.reference import reference_individual
>>> man = reference_individual("male")
>>> man.body_weight.to("kg")
<Quantity(73, 'kilogram')>
>>> round(man.portal_blood_flow.to("L/min").magnitude, 3)   # gut + stomach + spleen + pancreas
1.235
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pint

from pbpk.core.errors import PbpkInputError
from pbpk.core.frozenmap import FrozenMap, frozen
from pbpk.core.names import UNNAMED_SECRETION
from pbpk.core.records import check_choice, check_number, check_quantity, check_text
from pbpk.core.units import Quantity

Sex = Literal["male", "female"]
SEXES: tuple[Sex, ...] = ("male", "female")
ROLES = ("lung", "portal", "eliminating", "hepatic", "renal", "absorbing", "placenta", "fetus")


@dataclass(frozen=True)
class TissueComposition:
    """Composition of a tissue for partition-coefficient methods (fractions of volume).

    Attribute names follow the columns of Utsey et al. 2020 (DMD 48:903):
    water, lipids, proteins, phospholipids (all, neutral ``n_pl``, acidic
    ``a_pl``), neutral lipids ``n_l``, extra-/intracellular water ``ew``/``iw``,
    intracellular ``pH``, and the albumin (``AR``) and lipoprotein (``LR``)
    tissue:plasma ratios. ``None`` where the source gives no value.
    """

    name: str
    f_water: float
    f_lipids: float
    f_proteins: float
    f_pl: float | None
    f_n_l: float
    f_n_pl: float
    f_a_pl: float
    pH: float
    f_ew: float | None
    f_iw: float | None
    AR: float | None
    LR: float | None
    source: str

    def __post_init__(self) -> None:
        where = "TissueComposition"
        check_text(self.name, where=where, field="name")
        for name in _FRACTIONS:
            value = getattr(self, name)
            if value is not None or name not in _OPTIONAL_FRACTIONS:
                check_number(value, where=where, field=f"{self.name}.{name}", low=0, high=1)
        check_number(self.pH, where=where, field=f"{self.name}.pH", low=4, high=9)
        for name in ("f_a_pl", "AR", "LR"):
            if getattr(self, name) is not None:
                check_number(getattr(self, name), where=where, field=f"{self.name}.{name}", low=0)
        if not isinstance(self.source, str):
            raise PbpkInputError(where, f"{self.name}.source", self.source, "a text value")


#: Fractions of volume, in [0, 1]; ``f_a_pl`` is only ≥ 0 (Rodgers & Rowland tabulate it in mg/g).
_FRACTIONS = ("f_water", "f_lipids", "f_proteins", "f_pl", "f_n_l", "f_n_pl", "f_ew", "f_iw")
_OPTIONAL_FRACTIONS = ("f_pl", "f_ew", "f_iw")


@dataclass(frozen=True)
class Tissue:
    """One organ of the model.

    ``blood_flow`` is the arterial inflow; the liver's total inflow adds the
    portal flow (see :attr:`Individual.liver_blood_flow`).
    """

    name: str
    mass: pint.Quantity
    density: pint.Quantity
    blood_flow: pint.Quantity
    composition: TissueComposition
    roles: frozenset[str] = frozenset()
    surrogate_composition: str | None = None

    def __post_init__(self) -> None:
        where, field = "Individual", f"tissues.{self.name}"
        check_text(self.name, where=where, field="tissues")
        check_quantity(self.mass, "kg", where=where, field=f"{field}.mass")
        check_quantity(self.density, "g/mL", where=where, field=f"{field}.density")
        check_quantity(self.blood_flow, "L/h", where=where, field=f"{field}.blood_flow", positive=False)
        if not isinstance(self.composition, TissueComposition):
            raise PbpkInputError(where, f"{field}.composition", str(self.composition), "a TissueComposition")
        if not isinstance(self.roles, frozenset):
            raise PbpkInputError(where, f"{field}.roles", self.roles, "a frozenset of roles")
        for role in self.roles:
            check_choice(role, ROLES, where=where, field=f"{field}.roles")
        if self.surrogate_composition is not None:
            check_text(self.surrogate_composition, where=where, field=f"{field}.surrogate_composition")

    @property
    def volume(self) -> pint.Quantity:
        return (self.mass / self.density).to("L")


@dataclass(frozen=True)
class AdultReference:
    """The adult values that a compound's data refer to.

    Plasma fu and B:P are measured in adult blood, renal secretion is derived from
    adult clearances: for another person they are rescaled from these values
    (see :mod:`pbpk.disposition.binding`, :func:`pbpk.disposition.distribution.blood_plasma_ratio`,
    :func:`pbpk.disposition.clearance.renal_clearance`).
    """

    haematocrit: float
    albumin: pint.Quantity
    alpha1_acid_glycoprotein: pint.Quantity
    gfr: pint.Quantity
    liver_weight: pint.Quantity
    urine_flow: pint.Quantity
    microsomal_protein_per_gram: pint.Quantity

    def __post_init__(self) -> None:
        check_number(self.haematocrit, where="Individual", field="adult_reference.haematocrit", low=0, high=1,
                     low_open=True, high_open=True)
        for name, unit in (("albumin", "g/L"), ("alpha1_acid_glycoprotein", "g/L"), ("gfr", "L/h"),
                           ("liver_weight", "g"), ("urine_flow", "L/h"), ("microsomal_protein_per_gram", "mg/g")):
            check_quantity(getattr(self, name), unit, where="Individual", field=f"adult_reference.{name}")


@dataclass(frozen=True)
class Individual:
    """One person: anthropometry, organs, blood, plasma proteins, kidney and enzymes.

    All dimensioned fields are pint quantities. ``sources`` maps each field
    (or ``tissue.<name>.mass`` etc.) to where its value came from. Values are checked on
    construction (also by ``dataclasses.replace``); mappings are read-only (:class:`~pbpk.core.frozenmap.FrozenMap`).
    """

    sex: Sex
    age: pint.Quantity
    body_weight: pint.Quantity
    height: pint.Quantity
    cardiac_output: pint.Quantity
    tissues: Mapping[str, Tissue]
    red_cell_volume: pint.Quantity
    plasma_volume: pint.Quantity
    arterial_blood_fraction: float
    plasma: TissueComposition
    red_blood_cells: TissueComposition
    albumin: pint.Quantity
    alpha1_acid_glycoprotein: pint.Quantity
    gfr: pint.Quantity
    urine_flow: pint.Quantity
    microsomal_protein_per_gram: pint.Quantity
    hepatocytes_per_gram: pint.Quantity
    hepatic_abundance: Mapping[str, pint.Quantity]
    intestinal_abundance: Mapping[str, pint.Quantity]
    enzyme_turnover: Mapping[str, Mapping[str, pint.Quantity]]
    villous_blood_flow: pint.Quantity
    intestinal_absorptive_area: pint.Quantity
    small_intestine_radius: pint.Quantity
    small_intestine_transit_time: pint.Quantity
    transit_compartments: int
    adult_reference: AdultReference
    sources: Mapping[str, str] = field(default_factory=dict)
    hepatic_activity: Mapping[str, float] = field(default_factory=dict)
    intestinal_activity: Mapping[str, float] = field(default_factory=dict)
    ontogeny_set: str | None = None  # the enzyme ontogeny set of a child (None: mature)
    ontogeny_fallbacks: Mapping[str, str] = field(default_factory=dict)  # "liver.CYP2D6" → set standing in
    portal_shunt_fraction: float = 0.0  # of the portal blood, bypassing the liver (cirrhosis)
    unbound_fraction_factor: float = 1.0  # fu multiplier of highly bound drugs (renal impairment; see binding)
    kidney_function: float = 1.0  # GFR over this person's healthy GFR in kidney disease (≤ 1; 1 without)
    conditions: Mapping[str, str] = field(default_factory=dict)  # e.g. {"renal": "GFR 22 mL/min/1.73 m² (stage 4)"}
    on_dialysis: bool = False  # connected to a dialyser now (a session of intermittent haemodialysis)
    secretion_maturity: Mapping[str, float] = field(default_factory=dict)  # a child's, per renal transporter

    def __post_init__(self) -> None:
        where = "Individual"
        check_choice(self.sex, SEXES, where=where, field="sex")
        check_quantity(self.age, "year", where=where, field="age", positive=False)
        for name, unit in _POSITIVE:
            check_quantity(getattr(self, name), unit, where=where, field=name)
        for name in ("albumin", "alpha1_acid_glycoprotein"):  # ≥ 0: AGP is 0 at birth by its ontogeny function
            check_quantity(getattr(self, name), "g/L", where=where, field=name, positive=False)
        check_number(self.arterial_blood_fraction, where=where, field="arterial_blood_fraction", low=0, high=1)
        for name in ("plasma", "red_blood_cells"):
            if not isinstance(getattr(self, name), TissueComposition):
                raise PbpkInputError(where, name, str(getattr(self, name)), "a TissueComposition")
        if isinstance(self.transit_compartments, bool) or not isinstance(self.transit_compartments, int) \
                or not 1 <= self.transit_compartments <= 50:
            raise PbpkInputError(where, "transit_compartments", self.transit_compartments, "a whole number in [1, 50]")
        if not isinstance(self.adult_reference, AdultReference):
            raise PbpkInputError(where, "adult_reference", str(self.adult_reference), "an AdultReference")
        tissues = _mapping(self, "tissues")
        for name, tissue in tissues.items():
            if not isinstance(tissue, Tissue) or tissue.name != name:
                raise PbpkInputError(where, f"tissues.{name}", str(tissue)[:60], f"a Tissue named {name!r}")
        for name, unit in (("hepatic_abundance", "pmol/mg"), ("intestinal_abundance", "nmol")):
            for enzyme, value in _mapping(self, name).items():
                check_quantity(value, unit, where=where, field=f"{name}.{enzyme}")
        turnover = frozen({organ: frozen(rates) for organ, rates in self.enzyme_turnover.items()})
        for organ, rates in turnover.items():
            for enzyme, value in rates.items():
                check_quantity(value, "1/h", where=where, field=f"enzyme_turnover.{organ}.{enzyme}")
        object.__setattr__(self, "enzyme_turnover", turnover)
        for key, value in _mapping(self, "sources").items():
            if not isinstance(value, str):
                raise PbpkInputError(where, f"sources.{key}", value, "a text value")
        for name in ("hepatic_activity", "intestinal_activity"):
            for enzyme, value in _mapping(self, name).items():
                check_number(value, where=where, field=f"{name}.{enzyme}", low=0)
        for key, value in _mapping(self, "ontogeny_fallbacks").items():
            check_text(value, where=where, field=f"ontogeny_fallbacks.{key}")
        if self.ontogeny_set is not None:
            check_text(self.ontogeny_set, where=where, field="ontogeny_set")
        check_number(self.portal_shunt_fraction, where=where, field="portal_shunt_fraction", low=0, high=1,
                     high_open=True)
        check_number(self.unbound_fraction_factor, where=where, field="unbound_fraction_factor", low=0, low_open=True)
        check_number(self.kidney_function, where=where, field="kidney_function", low=0, high=1, low_open=True)
        for key, value in _mapping(self, "secretion_maturity").items():
            check_number(value, where=where, field=f"secretion_maturity.{key}", low=0, low_open=True)
        if not isinstance(self.on_dialysis, bool):
            raise PbpkInputError(where, "on_dialysis", self.on_dialysis, "true or false")
        for key, value in _mapping(self, "conditions").items():
            check_text(value, where=where, field=f"conditions.{key}")

    def enzyme_activity(self, enzyme: str, organ: Literal["liver", "intestine"] = "liver") -> float:
        """Activity of an enzyme (or hepatic uptake or canalicular transporter) relative to the adult reference
        (ontogeny, pregnancy, genotype, disease); 1 if not set.

        In a child, an activity taken from a fallback ontogeny set, or the adult activity of an
        enzyme no set matures (other than ``other``), comes with a warning.
        """
        table = self.hepatic_activity if organ == "liver" else self.intestinal_activity
        if self.ontogeny_set is not None:
            stand_in = self.ontogeny_fallbacks.get(f"{organ}.{enzyme}")
            if stand_in is not None:
                warnings.warn(f"ontogeny set {self.ontogeny_set!r} has no {organ} function for {enzyme}; the "
                              f"child's activity is from set {stand_in!r}, its stated fallback", stacklevel=2)
            elif enzyme not in table and enzyme != "other":
                warnings.warn(f"no ontogeny set has a {organ} function for {enzyme}; the child is given adult "
                              "activity per mg protein (per gram of liver for an uptake transporter; add one to "
                              "physiology_db/ontogeny.yaml)", stacklevel=2)
        return float(table.get(enzyme, 1.0))

    def secretion_activity(self, transporter: str | None) -> float:
        """Renal tubular secretion by ``transporter`` (None: unnamed) relative to GFR-scaled adult secretion.

        1 in adults. In a child, secretion matures on its own curve where
        ``physiology_db/ontogeny.yaml`` has one for the transporter; otherwise it follows GFR,
        with a warning.
        """
        key = transporter or UNNAMED_SECRETION
        if self.ontogeny_set is not None and key not in self.secretion_maturity:
            warnings.warn(f"no maturation function for renal secretion by {key}; the child's secretion follows "
                          "GFR (add one to physiology_db/ontogeny.yaml, secretion_maturation)", stacklevel=2)
        return float(self.secretion_maturity.get(key, 1.0))

    @property
    def renal_function(self) -> float:
        """GFR relative to the adult reference (kidney maturation, size and impairment)."""
        return float((self.gfr / self.adult_reference.gfr).to("").magnitude)

    @property
    def blood_volume(self) -> pint.Quantity:
        return (self.red_cell_volume + self.plasma_volume).to("L")

    @property
    def haematocrit(self) -> float:
        """Red-cell volume / blood volume (dimensionless)."""
        return float((self.red_cell_volume / self.blood_volume).to("").magnitude)

    @property
    def arterial_blood_volume(self) -> pint.Quantity:
        return self.blood_volume * self.arterial_blood_fraction

    @property
    def venous_blood_volume(self) -> pint.Quantity:
        return self.blood_volume * (1.0 - self.arterial_blood_fraction)

    @property
    def liver_weight(self) -> pint.Quantity:
        return self.tissues["liver"].mass.to("g")

    def tissues_with_role(self, role: str) -> list[Tissue]:
        return [tissue for tissue in self.tissues.values() if role in tissue.roles]

    @property
    def portal_blood_flow(self) -> pint.Quantity:
        """Blood flow in the portal vein: the outflow of all portal organs."""
        return sum((t.blood_flow for t in self.tissues_with_role("portal")), Quantity(0.0, "L/h")).to("L/h")

    @property
    def liver_blood_flow(self) -> pint.Quantity:
        """Total hepatic blood flow: hepatic artery + the portal blood that is not shunted past the liver."""
        return (self.tissues["liver"].blood_flow + self.portal_blood_flow * (1.0 - self.portal_shunt_fraction)).to("L/h")

    @property
    def venous_return(self) -> pint.Quantity:
        """Flow into the venous pool: every systemic organ not draining into the liver, the liver, the shunts."""
        flows = [t.blood_flow for t in self.tissues.values()
                 if not t.roles & {"portal", "lung", "fetus"} and t.name != "liver"]
        shunted = self.portal_blood_flow * self.portal_shunt_fraction
        return (sum(flows, Quantity(0.0, "L/h")) + self.liver_blood_flow + shunted).to("L/h")


#: Fields of :class:`Individual` that must be positive quantities, with a unit of their dimension.
_POSITIVE = (("body_weight", "kg"), ("height", "cm"), ("cardiac_output", "L/h"), ("red_cell_volume", "L"),
             ("plasma_volume", "L"), ("gfr", "L/h"),
             ("urine_flow", "L/h"), ("microsomal_protein_per_gram", "mg/g"), ("hepatocytes_per_gram", "cell/g"),
             ("villous_blood_flow", "L/h"), ("intestinal_absorptive_area", "m^2"), ("small_intestine_radius", "cm"),
             ("small_intestine_transit_time", "h"))


def _mapping(individual: Individual, name: str) -> FrozenMap:
    """The mapping field ``name`` made read-only (set on the frozen ``individual``)."""
    value = frozen(getattr(individual, name))
    object.__setattr__(individual, name, value)
    return value
