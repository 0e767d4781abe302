"""A patient from covariates: age, sex, height, weight and renal function.

``patient(...)`` is the entry point for one real person (the CLI, patient records, MIPD):

* the body: :func:`pbpk.physiology.adults.adult` from 18 y, :func:`pbpk.physiology.pediatrics.child`
  below;
* the renal function, from at most one of: a measured ``gfr`` (mL/min), a creatinine clearance
  ``crcl`` (mL/min, e.g. Cockcroft–Gault, used as the GFR), an ``egfr`` per 1.73 m², or a serum
  creatinine ``scr`` (with optional ``cystatin_c``) turned into an eGFR by ``renal_equation``:
  CKD-EPI 2021 for adults (creatinine–cystatin C when given), bedside Schwartz for children,
  MDRD or Cockcroft–Gault (with ``crcl_weight``) when asked. The model's GFR is that value in
  mL/min, de-indexed with the patient's Du Bois BSA where the value is per 1.73 m²; below the
  healthy GFR the CKD changes of :func:`pbpk.physiology.renal_impairment.renal_impairment` apply
  (``ckd=False`` sets the GFR alone, e.g. for acute kidney injury). Without any, the GFR is that of
  age and size;
* liver cirrhosis of Child-Pugh class ``child_pugh`` (:func:`pbpk.physiology.hepatic_impairment.hepatic_impairment`),
  applied before the renal function.

``conditions["renal"]`` and ``sources["gfr"]`` say which definition set the GFR.

Examples
--------
>>> p = patient("female", age="78 year", height="165 cm", weight="95 kg", scr="2.1 mg/dL")
>>> p.sources["gfr"]
'eGFR 24 mL/min/1.73 m² by CKD-EPI 2021 (creatinine) from SCr 2.1 mg/dL'
>>> round(p.gfr.to("mL/min").magnitude, 1)        # de-indexed with BSA 2.02 m²
27.6
>>> patient("male", age="40 year", scr=1.1)
Traceback (most recent call last):
...
pbpk.core.errors.PbpkInputError: patient: scr: got 1.1; expected serum creatinine with its unit...
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pint

from pbpk.core.errors import PbpkInputError
from pbpk.core.records import check_choice
from pbpk.core.units import Quantity, parse_quantity
from pbpk.physiology.adults import adult
from pbpk.physiology.body_size import WEIGHTS, body_surface_area, dosing_weight
from pbpk.physiology.hepatic_impairment import hepatic_impairment
from pbpk.physiology.individual import Individual, Sex
from pbpk.physiology.pediatrics import child
from pbpk.physiology.renal_function import (
    ADULT_YEARS,
    absolute_gfr,
    bedside_schwartz,
    check_gfr,
    ckd_epi_2021,
    cockcroft_gault,
    cystatin_c,
    gfr_quantity,
    indexed_gfr,
    mdrd,
    serum_creatinine,
)
from pbpk.physiology.renal_impairment import renal_impairment

RENAL_EQUATIONS = ("ckd-epi-2021", "cockcroft-gault", "mdrd", "schwartz")
#: Short age units of clinical notes ("78y", "6 mo", "3 wk", "10 d") and their pint names.
AGE_UNITS = {"y": "year", "yr": "year", "yrs": "year", "mo": "month", "wk": "week", "d": "day"}


def age_text(text: str) -> str:
    """``"78y"`` → ``"78 year"``, ``"6 mo"`` → ``"6 month"`` (other text unchanged, for pint)."""
    match = re.fullmatch(r"\s*([\d.]+)\s*([a-z]+)\s*", text)
    if match and match[2] in AGE_UNITS:
        return f"{match[1]} {AGE_UNITS[match[2]]}"
    return text


def patient(sex: Sex = "male", *, age: str | pint.Quantity, height: str | pint.Quantity | None = None,
            weight: str | pint.Quantity | None = None, gfr: str | pint.Quantity | None = None,
            crcl: str | pint.Quantity | None = None, egfr: str | pint.Quantity | None = None,
            scr: str | pint.Quantity | None = None, cystatin: str | pint.Quantity | None = None,
            renal_equation: str | None = None, crcl_weight: str = "total", dialysis: bool = False, ckd: bool = True,
            child_pugh: str | None = None, gestational_age: str | pint.Quantity | None = None,
            ontogeny: str | None = None, database: str | Path | None = None) -> Individual:
    """The patient of these covariates (see the module docstring); ``gestational_age`` at birth and the enzyme
    ``ontogeny`` set are a child's (:func:`pbpk.physiology.pediatrics.child`)."""
    years = _quantity(age, "year", "age", "78 year")
    if years.to("year").magnitude >= ADULT_YEARS:
        for name, value in (("gestational_age", gestational_age), ("ontogeny", ontogeny)):
            if value is not None:
                raise PbpkInputError("patient", name, str(value), f"a child below {ADULT_YEARS:g} years "
                                     f"(the patient is {years.to('year').magnitude:g} y; an adult's enzymes are mature)")
        body = adult(sex, age=years, height=height, weight=weight, database=database)
    else:
        body = child(years, sex, weight=weight, height=height, gestational_age=gestational_age or "40 week",
                     ontogeny=ontogeny, database=database)
    if child_pugh is not None:  # before the renal function: cirrhosis lowers the healthy GFR, a measure replaces it
        body = hepatic_impairment(body, child_pugh, database=database)
    given = {name: value for name, value in (("gfr", gfr), ("crcl", crcl), ("egfr", egfr), ("scr", scr))
             if value is not None}
    if len(given) > 1:
        raise PbpkInputError("patient", " and ".join(given), ", ".join(map(str, given.values())),
                             "one measure of renal function (gfr, crcl, egfr or scr)")
    if cystatin is not None and (scr is None or (renal_equation or "ckd-epi-2021") != "ckd-epi-2021"):
        raise PbpkInputError("patient", "cystatin_c", str(cystatin), "serum creatinine with CKD-EPI 2021 "
                             "(the only equation here that uses cystatin C)")
    if crcl_weight != "total" and renal_equation != "cockcroft-gault":
        raise PbpkInputError("patient", "crcl_weight", crcl_weight, 'renal_equation="cockcroft-gault" with --scr '
                             "(the only equation that uses a body weight)")
    if dialysis and not ckd:
        raise PbpkInputError("patient", "dialysis", True, "the CKD changes (ckd=True): dialysis rows are CKD changes")
    if not given:
        if dialysis or renal_equation is not None:
            raise PbpkInputError("patient", "dialysis" if dialysis else "renal_equation",
                                 True if dialysis else renal_equation, "a renal function (scr, egfr, crcl or gfr) too")
        return body
    value, per_173, how = _renal_function(body, given, cystatin, renal_equation, crcl_weight)
    bsa = body_surface_area(body.body_weight, body.height)
    indexed = value.magnitude if per_173 else indexed_gfr(value, bsa).magnitude
    absolute = absolute_gfr(value, bsa).magnitude if per_173 else value.magnitude
    person = renal_impairment(body, Quantity(indexed, "mL/min"), dialysis=dialysis, database=database) if ckd \
        else replace(body, gfr=Quantity(absolute, "mL/min").to("L/h"),
                     conditions={**body.conditions, "renal": f"GFR {indexed:.0f} mL/min/1.73 m² (GFR only)"})
    return replace(person, gfr=Quantity(absolute, "mL/min").to("L/h"), sources={**person.sources, "gfr": how})


def _renal_function(body: Individual, given: dict, cystatin, equation: str | None, crcl_weight: str
                    ) -> tuple[pint.Quantity, bool, str]:
    """(the GFR in mL/min, whether it is per 1.73 m², how it was obtained) from the one given measure."""
    (name, value), = given.items()
    if name != "scr":
        if equation is not None:
            raise PbpkInputError("patient", "renal_equation", equation, "an equation only with serum creatinine")
        quantity = gfr_quantity(value, where="patient", field=name, indexed=name == "egfr")
        described = {"gfr": "measured GFR", "crcl": "creatinine clearance", "egfr": "eGFR"}[name]
        if name == "egfr":
            return quantity, True, f"{described} {quantity.magnitude:g} mL/min/1.73 m², de-indexed with the Du Bois BSA"
        return quantity, False, f"{described} {quantity.magnitude:g} mL/min"
    creatinine = serum_creatinine(value, where="patient", field="scr")
    years = body.age
    child_patient = years.to("year").magnitude < ADULT_YEARS
    equation = equation or ("schwartz" if child_patient else "ckd-epi-2021")
    check_choice(equation, RENAL_EQUATIONS, where="patient", field="renal_equation")
    if equation == "schwartz":
        estimate, label = bedside_schwartz(creatinine, body.height, years), "bedside Schwartz"
    elif equation == "ckd-epi-2021":
        cys = cystatin_c(cystatin, where="patient", field="cystatin_c") if cystatin is not None else None
        estimate = ckd_epi_2021(creatinine, years, body.sex, cys)
        label = "CKD-EPI 2021 (creatinine" + (f"-cystatin C {cys.magnitude:g} mg/L)" if cys is not None else ")")
    elif equation == "mdrd":
        estimate, label = mdrd(creatinine, years, body.sex), "MDRD (IDMS)"
    else:
        check_choice(crcl_weight, WEIGHTS, where="patient", field="crcl_weight")
        used = dosing_weight(crcl_weight, body.body_weight, body.height, body.sex)
        clearance = check_gfr(cockcroft_gault(years, used, creatinine, body.sex), where="patient", field="crcl")
        return clearance, False, \
            f"CrCL {clearance.magnitude:.0f} mL/min by Cockcroft-Gault ({crcl_weight} weight " \
            f"{used.magnitude:.1f} kg) from SCr {creatinine.magnitude:g} mg/dL"
    estimate = check_gfr(estimate, where="patient", field="egfr")
    return estimate, True, \
        f"eGFR {estimate.magnitude:.0f} mL/min/1.73 m² by {label} from SCr {creatinine.magnitude:g} mg/dL"


def _quantity(value: str | pint.Quantity, unit: str, field: str, example: str) -> pint.Quantity:
    if isinstance(value, str):
        value = age_text(value)
    if isinstance(value, pint.Quantity):
        if not value.is_compatible_with(unit):
            raise PbpkInputError("patient", field, f"{value:~P}", f'a quantity in {unit}, e.g. "{example}"')
        return value
    return parse_quantity(value, unit, where="patient", field=field, example=example)


__all__ = ["patient", "age_text", "RENAL_EQUATIONS", "AGE_UNITS"]
