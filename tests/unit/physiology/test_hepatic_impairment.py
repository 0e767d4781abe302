"""Hepatic impairment by Child-Pugh class: the class factors, flow balance, the portosystemic shunt."""

from dataclasses import replace

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.physiology import reference_individual
from pbpk.physiology.hepatic_impairment import child_pugh_class, hepatic_impairment
from pbpk.physiology.patient import patient
from pbpk.simulation.simulate import simulate

FACTORS = {  # Li et al. 2015 (flows, liver size, albumin); PK-Sim's Edginton/Johnson values (the rest)
    "A": {"co": 1.1, "artery": 1.5, "portal": 0.72, "liver": 0.91, "albumin": 0.84, "agp": 0.60, "gfr": 1.0,
          "hct": 0.866, "kidney": 0.88, "CYP3A4": 1.0, "CYP2D6": 0.76},
    "B": {"co": 1.2, "artery": 1.7, "portal": 0.60, "liver": 0.81, "albumin": 0.69, "agp": 0.56, "gfr": 0.70,
          "hct": 0.822, "kidney": 0.65, "CYP3A4": 0.40, "CYP2D6": 0.33},
    "C": {"co": 1.3, "artery": 2.1, "portal": 0.13, "liver": 0.64, "albumin": 0.53, "agp": 0.30, "gfr": 0.36,
          "hct": 0.778, "kidney": 0.48, "CYP3A4": 0.40, "CYP2D6": 0.11},
}


@pytest.mark.parametrize("grade", "ABC")
def test_class_factors_and_flow_balance(grade):
    man = reference_individual("male")
    ill = hepatic_impairment(man, grade)
    f = FACTORS[grade]

    def ratio(a, b):
        return (a / b).to("").magnitude

    assert ratio(ill.cardiac_output, man.cardiac_output) == pytest.approx(f["co"])
    assert ratio(ill.tissues["liver"].blood_flow, man.tissues["liver"].blood_flow) == pytest.approx(f["artery"])
    assert ratio(ill.tissues["kidney"].blood_flow, man.tissues["kidney"].blood_flow) == pytest.approx(f["kidney"])
    assert ratio(ill.liver_weight, man.liver_weight) == pytest.approx(f["liver"])
    assert ill.portal_shunt_fraction == pytest.approx(1 - f["portal"])
    assert ill.portal_blood_flow == man.portal_blood_flow  # the portal organs keep their outflow
    assert ill.tissues["brain"].blood_flow == man.tissues["brain"].blood_flow
    assert ratio(ill.albumin, man.albumin) == pytest.approx(f["albumin"])
    assert ratio(ill.alpha1_acid_glycoprotein, man.alpha1_acid_glycoprotein) == pytest.approx(f["agp"])
    assert ill.haematocrit / man.haematocrit == pytest.approx(f["hct"])
    assert ratio(ill.gfr, man.gfr) == pytest.approx(f["gfr"])
    for enzyme in ("CYP3A4", "CYP2D6"):
        assert ill.enzyme_activity(enzyme) == pytest.approx(f[enzyme])
    assert ill.venous_return.to("L/h").magnitude == pytest.approx(ill.cardiac_output.to("L/h").magnitude)
    assert ill.tissues["lung"].blood_flow == ill.cardiac_output


def test_the_shunt_conserves_mass_and_lets_oral_drug_escape_the_liver():
    """With half the portal blood shunted, mass balance holds, IV clearance of a high-extraction drug falls with the
    liver's lower inflow, and the oral/IV AUC ratio (F) rises."""
    man = reference_individual("male")
    shunted = replace(man, portal_shunt_fraction=0.5)
    nifedipine = load_compound("nifedipine")
    for person in (man, shunted):
        oral = simulate(nifedipine, person, dose="10 mg", route="oral", until="48 h")
        amounts = oral.mass_balance()
        assert np.allclose(amounts, amounts[0], rtol=1e-8)
    f = {}
    for label, person in (("healthy", man), ("shunted", shunted)):
        iv = simulate(nifedipine, person, dose="1 mg", route="iv").nca().as_dict()["AUC_inf"]["value"]
        po = simulate(nifedipine, person, dose="1 mg", route="oral").nca().as_dict()["AUC_inf"]["value"]
        f[label] = (po, iv)
    assert f["shunted"][1] > f["healthy"][1]  # lower systemic clearance
    assert f["shunted"][0] / f["shunted"][1] > 1.2 * f["healthy"][0] / f["healthy"][1]  # higher F
    assert simulate(nifedipine, replace(man, portal_shunt_fraction=0.0), dose="1 mg", route="iv").nca().as_dict() \
        == simulate(nifedipine, man, dose="1 mg", route="iv").nca().as_dict()


def test_class_words_and_patients():
    assert child_pugh_class("Child-Pugh b") == child_pugh_class("CP-B") == "B"
    with pytest.raises(PbpkInputError, match="A, B or C"):
        child_pugh_class("D")
    p = patient("female", age="55 year", child_pugh="C", crcl="40 mL/min")
    assert p.conditions["hepatic"] == "Child-Pugh C" and p.gfr.to("mL/min").magnitude == pytest.approx(40)
