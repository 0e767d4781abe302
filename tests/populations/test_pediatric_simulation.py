"""Children in the engine: the same model structure, mass balance, and clearance moving with age."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.disposition.clearance import hepatic_clearance, renal_clearance
from pbpk.physiology.pediatrics import child
from pbpk.simulation.simulate import model_for, simulate


def dosed(simulation) -> float:
    mw = simulation.compound.molecular_weight.value.to("g/mol").magnitude
    return sum(d.mass(simulation.individual.body_weight).to("mg").magnitude for d in simulation.regimen.doses) / mw * 1000


@pytest.mark.parametrize("age", ["1 day", "3 month", "2 year", "12 year"])
@pytest.mark.parametrize("compound, route", [("midazolam", "oral"), ("digoxin", "iv"), ("theophylline", "iv")])
def test_mass_balance_in_children(age, compound, route):
    # digoxin's renal secretion is by P-gp, which has no maturation function: a child's follows GFR, with a warning
    expected = pytest.warns(UserWarning, match="renal secretion by P-gp") if compound == "digoxin" else nullcontext()
    with expected:
        simulation = simulate(load_compound(compound), child(age, "female"), dose="0.1 mg/kg", route=route,
                              until="48 h")
    assert simulation.status.ok, simulation.status.message
    total = dosed(simulation)
    np.testing.assert_allclose(simulation.mass_balance()[-1], total, rtol=1e-9)


def test_children_share_the_adult_model_structure():
    midazolam = load_compound("midazolam")
    assert model_for(midazolam, child("6 month", "male")).topology.signature == \
        model_for(midazolam, child("40 year", "male")).topology.signature


def test_renal_clearance_per_kg_is_low_at_birth_and_highest_in_early_childhood():
    """Vancomycin's renal clearance follows GFR (Rhodin; its secretion matures ahead, Hayton): per kg,
    newborn < adult < 1-year-old."""
    vancomycin = load_compound("vancomycin")
    per_kg = {age: (renal_clearance(vancomycin, person) / person.body_weight).to("L/h/kg").magnitude
              for age, person in ((a, child(a, "male")) for a in ("1 day", "1 year", "40 year"))}
    assert per_kg["1 day"] < per_kg["40 year"] < per_kg["1 year"]


def test_simulated_clearance_matches_the_clearance_functions_in_a_child():
    """NCA of a simulated 2-year-old equals renal + hepatic clearance from pbpk.disposition.clearance (linear drug).

    The model filters from kidney blood (a flow limitation the static formula omits): 0.2 % apart in adults too.
    """
    theophylline, toddler = load_compound("theophylline"), child("2 year", "male")
    nca = simulate(theophylline, toddler, dose="5 mg/kg", route="iv", until="96 h", kinetics="linear").nca()
    expected = (renal_clearance(theophylline, toddler) + hepatic_clearance(theophylline, toddler).plasma).to("L/h")
    assert nca.CL == pytest.approx(expected.magnitude, rel=5e-3)
