"""Active hepatic uptake into a permeability-limited liver against the extended clearance concept.

With elimination only in the liver, a linear model's dose/AUC in blood equals the well-stirred clearance of the
effective intrinsic clearance CLint,eff = (PS + ΣCLup)·CLint/(PS + CLint) (Shitara, Horie & Sugiyama 2006; Yoshida
et al. 2013): uptake limits clearance when CLint ≫ PS, metabolism when PS + ΣCLup is large.
"""

from __future__ import annotations

import dataclasses

import pytest

from pbpk.compound import HepaticUptake, load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Cited
from pbpk.core.units import Quantity
from pbpk.disposition.clearance import hepatic_clearance, uptake_clearances
from pbpk.physiology.patient import patient
from pbpk.simulation.simulate import simulate


def liver_only(ps: float, uptake: dict[str, float]):
    """Midazolam with a permeability-limited liver (PS, L/h), the given uptake clearances (L/h) and no renal route."""
    midazolam = load_compound("midazolam")
    clearance = dataclasses.replace(midazolam.clearance, renal=None, hepatic_uptake=HepaticUptake(
        {name: Quantity(value, "L/h") for name, value in uptake.items()}, "test values") if uptake else None)
    return dataclasses.replace(midazolam, clearance=clearance,
                               permeability_limited={"liver": Cited(Quantity(ps, "L/h"), "test value")})


@pytest.mark.parametrize(("ps", "uptake"), [
    (2.0, {"OATP1B1": 300.0, "OATP1B3": 100.0}),  # uptake-limited
    (200.0, {}),  # passive diffusion only
    (50.0, {"OATP1B1": 20.0}),
])
def test_clearance_follows_the_extended_clearance_concept(male, ps, uptake):
    compound = liver_only(ps, uptake)
    simulation = simulate(compound, male, dose="1 mg", route="iv", until="600 h", kinetics="linear")
    model, vector = simulation.model, simulation.vector

    def value(kind, **belongs):
        return model.parameter_value(vector, kind, **belongs)

    clint = sum(value("intrinsic_clearance", route=r.name) for r in model.topology.hepatic_pathways)
    effective = (ps + sum(uptake.values())) * clint / (ps + clint)
    portal = [o.name for o in model.topology.organs if o.drains_to == "liver"]
    q_h = value("blood_flow", organ="liver") + sum(value("blood_flow", organ=name) for name in portal)
    fu_b = value("unbound_fraction") / value("blood_plasma_ratio")
    cl_blood = q_h * fu_b * effective / (q_h + fu_b * effective)
    dose_umol = 1.0 / simulation.molecular_weight * 1000
    auc_blood = simulation.state("AUC_plasma")[-1] * value("blood_plasma_ratio")
    assert dose_umol / auc_blood == pytest.approx(cl_blood, rel=2e-3)
    assert hepatic_clearance(compound, male).blood.to("L/h").magnitude == pytest.approx(cl_blood, rel=1e-6)


def test_uptake_raises_the_clearance_of_a_permeability_limited_liver(male):
    def clearance(uptake):
        simulation = simulate(liver_only(2.0, uptake), male, dose="1 mg", route="iv", until="600 h")
        return 1.0 / simulation.molecular_weight * 1000 / simulation.state("AUC_plasma")[-1]
    assert clearance({"OATP1B1": 300.0}) > 5 * clearance({})


def test_uptake_needs_a_permeability_limited_liver():
    midazolam = load_compound("midazolam")
    with pytest.raises(PbpkInputError, match="hepatic_uptake.*permeability-limited liver"):
        dataclasses.replace(midazolam, clearance=dataclasses.replace(midazolam.clearance, hepatic_uptake=HepaticUptake(
            {"OATP1B1": Quantity(300, "L/h")}, "test values")))


@pytest.mark.parametrize(("transporters", "expected"), [
    ({"OATP1B": Quantity(300, "L/h")}, "OATP1B1"),
    ({"P-gp": Quantity(300, "L/h")}, "OATP1B1, OATP1B3, OCT1"),  # an efflux transporter takes nothing up
    ({"OATP1B1": Quantity(-3, "L/h")}, "transporters.OATP1B1"),
    ({}, "at least one transporter"),
])
def test_bad_uptake_fields_are_refused(transporters, expected):
    with pytest.raises(PbpkInputError, match=expected):
        HepaticUptake(transporters, "test values")


def test_uptake_follows_the_individual_transporter_activity(male):
    """A person with half the OATP1B1 activity (e.g. a poor-function SLCO1B1 phenotype) has half its uptake
    clearance, and the hepatic clearance is the extended-clearance value with it; OATP1B3 is unchanged."""
    compound = liver_only(2.0, {"OATP1B1": 300.0, "OATP1B3": 100.0})
    half = dataclasses.replace(male, hepatic_activity={**male.hepatic_activity, "OATP1B1": 0.5})
    in_l_h = {name: value.to("L/h").magnitude for name, value in uptake_clearances(compound, half).items()}
    assert in_l_h == pytest.approx({"OATP1B1": 150.0, "OATP1B3": 100.0})
    full, reduced = hepatic_clearance(compound, male).blood, hepatic_clearance(compound, half).blood
    assert reduced < full
    assert reduced.to("L/h").magnitude == pytest.approx(
        hepatic_clearance(liver_only(2.0, {"OATP1B1": 150.0, "OATP1B3": 100.0}), male).blood.to("L/h").magnitude,
        rel=1e-9)


def test_a_child_gets_adult_uptake_per_gram_of_liver_with_a_warning():
    compound = liver_only(2.0, {"OATP1B1": 300.0})
    with pytest.warns(UserWarning, match="no ontogeny set has a liver function for OATP1B1"):
        uptake_clearances(compound, patient("male", age="6 year"))


def test_a_cirrhotic_liver_without_a_class_factor_for_the_transporter_warns():
    """physiology_db/hepatic_impairment.yaml has no OATP1B1 factor: the uptake keeps the healthy abundance per
    gram of (smaller) liver, and says so."""
    compound = liver_only(2.0, {"OATP1B1": 300.0})
    with pytest.warns(UserWarning, match="no Child-Pugh B factor for OATP1B1"):
        uptake_clearances(compound, patient("male", age="50 year", child_pugh="B"))


def test_child_pugh_c_livers_have_46_percent_oatp1b1_per_gram():
    """Drozdzik 2020 (physiology_db/hepatic_impairment.yaml): OATP1B1 in Child-Pugh C livers is 46 % of healthy
    per gram, on top of the smaller functional liver; OATP1B3 unchanged; no warning for class C."""
    compound = liver_only(2.0, {"OATP1B1": 300.0, "OATP1B3": 100.0})
    cirrhotic = patient("male", age="50 year", child_pugh="C")
    liver = (cirrhotic.liver_weight / cirrhotic.adult_reference.liver_weight).to("").magnitude
    values = {name: value.to("L/h").magnitude for name, value in uptake_clearances(compound, cirrhotic).items()}
    assert values == pytest.approx({"OATP1B1": 300.0 * liver * 0.46, "OATP1B3": 100.0 * liver})
