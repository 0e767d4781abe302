"""SBML export declares its units: hour, µmol, litre, and each parameter's unit by kind (libsbml reads them back)."""

from __future__ import annotations

import pytest

from pbpk.compound import load_compound
from pbpk.model.metadata import KINDS
from pbpk.model.sbml import UNITS, to_sbml
from pbpk.simulation.simulate import simulate

libsbml = pytest.importorskip("libsbml")


@pytest.fixture(scope="module")
def exported():
    simulation = simulate(load_compound("midazolam"), dose="5 mg", route="oral", until="24 h")
    document = libsbml.readSBMLFromString(to_sbml(simulation.model, simulation.vector))
    return simulation.model, document.getModel()


def test_model_time_substance_and_volume_units(exported):
    _, sbml = exported
    assert (sbml.getTimeUnits(), sbml.getSubstanceUnits(), sbml.getVolumeUnits()) == ("hour", "umol", "litre")
    hour = sbml.getUnitDefinition("hour").getUnit(0)
    assert hour.getKind() == libsbml.UNIT_KIND_SECOND and hour.getMultiplier() == 3600.0
    umol = sbml.getUnitDefinition("umol").getUnit(0)
    assert umol.getKind() == libsbml.UNIT_KIND_MOLE and umol.getScale() == -6


def test_every_parameter_carries_the_unit_of_its_kind(exported):
    model, sbml = exported
    kinds = {info.name: info.kind for info in model.parameter_info}
    assert kinds, "the model describes its parameters"
    for name, kind in kinds.items():
        assert sbml.getParameter(name).getUnits() == UNITS[KINDS[kind]][0], name
    assert sbml.getParameter("C_plasma").getUnits() == "umol_per_litre"
    clearance = next(name for name, kind in kinds.items() if kind == "blood_flow")
    definition = sbml.getUnitDefinition(sbml.getParameter(clearance).getUnits())
    assert libsbml.UnitDefinition.printUnits(definition) == "litre (exponent = 1, multiplier = 1, scale = 0), " \
                                                              "second (exponent = -1, multiplier = 3600, scale = 0)"


def test_every_internal_unit_has_a_definition():
    assert set(KINDS.values()) <= set(UNITS)
