"""The population database, ``physiology_db/populations.yaml``: body size, ethnicities, variability, genotypes.

Read once (:func:`population_data`); each block keeps its source. Ethnicities give
the reference body size (height cm, weight kg, cardiac output L/h) and hepatic
activity factors; genotypes give CPIC phenotype activities and frequencies per
CPIC group; growth charts are the CDC 2000 LMS tables by month of age.

Examples
--------
>>> data = population_data()
>>> sorted(data.ethnicities)
['chinese', 'european', 'japanese']
>>> data.ethnicities["japanese"].cpic_group
'East Asian'
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from pbpk.core.datafiles import data_dir
from pbpk.core.records import Record, load_yaml


@dataclass(frozen=True)
class Ethnicity:
    name: str
    source: str
    cpic_group: str
    body: dict[str, dict[str, float]]  # sex → height (cm), weight (kg)[, cardiac_output (L/h)]
    hepatic_activity: dict[str, float]


@dataclass(frozen=True)
class Genotype:
    gene: str
    source: str
    activity: dict[str, float]
    frequency: dict[str, dict[str, float]]


@dataclass(frozen=True)
class PopulationData:
    height_cv: float
    weight_cv: float
    ethnicities: dict[str, Ethnicity]
    organ_cv: dict[str, dict]
    blood_cv: float
    flow_cv: float
    gfr_cv: float
    enzyme_cv: dict[str, float]
    genotypes: dict[str, Genotype]
    growth: dict[str, dict]  # sex → {"months", "weight": {L, M, S}, "height": {L, M, S}}
    sources: dict[str, str]


@cache
def population_data(database: str | Path | None = None) -> PopulationData:
    """The population database (read once)."""
    folder = Path(database) if database is not None else data_dir("physiology_db")
    r = Record(load_yaml(folder / "populations.yaml"),
               str(folder / "populations.yaml") if database is not None else "physiology_db/populations.yaml")
    sources: dict[str, str] = {}
    body = r.record("body_size")
    sources["body_size"] = body.source()
    height_cv, weight_cv = body.number("height_cv", low=0, high=1), body.number("weight_cv", low=0, high=1)
    body.finish()
    table = r.record("ethnicities")
    ethnicities = {name: _ethnicity(name, table.record(name)) for name in table.keys()}
    table.finish()
    organs = r.record("organ_mass")
    sources["organ_mass"] = organs.source()
    rows = organs.record("rows")
    organ_cv = {}
    for name in rows.keys():
        row = rows.record(name)
        organ_cv[name] = {"male": row.number("male", low=0, high=2), "female": row.number("female", low=0, high=2),
                          "distribution": row.text("distribution", choices=("normal", "lognormal"))}
        row.text("note", required=False)
        row.finish()
    rows.finish()
    organs.finish()
    cvs = {}
    for key in ("blood_volume", "blood_flow", "glomerular_filtration"):
        block = r.record(key)
        sources[key] = block.source()
        cvs[key] = block.number("cv", low=0, high=2)
        block.finish()
    enzymes = r.record("enzyme_abundance")
    sources["enzyme_abundance"] = enzymes.source()
    cv_table = enzymes.record("cv")
    enzyme_cv = {name: cv_table.number(name, low=0, high=5) for name in cv_table.keys()}
    cv_table.finish()
    enzymes.finish()
    genes = r.record("genotypes")
    genotypes = {gene: _genotype(gene, genes.record(gene)) for gene in genes.keys()}
    genes.finish()
    growth_block = r.record("growth_charts")
    sources["growth_charts"] = growth_block.source()
    growth = _growth_charts(growth_block)
    r.finish()
    return PopulationData(height_cv, weight_cv, ethnicities, organ_cv, cvs["blood_volume"], cvs["blood_flow"],
                          cvs["glomerular_filtration"], enzyme_cv, genotypes, growth, sources)


def _growth_charts(r: Record) -> dict[str, dict]:
    months = _numbers(r, "age_months", None)
    if months[0] != 0 or np.any(np.diff(months) <= 0):
        raise r.error("age_months", months, "increasing ages in months from 0")
    charts = {}
    for sex in ("male", "female"):
        block = r.record(sex)
        charts[sex] = {"months": np.array(months)}
        for measure, unit in (("weight", "kg"), ("height", "cm")):
            table = block.record(measure)
            if table.text("unit") != unit:
                raise table.error("unit", table.raw("unit"), unit)
            charts[sex][measure] = {key: np.array(_numbers(table, key, len(months))) for key in "LMS"}
            table.finish()
        block.finish()
    r.finish()
    return charts


def _numbers(r: Record, key: str, length: int | None) -> list[float]:
    values = r.raw(key, expected="a list of numbers")
    if (not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            or (length is not None and len(values) != length)):
        raise r.error(key, values, f"a list of {length or ''} numbers".replace("  ", " "))
    return [float(v) for v in values]


def _ethnicity(name: str, r: Record) -> Ethnicity:
    source = r.source()
    group = r.text("cpic_group")
    body = {}
    for sex in ("male", "female"):
        block = r.record(sex)
        values = {"height": block.quantity("height", "cm").to("cm").magnitude,
                  "weight": block.quantity("weight", "kg").to("kg").magnitude}
        output = block.quantity("cardiac_output", "L/h", required=False)
        if output is not None:
            values["cardiac_output"] = output.to("L/h").magnitude
        block.finish()
        body[sex] = values
    activity = r.record("hepatic_activity", required=False)
    hepatic = {}
    if activity is not None:
        hepatic = {enzyme: activity.number(enzyme, low=0, low_open=True) for enzyme in activity.keys()}
        activity.finish()
    r.finish()
    return Ethnicity(name, source, group, body, hepatic)


def _genotype(gene: str, r: Record) -> Genotype:
    source = r.source()
    activity_block = r.record("activity")
    activity = {label: activity_block.number(label, low=0) for label in activity_block.keys()}
    activity_block.finish()
    frequency_block = r.record("frequency")
    frequency = {}
    for group in frequency_block.keys():
        row = frequency_block.record(group)
        frequency[group] = {label: row.number(label, low=0, high=100) for label in row.keys()}
        unknown = set(frequency[group]) - set(activity)
        if unknown:
            raise row.error(sorted(unknown)[0], sorted(unknown)[0], f"a phenotype with an activity ({', '.join(activity)})")
        row.finish()
    frequency_block.finish()
    r.finish()
    return Genotype(gene, source, activity, frequency)


__all__ = ["Ethnicity", "Genotype", "PopulationData", "population_data"]
