"""The individual-parameter code of a population model, as NONMEM's ``$PK`` block has it.

A model's parameters are written as an ordered list of assignments in a small
arithmetic language, so that a published model is written as published::

    CL = TVCL * (CLCREAT / 120) ** 0.8 * 0.7 ** DIAL * exp(ETA_CL)
    KE = CL / V

Allowed: numbers, names (θ, η, κ, covariates and names assigned above),
``+ - * / **``, comparisons, ``and or not``, ``a if condition else b`` and the
functions ``exp log log10 sqrt abs min max``. Each name is assigned once. The
text is kept as written (the file round-trips exactly); the parsed tree is
evaluated on numpy arrays (one value per subject) and printed in the syntax of
each engine an exporter writes (NONMEM abbreviated code, C++ for mrgsolve).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError, did_you_mean

FUNCTIONS = {
    "exp": np.exp, "log": np.log, "log10": np.log10, "sqrt": np.sqrt, "abs": np.abs,
    "min": np.minimum, "max": np.maximum,
}
_BINARY = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
           ast.Pow: np.power}
_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
            ast.Eq: np.equal, ast.NotEq: np.not_equal}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.UAdd, ast.Not, ast.Call, ast.Name,
            ast.Load, ast.Constant, ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.IfExp,
            *_BINARY, *_COMPARE)


@dataclass(frozen=True)
class Assignment:
    """One statement ``name = expression``; ``text`` is the expression as written."""

    name: str
    text: str
    tree: ast.expr

    def names(self) -> set[str]:
        """Every name the expression reads (functions excluded)."""
        return {node.id for node in ast.walk(self.tree)
                if isinstance(node, ast.Name) and node.id not in FUNCTIONS}


def parse_statement(line: str, *, where: str, field: str) -> Assignment:
    """Parse ``"NAME = expression"``; errors name the file, the field and the statement."""
    name, equals, text = line.partition("=")
    name, text = name.strip(), text.strip()
    if not equals or not name.isidentifier() or text.startswith("="):
        raise PbpkInputError(where, field, line, 'a statement "NAME = expression", e.g. "CL = TVCL * exp(ETA_CL)"')
    if "^" in text:
        raise PbpkInputError(where, field, line, "an expression with ** for powers", 'write "a ** b", not "a ^ b"')
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise PbpkInputError(where, field, line, f"a valid arithmetic expression ({error.msg})") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise PbpkInputError(where, field, line, "only numbers, names, + - * / **, comparisons, and/or/not, "
                                 "'a if c else b' and the functions " + ", ".join(FUNCTIONS),
                                 f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
                called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise PbpkInputError(where, field, line, "a call of one of " + ", ".join(FUNCTIONS),
                                     did_you_mean(called, FUNCTIONS))
            wanted = 2 if node.func.id in ("min", "max") else 1
            if len(node.args) != wanted:
                raise PbpkInputError(where, field, line, f"{node.func.id}() with {wanted} argument(s)")
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, int | float)):
            raise PbpkInputError(where, field, line, "numbers as constants")
    _check_logic(tree.body, where, field, line, in_test=False)
    return Assignment(name, text, tree.body)


def _check_logic(node: ast.AST, where: str, field: str, line: str, *, in_test: bool) -> None:
    """Comparisons and and/or/not only as the condition of 'a if c else b' (no engine computes with truth)."""
    logical = isinstance(node, ast.Compare | ast.BoolOp) or (isinstance(node, ast.UnaryOp)
                                                            and isinstance(node.op, ast.Not))
    if logical and not in_test:
        raise PbpkInputError(where, field, line, "comparisons only as the condition c of 'a if c else b'")
    if isinstance(node, ast.IfExp):
        _check_logic(node.test, where, field, line, in_test=True)
        _check_logic(node.body, where, field, line, in_test=False)
        _check_logic(node.orelse, where, field, line, in_test=False)
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            keep = in_test and (isinstance(node, ast.BoolOp) or (isinstance(node, ast.UnaryOp)
                                                                 and isinstance(node.op, ast.Not)))
            _check_logic(child, where, field, line, in_test=keep)


@dataclass(frozen=True)
class Code:
    """Ordered assignments; ``inputs`` are the names a caller must supply (θ, η, κ, covariates)."""

    statements: tuple[Assignment, ...]

    @classmethod
    def parse(cls, lines: Sequence[str], inputs: Sequence[str], *, where: str, field: str) -> Code:
        """Parse and check the statements: every name read is an input or assigned above, once."""
        known = set(inputs)
        statements = []
        for index, line in enumerate(lines):
            here = f"{field}[{index}]"
            if not isinstance(line, str):
                raise PbpkInputError(where, here, line, 'a statement "NAME = expression" as text')
            statement = parse_statement(line, where=where, field=here)
            if statement.name in known:
                what = "an input (θ, η, κ or covariate)" if statement.name in inputs else "already assigned above"
                raise PbpkInputError(where, here, line, f"a new name: {statement.name} is {what}",
                                     "each name is assigned once; combine the cases with 'a if c else b'")
            for name in sorted(statement.names() - known):
                raise PbpkInputError(where, here, line, f"names that are θ, η, κ, covariates or assigned above; "
                                     f"{name} is none of them", did_you_mean(name, known))
            known.add(statement.name)
            statements.append(statement)
        return cls(tuple(statements))

    @property
    def assigned(self) -> tuple[str, ...]:
        return tuple(statement.name for statement in self.statements)

    def lines(self) -> list[str]:
        """The statements as written."""
        return [f"{statement.name} = {statement.text}" for statement in self.statements]

    def evaluate(self, values: Mapping[str, np.ndarray | float]) -> dict[str, np.ndarray]:
        """Every assigned name as an array, from the inputs (arrays broadcast against each other)."""
        scope = {name: np.asarray(value, dtype=float) for name, value in values.items()}
        with np.errstate(all="ignore"):
            for statement in self.statements:
                scope[statement.name] = np.asarray(_evaluate(statement.tree, scope), dtype=float)
        return {name: scope[name] for name in self.assigned}


def _evaluate(node: ast.expr, scope: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(node, ast.Constant):
        return np.float64(node.value)
    if isinstance(node, ast.Name):
        return scope[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, scope), _evaluate(node.right, scope))
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, scope)
        if isinstance(node.op, ast.Not):
            return np.logical_not(operand)
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id](*(_evaluate(argument, scope) for argument in node.args))
    if isinstance(node, ast.Compare):
        result, left = np.bool_(True), _evaluate(node.left, scope)
        for operator, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, scope)
            result = np.logical_and(result, _COMPARE[type(operator)](left, right))
            left = right
        return result
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = _evaluate(node.values[0], scope)
        for value in node.values[1:]:
            result = combine(result, _evaluate(value, scope))
        return result
    if isinstance(node, ast.IfExp):
        return np.where(_evaluate(node.test, scope), _evaluate(node.body, scope), _evaluate(node.orelse, scope))
    raise TypeError(f"unexpected node {type(node).__name__}")  # parse_statement allows no other node


# ---- printing in other engines' syntax -------------------------------------------------------

_PRECEDENCE = {ast.Or: 1, ast.And: 2, ast.Not: 3, ast.Compare: 4, ast.Add: 5, ast.Sub: 5,
               ast.Mult: 6, ast.Div: 6, ast.USub: 7, ast.UAdd: 7, ast.Pow: 8}


@dataclass(frozen=True)
class Dialect:
    """How an engine writes operators, functions and names."""

    functions: Mapping[str, str]
    compare: Mapping[type, str]
    boolean: Mapping[type, str]
    power: str  # "**" or "pow"
    rename: Mapping[str, str] | None = None
    doubles: bool = False  # numbers keep their decimal point (C++: 3/4 would be an integer division)

    def name(self, name: str) -> str:
        return (self.rename or {}).get(name, name)


NONMEM = Dialect(
    functions={"exp": "EXP", "log": "LOG", "log10": "LOG10", "sqrt": "SQRT", "abs": "ABS", "min": "MIN",
               "max": "MAX"},
    compare={ast.Lt: ".LT.", ast.LtE: ".LE.", ast.Gt: ".GT.", ast.GtE: ".GE.", ast.Eq: ".EQ.", ast.NotEq: ".NE."},
    boolean={ast.And: ".AND.", ast.Or: ".OR.", ast.Not: ".NOT."},
    power="**",
)
CPP = Dialect(
    functions={"exp": "exp", "log": "log", "log10": "log10", "sqrt": "sqrt", "abs": "fabs", "min": "fmin",
               "max": "fmax"},
    compare={ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="},
    boolean={ast.And: "&&", ast.Or: "||", ast.Not: "!"},
    power="pow",
    doubles=True,
)


def render(node: ast.expr, dialect: Dialect) -> str:
    """An expression in ``dialect``; ``a if c else b`` only in C++ (NONMEM needs IF blocks: ``nonmem_lines``)."""
    return _render(node, dialect, 0)


def _number(value: float, doubles: bool) -> str:
    text = repr(float(value))
    return text[:-2] if not doubles and text.endswith(".0") and "e" not in text else text


def _render(node: ast.expr, dialect: Dialect, outer: int) -> str:
    if isinstance(node, ast.Constant):
        text = _number(node.value, dialect.doubles)
        return f"({text})" if text.startswith("-") else text
    if isinstance(node, ast.Name):
        return dialect.name(node.id)
    if isinstance(node, ast.Call):
        arguments = ", ".join(_render(argument, dialect, 0) for argument in node.args)
        return f"{dialect.functions[node.func.id]}({arguments})"
    if isinstance(node, ast.BinOp):
        level = _PRECEDENCE[type(node.op)]
        if isinstance(node.op, ast.Pow):
            if dialect.power == "pow":
                return f"pow({_render(node.left, dialect, 0)}, {_render(node.right, dialect, 0)})"
            # ** is right-associative: a parenthesised left operand at the same level
            text = f"{_render(node.left, dialect, level + 1)}**{_render(node.right, dialect, level)}"
        else:
            symbol = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
            text = f"{_render(node.left, dialect, level)}{symbol}{_render(node.right, dialect, level + 1)}"
        return f"({text})" if level < outer else text
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            text = f"{dialect.boolean[ast.Not]}{_render(node.operand, dialect, _PRECEDENCE[ast.Not] + 1)}"
            level = _PRECEDENCE[ast.Not]
        else:
            level = _PRECEDENCE[type(node.op)]
            text = ("-" if isinstance(node.op, ast.USub) else "") + _render(node.operand, dialect, level)
        return f"({text})" if level <= outer else text
    if isinstance(node, ast.Compare):
        parts, left = [], node.left
        for operator, comparator in zip(node.ops, node.comparators, strict=True):
            parts.append(f"{_render(left, dialect, 5)}{dialect.compare[type(operator)]}{_render(comparator, dialect, 5)}")
            left = comparator
        text = f" {dialect.boolean[ast.And]} ".join(parts)
        level = _PRECEDENCE[ast.And] if len(parts) > 1 else _PRECEDENCE[ast.Compare]
        return f"({text})" if level <= outer else text
    if isinstance(node, ast.BoolOp):
        level = _PRECEDENCE[type(node.op)]
        text = f" {dialect.boolean[type(node.op)]} ".join(_render(value, dialect, level + 1) for value in node.values)
        return f"({text})" if level <= outer else text
    if isinstance(node, ast.IfExp):
        if dialect is NONMEM:
            raise ValueError("a conditional inside an expression has no NONMEM form; use nonmem_lines")
        test, body, orelse = (_render(part, dialect, 0) for part in (node.test, node.body, node.orelse))
        return f"(({test}) ? {body} : {orelse})"
    raise TypeError(f"unexpected node {type(node).__name__}")


def nonmem_lines(statement: Assignment, dialect: Dialect = NONMEM) -> list[str]:
    """NONMEM abbreviated code for one statement; conditionals become IF/ELSE blocks and temporaries."""
    lines: list[str] = []
    counter = iter(range(1, 1000))

    def lift(node: ast.expr) -> ast.expr:
        """Replace every conditional (and min/max, which not every NM-TRAN reader takes) below ``node``
        by a temporary assigned in an IF block."""
        if isinstance(node, ast.Call) and node.func.id in ("min", "max"):
            first, second = node.args
            smaller = ast.Compare(left=first, ops=[ast.Lt() if node.func.id == "min" else ast.Gt()],
                                  comparators=[second])
            node = ast.IfExp(test=smaller, body=first, orelse=second)
        if isinstance(node, ast.IfExp):
            temporary = f"{statement.name}_IF{next(counter)}"
            test, body, orelse = lift(node.test), lift(node.body), lift(node.orelse)
            lines.append(f"IF ({render(test, dialect)}) THEN")
            lines.append(f"  {temporary} = {render(body, dialect)}")
            lines.append("ELSE")
            lines.append(f"  {temporary} = {render(orelse, dialect)}")
            lines.append("ENDIF")
            return ast.Name(id=temporary, ctx=ast.Load())
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.expr):
                setattr(node, field, lift(value))
            elif isinstance(value, list):
                setattr(node, field, [lift(item) if isinstance(item, ast.expr) else item for item in value])
        return node

    tree = lift(ast.parse(statement.text, mode="eval").body)  # a fresh tree: lift rewrites it
    lines.append(f"{dialect.name(statement.name)} = {render(tree, dialect)}")
    return lines
