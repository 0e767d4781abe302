"""The Tucuxi export read back: the schema's layout, a published drug file's layout, the formulas re-evaluated
by node against the model's own parameters, the variability against Ω, and the refusals."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.modelfile import library, load_poppk, poppk_from_dict, poppk_to_dict
from pbpk.mipd.solve import Dose
from pbpk.mipd.structure import Structure
from pbpk.mipd.tucuxi import drug_model
from pbpk.mipd.variability import Block, Omega

REFUSED = {"cefepime-jonckheere-2020": "pk",  # CL sums two log-normal terms: no single η per parameter
           "vancomycin-goti-2018": "error.parent.combination"}  # sd-sum error: Tucuxi's mixed is a variance sum
EXPORTED = [name for name in library() if name not in REFUSED]

# Children of each element of drugfile.xsd (sotalya/tucuxi-drugs, drugfiles/drugfile.xsd at 53db0f6), in the
# schema's xs:sequence order: "?" optional, "*" any number, "+" at least one, "a|b" a choice. Elements sharing a
# name share a type there (e.g. every <description> is translatedDescs); unlisted elements are leaves.
_OPERATION = "softFormula|hardFormula|multiFormula comments"
_VALUE = "standardValue aprioriComputation?"
_AVAILABLE = "unit default rangeValues* fixedValues?"
SCHEMA = {
    "model": "history head drugModel", "history": "revisions", "revisions": "revision*",
    "revision": "revisionAction revisionAuthorName institution email date comments",
    "head": "drug study comments", "drug": "atcs activeSubstances drugName drugDescription tdmStrategy",
    "atcs": "atc+", "activeSubstances": "activeSubstance+", "study": "studyName studyAuthors description references",
    "references": "reference*", "comments": "comment*",
    **dict.fromkeys(("drugName", "studyName", "covariateName", "activeMoietyName"), "name+"),
    **dict.fromkeys(("drugDescription", "description"), "desc+"),
    **dict.fromkeys(("tdmStrategy", "errorMessage"), "text+"),
    "drugModel": "drugId drugModelId domain covariates activeMoieties analyteGroups formulationAndRoutes "
                 "timeConsiderations comments",
    "domain": "description constraints", "constraints": "constraint*",
    "constraint": "constraintType errorMessage requiredCovariates checkOperation comments",
    "requiredCovariates": "covariateId+",
    **dict.fromkeys(("checkOperation", "operation", "aprioriComputation", "analytesToMoietyFormula"), _OPERATION),
    "softFormula": "inputs code", "inputs": "input+", "input": "id type",
    "covariates": "covariate*",
    "covariate": "covariateId covariateName description unit covariateType dataType interpolationType "
                 "refreshPeriod? covariateValue validation comments",
    "refreshPeriod": "unit value", "validation": "errorMessage operation comments",
    **dict.fromkeys(("covariateValue", "parameterValue", "sigma", "default", "duration", "from", "to", "step"),
                    _VALUE),
    "activeMoieties": "activeMoiety+",
    "activeMoiety": "activeMoietyId activeMoietyName unit analyteIdList analytesToMoietyFormula targets",
    "analyteIdList": "analyteId+", "targets": "target*",
    "analyteGroups": "analyteGroup+", "analyteGroup": "groupId pkModelId analytes dispositionParameters",
    "analytes": "analyte+", "analyte": "analyteId unit molarMass description errorModel comments",
    "molarMass": "value unit", "errorModel": "errorModelType applyFormula? likelyHoodFormula? sigmas comments",
    "sigmas": "sigma*", **dict.fromkeys(("dispositionParameters", "parameterSet"), "parameters correlations"),
    "parameters": "parameter*", "parameter": "parameterId unit parameterValue bsv validation? comments",
    "bsv": "bsvType stdDevs?", "stdDevs": "stdDev*", "correlations": "correlation*",
    "correlation": "param1 param2 value comments",
    "formulationAndRoutes": "formulationAndRoute+",
    "formulationAndRoute": "formulationAndRouteId formulation administrationName administrationRoute "
                           "absorptionModel dosages absorptionParameters",
    "dosages": "standardTreatment? analyteConversions availableDoses availableIntervals availableInfusions? comments",
    "analyteConversions": "analyteConversion+", "analyteConversion": "analyteId factor",
    **dict.fromkeys(("availableDoses", "availableIntervals", "availableInfusions"), _AVAILABLE),
    "rangeValues": "from to step", "fixedValues": "value*",
    "absorptionParameters": "parameterSetAnalyteGroup*",
    "parameterSetAnalyteGroup": "analyteGroupId absorptionModel parameterSet",
    "timeConsiderations": "halfLife outdatedMeasure", "halfLife": "unit duration multiplier comments",
    "outdatedMeasure": "unit duration comments",
}
# Values of the schema's enumerations (drugfile.xsd) and of the importer's tables (sotalya/tucuxi-core,
# src/tucucore/drugmodelimport.cpp; formulation and route there, as the schema leaves them free text).
ENUMERATIONS = {
    "revisionAction": {"creation", "review", "validation", "modification"},
    "covariateType": {"standard", "sex", "ageInDays", "ageInWeeks", "ageInMonths", "ageInYears"},
    "dataType": {"int", "double", "bool", "date"}, "type": {"int", "double", "bool"},
    "interpolationType": {"direct", "linear", "backward"}, "constraintType": {"soft", "hard"},
    "absorptionModel": {"extra", "extra.lag", "infusion", "bolus"},
    "errorModelType": {"additive", "proportional", "exponential", "propexp", "mixed", "softcoded", "none"},
    "bsvType": {"none", "normal", "lognormal", "proportional", "exponential", "additive", "logit"},
    "formulation": {"undefined", "parenteral solution", "parenteralSolution", "oral solution", "oralSolution"},
    "administrationRoute": {"undefined", "intramuscular", "intravenousBolus", "intravenousDrip", "nasal", "oral",
                            "rectal", "subcutaneous", "sublingual", "transdermal", "vaginal"},
}
# Parameters of Tucuxi's PK models (src/tucucore/pkmodels/*.cpp getParametersId, registered in pkmodel.cpp/.h),
# as functions of ours: Tucuxi's definitions, not the exporter's.
TUCUXI = {
    "linear.1comp.macro": {"CL": lambda p: p["CL"], "V": lambda p: p["V"]},
    "linear.1comp.micro": {"Ke": lambda p: p["CL"] / p["V"], "V": lambda p: p["V"]},
    "linear.2comp.macro": {name: (lambda p, n=name: p[n]) for name in ("CL", "V1", "Q", "V2")},
    "linear.2comp.micro": {"Ke": lambda p: p["CL"] / p["V1"], "V1": lambda p: p["V1"],
                           "K12": lambda p: p["Q"] / p["V1"], "K21": lambda p: p["Q"] / p["V2"]},
    "linear.3comp.macro": {name: (lambda p, n=name: p[n]) for name in ("CL", "V1", "Q2", "V2", "Q3", "V3")},
}
ABSORPTION = {"Ka": lambda p: p["KA"], "F": lambda p: p.get("F", 1.0), "Tlag": lambda p: p["ALAG"]}
# Element paths of a published drug file, ch.tucuxi.tobramycin.hennig2013.tdd (sotalya/tucuxi-drugs, drugfiles/,
# at 33c727b): a 2-compartment IV tobramycin model (linear.2comp.macro, infusion, exponential bsv, proportional
# error). Only the paths are transcribed (free-text <comment> lists left out).
_COV, _AG = "drugModel/covariates/covariate", "drugModel/analyteGroups/analyteGroup"
_PAR, _FR = f"{_AG}/dispositionParameters/parameters/parameter", "drugModel/formulationAndRoutes/formulationAndRoute"
_SOFT = ("softFormula/inputs/input/id", "softFormula/inputs/input/type", "softFormula/code", "comments")


def _under(prefix: str, *paths: str) -> list[str]:
    return [f"{prefix}/{path}" for path in paths]


HENNIG2013 = [
    *_under("history/revisions/revision", "revisionAction", "revisionAuthorName", "institution", "email", "date",
            "comments"),
    *_under("head/drug", "atcs/atc", "activeSubstances/activeSubstance", "drugName/name", "drugDescription/desc",
            "tdmStrategy/text"),
    *_under("head/study", "studyName/name", "studyAuthors", "description/desc", "references/reference"),
    "head/comments", "drugModel/drugId", "drugModel/drugModelId", "drugModel/domain/description/desc",
    *_under("drugModel/domain/constraints/constraint", "constraintType", "errorMessage/text",
            "requiredCovariates/covariateId", *_under("checkOperation", *_SOFT), "comments"),
    *_under(_COV, "covariateId", "covariateName/name", "description/desc", "unit", "covariateType", "dataType",
            "interpolationType", "refreshPeriod/unit", "refreshPeriod/value", "covariateValue/standardValue",
            "validation/errorMessage/text", *_under("validation/operation", *_SOFT), "validation/comments",
            "comments"),
    *_under("drugModel/activeMoieties/activeMoiety", "activeMoietyId", "activeMoietyName/name", "unit",
            "analyteIdList/analyteId", "analytesToMoietyFormula/hardFormula", "analytesToMoietyFormula/comments",
            "targets/target/targetType", "targets/target/targetValues/unit",
            *(f"targets/target/targetValues/{v}/standardValue"
              for v in ("min", "max", "best", "toxicityAlarm", "inefficacyAlarm")), "targets/target/comments"),
    f"{_AG}/groupId", f"{_AG}/pkModelId",
    *_under(f"{_AG}/analytes/analyte", "analyteId", "unit", "molarMass/value", "molarMass/unit", "description/desc",
            "errorModel/errorModelType", "errorModel/sigmas/sigma/standardValue", "errorModel/comments", "comments"),
    *_under(_PAR, "parameterId", "unit", "parameterValue/standardValue",
            *_under("parameterValue/aprioriComputation", *_SOFT), "bsv/bsvType", "bsv/stdDevs/stdDev",
            "validation/errorMessage/text", *_under("validation/operation", *_SOFT), "validation/comments",
            "comments"),
    *_under(f"{_AG}/dispositionParameters/correlations/correlation", "param1", "param2", "value", "comments"),
    *_under(_FR, "formulationAndRouteId", "formulation", "administrationName", "administrationRoute",
            "absorptionModel", "absorptionParameters", "dosages/analyteConversions/analyteConversion/analyteId",
            "dosages/analyteConversions/analyteConversion/factor", "dosages/comments"),
    *_under(f"{_FR}/dosages/availableDoses", "unit", "default/standardValue", "rangeValues/from/standardValue",
            "rangeValues/to/standardValue", "rangeValues/step/standardValue", "fixedValues"),
    *(f"{_FR}/dosages/{tag}/{path}" for tag in ("availableIntervals", "availableInfusions")
      for path in ("unit", "default/standardValue", "fixedValues/value")),
    *_under("drugModel/timeConsiderations/halfLife", "unit", "duration/standardValue", "multiplier", "comments"),
    *_under("drugModel/timeConsiderations/outdatedMeasure", "unit", "duration/standardValue", "comments"),
    "drugModel/comments",
]
# What that file has and our tobramycin export has not, and why.
NOT_EXPORTED = {
    "drugModel/activeMoieties/activeMoiety/targets/target": "a population model has no targets",
    f"{_COV}/refreshPeriod": "optional in the schema; the model has no refresh period",
    f"{_PAR}/validation": "optional in the schema",
    f"{_AG}/dispositionParameters/correlations/correlation": "the example's η are independent",
    "drugModel/domain/constraints/constraint": "the example gives no covariate ranges",
    f"{_FR}/dosages/availableDoses/rangeValues": "a population model has no dosing rules",
    **dict.fromkeys((f"{_FR}/dosages/{tag}/fixedValues" for tag in ("availableDoses", "availableIntervals",
                                                                     "availableInfusions")),
                    "a population model has no dosing rules"),
}


def _exported(name: str) -> tuple[str, ET.Element]:
    text = drug_model(load_poppk(name))
    return text, ET.fromstring(text)


def _paths(element: ET.Element, prefix: str = "") -> set[str]:
    """Every element path below the root, without the free-text <comment> entries."""
    paths = set()
    for child in element:
        if child.tag != "comment":
            path = f"{prefix}{child.tag}"
            paths |= {path} | _paths(child, path + "/")
    return paths


def _pattern(spec: str) -> re.Pattern:
    items = []
    for item in spec.split():
        quantifier = item[-1] if item[-1] in "?*+" else ""
        items.append(f"(?:(?:{item.rstrip('?*+')}),){quantifier}")
    return re.compile("".join(items))


def _required(tag: str = "model", path: str = "") -> list[str]:
    """The element paths below ``tag`` that SCHEMA requires (items without ?, * or a choice), recursively."""
    paths = []
    for item in SCHEMA.get(tag, "").split():
        if item[-1] not in "?*" and "|" not in item:
            child = item.rstrip("+")
            paths += [f"{path}{child}", *_required(child, f"{path}{child}/")]
    return paths


def _parameters(root: ET.Element) -> dict[str, ET.Element]:
    """Tucuxi's parameters: disposition ones and the absorption ones of the default formulation and route."""
    default = root.find("drugModel/formulationAndRoutes").get("default")
    route = next(fr for fr in root.iter("formulationAndRoute") if fr.findtext("formulationAndRouteId") == default)
    found = root.findall(f"{_AG}/dispositionParameters/parameters/parameter")
    found += route.findall("absorptionParameters/parameterSetAnalyteGroup/parameterSet/parameters/parameter")
    return {parameter.findtext("parameterId"): parameter for parameter in found}


def _expected(model, root: ET.Element) -> dict:
    """Tucuxi's parameters as functions of ours, for the PK model and absorption model the file names."""
    definitions = dict(TUCUXI[root.findtext(f"{_AG}/pkModelId")])
    absorption = {fr.findtext("absorptionModel") for fr in root.iter("formulationAndRoute")}
    if model.structure.absorption == "none":
        assert absorption == {"infusion", "bolus"}
    else:
        assert absorption == {"extra.lag" if "ALAG" in model.code.assigned else "extra"}
        definitions.update({k: f for k, f in ABSORPTION.items() if k != "Tlag" or absorption == {"extra.lag"}})
    return definitions


def _covariate_sets(model) -> list[dict[str, float]]:
    """The defaults, then low and high values (within the model's range), binary covariates 1 then 0."""
    sets = []
    for scale, binary in ((None, None), (0.6, 1.0), (1.5, 0.0)):
        values = {}
        for c in model.covariates:
            default = c.reference if c.reference is not None else 0.0
            if scale is None:
                values[c.name] = default
            elif c.type == "binary":
                values[c.name] = binary
            else:
                low, high = c.range or (-math.inf, math.inf)
                values[c.name] = float(np.clip(default * scale, low, high))
        sets.append(values)
    return sets


def _node(jobs: list[tuple[str, dict[str, float]]]) -> list[float]:
    """Each formula's code run as the body of a function (as Tucuxi's JSOperation does) in a fresh context."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = ("const vm = require('vm'); const jobs = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(jobs.map(([code, inputs]) => "
              "vm.runInNewContext('(function calc() {\\n' + code + '\\n})()', inputs))));")
    result = subprocess.run([node, "-e", script], input=json.dumps(jobs), capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


# ---- 1. the schema's layout ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", EXPORTED)
def test_export_is_well_formed_and_has_the_layout_of_the_schema(name):
    text, root = _exported(name)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert root.tag == "model" and root.get("version") == "0.6"
    missing = [path for path in _required() if root.find(path) is None]
    assert not missing, missing
    # drugmodelimport.cpp (extractJSOperation) takes a formula's code only from a CDATA section
    assert text.count("<code>") == text.count("<code><![CDATA[")
    children_of = {tag for spec in SCHEMA.values() for item in spec.split() for tag in item.rstrip("?*+").split("|")}
    for element in root.iter():
        tags = [child.tag for child in element]
        if element.tag in SCHEMA:
            assert _pattern(SCHEMA[element.tag]).fullmatch("".join(f"{tag}," for tag in tags)), (element.tag, tags)
        else:
            assert element.tag in children_of and not tags, element.tag
        if element.tag in ENUMERATIONS:
            assert element.text in ENUMERATIONS[element.tag], (element.tag, element.text)
    for number in ("standardValue", "stdDev", "value", "factor"):  # xs:double, read with std::stod
        for element in root.iter(number):
            assert math.isfinite(float(element.text))
    assert root.find("drugModel/formulationAndRoutes").get("default") in {
        fr.findtext("formulationAndRouteId") for fr in root.iter("formulationAndRoute")}


def test_library_exports_except_the_models_tucuxi_cannot_hold():
    for name in library():
        if name in REFUSED:
            with pytest.raises(PbpkInputError) as refused:
                drug_model(load_poppk(name))
            assert (refused.value.where, refused.value.field) == (name, REFUSED[name])
        else:
            ET.fromstring(drug_model(load_poppk(name)))


# ---- 2. a published drug file's layout ----------------------------------------------------------------------------

def test_tobramycin_export_has_the_layout_of_tucuxis_published_tobramycin_file():
    _, root = _exported("tobramycin-posologyr-example")
    ours = _paths(root)
    published = {"/".join(path.split("/")[:k]) for path in HENNIG2013 for k in range(1, path.count("/") + 2)}
    assert ours <= published, sorted(ours - published)
    missing = published - ours
    assert all(any(path.startswith(prefix) for prefix in NOT_EXPORTED) for path in missing), sorted(missing)
    # hennig2013 is linear.2comp.macro; posologyr's tobramycin puts its η on KE (and V), so it is exported with the
    # micro constants of the same two-compartment model, and CL, Q, V2 (no η of their own) are not parameters.
    assert root.findtext(f"{_AG}/pkModelId") == "linear.2comp.micro"
    assert set(_parameters(root)) == {"Ke", "V1", "K12", "K21"}
    assert {p.findtext("bsv/bsvType") for p in _parameters(root).values() if p.find("bsv/stdDevs")} == {"exponential"}
    assert root.findtext(f"{_AG}/analytes/analyte/errorModel/errorModelType") == "proportional"
    assert root.findtext(f"{_AG}/analytes/analyte/unit") == "mg/l"
    route = root.find(_FR)
    assert (route.findtext("absorptionModel"), route.findtext("administrationRoute")) == ("infusion", "intravenousDrip")


def test_goti_with_a_variance_sum_error_matches_tucuxis_published_two_compartment_vancomycin():
    # ch.tucuxi.vancomycin.ill.tdd (sotalya/tucuxi-gui, dev/src/gui/resources/demo/drugfiles): pkModelId
    # linear.2comp.macro, parameters CL, V1, Q, V2 (Q without bsv), errorModelType mixed with two sigmas.
    # Goti's error read as a variance sum (as nlmixr2lib and NONMEM implementations have it, see its notes).
    data = poppk_to_dict(load_poppk("vancomycin-goti-2018"))
    data["error"]["parent"]["combination"] = "variance-sum"
    root = ET.fromstring(drug_model(poppk_from_dict(data, where="goti, variance-sum")))
    assert root.findtext(f"{_AG}/pkModelId") == "linear.2comp.macro"
    parameters = _parameters(root)
    assert list(parameters) == ["CL", "V1", "Q", "V2"]
    assert parameters["Q"].findtext("bsv/bsvType") == "none"
    error = root.find(f"{_AG}/analytes/analyte/errorModel")
    assert error.findtext("errorModelType") == "mixed"
    # residualerrormodel.cpp: g = sqrt(sigma0^2 + (sigma1 f)^2), sigma0 additive (mg/L), sigma1 proportional
    assert [float(s.text) for s in error.iter("standardValue")] == [3.4, 0.227]


# ---- 3. formulas, variability and half-life against the model ----------------------------------------------------

def _check_formulas(model, covariate_sets: list[dict[str, float]]) -> None:
    """Each parameter's formula, run by node, gives Tucuxi's parameter from the model's code at η = 0."""
    root = ET.fromstring(drug_model(model))
    parameters = _parameters(root)
    definitions = _expected(model, root)
    assert set(parameters) == set(definitions)
    jobs, expected = [], []
    for index, covariates in enumerate(covariate_sets):
        ours = {k: float(np.ravel(v)[0]) for k, v in model.parameters(covariates).items()}
        for pid, element in parameters.items():
            code = element.find("parameterValue/aprioriComputation/softFormula")
            standard = float(element.findtext("parameterValue/standardValue"))
            if index == 0 or code is None:  # the standard value: the typical patient's, or the parameter
                assert standard == pytest.approx(definitions[pid](ours), rel=1e-12), pid
            if code is not None:
                inputs = [entry.findtext("id") for entry in code.iter("input")]
                jobs.append((code.findtext("code"), {k: covariates[k] for k in inputs}))
                expected.append((pid, definitions[pid](ours)))
    for got, (pid, value) in zip(_node(jobs) if jobs else [], expected, strict=True):
        assert got == pytest.approx(value, rel=1e-12), pid


@pytest.mark.parametrize("name", EXPORTED)
def test_formulas_give_the_models_typical_parameters(name):
    model = load_poppk(name)
    _check_formulas(model, _covariate_sets(model))


def test_formulas_keep_precedence_conditionals_and_intermediate_names():
    # TinyJS's grammar differs from Python's (unary minus, && and || at one level): nested operands, negation,
    # powers, chained comparisons and conditionals on both sides of their boundaries
    model = _edited("example-posologyr-run302", lambda d: d.update(pk=[
        "A = BW / (75 * (1 + SEX)) - (1 - SEX / 2) - -(BW - 70) / 2 ** -1",
        "B = -BW ** 0.5 / 10 + (2 if 50 < BW <= 80 and not (SEX == 1 or BW > 100) else 3 * (SEX + 1))",
        "CL = TVCL * (BW / 75) ** BW_CL * SEX_CL ** SEX * (200 + A) / (5 - -B) * exp(ETA_CL)",
        "V = exp(ETA_V) * TVV / (1 + max(0, BW - 100) / 100)", "KA = TVKA * exp(ETA_KA)"]))
    _check_formulas(model, [{"BW": bw, "SEX": sex} for bw in (75.0, 40.0, 50.0, 80.0, 120.0) for sex in (0.0, 1.0)])


def _mixes_and_or(code: str) -> bool:
    """Whether && and || share a parenthesis level (TinyJS reads them left to right at one precedence)."""
    levels: list[set[str]] = [set()]
    for token in re.findall(r"\(|\)|&&|\|\|", code):
        if token == "(":
            levels.append(set())
        elif token == ")":
            levels.pop()
        else:
            levels[-1].add(token)
            if len(levels[-1]) == 2:
                return True
    return False


@pytest.mark.parametrize("name", [*EXPORTED, "precedence"])
def test_formulas_are_written_for_tinyjs(name):
    # TinyJS (tucuxi-core libs/tiny-js/TinyJS.cpp): two integer literals divide as integers (1/2 is 0), its lexer
    # reads no e+ exponent, there is no **, unary minus is read only at the start of a sum, && and || share a level
    if name == "precedence":
        model = _edited("example-posologyr-run302", _pk(0, "CL = TVCL * (BW / 75) ** BW_CL * SEX_CL ** SEX * (1 if "
                        "BW > 50 or SEX == 1 and not BW > 90 else 2) * 3 / -(-1 - 1e20) * exp(ETA_CL)"))
        root = ET.fromstring(drug_model(model))
    else:
        root = _exported(name)[1]
    for code in root.iter("code"):
        for number in re.findall(r"(?<![A-Za-z0-9_.])\d[\d.e+-]*", code.text):
            assert re.fullmatch(r"\d+\.\d+(e-?\d+)?|\d+(\.\d+)?e-?\d+", number), (number, code.text)
        assert "**" not in code.text
        assert not re.search(r"[*/+-]\s*-\S", code.text), code.text
        assert not _mixes_and_or(code.text), code.text


@pytest.mark.parametrize("name", EXPORTED)
def test_bsv_is_the_sd_of_the_eta_that_multiplies_each_parameter_and_correlations_are_omegas(name):
    model = load_poppk(name)
    _, root = _exported(name)
    parameters, definitions = _parameters(root), _expected(model, root)
    covariates = _covariate_sets(model)[0]
    names, omega = model.omega.names, model.omega.matrix
    typical = {k: float(np.ravel(v)[0]) for k, v in model.parameters(covariates).items()}
    delta, eta_of = 0.1, {}
    for pid, element in parameters.items():
        ratios = []
        for k in range(len(names)):
            eta = np.zeros((1, len(names)))
            eta[0, k] = delta
            moved = {key: float(np.ravel(v)[0]) for key, v in model.parameters(covariates, eta).items()}
            ratios.append(definitions[pid](moved) / definitions[pid](typical))
        moving = [k for k, ratio in enumerate(ratios) if not math.isclose(ratio, 1.0, rel_tol=1e-12)]
        if element.findtext("bsv/bsvType") == "none":
            assert moving == [], pid
            continue
        assert element.findtext("bsv/bsvType") == "exponential"
        assert len(moving) == 1 and ratios[moving[0]] == pytest.approx(math.exp(delta), rel=1e-12), pid
        eta_of[pid] = moving[0]
        assert float(element.findtext("bsv/stdDevs/stdDev")) == pytest.approx(
            math.sqrt(omega[moving[0], moving[0]]), rel=1e-12)
    written = {frozenset((c.findtext("param1"), c.findtext("param2"))): float(c.findtext("value"))
               for c in root.iter("correlation")}
    for first, i in eta_of.items():
        for second, j in eta_of.items():
            if first < second:
                rho = omega[i, j] / math.sqrt(omega[i, i] * omega[j, j])
                assert written.get(frozenset((first, second)), 0.0) == pytest.approx(rho, rel=1e-12, abs=1e-15)
    assert len(written) == sum(1 for i in eta_of.values() for j in eta_of.values() if i < j and omega[i, j] != 0)


def _check_half_life(model, root: ET.Element) -> None:
    """A dose's concentration halves over the exported half-life once in the terminal phase (20 half-lives on)."""
    half_life = float(root.findtext("drugModel/timeConsiderations/halfLife/duration/standardValue"))
    compartment = "central" if model.structure.absorption == "none" else "depot"
    late = 20 * half_life
    prediction = model.predict([Dose(0.0, 100.0, compartment)], [late, late + half_life],
                               _covariate_sets(model)[0])
    first, second = np.ravel(prediction.concentration())
    assert second / first == pytest.approx(0.5, rel=1e-3)


def _three_compartments_with_lag():
    """Run302 made 3-compartment, with covariates on a peripheral volume and on F, and a lag time."""
    def edit(data):
        data["structure"]["compartments"] = 3
        data["pk"] = ["CL = TVCL * (BW / 75) ** BW_CL * SEX_CL ** SEX * exp(ETA_CL)", "V1 = TVV * exp(ETA_V)",
                      "Q2 = 10", "V2 = 50 * (BW / 75)", "Q3 = 2", "V3 = 100", "KA = TVKA * exp(ETA_KA)",
                      "F = 0.8 if SEX == 1 else 0.7", "ALAG = 0.5"]
    return _edited("example-posologyr-run302", edit)


def test_three_compartments_with_lag_and_bioavailability():
    model = _three_compartments_with_lag()
    root = ET.fromstring(drug_model(model))
    assert root.findtext(f"{_AG}/pkModelId") == "linear.3comp.macro"
    assert root.findtext(f"{_FR}/absorptionModel") == "extra.lag"
    _check_formulas(model, _covariate_sets(model))
    _check_half_life(model, root)


@pytest.mark.parametrize("name", EXPORTED)
def test_half_life_is_the_terminal_one_of_the_typical_patient(name):
    _check_half_life(load_poppk(name), _exported(name)[1])


def test_history_names_pbpk_the_source_and_a_pbpk_derived_origin():
    model = dataclasses.replace(load_poppk("examplinib-mapbayr-2021"),
                                derived_from={"pbpk": {"compound": "midazolam", "n": 200}})
    revision = ET.fromstring(drug_model(model)).find("history/revisions/revision")
    assert revision.findtext("revisionAuthorName") == "pbpk"
    comments = [c.text for c in revision.iter("comment")]
    assert any(model.source["reference"] in text for text in comments)
    assert any('"compound": "midazolam"' in text for text in comments)


def test_a_binary_covariate_without_reference_defaults_to_the_category_its_thetas_describe():
    model = load_poppk("example-posologyr-run302")
    root = ET.fromstring(drug_model(model))
    values = {c.findtext("covariateId"): float(c.findtext("covariateValue/standardValue"))
              for c in root.iter("covariate")}
    assert values == {"BW": 75.0, "SEX": 0.0}
    assert float(_parameters(root)["CL"].findtext("parameterValue/standardValue")) == model.theta_values["TVCL"]


# ---- 4. refusals ---------------------------------------------------------------------------------------------------

def _edited(name: str, edit) -> object:
    data = poppk_to_dict(load_poppk(name))
    edit(data)
    return poppk_from_dict(data, where=name)


def _set(path: str, value):
    def edit(data):
        *parents, last = path.split(".")
        entry = data
        for key in parents:
            entry = entry[key]
        entry[last] = value
    return edit


def _pk(index: int, line: str):
    def edit(data):
        data["pk"][index] = line
    return edit


REFUSALS = {
    "Michaelis-Menten": (lambda: dataclasses.replace(load_poppk("example-pkpdmap-run1"),
                                                     structure=Structure(elimination="michaelis-menten")),
                         "structure.elimination"),
    "transit absorption": (lambda: dataclasses.replace(load_poppk("examplinib-mapbayr-2021"), structure=Structure(
        absorption="transit", transit_compartments=3)), "structure.absorption"),
    "metabolite": (lambda: dataclasses.replace(load_poppk("example-pkpdmap-run1"),
                                               structure=Structure(metabolite=True)), "structure.metabolite"),
    "inter-occasion variability": (lambda: dataclasses.replace(load_poppk("example-pkpdmap-run1"), iov=Omega(
        (Block(("KAPPA_CL",), ((0.01,),)),))), "iov"),
    "time in minutes": (lambda: _edited("example-pkpdmap-run1", _set("units.time", "min")), "units.time"),
    "volume in mL": (lambda: _edited("example-pkpdmap-run1", _set("units.volume", "mL")), "units.volume"),
    "concentration per dL": (lambda: _edited("example-pkpdmap-run1", _set("analytes.parent.unit", "mg/dL")),
                             "analytes.parent.unit"),
    "sd-sum error": (lambda: load_poppk("vancomycin-goti-2018"), "error.parent.combination"),
    "additive eta": (lambda: _edited("example-pkpdmap-run1", _pk(0, "CL = TVCL + ETA_CL")), "pk"),
    "one eta on two parameters": (lambda: _edited("example-mapbayr-blq", _pk(2, "Q = TVQ * exp(ETA_CL)")), "pk"),
    "two etas on one parameter": (lambda: _edited("example-pkpdmap-run1", lambda d: d.update(
        pk=["CL = TVCL", "V = TVV * exp(ETA_V) * exp(ETA_CL)"])), "pk"),
    "sum of two log-normal terms": (lambda: load_poppk("cefepime-jonckheere-2020"), "pk"),
    "correlated absorption": (lambda: _edited("examplinib-mapbayr-2021", _set("omega", [
        {"etas": ["ETA_CL", "ETA_V", "ETA_KA"], "sd": [0.4, 0.4, 0.4],
         "correlation": [[1.0, 0.0, 0.3], [0.0, 1.0, 0.0], [0.3, 0.0, 1.0]]}])), "omega"),
    "continuous covariate without reference": (lambda: _edited("example-posologyr-run302", lambda d: d[
        "covariates"]["BW"].pop("reference")), "covariates.BW.reference"),
    "covariate unit Tucuxi lacks": (lambda: _edited("example-posologyr-run302", _set("covariates.BW.unit", "lb")),
                                    "covariates.BW.unit"),
    "TinyJS word as a name": (lambda: _edited("example-pkpdmap-run1", lambda d: (
        d["theta"].__setitem__("var", d["theta"].pop("TVCL")), d["pk"].__setitem__(0, "CL = var * exp(ETA_CL)"))),
        "theta.var"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_name_the_model_and_field(case):
    build, field = REFUSALS[case]
    model = build()
    with pytest.raises(PbpkInputError) as refused:
        drug_model(model)
    assert (refused.value.where, refused.value.field) == (model.name, field)
    assert str(refused.value).startswith(f"{model.name}: {field}: ")


def test_one_eta_on_two_parameters_is_named():
    model = _edited("example-mapbayr-blq", _pk(2, "Q = TVQ * exp(ETA_CL)"))
    with pytest.raises(PbpkInputError, match="ETA_CL enters both CL and Q"):
        drug_model(model)
