"""Clinical qualification: simulate published studies and compare with what was observed.

A case file (``validation_cases/<id>.yaml``, format in ``docs/validation-format.md``)
describes one clinical study: the compound, the population, the regimen and
the observed summary metrics with their statistics and the primary paper.
``run_case`` simulates the study and returns predicted/observed ratios;
``summarise`` reports the geometric mean fold error (GMFE) and the fractions
within 1.25-, 1.5- and 2-fold per metric.

Honesty rules, enforced here:

* A case whose study was used to fit a compound value is *training*; the
  compound file says so (``fitted_to``), and the case must list the fitted
  values (``fitted_parameters``) — a mismatch is an error. Summaries use
  *test* cases; training cases are reported separately.
* A case cannot change the compound: its schema has no parameter fields
  (unknown fields are errors).

Examples
--------
>>> from pbpk.qualification.cases import load_case, run_case
>>> case = load_case("midazolam-iv-smith-1981-415")
>>> result = run_case(case)
>>> result.role, sorted(result.ratios)
('test', ['AUC', 'CL'])
>>> 0.5 < result.ratios["CL"] < 2
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pint

from pbpk.compound import Compound, load_compound
from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import Quantity, parse_quantity, ureg
from pbpk.physiology import reference_individual, scale_to_weight
from pbpk.physiology.pediatrics import child
from pbpk.physiology.pregnancy import pregnant
from pbpk.simulation.dosing import Dose, Regimen, repeated
from pbpk.simulation.nca import NCAResult
from pbpk.simulation.simulate import Simulation, simulate

#: Metrics a case may report, and the dimension of each (a unit of that dimension).
METRICS = {
    "AUC": "mg*h/L", "Cmax": "mg/L", "tmax": "h", "CL": "L/h", "CL_F": "L/h", "Vss": "L", "t_half": "h", "F": "",
}
#: Ratios of a metric between the study population and its reference population (e.g. pregnant/postpartum).
RATIO_METRICS = {f"{base}_ratio": base for base in ("AUC", "Cmax", "CL", "CL_F", "t_half")}
METRICS.update({name: "" for name in RATIO_METRICS})
PER_WEIGHT = {"CL": "L/h/kg", "CL_F": "L/h/kg", "Vss": "L/kg"}
#: Guest et al. 2011 (Drug Metab Dispos 39:170): variability parameter of the ratio-dependent limits.
GUEST_DELTA = 1.0
STATISTICS = ("arithmetic mean", "geometric mean", "median", "individual")
FOLDS = (1.25, 1.5, 2.0)
NO_OVERRIDES = ("a case cannot change compound or physiology values (honesty rule); "
                "put a changed value in a new compound file and say so in the case note")
#: Population groups reported separately: "pregnancy" has a gestational week, "pediatric" a mean age below 18 y.
POPULATION_GROUPS = ("adult", "pediatric", "pregnancy")
PEDIATRIC_BELOW_YEARS = 18.0
#: Shortest infusion whose Cmax (end of infusion) is compared; a bolus Cmax reflects sampling, not the model.
RAPID_IV_MINUTES = 15.0


@dataclass(frozen=True)
class Observation:
    """One observed summary metric."""

    metric: str
    value: pint.Quantity
    statistic: str
    interval: tuple[float, float] | str | None = None  # AUC: "inf", "tau" or (t0, t1) in h
    spread: str | None = None


def guest_limit(observed_ratio: float, delta: float = GUEST_DELTA) -> float:
    """Guest et al. 2011 limit for a ratio R: (δ + 2(R − 1))/R with R ≥ 1 (R < 1 is inverted).

    A prediction is accepted when observed/limit ≤ predicted ≤ observed·limit; the
    limit is δ at R = 1 and approaches 2 for large ratios.
    """
    ratio = observed_ratio if observed_ratio >= 1.0 else 1.0 / observed_ratio
    return (delta + 2.0 * (ratio - 1.0)) / ratio


@dataclass(frozen=True)
class ObservedProfile:
    """An observed concentration–time course (group mean or median), read from a CSV file.

    The CSV has columns ``time`` (h, on the study clock), ``concentration`` and,
    optionally, ``spread`` (same unit as the concentration).
    """

    file: str
    times: np.ndarray  # h
    values: np.ndarray  # in ``unit``
    unit: str
    statistic: str
    spread: np.ndarray | None = None


@dataclass(frozen=True)
class Study:
    reference: str
    key: str
    source: str
    url: str | None = None


@dataclass(frozen=True)
class Population:
    """Who was studied: simulated as the reference adult of each sex, scaled to the mean weight."""

    description: str
    female_fraction: float
    subjects: int | None = None
    weight: pint.Quantity | None = None
    age: pint.Quantity | None = None
    gestational_age: pint.Quantity | None = None
    gestational_week: float | None = None
    note: str | None = None


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


@dataclass(frozen=True)
class CaseResult:
    """Predicted and observed metrics of one case; ratios are predicted/observed."""

    case: ValidationCase
    role: str  # "test" or "training"
    predicted: Mapping[str, float]
    observed: Mapping[str, float]
    units: Mapping[str, str]
    simulations: tuple[Simulation, ...]
    weights: tuple[float, ...]
    reference_simulations: tuple[Simulation, ...] = ()

    @property
    def ratios(self) -> dict[str, float]:
        return {m: self.predicted[m] / self.observed[m] for m in self.observed}

    def absolute(self, metric: str) -> tuple[float, float]:
        """(observed, predicted) in the metric's absolute unit (``METRICS``); per-kg values times body weight."""
        if self.units[metric] not in PER_WEIGHT.values():
            return self.observed[metric], self.predicted[metric]
        return self.observed[metric] * self.body_weight, self.predicted[metric] * self.body_weight

    @property
    def body_weight(self) -> float:
        """Body weight (kg) of the simulated population: geometric mean weighted like the metrics."""
        return math.exp(sum(w * math.log(s.individual.body_weight.to("kg").magnitude)
                            for w, s in zip(self.weights, self.simulations)))

    def within_guest(self, metric: str) -> bool:
        """Inside the Guest et al. 2011 limits (ratio metrics)."""
        limit = guest_limit(self.observed[metric])
        return self.observed[metric] / limit <= self.predicted[metric] <= self.observed[metric] * limit

    def within(self, metric: str, fold: float) -> bool:
        ratio = self.ratios[metric]
        return 1.0 / fold <= ratio <= fold

    @property
    def population_group(self) -> str:
        """``pregnancy`` with a gestational week, ``pediatric`` below 18 years of (mean) age, else ``adult``."""
        if self.case.population.gestational_week:
            return "pregnancy"
        age = self.case.population.age
        return "pediatric" if age is not None and age.to("year").magnitude < PEDIATRIC_BELOW_YEARS else "adult"

    @property
    def regressions(self) -> list[str]:
        """Metrics outside the fold the case file expects them within."""
        return [f"{m}: predicted/observed {self.ratios[m]:.2f}, expected within {fold:g}-fold"
                for m, fold in self.case.expected_within.items() if m in self.observed and not self.within(m, fold)]


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
    if "Cmax" in case.observed and first_dose_is_rapid_iv(case.regimen):
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
        age=r.quantity("age", "year", required=False, example="30 year"),
        gestational_age=r.quantity("gestational_age", "week", required=False, example="32 week"),
        gestational_week=r.number("gestational_week", required=False, low=0, high=42),
        note=r.text("note", required=False),
    )
    if population.gestational_week and population.female_fraction != 1:
        raise r.error("female_fraction", population.female_fraction, "1 for a pregnant population (gestational_week)")
    if population.gestational_week and population.weight is not None:
        raise r.error("weight", str(population.weight), "no weight for a pregnant population",
                      "pregnancy follows the gestational-week functions from the reference woman")
    return population


def _profile(r: Record, folder: Path) -> ObservedProfile | None:
    """The optional ``profile`` block: a CSV next to the case file, its unit and statistic."""
    block = r.record("profile", required=False)
    if block is None:
        return None
    name = block.text("file")
    unit = block.text("unit")
    statistic = block.text("statistic", choices=STATISTICS)
    block.finish()
    if not _is_concentration_unit(unit):
        raise block.error("unit", unit, "a mass or molar concentration unit such as ng/mL or umol/L")
    path = folder / name
    if not path.is_file():
        raise block.error("file", name, f"a CSV file next to the case file ({path} does not exist)")
    import pandas as pd

    table = pd.read_csv(path, comment="#")
    missing = {"time", "concentration"} - set(table.columns)
    if missing:
        raise PbpkInputError(str(path), "columns", list(table.columns), "columns time, concentration (and optionally spread)")
    times = table["time"].to_numpy(dtype=float)
    values = table["concentration"].to_numpy(dtype=float)
    bad = ~np.isfinite(times) | (times < 0) | ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.argmax(bad)) + 2  # header is line 1
        raise PbpkInputError(f"{path}:{row}", "time/concentration", table.iloc[row - 2].tolist(),
                             "finite, non-negative times (h) and concentrations")
    spread = table["spread"].to_numpy(dtype=float) if "spread" in table.columns else None
    return ObservedProfile(str(path), times, values, unit, statistic, spread)


def _is_concentration_unit(text: str) -> bool:
    try:
        quantity = ureg.Quantity(1, ureg.parse_units(text))
    except (pint.errors.PintError, ValueError, AttributeError, TypeError):
        return False
    return quantity.is_compatible_with("mg/L") or quantity.is_compatible_with("umol/L")


def first_dose_is_rapid_iv(regimen: Regimen) -> bool:
    first = regimen.doses[0]
    if first.route == "iv":
        return True
    return first.route == "infusion" and first.duration.to("min").magnitude < RAPID_IV_MINUTES


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
    interval = None
    if name in ("AUC", "AUC_ratio"):
        raw = r.raw("interval", expected='"inf", "tau" or [t0, t1] in h')
        if raw in ("inf", "tau"):
            interval = raw
        elif (isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                             and math.isfinite(x) for x in raw) and 0 <= raw[0] < raw[1]):
            interval = (float(raw[0]), float(raw[1]))
        else:
            raise r.error("interval", raw, '"inf", "tau" or [t0, t1] (finite hours on the study clock, 0 ≤ t0 < t1)')
    spread = r.text("spread", required=False)
    r.finish()
    return Observation(name, value, statistic, interval, spread)


def _observed_value(r: Record, name: str, text: object) -> pint.Quantity:
    """The value in a unit of the metric's dimension: per kg, molar (AUC, Cmax; converted with the MW), or plain."""
    target = METRICS[name]
    if name in PER_WEIGHT and isinstance(text, str) and re.search(r"/\s*kg", text):
        target = PER_WEIGHT[name]
    elif name in ("AUC", "Cmax") and isinstance(text, str) and "mol" in text:
        target = target.replace("mg", "umol")
    return parse_quantity(text, target, where=r.where("value"), field=r.field("value"))


# -- running --------------------------------------------------------------------------------------
def training_values(case, compound: Compound) -> list[str]:
    """Compound values fitted to the study of ``case`` (anything with ``.study.key``), matched on the key."""
    key = _normalise(case.study.key)
    return [name for name, study in compound.fitted_values.items() if key and key in _normalise(study)]


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def run_case(case: ValidationCase) -> CaseResult:
    """Simulate the study (each sex present, at the reported mean age and weight) and compare."""
    compound = load_compound(case.compound)
    fitted = training_values(case, compound)
    if sorted(fitted) != sorted(case.fitted_parameters):
        raise PbpkInputError(
            case.file, "fitted_parameters", list(case.fitted_parameters),
            f"the compound values fitted to study '{case.study.key}': {fitted or 'none'}",
            "a case must declare the values fitted to its study (honesty rule); copy the list",
        )
    role = "training" if fitted else "test"
    simulations, weights = _simulate_population(case, compound, case.population)
    reference = _simulate_population(case, compound, case.reference_population) \
        if case.reference_population is not None else ((), ())
    mw = compound.molecular_weight.value
    ncas: dict[int, NCAResult] = {}
    predicted, observed, units = {}, {}, {}
    for name, observation in case.observed.items():
        if name in RATIO_METRICS:
            base = replace(observation, metric=RATIO_METRICS[name], value=Quantity(1.0, METRICS[RATIO_METRICS[name]]))
            predicted[name] = _prediction(case, simulations, weights, base, ncas) \
                / _prediction(case, *reference, base, ncas)
            units[name] = ""
        else:
            predicted[name] = _prediction(case, simulations, weights, observation, ncas)
            units[name] = _comparison_unit(observation)
        observed[name] = _in_unit(observation.value, units[name], mw)
    return CaseResult(case, role, predicted, observed, units, tuple(simulations), tuple(weights),
                      tuple(reference[0]))


def _simulate_population(case: ValidationCase, compound: Compound, population: Population):
    """Each sex present, as the reference person of the population; returns simulations and sex weights."""
    simulations, weights = [], []
    for sex, share in (("male", 1.0 - population.female_fraction), ("female", population.female_fraction)):
        if share <= 0:
            continue
        simulation = simulate(compound, study_person(population, sex), regimen=case.regimen, times=_grid(case))
        if not simulation.status.ok:
            raise PbpkInputError(case.file, "simulation", simulation.status.code, "a solved simulation",
                                 simulation.status.message)
        simulations.append(simulation)
        weights.append(share)
    return simulations, weights


def _prediction(case: ValidationCase, simulations, weights, observation: Observation,
                ncas: dict[int, NCAResult]) -> float:
    """The metric over the sexes of a population: geometric mean weighted by their shares (NCA memoised)."""
    unit = _comparison_unit(observation)
    for simulation in simulations:
        if id(simulation) not in ncas:
            ncas[id(simulation)] = simulation.nca()
    values = [_predicted(simulation, ncas[id(simulation)], observation.metric, observation, unit)
              for simulation in simulations]
    if any(value is None or value <= 0 for value in values):
        raise PbpkInputError(case.file, f"observed.{observation.metric}", observation.metric,
                             f"a {observation.metric} that the simulated profile defines",
                             "the terminal phase was not resolved; check the regimen and the AUC interval")
    return math.exp(sum(w * math.log(v) for w, v in zip(weights, values)))


def study_person(population: Population, sex: str):
    """The reference person of the study: a child (or adult) of the mean age, at the mean weight if given."""
    if population.gestational_week:
        return pregnant(population.gestational_week)
    if population.age is None:
        person = reference_individual(sex)
        return scale_to_weight(person, population.weight) if population.weight is not None else person
    return child(population.age, sex, weight=population.weight,
                 gestational_age=population.gestational_age or "40 week")


def _comparison_unit(observation: Observation) -> str:
    if observation.metric in PER_WEIGHT and observation.value.is_compatible_with(PER_WEIGHT[observation.metric]):
        return PER_WEIGHT[observation.metric]
    return METRICS[observation.metric]


def _in_unit(value: pint.Quantity, unit: str, molecular_weight: pint.Quantity) -> float:
    if unit == "":
        return float(value.to("").magnitude)
    if value.is_compatible_with(unit):
        return float(value.to(unit).magnitude)
    return float((value * molecular_weight).to(unit).magnitude)


def _grid(case: ValidationCase) -> np.ndarray | None:
    """Output grid when an AUC interval or an observed profile needs its own times (else the default).

    It runs a week past the last dose (or to the last observed time if later) so that
    the terminal phase for AUC∞, t½ and Vss is still resolved.
    """
    ends = [obs.interval[1] for obs in case.observed.values() if isinstance(obs.interval, tuple)]
    starts = [obs.interval[0] for obs in case.observed.values() if isinstance(obs.interval, tuple)]
    if case.profile is not None:
        ends.append(float(case.profile.times.max()))
    if not ends:
        return None
    last = case.regimen.last_time.to("h").magnitude
    horizon = max(max(ends), last + 168.0)
    grid = np.linspace(0.0, horizon, 1681)
    dose_times = [d.time.to("h").magnitude for d in case.regimen.doses]
    return np.unique(np.concatenate([grid, starts, ends, dose_times]))


def _predicted(simulation: Simulation, nca: NCAResult, name: str, observation: Observation,
               unit: str) -> float | None:
    """The simulated counterpart of an observed metric, in ``unit``; None if the profile does not define it."""
    to_mg = simulation.molecular_weight / 1000.0
    weight = simulation.individual.body_weight.to("kg").magnitude
    per_weight = unit in PER_WEIGHT.values()
    if name == "AUC":
        if observation.interval == "inf":
            value = nca.AUC_inf
        elif observation.interval == "tau":
            value = nca.AUC_tau
        else:
            t0, t1 = observation.interval
            auc = simulation.state("AUC_plasma") * to_mg
            value = float(np.interp(t1, simulation.times, auc) - np.interp(t0, simulation.times, auc))
    elif name == "CL_F":
        value = nca.dose / (nca.AUC_tau if nca.AUC_tau is not None else nca.AUC_inf)
    else:
        value = getattr(nca, name)
    if value is None:
        return None
    return float(value) / weight if per_weight else float(value)


# -- summaries --------------------------------------------------------------------------------------
def summarise(results: Iterable[CaseResult], role: str = "test", group: str | None = None
              ) -> dict[str, dict[str, float]]:
    """Per metric: number of cases, GMFE and fractions within 1.25-, 1.5- and 2-fold.

    ``group`` restricts the cases to one population group (``POPULATION_GROUPS``).
    """
    summary: dict[str, dict[str, float]] = {}
    chosen = [r for r in results if r.role == role and (group is None or r.population_group == group)]
    for metric in METRICS:
        ratios = [r.ratios[metric] for r in chosen if metric in r.observed]
        if not ratios:
            continue
        logs = np.abs(np.log10(ratios))
        summary[metric] = {
            "n_cases": len(ratios),
            "gmfe": float(10 ** logs.mean()),
            **{fold_label(fold): float(np.mean(logs <= math.log10(fold))) for fold in FOLDS},
        }
        if metric in RATIO_METRICS:
            summary[metric]["within_guest"] = float(np.mean([r.within_guest(metric) for r in chosen
                                                             if metric in r.observed]))
    return summary


def fold_label(fold: float) -> str:
    """Key name used in summaries for a fold (2 → 'within_2fold', 1.5 → 'within_1_5fold')."""
    return f"within_{str(fold).replace('.', '_').rstrip('0').rstrip('_')}fold"


__all__ = ["ValidationCase", "CaseResult", "load_case", "load_cases", "run_case", "summarise", "fold_label"]
