"""Children from birth to adulthood: the reference child at any age, term or preterm.

``child(age, sex)`` builds an :class:`~pbpk.physiology.Individual` with the same
organs as the reference adult, from ``physiology_db/pediatric.yaml`` and
``physiology_db/ontogeny.yaml``:

* organ masses, body weight and height, blood volume and cardiac output from
  the ICRP 89 age tables (newborn, 1, 5, 10, 15 y; the adult from ``adult_from``),
  linear in age between the table ages, then scaled to the given body weight
  (organs and blood ∝ weight, cardiac output ∝ weight^0.75); from ``adult_from`` on, the
  adult of that age, height and weight (:func:`pbpk.physiology.adults.adult`);
* regional blood flows by Abraham et al. 2005 (Arch Toxicol 79:63): each organ
  gets the adult flow per tissue volume times its own volume, kidney flow per
  gram is age-independent, brain flow per gram follows Chiron et al. 1992, and
  the other organs are rescaled to the cardiac output;
* haematocrit by age, albumin and AGP (so fu rescales), GFR by postmenstrual age
  and weight (Rhodin et al. 2009), tubular secretion as GFR times its maturity over
  filtration's by postnatal age (Hayton 2000), MPPGL that of the adult at ``adult_from`` (no age
  effect in children, Leeder et al. 2022), hepatic and
  intestinal enzyme activities by an ontogeny set (:mod:`pbpk.physiology.ontogeny`), hepatic
  transporters (P-gp, OATP1B3, OCT1) by Prasad 2016 whatever the set.

A preterm infant (``gestational_age`` < 40 weeks) has the organ proportions of
the term child of the same *corrected* age (postnatal age − weeks born early)
and needs its body weight while its corrected age is below 0. GFR and the
PK-Sim enzyme functions follow its postmenstrual age; the other functions are on
postnatal age, as published.

Kept at adult values, as limitations: tissue composition (neonatal tissues hold
more water), hepatocytes per gram, intestinal radius and transit time.

Examples
--------
>>> from pbpk.physiology.pediatrics import child
>>> boy = child("5 year", "male")
>>> boy.body_weight.to("kg"), round(boy.cardiac_output.to("L/min").magnitude, 2)
(<Quantity(19.0, 'kilogram')>, 3.4)
>>> round(boy.gfr.to("mL/min").magnitude, 1)                         # Rhodin: 121.2·(19/70)^0.75·maturation
45.5
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pint

from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import Quantity, parse_quantity
from pbpk.physiology.adults import adult as adult_of
from pbpk.physiology.adults import microsomal_protein_per_gram
from pbpk.physiology.individual import SEXES, Individual, Sex
from pbpk.physiology.ontogeny import (
    agp_ratio,
    albumin_ratio,
    enzyme_activities,
    gfr_maturation,
    hepatic_transporter_activities,
    microsomal_protein_ratio,
    ontogeny_data,
    secretion_maturities,
)
from pbpk.physiology.reference import reference_individual


@dataclass(frozen=True)
class AgeTables:
    """The pediatric tables of one sex, with the adult appended at ``adult_from`` (ages in years)."""

    ages: np.ndarray
    body_weight: np.ndarray  # kg
    height: np.ndarray  # cm
    tissue_mass: dict[str, np.ndarray]  # g, per model tissue
    blood_volume: np.ndarray  # L
    cardiac_output: np.ndarray  # L/h
    urine_flow: np.ndarray  # L/h
    brain_flow_per_gram: np.ndarray  # L/h/g
    haematocrit_days: np.ndarray
    haematocrit: np.ndarray
    sources: dict[str, str]


def child(age: str | pint.Quantity, sex: Sex = "male", *, weight: str | pint.Quantity | None = None,
          height: str | pint.Quantity | None = None, gestational_age: str | pint.Quantity = "40 week",
          ontogeny: str | None = None, database: str | Path | None = None) -> Individual:
    """The reference child of ``sex`` at postnatal ``age`` (an adult from ``adult_from`` on).

    ``weight`` and ``height`` default to the ICRP 89 values for the age;
    ``gestational_age`` at birth (default term, 40 weeks) sets the
    postmenstrual age; ``ontogeny`` names an enzyme ontogeny set.
    """
    if sex not in SEXES:
        raise PbpkInputError("child", "sex", sex, "male or female")
    age_q = _quantity(age, "year", "age", "2 year")
    gestation = _quantity(gestational_age, "week", "gestational_age", "32 week")
    if age_q.to("year").magnitude < 0:
        raise PbpkInputError("child", "age", str(age), "a postnatal age ≥ 0")
    data = ontogeny_data(database)
    term = data.term_gestation.to("week").magnitude
    weeks = gestation.to("week").magnitude
    if not 22 <= weeks <= 44:
        raise PbpkInputError("child", "gestational_age", str(gestational_age), "22 to 44 weeks")
    adult = reference_individual(sex, database=database)
    tables = age_tables(sex, database)
    corrected = age_q.to("year").magnitude - max(term - weeks, 0.0) / 52.1775
    if corrected < 0 and weight is None:
        raise PbpkInputError("child", "weight", None, f"the body weight of a preterm infant born at {weeks:g} weeks "
                             f"(corrected age {corrected * 52.1775:.1f} weeks)",
                             "the ICRP tables start at term birth; give weight, e.g. weight='1.2 kg'")
    years = max(corrected, 0.0)
    if years >= tables.ages[-1]:  # from adult_from: the adult of this age and size
        return adult_of(sex, age=age_q.to("year"), height=height, weight=weight, database=database)

    typical_weight = _at(tables.ages, tables.body_weight, years)
    body_weight = _quantity(weight, "kg", "weight", "12 kg").to("kg").magnitude if weight is not None else typical_weight
    if body_weight <= 0:
        raise PbpkInputError("child", "weight", str(weight), "a positive body weight")
    size = body_weight / typical_weight
    masses = {name: _at(tables.ages, values, years) * size for name, values in tables.tissue_mass.items()}
    cardiac_output = _at(tables.ages, tables.cardiac_output, years) * size ** 0.75
    tissues = _tissues(adult, masses, cardiac_output, _at(tables.ages, tables.brain_flow_per_gram, years))
    blood = _at(tables.ages, tables.blood_volume, years) * size
    hct = float(np.interp(years * 365.25, tables.haematocrit_days, tables.haematocrit))
    postmenstrual = Quantity(weeks + age_q.to("week").magnitude, "week")
    adult_weight = adult.body_weight.to("kg").magnitude
    gfr = adult.gfr * (body_weight / adult_weight) ** 0.75 * gfr_maturation(postmenstrual, database) \
        / gfr_maturation(Quantity(term, "week") + data.adult_age, database)
    postnatal = age_q.to("year")
    gut_mass_ratio = masses["gut"] / adult.tissues["gut"].mass.to("g").magnitude
    gut_flow_ratio = float((tissues["gut"].blood_flow / adult.tissues["gut"].blood_flow).to("").magnitude)
    sources = {**adult.sources, **tables.sources, **{f"ontogeny.{k}": v for k, v in data.sources.items()}}
    enzymes = _enzymes(postnatal, gestation, ontogeny, sources, database)
    sources["regional_blood_flow"] = ("Abraham K et al. Arch Toxicol 2005;79:63 (adult flow per tissue volume, "
                                      "kidney per gram age-independent, brain per Chiron 1992, rescaled to cardiac output)")
    return replace(
        adult,
        age=age_q.to("year"),
        body_weight=Quantity(body_weight, "kg"),
        height=_quantity(height, "cm", "height", "110 cm") if height is not None
        else Quantity(_at(tables.ages, tables.height, years), "cm"),
        cardiac_output=Quantity(cardiac_output, "L/h"),
        tissues=tissues,
        red_cell_volume=Quantity(blood * hct, "L"),
        plasma_volume=Quantity(blood * (1.0 - hct), "L"),
        albumin=adult.albumin * albumin_ratio(postnatal, database),
        alpha1_acid_glycoprotein=adult.alpha1_acid_glycoprotein * agp_ratio(postnatal, database),
        gfr=gfr.to("L/h"),
        secretion_maturity=secretion_maturities(postnatal, database),
        urine_flow=Quantity(_at(tables.ages, tables.urine_flow, years) * size, "L/h"),
        microsomal_protein_per_gram=microsomal_protein_per_gram(data.adult_age, database)
        * microsomal_protein_ratio(postnatal, database),
        **enzymes,
        intestinal_abundance={e: a * gut_mass_ratio for e, a in adult.intestinal_abundance.items()},
        villous_blood_flow=adult.villous_blood_flow * gut_flow_ratio,
        intestinal_absorptive_area=adult.intestinal_absorptive_area * gut_mass_ratio ** (2.0 / 3.0),
        sources=sources,
    )


def _enzymes(postnatal: pint.Quantity, gestation: pint.Quantity, ontogeny: str | None, sources: dict[str, str],
             database: str | Path | None) -> dict:
    """The child's enzyme fields: activities by ``ontogeny`` with fallbacks (sources gets their sets)."""
    data = ontogeny_data(database)
    name = ontogeny or data.default_set
    fields: dict = {"ontogeny_set": name}
    stand_ins: dict[str, str] = {}
    for organ, key in (("liver", "hepatic_activity"), ("intestine", "intestinal_activity")):
        fields[key], lacking = enzyme_activities(organ, postnatal, ontogeny=name, gestational_age=gestation,
                                                 database=database)
        stand_ins.update({f"{organ}.{enzyme}": used for enzyme, used in lacking.items()})
    fields["hepatic_activity"] = {**fields["hepatic_activity"], **hepatic_transporter_activities(postnatal, database)}
    sources["enzyme_activity"] = data.sets[name].source
    for used in sorted(set(stand_ins.values())):
        sources[f"enzyme_activity.fallback.{used}"] = data.sets[used].source
    # the default set's fallbacks are part of the documented default; a chosen set's are warned about on use
    fields["ontogeny_fallbacks"] = {} if name == data.default_set else stand_ins
    return fields


def growing_child(age: str | pint.Quantity, sex: Sex = "male", *, weight: str | pint.Quantity | None = None,
                  gestational_age: str | pint.Quantity = "40 week", ontogeny: str | None = None,
                  database: str | Path | None = None) -> Callable[[float], Individual]:
    """The child ``t`` hours after ``age``, for :func:`pbpk.simulation.simulate.simulate_changing`.

    Organs, flows and maturation follow the age; a given ``weight`` grows in
    proportion to the ICRP weight-for-age curve (at the corrected age; no growth
    is modelled before a preterm infant reaches term-equivalent age).
    """
    start = _quantity(age, "year", "age", "2 week").to("year").magnitude
    born_early = max(ontogeny_data(database).term_gestation.to("week").magnitude
                     - _quantity(gestational_age, "week", "gestational_age", "32 week").to("week").magnitude, 0.0)
    initial = _quantity(weight, "kg", "weight", "3 kg").to("kg").magnitude if weight is not None else None

    def at(hours: float) -> Individual:
        years = start + hours / (24.0 * 365.25)
        grown = None
        if initial is not None:
            tables = age_tables(sex, database)
            corrected = lambda y: max(y - born_early / 52.1775, 0.0)  # noqa: E731
            grown = initial * _at(tables.ages, tables.body_weight, corrected(years)) \
                / _at(tables.ages, tables.body_weight, corrected(start))
        return child(Quantity(years, "year"), sex, weight=None if grown is None else Quantity(grown, "kg"),
                     gestational_age=gestational_age, ontogeny=ontogeny, database=database)

    return at


def _tissues(adult: Individual, masses: dict[str, float], cardiac_output: float, brain_per_gram: float):
    """Organs at the child's masses, with flows by Abraham et al. 2005 (L/h)."""
    flows = {}
    for name, tissue in adult.tissues.items():
        if "lung" in tissue.roles:
            continue
        per_gram = (tissue.blood_flow / tissue.mass).to("L/h/g").magnitude
        flows[name] = per_gram * masses[name]
    fixed = {"kidney": flows["kidney"], "brain": brain_per_gram * masses["brain"]}
    scaled = {name: flow for name, flow in flows.items() if name not in fixed}
    factor = (cardiac_output - sum(fixed.values())) / sum(scaled.values())
    if factor <= 0:
        raise PbpkInputError("physiology_db/pediatric.yaml", "cardiac_output", cardiac_output,
                             "a cardiac output larger than kidney and brain flows together")
    result = {}
    for name, tissue in adult.tissues.items():
        flow = cardiac_output if "lung" in tissue.roles else fixed.get(name, scaled.get(name, 0.0) * factor)
        result[name] = replace(tissue, mass=Quantity(masses[name] / 1000.0, "kg"), blood_flow=Quantity(flow, "L/h"))
    return result


def _at(ages: np.ndarray, values: np.ndarray, years: float) -> float:
    return float(np.interp(years, ages, values))


def _quantity(value: str | pint.Quantity, unit: str, field: str, example: str) -> pint.Quantity:
    if isinstance(value, pint.Quantity):
        if not value.is_compatible_with(unit):
            raise PbpkInputError("child", field, str(value), f"a quantity in units like {unit}")
        return value
    return parse_quantity(value, unit, where="child", field=field, example=example)


# -- reading pediatric.yaml -------------------------------------------------------------------------
@cache
def age_tables(sex: Sex, database: str | Path | None = None) -> AgeTables:
    """The ICRP age tables of one sex, per model tissue, with the reference adult appended."""
    folder = Path(database) if database is not None else data_dir("physiology_db")
    r = Record(load_yaml(folder / "pediatric.yaml"), _where(folder, database, "pediatric.yaml"))
    adult_rows = _adult_rows(folder, database)
    adult = reference_individual(sex, database=database)
    sources: dict[str, str] = {}
    adult_from = r.cited("adult_from", "year")
    ages = _ages(r)
    n = len(ages)
    body = r.record("anthropometry")
    sources["anthropometry"] = body.source()
    block = body.record(sex)
    weight = _series(block, "body_weight", n)
    height = _series(block, "height", n)
    if block.text("unit_weight") != "kg" or block.text("unit_height") != "cm":
        raise block.error("unit_weight", block.raw("unit_weight"), "kg (and cm for unit_height)")
    block.finish()
    body.finish(extra_known=[s for s in SEXES if s != sex])
    masses = _tissue_masses(r.record("organ_mass"), sex, n, adult_rows, sources)
    blood_block = r.record("blood_volume")
    sources["blood_volume"] = blood_block.source()
    blood = _series(blood_block, sex, n) * _factor(blood_block, "L")
    blood_block.finish(extra_known=list(SEXES))
    urine_block = r.record("urine_flow")
    sources["urine_flow"] = urine_block.source()
    urine = _series(urine_block, sex, n) * _factor(urine_block, "L/h")
    urine_block.finish(extra_known=list(SEXES))
    output = r.record("cardiac_output")
    sources["cardiac_output"] = output.source()
    cardiac = _series(output, sex, n) * _factor(output, "L/h")
    output.finish(extra_known=list(SEXES))
    brain = r.record("brain_blood_flow")
    sources["brain_blood_flow"] = brain.source()
    brain_flow = _series(brain, "values", n) * _factor(brain, "L/h/g")
    brain.finish()
    kidney = r.record("kidney_flow_per_gram")
    sources["kidney_blood_flow"] = kidney.source()
    if kidney.boolean("age_independent") is not True:
        raise kidney.error("age_independent", False, "true (the only kidney-flow model pbpk implements)")
    kidney.finish()
    hct_block = r.record("haematocrit")
    sources["haematocrit"] = hct_block.source()
    days = np.array(_list(hct_block, "ages_days", None))
    hct = _series(hct_block, sex, len(days))
    hct_block.text("note", required=False)
    hct_block.finish(extra_known=list(SEXES))
    r.finish()
    if np.any(np.diff(days) <= 0) or np.any((hct <= 0) | (hct >= 1)):
        raise PbpkInputError(r.where("haematocrit"), "haematocrit", hct.tolist(), "increasing ages and fractions in (0, 1)")

    adult_age = adult_from.value.to("year").magnitude
    if adult_age <= ages[-1]:
        raise r.error("adult_from", adult_from.value, f"an age after the last table age ({ages[-1]:g} y)")
    adult_masses = {name: tissue.mass.to("g").magnitude for name, tissue in adult.tissues.items()}
    adult_brain = (adult.tissues["brain"].blood_flow / adult.tissues["brain"].mass).to("L/h/g").magnitude
    return AgeTables(
        ages=np.append(ages, adult_age),
        body_weight=np.append(weight, adult.body_weight.to("kg").magnitude),
        height=np.append(height, adult.height.to("cm").magnitude),
        tissue_mass={name: np.append(values, adult_masses[name]) for name, values in masses.items()},
        blood_volume=np.append(blood, adult.blood_volume.to("L").magnitude),
        cardiac_output=np.append(cardiac, adult.cardiac_output.to("L/h").magnitude),
        urine_flow=np.append(urine, adult.urine_flow.to("L/h").magnitude),
        brain_flow_per_gram=np.append(brain_flow, adult_brain),
        haematocrit_days=np.append(days, adult_age * 365.25),
        haematocrit=np.append(hct, adult.haematocrit),
        sources=sources,
    )


def _where(folder: Path, database, name: str) -> str:
    return str(folder / name) if database is not None else f"physiology_db/{name}"


def _adult_rows(folder: Path, database) -> dict[str, str]:
    """Row name → model tissue, from the organ_mass table of adult_reference.yaml."""
    rows = load_yaml(folder / "adult_reference.yaml")["organ_mass"]["rows"]
    return {name: row["tissue"] for name, row in rows.items()}


def _ages(r: Record) -> np.ndarray:
    raw = r.raw("ages", expected="a list of ages such as [0 year, 1 year]")
    if not isinstance(raw, list) or not raw:
        raise r.error("ages", raw, "a list of ages such as [0 year, 1 year]")
    ages = np.array([parse_quantity(a, "year", where=r.where("ages"), field=r.field("ages")).to("year").magnitude
                     for a in raw])
    if ages[0] != 0 or np.any(np.diff(ages) <= 0):
        raise r.error("ages", raw, "increasing ages starting at 0 year (birth)")
    return ages


def _list(r: Record, key: str, length: int | None) -> list[float]:
    values = r.raw(key, expected="a list of numbers")
    if (not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            or (length is not None and len(values) != length)):
        count = f"{length} " if length is not None else ""
        raise r.error(key, values, f"a list of {count}numbers (one per age)")
    return [float(v) for v in values]


def _series(r: Record, key: str, length: int) -> np.ndarray:
    values = np.array(_list(r, key, length))
    if np.any(values < 0):
        raise r.error(key, values.tolist(), "values ≥ 0")
    return values


def _factor(r: Record, target: str) -> float:
    """Conversion of the block's ``unit`` to ``target``."""
    unit = r.text("unit")
    return parse_quantity(f"1 {unit}", target, where=r.where("unit"), field=r.field("unit")).to(target).magnitude


def _tissue_masses(r: Record, sex: Sex, n: int, adult_rows: dict[str, str], sources: dict[str, str]) -> dict:
    sources["organ_mass"] = r.source()
    factor = _factor(r, "g")
    rows = r.record("rows")
    missing = sorted(set(adult_rows) - set(rows.keys()))
    if missing:
        raise rows.error(missing[0], None, "a row for every organ_mass row of adult_reference.yaml")
    totals: dict[str, np.ndarray] = {}
    for name in rows.keys():
        if name not in adult_rows:
            raise rows.error(name, name, "a row name of adult_reference.yaml organ_mass")
        row = rows.record(name)
        values = _series(row, sex, n) * factor
        row.text("note", required=False)
        row.finish(extra_known=list(SEXES))
        tissue = adult_rows[name]
        totals[tissue] = totals.get(tissue, np.zeros(n)) + values
    rows.finish()
    r.finish()
    return totals


__all__ = ["child", "growing_child", "age_tables", "AgeTables"]
