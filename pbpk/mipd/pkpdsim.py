"""Export a population model as a PKPDsim model definition (JSON5, as InsightRX/PKPDsim ``inst/models/*.json5``).

Conventions, and the files of InsightRX/PKPDsim (commit c8a0ef5) and InsightRX/PKPDmap they come from:

* ``model_from_api()`` (R/model_from_api.R) passes the keys to ``new_ode_model()``: ``ode_code``,
  ``pk_code``, ``n_comp``, ``obs``, ``dose``, ``cmt_mapping``, ``covariates``, ``variables``,
  ``parameters`` (name: value), ``units``, ``fixed`` (required, R/get_fixed_parameters.R), ``iiv``,
  ``omega_matrix``, ``ruv``, ``ltbs``, ``misc``, ``comments``, ``build`` and ``version``; the layout
  follows inst/models/pk_vanco_goti.json5 and tests/testthat/sample_json/test_1cmt_iv.json5.
* Between-subject variability is exponential on parameters by position: ``sim()`` multiplies the
  k-th parameter by exp(η_k) (R/sim.R) and PKPDmap the k-th parameter not in ``fixed``
  (R/parse_omega_matrix.R; ``fixed`` are "parameters that should not have iiv added",
  R/new_ode_model.R). So the parameters that carry an η come first, in the order of Ω, and every
  other parameter is ``fixed``. An η must enter our code only as ``exp(ETA)``: it goes onto the θ it
  multiplies when that θ is a factor of the same product and read nowhere else (TVCL for ``CL =
  TVCL * ... * exp(ETA_CL)``), otherwise onto a new parameter ``<name>iiv`` = 1 written where
  exp(η) was, as ``CLiiv`` in inst/models/pk_cefepime_an.json5. ``iiv`` holds each carrier's SD.
* ``omega_matrix`` is the lower triangle of Ω row by row, in variances (R/triangle_to_full.R).
* ``ruv``: ``prop`` and ``add`` are SDs that add as variances, var = (prop·f)² + add² (R/get_var_y.R;
  PKPDmap R/ll_func_PKPDsim.R), so a ``sd-sum`` error (g = a + b·f) has no PKPDsim form and is
  refused. An exponential error is ``ltbs: true`` with its log-scale SD as ``add``
  (inst/models/pk_vanco_kloprogge.json5; PKPDmap R/get_map_estimates.R fits log(y) then).
* ``pk_code`` is our code in C++ (``pbpk.mipd.expressions`` C++ dialect, whose numbers are doubles),
  run at every event; the names it assigns are listed in ``variables``, which PKPDsim declares as globals that ``ode_code`` and ``obs.scale`` read
  (inst/cpp/sim.cpp). ``ode_code`` is the library model ``pk_<n>cmt_iv`` / ``pk_<n>cmt_oral``
  (R/model_library.R) with our parameter names and states numbered from 0 (``as_is``), depot first;
  ``misc.model_type`` names it without ``pk_``. Doses go into ``dose.cmt`` (the depot of an oral
  model, with bioavailability ``F``; IV doses of an oral model into the central compartment through
  ``cmt_mapping``, R/create_event_table.R); concentrations are A[central] / ``obs.scale``, the central
  volume divided by the factor from amount/volume to the analyte's unit. Covariates are
  ``{"unit", "implementation": "locf"}`` (R/new_covariate.R; constant between records).
* ``read_model_json()`` (R/read_model_json.R) turns every ' into ", drops line breaks and turns each
  backslash into a newline escape, so the text has no comments and no quote or backslash inside a
  string (typographic quotes replace them); the code strings are JSON5 multi-line strings (a
  backslash ends each line) whose statements each end in ``;``. Units and sources are in
  ``units``, ``references`` and ``comments``.

Refused, with the field named: a structure PKPDsim's library has no model for (transit absorption,
Michaelis–Menten elimination, a metabolite), a lag time (PKPDsim takes it as a parameter name,
R/parse_lagtime.R, not from code), inter-occasion variability, an η that is not a factor exp(η),
an ``sd-sum`` error, and names PKPDsim's C++ uses. θ bounds and support points are not written.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.expressions import CPP, render
from pbpk.mipd.popmodel import PopulationModel

_RESERVED = frozenset({"A", "dAdt", "t", "scale", "conc", "rate", "bioav", "times", "doses", "i", "prv_dose",
                       "t_prv_dose", "dose_cmt", "dose_type", "iov_bin", "TDM_INIT"})
_TEXT = str.maketrans({"'": "’", '"': "”", "\\": "/"})
_DROPPED = ast.Name(id="1.0", ctx=ast.Load())  # an exp(η) whose θ now carries η: left out of its product


def model_definition(model: PopulationModel) -> str:
    """The PKPDsim JSON5 model definition of ``model``."""
    structure = model.structure
    oral = structure.absorption != "none"
    if not structure.linear or structure.metabolite or structure.absorption == "transit":
        raise PbpkInputError(model.name, "structure", f"{structure.compartments} compartments, absorption "
                             f"{structure.absorption}, elimination {structure.elimination}, metabolite "
                             f"{structure.metabolite}", "a linear 1-3 compartment model, IV or first-order "
                             "absorption, without metabolite (PKPDsim library models pk_1cmt_iv ... pk_3cmt_oral)")
    if "ALAG" in model.code.assigned:
        raise PbpkInputError(model.name, "pk", "ALAG", "no lag time: PKPDsim takes a lag time as a parameter name "
                             "(R/parse_lagtime.R), not from the code; not written yet")
    if model.iov.names:
        raise PbpkInputError(model.name, "iov", list(model.iov.names), "no inter-occasion variability "
                             "(PKPDsim iov bins are not written yet)")
    carriers, trees = _iiv(model)
    names = {*model.theta_values, *model.covariate_names, *model.code.assigned, *carriers.values()}
    for name in sorted(names & _RESERVED):
        raise PbpkInputError(model.name, "pk", name, "names that PKPDsim's C++ does not use itself: not "
                             + ", ".join(sorted(_RESERVED)), "rename it in the model file")
    theta = model.theta_values
    first = list(carriers.values())
    parameters = {name: theta.get(name, 1.0) for name in first}
    parameters.update({name: value for name, value in theta.items() if name not in parameters})
    units = {t.name: t.unit for t in model.thetas} | {name: "1" for name in first if name not in theta}
    omega = model.omega.matrix
    central = int(oral) + 1
    volume = structure.central_volume
    factor = model.concentration_factor("parent")
    source = model.source
    reference = {"ref": source["reference"]}
    if source.get("url") or source.get("doi"):
        reference["url"] = source.get("url") or f"https://doi.org/{source['doi']}"
    moved = [f"{name} carries {eta}: PKPDsim multiplies it by exp({eta})" for eta, name in carriers.items()]
    definition = {
        "id": "pk_" + re.sub(r"[^a-z0-9]+", "_", model.name.lower()),
        "description": model.title,
        "ode_code": _ode(structure),
        "pk_code": [f"{s.name} = {render(tree, CPP)};" for s, tree in zip(model.code.statements, trees, strict=True)],
        "n_comp": structure.compartments + int(oral),
        "obs": {"cmt": central, "scale": volume if factor == 1 else f"{volume}/{float(factor)!r}"},
        "dose": {"cmt": 1, "bioav": ["F" if "F" in model.code.assigned else 1]},
        "cmt_mapping": {"oral": 1, "bolus": 2, "infusion": 2} if oral else {"bolus": 1, "infusion": 1},
        "covariates": {c.name: {"unit": c.unit, "implementation": "locf"} for c in model.covariates},
        "variables": list(model.code.assigned),
        "parameters": parameters,
        "units": units,
        "fixed": [name for name in parameters if name not in first],
        "iiv": {name: float(np.sqrt(omega[k, k])) for k, name in enumerate(first)},
        "omega_matrix": [float(omega[i, j]) for i in range(len(omega)) for j in range(i + 1)],
        "ruv": _ruv(model),
        "misc": {"model_type": f"{structure.compartments}cmt_{'oral' if oral else 'iv'}", "linearity": "linear",
                 "timevarying_parameter": False, "init_parameter": False},
        "references": [reference],
        "comments": [*model.notes, *moved,
                     (f"Exported from {model.name} by pbpk.mipd.pkpdsim: time in {model.units['time']}, doses in "
                      f"{model.units['amount']}, volumes in {model.units['volume']}, concentrations in "
                      f"{model.analytes['parent']}.")],
        "build": True,
        "version": "0.1.0",
    }
    if model.errors["parent"].kind == "exponential":
        definition = {**definition, "ltbs": True}
    return _json5(definition)


def _iiv(model: PopulationModel) -> tuple[dict[str, str], list[ast.expr]]:
    """Each η's carrier (a θ or a new parameter), and the code's trees with exp(η) taken out or renamed."""
    trees = [ast.parse(statement.text, mode="eval").body for statement in model.code.statements]
    reads = Counter(node.id for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Name))
    calls: dict[str, list[tuple[ast.Call, ast.expr]]] = {eta: [] for eta in model.eta_names}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.func.id == "exp" and isinstance(node.args[0], ast.Name) \
                    and node.args[0].id in calls:
                calls[node.args[0].id].append((node, tree))
    for statement, tree in zip(model.code.statements, trees, strict=True):
        for eta, found in calls.items():
            if _count(tree, eta) != sum(where is tree for _, where in found):
                raise PbpkInputError(model.name, "pk", f"{statement.name} = {statement.text}",
                                     f"{eta} only as a factor exp({eta}): PKPDsim applies between-subject "
                                     "variability as P·exp(η) on a parameter (R/sim.R)")
    thetas, carriers, replace = set(model.theta_values), {}, {}
    for eta, found in calls.items():
        factors = _product_with(found[0][1], found[0][0]) if len(found) == 1 else []
        owner = next((f.id for f in factors if isinstance(f, ast.Name) and f.id in thetas and reads[f.id] == 1
                      and f.id not in carriers.values()), None)
        carriers[eta] = owner or f"{eta.removeprefix('ETA_')}iiv"
        if owner is None and carriers[eta] in {*thetas, *model.covariate_names, *model.code.assigned}:
            raise PbpkInputError(model.name, "omega", eta, f"an η whose PKPDsim parameter {carriers[eta]} "
                                 "is a new name", "rename the θ, covariate or variable of that name")
        replace[eta] = _DROPPED if owner else ast.Name(id=carriers[eta], ctx=ast.Load())
    return carriers, [_TakeOut(replace).visit(tree) for tree in trees]


def _count(tree: ast.expr, name: str) -> int:
    return sum(isinstance(node, ast.Name) and node.id == name for node in ast.walk(tree))


def _factors(node: ast.expr) -> list[ast.expr]:
    """The factors of a product: both sides of ×, the numerator of ÷."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _factors(node.left) + _factors(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _factors(node.left)
    return [node]


def _product_with(tree: ast.expr, call: ast.Call) -> list[ast.expr]:
    """The factors of the largest product in ``tree`` that has ``call`` as a factor (walked from the top)."""
    return next(factors for factors in map(_factors, ast.walk(tree)) if any(f is call for f in factors))


class _TakeOut(ast.NodeTransformer):
    """exp(η) → its new parameter, or dropped from its product; numbers as C++ doubles."""

    def __init__(self, replace: dict[str, ast.expr]) -> None:
        self.replace = replace

    def visit_Call(self, node: ast.Call) -> ast.expr:
        if node.func.id == "exp" and isinstance(node.args[0], ast.Name) and node.args[0].id in self.replace:
            return self.replace[node.args[0].id]
        return self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.op, ast.Mult) and (node.left is _DROPPED or node.right is _DROPPED):
            return node.right if node.left is _DROPPED else node.left
        return node


def _ode(structure) -> list[str]:
    """The ODEs of PKPDsim's library model for ``structure`` (R/model_library.R), with our names."""
    c = int(structure.absorption != "none")
    v = structure.central_volume
    flows = {1: [], 2: [("Q", "V2")], 3: [("Q2", "V2"), ("Q3", "V3")]}[structure.compartments]
    central = ("KA*A[0] - " if c else "-") + f"(CL/{v})*A[{c}]" + "".join(
        f" - ({q}/{v})*A[{c}] + ({q}/{p})*A[{c + k}]" for k, (q, p) in enumerate(flows, start=1))
    lines = ["dAdt[0] = -KA*A[0];"] if c else []
    lines.append(f"dAdt[{c}] = {central};")
    lines += [f"dAdt[{c + k}] = ({q}/{v})*A[{c}] - ({q}/{p})*A[{c + k}];" for k, (q, p) in enumerate(flows, start=1)]
    return lines


def _ruv(model: PopulationModel) -> dict[str, list[float]]:
    error = model.errors["parent"]
    if error.kind == "combined" and error.combination == "sd-sum":
        raise PbpkInputError(model.name, "error.parent.combination", "sd-sum", "a combined error whose SDs add as "
                             "variances (variance-sum): PKPDsim and PKPDmap take var = (prop·f)² + add² "
                             "(R/get_var_y.R)", "the SDs a + b·f and √(a² + b²f²) differ; re-estimate the error")
    return {"prop": [error.proportional_sd], "add": [error.additive_sd]}


def _json5(definition: dict) -> str:
    """JSON5 text that PKPDsim's read_model_json() also reads: code strings over lines, no quotes in texts."""
    def text(value: object) -> object:
        if isinstance(value, str):
            return value.translate(_TEXT)
        if isinstance(value, dict):
            return {key: text(item) for key, item in value.items()}
        return [text(item) for item in value] if isinstance(value, list) else value

    lines = []
    for key, value in definition.items():
        if key in ("ode_code", "pk_code"):
            body = '"\\\n' + "".join(f"    {line}\\\n" for line in value) + '  "'
        else:
            body = _dump(text(value), "  ")
        lines.append(f"  {json.dumps(key)}: {body}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _dump(value: object, indent: str) -> str:
    """JSON of ``value``, on one line if short, else one item a line."""
    inline = json.dumps(value, ensure_ascii=False)
    if len(inline) <= 80 or not isinstance(value, dict | list):
        return inline
    inner = indent + "  "
    items = ([f"{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()] if isinstance(value, dict)
             else [_dump(v, inner) for v in value])
    brackets = "{}" if isinstance(value, dict) else "[]"
    return brackets[0] + "\n" + ",\n".join(inner + item for item in items) + "\n" + indent + brackets[1]
