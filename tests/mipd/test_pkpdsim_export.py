"""The PKPDsim export, read back: θ, Ω and σ in PKPDsim's conventions, the library model of the structure,
and pk_code / ode_code that, run as PKPDsim runs them, give the model's own parameters and flows.

PKPDsim conventions checked here (InsightRX/PKPDsim): the k-th parameter is multiplied by exp(η_k)
(R/sim.R), ``omega_matrix`` is the lower triangle by rows (R/triangle_to_full.R), ``ruv`` SDs add as
variances (R/get_var_y.R), and read_model_json() (R/read_model_json.R) must be able to read the text.
"""

from __future__ import annotations

import json
import operator
import re
from dataclasses import replace

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.modelfile import library, load_poppk, poppk_from_dict
from pbpk.mipd.pkpdsim import model_definition

json5 = pytest.importorskip("json5")

REFUSED = {"vancomycin-goti-2018": "error.parent.combination"}  # sd-sum error: no PKPDsim form
PATIENTS = [{"CLCREAT": 65.0, "CRCL": 65.0, "WT": 82.0, "DIAL": 1.0, "BW": 82.0, "SEX": 1.0, "AGE": 40.0},
            {"CLCREAT": 180.0, "CRCL": 180.0, "WT": 61.0, "DIAL": 0.0, "BW": 61.0, "SEX": 0.0, "AGE": 12.0}]
# PKPDsim library model names (R/model_library.R), keyed by (compartments, absorption)
LIBRARY = {(1, "none"): "pk_1cmt_iv", (2, "none"): "pk_2cmt_iv", (3, "none"): "pk_3cmt_iv",
           (1, "first-order"): "pk_1cmt_oral", (2, "first-order"): "pk_2cmt_oral", (3, "first-order"): "pk_3cmt_oral"}
# top-level keys of inst/models/pk_vanco_goti.json5 (a 2cmt_iv library model) and the nested ones
GOTI_KEYS = ["id", "description", "ode_code", "pk_code", "n_comp", "obs", "dose", "covariates", "variables",
             "parameters", "fixed", "omega_matrix", "ruv", "misc", "references", "comments", "version"]
GOTI_NESTED = {"obs": {"cmt", "scale"}, "dose": {"cmt", "bioav"}, "ruv": {"prop", "add"},
               "misc": {"model_type", "linearity", "timevarying_parameter", "init_parameter"}}
# further keys we write, and the PKPDsim file that uses each
OTHER_KEYS = {"cmt_mapping": "inst/models/pk_cefepime_an.json5", "iiv": "inst/models/pk_cefepime_an.json5",
              "units": "inst/models/pk_pegasparaginase_modified_wurthwein.json5",
              "ltbs": "inst/models/pk_vanco_kloprogge.json5", "build": "tests/testthat/sample_json/test_1cmt_iv.json5"}


_BASE = {"format": "pbpk-poppk/1", "name": "synthetic", "drug": "x", "title": "synthetic model",
         "source": {"type": "example", "reference": "made for this test"}, "structure": {"compartments": 1},
         "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
         "theta": {"TVCL": {"value": 5.0}, "TVV": {"value": 50.0}}, "omega": [{"eta": "ETA_CL", "variance": 0.1}],
         "pk": ["CL = TVCL * exp(ETA_CL)", "V = TVV"],
         "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.2}}}}


def _model(theta: dict | None = None, **fields):
    """A model from the fields of a model file (θ given as name: value)."""
    if theta is not None:
        fields["theta"] = {name: {"value": value} for name, value in theta.items()}
    return poppk_from_dict({**_BASE, **fields}, where="synthetic")


def _synthetic_models() -> dict:
    etas = [{"eta": "ETA_CL", "variance": 0.1}, {"etas": ["ETA_V1", "ETA_KA"], "variance": [[0.2, 0.05], [0.05, 0.3]]}]
    three = {"TVCL": 5.0, "TVV1": 20.0, "TVQ2": 3.0, "TVV2": 30.0, "TVQ3": 1.5, "TVV3": 80.0}
    three_pk = ["CL = TVCL * (WT / 70) ** (3 / 4) * exp(ETA_CL)", "V1 = TVV1 * exp(ETA_V1)", "Q2 = TVQ2",
                "V2 = TVV2", "Q3 = TVQ3", "V3 = TVV3"]
    weight = {"WT": {"unit": "kg"}}
    return {
        "3-cmt IV": _model(three, structure={"compartments": 3}, pk=three_pk, covariates=weight,
                           omega=[etas[0], {"eta": "ETA_V1", "variance": 0.2}]),
        "3-cmt oral with F": _model({**three, "TVKA": 1.2, "TVF": 0.7}, covariates=weight, omega=etas,
                                    structure={"compartments": 3, "absorption": "first-order"},
                                    pk=[*three_pk, "KA = TVKA * exp(ETA_KA)", "F = TVF"]),
        "2-cmt oral, conditionals": _model(
            {"TVCL": 4.0, "TVV1": 30.0, "TVQ": 6.0, "TVV2": 40.0}, omega=etas,
            structure={"compartments": 2, "absorption": "first-order"},
            covariates={"WT": {"unit": "kg"}, "SEX": {"type": "binary"}, "AGE": {"unit": "yr"}},
            pk=["LBW = max(WT * (0.9 if SEX == 1 and not AGE < 18 else 0.8), 30)",
                ("CL = TVCL * (1.25 if (WT > 80 and SEX == 1) or AGE < 18 else 1) * (LBW / 60) ** (3 / 4)"
                 " * exp(ETA_CL)"),
                "V1 = (TVV1 * WT / 70 if AGE >= 18 else TVV1 * 0.8) * exp(ETA_V1)", "Q = TVQ * exp(ETA_KA) / 2",
                "V2 = TVV2 * exp(-0.01 * (AGE - 40))", "KA = 1.5 * exp(ETA_KA)"],
            error={"parent": {"model": "exponential", "sd": {"additive": 0.3}}}),
    }


def _library_models() -> dict:
    models = {name: load_poppk(name) for name in library() if name not in REFUSED}
    goti = load_poppk("vancomycin-goti-2018")
    error = goti.errors["parent"]
    models["goti, variance-sum error"] = replace(goti, errors={"parent": replace(error, combination="variance-sum")})
    return models


MODELS = {**_library_models(), **_synthetic_models()}


# ---- the C++ that the export writes, run as PKPDsim's compiled code would ------------------------------------

_TOKEN = re.compile(r"\s*(\d+\.\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+|[A-Za-z_]\w*|&&|\|\||[<>=!]="
                    r"|[-+*/()<>!?:,\[\]])")
_LEVELS = [("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "/")]
_OPERATORS = {"||": np.logical_or, "&&": np.logical_and, "==": np.equal, "!=": np.not_equal, "<": np.less,
              "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "+": operator.add, "-": operator.sub,
              "*": operator.mul, "/": lambda a, b: int(a / b) if isinstance(a, int) and isinstance(b, int) else a / b}
_FUNCTIONS = {"pow": lambda a, b: np.power(np.asarray(a, dtype=float), b), "exp": np.exp, "log": np.log,
              "log10": np.log10, "sqrt": np.sqrt, "fabs": np.abs, "fmin": np.minimum, "fmax": np.maximum}


class _Cpp:
    """Evaluates a C++ expression of the subset written: C++ precedence, ?:, and int / int truncating."""

    def __init__(self, text: str, scope: dict) -> None:
        self.tokens, self.scope, self.k = _TOKEN.findall(text), scope, 0
        assert "".join(self.tokens) == re.sub(r"\s", "", text), f"unknown C++ in {text!r}"

    def value(self):
        result = self.ternary()
        assert self.k == len(self.tokens), self.tokens[self.k:]
        return result

    def peek(self) -> str:
        return self.tokens[self.k] if self.k < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.tokens[self.k]
        assert expected is None or token == expected, (token, expected)
        self.k += 1
        return token

    def ternary(self):
        test = self.binary(0)
        if self.peek() != "?":
            return test
        self.take("?")
        body = self.ternary()
        self.take(":")
        return np.where(test, body, self.ternary())

    def binary(self, level: int):
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in _LEVELS[level]:
            left = _OPERATORS[self.take()](left, self.binary(level + 1))
        return left

    def unary(self):
        if self.peek() in ("-", "+", "!"):
            sign = self.take()
            operand = self.unary()
            return {"-": operator.neg, "+": operator.pos, "!": np.logical_not}[sign](operand)
        token = self.take()
        if token == "(":
            inner = self.ternary()
            self.take(")")
            return inner
        if token[0].isdigit():
            return float(token) if re.search(r"[.eE]", token) else int(token)
        if self.peek() == "(":
            self.take("(")
            arguments = [self.ternary()]
            while self.peek() == ",":
                self.take(",")
                arguments.append(self.ternary())
            self.take(")")
            return _FUNCTIONS[token](*arguments)
        if self.peek() == "[":
            self.take("[")
            index = int(self.take())
            self.take("]")
            return self.scope[token][index]
        return self.scope[token]


def _run(code: str, scope: dict) -> dict:
    """Run ``NAME = expression;`` statements (``dAdt[k] = ...`` stored as "dAdt[k]")."""
    scope = dict(scope)
    for statement in filter(str.strip, code.split(";")):
        name, _, expression = statement.partition("=")
        scope[name.strip()] = _Cpp(expression, scope).value()
    return scope


def _definition(model) -> dict:
    return json5.loads(model_definition(model))


def _individual(model, definition: dict, covariates: dict, eta: np.ndarray) -> dict:
    """What PKPDsim computes: the first parameters times exp(η) (R/sim.R), then pk_code."""
    parameters = dict(definition["parameters"])
    for k, name in enumerate(list(parameters)[: len(eta)]):
        parameters[name] *= np.exp(eta[k])
    return _run(definition["pk_code"], {**parameters, **{c: covariates[c] for c in model.covariate_names}})


# ---- tests --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(MODELS))
def test_theta_omega_and_sigma_in_pkpdsim_conventions(name):
    model = MODELS[name]
    definition = _definition(model)
    parameters, n = definition["parameters"], len(model.eta_names)
    assert {k: parameters[k] for k in model.theta_values} == model.theta_values
    assert all(parameters[k] == 1.0 for k in set(parameters) - set(model.theta_values))  # new exp(η) carriers
    carriers = list(parameters)[:n]
    assert list(definition["iiv"]) == carriers and definition["fixed"] == list(parameters)[n:]
    triangle = definition["omega_matrix"]
    full = np.zeros((n, n))
    full[np.tril_indices(n)] = triangle  # row by row: a11, a21, a22, a31, ...
    assert full + np.tril(full, -1).T == pytest.approx(model.omega.matrix, rel=1e-15, abs=0)
    assert list(definition["iiv"].values()) == pytest.approx(np.sqrt(np.diag(model.omega.matrix)), rel=1e-15)
    error = model.errors["parent"]
    assert definition["ruv"] == {"prop": [pytest.approx(error.proportional_sd, rel=1e-15)],
                                 "add": [pytest.approx(error.additive_sd, rel=1e-15)]}
    assert definition.get("ltbs", False) == (error.kind == "exponential")
    added = set(parameters) - set(model.theta_values)
    assert definition["units"] == {**{t.name: t.unit for t in model.thetas}, **dict.fromkeys(added, "1")}


@pytest.mark.parametrize("name", list(MODELS))
def test_pk_code_run_as_pkpdsim_gives_the_model_parameters(name):
    model = MODELS[name]
    definition = _definition(model)
    rng = np.random.default_rng(7)
    for covariates in PATIENTS:
        for eta in (np.zeros(len(model.eta_names)), rng.normal(0.0, 0.4, len(model.eta_names))):
            ours = model.parameters({c: covariates[c] for c in model.covariate_names}, eta[None, :])
            theirs = _individual(model, definition, covariates, eta)
            for parameter, value in ours.items():
                assert float(theirs[parameter]) == pytest.approx(float(np.ravel(value)[0]), rel=1e-12), parameter


@pytest.mark.parametrize("name", list(MODELS))
def test_structure_maps_to_the_pkpdsim_library_model(name):
    model = MODELS[name]
    structure = model.structure
    definition = _definition(model)
    assert "pk_" + definition["misc"]["model_type"] == LIBRARY[(structure.compartments, structure.absorption)]
    oral = structure.absorption != "none"
    size = structure.compartments + oral
    assert definition["n_comp"] == size
    assert definition["dose"]["cmt"] == 1 and definition["obs"]["cmt"] == 1 + oral  # pk_1cmt_oral: obs cmt 2
    assert definition["dose"]["bioav"] == ["F" if "F" in model.code.assigned else 1]
    # the ODEs run as C++ equal the model's own flows (Structure.matrix), states depot, central, peripherals
    covariates = PATIENTS[0]
    values = _individual(model, definition, covariates, np.full(len(model.eta_names), 0.1))
    amounts = np.random.default_rng(3).uniform(1.0, 100.0, size)
    flows = _run(definition["ode_code"], {**values, "A": amounts})
    p = {k: np.atleast_1d(v) for k, v in model.structural(model.parameters(
        {c: covariates[c] for c in model.covariate_names}, np.full((1, len(model.eta_names)), 0.1))).items()}
    expected = model.structure.matrix(structure.defaults(p), 1)[0][:size, :size] @ amounts
    assert [float(flows[f"dAdt[{k}]"]) for k in range(size)] == pytest.approx(expected, rel=1e-12)
    # concentration = A[obs cmt] / obs.scale, in the analyte's unit
    scale = _Cpp(definition["obs"]["scale"], values).value()
    assert 1 / scale == pytest.approx(model.concentration_factor("parent") / values[structure.central_volume])


@pytest.mark.parametrize("name", ["vancomycin-goti-2018"])
def test_refused_library_models(name):
    with pytest.raises(PbpkInputError, match="variance-sum") as error:
        model_definition(load_poppk(name))
    assert (error.value.where, error.value.field) == (name, REFUSED[name])


def test_key_layout_follows_pkpdsim_library_models():
    for name, model in MODELS.items():
        definition = _definition(model)
        assert [key for key in definition if key in GOTI_KEYS] == GOTI_KEYS, name  # the same keys, in order
        assert set(definition) - set(GOTI_KEYS) <= set(OTHER_KEYS), name
        for key, keys in GOTI_NESTED.items():
            assert set(definition[key]) == keys, (name, key)
        assert all(set(entry) == {"unit", "implementation"} for entry in definition["covariates"].values())
        assert definition["id"].startswith("pk_") and definition["id"].replace("_", "").isalnum()


@pytest.mark.parametrize("name", list(MODELS))
def test_text_is_read_by_pkpdsim_read_model_json(name):
    """R/read_model_json.R: ' → ", line breaks dropped, each backslash → \\n, then jsonlite (strict JSON)."""
    text = model_definition(MODELS[name])
    strict = json.loads(text.replace("'", '"').replace("\n", "").replace("\\", "\\n"))
    lenient = json5.loads(text)
    assert {k: v for k, v in strict.items() if not k.endswith("_code")} == \
        {k: v for k, v in lenient.items() if not k.endswith("_code")}
    for key in ("pk_code", "ode_code"):
        statements = [line.strip() for line in strict[key].split("\n") if line.strip()]
        assert statements == [s.strip() + ";" for s in lenient[key].split(";") if s.strip()]


def test_eta_carriers_are_the_thetas_they_multiply_or_new_parameters():
    definition = _definition(MODELS["2-cmt oral, conditionals"])
    assert list(definition["iiv"]) == ["TVCL", "V1iiv", "KAiiv"]  # V1 and KA: exp(η) times no θ of its own
    assert "KAiiv" in definition["pk_code"] and "exp(ETA" not in definition["pk_code"]
    cefepime = _definition(MODELS["cefepime-an-2023"])
    assert list(cefepime["iiv"]) == ["CLiiv", "TVV1", "TVV2"]  # CL = (CLR + CLNR)·exp(η): as PKPDsim's CLiiv


def test_refusals_name_the_model_and_the_field():
    cases = {
        "pk": _model(pk=["CL = TVCL + ETA_CL", "V = TVV"]),
        "structure": _model(structure={"compartments": 1, "absorption": "transit", "transit_compartments": 2},
                            pk=["CL = TVCL * exp(ETA_CL)", "V = TVV", "KA = 1", "MTT = 2"]),
        "iov": _model(iov=[{"eta": "KAPPA_CL", "variance": 0.05}],
                      pk=["CL = TVCL * exp(ETA_CL + KAPPA_CL)", "V = TVV"]),
    }
    for field, model in cases.items():
        with pytest.raises(PbpkInputError) as error:
            model_definition(model)
        assert (error.value.where, error.value.field) == ("synthetic", field)
    lag = _model(structure={"compartments": 1, "absorption": "first-order"},
                 pk=["CL = TVCL * exp(ETA_CL)", "V = TVV", "KA = 1", "ALAG = 0.5"])
    with pytest.raises(PbpkInputError, match="lag time"):
        model_definition(lag)
