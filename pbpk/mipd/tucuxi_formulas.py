"""Tucuxi's parameters of a population model, their η and their TinyJS formulas, read from the model's code.

The meaning is that of Tucuxi's engine (sotalya/tucuxi-core, ``src/tucucore``); :mod:`pbpk.mipd.tucuxi` writes
the results into the drug model file.

* PK model (``pkmodel.h``, ``pkmodel.cpp``, ``getParametersId`` in ``pkmodels/*.cpp``): ``linear.Ncomp.macro``
  with CL, V · CL, V1, Q, V2 · CL, V1, Q2, V2, Q3, V3 (our names), or ``linear.Ncomp.micro`` with Ke, V ·
  Ke, V1, K12, K21 · Ke, V1, K12, K21, K13, K31 (Ke = CL/V1, K12 = Q/V1, K21 = Q/V2, K13 = Q3/V1, K31 = Q3/V3),
  taken when the model's η enter the micro constants but not CL and V (a model written with rate constants).
  Other names the code assigns (e.g. KE) are not exported. First-order absorption adds Ka and F (1 when the code
  assigns none), and Tlag when the code assigns ALAG; these are absorption parameters of the formulation and route.
* Between-subject variability (``parameter.cpp`` Parameter::applyEta, ``generalextractor.cpp`` extractOmega):
  P = typical·exp(η); correlations are read for disposition parameters only. A parameter has its own η, so each
  η of the model must enter the code as a factor exp(η) of exactly one exported parameter (through intermediate
  names too); the typical formula is the code without those factors, i.e. at η = 0.
* Formulas are TinyJS (``libs/tiny-js``; ``JSOperation`` in ``operation.cpp`` runs the code as a function
  body): the covariates are the inputs (double), θ are written as variables. TinyJS has no ``**``, divides
  integer literals as integers, gives ``&&`` and ``||`` one precedence, and reads unary minus only at the start
  of a sum; ``_js`` writes ``Math.pow``, float literals and parentheses accordingly. A formula is written only
  where covariates enter; otherwise the standard value is the parameter. (Tucuxi passes inputs and reads results
  as ``%f`` text, six decimals: ``std::to_string`` in ``operation.cpp``, ``CScriptVar::getString``.)

Refused (PbpkInputError naming the model and field): names that are not ASCII or are TinyJS words, η entering
otherwise (additively, one η on two parameters, two on one), correlations involving absorption parameters.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.popmodel import Covariate, PopulationModel

_MACRO = {1: ("CL", "V"), 2: ("CL", "V1", "Q", "V2"), 3: ("CL", "V1", "Q2", "V2", "Q3", "V3")}
_MICRO = {1: {"Ke": ("CL", "V"), "V": ("V", None)},
          2: {"Ke": ("CL", "V1"), "V1": ("V1", None), "K12": ("Q", "V1"), "K21": ("Q", "V2")},
          3: {"Ke": ("CL", "V1"), "V1": ("V1", None), "K12": ("Q2", "V1"), "K21": ("Q2", "V2"),
              "K13": ("Q3", "V1"), "K31": ("Q3", "V3")}}
#: Words TinyJS reads as keywords or that JSOperation uses (result, calc), and Math.
_RESERVED = {"function", "return", "if", "else", "while", "for", "do", "var", "true", "false", "null", "undefined",
             "new", "break", "continue", "this", "typeof", "delete", "in", "Math", "result", "calc"}
_JS_FUNCTIONS = {"exp": "Math.exp", "log": "Math.log", "log10": "Math.log10", "sqrt": "Math.sqrt",
                 "abs": "Math.abs", "min": "Math.min", "max": "Math.max"}
_JS_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
                 ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.And: "&&", ast.Or: "||"}


@dataclass(frozen=True)
class Parameter:
    """A Tucuxi parameter as ``numerator / denominator`` of our parameters (numerator None: the constant 1)."""

    id: str
    numerator: str | None
    denominator: str | None = None
    absorption: bool = False

    @property
    def tree(self) -> ast.expr:
        if self.numerator is None:
            return ast.Constant(1.0)
        name = ast.Name(self.numerator, ast.Load())
        return name if self.denominator is None else ast.BinOp(name, ast.Div(), ast.Name(self.denominator, ast.Load()))

    @property
    def text(self) -> str:
        return ast.unparse(self.tree)

    def value(self, values: Mapping[str, np.ndarray]) -> float:
        if self.numerator is None:
            return 1.0
        value = float(np.ravel(values[self.numerator])[0])
        return value if self.denominator is None else value / float(np.ravel(values[self.denominator])[0])


class _Unsupported(Exception):
    """η entering an expression other than as a factor exp(η)."""


def check_names(model: PopulationModel) -> None:
    """Refuse covariate, θ and code names that TinyJS cannot read as variables, naming the field."""
    for field, names in (("covariates", model.covariate_names), ("theta", [t.name for t in model.thetas]),
                         ("pk", model.code.assigned)):
        for name in names:
            if name in _RESERVED or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise PbpkInputError(model.name, f"{field}.{name}" if field != "pk" else field, name,
                                     "ASCII names that are not TinyJS words (" + ", ".join(sorted(_RESERVED)) + ")")


# ---- η: which parameter each one multiplies -------------------------------------------------------------------

def analysed(model: PopulationModel) -> tuple[dict[str, ast.expr], dict[str, dict[str, float] | str]]:
    """Each statement at η = 0, and its η as coefficients c of exp(Σ c·η) (or why it is not of that form)."""
    typical: dict[str, ast.expr] = {}
    known: dict[str, dict[str, float] | str] = {}
    for statement in model.code.statements:
        try:
            tree, factors = _split(statement.tree, known, set(model.eta_names))
        except _Unsupported as reason:
            known[statement.name] = f"{statement.name} = {statement.text}: {reason}"
        else:
            typical[statement.name] = tree or ast.Constant(1.0)
            known[statement.name] = factors
    return typical, known


def _split(node: ast.expr, known: Mapping[str, dict[str, float] | str],
           etas: set[str]) -> tuple[ast.expr | None, dict[str, float]]:
    """``node`` as typical · exp(Σ c·η): the typical expression (None for 1) and the coefficients c."""
    if isinstance(node, ast.Name):
        if node.id in etas:
            raise _Unsupported(f"{node.id} enters other than as a factor exp({node.id})")
        entry = known.get(node.id, {})
        if isinstance(entry, str):
            raise _Unsupported(entry)
        return node, entry
    if isinstance(node, ast.Call) and node.func.id == "exp" and isinstance(node.args[0], ast.Name) \
            and node.args[0].id in etas:
        return None, {node.args[0].id: 1.0}
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
        (left, first), (right, second) = _split(node.left, known, etas), _split(node.right, known, etas)
        sign = 1.0 if isinstance(node.op, ast.Mult) else -1.0
        factors = {eta: first.get(eta, 0.0) + sign * second.get(eta, 0.0) for eta in {*first, *second}}
        factors = {eta: c for eta, c in factors.items() if c != 0}
        if right is None:
            return left, factors
        if left is None:
            return (right, factors) if sign > 0 else (ast.BinOp(ast.Constant(1.0), ast.Div(), right), factors)
        return ast.BinOp(left, node.op, right), factors
    parts: list[dict[str, float]] = []  # the coefficients of each operand, in field order

    def typical(child: ast.expr) -> ast.expr:
        tree, factors = _split(child, known, etas)
        parts.append(factors)
        return tree or ast.Constant(1.0)

    fields = {}
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            value = typical(value)
        elif isinstance(value, list):
            value = [typical(v) if isinstance(v, ast.expr) else v for v in value]
        fields[field] = value
    rebuilt = type(node)(**fields)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant):
        return rebuilt, {eta: c * node.right.value for eta, c in parts[0].items()}
    carried = parts[1:] if isinstance(node, ast.IfExp) else parts
    if isinstance(node, ast.IfExp) and parts[0]:
        raise _Unsupported(f"η in the condition of {ast.unparse(node)}")
    passes = isinstance(node, ast.IfExp) or (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub)) \
        or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd))
    if passes and all(factors == carried[0] for factors in carried):
        return rebuilt, carried[0]
    if passes:
        raise _Unsupported(f"{ast.unparse(node)} combines terms with different η")
    if any(parts):
        raise _Unsupported(f"η inside {ast.unparse(node)}, not as a factor exp(η) of it")
    return rebuilt, {}


def exported(model: PopulationModel, known: Mapping[str, dict[str, float] | str]
             ) -> tuple[str, list[Parameter], dict[str, str]]:
    """The PK model form (macro, else micro), Tucuxi's parameters, and the η of each variable one."""
    structure = model.structure
    absorption = []
    if structure.absorption == "first-order":
        absorption = [Parameter("Ka", "KA", absorption=True),
                      Parameter("F", "F" if "F" in model.code.assigned else None, absorption=True)]
        if "ALAG" in model.code.assigned:
            absorption.append(Parameter("Tlag", "ALAG", absorption=True))
    forms = {"macro": [Parameter(name, name) for name in _MACRO[structure.compartments]],
             "micro": [Parameter(name, *ratio) for name, ratio in _MICRO[structure.compartments].items()]}
    reasons: dict[str, str] = {}
    for form, disposition in forms.items():
        parameters = disposition + absorption
        try:
            return form, parameters, _etas(parameters, known, set(model.eta_names))
        except _Unsupported as reason:
            reasons[form] = str(reason)
    found = reasons["macro"] if len(set(reasons.values())) == 1 else "; ".join(f"{f}: {r}" for f, r in reasons.items())
    raise PbpkInputError(model.name, "pk", found,
                         "each η as a factor exp(η) of one of Tucuxi's parameters (" + ", ".join(
                             p.id for p in forms["macro"] + absorption) + ", or micro constants " + ", ".join(
                             p.id for p in forms["micro"]) + "), each parameter with at most one η",
                         "Tucuxi gives each parameter its own exponential between-subject variability")


def _etas(parameters: Sequence[Parameter], known: Mapping[str, dict[str, float] | str],
          etas: set[str]) -> dict[str, str]:
    """The η of each variable parameter: one, with coefficient 1, and no η on two parameters."""
    result: dict[str, str] = {}
    for parameter in parameters:
        factors = _split(parameter.tree, known, etas)[1]
        if len(factors) > 1 or any(c != 1 for c in factors.values()):
            exponent = " + ".join(f"{c:g}·{eta}" for eta, c in sorted(factors.items()))
            raise _Unsupported(f"{parameter.id} = {parameter.text} varies as exp({exponent})")
        for eta in factors:
            other = next((name for name, used in result.items() if used == eta), None)
            if other is not None:
                raise _Unsupported(f"{eta} enters both {other} and {parameter.id}")
            result[parameter.id] = eta
    return result


def eta_correlations(model: PopulationModel, parameters: Sequence[Parameter],
                     etas: Mapping[str, str]) -> list[tuple[str, str, float]]:
    """Correlations between the η of exported parameters; refused when one involves an absorption parameter."""
    names, matrix = model.omega.names, model.omega.matrix
    absorption = {parameter.id for parameter in parameters if parameter.absorption}
    variable = [(pid, names.index(eta)) for pid, eta in etas.items()]
    result = []
    for k, (first, i) in enumerate(variable):
        for second, j in variable[k + 1:]:
            if matrix[i, j] == 0:
                continue
            rho = float(matrix[i, j] / math.sqrt(matrix[i, i] * matrix[j, j]))
            if {first, second} & absorption:
                raise PbpkInputError(model.name, "omega", f"{names[i]} and {names[j]} correlated ({rho:.3g})",
                                     "correlations between disposition parameters only: Tucuxi reads the analyte "
                                     "group's correlations (generalextractor.cpp), not those of absorption parameters")
            result.append((first, second, rho))
    return result


# ---- formulas ----------------------------------------------------------------------------------------------------

def apriori_formula(model: PopulationModel, typical: Mapping[str, ast.expr], tree: ast.expr) -> tuple[list[str], str]:
    """The covariates read and the TinyJS code computing ``tree`` from them at η = 0."""
    reads = _names(tree)
    used: list[str] = []
    for statement in reversed(model.code.statements):
        if statement.name in reads:
            used.insert(0, statement.name)
            reads |= _names(typical[statement.name])
    lines = [f"{theta.name} = {_js_number(theta.value)};" for theta in model.thetas if theta.name in reads]
    lines += [f"{name} = {_js(typical[name])};" for name in used]
    lines.append(f"return {_js(tree)};")
    return [name for name in model.covariate_names if name in reads], "\n".join(lines)


def _names(tree: ast.expr) -> set[str]:
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _js(node: ast.expr, level: int = 0) -> str:
    """TinyJS text of an expression: sums (level 1) and products (2) as usual, all else a call or parenthesised."""
    if isinstance(node, ast.Constant):
        return _js_number(node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return f"{_JS_FUNCTIONS[node.func.id]}({', '.join(_js(argument) for argument in node.args)})"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return f"Math.pow({_js(node.left)}, {_js(node.right)})"
    if isinstance(node, ast.BinOp):
        own = 1 if isinstance(node.op, ast.Add | ast.Sub) else 2
        text = f"{_js(node.left, own)} {_JS_OPERATORS[type(node.op)]} {_js(node.right, own + 1)}"
        return f"({text})" if own < level else text
    if isinstance(node, ast.UnaryOp):
        operand = _js(node.operand, 3)
        return {ast.USub: f"(-{operand})", ast.UAdd: operand, ast.Not: f"(!{operand})"}[type(node.op)]
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        parts = [f"{_js(a, 1)} {_JS_OPERATORS[type(op)]} {_js(b, 1)}" for a, op, b in zip(sides, node.ops, sides[1:])]
        return f"({parts[0]})" if len(parts) == 1 else "(" + " && ".join(f"({part})" for part in parts) + ")"
    if isinstance(node, ast.BoolOp):
        return "(" + f" {_JS_OPERATORS[type(node.op)]} ".join(_js(value, 3) for value in node.values) + ")"
    if isinstance(node, ast.IfExp):
        return f"({_js(node.test, 3)} ? {_js(node.body)} : {_js(node.orelse)})"
    raise TypeError(f"unexpected node {type(node).__name__}")  # Code.parse allows no other node


def _js_number(value: float) -> str:
    """A literal TinyJS reads as a double: ``70.0``, ``1e-05``, ``1e16`` (its lexer has no ``e+``)."""
    text = repr(float(value)).replace("e+", "e")
    return f"(-{text[1:]})" if text.startswith("-") else text


def covariate_condition(covariate: Covariate) -> tuple[str, str] | None:
    """The TinyJS test of the values the model accepts for a covariate (PopulationModel.check_values), in words."""
    name, tests, words = covariate.name, [], []
    codes = (0.0, 1.0) if covariate.type == "binary" else covariate.levels.values() if covariate.levels else ()
    if codes:
        tests.append(" || ".join(f"({name} == {_js_number(code)})" for code in codes))
        words.append("one of " + ", ".join(f"{code:g}" for code in codes))
    if covariate.range is not None:
        low, high = covariate.range
        tests.append(f"({name} >= {_js_number(low)}) && ({name} <= {_js_number(high)})")
        words.append(f"from {low:g} to {high:g} {covariate.unit}")
    if not tests:
        return None
    return " && ".join(f"({test})" for test in tests), f"{name} must be " + " and ".join(words)
