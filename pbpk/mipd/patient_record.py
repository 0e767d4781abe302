"""A plain patient record (YAML or JSON) read into a ``Subject``, and ``load_subjects`` for every record format.

A record names one patient; every time, amount, duration and concentration carries its unit and is
converted with pint to the model's units (concentrations to the unit of the model's analyte)::

    id: patient-1
    covariates: {CLCREAT: 65 mL/min, WT: 70 kg, DIAL: 0}
    doses:
      - {time: 0 h, amount: 1000 mg, infusion: 1 h}
      - {time: 12 h, amount: 1 g, infusion: 60 min}
    samples:
      - {time: 11.5 h, concentration: 12.3 mg/L}
      - {time: 13.5 h, concentration: "< 2 mg/L"}   # below the LLOQ 2 mg/L (censored, M3)

* ``covariates`` holds each of the model's covariates, in any unit of its dimension (a dimensionless
  one as a plain number); they are constant over the record.
* A dose has ``time`` (≥ 0), ``amount`` and optionally ``infusion`` (its duration; a bolus without it),
  and ``route`` (``iv``, the default for IV models, into central; ``oral``, the default for models with
  absorption, into the depot) or ``compartment`` (``central`` or ``depot``).
* A sample has ``time`` (≥ 0), ``concentration`` and optionally ``analyte`` (``parent``, the default, in central;
  ``metabolite`` for a model that has one, in its unit): a quantity, or ``"< LLOQ"`` for a
  sample below the limit of quantification (Beal 2001, M3). With ``lloq`` (in the parent's unit) a
  parent sample below it is censored too, as for a CSV file. A sample before the first dose is allowed, as in
  NONMEM (its prediction is 0).
* Unknown fields are refused (with a "did you mean"); errors name ``file:line``, the field path
  (e.g. ``samples[1].concentration``), the value found and what was expected.

JSON files are read with the same loader (JSON is YAML), so their errors name the line too. A record
already parsed (e.g. the body of a web request) is read by ``patient_from_dict``, the one parser
``read_patient`` uses too; its errors name a label such as ``patient`` instead of ``file:line``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import magnitude, parse_quantity
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject, read_records
from pbpk.mipd.solve import Dose

#: File suffixes read as patient records (the rest of ``load_subjects``'s files are NONMEM CSV).
PATIENT_SUFFIXES = (".yaml", ".yml", ".json")
ROUTES = {"iv": "central", "oral": "depot"}


def load_subjects(path: str | Path, model: PopulationModel, *, rename: Mapping[str, str] | None = None,
                  lloq: float | None = None) -> dict[str, Subject]:
    """Subjects by ID of a NONMEM-style CSV file (``read_records``) or of one patient record (``read_patient``)."""
    path = Path(path)
    if path.suffix.lower() not in PATIENT_SUFFIXES:
        return read_records(path, model, rename=rename, lloq=lloq)
    if rename:
        raise PbpkInputError(str(path), "rename", dict(rename), "no column renames for a YAML or JSON patient record",
                             "renames apply to CSV columns only; name the fields as the record format does")
    subject = read_patient(path, model, lloq=lloq)
    return {subject.id: subject}


def read_patient(path: str | Path, model: PopulationModel, *, lloq: float | None = None) -> Subject:
    """The ``Subject`` of a YAML or JSON patient record, in the model's units (see the module docstring)."""
    path = Path(path)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PbpkInputError(f"{path}:{exc.lineno}", "", exc.msg, "valid JSON") from None
    return patient_from_dict(load_yaml(path), model, where=str(path), lloq=lloq)


def patient_from_dict(data: object, model: PopulationModel, *, where: str = "patient",
                      lloq: float | None = None) -> Subject:
    """The ``Subject`` of a parsed patient record (a mapping), in the model's units; errors name ``where``.

    ``where`` is the file (whose lines a mapping from ``load_yaml`` knows) or a label such as ``patient``;
    ``lloq`` censors the samples below it (the analyte's unit).
    """
    record = Record(data, where)
    key = record.raw("id", expected="the patient's ID")
    if isinstance(key, bool) or not isinstance(key, (str, int)) or not str(key).strip():
        raise record.error("id", key, "the patient's ID as text or a whole number")
    covariates = _covariates(record, model)
    doses = sorted((_dose(item, model) for item in record.records("doses")), key=lambda dose: dose.time)
    if not doses:
        raise PbpkInputError(record.where("doses"), "doses", [], "at least one dose")
    samples = sorted((_sample(item, model, lloq) for item in record.records("samples", required=False)),
                     key=lambda sample: sample[0])
    record.finish()
    sample = np.array([row[:4] for row in samples], dtype=float).reshape(-1, 4)
    times = np.unique(np.concatenate([[dose.time for dose in doses], sample[:, 0]]))
    return Subject(str(key).strip(), tuple(doses), sample[:, 0], sample[:, 1], sample[:, 2].astype(bool),
                   sample[:, 3], covariates, times, analytes=np.array([row[4] for row in samples], dtype=object))


def _covariates(record: Record, model: PopulationModel) -> dict[str, float]:
    """Each of the model's covariates, in the model's unit (a plain number for a dimensionless one)."""
    if not model.covariates:
        record.raw("covariates", required=False)
        return {}
    values = record.record("covariates")
    covariates = {}
    for covariate in model.covariates:
        unit = "" if covariate.unit in ("1", "") else covariate.unit
        text = values.raw(covariate.name, expected=f"{covariate.description or covariate.name} in {covariate.unit}")
        quantity = parse_quantity(text, unit, where=values.where(covariate.name), field=values.field(covariate.name),
                                  example=f"1 {unit}" if unit else "0")
        covariates[covariate.name] = float(quantity.to(unit or "dimensionless").magnitude)
    values.finish(hint=f"The model's covariates are {', '.join(model.covariate_names)}")
    return covariates


def _time(record: Record, key: str, model: PopulationModel, *, required: bool = True) -> float:
    """A time or duration ≥ 0 in the model's time unit (0 when optional and missing)."""
    unit = model.units["time"]
    text = record.raw(key, required=required, expected=f"a time with its unit, e.g. \"12 {unit}\"")
    if text is None:
        return 0.0
    value = magnitude(parse_quantity(text, unit, where=record.where(key), field=record.field(key),
                                     example=f"12 {unit}"), unit)
    if not (np.isfinite(value) and value >= 0):
        raise record.error(key, text, f"a time ≥ 0 {unit}", "times count from 0, e.g. the first dose")
    return value


def _dose(record: Record, model: PopulationModel) -> Dose:
    """One dose: time, amount, infusion duration and the compartment it enters."""
    time = _time(record, "time", model)
    unit = model.units["amount"]
    text = record.raw("amount", expected=f"an amount with its unit, e.g. \"500 {unit}\"")
    amount = magnitude(parse_quantity(text, unit, where=record.where("amount"), field=record.field("amount"),
                                      example=f"500 {unit}"), unit)
    if not (np.isfinite(amount) and amount >= 0):
        raise record.error("amount", text, f"an amount ≥ 0 {unit}")
    duration = _time(record, "infusion", model, required=False)
    allowed = model.structure.dose_compartments
    route = record.text("route", required=False, choices=tuple(ROUTES))
    compartment = record.text("compartment", required=False, choices=allowed)
    if route is not None and compartment is not None:
        raise record.error("compartment", compartment, "a route or a compartment, not both")
    compartment = compartment or ROUTES.get(route or "", allowed[0])
    if compartment not in allowed:
        raise record.error("route", route, "iv (into central): the model has no absorption",
                           f'"{model.name}" is an IV model; give the route of the doses it was built on')
    record.finish()
    return Dose(time, amount, compartment, duration)


def _sample(record: Record, model: PopulationModel, lloq: float | None) -> tuple[float, float, float, float, str]:
    """(time, concentration, censored, LLOQ, analyte) of one plasma sample, in the model's units."""
    time = _time(record, "time", model)
    analyte = record.text("analyte", required=False, choices=tuple(model.structure.analytes)) or "parent"
    unit = model.analytes[analyte]
    text = record.raw("concentration", expected=f"a concentration with its unit, e.g. \"10 {unit}\", or \"< 2 {unit}\"")
    censored = isinstance(text, str) and text.strip().startswith("<")
    quantity = parse_quantity(text.strip()[1:] if censored else text, unit, where=record.where("concentration"),
                              field=record.field("concentration"), example=f"10 {unit}\" or \"< 2 {unit}")
    value = magnitude(quantity, unit)
    if not np.isfinite(value) or value < 0 or (censored and value <= 0):
        raise record.error("concentration", text, f"a concentration ≥ 0 {unit}, or \"< LLOQ\" with an LLOQ > 0")
    record.finish()
    if censored:
        return time, np.nan, 1.0, value, analyte
    limit = np.nan if lloq is None or analyte != "parent" else float(lloq)
    return time, value, float(bool(value < limit)), limit, analyte
