"""Hepatic impairment: a person with liver cirrhosis of Child-Pugh class A, B or C.

``hepatic_impairment(person, "B")`` applies the class factors of
``physiology_db/hepatic_impairment.yaml`` (Li et al. 2015 meta-analysis; PK-Sim's values from
Edginton & Willmann 2008 and Johnson et al. 2010), each on the person's own value:

* functional liver mass (liver size factor); hepatic CYP abundances per enzyme;
* blood flows: hepatic artery up, kidney down, cardiac output up; the portal organs keep their
  outflow, of which a fraction 1 − (portal vein flow factor) is shunted past the liver into the
  venous blood (the model's ``f_shunt``); the other organs (not brain, lung, liver, kidney or portal
  organs) take the rest of the cardiac output;
* albumin and AGP (so fu rescales, :mod:`pbpk.disposition.binding`), haematocrit (blood volume kept)
  and GFR.

Examples
--------
>>> from pbpk.physiology import reference_individual
>>> man = reference_individual("male")
>>> cirrhotic = hepatic_impairment(man, "C")
>>> round(cirrhotic.portal_shunt_fraction, 2), round(cirrhotic.enzyme_activity("CYP3A4"), 2)
(0.87, 0.4)
>>> round((cirrhotic.cardiac_output / man.cardiac_output).magnitude, 2)
1.3
>>> cirrhotic.conditions["hepatic"]
'Child-Pugh C'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from pbpk.core.errors import PbpkInputError
from pbpk.core.names import SINUSOIDAL_UPTAKE, database_file
from pbpk.core.records import Record, check_choice
from pbpk.physiology.individual import Individual

CLASSES = ("A", "B", "C")
ROWS = ("cardiac_output", "hepatic_artery_flow", "portal_vein_flow", "liver_size", "albumin", "kidney_flow", "gfr",
        "alpha1_acid_glycoprotein", "haematocrit")
#: Organs whose flow is set by their own factor or kept; the others take the rest of the cardiac output.
KEPT = ("brain",)


@dataclass(frozen=True)
class HepaticData:
    """``hepatic_impairment.yaml``: factor per row and class, enzyme factors per class, uptake-transporter
    factors for the classes that have one, sources."""

    factors: dict[str, dict[str, float]]  # row → class → factor
    enzymes: dict[str, dict[str, float]]  # enzyme → class → factor
    transporters: dict[str, dict[str, float]]  # transporter → class → factor (not every class)
    sources: dict[str, str]


def child_pugh_class(text: str) -> str:
    """``"B"``, ``"Child-Pugh B"``, ``"CP-B"`` → ``"B"``."""
    word = str(text).strip().upper().replace("CHILD-PUGH", "").replace("CHILD PUGH", "").replace("CP-", "").strip()
    if word not in CLASSES:
        raise PbpkInputError("hepatic_impairment", "child_pugh", text, 'a Child-Pugh class: A, B or C ("Child-Pugh B")')
    return word


def hepatic_impairment(person: Individual, child_pugh: str, *, database: str | Path | None = None) -> Individual:
    """``person`` with cirrhosis of Child-Pugh class ``child_pugh`` (see the module docstring)."""
    grade = child_pugh_class(child_pugh)
    if "hepatic" in person.conditions:
        raise PbpkInputError("hepatic_impairment", "person", person.conditions["hepatic"],
                             "a person without liver cirrhosis (it is not applied twice)")
    data = hepatic_data(database)
    f = {row: values[grade] for row, values in data.factors.items()}
    tissues = dict(person.tissues)
    liver = tissues["liver"]
    tissues["liver"] = replace(liver, mass=liver.mass * f["liver_size"],
                               blood_flow=liver.blood_flow * f["hepatic_artery_flow"])
    kidney = tissues["kidney"]
    tissues["kidney"] = replace(kidney, blood_flow=kidney.blood_flow * f["kidney_flow"])
    cardiac_output = person.cardiac_output * f["cardiac_output"]
    fixed = {"liver", "kidney", *KEPT} | {t.name for t in person.tissues.values() if t.roles & {"portal", "lung", "fetus",
                                                                                              "placenta"}}
    others = [name for name in tissues if name not in fixed]
    assigned = sum((tissues[n].blood_flow for n in tissues if n in fixed and "lung" not in tissues[n].roles
                    and "fetus" not in tissues[n].roles), 0 * cardiac_output)
    before = sum((tissues[n].blood_flow for n in others), 0 * cardiac_output)
    scale = ((cardiac_output - assigned) / before).to("").magnitude
    if scale <= 0:
        raise PbpkInputError("hepatic_impairment", "cardiac_output", f"{cardiac_output:~P}",
                             "a cardiac output larger than the flows the class fixes")
    for name in others:
        tissues[name] = replace(tissues[name], blood_flow=tissues[name].blood_flow * scale)
    lung = next(t for t in tissues.values() if "lung" in t.roles)
    tissues[lung.name] = replace(lung, blood_flow=cardiac_output)
    hct = person.haematocrit * f["haematocrit"]
    blood = person.blood_volume
    activity = {**person.hepatic_activity,
                **{e: person.enzyme_activity(e) * factors[grade] for e, factors in data.enzymes.items()},
                **{t: person.enzyme_activity(t) * factors[grade] for t, factors in data.transporters.items()
                   if grade in factors}}
    return replace(
        person, tissues=tissues, cardiac_output=cardiac_output, portal_shunt_fraction=1.0 - f["portal_vein_flow"],
        albumin=person.albumin * f["albumin"], alpha1_acid_glycoprotein=person.alpha1_acid_glycoprotein
        * f["alpha1_acid_glycoprotein"], red_cell_volume=blood * hct, plasma_volume=blood * (1.0 - hct),
        gfr=person.gfr * f["gfr"], hepatic_activity=activity,
        conditions={**person.conditions, "hepatic": f"Child-Pugh {grade}"},
        sources={**person.sources, **{f"hepatic_impairment.{k}": v for k, v in data.sources.items()}})


@cache
def hepatic_data(database: str | Path | None = None) -> HepaticData:
    """``hepatic_impairment.yaml`` of the physiology database (read once per folder)."""
    folder = Path(database) if database is not None else None
    r = Record(database_file("hepatic_impairment.yaml", folder),
               str(folder / "hepatic_impairment.yaml") if folder else "physiology_db/hepatic_impairment.yaml")
    if r.raw("classes") != list(CLASSES):
        raise r.error("classes", r.raw("classes"), "[A, B, C]")
    sources: dict[str, str] = {}
    rows = r.record("rows")
    factors = {}
    for name in ROWS:
        row = rows.record(name)
        sources[name] = row.source()
        factors[name] = {grade: row.number(grade, low=0, low_open=True, high=5) for grade in CLASSES}
        row.finish()
    rows.finish()
    if any(factors["portal_vein_flow"][g] > 1 for g in CLASSES):
        raise rows.error("portal_vein_flow", factors["portal_vein_flow"], "factors ≤ 1 (the rest is shunted)")
    enzymes = _class_factors(r, "enzymes", sources)
    transporters = _class_factors(r, "transporters", sources, names=SINUSOIDAL_UPTAKE)
    r.finish()
    return HepaticData(factors, enzymes, transporters, sources)


def _class_factors(r: Record, key: str, sources: dict[str, str], names: tuple[str, ...] | None = None
                   ) -> dict[str, dict[str, float]]:
    """The ``key`` table: a factor per protein and class. With ``names`` (the proteins allowed) a row may give only
    the classes a source has; without, every row gives all three."""
    table = r.record(key)
    sources[key] = table.source()
    factors = {}
    for name in table.keys():
        if name == "source":
            continue
        if names is not None:
            check_choice(name, names, where=table.where(name), field=key)
        row = table.record(name)
        grades = CLASSES if names is None else [grade for grade in CLASSES if grade in row.keys()]
        factors[name] = {grade: row.number(grade, low=0, high=2) for grade in grades}
        row.finish()
    table.finish()
    return factors


def transporters_without_factor(transporters: Iterable[str], person: Individual,
                                database: str | Path | None = None) -> list[str]:
    """Those of ``transporters`` that keep their healthy abundance in ``person``'s cirrhosis class for want of a
    factor (none if ``person`` has no cirrhosis)."""
    if "hepatic" not in person.conditions:
        return []
    grade = child_pugh_class(person.conditions["hepatic"])
    known = hepatic_data(database).transporters
    return sorted(t for t in transporters if grade not in known.get(t, {}))


__all__ = ["hepatic_impairment", "child_pugh_class", "hepatic_data", "transporters_without_factor", "HepaticData",
           "CLASSES"]
