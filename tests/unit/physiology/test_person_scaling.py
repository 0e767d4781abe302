"""Compound data measured in adults, carried to another person: fu, B:P, enzyme activity, liver and kidney size."""

from dataclasses import replace

import pytest

from pbpk.compound import load_compound
from pbpk.disposition.binding import plasma_unbound_fraction, scaled_unbound_fraction
from pbpk.disposition.clearance import (
    biliary_intrinsic_clearance,
    hepatic_intrinsic_clearances,
    pathway_intrinsic_clearance,
    secretion_clearance,
)
from pbpk.disposition.distribution import blood_plasma_ratio
from pbpk.physiology import reference_individual
from pbpk.physiology.adults import adult


@pytest.fixture(scope="module")
def man():
    return reference_individual("male")


@pytest.mark.parametrize("fu", [0.01, 0.031, 0.3, 0.88])
@pytest.mark.parametrize("ratio", [0.25, 0.6, 1.7])
def test_bound_to_unbound_ratio_is_proportional_to_protein(fu, ratio):
    """McNamara & Alcorn 2002: (1 − fu)/fu ∝ P, so halving the protein halves the bound:unbound ratio."""
    scaled = scaled_unbound_fraction(fu, ratio)
    assert (1 - scaled) / scaled == pytest.approx(ratio * (1 - fu) / fu, rel=1e-12)


def test_fu_follows_the_compounds_binding_protein(man):
    midazolam = load_compound("midazolam")  # albumin
    assert plasma_unbound_fraction(midazolam, man) == midazolam.fu_plasma.value
    low_albumin = replace(man, albumin=man.albumin * 0.5)
    assert plasma_unbound_fraction(midazolam, low_albumin) == pytest.approx(scaled_unbound_fraction(0.031, 0.5))
    low_agp = replace(man, alpha1_acid_glycoprotein=man.alpha1_acid_glycoprotein * 0.5)
    assert plasma_unbound_fraction(midazolam, low_agp) == midazolam.fu_plasma.value


def test_measured_bp_keeps_the_red_cell_partition_at_other_haematocrit_and_fu(man):
    """B:P = 1 − H + H·fu·Kpu,RBC with Kpu,RBC from the adult measurement (propranolol B:P 0.74, fu 0.10)."""
    propranolol = load_compound("propranolol")
    assert blood_plasma_ratio(propranolol, man) == propranolol.blood_plasma_ratio.value
    adult_h = man.haematocrit
    kpu_rbc = (adult_h - 1 + 0.74) / (adult_h * 0.10)
    child = replace(man, red_cell_volume=man.red_cell_volume * 0.8, albumin=man.albumin * 0.7)
    fu = plasma_unbound_fraction(propranolol, child)
    h = child.haematocrit
    assert blood_plasma_ratio(propranolol, child) == pytest.approx(1 - h + h * fu * kpu_rbc, rel=1e-12)


def test_enzyme_activity_scales_only_its_own_pathways(man):
    midazolam = load_compound("midazolam")
    adult = hepatic_intrinsic_clearances(midazolam, man)
    half = hepatic_intrinsic_clearances(midazolam, replace(man, hepatic_activity={"CYP3A4": 0.5}))
    assert half["CYP3A4"].to("L/h").magnitude == pytest.approx(0.5 * adult["CYP3A4"].to("L/h").magnitude)
    assert half["UGT1A4"].to("L/h").magnitude == pytest.approx(adult["UGT1A4"].to("L/h").magnitude)


def test_whole_liver_and_kidney_values_scale_with_organ_size(man):
    """An in-vivo (whole-liver) CLint and a biliary CLint follow liver weight; secretion follows GFR."""
    small = adult("male", height="140 cm", weight="55 kg")  # liver by weight (Chouker 2004), GFR ∝ BSA
    liver = (small.liver_weight / man.liver_weight).to("").magnitude
    assert liver < 0.9
    alfentanil = load_compound("alfentanil")
    pathway = alfentanil.clearance.hepatic[0]
    assert pathway.system == "in_vivo"
    assert pathway_intrinsic_clearance(pathway, small).to("L/h").magnitude == pytest.approx(
        liver * pathway_intrinsic_clearance(pathway, man).to("L/h").magnitude)
    digoxin = load_compound("digoxin")
    assert biliary_intrinsic_clearance(digoxin, small).to("L/h").magnitude == pytest.approx(
        liver * digoxin.clearance.biliary.clint_unbound.to("L/h").magnitude)
    renal = (small.gfr / man.gfr).to("").magnitude
    assert secretion_clearance(digoxin, small).to("L/h").magnitude == pytest.approx(
        renal * digoxin.clearance.renal.secretion.to("L/h").magnitude)


def test_an_in_vivo_clint_follows_whole_liver_microsomal_protein_as_an_hlm_one_does(man):
    """A 70-year-old: liver weight × MPPGL (Barter 2008: 10^(1.407 + 0.0158A − 0.00038A² + 0.0000024A³))."""
    old = adult("male", age="70 year")
    barter = lambda a: 10 ** (1.407 + 0.0158 * a - 0.00038 * a ** 2 + 0.0000024 * a ** 3)
    expected = (old.liver_weight / man.liver_weight).to("").magnitude * barter(70) / barter(35)
    alfentanil = load_compound("alfentanil").clearance.hepatic[0]
    assert alfentanil.system == "in_vivo"
    assert pathway_intrinsic_clearance(alfentanil, old).to("L/h").magnitude == pytest.approx(
        expected * pathway_intrinsic_clearance(alfentanil, man).to("L/h").magnitude)
    midazolam = load_compound("midazolam")
    hlm = [p for p in midazolam.clearance.hepatic if p.system == "HLM"]
    for pathway in hlm:
        assert pathway_intrinsic_clearance(pathway, old).to("L/h").magnitude == pytest.approx(
            expected * pathway_intrinsic_clearance(pathway, man).to("L/h").magnitude)
