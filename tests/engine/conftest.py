"""Compound variants that exercise every organ template, elimination process and route."""

from __future__ import annotations

import dataclasses

import pytest

from pbpk.compound import Absorption, HepaticUptake, load_compound
from pbpk.core.records import Cited
from pbpk.core.units import Quantity


@pytest.fixture(scope="session")
def variants():
    """name → compound: perfusion/permeability-limited organs; hepatic uptake; liver, kidney, bile, gut wall;
    oral models."""
    midazolam = load_compound("midazolam")
    permeability = dataclasses.replace(midazolam, permeability_limited={
        "liver": Cited(Quantity(20, "L/h"), "test value"),
        "brain": Cited(Quantity(0.5, "L/h"), "test value"),
        "kidney": Cited(Quantity(3, "L/h"), "test value"),
    })
    uptake = dataclasses.replace(
        midazolam, permeability_limited={"liver": Cited(Quantity(5, "L/h"), "test value")},
        clearance=dataclasses.replace(midazolam.clearance, hepatic_uptake=HepaticUptake(
            {"OATP1B1": Quantity(300, "L/h"), "OATP1B3": Quantity(100, "L/h")}, "test values")))
    transit = dataclasses.replace(midazolam, absorption=Absorption(
        model="transit", source="test", permeability=Quantity(1.5e-4, "cm/s")))
    return {
        "midazolam (perfusion, saturable liver, oral first-order)": midazolam,
        "midazolam (permeability-limited liver, brain, kidney)": permeability,
        "midazolam (transit absorption)": transit,
        "midazolam (OATP uptake into a permeability-limited liver)": uptake,
        "digoxin (renal filtration + secretion, bile, muscle binding)": load_compound("digoxin"),
        "rifampicin (zwitterion, bile)": load_compound("rifampicin"),
        "caffeine (renal reabsorption)": load_compound("caffeine"),
    }
