"""SBML export of a generated model, with its parameter values (python-libsbml).

Each state becomes a species counted in amounts (µmol) in one compartment of
1 L, each parameter an SBML parameter (its value in pbpk's internal units:
L, h, µmol), and each equation a rate rule. Dosing inputs are the parameters
``input_<state>`` (µmol/h, 0 by default) added to the targeted states, and the
outputs are assignment rules (e.g. ``C_plasma``, µmol/L). Initial amounts can
be given, e.g. an IV bolus in ``A_venous``. SBML Level 3 Version 2.

Units are declared: the model's time is the hour, substance and extent the µmol,
volume the litre; every parameter carries the unit of its kind
(:data:`pbpk.model.metadata.KINDS`), concentrations µmol/L.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import sympy as sp

from pbpk.model.symbolic import SymbolicModel

#: pbpk's internal units → SBML unit definitions: id, and (kind, exponent, scale, multiplier) factors.
UNITS = {
    "h": ("hour", (("second", 1, 0, 3600.0),)),
    "L": ("litre", (("litre", 1, 0, 1.0),)),
    "umol": ("umol", (("mole", 1, -6, 1.0),)),
    "L/h": ("litre_per_hour", (("litre", 1, 0, 1.0), ("second", -1, 0, 3600.0))),
    "1/h": ("per_hour", (("second", -1, 0, 3600.0),)),
    "umol/h": ("umol_per_hour", (("mole", 1, -6, 1.0), ("second", -1, 0, 3600.0))),
    "umol/L": ("umol_per_litre", (("mole", 1, -6, 1.0), ("litre", -1, 0, 1.0))),
    "": ("dimensionless", ()),
}


def _formula(expression: sp.Expr) -> str:
    """Infix formula for libsbml's L3 parser (sympy powers ** become ^)."""
    return sp.sstr(expression, order="none").replace("**", "^")


def to_sbml(model: SymbolicModel, parameters: np.ndarray, *, initial: Mapping[str, float] | None = None) -> str:
    """The model as an SBML string (parameter values from ``parameters``, in model order)."""
    import libsbml

    document = libsbml.SBMLDocument(3, 2)
    sbml = document.createModel()
    sbml.setId(_identifier(model.name))
    _unit_definitions(sbml)
    sbml.setTimeUnits("hour")
    sbml.setSubstanceUnits("umol")
    sbml.setExtentUnits("umol")
    sbml.setVolumeUnits("litre")
    compartment = sbml.createCompartment()
    compartment.setId("body")
    compartment.setUnits("litre")
    compartment.setSize(1.0)
    compartment.setConstant(True)
    compartment.setSpatialDimensions(3)
    initial = dict(initial or {})
    unknown = set(initial) - set(model.state_names)
    if unknown:
        raise ValueError(f"unknown states in initial amounts: {sorted(unknown)}")
    for state in model.state_names:
        species = sbml.createSpecies()
        species.setId(state)
        species.setCompartment("body")
        species.setInitialAmount(float(initial.get(state, 0.0)))
        species.setHasOnlySubstanceUnits(True)
        species.setBoundaryCondition(False)
        species.setConstant(False)
    units = {info.name: info.unit for info in model.parameter_info}
    for name, value in zip(model.parameter_names, parameters):
        _parameter(sbml, name, float(value), constant=True, unit=units.get(name))
    inputs = {target for target in model.dose_targets.values()}
    for target in sorted(inputs):
        _parameter(sbml, f"input_{target}", 0.0, constant=False, unit="umol/h")
    for state, expression in zip(model.state_names, model.rhs):
        rule = sbml.createRateRule()
        rule.setVariable(state)
        formula = _formula(expression) if expression != 0 else "0"
        if state in inputs:
            formula = f"({formula}) + input_{state}"
        _set_math(rule, formula, state)
    for name, expression in model.outputs.items():
        _parameter(sbml, name, 0.0, constant=False, unit="umol/L" if name.startswith("C_") else None)
        rule = sbml.createAssignmentRule()
        rule.setVariable(name)
        _set_math(rule, _formula(expression), name)
    errors = document.checkInternalConsistency()
    if errors:
        raise RuntimeError(f"SBML export is inconsistent: {document.getError(0).getMessage()}")
    return libsbml.writeSBMLToString(document)


def write_sbml(model: SymbolicModel, parameters: np.ndarray, path: str | Path, *,
               initial: Mapping[str, float] | None = None) -> Path:
    """Write :func:`to_sbml` to ``path``."""
    path = Path(path)
    path.write_text(to_sbml(model, parameters, initial=initial), encoding="utf-8")
    return path


def _unit_definitions(sbml) -> None:
    """Declare every unit of :data:`UNITS` (SBML's hour is 3600 s; µmol is mole × 10⁻⁶)."""
    import libsbml

    kinds = {"second": libsbml.UNIT_KIND_SECOND, "litre": libsbml.UNIT_KIND_LITRE, "mole": libsbml.UNIT_KIND_MOLE}
    for identifier, factors in UNITS.values():
        if identifier == "dimensionless":  # an SBML base unit
            continue
        definition = sbml.createUnitDefinition()
        definition.setId(identifier)
        for kind, exponent, scale, multiplier in factors:
            unit = definition.createUnit()
            unit.setKind(kinds[kind])
            unit.setExponent(exponent)
            unit.setScale(scale)
            unit.setMultiplier(multiplier)


def _parameter(sbml, name: str, value: float, *, constant: bool, unit: str | None = None) -> None:
    """An SBML parameter; ``unit`` is a pbpk internal unit (a key of :data:`UNITS`), None for none known."""
    parameter = sbml.createParameter()
    parameter.setId(name)
    parameter.setValue(value)
    parameter.setConstant(constant)
    if unit is not None:
        parameter.setUnits(UNITS[unit][0])


def _set_math(rule, formula: str, what: str) -> None:
    import libsbml

    math = libsbml.parseL3Formula(formula)
    if math is None:
        raise RuntimeError(f"cannot express {what} in SBML: {libsbml.getLastParseL3Error()}")
    rule.setMath(math)


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"m_{cleaned}"
