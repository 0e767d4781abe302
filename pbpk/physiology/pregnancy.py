"""Pregnancy by gestational week: the mother's changes, and a placenta and a fetus in the model.

``pregnant(week)`` returns the ICRP 89 reference woman at gestational week
0–40 (``physiology_db/pregnancy.yaml``). Maternal quantities follow Kapraun et
al. 2019 as the ratio f(t)/f(0), so week 0 is the reference woman exactly:
body weight, adipose mass, plasma volume, haematocrit, cardiac output, kidney,
liver, gut and adipose blood flows, GFR; skin blood flow after Gaohua et al. 2012; albumin and AGP (Abduljalil et al.
2012) rescale fu; CYP1A2, CYP2D6 and CYP3A4 activities follow Gaohua et al. 2012,
CYP2C9 and CYP2C19 late-pregnancy probe data (phenytoin, proguanil; linear in
week) and UGT1A4 the lamotrigine model of Polepally et al. 2014. The rest of the
body takes the remaining weight gain (breasts, extracellular and amniotic fluid)
and the remaining cardiac output.

From week 13 (``fetal_compartments_from``) three organs join the model: the
**uterus** (myometrium and endometrium, Dallmann et al. 2017, taken out of the
rest of the body), the
**placenta**, perfused by maternal blood in proportion to its volume, and the
**fetus**, which exchanges unbound drug with the placenta. The exchange
clearance is the compound's ``placental_transfer`` or, by default, limited by the
umbilical blood flow; fetal exposure is the output ``C_fetus``.

Examples
--------
>>> from pbpk.physiology.pregnancy import pregnant
>>> woman = pregnant(30)
>>> round(woman.gfr.to("mL/min").magnitude / pregnant(0).gfr.to("mL/min").magnitude, 3)
1.412
>>> sorted(t for t in woman.tissues if t in ("uterus", "placenta", "fetus"))
['fetus', 'placenta', 'uterus']
"""

from __future__ import annotations

import math
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
from pbpk.physiology.individual import Individual, Tissue
from pbpk.physiology.reference import reference_individual

TERM_WEEKS = 40.0


@dataclass(frozen=True)
class Curve:
    """One published function of gestational age t (weeks), in ``unit``."""

    form: str  # polynomial | logistic | gompertz | linear_share | table
    parameters: tuple[float, ...]
    unit: str
    source: str

    def __call__(self, weeks: float) -> float:
        p = self.parameters
        if self.form == "polynomial":
            return sum(c * weeks ** i for i, c in enumerate(p))
        if self.form == "logistic":
            a, b, c, d = p
            return a / (1.0 + math.exp(-b * (weeks - c))) + d
        if self.form == "gompertz":
            a, b, c = p
            return a * math.exp(b / c * (1.0 - math.exp(-c * weeks)))
        if self.form == "table":  # (week, value) pairs, linear between them, constant beyond
            return float(np.interp(weeks, p[0::2], p[1::2]))
        initial, terminal, term = p  # linear_share
        return initial + (terminal - initial) * weeks / term

    def quantity(self, weeks: float) -> pint.Quantity:
        return Quantity(self(weeks), self.unit)

    def ratio(self, weeks: float) -> float:
        """f(t)/f(0): the change from the non-pregnant state."""
        return self(weeks) / self(0.0)


@dataclass(frozen=True)
class PregnancyData:
    maternal: dict[str, Curve]
    proteins: dict[str, Curve]
    enzymes: dict[str, Curve]
    placenta_volume: Curve
    placenta_flow_per_volume: pint.Quantity
    placenta_density: pint.Quantity
    uterus_volume: Curve
    uterus_flow: Curve
    uterus_density: pint.Quantity
    fetal_weight: Curve
    umbilical_flow: Curve
    fetal_density: pint.Quantity
    compartments_from: float
    partition_composition: str
    sources: dict[str, str]


def pregnant(gestational_week: float | str | pint.Quantity, *, database: str | Path | None = None) -> Individual:
    """The reference woman at ``gestational_week`` (0–40; week 0 = not pregnant)."""
    weeks = _weeks(gestational_week)
    data = pregnancy_data(database)
    woman = reference_individual("female", database=database)
    if weeks == 0:
        return woman
    m = data.maternal
    cardiac_output = woman.cardiac_output * m["cardiac_output"].ratio(weeks)
    tissues = dict(woman.tissues)
    adipose_gain = (m["adipose_mass"](weeks) - m["adipose_mass"](0.0)) * 1000.0  # g
    tissues["adipose"] = replace(tissues["adipose"], mass=tissues["adipose"].mass + Quantity(adipose_gain, "g"))
    co_ratio = m["cardiac_output"].ratio(weeks)
    for name, share in (("gut", "gut_flow_share"), ("liver", "liver_flow_share"), ("adipose", "adipose_flow_share")):
        tissues[name] = replace(tissues[name], blood_flow=tissues[name].blood_flow * m[share].ratio(weeks) * co_ratio)
    for name, curve in (("kidney", "kidney_blood_flow"), ("skin", "skin_blood_flow")):
        tissues[name] = replace(tissues[name], blood_flow=tissues[name].blood_flow * m[curve].ratio(weeks))
    if weeks >= data.compartments_from:
        tissues.update(_pregnancy_compartments(woman, data, weeks, database))
    plasma = woman.plasma_volume * m["plasma_volume"].ratio(weeks)
    hct = woman.haematocrit * m["haematocrit"].ratio(weeks)
    red_cells = plasma * hct / (1.0 - hct)
    body_weight = woman.body_weight * m["body_weight"].ratio(weeks)
    tissues["rest_of_body"] = _rest_of_body(woman, tissues, body_weight, plasma + red_cells, cardiac_output)
    enzymes = {name: curve(weeks) for name, curve in data.enzymes.items()}
    return replace(
        woman,
        body_weight=body_weight.to("kg"),
        cardiac_output=cardiac_output.to("L/h"),
        tissues=tissues,
        plasma_volume=plasma.to("L"),
        red_cell_volume=red_cells.to("L"),
        albumin=woman.albumin * data.proteins["albumin"].ratio(weeks),
        alpha1_acid_glycoprotein=woman.alpha1_acid_glycoprotein * data.proteins["alpha1_acid_glycoprotein"].ratio(weeks),
        gfr=(woman.gfr * m["gfr"].ratio(weeks)).to("L/h"),
        hepatic_activity={**woman.hepatic_activity, **enzymes},
        sources={**woman.sources, **data.sources, "gestational_week": f"{weeks:g} weeks"},
    )


def advancing_pregnancy(gestational_week: float | str | pint.Quantity, *,
                        database: str | Path | None = None) -> Callable[[float], Individual]:
    """The pregnant woman ``t`` hours after ``gestational_week``, for :func:`pbpk.simulation.simulate.simulate_changing`."""
    start = _weeks(gestational_week)
    return lambda hours: pregnant(start + hours / (24.0 * 7.0), database=database)


def _pregnancy_compartments(woman: Individual, data: PregnancyData, weeks: float, database) -> dict[str, Tissue]:
    """Uterus, placenta and fetus; the uterus leaves the rest of the body, whose mass it was part of."""
    definitions = _tissue_definitions(database)
    composition = woman.tissues[data.partition_composition].composition
    uterus = Tissue(
        name="uterus",
        mass=(data.uterus_volume.quantity(weeks) * data.uterus_density).to("kg"),
        density=data.uterus_density,
        blood_flow=data.uterus_flow.quantity(weeks).to("L/h"),
        composition=woman.tissues[definitions["uterus"]["composition"]].composition,
        roles=frozenset(definitions["uterus"]["roles"]),
        surrogate_composition=definitions["uterus"].get("surrogate"),
    )
    placenta_ml = data.placenta_volume(weeks)
    placenta = Tissue(
        name="placenta",
        mass=(Quantity(placenta_ml, "mL") * data.placenta_density).to("kg"),
        density=data.placenta_density,
        blood_flow=(data.placenta_flow_per_volume * Quantity(placenta_ml, "mL")).to("L/h"),
        composition=composition,
        roles=frozenset(definitions["placenta"]["roles"]),
        surrogate_composition=definitions["placenta"].get("surrogate"),
    )
    fetus = Tissue(
        name="fetus",
        mass=data.fetal_weight.quantity(weeks).to("kg"),
        density=data.fetal_density,
        blood_flow=data.umbilical_flow.quantity(weeks).to("L/h"),
        composition=composition,
        roles=frozenset(definitions["fetus"]["roles"]),
        surrogate_composition=definitions["fetus"].get("surrogate"),
    )
    return {"uterus": uterus, "placenta": placenta, "fetus": fetus}


def _rest_of_body(woman: Individual, tissues: dict[str, Tissue], body_weight: pint.Quantity,
                  blood_volume: pint.Quantity, cardiac_output: pint.Quantity) -> Tissue:
    """The rest of the body takes the weight gain and the cardiac output not assigned elsewhere."""
    rest = tissues["rest_of_body"]
    named_gain = sum((tissues[name].mass - woman.tissues[name].mass for name in tissues
                      if name in woman.tissues and name != "rest_of_body"), Quantity(0.0, "kg"))
    new_organs = sum((t.mass for name, t in tissues.items() if name not in woman.tissues), Quantity(0.0, "kg"))
    blood_gain = (blood_volume - woman.blood_volume) * Quantity(1.06, "kg/L")
    gain = body_weight - woman.body_weight - named_gain - new_organs - blood_gain
    other_flows = sum((t.blood_flow for name, t in tissues.items()
                       if name != "rest_of_body" and not t.roles & {"portal", "lung", "fetus"}),
                      Quantity(0.0, "L/h")) + sum((t.blood_flow for t in tissues.values() if "portal" in t.roles),
                                                  Quantity(0.0, "L/h"))
    flow = cardiac_output - other_flows
    mass = rest.mass + gain
    if flow.magnitude <= 0 or mass.magnitude <= 0:
        raise PbpkInputError("physiology_db/pregnancy.yaml", "rest_of_body", f"{mass:~P}, {flow:~P}",
                             "a positive remaining mass and blood flow for the rest of the body")
    return replace(rest, mass=mass.to("kg"), blood_flow=flow.to("L/h"))


def _weeks(value: float | str | pint.Quantity) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        weeks = float(value)
    else:
        quantity = value if isinstance(value, pint.Quantity) else parse_quantity(
            value, "week", where="pregnant", field="gestational_week", example="30 week")
        weeks = quantity.to("week").magnitude
    if not 0 <= weeks <= TERM_WEEKS + 2:
        raise PbpkInputError("pregnant", "gestational_week", value, "a gestational age from 0 to 42 weeks")
    return weeks


# -- reading pregnancy.yaml ---------------------------------------------------------------------
@cache
def pregnancy_data(database: str | Path | None = None) -> PregnancyData:
    folder = Path(database) if database is not None else data_dir("physiology_db")
    where = str(folder / "pregnancy.yaml") if database is not None else "physiology_db/pregnancy.yaml"
    r = Record(load_yaml(folder / "pregnancy.yaml"), where)
    shared = r.record("sources")
    named = {key: shared.text(key) for key in shared.keys()}
    shared.finish()
    sources: dict[str, str] = {}
    start = r.cited("fetal_compartments_from", "week")
    sources["fetal_compartments_from"] = start.source
    maternal_block = r.record("maternal")
    maternal = {key: _curve(maternal_block.record(key), named) for key in maternal_block.keys()}
    maternal_block.finish()
    missing = {"body_weight", "adipose_mass", "haematocrit", "cardiac_output", "kidney_blood_flow", "gfr",
               "plasma_volume", "gut_flow_share", "liver_flow_share", "adipose_flow_share",
               "skin_blood_flow"} - set(maternal)
    if missing:
        raise maternal_block.error(sorted(missing)[0], None, "every maternal function pbpk.physiology.pregnancy uses")
    sources.update({f"pregnancy.{key}": curve.source for key, curve in maternal.items()})
    proteins_block = r.record("proteins")
    protein_source = proteins_block.source()
    proteins = {key: _curve(proteins_block.record(key), named, protein_source)
                for key in ("albumin", "alpha1_acid_glycoprotein")}
    proteins_block.finish()
    sources["pregnancy.plasma_proteins"] = protein_source
    enzyme_block = r.record("enzymes")
    sources["pregnancy.enzymes"] = enzyme_block.source()
    liver = enzyme_block.record("liver")
    enzymes = {}
    for enzyme in liver.keys():
        row = liver.record(enzyme)
        source = row.text("source", required=False) or sources["pregnancy.enzymes"]
        enzymes[enzyme] = Curve("polynomial", tuple(_numbers(row, "coefficients")), "", source)
        sources[f"pregnancy.enzymes.{enzyme}"] = source
        row.finish()
    liver.finish()
    enzyme_block.finish()
    placenta = r.record("placenta")
    placenta_volume = _curve(placenta.record("volume"), named)
    flow = placenta.cited("flow_per_volume", "L/h/mL")
    density = placenta.cited("density", "g/mL")
    placenta.finish()
    uterus = r.record("uterus")
    uterus_source = uterus.source()
    uterus_volume = _curve(uterus.record("volume"), named, uterus_source)
    uterus_flow = _curve(uterus.record("blood_flow"), named, uterus_source)
    uterus_density = uterus.cited("density", "g/mL")
    uterus.finish()
    sources["pregnancy.uterus"] = uterus_source
    fetus = r.record("fetus")
    weight = _curve(fetus.record("weight"), named)
    umbilical = _curve(fetus.record("umbilical_blood_flow"), named)
    fetal_density = fetus.cited("density", "g/mL")
    fetus.finish()
    partition = r.record("partition")
    sources["pregnancy.partition"] = partition.source()
    composition = partition.text("composition")
    partition.finish()
    r.finish()
    sources.update({"pregnancy.placenta": placenta_volume.source, "pregnancy.fetus": weight.source})
    return PregnancyData(maternal, proteins, enzymes, placenta_volume, flow.value, density.value, uterus_volume,
                         uterus_flow, uterus_density.value, weight, umbilical, fetal_density.value, start.value.to("week").magnitude, composition, sources)


@cache
def _tissue_definitions(database) -> dict:
    folder = Path(database) if database is not None else data_dir("physiology_db")
    return load_yaml(folder / "tissues.yaml")["tissues"]


FORMS = {"polynomial": None, "table": None, "logistic": ("a", "b", "c", "d"), "gompertz": ("a", "b", "c"),
         "linear_share": ("initial", "terminal", "term")}


def _curve(r: Record, named: dict[str, str], source: str | None = None) -> Curve:
    form = r.text("form", choices=tuple(FORMS))
    unit = r.text("unit")
    if unit != "percent":
        parse_quantity(f"1 {unit}", unit, where=r.where("unit"), field=r.field("unit"))
    if form == "polynomial":
        parameters = tuple(_numbers(r, "coefficients"))
    elif form == "table":
        parameters = _table(r)
    else:
        parameters = tuple(r.number(key) for key in FORMS[form])
    text = r.text("source", required=source is None)
    r.finish()
    return Curve(form, parameters, "" if unit == "percent" else unit, named.get(text, text) if text else source)


def _table(r: Record) -> tuple[float, ...]:
    """``points``: [week, value] pairs with increasing weeks, flattened to (w0, v0, w1, v1, ...)."""
    points = r.raw("points", expected="a list of [week, value] pairs")
    expected = "a list of [week, value] pairs with increasing weeks from 0, e.g. [[0, 0.08], [20, 0.48]]"
    if not isinstance(points, list) or len(points) < 2 or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                        for v in p) for p in points):
        raise r.error("points", points, expected)
    weeks = [float(p[0]) for p in points]
    if weeks[0] != 0 or any(b <= a for a, b in zip(weeks, weeks[1:])):
        raise r.error("points", points, expected)
    return tuple(float(v) for p in points for v in p)


def _numbers(r: Record, key: str) -> list[float]:
    values = r.raw(key, expected="a list of numbers")
    if not isinstance(values, list) or not values or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise r.error(key, values, "a list of numbers (coefficients of t^0, t^1, ...)")
    return [float(v) for v in values]


__all__ = ["pregnant", "advancing_pregnancy", "pregnancy_data", "Curve"]
