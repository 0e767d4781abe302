"""Population PK model files (JSON, ``docs/priors-format.md``): read, check, write; the bundled library.

``load_poppk("vancomycin-goti-2018")`` reads a bundled model from
``poppk_models/``; a path reads any file. Every error names the file, the field,
what was found and what was expected. ``poppk_to_dict`` writes the same fields
back in the form they were read, so a file survives load → write unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import ureg
from pbpk.mipd.expressions import Code
from pbpk.mipd.popmodel import (
    COVARIATE_TYPES,
    Covariate,
    PopulationModel,
    SupportPoints,
    Theta,
)
from pbpk.mipd.residual import COMBINATIONS, KINDS, ResidualError
from pbpk.mipd.structure import Structure
from pbpk.mipd.variability import Omega, read_block, write_block

FORMAT = "pbpk-poppk/1"
SOURCE_TYPES = ("publication", "example", "pbpk-derived")
_TOP = ("format", "name", "drug", "title", "source", "structure", "units", "analytes", "covariates", "theta",
        "omega", "iov", "pk", "error", "notes", "derived_from", "support_points")
_REQUIRED = ("format", "name", "drug", "title", "source", "structure", "units", "analytes", "theta", "omega",
             "pk", "error")
_DIMENSIONS = {"time": "[time]", "amount": None, "volume": "[length] ** 3"}


def library() -> list[str]:
    """Names of the bundled population models."""
    return datafiles.bundled_names("poppk_models")


def load_poppk(name_or_path: str | Path) -> PopulationModel:
    """A population model from a bundled name (``"vancomycin-goti-2018"``) or a JSON file."""
    path = datafiles.resolve("poppk_models", name_or_path)
    where = datafiles.display_path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PbpkInputError(f"{where}:{error.lineno}", "", error.msg, "valid JSON") from None
    model = poppk_from_dict(data, where=where)
    if path.parent == datafiles.data_dir("poppk_models") and model.name != path.stem:
        raise PbpkInputError(where, "name", model.name, f'"{path.stem}", the file\'s name')
    return model


def write_poppk(model: PopulationModel, path: str | Path) -> Path:
    """Write ``model`` as a JSON file (two-space indent, keys in the documented order)."""
    path = Path(path)
    path.write_text(json.dumps(poppk_to_dict(model), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


# ---- reading -----------------------------------------------------------------------------------

def _mapping(value: object, where: str, field: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise PbpkInputError(where, field, value, what)
    return value


def _keys(entry: dict, allowed: tuple[str, ...], where: str, field: str) -> None:
    for key, value in entry.items():
        if key not in allowed:
            raise PbpkInputError(where, f"{field}.{key}" if field else key, value,
                                 "one of the fields " + ", ".join(allowed), did_you_mean(key, allowed))


def _number(value: object, where: str, field: str, what: str = "a number") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise PbpkInputError(where, field, value, what)
    return float(value)


def _text(entry: dict, key: str, where: str, field: str, *, required: bool = False) -> str:
    value = entry.get(key, "")
    if required and not value:
        raise PbpkInputError(where, f"{field}.{key}" if field else key, None, "a non-empty text")
    if not isinstance(value, str):
        raise PbpkInputError(where, f"{field}.{key}" if field else key, value, "text")
    return value


def _unit(text: object, where: str, field: str, dimension: str | None = None) -> str:
    try:
        unit = ureg.Unit(str(text)) if isinstance(text, str) and text else None
    except Exception:  # noqa: BLE001 - pint raises several unrelated types for bad unit text
        unit = None
    if unit is None:
        raise PbpkInputError(where, field, text, 'a unit such as "h", "mg", "L", "mg/L" or "1" (dimensionless)')
    if dimension is not None and unit.dimensionality != ureg.Unit("h" if dimension == "[time]" else "L").dimensionality:
        raise PbpkInputError(where, field, text, f"a unit of {dimension}")
    return text


def poppk_from_dict(data: object, *, where: str) -> PopulationModel:
    """Check a parsed file and build the model; see ``docs/priors-format.md`` for each field."""
    data = _mapping(data, where, "", "a JSON object with the fields of docs/priors-format.md")
    _keys(data, _TOP, where, "")
    for key in _REQUIRED:
        if key not in data:
            raise PbpkInputError(where, key, None, f"a {key} field (see docs/priors-format.md)")
    if data["format"] != FORMAT:
        raise PbpkInputError(where, "format", data["format"], f'"{FORMAT}"')
    name, drug, title = (_text(data, key, where, "", required=True) for key in ("name", "drug", "title"))
    source = _mapping(data["source"], where, "source", "an object with reference, year, doi, table, population")
    _keys(source, ("type", "reference", "year", "doi", "table", "population", "url", "implementation"), where,
          "source")
    if source.get("type") not in SOURCE_TYPES:
        raise PbpkInputError(where, "source.type", source.get("type"), " or ".join(SOURCE_TYPES),
                             '"example" marks a fictional model made to test software')
    for key in ("reference", "population", "doi", "table", "url", "implementation"):
        _text(source, key, where, "source", required=key == "reference")
    if source["type"] == "publication" and not isinstance(source.get("year"), int):
        raise PbpkInputError(where, "source.year", source.get("year"), "the year of publication as a number")

    structure = _structure(data["structure"], where)
    units = _mapping(data["units"], where, "units", "an object with time, amount and volume units")
    _keys(units, tuple(_DIMENSIONS), where, "units")
    for key, dimension in _DIMENSIONS.items():
        if key not in units:
            raise PbpkInputError(where, f"units.{key}", None, f"the model's {key} unit")
        _unit(units[key], where, f"units.{key}", dimension)
    analytes = _mapping(data["analytes"], where, "analytes", 'an object such as {"parent": {"unit": "mg/L"}}')
    if sorted(analytes) != sorted(structure.analytes):
        raise PbpkInputError(where, "analytes", sorted(analytes), "exactly " + " and ".join(structure.analytes))
    concentration_units = {}
    for analyte, entry in analytes.items():
        entry = _mapping(entry, where, f"analytes.{analyte}", '{"unit": "mg/L"}')
        _keys(entry, ("unit",), where, f"analytes.{analyte}")
        unit = _unit(entry.get("unit"), where, f"analytes.{analyte}.unit")
        internal = ureg.Unit(f"({units['amount']})/({units['volume']})")
        if ureg.Unit(unit).dimensionality != internal.dimensionality:
            raise PbpkInputError(where, f"analytes.{analyte}.unit", unit,
                                 f"a concentration unit convertible from {units['amount']}/{units['volume']}")
        concentration_units[analyte] = unit

    covariates = tuple(_covariate(key, entry, where) for key, entry in
                       _mapping(data.get("covariates", {}), where, "covariates", "an object of covariates").items())
    thetas = tuple(_theta(key, entry, where) for key, entry in
                   _mapping(data["theta"], where, "theta", "an object of named fixed effects").items())
    omega = _omega(data["omega"], where, "omega")
    iov = _omega(data.get("iov", []), where, "iov")
    inputs = [theta.name for theta in thetas] + list(omega.names) + list(iov.names) + [c.name for c in covariates]
    duplicates = sorted({name for name in inputs if inputs.count(name) > 1})
    if duplicates:
        raise PbpkInputError(where, "theta/omega/iov/covariates", duplicates[0], "each name used once")
    lines = data["pk"]
    if not isinstance(lines, list) or not lines:
        raise PbpkInputError(where, "pk", lines, 'a list of statements such as "CL = TVCL * exp(ETA_CL)"')
    code = Code.parse(lines, inputs, where=where, field="pk")
    assigned = set(code.assigned)
    for unused_name in ("F", "ALAG", "FPM"):
        if unused_name in assigned and unused_name not in structure.optional:
            raise PbpkInputError(where, "pk", unused_name, f"no {unused_name} in a model whose structure has no use "
                                 f"for it (absorption {structure.absorption!r}, metabolite {structure.metabolite})")
    for required in structure.required:
        if required not in assigned:
            raise PbpkInputError(where, "pk", None, f"a statement assigning {required} (the structure needs "
                                 + ", ".join(structure.required) + ")")
    read = set().union(*(statement.names() for statement in code.statements))
    for unused in [name for name in inputs if name not in read]:
        raise PbpkInputError(where, "pk", None, f"code that reads {unused}, or no {unused} in the file",
                             "every θ, η, κ and covariate the file declares must be used")
    errors = _errors(data["error"], structure, where)
    notes = data.get("notes", [])
    if not isinstance(notes, list) or not all(isinstance(note, str) for note in notes):
        raise PbpkInputError(where, "notes", notes, "a list of texts")
    derived = data.get("derived_from")
    if derived is not None:
        _mapping(derived, where, "derived_from", "an object describing the PBPK population it was derived from")
    support = _support_points(data["support_points"], structure, where) if "support_points" in data else None
    return PopulationModel(name, drug, title, dict(source), structure, dict(units), concentration_units, covariates,
                           thetas, omega, iov, code, errors, tuple(notes), derived, support)


def _support_points(entry: object, structure: Structure, where: str) -> SupportPoints:
    field = "support_points"
    entry = _mapping(entry, where, field, '{"parameters": ["CL", "V"], "values": [[...], ...], "probability": [...]}')
    _keys(entry, ("parameters", "values", "probability", "source"), where, field)
    names = entry.get("parameters")
    allowed = structure.required + structure.optional
    if not isinstance(names, list) or not names or any(name not in allowed for name in names):
        raise PbpkInputError(where, f"{field}.parameters", names, "names of the structure's parameters: "
                             + ", ".join(allowed))
    rows = entry.get("values")
    if not isinstance(rows, list) or not rows:
        raise PbpkInputError(where, f"{field}.values", rows, "a list of parameter sets")
    values = np.array([[_number(v, where, f"{field}.values[{k}]", "a positive number") for v in row]
                       if isinstance(row, list) and len(row) == len(names) else
                       _bad_row(row, len(names), where, f"{field}.values[{k}]") for k, row in enumerate(rows)])
    if np.any(values <= 0):
        raise PbpkInputError(where, f"{field}.values", float(values[values <= 0][0]), "positive parameter values")
    probability = entry.get("probability")
    if not isinstance(probability, list) or len(probability) != len(rows):
        raise PbpkInputError(where, f"{field}.probability", probability, f"{len(rows)} probabilities")
    probability = np.array([_number(v, where, f"{field}.probability") for v in probability])
    if np.any(probability < 0) or abs(probability.sum() - 1) > 1e-6:
        raise PbpkInputError(where, f"{field}.probability", float(probability.sum()),
                             "probabilities ≥ 0 that add up to 1")
    return SupportPoints(tuple(names), values, probability, _text(entry, "source", where, field))


def _bad_row(row: object, size: int, where: str, field: str):
    raise PbpkInputError(where, field, row, f"a list of {size} numbers")


def _structure(entry: object, where: str) -> Structure:
    entry = _mapping(entry, where, "structure", 'an object such as {"compartments": 2, "absorption": "none"}')
    _keys(entry, ("compartments", "absorption", "transit_compartments", "elimination", "metabolite"), where,
          "structure")
    metabolite = entry.get("metabolite")
    ratio = 1.0
    if metabolite is not None:
        metabolite = _mapping(metabolite, where, "structure.metabolite", '{"mass_ratio": 0.94} (molar masses)')
        _keys(metabolite, ("mass_ratio",), where, "structure.metabolite")
        ratio = _number(metabolite.get("mass_ratio", 1.0), where, "structure.metabolite.mass_ratio")
    for key in ("compartments", "transit_compartments"):
        if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int)):
            raise PbpkInputError(where, f"structure.{key}", entry[key], "a whole number")
    structure = Structure(entry.get("compartments", 1), entry.get("absorption", "none"),
                          entry.get("transit_compartments", 0), entry.get("elimination", "linear"),
                          metabolite is not None, ratio)
    structure.check(where)
    return structure


def _covariate(name: str, entry: object, where: str) -> Covariate:
    field = f"covariates.{name}"
    if not name.isidentifier():
        raise PbpkInputError(where, field, name, "a name of letters, digits and _ (e.g. CLCREAT)")
    entry = _mapping(entry, where, field, '{"unit": "kg", "description": "total body weight"}')
    _keys(entry, ("unit", "type", "description", "reference", "range", "levels"), where, field)
    kind = entry.get("type", "continuous")
    if kind not in COVARIATE_TYPES:
        raise PbpkInputError(where, f"{field}.type", kind, " or ".join(COVARIATE_TYPES))
    unit = _unit(entry.get("unit", "1"), where, f"{field}.unit")
    reference = entry.get("reference")
    if reference is not None:
        reference = _number(reference, where, f"{field}.reference")
    span = entry.get("range")
    if span is not None:
        if not isinstance(span, list) or len(span) != 2:
            raise PbpkInputError(where, f"{field}.range", span, "[lowest, highest]")
        span = tuple(_number(v, where, f"{field}.range") for v in span)
        if span[0] > span[1]:
            raise PbpkInputError(where, f"{field}.range", list(span), "[lowest, highest] with lowest ≤ highest")
    levels = entry.get("levels")
    if levels is not None:
        if kind != "categorical":
            raise PbpkInputError(where, f"{field}.levels", levels, 'levels only for a "categorical" covariate')
        levels = {str(k): _number(v, where, f"{field}.levels.{k}") for k, v in
                  _mapping(levels, where, f"{field}.levels", '{"poor": 0, "normal": 1}').items()}
    elif kind == "categorical":
        raise PbpkInputError(where, f"{field}.levels", None, 'the codes of a categorical covariate, e.g. {"PM": 0}')
    return Covariate(name, unit, kind, _text(entry, "description", where, field), reference, span, levels)


def _theta(name: str, entry: object, where: str) -> Theta:
    field = f"theta.{name}"
    if not name.isidentifier():
        raise PbpkInputError(where, field, name, "a name of letters, digits and _ (e.g. TVCL)")
    entry = _mapping(entry, where, field, '{"value": 4.5, "unit": "L/h", "source": "Table 2"}')
    _keys(entry, ("value", "unit", "fixed", "lower", "upper", "source", "description"), where, field)
    if "value" not in entry:
        raise PbpkInputError(where, f"{field}.value", None, "the estimate")
    value = _number(entry["value"], where, f"{field}.value")
    bounds = [None if entry.get(key) is None else _number(entry[key], where, f"{field}.{key}")
              for key in ("lower", "upper")]
    if (bounds[0] is not None and value < bounds[0]) or (bounds[1] is not None and value > bounds[1]):
        raise PbpkInputError(where, f"{field}.value", value, f"a value within [{bounds[0]}, {bounds[1]}]")
    fixed = entry.get("fixed", False)
    if not isinstance(fixed, bool):
        raise PbpkInputError(where, f"{field}.fixed", fixed, "true or false")
    return Theta(name, value, _unit(entry.get("unit", "1"), where, f"{field}.unit"), fixed, bounds[0], bounds[1],
                 _text(entry, "source", where, field), _text(entry, "description", where, field))


def _omega(entry: object, where: str, field: str) -> Omega:
    if not isinstance(entry, list):
        raise PbpkInputError(where, field, entry, 'a list of blocks such as [{"eta": "ETA_CL", "variance": 0.1}]')
    return Omega(tuple(read_block(block, where=where, field=f"{field}[{k}]") for k, block in enumerate(entry)))


def _errors(entry: object, structure: Structure, where: str) -> dict[str, ResidualError]:
    entry = _mapping(entry, where, "error", 'an object per analyte, e.g. {"parent": {"model": "proportional", '
                     '"sd": {"proportional": 0.2}}}')
    if sorted(entry) != sorted(structure.analytes):
        raise PbpkInputError(where, "error", sorted(entry), "an error model for " + " and ".join(structure.analytes))
    errors = {}
    for analyte, spec in entry.items():
        field = f"error.{analyte}"
        spec = _mapping(spec, where, field, '{"model": "combined", "combination": "sd-sum", "sd": {...}}')
        _keys(spec, ("model", "combination", "sd", "variance", "source"), where, field)
        if ("sd" in spec) == ("variance" in spec):
            raise PbpkInputError(where, field, sorted(spec), 'either "sd" or "variance" with the error terms')
        scale = "sd" if "sd" in spec else "variance"
        terms = _mapping(spec[scale], where, f"{field}.{scale}", '{"additive": 1.0, "proportional": 0.2}')
        _keys(terms, ("additive", "proportional"), where, f"{field}.{scale}")
        model = spec.get("model")
        if model not in KINDS:
            raise PbpkInputError(where, f"{field}.model", model, " or ".join(KINDS))
        combination = spec.get("combination", "")
        if combination and combination not in COMBINATIONS:
            raise PbpkInputError(where, f"{field}.combination", combination, " or ".join(COMBINATIONS))
        values = {key: _number(value, where, f"{field}.{scale}.{key}") for key, value in terms.items()}
        error = ResidualError(model, values.get("additive", 0.0), values.get("proportional", 0.0), combination, scale,
                              _text(spec, "source", where, field))
        error.check(where, field)
        errors[analyte] = error
    return errors


# ---- writing -----------------------------------------------------------------------------------

def poppk_to_dict(model: PopulationModel) -> dict:
    """The file form of ``model`` (fields in the documented order, values as they were read)."""
    structure = model.structure
    data: dict = {"format": FORMAT, "name": model.name, "drug": model.drug, "title": model.title,
                  "source": dict(model.source)}
    shape: dict = {"compartments": structure.compartments, "absorption": structure.absorption}
    if structure.transit_compartments:
        shape["transit_compartments"] = structure.transit_compartments
    shape["elimination"] = structure.elimination
    if structure.metabolite:
        shape["metabolite"] = {"mass_ratio": structure.metabolite_mass_ratio}
    data["structure"] = shape
    data["units"] = dict(model.units)
    data["analytes"] = {analyte: {"unit": unit} for analyte, unit in model.analytes.items()}
    if model.covariates:
        data["covariates"] = {c.name: _drop_empty({"unit": c.unit, "type": c.type, "description": c.description,
                                                   "reference": c.reference,
                                                   "range": list(c.range) if c.range else None,
                                                   "levels": dict(c.levels) if c.levels else None})
                              for c in model.covariates}
    data["theta"] = {t.name: _drop_empty({"value": t.value, "unit": t.unit, "fixed": t.fixed or None,
                                          "lower": t.lower, "upper": t.upper, "source": t.source,
                                          "description": t.description}) for t in model.thetas}
    data["omega"] = [write_block(block) for block in model.omega.blocks]
    if model.iov.blocks:
        data["iov"] = [write_block(block) for block in model.iov.blocks]
    data["pk"] = model.code.lines()
    data["error"] = {analyte: _drop_empty({"model": error.kind, "combination": error.combination,
                                           error.scale: _drop_empty({"additive": error.additive or None,
                                                                     "proportional": error.proportional or None}),
                                           "source": error.source})
                     for analyte, error in model.errors.items()}
    if model.notes:
        data["notes"] = list(model.notes)
    if model.derived_from is not None:
        data["derived_from"] = model.derived_from
    if model.support_points is not None:
        support = model.support_points
        data["support_points"] = _drop_empty({"parameters": list(support.parameters),
                                              "values": [[float(v) for v in row] for row in support.values],
                                              "probability": [float(v) for v in support.probability],
                                              "source": support.source})
    return data


def _drop_empty(entry: Mapping) -> dict:
    return {key: value for key, value in entry.items() if value is not None and value != ""}
