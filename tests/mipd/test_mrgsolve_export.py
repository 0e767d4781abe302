"""The mrgsolve/mapbayr export, read back without R: mapbayr's model rules, its example model 001,
the same individual parameters, residual variances and concentrations as the model itself."""

from __future__ import annotations

import math
import operator
import re

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import block_diag

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.modelfile import library, load_poppk, poppk_from_dict
from pbpk.mipd.mrgsolve import model_code
from pbpk.mipd.solve import Dose

PATIENTS = ({"CLCREAT": 65.0, "CRCL": 65.0, "WT": 82.0, "DIAL": 1.0, "BW": 82.0, "SEX": 1.0},
            {"CLCREAT": 180.0, "CRCL": 30.0, "WT": 125.0, "DIAL": 0.0, "BW": 60.0, "SEX": 0.0})


# ---- fictional models for what the library lacks: 3 compartments, transit, MM, metabolite, F, ALAG --------------

def _fictional(name: str, structure: dict, theta: dict[str, float], pk: list[str], error: dict, *,
               analytes: dict | None = None, omega: list | None = None, **extra: object):
    etas = sorted(set(re.findall(r"ETA_\w+", " ".join(pk))))
    data = {"format": "pbpk-poppk/1", "name": name, "drug": "example", "title": f"Fictional {name}",
            "source": {"type": "example", "reference": "tests/mipd/test_mrgsolve_export.py"},
            "structure": structure, "units": {"time": "h", "amount": "mg", "volume": "L"},
            "analytes": analytes or {"parent": {"unit": "mg/L"}},
            "theta": {key: {"value": value} for key, value in theta.items()},
            "omega": omega if omega is not None else [{"eta": eta, "variance": 0.1} for eta in etas],
            "pk": pk, "error": error, **extra}
    return poppk_from_dict(data, where=name)


def _fictional_models() -> list:
    three = _fictional(
        "three-cmt-iv", {"compartments": 3},
        {"TVCL": 5.0, "TVV1": 20.0, "TVQ2": 8.0, "TVV2": 40.0, "TVQ3": 1.5, "TVV3": 100.0},
        ["CL = TVCL * exp(ETA_CL)", "V1 = TVV1 * exp(ETA_V1)", "Q2 = TVQ2", "V2 = TVV2 * exp(ETA_V2)", "Q3 = TVQ3",
         "V3 = TVV3"],
        {"parent": {"model": "exponential", "sd": {"additive": 0.2}}}, analytes={"parent": {"unit": "ug/L"}},
        omega=[{"etas": ["ETA_CL", "ETA_V1"], "variance": [[0.1, 0.03], [0.03, 0.2]]},
               {"eta": "ETA_V2", "variance": 0.15}])
    transit = _fictional(
        "transit-2cmt", {"compartments": 2, "absorption": "transit", "transit_compartments": 3},
        {"TVCL": 4.0, "TVV1": 30.0, "TVQ": 3.0, "TVV2": 50.0, "TVKA": 0.8, "TVMTT": 1.5, "TVF": 0.7},
        ["CL = TVCL * (WT / 70) ** 0.75 * exp(ETA_CL)", "V1 = TVV1 * WT / 70", "Q = TVQ", "V2 = TVV2",
         "KA = TVKA * exp(ETA_KA)", "MTT = TVMTT * exp(ETA_MTT)", "F = TVF", "ALAG = 0.25"],
        {"parent": {"model": "combined", "combination": "sd-sum", "sd": {"additive": 0.1, "proportional": 0.15}}},
        covariates={"WT": {"unit": "kg", "reference": 70.0}})
    saturable = _fictional(
        "mm-1cmt-oral", {"absorption": "first-order", "elimination": "michaelis-menten"},
        {"TVVMAX": 20.0, "TVKM": 2.0, "TVCL": 0.5, "TVV": 40.0, "TVKA": 1.2},
        ["VMAX = TVVMAX * exp(ETA_VMAX)", "KM = TVKM * 2 if WT > 100 and WT < 200 else TVKM",
         "CL = max(TVCL * (WT / 70), 0.1)", "V = TVV * exp(ETA_V)", "KA = TVKA"],
        {"parent": {"model": "combined", "combination": "variance-sum",
                    "variance": {"additive": 0.01, "proportional": 0.04}}},
        covariates={"WT": {"unit": "kg", "range": [20.0, 300.0]}})
    metabolite = _fictional(
        "metabolite-oral", {"absorption": "first-order", "metabolite": {"mass_ratio": 0.9}},
        {"TVCL": 6.0, "TVV": 50.0, "TVKA": 1.0, "TVCLM": 3.0, "TVVM": 30.0},
        ["CL = TVCL * exp(ETA_CL)", "V = TVV", "KA = TVKA", "CLM = TVCLM * exp(ETA_CLM)", "VM = TVVM",
         "FM = 0.6", "FPM = 0.2"],
        {"parent": {"model": "proportional", "sd": {"proportional": 0.2}},
         "metabolite": {"model": "additive", "sd": {"additive": 5.0}}},
        analytes={"parent": {"unit": "mg/L"}, "metabolite": {"unit": "ug/L"}})
    closed = _fictional(
        "oral-2cmt-lag", {"compartments": 2, "absorption": "first-order"},
        {"TVCL": 3.0, "TVV1": 25.0, "TVQ": 2.0, "TVV2": 60.0, "TVKA": 0.9},
        ["CL = TVCL * exp(ETA_CL)", "V1 = TVV1 * exp(ETA_V1)", "Q = TVQ", "V2 = TVV2", "KA = TVKA",
         "F = 0.55", "ALAG = 0.4"],
        {"parent": {"model": "additive", "sd": {"additive": 0.3}}})
    return [three, transit, saturable, metabolite, closed]


MODELS = [load_poppk(name) for name in library()] + _fictional_models()


# ---- reading the file back: blocks, $PARAM, matrices, and the C++ subset of the code ---------------------------

def _blocks(text: str) -> list[tuple[str, list[str], list[str]]]:
    """(name, options, lines) of each $BLOCK, with // comments removed as mrgsolve's modelparse() does."""
    blocks: list[tuple[str, list[str], list[str]]] = []
    for line in text.splitlines():
        line = line.split("//")[0].strip()
        if line.startswith("$"):
            name, *options = line[1:].split()
            blocks.append((name, options, []))
        elif line:
            blocks[-1][2].append(line)
    return blocks


def _block(text: str, name: str) -> list[str]:
    (lines,) = [lines for block, _, lines in _blocks(text) if block == name]
    return lines


def _params(text: str, *, covariates: bool) -> dict[str, float]:
    return {key.strip(): float(value) for block, options, lines in _blocks(text) if block == "PARAM"
            and ("@covariates" in options) == covariates for key, value, _ in (line.split(":", 2) for line in lines)}


def _matrix(text: str, name: str) -> np.ndarray:
    """The full $OMEGA or $SIGMA matrix: diagonal blocks, and @block lower triangles row by row."""
    parts = []
    for block, options, lines in _blocks(text):
        if block == name:
            values = [float(v) for line in lines for v in line.split()]
            if "@block" in options:
                size = round((math.sqrt(8 * len(values) + 1) - 1) / 2)
                lower = np.zeros((size, size))
                lower[np.tril_indices(size)] = values
                parts.append(lower + np.tril(lower, -1).T)
            else:
                parts.append(np.diag(values))
    return block_diag(*parts)


_TOKEN = re.compile(r"\d+\.?\d*(?:[eE][-+]?\d+)?|[A-Za-z_][\w.]*|&&|\|\||[<>=!]=|[-+*/()<>?:,!]")
_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6}
_OPERATORS = {"||": lambda a, b: bool(a) or bool(b), "&&": lambda a, b: bool(a) and bool(b), "==": operator.eq,
              "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
              "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_FUNCTIONS = {"exp": math.exp, "log": math.log, "log10": math.log10, "sqrt": math.sqrt, "fabs": abs, "pow": math.pow,
              "fmin": min, "fmax": max}


def _evaluate(text: str, scope: dict) -> float:
    """A C++ expression (numbers, names, calls, unary - + !, binary operators, c ? a : b) by precedence climbing."""
    tokens = _TOKEN.findall(text)
    assert "".join(tokens) == text.replace(" ", ""), f"unread characters in {text!r}"
    position = 0

    def take(expected: str | None = None) -> str:
        nonlocal position
        token = tokens[position]
        assert expected in (None, token), (expected, token, text)
        position += 1
        return token

    def peek() -> str:
        return tokens[position] if position < len(tokens) else ""

    def expression(level: int = 0) -> float:
        value = unary()
        while True:
            if peek() == "?" and level == 0:
                take()
                body = expression()
                take(":")
                orelse = expression()
                value = body if value else orelse
            elif _PRECEDENCE.get(peek(), 0) > level:
                symbol = take()
                value = _OPERATORS[symbol](value, expression(_PRECEDENCE[symbol]))
            else:
                return value

    def unary() -> float:
        if peek() in ("-", "+", "!"):
            symbol, value = take(), unary()
            return -value if symbol == "-" else value if symbol == "+" else not value
        token = take()
        if token == "(":
            value = expression()
            take(")")
            return value
        if token[0].isdigit():
            return float(token)
        if peek() == "(":
            take("(")
            arguments = [expression()]
            while peek() == ",":
                take()
                arguments.append(expression())
            take(")")
            return (scope.get(token) or _FUNCTIONS[token])(*arguments)
        return scope[token]

    value = expression()
    assert position == len(tokens), f"unread tokens in {text!r}"
    return value


def _run(lines: list[str], scope: dict) -> dict:
    """``[double] NAME = expression;`` statements, in order."""
    for line in lines:
        name, expression = re.fullmatch(r"(?:double\s+)?([\w.]+)\s*=\s*(.+);", line).groups()
        scope[name] = _evaluate(expression, scope)
    return scope


def _main_scope(text: str, covariates: dict, eta: np.ndarray) -> dict:
    """$MAIN run as mapbayr runs it: ETA(k) from the data and the $PARAM ETAk, each η/2
    (mapbayr R/mapbayest_ofv_computation.R, merge_validdata_eta(k = 0.5)); covariates from the data."""
    scope = {**_params(text, covariates=False), **_params(text, covariates=True), **covariates}
    scope.update({f"ETA{k}": value / 2 for k, value in enumerate(eta, 1)})
    scope["ETA"] = lambda k: eta[int(k) - 1] / 2
    return _run(_block(text, "MAIN"), scope)


def _eta(model) -> np.ndarray:
    return np.array([0.15 * (-1) ** k * (1 + k % 3) for k in range(len(model.eta_names))])


def _patient(model, patient: dict) -> dict:
    return {name: patient[name] for name in model.covariate_names}


# ---- 1. mapbayr's model rules ----------------------------------------------------------------------------------

def _log_transformed(text: str) -> bool:
    """mapbayr R/read_mrgsolve_model.R log_transformation(): a line with DV, then exp(, then EPS(n)."""
    return any(re.search(r"DV.*exp *\(.*EPS\(\d+\)", line) for line in text.splitlines())


def _assert_mapbayr_rules(text: str) -> None:
    """The checks of mapbayr's check_mapbayr_model() (R/mapbayest_check_and_preprocess.R), on the file text."""
    params = _params(text, covariates=False)
    etas = [name for name in params if re.fullmatch(r"ETA\d+", name)]
    assert etas == [f"ETA{k}" for k in range(1, len(etas) + 1)] and etas
    assert all(params[name] == 0 for name in etas)
    assert not set(etas) & set(_params(text, covariates=True))
    omega = _matrix(text, "OMEGA")
    assert omega.shape == (len(etas), len(etas)) and np.min(np.linalg.eigvalsh(omega)) > 0
    sigma = np.diag(_matrix(text, "SIGMA"))
    cmt = [re.fullmatch(r"(\w+) : [^\[]*(?:\[(.*)\])?", line).groups() for line in _block(text, "CMT")]
    tags = [{t.strip() for t in (options or "").split(",")} for _, options in cmt]
    assert any("ADM" in t for t in tags)
    assert np.any(sigma != 0) and len(sigma) == 2 * sum("OBS" in t for t in tags)
    if _log_transformed(text):
        assert np.all(sigma[1::2] != 0) and np.all(sigma[0::2] == 0)
    capture = _block(text, "CAPTURE") + [" ".join(options) for name, options, _ in _blocks(text) if name == "CAPTURE"]
    captured = " ".join(capture).split()
    assert "DV" in captured and not {"PRED", "IPRED", *etas} & set(captured)
    assert len(sigma) == 2 or {"PAR", "MET"} <= set(captured)
    assert any(line.startswith("double DV = ") for line in _block(text, "TABLE"))


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
def test_export_follows_mapbayr_rules(model):
    text = model_code(model)
    _assert_mapbayr_rules(text)
    assert _params(text, covariates=True) == pytest.approx(
        {c.name: c.reference if c.reference is not None else (0.0 if c.type == "binary" else sum(c.range) / 2)
         for c in model.covariates})
    assert {t.name: t.value for t in model.thetas}.items() <= _params(text, covariates=False).items()
    assert _matrix(text, "OMEGA") == pytest.approx(model.omega.matrix, rel=1e-13)
    # one default dosing compartment: mapbayr's adm_rows() doses every [ADM] compartment (its model 006 splits a dose)
    adm = [line.split(":")[0].strip() for line in _block(text, "CMT") if "ADM" in line.partition("[")[2]]
    assert adm == [model.structure.dose_compartments[0].upper()]
    assert ("$ODE" in text) == (not model.structure.linear or model.structure.metabolite
                                or model.structure.compartments == 3 or model.structure.absorption == "transit")


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
def test_sigma_gives_the_model_residual_variance_as_mapbayr_computes_it(model):
    """mapbayr: g² = diag(H Σ Hᵀ), H = [f, 1] per observed compartment, f the log prediction if the file's DV
    is log-transformed (R/mapbayest_ofv_computation.R, compute_ofv and h)."""
    text = model_code(model)
    sigma, logged = _matrix(text, "SIGMA"), _log_transformed(text)
    assert logged == any(error.kind == "exponential" for error in model.errors.values())
    for k, analyte in enumerate(model.structure.analytes):
        error = model.errors[analyte]
        for f in (0.05, 1.0, 30.0, 800.0):
            h = np.zeros(len(sigma))
            h[2 * k: 2 * k + 2] = (math.log(f) if logged else f, 1.0)
            assert h @ sigma @ h == pytest.approx(float(error.sd(np.array(f))) ** 2, rel=1e-12)


# ---- 2. against mapbayr's example model 001 ---------------------------------------------------------------------

# FelicienLL/mapbayr, inst/exmodel/mrg_001.cpp (mapbayr's example model 001, CPT:PSP 2021 validation):
# the numbers and block names only. $PARAM TVCL 4, TVVC 70, TVKA 1 and ETA1-ETA3 at 0; $OMEGA diagonal 0.2 0.2 0.2;
# $SIGMA 0.05 (proportional), 0 (additive); $CMT DEPOT [ADM], CENTRAL [OBS]; DV = C·(1 + EPS(1)) + EPS(2) in $TABLE;
# CL = TVCL·exp(ETA(1) + ETA1); blocks PROB PARAM OMEGA SIGMA CMT TABLE MAIN ODE CAPTURE (an $ODE of ADVAN2).
MRG_001_BLOCKS = {"PROB", "PARAM", "OMEGA", "SIGMA", "CMT", "TABLE", "MAIN", "ODE", "CAPTURE"}


def test_examplinib_matches_mapbayr_example_model_001():
    text = model_code(load_poppk("examplinib-mapbayr-2021"))
    assert {name for name, _, _ in _blocks(text)} == MRG_001_BLOCKS - {"ODE"} | {"PKMODEL"}
    assert _block(text, "PKMODEL") == [] and "ncmt = 1, depot = TRUE" in text  # the closed form of that $ODE
    assert list(_params(text, covariates=False).values()) == [4.0, 70.0, 1.0, 0.0, 0.0, 0.0]
    assert list(np.diag(_matrix(text, "OMEGA"))) == [0.2, 0.2, 0.2]
    assert list(np.diag(_matrix(text, "SIGMA"))) == [0.05, 0.0]
    assert [line.split(":")[0].strip() + line[line.index("["):] for line in _block(text, "CMT")] == [
        "DEPOT[ADM]", "CENTRAL[OBS]"]
    scope = _main_scope(text, {}, np.array([0.1, -0.2, 0.3]))
    assert scope["CL"] == pytest.approx(4.0 * math.exp(0.1), rel=1e-15)
    (dv,) = _block(text, "TABLE")
    eps = (0.1, 0.3)
    scope.update(CENTRAL=10.0, EPS=lambda k: eps[int(k) - 1])
    assert _run([dv], scope)["DV"] == pytest.approx(10.0 / scope["V"] * (1 + 0.1) + 0.3, rel=1e-15)
    assert _block(text, "CAPTURE") == [] and "$CAPTURE DV" in text


# ---- 3. the same parameters and concentrations ------------------------------------------------------------------

@pytest.mark.parametrize("patient", PATIENTS, ids=("patient1", "patient2"))
@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
def test_main_gives_the_model_parameters(model, patient):
    text = model_code(model)
    covariates, eta = _patient(model, patient), _eta(model)
    scope = _main_scope(text, covariates, eta)
    ours = model.parameters(covariates, eta[None, :])
    for name, value in ours.items():
        assert scope[name] == pytest.approx(float(np.ravel(value)[0]), rel=1e-12), name


def _simulate(text: str, model, covariates: dict, eta: np.ndarray, doses: list[Dose],
              times: np.ndarray) -> dict[str, np.ndarray]:
    """States from the file's $PKMODEL (mrgsolve's rate constants, inst/include/odeproblem.h: k10 = pred_CL/pred_V2,
    k12 = pred_Q/pred_V2, k21 = pred_Q/pred_V3) or its $ODE lines, doses with F_DEPOT and ALAG_DEPOT; $TABLE DV."""
    scope = _main_scope(text, covariates, eta)
    states = [line.split(":")[0].strip() for line in _block(text, "CMT")]
    odes = _block(text, "ODE") if "$ODE" in text else []
    pkmodel = " ".join(next(options for name, options, _ in _blocks(text) if name == "PKMODEL")) if not odes else ""

    def rhs(_t: float, x: np.ndarray) -> np.ndarray:
        if odes:
            here = _run(odes, {**scope, **dict(zip(states, x, strict=True))})
            return np.array([here[f"dxdt_{state}"] for state in states])
        # $PKMODEL compartments by position: [depot,] central[, peripheral]; pred_V and pred_V2 are one slot
        volume = scope.get("pred_V", scope.get("pred_V2"))
        k10, ka = scope["pred_CL"] / volume, scope.get("pred_KA", 0.0)
        k12, k21 = (scope["pred_Q"] / volume, scope["pred_Q"] / scope["pred_V3"]) if "pred_Q" in scope else (0, 0)
        oral, two = "depot = TRUE" in pkmodel, "ncmt = 2" in pkmodel
        depot, central = (x[0] if oral else 0.0), x[int(oral)]
        peripheral = x[int(oral) + 1] if two else 0.0
        return np.array(([-ka * depot] if oral else []) + [ka * depot - (k10 + k12) * central + k21 * peripheral]
                        + ([k12 * central - k21 * peripheral] if two else []))

    events = sorted((dose.time + (scope.get("ALAG_DEPOT", 0.0) if dose.compartment == "depot" else 0.0),
                     states.index(dose.compartment.upper()),
                     dose.amount * (scope.get("F_DEPOT", 1.0) if dose.compartment == "depot" else 1.0))
                    for dose in doses)
    x, t, out = np.zeros(len(states)), 0.0, []
    for point in sorted(set(times) | {event[0] for event in events}):
        if point > t:
            x = solve_ivp(rhs, (t, point), x, method="LSODA", rtol=1e-11, atol=1e-13).y[:, -1]
            t = point
        if point in times:
            out.append(x.copy())
        for time, state, amount in events:
            if time == point:
                x[state] += amount
    concentrations: dict[str, list[float]] = {analyte: [] for analyte in model.structure.analytes}
    table = _block(text, "TABLE")
    observed = {analyte: states.index(name) + 1 for analyte, name in (("parent", "CENTRAL"),
                                                                       ("metabolite", "METABOLITE")) if name in states}
    for x in out:
        for analyte, values in concentrations.items():
            here = {**scope, **dict(zip(states, x, strict=True)), "EPS": lambda k: 0.0, "self.cmt": observed[analyte]}
            values.append(_run(table, here)["DV"])
    return {analyte: np.array(values) for analyte, values in concentrations.items()}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.name)
def test_file_predicts_the_model_concentrations(model):
    covariates, eta = _patient(model, PATIENTS[0]), _eta(model)
    into = "depot" if model.structure.absorption != "none" else "central"
    doses = [Dose(0.0, 100.0, into), Dose(12.0, 100.0, into), Dose(18.0, 50.0, "central")]
    times = np.array([0.3, 1.0, 2.5, 6.0, 12.5, 13.0, 19.0, 30.0])
    ours = model.predict(doses, times, covariates, eta[None, :])
    theirs = _simulate(model_code(model), model, covariates, eta, doses, times)
    tolerance = 1e-6 if model.structure.linear else 1e-5  # our Michaelis-Menten solve has rtol 1e-8
    for analyte in model.structure.analytes:
        assert theirs[analyte] == pytest.approx(ours.concentration(analyte)[0], rel=tolerance), analyte


# ---- 4. refused ---------------------------------------------------------------------------------------------

def test_refusals_name_the_model_and_the_field():
    with pytest.raises(PbpkInputError) as error:
        model_code(_fictional("with-iov", {}, {"TVCL": 5.0, "TVV": 50.0},
                              ["CL = TVCL * exp(ETA_CL + KAPPA_CL)", "V = TVV"],
                              {"parent": {"model": "proportional", "sd": {"proportional": 0.2}}},
                              iov=[{"eta": "KAPPA_CL", "variance": 0.05}]))
    assert (error.value.where, error.value.field) == ("with-iov", "iov")
    with pytest.raises(PbpkInputError) as error:
        model_code(_fictional("mixed-scales", {"metabolite": {}}, {"TVCL": 5.0, "TVV": 50.0},
                              ["CL = TVCL * exp(ETA_CL)", "V = TVV", "CLM = 2", "VM = 20", "FM = 0.5"],
                              {"parent": {"model": "exponential", "sd": {"additive": 0.2}},
                               "metabolite": {"model": "proportional", "sd": {"proportional": 0.2}}},
                              analytes={"parent": {"unit": "mg/L"}, "metabolite": {"unit": "mg/L"}}))
    assert (error.value.where, error.value.field) == ("mixed-scales", "error")
    with pytest.raises(PbpkInputError) as error:
        model_code(_fictional("clash", {}, {"TVCL": 5.0, "CENTRAL": 50.0},
                              ["CL = TVCL * exp(ETA_CL)", "V = CENTRAL", "DV = 1"],
                              {"parent": {"model": "proportional", "sd": {"proportional": 0.2}}}))
    assert (error.value.where, error.value.field, error.value.found) == ("clash", "theta.CENTRAL", "CENTRAL")
    with pytest.raises(PbpkInputError) as error:
        model_code(_fictional("no-eta", {}, {"TVCL": 5.0, "TVV": 50.0}, ["CL = TVCL", "V = TVV"],
                              {"parent": {"model": "proportional", "sd": {"proportional": 0.2}}}))
    assert (error.value.where, error.value.field) == ("no-eta", "omega")
