"""Export a population model as a Tucuxi drug model file (``.tdd``, XML): the document and its elements.

The layout and element order are those of Tucuxi's schema (``drugfiles/drugfile.xsd`` of sotalya/tucuxi-drugs)
and of its published files (e.g. ``ch.tucuxi.tobramycin.hennig2013.tdd``); the meaning of the elements is that
of Tucuxi's importer and engine (sotalya/tucuxi-core, ``src/tucucore``). The parameters, their η and their
formulas come from the model's code through :mod:`pbpk.mipd.tucuxi_formulas`, which cites the engine for them.

* PK model (``pkmodel.h``, ``pkmodel.cpp``): ``linear.Ncomp.macro`` or ``linear.Ncomp.micro``. IV doses:
  absorption models ``infusion`` and ``bolus``; first-order absorption: ``extra``, or ``extra.lag`` when the code
  assigns ALAG, whose parameters are absorption parameters of the formulation and route.
* Between-subject variability (``parameter.cpp`` Parameter::applyEta, ``generalextractor.cpp`` extractOmega):
  ``exponential``, P = typical·exp(η), ``stdDev`` the SD of η; ``correlations`` hold correlation coefficients
  and are read for disposition parameters only.
* Residual error (``residualerrormodel.cpp``): ``additive`` σ (analyte unit), ``proportional``, ``exponential``
  (log scale), ``mixed`` g = √(σ₀² + (σ₁·f)²) with σ₀ additive and σ₁ proportional, our variance-sum
  ``combined``. An sd-sum error (g = a + b·f) has no Tucuxi form (``softcoded`` is refused by
  ``residualerrormodelextractor.cpp``) and is refused.
* Formulas (``JSOperation`` in ``operation.cpp``) are softFormula elements with double inputs and TinyJS code,
  which Tucuxi's importer (``drugmodelimport.cpp``) takes from a CDATA section.
* Units (``tucucommon/unit.cpp``): the engine takes parameters in l, l/h, h-1 and h and concentrations as dose
  (in the analyte's mass unit) per litre, so the model must be in h and L and its concentration unit a mass
  per litre; covariate units must be Tucuxi's (units are matched by value: ng/mL is written ug/l). Every
  covariate needs a default value (``covariateValue``, required by ``drugmodelimport.cpp``): its reference, or
  0 for a binary one without (the category its θ describe).
* What a population model does not hold is a placeholder the schema requires, said so in the file: ATC code,
  doses, intervals and infusion times, outdated-measure time, no targets; the molar mass (read, never used by the
  engine) comes from ``compounds/`` when pbpk has the drug. The half-life is the terminal one of the typical
  patient, with Tucuxi's documented multiplier of 10 half-lives to steady state.

Refused (PbpkInputError naming the model and field): Michaelis–Menten elimination, transit absorption, a
metabolite, inter-occasion variability, other time or volume units, an sd-sum error, and what
:mod:`pbpk.mipd.tucuxi_formulas` refuses (η entering otherwise, correlations involving absorption parameters).
"""

from __future__ import annotations

import ast
import datetime
import json
import math
from collections.abc import Callable, Mapping, Sequence
from xml.dom import minidom
from xml.etree import ElementTree as ET

import numpy as np

from pbpk.compound.load import load_compound
from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import ureg
from pbpk.mipd.popmodel import Covariate, PopulationModel
from pbpk.mipd.tucuxi_formulas import (
    Parameter,
    analysed,
    apriori_formula,
    check_names,
    covariate_condition,
    eta_correlations,
    exported,
)

_PARAMETER_UNITS = {"CL": "l/h", "Q": "l/h", "Q2": "l/h", "Q3": "l/h", "V": "l", "V1": "l", "V2": "l", "V3": "l",
                    "F": "-", "Tlag": "h"}  # the others are rate constants, h-1
#: Tucuxi's unit names (tucucommon/unit.cpp) for covariates and analytes, with their pint spelling.
_UNITS = {"-": "1", "kg": "kg", "g": "g", "mg": "mg", "ug": "ug", "ng": "ng", "g/l": "g/L", "mg/l": "mg/L",
          "ug/l": "ug/L", "ng/l": "ng/L", "mg/dl": "mg/dL", "mmol/l": "mmol/L", "umol/l": "umol/L",
          "ml/min": "mL/min", "l/h": "L/h", "min": "min", "h": "h", "d": "day", "w": "week", "y": "year",
          "cm": "cm", "m": "m"}
_CONCENTRATIONS = ("g/l", "mg/l", "ug/l", "ng/l")
_PLACEHOLDER = ("Placeholder: a population model holds no dosing rules, but Tucuxi needs a default dose and interval "
                "(and infusion time) for each formulation and route; set them before using dose adaptation.")


def drug_model(model: PopulationModel) -> str:
    """The Tucuxi drug model file (XML text, UTF-8 header) of ``model``; refusals name the model and field."""
    _check(model)
    defaults = {covariate.name: _default(model, covariate) for covariate in model.covariates}
    typical, known = analysed(model)
    form, parameters, etas = exported(model, known)
    correlations = eta_correlations(model, parameters, etas)
    values = model.parameters(defaults)
    concentration = _unit(model.analytes["parent"])

    root = ET.Element("model", {"version": "0.6", "xsi:noNamespaceSchemaLocation": "drugfile.xsd",
                                "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    _history(model, root)
    _head(model, root)
    drug = _sub(root, "drugModel")
    _sub(drug, "drugId", model.drug)
    _sub(drug, "drugModelId", model.name)
    _domain(model, drug)
    covariates = _sub(drug, "covariates")
    for covariate in model.covariates:
        _covariate(covariate, defaults[covariate.name], covariates)
    moiety = _sub(_sub(drug, "activeMoieties"), "activeMoiety")
    _sub(moiety, "activeMoietyId", model.drug)
    _texts(moiety, "activeMoietyName", "name", model.drug)
    _sub(moiety, "unit", concentration)
    _sub(_sub(moiety, "analyteIdList"), "analyteId", model.drug)
    formula = _sub(moiety, "analytesToMoietyFormula")
    _sub(formula, "hardFormula", "direct")
    _comments(formula)
    _sub(moiety, "targets")

    group = _sub(_sub(drug, "analyteGroups"), "analyteGroup")
    _sub(group, "groupId", model.drug)
    _sub(group, "pkModelId", f"linear.{model.structure.compartments}comp.{form}")
    _analyte(model, concentration, _sub(group, "analytes"))

    def parameter_set(parent: ET.Element, absorption: bool) -> None:
        listed = _sub(parent, "parameters")
        for parameter in parameters:
            if parameter.absorption == absorption:
                _parameter(model, parameter, etas.get(parameter.id), typical, values, listed)
        element = _sub(parent, "correlations")
        for first, second, rho in [] if absorption else correlations:
            entry = _sub(element, "correlation")
            _sub(entry, "param1", first)
            _sub(entry, "param2", second)
            _sub(entry, "value", _number(rho))
            _comments(entry, f"correlation of {etas[first]} and {etas[second]} in the model's omega")

    parameter_set(_sub(group, "dispositionParameters"), False)
    _formulations(model, concentration, parameter_set, drug)
    _time_considerations(model, values, drug)
    _comments(drug)
    return _pretty(root)


# ---- checks ------------------------------------------------------------------------------------------------------

def _check(model: PopulationModel) -> None:
    """Refuse what Tucuxi cannot hold, naming the field."""
    structure = model.structure
    if not structure.linear:
        raise PbpkInputError(model.name, "structure.elimination", structure.elimination,
                             "linear elimination (Tucuxi's michaelismenten.* models are not exported)")
    if structure.absorption == "transit":
        raise PbpkInputError(model.name, "structure.absorption", structure.absorption,
                             "none or first-order (Tucuxi's Erlang absorption is another parametrisation)")
    if structure.metabolite:
        raise PbpkInputError(model.name, "structure.metabolite", True, "a model of the parent drug only")
    if model.iov.names:
        raise PbpkInputError(model.name, "iov", ", ".join(model.iov.names),
                             "no inter-occasion variability: a Tucuxi drug model has between-subject variability only")
    for key, unit in (("time", "h"), ("volume", "L")):
        if not math.isclose(ureg.Quantity(1.0, model.units[key]).to(unit).magnitude, 1.0, rel_tol=1e-12):
            raise PbpkInputError(model.name, f"units.{key}", model.units[key],
                                 f"{unit}: Tucuxi takes parameters in l, l/h and h-1 (the export does not rescale)")
    unit = model.analytes["parent"]
    if _unit(unit) not in _CONCENTRATIONS:
        raise PbpkInputError(model.name, "analytes.parent.unit", unit,
                             "a mass per litre: " + ", ".join(_CONCENTRATIONS),
                             "Tucuxi computes concentrations as dose in the analyte's mass unit per litre")
    error = model.errors["parent"]
    if error.kind == "combined" and error.combination != "variance-sum":
        raise PbpkInputError(model.name, "error.parent.combination", error.combination,
                             "variance-sum: Tucuxi's mixed error is g = sqrt(a^2 + (b f)^2); g = a + b f has no "
                             "Tucuxi form (its softcoded error model is not implemented)")
    check_names(model)
    for covariate in model.covariates:
        if _unit(covariate.unit) is None:
            raise PbpkInputError(model.name, f"covariates.{covariate.name}.unit", covariate.unit,
                                 "a unit Tucuxi knows: " + ", ".join(_UNITS))


def _default(model: PopulationModel, covariate: Covariate) -> float:
    if covariate.reference is not None:
        return covariate.reference
    if covariate.type == "binary":
        return 0.0
    raise PbpkInputError(model.name, f"covariates.{covariate.name}.reference", None,
                         "a reference value: Tucuxi needs each covariate's default value (covariateValue)")


def _unit(unit: str) -> str | None:
    """Tucuxi's name of a unit (pint text), or None when Tucuxi has none."""
    quantity = ureg.Quantity(1.0, unit)
    for name, spelled in _UNITS.items():
        other = ureg.Quantity(1.0, spelled)
        if quantity.dimensionality == other.dimensionality and math.isclose(quantity.to(spelled).magnitude, 1.0,
                                                                           rel_tol=1e-9):
            return name
    return None


# ---- elements ----------------------------------------------------------------------------------------------------

def _number(value: float) -> str:
    return repr(float(value))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


def _texts(parent: ET.Element, tag: str, inner: str, *texts: str) -> ET.Element:
    element = _sub(parent, tag)
    for text in texts:
        _sub(element, inner, text, lang="en")
    return element


def _comments(parent: ET.Element, *texts: str) -> None:
    _texts(parent, "comments", "comment", *texts)


def _soft(parent: ET.Element, tag: str, inputs: Sequence[str], code: str) -> None:
    """An operation: a softFormula with double inputs and TinyJS code, then comments."""
    operation = _sub(parent, tag)
    formula = _sub(operation, "softFormula")
    listed = _sub(formula, "inputs")
    for name in inputs:
        entry = _sub(listed, "input")
        _sub(entry, "id", name)
        _sub(entry, "type", "double")
    _sub(formula, "code", code)
    _comments(operation)


def _value(parent: ET.Element, tag: str, value: float) -> ET.Element:
    element = _sub(parent, tag)
    _sub(element, "standardValue", _number(value))
    return element


def _history(model: PopulationModel, root: ET.Element) -> None:
    revision = _sub(_sub(_sub(root, "history"), "revisions"), "revision")
    _sub(revision, "revisionAction", "creation")
    _sub(revision, "revisionAuthorName", "pbpk")
    _sub(revision, "institution", "pbpk")
    _sub(revision, "email", "")
    _sub(revision, "date", datetime.date.today().isoformat())
    texts = [f"Exported by pbpk (pbpk.mipd.tucuxi) from the population model {model.name}: {model.title}.",
             f"Source ({model.source.get('type', '')}): {model.source['reference']}"]
    if model.derived_from is not None:
        texts.append("Derived from: " + json.dumps(model.derived_from, sort_keys=True, default=str))
    _comments(revision, *texts)


def _head(model: PopulationModel, root: ET.Element) -> None:
    head = _sub(root, "head")
    drug = _sub(head, "drug")
    _sub(_sub(drug, "atcs"), "atc", "unknown")
    _sub(_sub(drug, "activeSubstances"), "activeSubstance", model.drug)
    _texts(drug, "drugName", "name", model.drug)
    _texts(drug, "drugDescription", "desc", model.title)
    _texts(drug, "tdmStrategy", "text", "Not part of the population model.")
    study = _sub(head, "study")
    _texts(study, "studyName", "name", model.title)
    _sub(study, "studyAuthors", model.source["reference"])
    _texts(study, "description", "desc", model.source.get("population") or model.title)
    references = _sub(study, "references")
    _sub(references, "reference", model.source["reference"], type="plain")
    if model.source.get("doi"):
        _sub(references, "reference", model.source["doi"], type="doi")
    notes = list(model.notes) + ["The ATC code is a placeholder: the population model has none."]
    if model.support_points is not None:
        notes.append("The model's nonparametric support points are not exported: Tucuxi takes a parametric prior.")
    _comments(head, *notes)


def _domain(model: PopulationModel, drug: ET.Element) -> None:
    domain = _sub(drug, "domain")
    _texts(domain, "description", "desc", model.source.get("population") or model.title)
    constraints = _sub(domain, "constraints")
    for covariate in model.covariates:
        condition = covariate_condition(covariate)
        if condition is None:
            continue
        constraint = _sub(constraints, "constraint")
        _sub(constraint, "constraintType", "hard")
        _texts(constraint, "errorMessage", "text", condition[1] + f" ({model.name} refuses other values).")
        _sub(_sub(constraint, "requiredCovariates"), "covariateId", covariate.name)
        _soft(constraint, "checkOperation", [covariate.name], f"return {condition[0]};")
        _comments(constraint)


def _covariate(covariate: Covariate, default: float, parent: ET.Element) -> None:
    element = _sub(parent, "covariate")
    _sub(element, "covariateId", covariate.name)
    _texts(element, "covariateName", "name", covariate.description or covariate.name)
    _texts(element, "description", "desc", covariate.description or covariate.name)
    _sub(element, "unit", _unit(covariate.unit))
    _sub(element, "covariateType", "standard")
    _sub(element, "dataType", "double")
    _sub(element, "interpolationType", "linear" if covariate.type == "continuous" else "direct")
    _value(element, "covariateValue", default)
    condition = covariate_condition(covariate)
    validation = _sub(element, "validation")
    message = condition[1] if condition else f"No check: the model gives no range for {covariate.name}."
    _texts(validation, "errorMessage", "text", message)
    _soft(validation, "operation", [covariate.name], f"return {condition[0] if condition else 'true'};")
    _comments(validation)
    if covariate.reference is None:
        _comments(element, "Default 0: the model gives no reference; its θ describe the category 0.")
    else:
        _comments(element, "Default: the model's reference value.")


def _analyte(model: PopulationModel, concentration: str, parent: ET.Element) -> None:
    analyte = _sub(parent, "analyte")
    _sub(analyte, "analyteId", model.drug)
    _sub(analyte, "unit", concentration)
    mass, source = 0.0, f"unknown (pbpk has no compound file for {model.drug}); Tucuxi reads but does not use it"
    if model.drug in datafiles.bundled_names("compounds"):
        weight = load_compound(datafiles.data_dir("compounds") / f"{model.drug}.yaml").molecular_weight
        mass, source = float(weight.value.to("g/mol").magnitude), f"compounds/{model.drug}.yaml: {weight.source}"
    molar = _sub(analyte, "molarMass")
    _sub(molar, "value", _number(mass))
    _sub(molar, "unit", "g/mol")
    _texts(analyte, "description", "desc", f"{model.drug} (parent) in {concentration}")
    error = model.errors["parent"]
    kind = {"additive": "additive", "proportional": "proportional", "combined": "mixed",
            "exponential": "exponential"}[error.kind]
    sigmas = {"additive": [error.additive_sd], "proportional": [error.proportional_sd],
              "combined": [error.additive_sd, error.proportional_sd], "exponential": [error.additive_sd]}[error.kind]
    element = _sub(analyte, "errorModel")
    _sub(element, "errorModelType", kind)
    listed = _sub(element, "sigmas")
    for sigma in sigmas:
        _value(listed, "sigma", sigma)
    given = "variances" if error.scale == "variance" else "SDs"
    _comments(element, f"{error.kind} error{' (' + error.combination + ')' if error.combination else ''} as SDs "
                       f"(the model gives {given}); {error.source}")
    _comments(analyte, f"Molar mass: {source}.")


def _parameter(model: PopulationModel, parameter: Parameter, eta: str | None, typical: Mapping[str, ast.expr],
               values: Mapping[str, np.ndarray], parent: ET.Element) -> None:
    element = _sub(parent, "parameter")
    _sub(element, "parameterId", parameter.id)
    _sub(element, "unit", _PARAMETER_UNITS.get(parameter.id, "h-1"))
    value = _value(element, "parameterValue", parameter.value(values))
    inputs, code = apriori_formula(model, typical, parameter.tree)
    if inputs:
        _soft(value, "aprioriComputation", inputs, code)
    bsv = _sub(element, "bsv")
    sd = math.sqrt(model.omega.variances[eta]) if eta is not None else 0.0
    _sub(bsv, "bsvType", "exponential" if sd > 0 else "none")
    if sd > 0:
        _sub(_sub(bsv, "stdDevs"), "stdDev", _number(sd))
    origin = "1 (the code assigns no F)" if parameter.numerator is None else f"{parameter.text} of the model's code"
    _comments(element, f"{parameter.id} = {origin}" + (f", times exp({eta})." if eta else "."))


def _formulations(model: PopulationModel, concentration: str, parameter_set: Callable[[ET.Element, bool], None],
                  drug: ET.Element) -> None:
    if model.structure.absorption == "none":
        routes = [("infusion", "parenteralSolution", "intravenousDrip", "infusion"),
                  ("bolus", "parenteralSolution", "intravenousBolus", "bolus")]
    else:
        lag = "ALAG" in model.code.assigned
        routes = [("oral", "oralSolution", "oral", "extra.lag" if lag else "extra")]
    formulations = _sub(drug, "formulationAndRoutes", default=routes[0][0])
    for identifier, formulation, route, absorption in routes:
        element = _sub(formulations, "formulationAndRoute")
        _sub(element, "formulationAndRouteId", identifier)
        _sub(element, "formulation", formulation)
        _sub(element, "administrationName", f"{model.drug}, {route}")
        _sub(element, "administrationRoute", route)
        _sub(element, "absorptionModel", absorption)
        dosages = _sub(element, "dosages")
        conversion = _sub(_sub(dosages, "analyteConversions"), "analyteConversion")
        _sub(conversion, "analyteId", model.drug)
        _sub(conversion, "factor", "1")
        for tag, unit, default in (("availableDoses", concentration.split("/")[0], 1.0),
                                   ("availableIntervals", "h", 24.0), ("availableInfusions", "min", 60.0)):
            if tag != "availableInfusions" or absorption == "infusion":
                available = _sub(dosages, tag)
                _sub(available, "unit", unit)
                _value(available, "default", default)
        _comments(dosages, _PLACEHOLDER)
        parameters = _sub(element, "absorptionParameters")
        if absorption.startswith("extra"):
            group = _sub(parameters, "parameterSetAnalyteGroup")
            _sub(group, "analyteGroupId", model.drug)
            _sub(group, "absorptionModel", absorption)
            parameter_set(_sub(group, "parameterSet"), True)


def _time_considerations(model: PopulationModel, values: Mapping[str, np.ndarray], drug: ET.Element) -> None:
    """Terminal half-life of the typical patient: ln 2 over the slowest rate of the system matrix."""
    structure = model.structure
    parameters = structure.defaults({name: np.atleast_1d(v) for name, v in model.structural(values).items()})
    rates = -np.linalg.eigvals(structure.matrix(parameters, 1)[0]).real
    half_life = math.log(2) / float(np.min(rates[rates > 1e-9 * np.max(rates)]))
    considerations = _sub(drug, "timeConsiderations")
    element = _sub(considerations, "halfLife")
    _sub(element, "unit", "h")
    _value(element, "duration", float(f"{half_life:.4g}"))
    _sub(element, "multiplier", "10")
    _comments(element, "Terminal half-life of the typical patient (covariates at their defaults); 10 half-lives "
                       "to steady state, as Tucuxi's documentation suggests.")
    outdated = _sub(considerations, "outdatedMeasure")
    _sub(outdated, "unit", "d")
    _value(outdated, "duration", 100.0)
    _comments(outdated, "Placeholder (the value of Tucuxi's published files): the model says nothing about it.")


def _pretty(root: ET.Element) -> str:
    """Indented XML with each formula's code as CDATA (Tucuxi's importer requires it)."""
    document = minidom.parseString(ET.tostring(root, encoding="utf-8"))
    for code in document.getElementsByTagName("code"):
        text = code.firstChild.data
        code.removeChild(code.firstChild)
        code.appendChild(document.createCDATASection(text))
    return document.toprettyxml(indent="    ", encoding="UTF-8").decode("utf-8")
