"""Reading compound files (``compounds/*.yaml``) into a validated :class:`~pbpk.compound.schema.Compound`.

The format is documented in ``docs/compound-format.md``; every error names the
file, line, field, the value found and what was expected.

Examples
--------
>>> mdz = load_compound("midazolam")
>>> mdz.fu_plasma.value
0.031
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pint

from pbpk.compound.clearance import (
    HEPATIC_SYSTEMS,
    REABSORPTION,
    VMAX_UNITS,
    BiliaryElimination,
    Clearance,
    DialysisElimination,
    HepaticPathway,
    HepaticUptake,
    KidneyFailureChange,
    Metabolite,
    RenalElimination,
)
from pbpk.compound.ionization import PKa, charge_class
from pbpk.compound.schema import (
    BINDING_PROTEINS,
    BLOOD_PLASMA_METHODS,
    ENZYME_SITES,
    INTERACTION_SITES,
    INTERACTION_TYPES,
    PARTITION_METHODS,
    Absorption,
    Compound,
    Interaction,
    SpecificBinding,
)
from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.names import (
    SINUSOIDAL_UPTAKE,
    enzyme_names,
    tissue_names,
    transporter_names,
)
from pbpk.core.records import Cited, Record, load_yaml


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


def formed_metabolites(compounds: Sequence[Compound]) -> dict[str, Compound]:
    """The metabolites the compounds' hepatic pathways form (and theirs, in turn), loaded.

    Returns metabolite reference (as written under ``metabolite: compound:``) → compound; a
    reference that names one of ``compounds`` (by name or file) maps to it. A reference is a
    bundled name or a path relative to the file of the compound that forms it.
    """
    walked = list(compounds)
    found: dict[str, Compound] = {}
    for compound in walked:  # the list grows while it is walked: metabolites of metabolites
        for pathway in compound.clearance.hepatic:
            formed = pathway.metabolite
            if formed is None or formed.compound in found:
                continue
            known = next((c for c in walked if formed.compound in (c.name, c.file)), None)
            beside = Path(compound.file).parent / formed.compound
            metabolite = known or load_compound(beside if beside.is_file() else formed.compound)
            if known is None:
                walked.append(metabolite)
            found[formed.compound] = metabolite
    return found


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
        kp_scale=r.cited("kp_scale", required=False, low=0, high=10, low_open=True),
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
        secretion = renal_record.quantity("secretion", "L/h", required=False, positive=False)
        if renal_record.has("transporter") and (secretion is None or secretion.magnitude <= 0):
            raise renal_record.error("transporter", renal_record.raw("transporter"),
                                     "a transporter only with a secretion clearance for it to carry")
        renal = RenalElimination(
            filtration=renal_record.boolean("filtration"),
            source=renal_record.source(),
            gfr_fraction=_default(renal_record.number("gfr_fraction", required=False, low=0, high=1), 1.0),
            secretion=secretion,
            fitted_to=renal_record.text("fitted_to", required=False),
            reabsorption=renal_record.text("reabsorption", required=False, choices=REABSORPTION) or "constant",
            transporter=_known(renal_record, "transporter", transporter_names())
            if renal_record.has("transporter") else None,
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
            transporter=_known(biliary_record, "transporter", transporter_names())
            if biliary_record.has("transporter") else None,
        )
        biliary_record.text("note", required=False)
        biliary_record.finish()
    uptake = _hepatic_uptake(r.record("hepatic_uptake", required=False))
    dialysis_record = r.record("dialysis", required=False)
    dialysis = None
    if dialysis_record is not None:
        dialysis = DialysisElimination(
            clearance=dialysis_record.quantity("clearance", "L/h", example="120 mL/min"),
            source=dialysis_record.source(),
            fitted_to=dialysis_record.text("fitted_to", required=False),
        )
        dialysis_record.text("note", required=False)
        dialysis_record.finish()
    r.finish()
    return Clearance(hepatic=hepatic, renal=renal, biliary=biliary, dialysis=dialysis, hepatic_uptake=uptake)


def _hepatic_uptake(r: Record | None) -> HepaticUptake | None:
    """``hepatic_uptake: {transporters: {OATP1B1: 300 L/h, …}, source: …}``: unbound active uptake clearances."""
    if r is None:
        return None
    transporters = r.record("transporters")
    clearances = {}
    for transporter in transporters.keys():
        if transporter not in SINUSOIDAL_UPTAKE:
            raise transporters.error(transporter, transporter, f"a sinusoidal uptake transporter "
                                     f"({', '.join(SINUSOIDAL_UPTAKE)})", did_you_mean(transporter, SINUSOIDAL_UPTAKE))
        clearances[transporter] = transporters.quantity(transporter, "L/h", example="300 L/h")
    transporters.finish()
    if not clearances:
        raise r.error("transporters", "{}", "at least one transporter with its unbound uptake clearance")
    uptake = HepaticUptake(clearances, r.source(), r.text("fitted_to", required=False))
    r.text("note", required=False)
    r.finish()
    return uptake


def _hepatic(r: Record) -> HepaticPathway:
    enzyme = _known(r, "enzyme", enzyme_names() + ("other",))
    system = r.text("system", choices=tuple(HEPATIC_SYSTEMS))
    source = r.source()
    fitted_to = r.text("fitted_to", required=False)
    r.text("note", required=False)
    metabolite = _metabolite(r.record("metabolite", required=False))
    kidney_failure = _kidney_failure(r.record("kidney_failure", required=False))
    if system == "in_vivo":
        clint = r.quantity("CLint_u", "L/h")
        r.finish()
        return HepaticPathway(enzyme, system, source, clint=clint, fitted_to=fitted_to, metabolite=metabolite,
                              kidney_failure=kidney_failure)
    has_clint = r.has("CLint")
    if has_clint and (r.has("Vmax") or r.has("Km")):
        raise r.error("CLint", r.data["CLint"], "either CLint or Vmax with Km, not both")
    if has_clint:
        clint = r.quantity("CLint", HEPATIC_SYSTEMS[system], example=f"10 {HEPATIC_SYSTEMS[system]}")
        vmax = km = None
    else:
        vmax = r.quantity("Vmax", VMAX_UNITS[system], example=f"850 {VMAX_UNITS[system]}")
        km = r.quantity("Km", "umol/L", example="4 umol/L")
        clint = None
    fu_inc = r.number("fu_inc", low=0, high=1, low_open=True,
                      hint="the unbound fraction in the incubation; write 1 (and say so in the source) if binding was negligible")
    isef = r.number("ISEF", low=0, low_open=True) if system == "rCYP" else None
    r.finish()
    return HepaticPathway(enzyme, system, source, vmax=vmax, km=km, clint=clint, fu_inc=fu_inc, isef=isef,
                          fitted_to=fitted_to, metabolite=metabolite, kidney_failure=kidney_failure)


def _kidney_failure(r: Record | None) -> KidneyFailureChange | None:
    """``kidney_failure: {anephric_fraction: 0.14, source: …, fitted_to: …}``: the pathway's fall in CKD."""
    if r is None:
        return None
    change = KidneyFailureChange(
        float(r.number("anephric_fraction", low=0, high=1,
                       hint="the pathway's activity without kidney function relative to a healthy person's")),
        r.source(), r.text("fitted_to", required=False))
    r.text("note", required=False)
    r.finish()
    return change


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
    if r.has("efflux_transporter") and (model != "first_order" or r.number("fa", low=0, high=1, low_open=True) >= 1):
        raise r.error("efflux_transporter", r.raw("efflux_transporter"),
                      "an efflux transporter only with first-order absorption and fa < 1",
                      "the efflux is what leaves the unabsorbed part 1 - fa")
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
        efflux_transporter=_known(r, "efflux_transporter", transporter_names()) if r.has("efflux_transporter") else None,
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
    sites = r.raw("sites", required=False) or []
    allowed = INTERACTION_SITES if target in transporter_names() else ENZYME_SITES
    if not isinstance(sites, list) or len(set(map(str, sites))) != len(sites) or not all(s in allowed for s in sites):
        raise r.error("sites", sites, f"a list of distinct sites from {', '.join(allowed)} for {target}")
    r.finish()
    return Interaction(target, kind, source, fitted_to=fitted_to, sites=tuple(sites), **values)


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
