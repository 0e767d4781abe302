"""Renal-function formulas and body-size descriptors against published worked examples and their definitions."""

import math

import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.physiology.body_size import (
    adjusted_body_weight,
    body_surface_area,
    ideal_body_weight,
    lean_body_weight,
)
from pbpk.physiology.renal_function import (
    absolute_gfr,
    bedside_schwartz,
    check_gfr,
    ckd_epi_2021,
    cockcroft_gault,
    cystatin_c,
    gfr_category,
    indexed_gfr,
    mdrd,
    serum_creatinine,
)

Y, KG, CM = (lambda v: Quantity(v, "year")), (lambda v: Quantity(v, "kg")), (lambda v: Quantity(v, "cm"))


def scr(value: float):
    return serum_creatinine(f"{value} mg/dL")


@pytest.mark.parametrize(("age", "weight", "creatinine", "sex", "expected", "source"), [
    (50, 80, 1.0, "male", 100.0, "theprimecalculator.com/health/creatinine-clearance/formula"),
    (65, 70, 1.4, "male", 52.1, "superglobalcalculator.com/formulas/pharmacology/creatinine-clearance"),
    (45, 60, 0.9, "female", 74.8, "superglobalcalculator.com/formulas/pharmacology/creatinine-clearance"),
    (60, 80, 1.2, "male", 74.1, "superglobalcalculator.com/formulas/health/creatinine-clearance"),
])
def test_cockcroft_gault_reproduces_published_worked_examples(age, weight, creatinine, sex, expected, source):
    """Cockcroft & Gault, Nephron 1976;16:31: (140 − age)·W/(72·SCr), × 0.85 for women (worked examples: source)."""
    assert cockcroft_gault(Y(age), KG(weight), scr(creatinine), sex).to("mL/min").magnitude == pytest.approx(
        expected, abs=0.05)


@pytest.mark.parametrize(("height", "creatinine", "expected"), [(100, 0.4, 103.25), (100, 0.5, 82.6)])
def test_bedside_schwartz_reproduces_worked_examples(height, creatinine, expected):
    """Schwartz et al. 2009: 0.413·height/SCr (examples: doctaverse.pages.dev and calculatorlib.com pages)."""
    assert bedside_schwartz(scr(creatinine), CM(height), Y(8)).magnitude == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("sex, kappa, sex_factor", [("male", 0.9, 1.0), ("female", 0.7, 1.012)])
@pytest.mark.parametrize("age", [25, 50, 80])
def test_ckd_epi_2021_at_its_knot_and_on_both_slopes(sex, kappa, sex_factor, age):
    """Inker et al. NEJM 2021 (coefficients as printed by kidney.org): at SCr = κ only the age and sex terms remain;
    above κ eGFR falls with SCr^-1.200, below it with SCr^α (−0.302 men, −0.241 women)."""
    at_knot = ckd_epi_2021(scr(kappa), Y(age), sex).magnitude
    assert at_knot == pytest.approx(142 * 0.9938 ** age * sex_factor, rel=1e-9)
    assert ckd_epi_2021(scr(2 * kappa), Y(age), sex).magnitude == pytest.approx(at_knot * 2 ** -1.200, rel=1e-9)
    alpha = -0.302 if sex == "male" else -0.241
    assert ckd_epi_2021(scr(kappa / 2), Y(age), sex).magnitude == pytest.approx(at_knot * 0.5 ** alpha, rel=1e-9)


def test_ckd_epi_2021_creatinine_cystatin_c_equation():
    """Inker et al. 2021 cr-cys: 135 at the knots (SCr = κ, Scys = 0.8 mg/L), cystatin slopes −0.323 and −0.778."""
    knot = ckd_epi_2021(scr(0.9), Y(40), "male", cystatin_c("0.8 mg/L")).magnitude
    assert knot == pytest.approx(135 * 0.9961 ** 40)
    high = ckd_epi_2021(scr(0.9), Y(40), "male", cystatin_c("1.6 mg/L")).magnitude
    assert high == pytest.approx(knot * 2 ** -0.778)
    woman = ckd_epi_2021(scr(1.4), Y(40), "female", cystatin_c("0.4 mg/L")).magnitude
    assert woman == pytest.approx(135 * 2 ** -0.544 * 0.5 ** -0.323 * 0.9961 ** 40 * 0.963)


#: Independent outputs of CKD-EPI 2021 (mL/min/1.73 m²): (sex, age, SCr, cystatin C or None, value, decimals, source).
#: NKF: the National Kidney Foundation's online CKD-EPI 2021 calculator, as recorded (integers) in the tests of the
#: R package admiral (pharmaverse/admiral tests/testthat/test-compute_kidney.R, commit 05459a5); admiral: that
#: package's own 4-decimal outputs in the same file; kidney.epi: printed examples of the R package kidney.epi 1.3.0
#: (Bikbov B, egfr.ckdepi.cr.2021 and egfr.ckdepi.cr_cys.2021 help pages); scicalc: assertions of the R package
#: scicalc (jelwing/scicalc tests/testthat/test-ckdepi_2021_egfr.R, commit e5fd8e6).
CKD_EPI_2021_EXAMPLES = [
    ("male", 55, "1.09 mg/dL", None, 80, 0, "NKF"),
    ("female", 65, "85 umol/L", None, 66, 0, "NKF"),
    ("male", 60, "1.4 mg/dL", None, 57.54, 2, "kidney.epi"),
    ("male", 55, "96.3 umol/L", None, 80.2293, 4, "admiral"),
    ("female", 52, "70 umol/L", None, 89.7175, 4, "admiral"),
    ("male", 67, "77 umol/L", None, 94.5453, 4, "admiral"),  # below the male knot (0.871 mg/dL)
    ("female", 76, "65 umol/L", None, 84.4646, 4, "admiral"),
    ("male", 60, "1.4 mg/dL", "0.8 mg/L", 83.97, 2, "kidney.epi"),
    ("male", 24, "1 mg/dL", "1 mg/L", 97.570, 3, "scicalc"),
    ("male", 24, "1 mg/dL", "0.4 mg/L", 145.193, 3, "scicalc"),
    ("female", 24, "1 mg/dL", "0.8 mg/L", 97.491, 3, "scicalc"),
    ("female", 24, "1 mg/dL", "2 mg/L", 47.793, 3, "scicalc"),
    ("male", 22, "4 mg/dL", "0.9 mg/L", 50.210, 3, "scicalc"),
]


@pytest.mark.parametrize(("sex", "age", "creatinine", "cystatin", "expected", "decimals", "source"),
                         CKD_EPI_2021_EXAMPLES)
def test_ckd_epi_2021_reproduces_independent_calculators(sex, age, creatinine, cystatin, expected, decimals, source):
    """Creatinine and creatinine–cystatin C equations against the NKF calculator and two R packages, to the
    printed rounding (µmol/L converted with 88.42, as theirs)."""
    cys = cystatin_c(cystatin) if cystatin else None
    value = ckd_epi_2021(serum_creatinine(creatinine), Y(age), sex, cys).magnitude
    assert round(value, decimals) == pytest.approx(expected, abs=1e-9), source


@pytest.mark.parametrize(("age", "weight", "creatinine", "sex", "expected"), [
    (55, 90, "1.09 mg/dL", "male", 97), (65, 60, "85 umol/L", "female", 55)])
def test_cockcroft_gault_reproduces_the_nkf_calculator(age, weight, creatinine, sex, expected):
    """NKF online Cockcroft–Gault calculator outputs (integers), as recorded in admiral's tests (commit 05459a5)."""
    value = cockcroft_gault(Y(age), KG(weight), serum_creatinine(creatinine), sex).to("mL/min").magnitude
    assert round(value) == expected


@pytest.mark.parametrize(("age", "creatinine", "sex", "black", "expected"), [
    (55, "1.09 mg/dL", "male", False, 70.2), (65, "85 umol/L", "female", True, 70.6)])
def test_mdrd_reproduces_mdcalc(age, creatinine, sex, black, expected):
    """MDCalc IDMS-traceable MDRD outputs (1 decimal), as recorded in admiral's tests (commit 05459a5)."""
    assert round(mdrd(serum_creatinine(creatinine), Y(age), sex, black=black).magnitude, 1) == pytest.approx(expected)


def test_mdrd_is_the_idms_traceable_four_variable_equation():
    """Levey et al. 2006: 175·SCr^−1.154·age^−0.203·0.742[female]·1.212[Black]."""
    assert mdrd(scr(1.0), Y(50), "male").magnitude == pytest.approx(175 * 50 ** -0.203)
    assert mdrd(scr(2.0), Y(50), "female", black=True).magnitude == pytest.approx(
        175 * 2 ** -1.154 * 50 ** -0.203 * 0.742 * 1.212)


def test_creatinine_units_and_bad_values():
    assert serum_creatinine("88.42 µmol/L").magnitude == pytest.approx(1.0)
    assert serum_creatinine("186 umol/L").magnitude == pytest.approx(186 / 88.42)
    for bad, message in [(1.1, "bare number"), ("1.1", "bare number"), ("-1 mg/dL", "0.1-20 mg/dL"),
                         ("40 mg/dL", "0.1-20 mg/dL"), ("1 mg", "mass / volume")]:
        with pytest.raises(PbpkInputError, match=message):
            serum_creatinine(bad)


def test_adult_equations_refuse_children_and_schwartz_refuses_adults():
    with pytest.raises(PbpkInputError, match="bedside Schwartz"):
        ckd_epi_2021(scr(0.5), Y(10), "male")
    with pytest.raises(PbpkInputError, match="bedside Schwartz"):
        cockcroft_gault(Y(12), KG(40), scr(0.6), "female")
    with pytest.raises(PbpkInputError, match="CKD-EPI 2021"):
        bedside_schwartz(scr(1.0), CM(175), Y(30))


def test_gfr_categories_and_indexing():
    """KDIGO 2012 limits (lower limit inclusive); per 1.73 m² and absolute GFR convert with the BSA."""
    cases = {120: "G1", 90: "G1", 89.9: "G2", 60: "G2", 59: "G3a", 45: "G3a", 44: "G3b", 30: "G3b", 29: "G4",
             15: "G4", 14.9: "G5", 3: "G5"}
    assert {v: gfr_category(Quantity(v, "mL/min")) for v in cases} == cases
    bsa = Quantity(2.0, "m^2")
    absolute = absolute_gfr(Quantity(60, "mL/min"), bsa)
    assert absolute.magnitude == pytest.approx(60 * 2.0 / 1.73)
    assert indexed_gfr(absolute, bsa).magnitude == pytest.approx(60)
    with pytest.raises(PbpkInputError, match="at most 300"):
        check_gfr(Quantity(400, "mL/min"), where="patient", field="crcl")


def test_body_size_descriptors():
    """Mosteller √(H·W/3600) is 2 m² at 180 cm and 80 kg; Du Bois at the ICRP man; Devine; Janmahasatian 2005."""
    assert body_surface_area(KG(80), CM(180), "mosteller").magnitude == pytest.approx(2.0)
    assert body_surface_area(KG(73), CM(176)).magnitude == pytest.approx(0.007184 * 73 ** 0.425 * 176 ** 0.725)
    assert ideal_body_weight(CM(152.4), "male").magnitude == pytest.approx(50.0)
    assert ideal_body_weight(CM(152.4 + 2.54 * 10), "female").magnitude == pytest.approx(45.5 + 23.0)
    bmi = 110 / 1.78 ** 2
    assert lean_body_weight(KG(110), CM(178), "male").magnitude == pytest.approx(9270 * 110 / (6680 + 216 * bmi))
    assert lean_body_weight(KG(110), CM(178), "female").magnitude == pytest.approx(9270 * 110 / (8780 + 244 * bmi))
    ideal = ideal_body_weight(CM(178), "male").magnitude
    assert adjusted_body_weight(KG(110), CM(178), "male").magnitude == pytest.approx(ideal + 0.4 * (110 - ideal))
    assert adjusted_body_weight(KG(60), CM(178), "male").magnitude == 60.0  # below ideal: the total weight
    assert math.isclose(lean_body_weight(KG(73), CM(176), "male").magnitude / 73, 0.79, abs_tol=0.01)
