"""Compounds and individuals validate themselves: values built in code are checked like loaded ones.

``dataclasses.replace`` with an invalid value raises :class:`PbpkInputError` naming the field;
the mappings they hold are read-only; both still pickle.
"""

import copy
import dataclasses
import pickle

import pytest

from pbpk.compound import Absorption, Interaction
from pbpk.core.errors import PbpkInputError
from pbpk.core.frozenmap import FrozenMap
from pbpk.core.records import Cited
from pbpk.core.units import Quantity


def _raises(field: str, build) -> PbpkInputError:
    with pytest.raises(PbpkInputError) as info:
        build()
    assert info.value.field == field, str(info.value)
    return info.value


@pytest.mark.parametrize("field, value", [
    ("fu_plasma", Cited(3.1, "percent by mistake")),
    ("fu_plasma", Cited(0.0, "zero")),
    ("molecular_weight", Cited(Quantity(-325.8, "g/mol"), "negative")),
    ("molecular_weight", Cited(Quantity(325.8, "L"), "wrong dimension")),
    ("logP", Cited(40.0, "out of range")),
    ("blood_plasma_ratio", Cited(0.0, "zero")),
    ("binding_protein", "globulin"),
    ("partition_method", "guesswork"),
    ("measured_kp", {"spleen_typo": Cited(2.0, "unknown tissue")}),
    ("measured_kp.muscle", {"muscle": Cited(-1.0, "negative")}),
    ("permeability_limited", {"lung": Cited(Quantity(1.0, "L/h"), "the lung is perfusion-limited")}),
    ("placental_transfer", Cited(Quantity(-1.0, "L/h"), "negative")),
])
def test_invalid_compound_fields_raise(compound, field, value):
    mdz = compound("midazolam")
    error = _raises(field, lambda: dataclasses.replace(mdz, **{field.split(".")[0]: value}))
    assert error.where == mdz.file


def test_compound_without_file_is_named_compound(compound):
    error = _raises("fu_plasma", lambda: dataclasses.replace(compound("midazolam"), file="", fu_plasma=Cited(2, "x")))
    assert error.where == "Compound"


def test_compound_needs_logp_or_logd(compound):
    _raises("logP", lambda: dataclasses.replace(compound("midazolam"), logP=None, logD74=None))


def test_compound_without_measured_bp_needs_a_method(compound):
    _raises("blood_plasma_method", lambda: dataclasses.replace(compound("midazolam"), blood_plasma_ratio=None))


@pytest.mark.parametrize("field, changes", [
    ("fu_inc", {"fu_inc": 1.5}),
    ("fu_inc", {"fu_inc": 0}),
    ("enzyme", {"enzyme": "CYP9Z9"}),
    ("system", {"system": "liver_slices"}),
    ("km", {"km": Quantity(4.0, "mg")}),
    ("vmax", {"vmax": None}),
    ("clint", {"clint": Quantity(10.0, "uL/min/mg")}),  # CLint together with Vmax and Km
    ("isef", {"isef": 0.5}),  # an ISEF for HLM data
])
def test_invalid_hepatic_pathway_fields_raise(compound, field, changes):
    pathway = compound("midazolam").clearance.hepatic[0]
    assert pathway.system == "HLM"
    _raises(field, lambda: dataclasses.replace(pathway, **changes))


def test_invalid_parts_of_a_compound_raise(compound):
    digoxin = compound("digoxin")
    _raises("gfr_fraction", lambda: dataclasses.replace(digoxin.clearance.renal, gfr_fraction=1.2))
    _raises("clint_unbound", lambda: dataclasses.replace(digoxin.clearance.biliary,
                                                         clint_unbound=Quantity(0.0, "L/h")))
    _raises("kd", lambda: dataclasses.replace(digoxin.specific_binding[0], kd=Quantity(-1.0, "umol/L")))
    _raises("ka", lambda: Absorption(model="first_order", source="test", fa=0.9))
    _raises("ki_u", lambda: Interaction("CYP3A4", "competitive", "test"))
    _raises("hepatic", lambda: dataclasses.replace(digoxin.clearance, hepatic=("CYP3A4",)))


def test_valid_compound_replace_still_works(compound):
    mdz = compound("midazolam")
    other = dataclasses.replace(mdz, fu_plasma=Cited(0.05, "test value"),
                                measured_kp={"muscle": Cited(5.0, "test value")})
    assert other.fu_plasma.value == 0.05 and other.measured_kp["muscle"].value == 5.0
    assert mdz.fu_plasma.value == 0.031


def test_compound_mappings_are_read_only(compound):
    variant = dataclasses.replace(compound("midazolam"), measured_kp={"muscle": Cited(5.0, "test value")})
    assert isinstance(variant.measured_kp, FrozenMap) and variant.measured_kp == {"muscle": Cited(5.0, "test value")}
    with pytest.raises(TypeError):
        variant.measured_kp["liver"] = Cited(1.0, "sneaked in")  # type: ignore[index]
    with pytest.raises(TypeError):
        variant.permeability_limited["brain"] = Cited(Quantity(1.0, "L/h"), "sneaked in")  # type: ignore[index]


@pytest.mark.parametrize("field, value", [
    ("body_weight", Quantity(-70.0, "kg")),
    ("body_weight", Quantity(70.0, "cm")),
    ("gfr", Quantity(0.0, "L/h")),
    ("age", Quantity(-1.0, "year")),
    ("sex", "other"),
    ("arterial_blood_fraction", 1.5),
    ("transit_compartments", 0),
    ("hepatic_activity.CYP3A4", {"CYP3A4": -0.5}),
    ("hepatic_abundance.CYP3A4", {"CYP3A4": Quantity(-1.0, "pmol/mg")}),
])
def test_invalid_individual_fields_raise(male, field, value):
    error = _raises(field, lambda: dataclasses.replace(male, **{field.split(".")[0]: value}))
    assert error.where == "Individual"


def test_individual_tissues_must_be_tissues_under_their_names(male):
    _raises("tissues.gut", lambda: dataclasses.replace(male, tissues={**male.tissues, "gut": male.tissues["liver"]}))


@pytest.mark.parametrize("field, value", [
    ("mass", Quantity(-1.0, "kg")),
    ("density", Quantity(1.05, "g")),
    ("blood_flow", Quantity(-10.0, "L/h")),
    ("roles", frozenset({"portal", "filtering"})),
])
def test_invalid_tissue_fields_raise(male, field, value):
    _raises(f"tissues.liver.{field}", lambda: dataclasses.replace(male.tissues["liver"], **{field: value}))


def test_invalid_composition_and_adult_reference_raise(male):
    _raises("liver.f_water", lambda: dataclasses.replace(male.tissues["liver"].composition, f_water=1.2))
    _raises("adult_reference.haematocrit", lambda: dataclasses.replace(male.adult_reference, haematocrit=1.0))


def test_valid_individual_replace_still_works(male):
    heavier = dataclasses.replace(male, body_weight=Quantity(80.0, "kg"), hepatic_activity={"CYP3A4": 0.5})
    assert heavier.body_weight.to("kg").magnitude == 80.0 and heavier.enzyme_activity("CYP3A4") == 0.5
    assert male.enzyme_activity("CYP3A4") == 1.0


@pytest.mark.parametrize("name", ["tissues", "sources", "hepatic_abundance", "intestinal_abundance",
                                  "hepatic_activity", "intestinal_activity", "enzyme_turnover"])
def test_individual_mappings_are_read_only(male, name):
    mapping = getattr(male, name)
    assert isinstance(mapping, FrozenMap)
    with pytest.raises(TypeError):
        mapping["extra"] = None
    with pytest.raises(AttributeError):
        mapping.update({})


def test_nested_turnover_tables_are_read_only(male):
    with pytest.raises(TypeError):
        male.enzyme_turnover["liver"]["CYP3A4"] = Quantity(1.0, "1/h")


def test_compound_and_individual_pickle_and_copy(compound, male):
    for value in (compound("midazolam"), compound("digoxin"), male):
        for twin in (pickle.loads(pickle.dumps(value)), copy.deepcopy(value)):
            assert twin == value
            assert hash(twin) == hash(value)
    twin = pickle.loads(pickle.dumps(male))
    assert twin.hepatocytes_per_gram.to("cell/g") == male.hepatocytes_per_gram  # the unit registry survives
