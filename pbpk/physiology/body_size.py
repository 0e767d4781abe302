"""Body-size descriptors of a patient: BMI, body surface area, ideal, lean and adjusted body weight.

Dosing rules and renal-function formulas name the weight they use; these functions
compute each one from height, weight and sex (all pint quantities, results in kg or m²).

* BSA: Du Bois D, Du Bois EF. Arch Intern Med 1916;17:863 (default), or Mosteller RD.
  N Engl J Med 1987;317:1098.
* Ideal body weight: Devine BJ. Drug Intell Clin Pharm 1974;8:650 (50 kg for men,
  45.5 kg for women at 5 ft, plus 2.3 kg per inch above).
* Lean body weight: Janmahasatian S et al. Clin Pharmacokinet 2005;44:1051 (semi-mechanistic,
  from BMI and sex).
* Adjusted body weight: IBW + 0.4 × (TBW − IBW), the correction used with Cockcroft–Gault in
  obesity (Winter MA et al. Pharmacotherapy 2012;32:604).

Examples
--------
>>> from pbpk.core.units import Quantity
>>> h, w = Quantity(176, "cm"), Quantity(73, "kg")
>>> round(body_surface_area(w, h).to("m^2").magnitude, 3)       # ICRP 89 reference man, Du Bois
1.889
>>> round(ideal_body_weight(h, "male").to("kg").magnitude, 1)     # Devine
71.4
>>> round(lean_body_weight(w, h, "male").to("kg").magnitude, 1)   # Janmahasatian 2005
57.5
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pint
from numpy.typing import ArrayLike

from pbpk.core.errors import PbpkInputError
from pbpk.core.records import check_choice, check_quantity
from pbpk.core.units import Quantity

BsaFormula = Literal["du_bois", "mosteller"]
BSA_FORMULAS: tuple[BsaFormula, ...] = ("du_bois", "mosteller")
#: Weights the clinical formulas can use (Cockcroft–Gault, dosing per kg).
WEIGHTS = ("total", "ideal", "adjusted", "lean")
INCH_CM = 2.54
DEVINE_BASE_KG = {"male": 50.0, "female": 45.5}  # at 60 inches (Devine 1974)
DEVINE_KG_PER_INCH = 2.3
ADJUSTED_FRACTION = 0.4  # of the excess over ideal weight (Winter et al. 2012)


def _kg(weight: pint.Quantity, where: str) -> float:
    return check_quantity(weight, "kg", where=where, field="weight").to("kg").magnitude


def _cm(height: pint.Quantity, where: str) -> float:
    return check_quantity(height, "cm", where=where, field="height").to("cm").magnitude


def body_mass_index(weight: pint.Quantity, height: pint.Quantity) -> pint.Quantity:
    """Weight / height² (kg/m²)."""
    return Quantity(_kg(weight, "body_mass_index") / (_cm(height, "body_mass_index") / 100.0) ** 2, "kg/m^2")


def body_surface_area(weight: pint.Quantity, height: pint.Quantity, formula: BsaFormula = "du_bois") -> pint.Quantity:
    """Body surface area (m²): Du Bois 0.007184·W^0.425·H^0.725 or Mosteller √(H·W/3600) (W kg, H cm)."""
    check_choice(formula, BSA_FORMULAS, where="body_surface_area", field="formula")
    kg, cm = _kg(weight, "body_surface_area"), _cm(height, "body_surface_area")
    if formula == "du_bois":
        return Quantity(float(du_bois(kg, cm)), "m^2")
    return Quantity((kg * cm / 3600.0) ** 0.5, "m^2")


def du_bois(kg: ArrayLike, cm: ArrayLike) -> np.ndarray:
    """Du Bois body surface area (m²) of plain numbers or arrays: 0.007184·W^0.425·H^0.725 (W kg, H cm)."""
    return 0.007184 * np.asarray(kg, dtype=float) ** 0.425 * np.asarray(cm, dtype=float) ** 0.725


def ideal_body_weight(height: pint.Quantity, sex: str) -> pint.Quantity:
    """Devine ideal body weight (kg): base at 5 ft plus 2.3 kg per inch above (for heights below 5 ft,
    the same line extended, as the formula is commonly applied)."""
    check_choice(sex, tuple(DEVINE_BASE_KG), where="ideal_body_weight", field="sex")
    inches = _cm(height, "ideal_body_weight") / INCH_CM
    value = DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * (inches - 60.0)
    if value <= 0:
        raise PbpkInputError("ideal_body_weight", "height", f"{height:~P}",
                             "a height at which the Devine formula gives a positive weight (above about 1.1 m)")
    return Quantity(value, "kg")


def lean_body_weight(weight: pint.Quantity, height: pint.Quantity, sex: str) -> pint.Quantity:
    """Janmahasatian 2005 lean body weight (kg): 9270·W/(6680 + 216·BMI) for men, 9270·W/(8780 + 244·BMI)
    for women."""
    check_choice(sex, ("male", "female"), where="lean_body_weight", field="sex")
    kg = _kg(weight, "lean_body_weight")
    bmi = body_mass_index(weight, height).magnitude
    denominator = 6680.0 + 216.0 * bmi if sex == "male" else 8780.0 + 244.0 * bmi
    return Quantity(9270.0 * kg / denominator, "kg")


def adjusted_body_weight(weight: pint.Quantity, height: pint.Quantity, sex: str) -> pint.Quantity:
    """IBW + 0.4 × (TBW − IBW) above ideal weight; the total weight at or below it (kg)."""
    ideal = ideal_body_weight(height, sex).magnitude
    kg = _kg(weight, "adjusted_body_weight")
    return Quantity(kg if kg <= ideal else ideal + ADJUSTED_FRACTION * (kg - ideal), "kg")


def dosing_weight(kind: str, weight: pint.Quantity, height: pint.Quantity, sex: str) -> pint.Quantity:
    """The weight called ``kind`` (one of :data:`WEIGHTS`) of a person (kg)."""
    check_choice(kind, WEIGHTS, where="dosing_weight", field="weight")
    if kind == "total":
        return Quantity(_kg(weight, "dosing_weight"), "kg")
    if kind == "ideal":
        return ideal_body_weight(height, sex)
    if kind == "adjusted":
        return adjusted_body_weight(weight, height, sex)
    return lean_body_weight(weight, height, sex)


__all__ = ["body_mass_index", "body_surface_area", "ideal_body_weight", "lean_body_weight", "adjusted_body_weight",
           "dosing_weight", "du_bois", "WEIGHTS", "BSA_FORMULAS", "BsaFormula"]
