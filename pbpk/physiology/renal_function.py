"""Renal function from a patient's covariates: serum creatinine, creatinine clearance, eGFR, CKD stage.

Equations (SCr in mg/dL, age in years, weight in kg, height in cm):

* Cockcroft DW, Gault MH. Nephron 1976;16:31 — CrCL (mL/min) = (140 − age)·W/(72·SCr), × 0.85 for
  women; W is the weight the caller names (total, ideal, adjusted or lean; :mod:`pbpk.physiology.body_size`).
* Inker LA et al. N Engl J Med 2021;385:1737 (CKD-EPI 2021, race-free), mL/min/1.73 m²:
  creatinine 142·min(SCr/κ,1)^α·max(SCr/κ,1)^−1.200·0.9938^age·1.012[female];
  creatinine–cystatin C 135·min(SCr/κ,1)^α·max(SCr/κ,1)^−0.544·min(Scys/0.8,1)^−0.323·
  max(Scys/0.8,1)^−0.778·0.9961^age·0.963[female]; κ 0.7 (women), 0.9 (men); α −0.241/−0.302
  (creatinine) and −0.219/−0.144 (with cystatin C), women/men.
* Levey AS et al. Ann Intern Med 2006;145:247 (MDRD, IDMS-traceable): 175·SCr^−1.154·age^−0.203·
  0.742[female]·1.212[Black], mL/min/1.73 m².
* Schwartz GJ et al. J Am Soc Nephrol 2009;20:629 (bedside CKiD): 0.413·height/SCr, mL/min/1.73 m²,
  for children (1–18 y).
* KDIGO 2012 GFR categories G1–G5 (Kidney Int Suppl 2013;3:1): ≥ 90, 60–89, 45–59, 30–44, 15–29, < 15.

Serum creatinine must carry its unit: mg/dL or µmol/L (1 mg/dL = 88.42 µmol/L, creatinine
113.12 g/mol). Adult equations refuse children and the Schwartz equation refuses adults.

Examples
--------
>>> from pbpk.core.units import Quantity
>>> scr = serum_creatinine("88.4 umol/L")
>>> round(scr.to("mg/dL").magnitude, 2)
1.0
>>> round(cockcroft_gault(Quantity(40, "year"), Quantity(72, "kg"), scr, "male").magnitude, 1)   # mL/min
100.0
>>> round(ckd_epi_2021(scr, Quantity(50, "year"), "female").magnitude)   # mL/min/1.73 m²
69
>>> gfr_category(Quantity(35, "mL/min"))
'G3b'
"""

from __future__ import annotations

import re

import pint

from pbpk.core.errors import PbpkInputError
from pbpk.core.records import check_choice, check_quantity
from pbpk.core.units import Quantity, parse_quantity

CREATININE_UMOL_PER_L_PER_MG_PER_DL = 88.42  # 10 dL/L × 1000 µmol/mmol / 113.12 g/mol
#: Plausible serum creatinine (mg/dL): below, a unit mix-up; above, beyond what a living patient shows.
SCR_RANGE_MG_PER_DL = (0.1, 20.0)
CYSTATIN_RANGE_MG_PER_L = (0.2, 10.0)
ADULT_YEARS = 18.0
SCHWARTZ_YEARS = (1.0, 18.0)  # the CKiD bedside equation's population (Schwartz 2009: 1-16 y)
STANDARD_BSA = Quantity(1.73, "m^2")
#: KDIGO 2012 categories: (name, lower limit in mL/min/1.73 m²), highest first.
GFR_CATEGORIES = (("G1", 90.0), ("G2", 60.0), ("G3a", 45.0), ("G3b", 30.0), ("G4", 15.0), ("G5", 0.0))
#: Highest plausible GFR or CrCL (mL/min): augmented renal clearance reaches about 200-250 (pbpk limit).
MAX_GFR_ML_MIN = 300.0


def serum_creatinine(value: str | pint.Quantity, *, where: str = "patient", field: str = "serum_creatinine"
                     ) -> pint.Quantity:
    """Serum creatinine as mg/dL, from ``"2.1 mg/dL"`` or ``"186 umol/L"`` (a number without unit is refused)."""
    if (isinstance(value, (int, float)) and not isinstance(value, bool)) or _is_number(value):
        raise PbpkInputError(where, field, value, 'serum creatinine with its unit, e.g. "1.1 mg/dL" or "97 umol/L"',
                             "mg/dL and µmol/L differ 88-fold, so a bare number is ambiguous")
    quantity = value if isinstance(value, pint.Quantity) else None
    if quantity is None:
        text = str(value).replace("µ", "u").replace("μ", "u")
        quantity = parse_quantity(text, "mg/dL", where=where, field=field, example="1.1 mg/dL") \
            if "mol" not in text else parse_quantity(text, "umol/L", where=where, field=field, example="97 umol/L")
    if quantity.is_compatible_with("umol/L"):
        mg_dl = quantity.to("umol/L").magnitude / CREATININE_UMOL_PER_L_PER_MG_PER_DL
    elif quantity.is_compatible_with("mg/dL"):
        mg_dl = quantity.to("mg/dL").magnitude
    else:
        raise PbpkInputError(where, field, f"{quantity:~P}", "a concentration in mg/dL or umol/L")
    low, high = SCR_RANGE_MG_PER_DL
    if not low <= mg_dl <= high:
        raise PbpkInputError(where, field, f"{quantity:~P}",
                             f"a serum creatinine in {low:g}-{high:g} mg/dL "
                             f"({low * CREATININE_UMOL_PER_L_PER_MG_PER_DL:.0f}-"
                             f"{high * CREATININE_UMOL_PER_L_PER_MG_PER_DL:.0f} umol/L)")
    return Quantity(mg_dl, "mg/dL")


def _is_number(value: object) -> bool:
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def cystatin_c(value: str | pint.Quantity, *, where: str = "patient", field: str = "cystatin_c") -> pint.Quantity:
    """Serum cystatin C as mg/L (``"1.2 mg/L"``)."""
    quantity = value if isinstance(value, pint.Quantity) else parse_quantity(
        value, "mg/L", where=where, field=field, example="1.2 mg/L")
    check_quantity(quantity, "mg/L", where=where, field=field)
    mg_l = quantity.to("mg/L").magnitude
    low, high = CYSTATIN_RANGE_MG_PER_L
    if not low <= mg_l <= high:
        raise PbpkInputError(where, field, f"{quantity:~P}", f"a cystatin C in {low:g}-{high:g} mg/L")
    return Quantity(mg_l, "mg/L")


def _years(age: pint.Quantity, equation: str, adult: bool = True) -> float:
    years = check_quantity(age, "year", where=equation, field="age").to("year").magnitude
    if adult and years < ADULT_YEARS:
        raise PbpkInputError(equation, "age", f"{years:g} y", f"an adult (≥ {ADULT_YEARS:g} y) for this adult equation",
                             "for children use the bedside Schwartz equation (bedside_schwartz)")
    return years


def _female(sex: str, equation: str) -> bool:
    return check_choice(sex, ("male", "female"), where=equation, field="sex") == "female"


def cockcroft_gault(age: pint.Quantity, weight: pint.Quantity, scr: pint.Quantity, sex: str) -> pint.Quantity:
    """Creatinine clearance (mL/min) by Cockcroft–Gault with the given weight (see the module docstring)."""
    years = _years(age, "cockcroft_gault")
    kg = check_quantity(weight, "kg", where="cockcroft_gault", field="weight").to("kg").magnitude
    value = (140.0 - years) * kg / (72.0 * scr.to("mg/dL").magnitude)
    return Quantity(value * (0.85 if _female(sex, "cockcroft_gault") else 1.0), "mL/min")


def ckd_epi_2021(scr: pint.Quantity, age: pint.Quantity, sex: str, cystatin: pint.Quantity | None = None
                 ) -> pint.Quantity:
    """eGFR (mL/min/1.73 m²) by CKD-EPI 2021, from creatinine or from creatinine and cystatin C."""
    years = _years(age, "ckd_epi_2021")
    female = _female(sex, "ckd_epi_2021")
    kappa = 0.7 if female else 0.9
    ratio = scr.to("mg/dL").magnitude / kappa
    if cystatin is None:
        alpha = -0.241 if female else -0.302
        value = 142.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938 ** years
        return Quantity(value * (1.012 if female else 1.0), "mL/min")
    alpha = -0.219 if female else -0.144
    cys = cystatin.to("mg/L").magnitude / 0.8
    value = (135.0 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -0.544 * min(cys, 1.0) ** -0.323
             * max(cys, 1.0) ** -0.778 * 0.9961 ** years)
    return Quantity(value * (0.963 if female else 1.0), "mL/min")


def mdrd(scr: pint.Quantity, age: pint.Quantity, sex: str, *, black: bool = False) -> pint.Quantity:
    """eGFR (mL/min/1.73 m²) by the 4-variable IDMS-traceable MDRD equation."""
    years = _years(age, "mdrd")
    value = 175.0 * scr.to("mg/dL").magnitude ** -1.154 * years ** -0.203
    value *= (0.742 if _female(sex, "mdrd") else 1.0) * (1.212 if black else 1.0)
    return Quantity(value, "mL/min")


def bedside_schwartz(scr: pint.Quantity, height: pint.Quantity, age: pint.Quantity) -> pint.Quantity:
    """eGFR (mL/min/1.73 m²) of a child by the bedside CKiD Schwartz equation, 0.413·height/SCr."""
    years = _years(age, "bedside_schwartz", adult=False)
    low, high = SCHWARTZ_YEARS
    if not low <= years < high:
        raise PbpkInputError("bedside_schwartz", "age", f"{years:g} y", f"a child of {low:g}-{high:g} y",
                             "for adults use CKD-EPI 2021 (ckd_epi_2021) or Cockcroft-Gault")
    cm = check_quantity(height, "cm", where="bedside_schwartz", field="height").to("cm").magnitude
    return Quantity(0.413 * cm / scr.to("mg/dL").magnitude, "mL/min")


def absolute_gfr(indexed: pint.Quantity, bsa: pint.Quantity) -> pint.Quantity:
    """An eGFR per 1.73 m² de-indexed to the patient's body surface area (mL/min)."""
    return (indexed.to("mL/min") * (bsa / STANDARD_BSA).to("").magnitude).to("mL/min")


def indexed_gfr(absolute: pint.Quantity, bsa: pint.Quantity) -> pint.Quantity:
    """A GFR in mL/min per the patient's BSA, expressed per 1.73 m² (mL/min)."""
    return (absolute.to("mL/min") * (STANDARD_BSA / bsa).to("").magnitude).to("mL/min")


def gfr_category(indexed: pint.Quantity) -> str:
    """KDIGO GFR category (G1-G5) of a GFR per 1.73 m²."""
    value = check_quantity(indexed, "mL/min", where="gfr_category", field="gfr", positive=False).to("mL/min").magnitude
    return next(name for name, low in GFR_CATEGORIES if value >= low)


def gfr_quantity(value: str | pint.Quantity, *, where: str, field: str, indexed: bool = False) -> pint.Quantity:
    """A GFR or CrCL in mL/min from ``"35 mL/min"`` (or, ``indexed``, ``"22 mL/min/1.73 m²"`` in any of the
    usual spellings of the per-1.73 m² suffix), checked by :func:`check_gfr`."""
    if isinstance(value, str):
        text = value.strip()
        if indexed:
            text = re.sub(r"/\s*1\.73\s*m(?:2|\^2|²)\s*$", "", text)
        value = parse_quantity(text, "mL/min", where=where, field=field, example="35 mL/min")
    return check_gfr(value, where=where, field=field)


def check_gfr(value: pint.Quantity, *, where: str, field: str) -> pint.Quantity:
    """A measured or estimated GFR or CrCL (> 0, at most :data:`MAX_GFR_ML_MIN`)."""
    check_quantity(value, "mL/min", where=where, field=field, found=f"{value:~P}")
    if value.to("mL/min").magnitude > MAX_GFR_ML_MIN:
        raise PbpkInputError(where, field, f"{value:~P}", f"at most {MAX_GFR_ML_MIN:g} mL/min",
                             "above the highest clearances measured even in augmented renal clearance")
    return value.to("mL/min")


__all__ = ["serum_creatinine", "cystatin_c", "cockcroft_gault", "ckd_epi_2021", "mdrd", "bedside_schwartz",
           "absolute_gfr", "indexed_gfr", "gfr_category", "check_gfr", "gfr_quantity", "GFR_CATEGORIES", "STANDARD_BSA",
           "CREATININE_UMOL_PER_L_PER_MG_PER_DL"]
