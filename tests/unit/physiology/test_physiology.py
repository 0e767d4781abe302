"""Reference adult physiology: values against ICRP 89 and internal consistency."""

import pytest

from pbpk.core.units import Quantity
from pbpk.core.names import tissue_names
from pbpk.physiology import ROLES, reference_individual

DESIGN_TISSUES = {"lung", "brain", "heart", "adipose", "muscle", "bone", "skin", "kidney", "liver", "gut",
                  "spleen", "pancreas", "stomach", "gonads", "rest_of_body"}


@pytest.mark.parametrize("sex", ["male", "female"])
def test_every_design_tissue_is_present_with_positive_volume_and_flow(sex):
    person = reference_individual(sex)
    assert DESIGN_TISSUES <= set(person.tissues)
    for tissue in person.tissues.values():
        assert tissue.volume.magnitude > 0
        assert tissue.blood_flow.magnitude > 0
        assert tissue.roles <= set(ROLES)
    assert "thymus" in tissue_names()  # optional tissue, lumped into rest_of_body for adults


@pytest.mark.parametrize(
    "sex, weight_kg, liver_kg, brain_kg, muscle_kg, cardiac_output_l_min, blood_l",
    [("male", 73, 1.8, 1.45, 29.0, 6.5, 5.3), ("female", 60, 1.4, 1.3, 17.5, 5.9, 3.9)],
)
def test_icrp89_reference_values(sex, weight_kg, liver_kg, brain_kg, muscle_kg, cardiac_output_l_min, blood_l):
    """ICRP Publication 89 (2002): Table 2.9 (body mass), Table 2.8 (organ masses),
    Table 2.39 (cardiac output), Table 2.12 (blood volume)."""
    person = reference_individual(sex)
    assert person.body_weight.to("kg").magnitude == pytest.approx(weight_kg)
    assert person.tissues["liver"].mass.to("kg").magnitude == pytest.approx(liver_kg)
    assert person.tissues["brain"].mass.to("kg").magnitude == pytest.approx(brain_kg)
    assert person.tissues["muscle"].mass.to("kg").magnitude == pytest.approx(muscle_kg)
    assert person.cardiac_output.to("L/min").magnitude == pytest.approx(cardiac_output_l_min)
    assert person.blood_volume.to("L").magnitude == pytest.approx(blood_l)


@pytest.mark.parametrize("sex, blood_mass_kg", [("male", 5.6), ("female", 4.1)])
def test_organ_masses_plus_blood_approximate_body_weight(sex, blood_mass_kg):
    """Organs + blood (ICRP 89 Table 2.8 blood mass: 5600 g / 4100 g) within 7 % of body weight.

    Tolerance: Table 2.8 leaves a few percent of body mass unassigned (connective
    tissue, vessels, nerves), and gastrointestinal contents (~1 kg) are not tissue.
    """
    person = reference_individual(sex)
    tissues = sum(t.mass.to("kg").magnitude for t in person.tissues.values())
    total = tissues + blood_mass_kg
    assert 0.93 * person.body_weight.to("kg").magnitude <= total <= person.body_weight.to("kg").magnitude


@pytest.mark.parametrize("sex", ["male", "female"])
def test_venous_return_equals_cardiac_output(sex):
    person = reference_individual(sex)
    assert person.venous_return.to("L/h").magnitude == pytest.approx(person.cardiac_output.to("L/h").magnitude, rel=1e-12)
    assert person.tissues["lung"].blood_flow == person.cardiac_output


@pytest.mark.parametrize("sex", ["male", "female"])
def test_portal_flow_is_the_sum_of_gut_spleen_pancreas_stomach(sex):
    person = reference_individual(sex)
    expected = sum(person.tissues[name].blood_flow.to("L/h").magnitude for name in ("gut", "spleen", "pancreas", "stomach"))
    assert person.portal_blood_flow.to("L/h").magnitude == pytest.approx(expected, rel=1e-12)
    total_liver = person.liver_blood_flow.to("L/h").magnitude
    assert total_liver == pytest.approx(expected + person.tissues["liver"].blood_flow.to("L/h").magnitude)


def test_male_hepatic_flow_matches_icrp_total_liver_fraction(male):
    """ICRP 89 Table 2.40: total liver 25.5 % of cardiac output in the male
    (hepatic artery 6.5 % + portal organs)."""
    assert (male.liver_blood_flow / male.cardiac_output).to("").magnitude == pytest.approx(0.255)


def test_haematocrit_and_glomerular_filtration(male, female):
    """Haematocrit from ICRP 89 Table 2.12 red-cell/blood volumes; GFR = 121.2 mL/min·(W/70)^0.75
    (Rhodin et al. 2009)."""
    assert male.haematocrit == pytest.approx(2.3 / 5.3)
    assert female.haematocrit == pytest.approx(1.5 / 3.9)
    assert male.gfr.to("mL/min").magnitude == pytest.approx(121.2 * (73 / 70) ** 0.75)
    assert 0 < male.arterial_blood_fraction < 0.5


def test_volumes_use_density(male):
    adipose = male.tissues["adipose"]
    assert adipose.volume.to("L").magnitude == pytest.approx(14.5 / 0.916)


def test_enzyme_scaling_factors(male):
    """MPPGL: Barter et al. 2008 at the reference age, 35 y (39.6 mg/g); HPGL 99e6 cells/g (Barter et al. 2007);
    CYP3A4 137 pmol/mg."""
    barter = 10 ** (1.407 + 0.0158 * 35 - 0.00038 * 35 ** 2 + 0.0000024 * 35 ** 3)
    assert male.microsomal_protein_per_gram.to("mg/g").magnitude == pytest.approx(barter, abs=0.05)
    assert male.hepatocytes_per_gram.to("cell/g").magnitude == pytest.approx(99e6)
    assert male.hepatic_abundance["CYP3A4"].to("pmol/mg").magnitude == pytest.approx(137)
    assert male.enzyme_turnover["liver"]["CYP3A4"].to("1/h").magnitude == pytest.approx(0.0193)
    assert male.liver_weight == Quantity(1800, "g")


def test_every_value_has_a_source(male):
    for key in ("body_weight", "cardiac_output", "albumin", "gfr", "microsomal_protein_per_gram", "arterial_blood_fraction"):
        assert male.sources[key].strip()
    for name in male.tissues:
        assert male.sources[f"tissue.{name}.mass"]
        assert male.sources[f"tissue.{name}.density"]


@pytest.mark.parametrize("sex", ["male", "female"])
def test_icrp_flow_table_sums_to_100_percent_and_every_row_is_used(sex):
    """ICRP 89 Table 2.40 with the liver as hepatic artery: each column sums to 100 %."""
    from pbpk.core.datafiles import data_dir
    from pbpk.core.records import load_yaml

    rows = load_yaml(data_dir("physiology_db") / "adult_reference.yaml")["blood_flow_percent"]["rows"]
    assert sum(row[sex] for row in rows.values()) == pytest.approx(100.0)
    person = reference_individual(sex)
    systemic = sum(t.blood_flow.to("L/h").magnitude for t in person.tissues.values() if "lung" not in t.roles)
    assert systemic == pytest.approx(person.cardiac_output.to("L/h").magnitude)
