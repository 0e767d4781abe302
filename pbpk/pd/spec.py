"""Dose-ranging specification files (YAML): doses, exposure model, efficacy and toxicity models, selection.

A spec names the doses to compare, where the virtual patients' exposures come from, an
efficacy and a toxicity model of that exposure, and how the MTD and OBD are chosen
(``docs/pd.md`` describes every field; ``pd_models/`` holds the bundled examples). Every
number is written ``{value: …, source: …}``: the paper, table and year it comes from.

* ``exposure.model: closed_form``: steady-state AUCτ or Cavg = F·Dose/(CL·τ) with a lognormal
  CL (:mod:`pbpk.pd.exposure`), N patients drawn with a seed;
* ``exposure.model: table``: a CSV file of exposures already computed (by popPK, PBPK or
  anything else), one row per patient and dose, columns ``dose_column`` and ``exposure_column``.

Efficacy and toxicity are ``logistic`` (intercept, slope, optional ``log_exposure`` and
``terms``: fixed covariate terms coefficient × value, or coefficient × T/(T50 + T) at a landmark
time) or ``emax`` probability models (:mod:`pbpk.pd.logistic`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pbpk.core import datafiles
from pbpk.core.datafiles import display_path
from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import Quantity, magnitude
from pbpk.pd.dose_ranging import (
    RULES,
    TOXICITY_LIMIT,
    DoseRanging,
    ObdRule,
    compare_doses,
)
from pbpk.pd.exposure import METRICS, ClosedFormExposure
from pbpk.pd.logistic import EmaxProbability, Logistic

FOLDER = "pd_models"
EXPOSURE_MODELS = ("closed_form", "table")
PROBABILITY_MODELS = ("logistic", "emax")


@dataclass(frozen=True)
class Scaled:
    """A probability model fitted in another unit of the same exposure: x is multiplied by ``factor`` first."""

    model: Logistic | EmaxProbability
    factor: float

    def probability(self, exposure) -> np.ndarray:
        return self.model.probability(np.asarray(exposure, float) * self.factor)


@dataclass(frozen=True)
class PdSpec:
    """A loaded spec: what to compare and how to choose (see the module docstring)."""

    name: str
    title: str
    drug: str
    file: str
    doses: tuple[float, ...]
    dose_unit: str
    exposure_name: str
    exposure_unit: str
    efficacy: Logistic | EmaxProbability | Scaled
    toxicity: Logistic | EmaxProbability | Scaled
    efficacy_endpoint: str
    toxicity_endpoint: str
    toxicity_limit: float = TOXICITY_LIMIT
    rule: ObdRule = field(default_factory=ObdRule)
    exposure_model: ClosedFormExposure | None = None
    exposure_table: dict[float, np.ndarray] | None = None

    @property
    def simulated(self) -> bool:
        """True when the exposures are drawn (closed form), so N and the seed matter."""
        return self.exposure_model is not None

    def run(self, n: int = 1000, seed: int = 0, *, toxicity_limit: float | None = None,
            rule: ObdRule | None = None) -> DoseRanging:
        """The comparison on N virtual patients (the same patients at every dose), or on the table's patients."""
        if self.exposure_model is not None:
            clearances = self.exposure_model.clearances(n, np.random.default_rng(seed))
            exposures = {d: self.exposure_model.exposures(d, clearances) for d in self.doses}
        else:
            exposures = self.exposure_table
        return compare_doses(exposures, self.efficacy, self.toxicity,
                             toxicity_limit=self.toxicity_limit if toxicity_limit is None else toxicity_limit,
                             rule=rule or self.rule, exposure_name=self.exposure_name,
                             exposure_unit=self.exposure_unit, dose_unit=self.dose_unit, title=self.title)


def load_spec(name_or_path: str | Path) -> PdSpec:
    """Read and check a dose-ranging spec (a path, or the name of a bundled example)."""
    path = datafiles.resolve(FOLDER, name_or_path)
    r = Record(load_yaml(path), display_path(path))
    name, title, drug = r.text("name"), r.text("title"), r.text("drug")
    r.text("note", required=False)
    r.raw("references", required=False)
    doses, dose_unit = _doses(r.record("doses"))
    ex = r.record("exposure")
    kind = ex.text("model", choices=EXPOSURE_MODELS)
    exposure_name, exposure_unit = ex.text("name"), ex.text("unit")
    model = table = None
    if kind == "closed_form":
        model = _closed_form(ex, exposure_unit, dose_unit)
    else:
        table = _table(ex, path.parent, doses)
    ex.finish()
    efficacy, efficacy_endpoint = _probability(r.record("efficacy"), exposure_unit)
    toxicity, toxicity_endpoint = _probability(r.record("toxicity"), exposure_unit)
    limit, rule = _selection(r.record("selection", required=False))
    r.finish()
    return PdSpec(name, title, drug, r.file, doses, dose_unit, exposure_name, exposure_unit, efficacy, toxicity,
                  efficacy_endpoint, toxicity_endpoint, limit, rule, model, table)


def _doses(r: Record) -> tuple[tuple[float, ...], str]:
    values = r.raw("values", expected="a list of doses")
    if not isinstance(values, list) or not values:
        raise r.error("values", values, "a list of doses, e.g. [10, 20, 40]")
    doses = tuple(sorted(float(_number(r, "values", v, k)) for k, v in enumerate(values)))
    if len(set(doses)) != len(doses):
        raise r.error("values", values, "each dose once")
    unit = r.text("unit")
    try:
        Quantity(1.0, unit).to("mg")
    except Exception:  # noqa: BLE001 - pint's errors all mean "not a mass"
        raise r.error("unit", unit, "a unit of mass, e.g. mg") from None
    r.source()
    r.finish()
    return doses, unit


def _number(r: Record, key: str, value, index: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
        raise PbpkInputError(r.where(key), f"{r.field(key)}[{index}]", value, "a dose ≥ 0 (a number)")
    return float(value)


def _closed_form(r: Record, unit: str, dose_unit: str) -> ClosedFormExposure:
    metric = r.text("metric", choices=tuple(METRICS))
    clearance = magnitude(r.cited("clearance", "L/h").value, "L/h")
    interval = magnitude(r.cited("interval", "h").value, "h")
    cv = r.cited("iiv_cv", low=0).value
    bioavailability = r.cited("bioavailability", required=False, low=0, high=1, low_open=True)
    low = r.record("low_dose", required=False)
    low_dose = None
    if low is not None:
        below = Quantity(low.cited("below", "mg").value).to(dose_unit).magnitude
        low_dose = (float(below), low.cited("change", low=-1, low_open=True).value)
        low.finish()
    try:
        return ClosedFormExposure(clearance, cv, metric, unit, interval,
                                  1.0 if bioavailability is None else bioavailability.value, dose_unit, low_dose)
    except PbpkInputError as exc:
        raise PbpkInputError(r.where(exc.field.split(".")[0]), r.field(exc.field), exc.found, exc.expected) from None


def _table(r: Record, folder: Path, doses: tuple[float, ...]) -> dict[float, np.ndarray]:
    text = r.text("file")
    dose_column, exposure_column = r.text("dose_column"), r.text("exposure_column")
    path = Path(text) if Path(text).is_absolute() else folder / text
    if not path.is_file():
        raise r.error("file", text, f"a CSV file (relative to the spec's folder {display_path(folder)})")
    frame = pd.read_csv(path)
    for key, column in (("dose_column", dose_column), ("exposure_column", exposure_column)):
        if column not in frame.columns:
            raise r.error(key, column, f"a column of {path.name} ({', '.join(map(str, frame.columns))})",
                          did_you_mean(column, map(str, frame.columns)))
    table = {}
    for dose in doses:
        values = frame.loc[np.isclose(frame[dose_column].to_numpy(float), dose), exposure_column].to_numpy(float)
        if values.size == 0:
            raise r.error("file", text, f"exposures for every dose of doses.values (none at {dose:g})")
        table[dose] = values
    return table


def _probability(r: Record, exposure_unit: str) -> tuple[Logistic | EmaxProbability | Scaled, str]:
    endpoint = r.text("endpoint")
    kind = r.text("model", choices=PROBABILITY_MODELS)
    unit = r.text("unit")
    if kind == "logistic":
        intercept = r.cited("intercept").value + sum(_term(t) for t in r.records("terms", required=False))
        model = Logistic(intercept, r.cited("slope").value, bool(r.boolean("log_exposure", default=False)), unit,
                         endpoint)
    else:
        hill = r.cited("hill", required=False, low=0, low_open=True)
        model = EmaxProbability(r.cited("p0", low=0, high=1).value, r.cited("pmax", low=0, high=1).value,
                                r.cited("ec50", low=0, low_open=True).value, 1.0 if hill is None else hill.value,
                                unit, endpoint)
    r.finish()
    if unit == exposure_unit:
        return model, endpoint
    try:
        factor = float(Quantity(1.0, exposure_unit).to(unit).magnitude)
    except Exception:  # noqa: BLE001 - pint's errors all mean "another dimension"
        raise r.error("unit", unit, f"a unit of the same exposure as exposure.unit ({exposure_unit})") from None
    return Scaled(model, factor), endpoint


def _term(r: Record) -> float:
    """coefficient × value, or coefficient × T/(T50 + T) for a saturable time term."""
    r.text("name")
    coefficient = r.cited("coefficient").value
    if r.has("value"):
        value = r.cited("value").value
    else:
        time = magnitude(r.cited("time", "h").value, "h")
        half = magnitude(r.cited("half_time", "h").value, "h")
        value = time / (half + time)
    r.finish()
    return coefficient * value


def _selection(r: Record | None) -> tuple[float, ObdRule]:
    if r is None:
        return TOXICITY_LIMIT, ObdRule()
    limit = r.cited("toxicity_limit", required=False, low=0, high=1, low_open=True)
    obd = r.record("obd", required=False)
    rule = ObdRule()
    if obd is not None:
        kind = obd.text("rule", choices=RULES)
        fraction = obd.number("fraction", required=False, low=0, high=1, low_open=True)
        weight = obd.number("weight", required=False, low=0)
        obd.source(required=False)
        obd.finish()
        rule = ObdRule(kind, 0.9 if fraction is None else fraction, 1.0 if weight is None else weight)
    r.finish()
    return (TOXICITY_LIMIT if limit is None else limit.value), rule
