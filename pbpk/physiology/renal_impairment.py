"""Renal impairment: a person given a target GFR, with the changes chronic kidney disease brings.

``renal_impairment(person, gfr)`` follows the PK-Sim CKD population method (Malik et al.
2020; ``physiology_db/renal_impairment.yaml``): with ``gfr`` per 1.73 m² below the person's
healthy GFR, kidney volume and kidney blood flow follow the published fits (the cardiac output
loses the kidney's lost flow), the GFR is set, haematocrit falls by the creatinine-clearance
band, the plasma unbound fraction rises by the category's multiplier and small-intestinal
transit slows. Tubular secretion follows GFR (intact nephrons). Enzymes and transporters are
unchanged (see the YAML); the person's ``kidney_function`` (GFR over the healthy GFR) lets a
compound's pathway that is known to fall in kidney failure do so (its ``kidney_failure`` block).
A GFR at or above the healthy one (augmented renal clearance) sets only the GFR. ``dialysis=True`` applies the dialysis rows (haematocrit, fu, transit).

Stage words (``"G4"``, ``"CKD 3b"``, ``"severe"``, ``"ESRD"``, ``"ARC"``, ``"eGFR 15-29"``) map to GFR
ranges by :func:`stage_range`.

Examples
--------
>>> from pbpk.physiology.adults import adult
>>> man = adult("male", age="60 year")
>>> ckd = renal_impairment(man, "22 mL/min")          # per 1.73 m²
>>> round(ckd.gfr.to("mL/min").magnitude, 1), ckd.unbound_fraction_factor
(24.0, 1.16)
>>> round(ckd.haematocrit / man.haematocrit, 3)         # 41.7 / 45.5
0.916
>>> ckd.conditions["renal"]
'GFR 22 mL/min/1.73 m² (stage 4)'
>>> stage_range("CKD 3b"), stage_range("ESRD")
((30.0, 44.0, False), (1.0, 10.0, True))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pint

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.names import database_file
from pbpk.core.records import Record
from pbpk.core.units import Quantity
from pbpk.physiology.body_size import body_surface_area
from pbpk.physiology.individual import SEXES, Individual
from pbpk.physiology.renal_function import absolute_gfr, gfr_quantity, indexed_gfr

DIALYSIS_BELOW = 15.0  # mL/min/1.73 m²: dialysis is for kidney failure, KDIGO G5


@dataclass(frozen=True)
class Category:
    """A CKD category from its lower GFR limit (mL/min/1.73 m²): fu and transit multipliers."""

    name: str
    lower: float
    fu: float
    transit: float


@dataclass(frozen=True)
class RenalData:
    """``physiology_db/renal_impairment.yaml``, read and checked."""

    kidney_volume: tuple[float, float, float]  # a, b, c of exp(a g² + b g + c)
    perfusion: tuple[float, float, float]
    categories: tuple[Category, ...]  # highest first
    dialysis: Category
    hct_healthy: dict[str, float]  # sex → %
    hct_rows: tuple[tuple[float, dict[str, float]], ...]  # (lower limit, sex → %), highest first
    hct_dialysis: dict[str, float]
    stages: dict[str, tuple[float, float, bool]]  # word → (low, high, dialysis)
    sources: dict[str, str]


def renal_impairment(person: Individual, gfr: str | pint.Quantity, *, dialysis: bool = False,
                     database: str | Path | None = None) -> Individual:
    """``person`` with a GFR of ``gfr`` per 1.73 m² and the CKD changes (see the module docstring)."""
    data = renal_data(database)
    target = _indexed(gfr)
    if "renal" in person.conditions:
        raise PbpkInputError("renal_impairment", "person", person.conditions["renal"],
                             "a person without renal impairment (it is not applied twice)")
    if dialysis and target >= DIALYSIS_BELOW:
        raise PbpkInputError("renal_impairment", "gfr", f"{target:g} mL/min/1.73 m² with dialysis",
                             f"a GFR below {DIALYSIS_BELOW:g} mL/min/1.73 m² (kidney failure) for a dialysis patient")
    bsa = body_surface_area(person.body_weight, person.height)
    healthy = indexed_gfr(person.gfr, bsa).magnitude
    category = data.dialysis if dialysis else next(c for c in data.categories if target >= c.lower)
    label = f"GFR {target:.0f} mL/min/1.73 m² ({'dialysis' if dialysis else category.name})"
    changes: dict = {"gfr": absolute_gfr(Quantity(target, "mL/min"), bsa).to("L/h"),
                     "conditions": {**person.conditions, "renal": label},
                     "sources": {**person.sources, **{f"renal_impairment.{k}": v for k, v in data.sources.items()}}}
    if target < healthy or dialysis:
        kidney = person.tissues["kidney"]
        volume = _fit(data.kidney_volume, target) / _fit(data.kidney_volume, healthy) if target < healthy else 1.0
        flow = _fit(data.perfusion, target) / _fit(data.perfusion, healthy) if target < healthy else 1.0
        lost = kidney.blood_flow * (1.0 - flow)
        tissues = {**person.tissues, "kidney": replace(kidney, mass=kidney.mass * volume, blood_flow=kidney.blood_flow * flow)}
        lung = next(t for t in person.tissues.values() if "lung" in t.roles)
        tissues[lung.name] = replace(lung, blood_flow=lung.blood_flow - lost)
        hct = _haematocrit(data, person.sex, target, dialysis) / data.hct_healthy[person.sex] * person.haematocrit
        blood = person.blood_volume
        changes.update(tissues=tissues, cardiac_output=person.cardiac_output - lost, red_cell_volume=blood * hct,
                       plasma_volume=blood * (1.0 - hct),
                       unbound_fraction_factor=person.unbound_fraction_factor * category.fu,
                       kidney_function=target / healthy if target < healthy else 1.0,
                       small_intestine_transit_time=person.small_intestine_transit_time * category.transit)
    return replace(person, **changes)


def stage_range(word: str, database: str | Path | None = None) -> tuple[float, float, bool]:
    """GFR range (mL/min/1.73 m²) and dialysis flag of a stage word, or of ``"eGFR 15-29"``."""
    text = word.strip()
    match = re.fullmatch(r"(?:e?GFR|CrCL)\s+([\d.]+)\s*-\s*([\d.]+)(?:\s*mL/min(?:/1\.73\s*m(?:2|\^2|²))?)?", text,
                         flags=re.IGNORECASE)
    if match:
        return float(match[1]), float(match[2]), False
    stages = renal_data(database).stages
    key = re.sub(r"^CKD\s*(\w+)$", lambda m: "G" + m[1], text, flags=re.IGNORECASE)
    for name, value in stages.items():
        if name.lower() == key.lower():
            return value
    raise PbpkInputError("population", "renal stage", word,
                         f'one of {", ".join(stages)}, "CKD 3b" or "eGFR 15-29"', did_you_mean(word, stages))


def _indexed(gfr: str | pint.Quantity) -> float:
    """A GFR per 1.73 m² as mL/min: ``"22 mL/min"`` or ``"22 mL/min/1.73m^2"`` (checked)."""
    return float(gfr_quantity(gfr, where="renal_impairment", field="gfr", indexed=True).magnitude)


def _fit(coefficients: tuple[float, float, float], g: float) -> float:
    a, b, c = coefficients
    return math.exp(a * g * g + b * g + c)


def _haematocrit(data: RenalData, sex: str, target: float, dialysis: bool) -> float:
    if dialysis:
        return data.hct_dialysis[sex]
    return next(row[sex] for lower, row in data.hct_rows if target >= lower)


@cache
def renal_data(database: str | Path | None = None) -> RenalData:
    """``renal_impairment.yaml`` of the physiology database (read once per folder)."""
    folder = Path(database) if database is not None else None
    r = Record(database_file("renal_impairment.yaml", folder),
               str(folder / "renal_impairment.yaml") if folder else "physiology_db/renal_impairment.yaml")
    sources: dict[str, str] = {}
    fits = {}
    for key in ("kidney_volume", "renal_perfusion"):
        fit = r.record(key)
        sources[key] = fit.source()
        fits[key] = (fit.number("a"), fit.number("b"), fit.number("c"))
        fit.finish()
    table = r.record("categories")
    sources["categories"] = table.source()
    categories = tuple(_category(row, row.text("name"), row.number("from", low=0)) for row in table.records("rows"))
    dialysis_row = table.record("dialysis")
    dialysis = _category(dialysis_row, "dialysis", 0.0)
    table.finish()
    _check_descending(r, "categories.rows", [c.lower for c in categories])
    hct = r.record("haematocrit")
    sources["haematocrit"] = hct.source()
    healthy, dialysis_hct = _per_sex(hct.record("healthy")), _per_sex(hct.record("dialysis"))
    rows = []
    for row in hct.records("rows"):
        lower = row.number("from", low=0)
        rows.append((lower, _per_sex(row, extra="from")))
    hct.finish()
    _check_descending(r, "haematocrit.rows", [lower for lower, _ in rows])
    enzymes = r.record("enzymes")
    sources["enzymes"] = enzymes.source()
    if enzymes.raw("changed") != []:
        raise enzymes.error("changed", enzymes.raw("changed"), "[] (per-enzyme CKD factors are not modelled)")
    enzymes.finish()
    stages = _stages(r.record("stages"), sources)
    r.finish()
    return RenalData(fits["kidney_volume"], fits["renal_perfusion"], categories, dialysis, healthy, tuple(rows),
                     dialysis_hct, stages, sources)


def _category(row: Record, name: str, lower: float) -> Category:
    category = Category(name, lower, row.number("fu", low=1), row.number("transit", low=1))
    row.finish()
    return category


def _per_sex(row: Record, extra: str | None = None) -> dict[str, float]:
    values = {sex: row.number(sex, low=10, high=70) / 100.0 for sex in SEXES}
    row.finish(extra_known=[extra] if extra else ())
    return values


def _check_descending(r: Record, field: str, lowers: list[float]) -> None:
    if lowers != sorted(lowers, reverse=True) or lowers[-1] != 0:
        raise PbpkInputError(r.where(), field, lowers, "lower limits from highest to lowest, the last one 0")


def _stages(r: Record, sources: dict[str, str]) -> dict[str, tuple[float, float, bool]]:
    sources["stages"] = r.source()
    stages = {}
    for name in r.keys():
        if name == "source":
            continue
        value = r.raw(name)
        dialysis = False
        if isinstance(value, dict):
            sub = r.record(name)
            value, dialysis = sub.raw("range"), sub.boolean("dialysis")
            sub.finish()
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, (int, float)) for v in value)
                and 0 < value[0] <= value[1]):
            raise r.error(name, value, "[low, high] GFR in mL/min/1.73 m²")
        stages[name] = (float(value[0]), float(value[1]), dialysis)
    r.finish()
    return stages


__all__ = ["renal_impairment", "stage_range", "renal_data", "RenalData", "Category"]
