"""Renal impairment (Malik et al. 2020 / PK-Sim CKD method) and patients built from their renal covariates."""

import math

import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.disposition.binding import plasma_unbound_fraction, scaled_unbound_fraction
from pbpk.disposition.clearance import pathway_intrinsic_clearance, secretion_clearance
from pbpk.physiology.adults import adult
from pbpk.physiology.body_size import body_surface_area
from pbpk.physiology.patient import patient
from pbpk.physiology.renal_impairment import renal_impairment, stage_range
from pbpk.simulation.simulate import simulate


@pytest.fixture(scope="module")
def man():
    return adult("male", age="55 year")


def _per_173(person):
    bsa = body_surface_area(person.body_weight, person.height).magnitude
    return person.gfr.to("mL/min").magnitude * 1.73 / bsa


def test_kidney_volume_and_perfusion_follow_the_published_fits(man):
    healthy = _per_173(man)
    ckd = renal_impairment(man, "20 mL/min")
    assert _per_173(ckd) == pytest.approx(20.0)
    kv = math.exp(-6.3e-5 * 400 + 0.0149 * 20) / math.exp(-6.3e-5 * healthy ** 2 + 0.0149 * healthy)
    rcp = math.exp(-3.1e-5 * 400 + 0.0170 * 20) / math.exp(-3.1e-5 * healthy ** 2 + 0.0170 * healthy)
    assert (ckd.tissues["kidney"].mass / man.tissues["kidney"].mass).to("").magnitude == pytest.approx(kv)
    assert (ckd.tissues["kidney"].blood_flow / man.tissues["kidney"].blood_flow).to("").magnitude == pytest.approx(rcp)
    # the kidney's lost flow leaves the cardiac output: the lung still carries all of it, venous return equals it
    assert ckd.tissues["lung"].blood_flow == ckd.cardiac_output
    assert ckd.venous_return.to("L/h").magnitude == pytest.approx(ckd.cardiac_output.to("L/h").magnitude)


@pytest.mark.parametrize(("gfr", "fu", "hct_ratio", "transit"), [
    (75, 1.0, 45.5 / 45.5, 1.0), (45, 1.07, 43.3 / 45.5, 1.0), (22, 1.16, 41.7 / 45.5, 1.4), (8, 1.55, 34.3 / 45.5, 1.4),
])
def test_category_changes_of_fu_haematocrit_and_transit(man, gfr, fu, hct_ratio, transit):
    """Tan et al. 2018 fu multipliers, Hsu 2001 haematocrit bands (men), transit (OSP CKD report Tables 2-1, 2-2)."""
    ckd = renal_impairment(man, Quantity(gfr, "mL/min"))
    assert ckd.unbound_fraction_factor == fu
    assert ckd.haematocrit / man.haematocrit == pytest.approx(hct_ratio)
    assert ckd.blood_volume.magnitude == pytest.approx(man.blood_volume.magnitude)
    assert (ckd.small_intestine_transit_time / man.small_intestine_transit_time).to("").magnitude == transit
    midazolam, vancomycin = load_compound("midazolam"), load_compound("vancomycin")  # fu 0.031 and 0.70
    assert plasma_unbound_fraction(midazolam, ckd) == pytest.approx(fu * plasma_unbound_fraction(midazolam, man),
                                                                     rel=0.02)  # highly bound: m-fold
    weak = plasma_unbound_fraction(vancomycin, ckd)  # binding capacity 1/m (McNamara & Alcorn 2002)
    assert weak == pytest.approx(scaled_unbound_fraction(0.70, 1 / fu)) and weak < 0.70 * fu + 1e-12


def test_dialysis_rows_and_augmented_clearance(man):
    on_dialysis = renal_impairment(man, "5 mL/min", dialysis=True)
    assert on_dialysis.unbound_fraction_factor == 1.55
    assert on_dialysis.haematocrit / man.haematocrit == pytest.approx(31.0 / 45.5)
    assert "dialysis" in on_dialysis.conditions["renal"]
    arc = renal_impairment(man, "170 mL/min")
    assert _per_173(arc) == pytest.approx(170)
    assert arc.tissues == man.tissues and arc.haematocrit == man.haematocrit and arc.unbound_fraction_factor == 1.0


def test_tubular_secretion_follows_gfr_intact_nephrons(man):
    digoxin = load_compound("digoxin")
    ckd = renal_impairment(man, "30 mL/min")
    ratio = (ckd.gfr / man.gfr).to("").magnitude
    assert (secretion_clearance(digoxin, ckd) / secretion_clearance(digoxin, man)).to("").magnitude == \
        pytest.approx(ratio)


def test_impairments_are_not_applied_twice(man):
    with pytest.raises(PbpkInputError, match="not applied twice"):
        renal_impairment(renal_impairment(man, "30 mL/min"), "20 mL/min")
    assert patient("male", age="50 year", egfr="22 mL/min/1.73 m²").gfr == patient(
        "male", age="50 year", egfr="22 mL/min").gfr  # one reading of the per-1.73 m² suffix


def test_stage_words():
    assert stage_range("CKD 3b") == (30.0, 44.0, False)
    assert stage_range("g4") == stage_range("severe") == (15.0, 29.0, False)
    assert stage_range("eGFR 15-29") == (15.0, 29.0, False)
    assert stage_range("ESRD") == (1.0, 10.0, True)
    assert stage_range("ARC") == (130.0, 200.0, False)
    assert stage_range("CKD 3") == stage_range("G3") == (30.0, 59.0, False)  # G3a and G3b together (K/DOQI 2002)
    with pytest.raises(PbpkInputError, match='expected one of normal, G1.*Did you mean'):
        stage_range("G3c")


def test_a_patient_from_serum_creatinine_and_the_definition_that_set_the_gfr():
    """CKD-EPI 2021 eGFR de-indexed by BSA for adults; CrCL used as the GFR; bedside Schwartz for children."""
    p = patient("male", age="70 year", height="175 cm", weight="80 kg", scr="1.8 mg/dL")
    bsa = body_surface_area(p.body_weight, p.height).magnitude
    egfr = 142 * (1.8 / 0.9) ** -1.200 * 0.9938 ** 70
    assert p.gfr.to("mL/min").magnitude == pytest.approx(egfr * bsa / 1.73)
    assert p.sources["gfr"].startswith("eGFR 40 mL/min/1.73 m² by CKD-EPI 2021")
    cg = patient("male", age="70 year", height="175 cm", weight="80 kg", scr="1.8 mg/dL",
                 renal_equation="cockcroft-gault", crcl_weight="ideal")
    ideal = 50 + 2.3 * (175 / 2.54 - 60)
    assert cg.gfr.to("mL/min").magnitude == pytest.approx((140 - 70) * ideal / (72 * 1.8))
    crcl = patient("female", age="50 year", crcl="35 mL/min")
    assert crcl.gfr.to("mL/min").magnitude == pytest.approx(35.0)
    kid = patient("male", age="8 year", scr="0.5 mg/dL")
    assert kid.sources["gfr"].startswith("eGFR") and "bedside Schwartz" in kid.sources["gfr"]
    aki = patient("male", age="50 year", egfr="25 mL/min/1.73m^2", ckd=False)
    assert aki.unbound_fraction_factor == 1.0 and "GFR only" in aki.conditions["renal"]


@pytest.mark.parametrize(("covariates", "message"), [
    ({"scr": "2 mg/dL", "crcl": "30 mL/min"}, "one measure of renal function"),
    ({"cystatin": "1.2 mg/L"}, "serum creatinine with CKD-EPI 2021"),
    ({"scr": "2 mg/dL", "cystatin": "1.2 mg/L", "renal_equation": "mdrd"}, "serum creatinine with CKD-EPI 2021"),
    ({"scr": "2 mg/dL", "crcl_weight": "ideal"}, "cockcroft-gault"),
    ({"renal_equation": "mdrd"}, "a renal function"),
    ({"egfr": "8 mL/min", "dialysis": True, "ckd": False}, "the CKD changes"),
    ({"egfr": "95 mL/min", "dialysis": True}, "below 15 mL/min/1.73 m²"),
    ({"scr": "2 mg/dL", "renal_equation": "schwartz"}, "a child of 1-18 y"),
    ({"egfr": "500 mL/min"}, "at most 300 mL/min"),
    ({"dialysis": True}, "a renal function"),
])
def test_bad_renal_covariates_are_refused(covariates, message):
    with pytest.raises(PbpkInputError, match=message):
        patient("male", age="50 year", **covariates)


def test_a_pathway_known_to_fall_in_kidney_failure_follows_the_remaining_gfr(man):
    """Vancomycin's non-renal pathway: 0.14 of healthy without kidney function (Vancocin label), linear in
    GFR/GFR_healthy between; a pathway without a kidney_failure block, augmented renal clearance and a GFR set
    without the CKD changes leave it alone."""
    [pathway] = load_compound("vancomycin").clearance.hepatic
    healthy = _per_173(man)
    ckd = renal_impairment(man, "20 mL/min")
    assert ckd.kidney_function == pytest.approx(20.0 / healthy)
    ratio = (pathway_intrinsic_clearance(pathway, ckd) / pathway_intrinsic_clearance(pathway, man)).to("").magnitude
    assert ratio == pytest.approx(0.14 + 0.86 * 20.0 / healthy)
    assert renal_impairment(man, "150 mL/min").kidney_function == 1.0
    assert patient("male", age="55 year", crcl="20 mL/min", ckd=False).kidney_function == 1.0
    cyp3a4 = load_compound("midazolam").clearance.hepatic[0]
    assert pathway_intrinsic_clearance(cyp3a4, ckd) == pathway_intrinsic_clearance(cyp3a4, man)


def test_vancomycin_half_life_without_kidney_function_is_the_labels_week():
    """Guard on the derivation of the anephric fraction (it was derived from this label value, so this is not a
    validation): at a GFR of 0.5 mL/min the half-life is within 1.5-fold of the label's 7.5 days; with the
    healthy non-renal clearance kept, it was 1.3 days."""
    person = patient("male", age="55 year", gfr="0.5 mL/min")
    result = simulate(load_compound("vancomycin"), person, dose="1 g", route="infusion", infusion_time="60 min",
                      every="2000 h", doses=1)
    t_half = result.nca().as_dict()["t_half"]["value"]
    assert 180.0 / 1.5 < t_half < 180.0 * 1.5
