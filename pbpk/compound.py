"""Compounds: typed, validated drug properties read from ``compounds/*.yaml``.

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
from pathlib import Path
from typing import Literal

import pint

from pbpk import datafiles
from pbpk.errors import PbpkInputError, did_you_mean
from pbpk.ionization import PKa, charge_class, ionization_ratio
from pbpk.physiology import enzyme_names, tissue_names, transporter_names
from pbpk.records import Cited, Record, load_yaml

BINDING_PROTEINS = ("albumin", "alpha1_acid_glycoprotein")
PARTITION_METHODS = ("rodgers_rowland", "poulin_theil", "berezhkovskiy", "schmitt")
#: Ways to predict B:P when it was not measured (see ``pbpk.distribution.blood_plasma_ratio``).
BLOOD_PLASMA_METHODS = ("rodgers_rowland", "excluded_from_red_cells")
#: In-vitro (or in-vivo) systems a hepatic CLint can come from, and the unit
#: a linear-regime intrinsic clearance (Vmax/Km or CLint) has in each.
HEPATIC_SYSTEMS = {
    "HLM": "uL/min/mg",  # per mg microsomal protein
    "hepatocytes": "uL/min/Mcell",  # per million hepatocytes (Mcell = 10⁶ cells; "uL/min/(1e6 cell)" also reads)
    "rCYP": "uL/min/pmol",  # per pmol recombinant enzyme
    "in_vivo": "L/h",  # unbound intrinsic clearance of the whole liver
}
_VMAX_UNITS = {"HLM": "pmol/min/mg", "hepatocytes": "pmol/min/Mcell", "rCYP": "pmol/min/pmol"}
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
    metabolite: Metabolite | None = None  # formed in DDI models (pbpk.ddi_model)

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
    flow (passive reabsorption, :func:`pbpk.clearance.unreabsorbed_fraction`).
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


def load_compound(name_or_path: str | Path) -> Compound:
    """Read and validate a compound file (a path, or the name of a bundled compound).

    Raises
    ------
    PbpkInputError
        Naming file, line, field, the value found and what was expected.
    """
    path = datafiles.resolve("compounds", name_or_path)
    data = load_yaml(path)
    record = Record(data, datafiles.display_path(path))
    return _compound(record)


def _compound(r: Record) -> Compound:
    name = r.text("name")
    pka = tuple(_pka(item) for item in r.records("pKa", required=False))
    logP = r.cited("logP", required=False, low=-10, high=15)
    logD74 = r.cited("logD7.4", required=False, low=-10, high=15)
    if logP is None and logD74 is None:
        raise PbpkInputError(r.where(), "logP", None, "logP (or logD7.4)", 'add "logP: {value: ..., source: ...}"')
    if logP is None and charge_class(pka) == "zwitterion":
        raise PbpkInputError(r.where("logD7.4"), "logP", "only logD7.4", "logP for a zwitterion",
                             "logD7.4 of a zwitterion reflects its zwitterionic form, so logP of the neutral "
                             "species cannot be derived from it; add logP")
    fu = r.cited("fu_plasma", low=0, high=1, low_open=True,
                 hint="if this is percent unbound, divide by 100")
    bp, bp_method = _blood_plasma(r)
    compound = Compound(
        name=name,
        file=r.file,
        molecular_weight=r.cited("molecular_weight", "g/mol", example="325.8 g/mol"),
        pka=pka,
        fu_plasma=fu,
        binding_protein=r.text("binding_protein", choices=BINDING_PROTEINS),
        logP=logP,
        logD74=logD74,
        blood_plasma_ratio=bp,
        blood_plasma_method=bp_method,
        partition_method=_partition_method(r),
        clearance=_clearance(r.record("clearance", required=False)),
        absorption=_absorption(r.record("absorption", required=False)),
        interactions=tuple(_interaction(item) for item in r.records("interactions", required=False)),
        measured_kp=_measured_kp(r),
        specific_binding=tuple(_specific_binding(item) for item in r.records("specific_binding", required=False)),
        permeability_limited=_permeability_limited(r),
        placental_transfer=r.cited("placental_transfer", "L/h", required=False),
    )
    r.text("description", required=False)
    r.finish()
    return compound


def _pka(r: Record) -> PKa:
    pka = PKa(r.number("value", low=-5, high=20), r.text("type", choices=("acid", "base")), r.source())
    r.finish()
    return pka


def _blood_plasma(r: Record) -> tuple[Cited | None, str | None]:
    raw = r.raw("blood_plasma_ratio", expected="{value: ..., source: ...} or {method: ...}")
    if isinstance(raw, Mapping) and "method" in raw:
        sub = r.record("blood_plasma_ratio")
        method = sub.text("method", choices=BLOOD_PLASMA_METHODS)
        sub.finish()
        return None, method
    return r.cited("blood_plasma_ratio", low=0, low_open=True, high=20,
                   hint="B:P is blood over plasma concentration; ≥ 1 − haematocrit (≈ 0.55) for any drug"), None


def _partition_method(r: Record) -> str:
    method = r.raw("partition_method", required=False)
    if method is None:
        return "rodgers_rowland"
    normalised = str(method).replace("-", "_").lower()
    if normalised not in PARTITION_METHODS:
        raise r.error("partition_method", method, f"one of {', '.join(PARTITION_METHODS)}",
                      did_you_mean(normalised, PARTITION_METHODS))
    return normalised


def _clearance(r: Record | None) -> Clearance:
    if r is None:
        return Clearance()
    hepatic = tuple(_hepatic(item) for item in r.records("hepatic", required=False))
    renal_record = r.record("renal", required=False)
    renal = None
    if renal_record is not None:
        renal = RenalElimination(
            filtration=renal_record.boolean("filtration"),
            source=renal_record.source(),
            gfr_fraction=_default(renal_record.number("gfr_fraction", required=False, low=0, high=1), 1.0),
            secretion=renal_record.quantity("secretion", "L/h", required=False, positive=False),
            fitted_to=renal_record.text("fitted_to", required=False),
            reabsorption=renal_record.text("reabsorption", required=False, choices=REABSORPTION) or "constant",
        )
        if renal.reabsorption == "urine_flow" and not 0 < renal.gfr_fraction < 1:
            raise renal_record.error("gfr_fraction", renal.gfr_fraction,
                                     "a fraction between 0 and 1 (exclusive) with reabsorption: urine_flow")
        renal_record.text("note", required=False)
        renal_record.finish()
    biliary_record = r.record("biliary", required=False)
    biliary = None
    if biliary_record is not None:
        biliary = BiliaryElimination(
            clint_unbound=biliary_record.quantity("CLint_u", "L/h"),
            source=biliary_record.source(),
            fitted_to=biliary_record.text("fitted_to", required=False),
        )
        biliary_record.text("note", required=False)
        biliary_record.finish()
    r.finish()
    return Clearance(hepatic=hepatic, renal=renal, biliary=biliary)


def _hepatic(r: Record) -> HepaticPathway:
    enzyme = _known(r, "enzyme", enzyme_names() + ("other",))
    system = r.text("system", choices=tuple(HEPATIC_SYSTEMS))
    source = r.source()
    fitted_to = r.text("fitted_to", required=False)
    r.text("note", required=False)
    metabolite = _metabolite(r.record("metabolite", required=False))
    if system == "in_vivo":
        clint = r.quantity("CLint_u", "L/h")
        r.finish()
        return HepaticPathway(enzyme, system, source, clint=clint, fitted_to=fitted_to, metabolite=metabolite)
    has_clint = r.has("CLint")
    if has_clint and (r.has("Vmax") or r.has("Km")):
        raise r.error("CLint", r.data["CLint"], "either CLint or Vmax with Km, not both")
    if has_clint:
        clint = r.quantity("CLint", HEPATIC_SYSTEMS[system], example=f"10 {HEPATIC_SYSTEMS[system]}")
        vmax = km = None
    else:
        vmax = r.quantity("Vmax", _VMAX_UNITS[system], example=f"850 {_VMAX_UNITS[system]}")
        km = r.quantity("Km", "umol/L", example="4 umol/L")
        clint = None
    fu_inc = r.number("fu_inc", low=0, high=1, low_open=True,
                      hint="the unbound fraction in the incubation; write 1 (and say so in the source) if binding was negligible")
    isef = r.number("ISEF", low=0, low_open=True) if system == "rCYP" else None
    r.finish()
    return HepaticPathway(enzyme, system, source, vmax=vmax, km=km, clint=clint, fu_inc=fu_inc, isef=isef,
                          fitted_to=fitted_to, metabolite=metabolite)


def _metabolite(r: Record | None) -> Metabolite | None:
    if r is None:
        return None
    metabolite = Metabolite(r.text("compound"), float(r.number("fraction", low=0, high=1, low_open=True)), r.source())
    r.finish()
    return metabolite


def _absorption(r: Record | None) -> Absorption | None:
    if r is None:
        return None
    model = r.text("model", choices=("first_order", "transit"))
    solubility, ph = _solubility(r)
    absorption = Absorption(
        model=model,
        source=r.source(),
        ka=r.quantity("ka", "1/h", required=model == "first_order"),
        fa=r.number("fa", required=model == "first_order", low=0, high=1, low_open=True),
        fg=r.number("fg", required=False, low=0, high=1, low_open=True),
        permeability=r.quantity("permeability", "cm/s", required=model == "transit", example="1.5e-4 cm/s"),
        solubility=solubility,
        solubility_ph=ph,
        fitted_to=r.text("fitted_to", required=False),
    )
    r.text("note", required=False)
    r.finish()
    return absorption


def _solubility(r: Record) -> tuple[pint.Quantity | None, float | None]:
    """Solubility written ``"0.049 mg/mL @ pH 6.5"``."""
    text = r.raw("solubility", required=False)
    if text is None:
        return None, None
    quantity_text, _, ph_text = str(text).partition("@")
    ph_text = ph_text.strip()
    if not ph_text.lower().startswith("ph"):
        raise r.error("solubility", text, 'a solubility with its pH, e.g. "0.049 mg/mL @ pH 6.5"')
    try:
        ph = float(ph_text[2:])
    except ValueError:
        raise r.error("solubility", text, 'a solubility with its pH, e.g. "0.049 mg/mL @ pH 6.5"') from None
    sub = Record({"solubility": quantity_text.strip()}, r.file, r.path, getattr(r.data, "lines", {}).get("solubility"))
    return sub.quantity("solubility", "mg/mL"), ph


def _interaction(r: Record) -> Interaction:
    if r.has("transporter"):
        target = _known(r, "transporter", transporter_names())
    else:
        target = _known(r, "enzyme", enzyme_names())
    kind = r.text("type", choices=INTERACTION_TYPES)
    source = r.source()
    fitted_to = r.text("fitted_to", required=False)
    r.text("note", required=False)
    values: dict[str, object] = {}
    if kind in ("competitive", "noncompetitive", "mixed"):
        values["ki_u"] = _unbound_constant(r, "Ki")
        if kind == "mixed":
            values["alpha"] = r.number("alpha", low=0, low_open=True)
    elif kind == "mechanism_based":
        values["kinact"] = r.quantity("kinact", "1/h", example="0.04 1/min")
        values["KI_u"] = _unbound_constant(r, "KI")
    else:
        values["emax"] = r.number("Emax", low=0,
                                  hint="Emax is the maximal fold-increase over baseline minus 1 (0 = no induction)")
        values["ec50_u"] = _unbound_constant(r, "EC50")
    r.finish()
    return Interaction(target, kind, source, fitted_to=fitted_to, **values)


def _unbound_constant(r: Record, name: str) -> pint.Quantity:
    """``<name>_u`` as given, or ``<name>`` × ``fu_inc`` (unbound in the incubation)."""
    if r.has(f"{name}_u"):
        if r.has(name):
            raise r.error(name, r.data[name], f"either {name}_u (unbound) or {name} with fu_inc, not both")
        return r.quantity(f"{name}_u", "umol/L")
    if not r.has(name):
        raise PbpkInputError(r.where(), r.field(f"{name}_u"), None, f"{name}_u (unbound), or {name} with fu_inc",
                             f'add "{name}_u: <value> umol/L"')
    total = r.quantity(name, "umol/L")
    fu_inc = r.number("fu_inc", low=0, high=1, low_open=True,
                      hint=f"needed to turn the total {name} into an unbound constant")
    return total * fu_inc


def _per_tissue(r: Record, key: str, unit: str | None) -> dict[str, Cited]:
    """A mapping ``{<tissue>: {value, source}}`` with known tissue names."""
    sub = r.record(key, required=False)
    if sub is None:
        return {}
    values = {}
    for tissue in sub.keys():
        if tissue not in tissue_names():
            raise sub.error(tissue, tissue, f"a tissue name ({', '.join(tissue_names())})",
                            did_you_mean(tissue, tissue_names()))
        values[tissue] = sub.cited(tissue, unit) if unit else sub.cited(tissue, low=0, low_open=True)
    sub.finish()
    return values


def _measured_kp(r: Record) -> dict[str, Cited]:
    return _per_tissue(r, "measured_kp", None)


def _permeability_limited(r: Record) -> dict[str, Cited]:
    """Tissues with permeability-limited distribution and their permeability-surface products."""
    limited = _per_tissue(r, "permeability_limited", "L/h")
    if "lung" in limited:
        raise r.error("permeability_limited", "lung", "tissues other than the lung (it is perfusion-limited here)")
    return limited


def _specific_binding(r: Record) -> SpecificBinding:
    binding = SpecificBinding(
        tissue=_known(r, "tissue", tissue_names()),
        target=r.text("target"),
        bmax=r.quantity("Bmax", "umol/L"),
        kd=r.quantity("Kd", "umol/L"),
        source=r.source(),
    )
    r.text("note", required=False)
    r.finish()
    return binding


def _default(value: float | None, default: float) -> float:
    return default if value is None else value


def _known(r: Record, key: str, names: tuple[str, ...]) -> str:
    value = r.text(key)
    if value not in names:
        raise r.error(key, value, f"a known {key} ({', '.join(names)})", did_you_mean(value, names))
    return value
