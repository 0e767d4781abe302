"""Adults by age, sex, height and weight: the reference adult changed by body size and age.

``adult(sex, age=, height=, weight=)`` starts from the ICRP 89 reference adult
(:func:`pbpk.physiology.reference.reference_individual`, 35 y) and applies the functions
of ``physiology_db/adults.yaml``, each as a ratio to its value at the reference, so the
reference adult is reproduced exactly:

* lean organs (all but adipose and liver), the unassigned ICRP mass and the cardiac output
  scale with (height/reference height)^0.75; adipose takes the rest of the body weight
  (httk-pop, Ring et al. 2017; McNally et al. 2014) — extra weight at the same height is fat,
  apart from the liver, which follows body weight, age and sex (Chouker et al. 2004 autopsy
  regressions: +16 g per kg);
* blood volume from height and weight (Nadler et al. 1962); haematocrit unchanged;
* organs' own age functions (``age_functions.tissue.<name>``), cardiac output falling
  0.5 %/year after 25 y, and every regional flow a fixed fraction of it;
* GFR ∝ body surface area (Du Bois), falling 1.2 %/year after 40 y (Pottel et al. 2016);
* microsomal protein per gram of liver by age (Barter et al. 2008), held at its minimum
  after 77 y; intestinal enzyme amounts with the gut mass.

Kept at reference values: tissue composition, plasma proteins, hepatocytes per gram,
enzyme abundances per mg protein, urine flow. Height defaults to the reference height and
weight to the reference BMI at that height. Covariates outside the limits of use
(``limits`` in the YAML) are refused with the range in the message.

Examples
--------
>>> old = adult("male", age="78 year", height="165 cm", weight="95 kg")
>>> round(old.tissues["adipose"].mass.to("kg").magnitude, 1)    # the reference man has 14.5 kg
44.1
>>> round(old.gfr.to("mL/min").magnitude, 1)
84.4
>>> adult("male", weight="700 kg")
Traceback (most recent call last):
...
pbpk.core.errors.PbpkInputError: adult: weight: got '700 kg'; expected an adult body weight in 30-300 kg...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import pint

from pbpk.core.errors import PbpkInputError
from pbpk.core.names import database_file
from pbpk.core.records import Record
from pbpk.core.units import Quantity, parse_quantity
from pbpk.physiology.body_size import body_mass_index, body_surface_area
from pbpk.physiology.individual import SEXES, Individual, Sex
from pbpk.physiology.ontogeny import ontogeny_data
from pbpk.physiology.reference import reference_individual

FORMS = ("linear", "exponential")
_LABEL = {"year": "y"}


@dataclass(frozen=True)
class AgeFunction:
    """A value relative to its level before ``start`` (years): linear or exponential decline (see the YAML)."""

    form: str
    start: float  # years
    rates: Mapping[str, float]  # sex → slope per year (linear) or factor per year (exponential)
    source: str

    def at(self, years: float, sex: str) -> float:
        past = max(0.0, years - self.start)
        rate = self.rates[sex]
        return 1.0 + rate * past if self.form == "linear" else rate ** past

    def relative(self, years: float, reference_years: float, sex: str) -> float:
        """The value at ``years`` divided by the value at ``reference_years``."""
        return self.at(years, sex) / self.at(reference_years, sex)


@dataclass(frozen=True)
class AdultData:
    """``physiology_db/adults.yaml``, read and checked."""

    lean_exponent: float
    nadler: Mapping[str, tuple[float, float, float]]  # sex → (a, b, c) of BV = a·H³ + b·W + c
    blood_density: float  # kg/L
    minimum_fat_fraction: float
    cardiac_output: AgeFunction
    gfr: AgeFunction
    tissue_age: Mapping[str, AgeFunction]
    liver: Mapping[str, float]  # Chouker 2004 terms: intercept, per_kg, per_year, female (g), until, per_year_after
    microsomal_hold_years: float
    limits: Mapping[str, tuple[pint.Quantity, pint.Quantity]]
    sources: Mapping[str, str]


def adult(sex: Sex = "male", *, age: str | pint.Quantity | None = None, height: str | pint.Quantity | None = None,
          weight: str | pint.Quantity | None = None, database: str | Path | None = None) -> Individual:
    """The adult of ``sex`` at ``age``, ``height`` and ``weight`` (defaults: the reference adult; see module)."""
    if sex not in SEXES:
        raise PbpkInputError("adult", "sex", sex, "male or female")
    data = adult_data(database)
    reference = reference_individual(sex, database=database)
    years = _covariate(age, "year", "age", "78 year", data, reference.age)
    ref_height = reference.height.to("cm").magnitude
    cm = _covariate(height, "cm", "height", "165 cm", data, reference.height)
    default_weight = reference.body_weight * (cm / ref_height) ** 2
    kg = _covariate(weight, "kg", "weight", "80 kg", data, default_weight)
    _check_bmi(Quantity(kg, "kg"), Quantity(cm, "cm"), data)
    reference_years = reference.age.to("year").magnitude
    lean = (cm / ref_height) ** data.lean_exponent
    flow = lean * data.cardiac_output.relative(years, reference_years, sex)
    tissues, blood = _tissues(reference, data, lean, flow, years, kg, cm)
    bsa_ratio = (body_surface_area(Quantity(kg, "kg"), Quantity(cm, "cm"))
                 / body_surface_area(reference.body_weight, reference.height)).to("").magnitude
    gut_ratio = (tissues["gut"].mass / reference.tissues["gut"].mass).to("").magnitude
    sources = {**reference.sources, **{f"adult.{k}": v for k, v in data.sources.items()}}
    return replace(
        reference,
        age=Quantity(years, "year"),
        height=Quantity(cm, "cm"),
        body_weight=Quantity(kg, "kg"),
        cardiac_output=reference.cardiac_output * flow,
        tissues=tissues,
        red_cell_volume=reference.red_cell_volume * blood,  # haematocrit unchanged
        plasma_volume=reference.plasma_volume * blood,
        gfr=reference.gfr * bsa_ratio * data.gfr.relative(years, reference_years, sex),
        microsomal_protein_per_gram=microsomal_protein_per_gram(Quantity(years, "year"), database),
        intestinal_abundance={e: a * gut_ratio for e, a in reference.intestinal_abundance.items()},
        villous_blood_flow=reference.villous_blood_flow * flow,
        intestinal_absorptive_area=reference.intestinal_absorptive_area * gut_ratio ** (2.0 / 3.0),
        sources=sources,
    )


def _tissues(reference: Individual, data: AdultData, lean: float, flow: float, years: float, kg: float, cm: float
             ) -> tuple[dict, float]:
    """Lean organs by height and age, adipose the rest of the weight; every flow a fixed fraction of CO.

    Returns the tissues and the blood-volume ratio to the reference. A body too light for the lean organs of its
    height (the height^0.75 rule overstates the lean mass of short, light adults) keeps the minimum fat fraction
    and has its lean organs and blood scaled down together to fit the weight.
    """
    reference_years = reference.age.to("year").magnitude
    before = {name: tissue.mass.to("kg").magnitude for name, tissue in reference.tissues.items()}
    masses = dict(before)
    for name in masses:
        if name != "adipose":
            masses[name] *= lean * (data.tissue_age[name].relative(years, reference_years, reference.sex)
                                    if name in data.tissue_age else 1.0)
    ref_kg = reference.body_weight.to("kg").magnitude
    masses["liver"] = before["liver"] * (_liver_weight(data, reference.sex, kg, years)
                                         / _liver_weight(data, reference.sex, ref_kg, reference_years))
    ref_blood_kg = reference.blood_volume.to("L").magnitude * data.blood_density
    unassigned = ref_kg - sum(before.values()) - ref_blood_kg  # the ICRP body mass no tissue row holds
    blood = _nadler(data, reference.sex, cm, kg) / _nadler(data, reference.sex, reference.height.to("cm").magnitude,
                                                          ref_kg)
    gained = sum(masses[n] - before[n] for n in masses if n != "adipose") + ref_blood_kg * (blood - 1.0) \
        + unassigned * (lean - 1.0)
    adipose = before["adipose"] + (kg - ref_kg) - gained  # exactly the reference's at the reference
    floor = data.minimum_fat_fraction * kg
    if adipose < floor:
        fit = (kg - floor) / (kg - adipose)
        masses = {name: mass * fit for name, mass in masses.items()}
        blood, adipose = blood * fit, floor
    masses["adipose"] = adipose
    tissues = {name: replace(tissue, mass=Quantity(masses[name], "kg"), blood_flow=tissue.blood_flow * flow)
               for name, tissue in reference.tissues.items()}
    return tissues, blood


def _liver_weight(data: AdultData, sex: str, kg: float, years: float) -> float:
    """Chouker 2004 liver weight (g) at body weight ``kg`` and age, continued past ``until`` with the older slope."""
    t = data.liver
    young = min(years, t["until"])
    return t["intercept"] + t["per_kg"] * kg + t["per_year"] * young + (t["female"] if sex == "female" else 0.0) \
        + t["per_year_after"] * max(0.0, years - t["until"])


def _nadler(data: AdultData, sex: str, cm: float, kg: float) -> float:
    a, b, c = data.nadler[sex]
    return a * (cm / 100.0) ** 3 + b * kg + c


def blood_volume_ratio(female: np.ndarray, cm: np.ndarray, kg: np.ndarray, ref_cm: np.ndarray, ref_kg: np.ndarray,
                       database: str | Path | None = None) -> np.ndarray:
    """Nadler blood volume at (cm, kg) relative to that at (ref_cm, ref_kg), per subject (arrays)."""
    data = adult_data(database)
    a, b, c = (np.where(female, data.nadler["female"][i], data.nadler["male"][i]) for i in range(3))
    return (a * (cm / 100.0) ** 3 + b * kg + c) / (a * (ref_cm / 100.0) ** 3 + b * ref_kg + c)


def microsomal_protein_per_gram(age: pint.Quantity, database: str | Path | None = None) -> pint.Quantity:
    """An adult's MPPGL (mg/g) at ``age``: the reference value × Barter 2008 at ``age`` / at the reference age.

    The polynomial is held at its minimum from ``microsomal_protein_hold_from`` (77 y) on.
    """
    data = adult_data(database)
    reference = reference_individual("male", database=database)
    return reference.microsomal_protein_per_gram * (_barter(age.to("year").magnitude, data, database)
                                                    / _barter(reference.age.to("year").magnitude, data, database))


def _barter(years: float, data: AdultData, database) -> float:
    """Barter 2008 MPPGL polynomial (mg/g) at ``years``, held beyond ``microsomal_hold_years``."""
    age = min(years, data.microsomal_hold_years)
    return 10.0 ** sum(c * age ** i for i, c in enumerate(ontogeny_data(database).mppgl_coefficients))


def _covariate(value, unit: str, field: str, example: str, data: AdultData, default: pint.Quantity) -> float:
    """A covariate in ``unit`` (the default if None), checked against the limits of use."""
    quantity = default if value is None else value if isinstance(value, pint.Quantity) else parse_quantity(
        value, unit, where="adult", field=field, example=example)
    if not quantity.is_compatible_with(unit):
        raise PbpkInputError("adult", field, str(value), f'a quantity in {unit}, e.g. "{example}"')
    low, high = data.limits[field]
    magnitude = quantity.to(unit).magnitude
    if not low.to(unit).magnitude <= magnitude <= high.to(unit).magnitude:
        kind = {"age": "an adult age", "height": "an adult height", "weight": "an adult body weight"}[field]
        raise PbpkInputError("adult", field, f"{magnitude:g} {_LABEL.get(unit, unit)}"
                             if value is None or isinstance(value, pint.Quantity) else str(value), f"{kind} in {low.to(unit).magnitude:g}-{high.to(unit).magnitude:g} {_LABEL.get(unit, unit)}",
                             "children are built by pbpk.physiology.pediatrics.child" if field == "age"
                             and magnitude < low.to(unit).magnitude else "")
    return float(magnitude)


def _check_bmi(weight: pint.Quantity, height: pint.Quantity, data: AdultData) -> None:
    bmi = body_mass_index(weight, height)
    low, high = data.limits["bmi"]
    if not low.magnitude <= bmi.magnitude <= high.magnitude:
        raise PbpkInputError("adult", "weight", f"{weight:~P} at {height:~P}",
                             f"a body mass index in {low.magnitude:g}-{high.magnitude:g} kg/m² "
                             f"(this is {bmi.magnitude:.1f})", "check the units of weight and height")


@cache
def adult_data(database: str | Path | None = None) -> AdultData:
    """``adults.yaml`` of the physiology database (read once per folder)."""
    folder = Path(database) if database is not None else None
    where = str(folder / "adults.yaml") if folder is not None else "physiology_db/adults.yaml"
    r = Record(database_file("adults.yaml", folder), where)
    sources: dict[str, str] = {}
    lean = r.record("lean_size")
    sources["lean_size"] = lean.source()
    exponent = lean.number("exponent", low=0, high=1.5)
    lean.finish()
    blood = r.record("blood_volume")
    sources["blood_volume"] = blood.source()
    nadler = {}
    for sex in SEXES:
        row = blood.record(sex)
        nadler[sex] = (row.number("a", low=0), row.number("b", low=0), row.number("c"))
        row.finish()
    blood.finish()
    density = r.cited("blood_density", "g/mL")
    sources["blood_density"] = density.source
    fat = r.cited("minimum_fat_fraction", low=0, high=0.5)
    sources["minimum_fat_fraction"] = fat.source
    functions = r.record("age_functions")
    cardiac_output, gfr = _age_function(functions.record("cardiac_output")), _age_function(functions.record("gfr"))
    sources.update({"cardiac_output_age": cardiac_output.source, "gfr_age": gfr.source})
    tissue_age = {}
    if functions.has("tissue"):
        table = functions.record("tissue")
        for name in table.keys():
            tissue_age[name] = _age_function(table.record(name))
            sources[f"tissue.{name}.age"] = tissue_age[name].source
        table.finish()
    functions.finish()
    liver_record = r.record("liver_weight")
    sources["liver_weight"] = liver_record.source()
    liver_record.text("unit")
    liver = {key: liver_record.number(key) for key in ("intercept", "per_kg", "per_year", "female", "per_year_after")}
    liver["until"] = liver_record.quantity("until", "year").to("year").magnitude
    liver_record.finish()
    hold = r.cited("microsomal_protein_hold_from", "year")
    sources["microsomal_protein_hold"] = hold.source
    limits_record = r.record("limits")
    sources["limits"] = limits_record.source()
    units = {"age": "year", "height": "cm", "weight": "kg", "bmi": "kg/m^2"}
    limits = {}
    for name, unit in units.items():
        pair = limits_record.raw(name)
        if not isinstance(pair, list) or len(pair) != 2:
            raise limits_record.error(name, pair, f"[low, high] in {unit}")
        low, high = (parse_quantity(v, unit, where=limits_record.where(name), field=limits_record.field(name))
                     for v in pair)
        limits[name] = (low, high)
    limits_record.finish()
    r.finish()
    return AdultData(exponent, nadler, density.value.to("kg/L").magnitude, fat.value, cardiac_output, gfr,
                     tissue_age, liver, hold.value.to("year").magnitude, limits, sources)


def _age_function(r: Record) -> AgeFunction:
    form = r.text("form", choices=FORMS)
    start = r.quantity("from", "year", positive=False).to("year").magnitude
    key, limits = ("slope", {"high": 0}) if form == "linear" else ("factor", {"low": 0, "high": 1, "low_open": True})
    if isinstance(r.raw(key), Mapping):
        per_sex = r.record(key)
        rates = {sex: per_sex.number(sex, **limits) for sex in SEXES}
        per_sex.finish()
    else:
        rates = dict.fromkeys(SEXES, r.number(key, **limits))
    function = AgeFunction(form, start, rates, r.source())
    r.finish()
    return function


__all__ = ["adult", "blood_volume_ratio", "adult_data", "AdultData", "AgeFunction"]
