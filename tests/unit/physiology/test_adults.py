"""Adults by age and body size: the reference reproduced, mass and flow balance, the published age functions."""

import dataclasses

import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.physiology import reference_individual
from pbpk.physiology.adults import adult, adult_data
from pbpk.physiology.pediatrics import child

SEXES = ("male", "female")


def _body_mass(person, sex):
    """Tissues + blood (1.06 kg/L) + the unassigned ICRP mass (scaled with the lean organs) in kg."""
    reference = reference_individual(sex)
    unassigned = reference.body_weight.to("kg").magnitude - sum(
        t.mass.to("kg").magnitude for t in reference.tissues.values()) - reference.blood_volume.magnitude * 1.06
    lean = (person.height / reference.height).to("").magnitude ** 0.75
    years = person.age.to("year").magnitude
    expected_brain = reference.tissues["brain"].mass * lean * 0.99841 ** (years - 35)
    lean *= (person.tissues["brain"].mass / expected_brain).to("").magnitude  # the fit of a body at the fat floor
    return sum(t.mass.to("kg").magnitude for t in person.tissues.values()) + person.blood_volume.magnitude * 1.06 \
        + unassigned * lean


@pytest.mark.parametrize("sex", SEXES)
def test_the_reference_adult_is_reproduced_exactly(sex):
    built, reference = adult(sex), reference_individual(sex)
    for field in dataclasses.fields(reference):
        if field.name != "sources":
            assert getattr(built, field.name) == getattr(reference, field.name), field.name


@pytest.mark.parametrize("sex", SEXES)
@pytest.mark.parametrize(("age", "height", "weight"), [("25 year", "150 cm", "48 kg"), ("60 year", "185 cm", "130 kg"),
                                                       ("90 year", "160 cm", "70 kg"), ("40 year", "140 cm", "42 kg")])
def test_mass_and_blood_flow_balance(sex, age, height, weight):
    """The body weight is the sum of its parts; the venous return equals the cardiac output (the lung's flow)."""
    person = adult(sex, age=age, height=height, weight=weight)
    assert _body_mass(person, sex) == pytest.approx(person.body_weight.to("kg").magnitude, rel=1e-9)
    assert person.venous_return.to("L/h").magnitude == pytest.approx(person.cardiac_output.to("L/h").magnitude)
    assert person.tissues["adipose"].mass.to("kg").magnitude >= 0.02 * person.body_weight.to("kg").magnitude - 1e-9


def chouker(kg, years, female=False):
    """Liver weight (g), Chouker et al. 2004: 452 + 16.34 W + 11.85 age − 166 [female] to 50 y, −12.86 g/y after."""
    return 452 + 16.34 * kg + 11.85 * min(years, 50) - 166 * female - 12.86 * max(0, years - 50)


def test_extra_weight_at_the_same_height_is_fat_and_a_little_liver():
    """A heavier person of the reference height has the same brain, kidneys and muscle, a liver larger by the
    Chouker 2004 weight slope, and the rest of the extra weight as adipose tissue."""
    man, heavy = reference_individual("male"), adult("male", weight="110 kg")
    for organ in ("brain", "kidney", "muscle", "heart"):
        assert heavy.tissues[organ].mass == man.tissues[organ].mass
    assert (heavy.liver_weight / man.liver_weight).to("").magnitude == pytest.approx(chouker(110, 35) / chouker(73, 35))
    blood_gain = (heavy.blood_volume - man.blood_volume).to("L").magnitude * 1.06
    liver_gain = (heavy.liver_weight - man.liver_weight).to("kg").magnitude
    gain = (heavy.tissues["adipose"].mass - man.tissues["adipose"].mass).to("kg").magnitude
    assert gain == pytest.approx(37.0 - blood_gain - liver_gain)
    assert heavy.cardiac_output == man.cardiac_output  # cardiac output follows height (httk-pop), not fat
    assert heavy.gfr > man.gfr  # GFR follows body surface area


def test_age_functions_are_the_published_ones():
    """CO −0.5 %/y after 25 y (McNally 2014); GFR ×0.988/y after 40 y (Pottel 2016); liver weight by Chouker 2004;
    MPPGL by the Barter 2008 polynomial, flat beyond its minimum at 77 y."""
    young, old = adult("male"), adult("male", age="75 year")
    assert (old.cardiac_output / young.cardiac_output).to("").magnitude == pytest.approx((1 - 0.25) / (1 - 0.05))
    assert (old.gfr / young.gfr).to("").magnitude == pytest.approx(0.988 ** 35)
    assert (old.liver_weight / young.liver_weight).to("").magnitude == pytest.approx(chouker(73, 75) / chouker(73, 35))
    assert (old.tissues["liver"].blood_flow / young.tissues["liver"].blood_flow).to("").magnitude == pytest.approx(
        (1 - 0.25) / (1 - 0.05))

    def mppgl(age):
        return 10 ** (1.407 + 0.0158 * age - 0.00038 * age ** 2 + 0.0000024 * age ** 3)

    assert (old.microsomal_protein_per_gram / young.microsomal_protein_per_gram).to("").magnitude == pytest.approx(
        mppgl(75) / mppgl(35))
    assert adult("male", age="95 year").microsomal_protein_per_gram == adult("male", age="77 year").microsomal_protein_per_gram
    assert adult_data().microsomal_hold_years == 77


def test_children_become_adults_of_their_age_and_size():
    assert child("30 year", "female", weight="70 kg") == adult("female", age="30 year", weight="70 kg")


@pytest.mark.parametrize(("covariates", "message"), [
    ({"weight": "700 kg"}, "an adult body weight in 30-300 kg"),
    ({"weight": "3 kg"}, "an adult body weight in 30-300 kg"),
    ({"age": "10 year"}, "an adult age in 18-105 y"),
    ({"height": "2 m", "weight": "35 kg"}, "body mass index in 12-80"),
    ({"height": "60 kg"}, "a quantity with units of length"),
])
def test_implausible_adults_are_refused_with_the_plausible_range(covariates, message):
    with pytest.raises(PbpkInputError, match=message):
        adult("male", **covariates)
