"""Clinical case files: one published study arm, read and checked (``validation_cases/<id>.yaml``).

A case file (format in ``docs/validation-format.md``) describes one clinical study:
the compound, the population, the regimen and the observed summary metrics with their
statistics and the primary paper. :mod:`pbpk.qualification.case_run` simulates it and
compares (:mod:`pbpk.qualification.comparison`).

Honesty rules, enforced here and in ``case_run``:

* A case whose study was used to fit a compound value is *training*; the
  compound file says so (``fitted_to``), and the case must list the fitted
  values (``fitted_parameters``) — a mismatch is an error. Summaries use
  *test* cases; training cases are reported separately.
* A case cannot change the compound: its schema has no parameter fields
  (unknown fields are errors).

Examples
--------
>>> case = load_case("midazolam-iv-smith-1981-415")
>>> case.compound, sorted(case.observed)
('midazolam', ['AUC', 'CL'])
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pint

from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import parse_quantity
from pbpk.simulation.dosing import Dose, Regimen, repeated
from pbpk.simulation.observed import (
    ObservedProfile,
    is_concentration_unit,
    read_observed,
)

#: Metrics a case may report, and the dimension of each (a unit of that dimension).
METRICS = {
    "AUC": "mg*h/L", "Cmax": "mg/L", "tmax": "h", "CL": "L/h", "CL_F": "L/h", "Vss": "L", "t_half": "h", "F": "",
}
#: Ratios of a metric between the study population and its reference population (e.g. pregnant/postpartum).
RATIO_METRICS = {f"{base}_ratio": base for base in ("AUC", "Cmax", "CL", "CL_F", "t_half")}
METRICS.update({name: "" for name in RATIO_METRICS})
PER_WEIGHT = {"CL": "L/h/kg", "CL_F": "L/h/kg", "Vss": "L/kg"}
#: Metrics that may be taken over a stated window [t0, t1] of the study clock (AUC and its ratio require one).
WINDOWED = ("AUC", "AUC_ratio", "Cmax", "Cmax_ratio", "tmax", "CL", "CL_ratio", "CL_F", "CL_F_ratio")
#: The dose route a clearance window divides by (CL: intravenous doses, CL_F: oral doses).
CLEARANCE_ROUTES = {"CL": ("iv", "infusion"), "CL_F": ("oral",)}
STATISTICS = ("arithmetic mean", "geometric mean", "median", "individual")
NO_OVERRIDES = ("a case cannot change compound or physiology values (honesty rule); "
                "put a changed value in a new compound file and say so in the case note")
#: Population groups reported separately: "pregnancy" has a gestational week, "pediatric" a mean age below 18 y.
POPULATION_GROUPS = ("adult", "elderly", "pediatric", "pregnancy", "renal", "hepatic")
PEDIATRIC_BELOW_YEARS = 18.0
ELDERLY_FROM_YEARS = 65.0
RENAL_BELOW_ML_MIN = 60.0  # KDIGO: CKD is a GFR below 60 mL/min/1.73 m²
RENAL_MEASURES = ("gfr", "crcl", "egfr")
#: Shortest infusion whose Cmax (end of infusion) is compared; a bolus Cmax reflects sampling, not the model.
RAPID_IV_MINUTES = 15.0


@dataclass(frozen=True)
class Observation:
    """One observed summary metric."""

    metric: str
    value: pint.Quantity
    statistic: str
    interval: tuple[float, float] | str | None = None  # AUC: "inf", "tau" or (t0, t1) in h; others: (t0, t1) or None
    spread: str | None = None


@dataclass(frozen=True)
class Study:
    reference: str
    key: str
    source: str
    url: str | None = None


@dataclass(frozen=True)
class Population:
    """Who was studied: simulated as the typical person of each sex at the mean age, height, weight and renal
    function given (:func:`pbpk.qualification.case_run.study_person`)."""

    description: str
    female_fraction: float
    subjects: int | None = None
    weight: pint.Quantity | None = None
    height: pint.Quantity | None = None
    age: pint.Quantity | None = None
    gestational_age: pint.Quantity | None = None
    gestational_week: float | None = None
    renal_function: Mapping[str, pint.Quantity] = field(default_factory=dict)  # one of gfr, crcl, egfr (mL/min)
    dialysis: bool = False
    child_pugh: str | None = None  # liver cirrhosis: A, B or C
    note: str | None = None

    @property
    def group(self) -> str:
        """The report group: pregnancy, pediatric (< 18 y), hepatic (a Child-Pugh class), renal (a renal function
        below 60 mL/min/1.73 m² or dialysis), elderly (≥ 65 y) or adult."""
        if self.gestational_week:
            return "pregnancy"
        years = self.age.to("year").magnitude if self.age is not None else None
        if years is not None and years < PEDIATRIC_BELOW_YEARS:
            return "pediatric"
        if self.child_pugh is not None:
            return "hepatic"
        if self.dialysis or any(v.to("mL/min").magnitude < RENAL_BELOW_ML_MIN for v in self.renal_function.values()):
            return "renal"
        return "elderly" if years is not None and years >= ELDERLY_FROM_YEARS else "adult"


@dataclass(frozen=True)
class ValidationCase:
    """One clinical study with observed metrics (see ``docs/validation-format.md``)."""

    id: str
    file: str
    title: str
    compound: str
    study: Study
    population: Population
    regimen: Regimen
    observed: Mapping[str, Observation]
    fitted_parameters: tuple[str, ...] = ()
    expected_within: Mapping[str, float] = field(default_factory=dict)
    profile: ObservedProfile | None = None
    reference_population: Population | None = None
    note: str | None = None


# -- loading ------------------------------------------------------------------------------------
def load_case(name_or_path: str | Path) -> ValidationCase:
    """Read and validate a case file (a path, or the id of a bundled case)."""
    path = datafiles.resolve("validation_cases", name_or_path)
    record = Record(load_yaml(path), datafiles.display_path(path))
    return _case(record, path.parent)


def load_cases(pattern: str | None = None) -> list[ValidationCase]:
    """Cases to run: every bundled case, those whose id matches a glob (``"midazolam-*"``),
    one case file, a folder of case files, or a glob of paths (``"my_cases/*-iv-*.yaml"``)."""
    return [load_case(path) for path in datafiles.matching_files("validation_cases", pattern, "cases")]


def _case(r: Record, folder: Path) -> ValidationCase:
    case_id = r.text("id")
    if Path(r.file).stem != case_id:
        raise r.error("id", case_id, f"the file name without .yaml ('{Path(r.file).stem}')",
                      "one case per file, named after its id")
    study = r.record("study")
    population = r.record("population")
    observed = r.record("observed")
    case = ValidationCase(
        id=case_id,
        file=r.file,
        title=r.text("title"),
        compound=r.text("compound"),
        study=Study(study.text("reference"), study.text("key"), study.text("source"), study.text("url", required=False)),
        population=read_population(population),
        regimen=read_regimen(r),
        observed={name: _observation(observed, name) for name in observed.keys()},
        profile=_profile(r, folder),
        reference_population=_optional_population(r, "reference_population"),
        fitted_parameters=tuple(r.raw("fitted_parameters", required=False) or ()),
        expected_within={name: read_fold(r, name, value) for name, value in (r.raw("expected_within", required=False)
                                                                            or {}).items()},
        note=r.text("note", required=False),
    )
    for record in (study, population):
        record.finish(hint=NO_OVERRIDES)
    observed.finish()
    r.finish(hint=NO_OVERRIDES)
    _check_windows(case)
    if "Cmax" in case.observed and case.observed["Cmax"].interval is None and first_dose_is_rapid_iv(case.regimen):
        raise r.error("observed", "Cmax", "no Cmax after an IV bolus or an infusion shorter than "
                      f"{RAPID_IV_MINUTES:g} min",
                      "such a Cmax depends on the first sampling time, which no model reproduces; "
                      "keep the value in the case note and compare AUC or CL")
    ratios = sorted(set(case.observed) & set(RATIO_METRICS))
    if ratios and case.reference_population is None:
        raise r.error("observed", ratios[0], "a reference_population for ratio metrics (the denominator's population)")
    if case.reference_population is not None and not ratios:
        raise r.error("reference_population", "given", f"ratio metrics ({', '.join(RATIO_METRICS)}) to compare")
    unknown = set(case.expected_within) - set(case.observed)
    if unknown:
        raise r.error("expected_within", sorted(unknown)[0], "metrics that are observed in this case")
    return case


def _optional_population(r: Record, key: str) -> Population | None:
    block = r.record(key, required=False)
    if block is None:
        return None
    population = read_population(block)
    block.finish(hint=NO_OVERRIDES)
    return population


def read_population(r: Record) -> Population:
    """A population block of a case or DDI study file."""
    subjects = r.number("N", required=False, low=1)
    if subjects is not None and subjects != int(subjects):
        raise r.error("N", subjects, "a whole number of subjects")
    population = Population(
        description=r.text("description"),
        female_fraction=r.number("female_fraction", low=0, high=1),
        subjects=None if subjects is None else int(subjects),
        weight=r.quantity("weight", "kg", required=False, example="72.5 kg"),
        height=r.quantity("height", "cm", required=False, example="170 cm"),
        age=r.quantity("age", "year", required=False, example="30 year"),
        gestational_age=r.quantity("gestational_age", "week", required=False, example="32 week"),
        gestational_week=r.number("gestational_week", required=False, low=0, high=42),
        renal_function=_renal_function(r),
        dialysis=bool(r.boolean("dialysis", required=False, default=False)),
        child_pugh=r.text("child_pugh", required=False, choices=("A", "B", "C")),
        note=r.text("note", required=False),
    )
    if population.gestational_week and population.female_fraction != 1:
        raise r.error("female_fraction", population.female_fraction, "1 for a pregnant population (gestational_week)")
    if population.gestational_week and (population.weight is not None or population.height is not None):
        name = "weight" if population.weight is not None else "height"
        raise r.error(name, str(getattr(population, name)), f"no {name} for a pregnant population",
                      "pregnancy follows the gestational-week functions from the reference woman")
    if population.group in ("pregnancy", "pediatric") and (population.renal_function or population.dialysis
                                                            or population.child_pugh):
        name = next(n for n in (*RENAL_MEASURES, "dialysis", "child_pugh") if r.has(n))
        raise r.error(name, r.raw(name), f"no renal or hepatic impairment in a {population.group} population",
                      "impairment is modelled for adults only")
    if population.dialysis and not population.renal_function:
        raise r.error("dialysis", True, "a renal function (gfr, crcl or egfr) with dialysis")
    return population


def _renal_function(r: Record) -> dict[str, pint.Quantity]:
    """At most one of ``gfr``, ``crcl`` (mL/min) and ``egfr`` (mL/min/1.73 m², written as mL/min)."""
    given = {name: r.quantity(name, "mL/min", example="35 mL/min") for name in RENAL_MEASURES if r.has(name)}
    if len(given) > 1:
        raise r.error(" and ".join(given), ", ".join(f"{v:~P}" for v in given.values()),
                      "one renal-function measure (gfr, crcl or egfr)")
    return given


def _profile(r: Record, folder: Path) -> ObservedProfile | None:
    """The optional ``profile`` block: a CSV next to the case file, its unit and statistic."""
    block = r.record("profile", required=False)
    if block is None:
        return None
    name = block.text("file")
    unit = block.text("unit")
    statistic = block.text("statistic", choices=STATISTICS)
    block.finish()
    if not is_concentration_unit(unit):
        raise block.error("unit", unit, "a mass or molar concentration unit such as ng/mL or umol/L")
    path = folder / name
    if not path.is_file():
        raise block.error("file", name, f"a CSV file next to the case file ({path} does not exist)")
    return read_observed(path, unit, statistic)


def is_rapid_iv(dose: Dose) -> bool:
    """An IV bolus or an infusion shorter than :data:`RAPID_IV_MINUTES` (its peak reflects sampling, not the model)."""
    return dose.route == "iv" or (dose.route == "infusion" and dose.duration.to("min").magnitude < RAPID_IV_MINUTES)


def first_dose_is_rapid_iv(regimen: Regimen) -> bool:
    return is_rapid_iv(regimen.doses[0])


def read_fold(r: Record, name: str, value: object, metrics: Iterable[str] = tuple(METRICS)) -> float:
    """An ``expected_within`` fold (≥ 1) of one of ``metrics``."""
    if name not in metrics:
        raise r.error("expected_within", name, f"a metric ({', '.join(metrics)})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
        raise r.error("expected_within", value, "a fold ≥ 1 (e.g. 2)")
    return float(value)


def read_regimen(r: Record, field: str = "regimen") -> Regimen:
    """A regimen list (dose, route, time, duration, every, doses, note per item) → ``Regimen``."""
    doses = []
    for item in r.records(field):
        dose = Dose(item.raw("dose", expected='a dose such as "5 mg"'), item.text("route", choices=("iv", "infusion", "oral")),
                    item.raw("time", required=False) or "0 h", item.raw("duration", required=False))
        every = item.raw("every", required=False)
        count = int(item.number("doses", required=False, low=1) or 1)
        item.text("note", required=False)
        item.finish()
        doses.extend(repeated(dose, every=every, doses=count).doses)
    return Regimen(tuple(sorted(doses, key=lambda d: d.time.to("h").magnitude)))


def _observation(observed: Record, name: str) -> Observation:
    if name not in METRICS:
        raise observed.error(name, name, f"a metric name ({', '.join(METRICS)})")
    r = observed.record(name)
    raw_value = r.raw("value")
    unit = r.raw("unit", required=False)
    value = _observed_value(r, name, f"{raw_value} {unit}" if unit else raw_value)
    if float(value.magnitude) <= 0:
        raise r.error("value", raw_value, "a positive value")
    statistic = r.text("statistic", choices=STATISTICS)
    interval = _interval(r, name) if name in WINDOWED else None
    spread = r.text("spread", required=False)
    r.finish()
    return Observation(name, value, statistic, interval, spread)


def _interval(r: Record, name: str) -> tuple[float, float] | str | None:
    """An observation's ``interval``: AUC (required) "inf", "tau" or [t0, t1]; other windowed metrics [t0, t1] or none."""
    auc = name in ("AUC", "AUC_ratio")
    expected = '"inf", "tau" or [t0, t1] in h' if auc else "[t0, t1] in h (the window the metric was taken over)"
    raw = r.raw("interval", expected=expected, required=auc)
    if raw is None:
        return None
    if auc and raw in ("inf", "tau"):
        return raw
    if (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                         and math.isfinite(x) for x in raw) and 0 <= raw[0] < raw[1]):
        return float(raw[0]), float(raw[1])
    raise r.error("interval", raw, f"{expected} (finite hours on the study clock, 0 ≤ t0 < t1)")


def doses_in_window(regimen: Regimen, window: tuple[float, float]) -> list[Dose]:
    """The doses given at t0 ≤ time < t1 (h, study clock)."""
    return [d for d in regimen.doses if window[0] - 1e-9 <= d.time.to("h").magnitude < window[1] - 1e-9]


def _check_windows(case: ValidationCase) -> None:
    """A Cmax window holds no rapid IV dose; a clearance window holds doses of its route and no other."""
    for name, observation in case.observed.items():
        if not isinstance(observation.interval, tuple):
            continue
        base = RATIO_METRICS.get(name, name)
        doses = doses_in_window(case.regimen, observation.interval)
        where = f"observed.{name}.interval"
        if base in ("Cmax", "tmax") and any(is_rapid_iv(d) for d in doses):
            raise PbpkInputError(case.file, where, list(observation.interval),
                                 f"a window without an IV bolus or an infusion shorter than {RAPID_IV_MINUTES:g} min",
                                 "such a peak depends on the sampling time, which no model reproduces")
        if base in CLEARANCE_ROUTES:
            routes = {d.route for d in doses}
            if not routes or not routes <= set(CLEARANCE_ROUTES[base]):
                raise PbpkInputError(case.file, where, list(observation.interval),
                                     f"a window holding {' or '.join(CLEARANCE_ROUTES[base])} doses of the regimen "
                                     f"and no other (found: {', '.join(sorted(routes)) or 'no dose'})",
                                     f"{base} over a window is the doses given in it divided by its AUC")


def _observed_value(r: Record, name: str, text: object) -> pint.Quantity:
    """The value in a unit of the metric's dimension: per kg, molar (AUC, Cmax; converted with the MW), or plain."""
    target = METRICS[name]
    if name in PER_WEIGHT and isinstance(text, str) and re.search(r"/\s*kg", text):
        target = PER_WEIGHT[name]
    elif name in ("AUC", "Cmax") and isinstance(text, str) and "mol" in text:
        target = target.replace("mg", "umol")
    return parse_quantity(text, target, where=r.where("value"), field=r.field("value"))
