"""The specification of a dosing-strategy virtual trial (YAML; the format is ``docs/trial-format.md``).

A trial has a *truth* (the population model whose individuals are the virtual patients: their η drawn from its
Ω, their assay results from its profiles; or PBPK virtual populations, one per stratum, ``trial_truth``), a *clinician's model* (the prior the dosing tool believes; it may be
another model, misspecified on purpose), the *patients* (covariate distributions and the strata results are
reported by), the *strategies* compared on the same patients, and the *endpoints* (targets at a stated dose
number, toxicity relations, the reference strategy of the numbers needed to treat).

Quantities carry units and are converted to the truth model's units (amount, time); concentrations to its
analyte's. Every number of a bundled spec carries its source; a bad field raises an error naming file:line,
the field, the value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import magnitude
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.recommend import Target, parse_target
from pbpk.mipd.trial_truth import PbpkTruth

KINDS = ("nomogram", "model-based", "mipd")
DISTRIBUTIONS = ("uniform", "normal", "lognormal", "strata")
TOXICITY_MODELS = ("logistic", "threshold")
TOXICITY_METRICS = ("trough", "cmax", "auc24")


@dataclass(frozen=True)
class CovariateDistribution:
    """How one covariate is drawn (model units): uniform on [low, high], normal or lognormal (median, CV) truncated
    to [low, high] by redrawing, or uniform within the stratum of each patient (``strata``)."""

    name: str
    distribution: str
    low: float = -np.inf
    high: float = np.inf
    center: float = np.nan
    spread: float = np.nan
    source: str = ""


@dataclass(frozen=True)
class Strata:
    """Bands [low, high) of one covariate (model unit); patients are split equally between them when the covariate
    is drawn by stratum."""

    covariate: str
    bands: tuple[tuple[float, float], ...]
    unit: str
    source: str = ""

    def labels(self) -> tuple[str, ...]:
        return tuple(f"{self.covariate} {low:g}–{high:g} {self.unit}" for low, high in self.bands)

    def index(self, values: np.ndarray) -> np.ndarray:
        """The band of each value (−1 outside every band)."""
        values = np.asarray(values, dtype=float)
        result = np.full(values.shape, -1)
        for k, (low, high) in enumerate(self.bands):
            result[(values >= low) & (values < high)] = k
        return result


@dataclass(frozen=True)
class NomogramRow:
    """A regimen for covariate values in [low, high) (model units)."""

    low: float
    high: float
    dose: float
    interval: float


@dataclass(frozen=True)
class Options:
    """Candidate regimens of a model-based strategy: amounts, intervals and infusion durations (model units)."""

    doses: tuple[float, ...]
    intervals: tuple[float, ...]
    infusions: tuple[float, ...]


@dataclass(frozen=True)
class Sampling:
    """TDM samples drawn at ``times`` after the start of dose ``after_dose`` (1-based)."""

    after_dose: int
    times: tuple[float, ...]


@dataclass(frozen=True)
class Strategy:
    """A dosing strategy (see ``trial_strategies`` for what each kind does)."""

    name: str
    kind: str
    infusion: float = 0.0
    covariate: str = ""
    rows: tuple[NomogramRow, ...] = ()
    target: Target | None = None
    options: Options | None = None
    initial: str = ""
    samples: tuple[Sampling, ...] = ()
    assay_proportional: float = 0.0
    assay_additive: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class Toxicity:
    """P(event) from an exposure metric: logistic 1/(1 + exp(−(intercept + slope·x))), or x > threshold."""

    name: str
    metric: str
    model: str
    threshold: float = np.nan
    intercept: float = np.nan
    slope: float = np.nan
    source: str = ""

    def probability(self, value: np.ndarray) -> np.ndarray:
        """The event probability of each patient from its metric value (model units)."""
        value = np.asarray(value, dtype=float)
        if self.model == "threshold":
            return (value > self.threshold).astype(float)
        return 1.0 / (1.0 + np.exp(-(self.intercept + self.slope * value)))


@dataclass(frozen=True)
class TrialSpec:
    """A virtual trial: truth, clinician's model, patients, strategies and endpoints (see the module docstring)."""

    name: str
    title: str
    truth: PopulationModel | PbpkTruth
    clinician: PopulationModel
    n: int
    covariates: tuple[CovariateDistribution, ...]
    strata: Strata
    strategies: tuple[Strategy, ...]
    dose_number: int
    targets: tuple[tuple[str, Target], ...]
    toxicity: tuple[Toxicity, ...]
    reference: str
    references: tuple[str, ...] = ()

    def strategy(self, name: str) -> Strategy:
        return next(strategy for strategy in self.strategies if strategy.name == name)

    @property
    def units(self) -> PopulationModel:
        """The model whose units the trial's numbers are in: the truth's, or the clinician's for a PBPK truth."""
        return self.clinician if isinstance(self.truth, PbpkTruth) else self.truth

    @property
    def durations(self) -> tuple[float, ...]:
        """Every infusion duration the strategies give (model time unit)."""
        found = {s.infusion for s in self.strategies if s.kind == "nomogram"}
        found |= {d for s in self.strategies if s.options is not None for d in s.options.infusions}
        return tuple(sorted(found))

    @property
    def horizon(self) -> float:
        """An upper bound of the last dose's time plus one longest interval (model time unit)."""
        intervals = [r.interval for s in self.strategies for r in s.rows]
        intervals += [i for s in self.strategies if s.options is not None for i in s.options.intervals]
        return (self.dose_number + 2) * max(intervals)


def load_trial(name_or_path: str | Path) -> TrialSpec:
    """A trial spec from a bundled name (``trials/<name>.yaml``) or a YAML file."""
    path = datafiles.resolve("trials", name_or_path)
    record = Record(load_yaml(path), datafiles.display_path(path))
    clinician = _model(record.record("clinician"))
    truth = _truth(record.record("truth"), clinician)
    units = clinician if isinstance(truth, PbpkTruth) else truth
    patients = record.record("patients")
    n = int(patients.number("n", low=1))
    strata = _strata(patients.record("strata"), units)
    covariates = _covariates(patients, truth, clinician)
    patients.finish()
    if isinstance(truth, PbpkTruth) and len(truth.populations) != len(strata.bands):
        raise record.error("truth", len(truth.populations), f"one PBPK population per stratum ({len(strata.bands)})")
    strategies = tuple(_strategy(item, units) for item in record.records("strategies"))
    _check_strategies(record, strategies)
    endpoints = record.record("endpoints")
    dose_number = int(endpoints.number("dose", low=1))
    targets = tuple(_named_target(item) for item in endpoints.records("targets"))
    toxicity = tuple(_toxicity(item, units) for item in endpoints.records("toxicity", required=False))
    reference = endpoints.text("reference", choices=[s.name for s in strategies])
    endpoints.finish()
    for strategy in strategies:
        late = [s.after_dose for s in strategy.samples if s.after_dose >= dose_number]
        if late:
            raise record.error("strategies", f"{strategy.name}: samples after dose {late[0]}",
                               f"TDM before the evaluated dose {dose_number} (after_dose < {dose_number})")
    spec = TrialSpec(record.text("name"), record.text("title"), truth, clinician, n, covariates, strata, strategies,
                     dose_number, targets, toxicity, reference,
                     tuple(str(r) for r in (record.raw("references", required=False) or ())))
    record.finish()
    return spec


def _truth(r: Record, clinician: PopulationModel) -> PopulationModel | PbpkTruth:
    """A population model, or PBPK populations (one per stratum) with the clinician's covariates they give."""
    if not r.has("pbpk"):
        return _model(r)
    p = r.record("pbpk")
    populations = p.raw("populations", expected="a list of population texts, one per stratum")
    if not isinstance(populations, list) or not all(isinstance(x, str) for x in populations):
        raise p.error("populations", populations, 'a list of population texts such as "renal: eGFR 30-59"')
    mapping = p.record("covariates")
    covariates = {name: mapping.text(name) for name in clinician.covariate_names}
    mapping.finish(hint="give a column of the PBPK subjects for each covariate of the clinician's model")
    if (clinician.units["time"], clinician.units["amount"], clinician.analytes["parent"]) != ("h", "mg", "mg/L"):
        raise p.error("compound", clinician.name, "a clinician's model in h, mg and mg/L for a PBPK truth")
    truth = PbpkTruth(p.text("compound"), tuple(populations), covariates, p.source())
    p.finish()
    r.source(required=False)
    r.finish()
    return truth


def _covariates(patients: Record, truth: PopulationModel | PbpkTruth, clinician: PopulationModel
                ) -> tuple[CovariateDistribution, ...]:
    """The covariate distributions (none for a PBPK truth, whose subjects carry their own)."""
    if isinstance(truth, PbpkTruth):
        if patients.has("covariates"):
            raise patients.error("covariates", "given", "no covariate distributions with a PBPK truth",
                                 "the PBPK subjects carry their covariates (truth.pbpk.covariates)")
        return ()
    values = patients.record("covariates")
    covariates = tuple(_covariate(patients.record("covariates"), name, truth)
                       for name in values.keys())  # noqa: SIM118 - a Record, not a dict
    needed = set(truth.covariate_names) | set(clinician.covariate_names)
    if needed - {c.name for c in covariates}:
        raise patients.error("covariates", sorted({c.name for c in covariates}),
                             f"a distribution for every covariate of both models: {', '.join(sorted(needed))}")
    return covariates


def _model(r: Record) -> PopulationModel:
    model = load_poppk(r.text("model"))
    r.source(required=False)
    r.finish()
    return model


def _unit_of(model: PopulationModel, name: str) -> str:
    unit = model.covariate(name).unit
    return "" if unit in ("1", "") else unit


def _value(r: Record, key: str, unit: str, *, required: bool = True) -> float | None:
    """A number, or a quantity converted to ``unit`` (a plain number for a dimensionless unit)."""
    raw = r.raw(key, required=required, expected=f"a value in {unit or 'no unit'}")
    if raw is None:
        return None
    if not unit or isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(r.number(key))
    return magnitude(r.quantity(key, unit, positive=False), unit)


def _strata(r: Record, truth: PopulationModel) -> Strata:
    covariate = r.text("covariate", choices=truth.covariate_names)
    unit = _unit_of(truth, covariate)
    bands = r.raw("bands", expected="a list of [low, high) bands")
    if not isinstance(bands, list) or not bands or any(
            not isinstance(b, list) or len(b) != 2 or not all(isinstance(v, (int, float)) for v in b) or b[0] >= b[1]
            for b in bands):
        raise r.error("bands", bands, f"a list of [low, high] pairs in {unit}, low < high")
    strata = Strata(covariate, tuple((float(a), float(b)) for a, b in bands), unit, r.source())
    r.finish()
    return strata


def _covariate(parent: Record, name: str, truth: PopulationModel) -> CovariateDistribution:
    r = parent.record(name)
    distribution = r.text("distribution", choices=DISTRIBUTIONS)
    unit = _unit_of(truth, name) if name in truth.covariate_names else ""
    low = _value(r, "low", unit, required=distribution == "uniform")
    high = _value(r, "high", unit, required=distribution == "uniform")
    center = spread = np.nan
    if distribution in ("normal", "lognormal"):
        center = _value(r, "median" if distribution == "lognormal" else "mean", unit)
        spread = r.number("cv" if distribution == "lognormal" else "sd", low=0, low_open=True)
    result = CovariateDistribution(name, distribution, -np.inf if low is None else low,
                                   np.inf if high is None else high, center, spread, r.source())
    if not result.low < result.high:
        raise r.error("high", high, f"a value above low ({low:g})")
    r.finish()
    return result


def _target(r: Record, key: str) -> Target:
    text = r.text(key)
    try:
        return parse_target(text)
    except PbpkInputError as error:
        raise r.error(key, text, error.expected) from None


def _named_target(r: Record) -> tuple[str, Target]:
    named = (r.text("name"), _target(r, "target"))
    r.finish()
    return named


def _durations(r: Record, key: str, unit: str) -> tuple[float, ...]:
    values = r.raw(key, expected=f"a list of durations in {unit}")
    values = values if isinstance(values, list) else [values]
    return tuple(magnitude(Record({key: v}, r.file, r.path, r.line).quantity(key, unit, positive=False), unit)
                 for v in values)


def _strategy(r: Record, truth: PopulationModel) -> Strategy:
    name, kind = r.text("name"), r.text("kind", choices=KINDS)
    amount, time = truth.units["amount"], truth.units["time"]
    fields: dict = {"source": r.source(required=False) or ""}
    if kind == "nomogram":
        fields["covariate"] = r.text("covariate", choices=truth.covariate_names)
        fields["rows"] = tuple(_row(item, truth, fields["covariate"]) for item in r.records("rows"))
        fields["infusion"] = _durations(r, "infusion", time)[0]
    else:
        fields["target"] = _target(r, "target")
        fields["options"] = Options(_durations(r, "doses", amount), _durations(r, "intervals", time),
                                    _durations(r, "infusions", time))
    if kind == "mipd":
        fields["initial"] = r.text("initial")
        fields["samples"] = tuple(_sampling(item, time) for item in r.records("samples"))
        assay = r.record("assay")
        fields["assay_proportional"] = float(assay.number("proportional", required=False, low=0) or 0.0)
        fields["assay_additive"] = float(_value(assay, "additive", truth.analytes["parent"], required=False) or 0.0)
        assay.source()
        assay.finish()
    r.finish()
    return Strategy(name, kind, **fields)


def _row(r: Record, truth: PopulationModel, covariate: str) -> NomogramRow:
    unit = _unit_of(truth, covariate)
    low, high = _value(r, "from", unit, required=False), _value(r, "to", unit, required=False)
    row = NomogramRow(-np.inf if low is None else low, np.inf if high is None else high,
                      magnitude(r.quantity("dose", truth.units["amount"]), truth.units["amount"]),
                      magnitude(r.quantity("interval", truth.units["time"]), truth.units["time"]))
    r.finish()
    return row


def _sampling(r: Record, time: str) -> Sampling:
    sampling = Sampling(int(r.number("after_dose", low=1)), _durations(r, "times", time))
    r.finish()
    return sampling


def _toxicity(r: Record, truth: PopulationModel) -> Toxicity:
    name, metric = r.text("name"), r.text("metric", choices=TOXICITY_METRICS)
    model = r.text("model", choices=TOXICITY_MODELS)
    unit = truth.analytes["parent"] + (f"*{truth.units['time']}" if metric == "auc24" else "")
    if model == "threshold":
        result = Toxicity(name, metric, model, threshold=_value(r, "threshold", unit), source=r.source())
    else:
        slope_unit = r.text("slope_unit")
        per = magnitude(Record({"x": f"1 {unit}"}, r.file).quantity("x", slope_unit.removeprefix("per ")),
                        slope_unit.removeprefix("per "))
        result = Toxicity(name, metric, model, intercept=float(r.number("intercept")),
                          slope=float(r.number("slope")) * per, source=r.source())
    r.finish()
    return result


def _check_strategies(record: Record, strategies: tuple[Strategy, ...]) -> None:
    """Names unique; an MIPD strategy's initial regimen is a nomogram or model-based strategy of the spec."""
    names = [s.name for s in strategies]
    if len(set(names)) != len(names):
        raise record.error("strategies", names, "strategies with distinct names")
    for strategy in strategies:
        if strategy.kind == "mipd":
            first = next((s for s in strategies if s.name == strategy.initial), None)
            if first is None or first.kind == "mipd":
                raise record.error("strategies", strategy.initial,
                                   f"the name of a nomogram or model-based strategy as {strategy.name}'s initial")
