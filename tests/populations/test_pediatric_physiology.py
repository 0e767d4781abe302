"""The reference child against its sources: ICRP 89 age tables, Rhodin GFR, Barter MPPGL, ontogeny functions."""

from __future__ import annotations

import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.physiology import reference_individual
from pbpk.physiology.adults import adult
from pbpk.physiology.ontogeny import (
    enzyme_activity,
    gfr_maturation,
    microsomal_protein_ratio,
)
from pbpk.physiology.pediatrics import child

# ICRP 89 (2002) Table 2.8 (g) and Table 2.9 (kg), male, at newborn, 1, 5, 10, 15 y.
ICRP_MALE = {
    "body_weight": [3.5, 10, 19, 32, 56],
    "liver": [130, 330, 570, 830, 1300],
    "brain": [380, 950, 1310, 1400, 1420],
    "kidney": [25, 70, 110, 180, 250],
    "muscle": [800, 1900, 5600, 11000, 24000],
    "gut": [47, 135, 340, 580, 820],  # small + large intestine walls
}
AGES = ["0 year", "1 year", "5 year", "10 year", "15 year"]
CARDIAC_OUTPUT = [0.733, 1.817, 3.4, 5.0, 6.1]  # L/min: Alverson 1987 at 0 and 1 y, ICRP Table 2.39 after
BLOOD_VOLUME = [0.270, 0.500, 1.400, 2.400, 4.500]  # L, ICRP 89
URINE = [300, 400, 500, 700, 1200]  # mL/day, ICRP 89 daily urinary excretion (adult man 1600)


@pytest.mark.parametrize("index, age", list(enumerate(AGES)))
def test_child_at_icrp_ages_matches_the_tables(index, age):
    boy = child(age, "male")
    assert boy.body_weight.to("kg").magnitude == pytest.approx(ICRP_MALE["body_weight"][index])
    for tissue in ("liver", "brain", "kidney", "muscle", "gut"):
        assert boy.tissues[tissue].mass.to("g").magnitude == pytest.approx(ICRP_MALE[tissue][index]), tissue
    assert boy.cardiac_output.to("L/min").magnitude == pytest.approx(CARDIAC_OUTPUT[index])
    assert boy.blood_volume.to("L").magnitude == pytest.approx(BLOOD_VOLUME[index])
    assert boy.venous_return.to("L/min").magnitude == pytest.approx(CARDIAC_OUTPUT[index], rel=1e-12)
    assert boy.urine_flow.to("mL/day").magnitude == pytest.approx(URINE[index])


def test_girl_at_15_years_uses_the_female_column():
    girl = child("15 year", "female")
    assert girl.body_weight.to("kg").magnitude == pytest.approx(53)
    assert girl.tissues["adipose"].mass.to("g").magnitude == pytest.approx(16000)
    assert girl.tissues["muscle"].mass.to("g").magnitude == pytest.approx(17000)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_adult_from_20_years_is_the_adult_of_that_age(sex):
    """From adult_from on a child is the adult of its age (pbpk.physiology.adults); the tables end at the ICRP
    adult, so organs and flows step at 20 y by the adult age functions' difference between 20 and 35 y."""
    grown, reference = child("30 year", sex), reference_individual(sex)
    assert grown == adult(sex, age="30 year")
    nearly, twenty = child("19.99 year", sex), child("20 year", sex)
    assert nearly.cardiac_output.to("L/h").magnitude == pytest.approx(reference.cardiac_output.to("L/h").magnitude,
                                                                       rel=2e-3)
    assert nearly.gfr.to("L/h").magnitude == pytest.approx(reference.gfr.to("L/h").magnitude, rel=2e-3)
    assert twenty.cardiac_output.to("L/h").magnitude == pytest.approx(nearly.cardiac_output.to("L/h").magnitude,
                                                                       rel=0.06)
    assert twenty.liver_weight.magnitude == pytest.approx(nearly.liver_weight.magnitude, rel=0.11)


def test_abraham_flows_keep_kidney_per_gram_and_brain_per_chiron():
    """Kidney flow per gram as in the adult (Grunert 1990); brain 0.71 mL/min/g at 5 y (Chiron 1992)."""
    adult, boy = reference_individual("male"), child("5 year", "male")
    per_gram = lambda person, name: (person.tissues[name].blood_flow / person.tissues[name].mass).to("mL/min/g")
    assert per_gram(boy, "kidney").magnitude == pytest.approx(per_gram(adult, "kidney").magnitude)
    assert per_gram(boy, "brain").magnitude == pytest.approx(0.71)


def test_weight_scales_organs_and_cardiac_output():
    typical, heavy = child("5 year", "male"), child("5 year", "male", weight="23.75 kg")
    assert heavy.tissues["liver"].mass.to("g").magnitude == pytest.approx(570 * 1.25)
    assert heavy.cardiac_output.to("L/min").magnitude == pytest.approx(3.4 * 1.25 ** 0.75)
    assert heavy.gfr.to("mL/min").magnitude == pytest.approx(typical.gfr.to("mL/min").magnitude * 1.25 ** 0.75)


@pytest.mark.parametrize("pma_weeks, weight, expected", [(40, 3.5, 4.55), (44, 4.2, 6.34), (92, 10, 25.4)])
def test_gfr_follows_rhodin_2009(pma_weeks, weight, expected):
    """Rhodin et al. 2009: 121.2 mL/min·(WT/70)^0.75·PMA^3.4/(47.7^3.4 + PMA^3.4)."""
    by_hand = 121.2 * (weight / 70) ** 0.75 * pma_weeks ** 3.4 / (47.7 ** 3.4 + pma_weeks ** 3.4)
    assert by_hand == pytest.approx(expected, abs=0.05)
    postnatal = Quantity(pma_weeks - 40, "week")
    infant = child(postnatal, "male", weight=f"{weight} kg")
    reference = reference_individual("male")
    adult_scale = reference.gfr.to("mL/min").magnitude / (121.2 * (73 / 70) ** 0.75)
    assert infant.gfr.to("mL/min").magnitude == pytest.approx(by_hand * adult_scale, rel=2e-3)
    assert gfr_maturation(Quantity(92, "week")) == pytest.approx(0.90, abs=0.005)  # "90 % of adult at 1 year"


def test_preterm_infant_needs_its_weight_and_has_lower_gfr():
    with pytest.raises(PbpkInputError, match="preterm"):
        child("2 week", "female", gestational_age="28 week")
    preterm = child("2 week", "female", gestational_age="28 week", weight="1.1 kg")
    term = child("2 week", "female", weight="1.1 kg")
    ratio = preterm.gfr / term.gfr
    expected = gfr_maturation(Quantity(30, "week")) / gfr_maturation(Quantity(42, "week"))
    assert ratio.to("").magnitude == pytest.approx(expected)


def test_children_mppgl_is_age_independent_after_leeder_2022():
    """Leeder 2022: no age effect on MPPGL in children, so a child has the MPPGL of the adult at 20 y.

    The adult's ageing follows Barter 2008, 10^(1.407 + 0.0158A − 0.00038A² + 0.0000024A³) mg/g,
    anchored to the reference adult (35 y), so there is no step at the adult age.
    """
    barter = lambda a: 10 ** (1.407 + 0.0158 * a - 0.00038 * a ** 2 + 0.0000024 * a ** 3)
    assert barter(28.5) == pytest.approx(40.2, abs=0.1)  # the abstract's maximum, 40 mg/g at ~28 y
    reference = reference_individual("male").microsomal_protein_per_gram.to("mg/g").magnitude
    at_20 = reference * barter(20) / barter(35)
    for age in ("2 week", "1 year", "5 year", "15 year"):
        assert child(age, "male").microsomal_protein_per_gram.to("mg/g").magnitude == pytest.approx(at_20)
    assert child("20 year", "male").microsomal_protein_per_gram.to("mg/g").magnitude == pytest.approx(at_20)
    assert microsomal_protein_ratio(Quantity(3, "year")) == 1.0


@pytest.mark.parametrize("age, expected", [(0.1, 0.37), (0.5, 1.73), (1, 1.91), (2, 1.55), (5, 1.12), (10, 1.01)])
def test_upreti_cyp2c19_in_vivo_overshoot(age, expected):
    """Upreti & Wahlström 2016 in-vivo CYP2C19: sigmoid to 0.8 y, then 1 + exp(−0.5(A − 0.8))."""
    assert enzyme_activity("CYP2C19", Quantity(age, "year"), ontogeny="upreti_2016") == pytest.approx(expected, abs=0.01)


def test_johnson_cyp3a4_relative_to_adult():
    """Johnson 2006 hepatic CYP3A4: A^0.83/(0.31 + A^0.83), divided by its value at 20 y."""
    johnson = lambda a: a ** 0.83 / (0.31 + a ** 0.83)
    boy = child("1 year", "male", ontogeny="johnson_2006")
    assert boy.hepatic_activity["CYP3A4"] == pytest.approx(johnson(1) / johnson(20))
    assert boy.intestinal_activity["CYP3A4"] == pytest.approx((0.42 + 0.639 / 3.36) / (0.42 + 0.639 * 20 / 22.36))


WEEKS_PER_YEAR = 365.25 / 7


@pytest.mark.parametrize("enzyme, pma_years, table", [
    ("CYP3A4", 1.39, 0.49), ("CYP3A4", 0.92, 0.20), ("UGT2B7", 1.50, 0.62), ("UGT1A1", 1.029, 0.755),
    ("CYP2C9", 0.77, 0.66), ("CYP1A2", 1.34, 0.65), ("CYP2D6", 0.77, 0.58), ("CYP2E1", 1.05, 0.60),
])
def test_pksim_ontogeny_reproduces_its_published_tables(enzyme, pma_years, table):
    """PK-Sim Ontogeny Database 7.3: the Hill fits against the implemented tables (PMA in years; the
    document's fits reproduce its tables to about 0.01)."""
    postnatal = Quantity(pma_years * WEEKS_PER_YEAR - 40, "week")
    assert enzyme_activity(enzyme, postnatal) == pytest.approx(table, abs=0.015)


def test_cyp3a7_declines_after_birth_from_about_40_times_adult():
    """PK-Sim CYP3A7, Eq. 2: F = 1 − P^n/(P^n + 48.051^n) + 0.0253 (n 27.615): half-way at 48.05 weeks PMA,
    adult at the offset, so relative to adult a term newborn has (1 + 0.0253)/0.0253 ≈ 41 times the activity."""
    at = lambda pma_weeks: enzyme_activity("CYP3A7", Quantity(pma_weeks - 40, "week"))
    hill = 40 ** 27.615 / (40 ** 27.615 + 48.051 ** 27.615)
    assert at(40) == pytest.approx((1 - hill + 0.0253) / 0.0253, rel=1e-9)
    assert 40 < at(40) < 41
    assert at(48.051) == pytest.approx(0.5253 / 0.0253, rel=1e-6)
    assert at(100) == pytest.approx(1.0, abs=1e-6)


def test_preterm_birth_delays_pma_based_maturation():
    term = child("4 week", "male", weight="4 kg").hepatic_activity["CYP3A4"]
    preterm = child("4 week", "male", weight="1.5 kg", gestational_age="28 week").hepatic_activity["CYP3A4"]
    assert preterm < term


def test_neonatal_albumin_raises_the_unbound_fraction():
    newborn, midazolam = child("1 day", "male"), load_compound("midazolam")
    ratio = (newborn.albumin / newborn.adult_reference.albumin).to("").magnitude
    assert 0.7 < ratio < 0.8  # albumin at birth 75-80 % of adult (McNamara & Alcorn 2002)
    fu = plasma_unbound_fraction(midazolam, newborn)
    assert fu == pytest.approx(1 / (1 + (1 - 0.031) * ratio / 0.031))
    assert fu > 0.031


def test_an_enzyme_the_chosen_set_lacks_takes_its_fallback_with_a_warning():
    """Upreti 2016 has no CYP2D6 function: a newborn gets PK-Sim 7.3's CYP2D6 (its fallback), not adult activity."""
    with pytest.warns(UserWarning, match="no liver function for CYP2D6.*'pksim_7_3'"):
        from_fallback = enzyme_activity("CYP2D6", Quantity(2, "week"), ontogeny="upreti_2016")
    assert from_fallback == pytest.approx(enzyme_activity("CYP2D6", Quantity(2, "week"), ontogeny="pksim_7_3"))
    assert from_fallback < 0.7  # PMA 42 weeks on PK-Sim (PMA50 37.7 weeks, Hill 5.4), not adult 1
    newborn = child("2 week", "male", ontogeny="johnson_2006")
    assert newborn.hepatic_activity["UGT2B7"] == pytest.approx(enzyme_activity("UGT2B7", Quantity(2, "week")))
    with pytest.warns(UserWarning, match="johnson_2006.*UGT2B7.*'pksim_7_3'"):
        assert newborn.enzyme_activity("UGT2B7") < 0.5
    assert "enzyme_activity.fallback.pksim_7_3" in newborn.sources


def test_an_enzyme_no_set_matures_is_adult_with_a_warning_and_the_default_set_is_silent():
    newborn = child("2 week", "male")
    with pytest.warns(UserWarning, match="no ontogeny set has a liver function for AADAC"):
        assert newborn.enzyme_activity("AADAC") == 1.0
    assert newborn.enzyme_activity("other") == 1.0  # an unidentified pathway: stated adult activity, no warning
    # PK-Sim 7.3 has no UGT1A4: the default takes Johnson 2006's (Simcyp) function without a warning
    assert newborn.enzyme_activity("UGT1A4") == pytest.approx(
        enzyme_activity("UGT1A4", Quantity(2, "week"), ontogeny="johnson_2006"))
    assert "enzyme_activity.fallback.johnson_2006" in newborn.sources
    assert enzyme_activity("UGT1A4", Quantity(2, "week")) == newborn.hepatic_activity["UGT1A4"]  # silent too
