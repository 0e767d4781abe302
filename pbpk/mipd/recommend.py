"""Dose recommendation: exposure targets, candidate regimens, and the probability of attaining a target.

Conventions
-----------
* Times are in the model's time unit (h for the bundled models), measured on the patient's clock.
  A ``Regimen`` gives ``count`` doses every ``interval`` from ``start`` (the first of them a loading
  dose when one is given); its *horizon* ends at ``end = start + count·interval``. When ``start`` is
  not given, a regimen starts one of its own intervals after the patient's last dose.
* A ``Target`` is a value computed from a predicted profile (subjects × times) with bounds
  ``low ≤ value ≤ high``; its window is given relative to ``start``, or defaults to:

  ============== ========================================================== =========================
  kind           value                                                      default window
  ============== ========================================================== =========================
  auc            AUC over the window (exact, cumulative-AUC difference)     the last ``hours`` (24)
  cumulative_auc AUC from the first dose of the record (past doses too)     up to ``end``
  trough         concentration just before dose ``dose`` (1-based) or at    the end of the horizon
                 ``end`` (a sample at a dose time sees the amount before it)
  cmax           highest concentration in the window                         the last interval
  ft_above       % of the window with fu·C > multiple·MIC (Mouton et al.     the last interval
                 2005, J Antimicrob Chemother 55:601, "fT>MIC")
  time_above,    time (model unit) with C above / below ``threshold``         the last interval
  time_below
  ============== ========================================================== =========================

  ``unit`` is that of the bounds of auc, cumulative_auc, trough and cmax targets, and of the MIC
  or the threshold otherwise (``None``: the model's); ft_above bounds are in %, time bounds in the
  model's time unit. Profiles are sampled on ``GRID`` steps per window plus every dose time and
  infusion end in it (the peaks of IV dosing), and time above a level is integrated with linear
  interpolation between samples.
* fT>MIC of 100 % is a trough target (the convention of mipdtrial, InsightRX): for IV dosing the
  minimum over an interval lies at one of its ends, so fT>k·MIC = 100 % over the last interval
  ⇔ both troughs bounding it are ≥ k·MIC/fu (``as_trough``); while concentrations accumulate
  the binding one is the trough before the interval's dose (``dose=count``), at steady state the two are equal.
* Posterior: η ~ N(η̂, Σ) with Σ the Laplace covariance of the MAP estimate (``MapEstimate.covariance``),
  or the caller's own draws (e.g. from sampling-importance-resampling). PTA is the fraction of draws
  meeting the target; the toxicity probability the fraction of draws meeting the ``toxicity``
  target (a Target whose attainment is the harm, e.g. ``Target("trough", low=20)``).
* Vectorisation: the MAP η and all draws are the subjects of one ``predict`` call. For a linear model
  the profiles of an option are superposed from the past doses, a unit loading dose and unit
  maintenance doses, so each (interval, infusion) needs 2–3 calls whatever the number of amounts;
  a nonlinear model is solved once per option. Covariates are those in force at the regimen's start.
* Ranking (``recommend``): options meeting the target at the MAP first, then by PTA (descending), how far
  the MAP value misses the target (|log(value/bound)|, ascending: when no option meets it, the nearest
  first), toxicity probability (ascending, absent = 0), total daily dose (ascending), then the option order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import ureg
from pbpk.mipd.dosing_history import future_kappa, history
from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.popmodel import PopulationModel, Prediction
from pbpk.mipd.ranking import ranked_table
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose, repeated_doses

KINDS = ("auc", "cumulative_auc", "trough", "cmax", "ft_above", "time_above", "time_below")
#: Grid steps per target window for the kinds that need a profile (cmax, ft_above, time_above/below).
GRID = 240
#: Relative tolerance for finding a target's time among the predicted times.
TIME_TOLERANCE = 1e-9
#: New doses, times, whether the past doses count → the prediction of every subject.
Forecast = Callable[[tuple[Dose, ...], np.ndarray, bool], Prediction]


@dataclass(frozen=True)
class Regimen:
    """``count`` doses of ``dose`` every ``interval`` from ``start``, infused over ``infusion`` (0: bolus)."""

    dose: float
    interval: float
    count: int
    start: float = 0.0
    infusion: float = 0.0
    loading: float | None = None
    compartment: str = "central"

    @property
    def end(self) -> float:
        return self.start + self.count * self.interval

    @property
    def daily_dose(self) -> float:
        """Maintenance dose per 24 time units (mg/day for a model in mg and h)."""
        return self.dose * 24.0 / self.interval

    def doses(self) -> tuple[Dose, ...]:
        first = self.dose if self.loading is None else self.loading
        return (Dose(self.start, first, self.compartment, self.infusion),
                *repeated_doses(self.dose, self.interval, self.count - 1, start=self.start + self.interval,
                                duration=self.infusion, compartment=self.compartment))


@dataclass(frozen=True)
class Attainment:
    """A target's value per subject (in ``unit``) and whether it is met."""

    value: np.ndarray
    met: np.ndarray
    unit: str


@dataclass(frozen=True)
class Target:
    """An exposure target ``low ≤ value ≤ high`` (see the module docstring for kinds, windows, units)."""

    kind: str
    low: float = -np.inf
    high: float = np.inf
    unit: str | None = None
    window: tuple[float, float] | None = None
    hours: float = 24.0
    dose: int | None = None
    threshold: float | None = None
    mic: float | None = None
    multiple: float = 1.0
    unbound_fraction: float = 1.0
    analyte: str = "parent"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PbpkInputError("target", "kind", self.kind, "one of " + ", ".join(KINDS))
        if not self.low <= self.high:
            raise PbpkInputError("target", "low, high", (self.low, self.high), "low ≤ high")
        if self.kind == "ft_above" and not (self.mic and self.mic > 0 and self.multiple > 0):
            raise PbpkInputError("target", "mic", self.mic, "a positive MIC (and multiple) for an fT>MIC target")
        if not 0 < self.unbound_fraction <= 1:
            raise PbpkInputError("target", "unbound_fraction", self.unbound_fraction, "a fraction in (0, 1]")
        if self.kind in ("time_above", "time_below") and self.threshold is None:
            raise PbpkInputError("target", "threshold", None, f"a concentration threshold for {self.kind}")
        if self.window is not None and not self.window[0] < self.window[1]:
            raise PbpkInputError("target", "window", self.window, "(from, to) with from < to")
        if self.unit is not None:
            _check_unit(self.unit, self.kind in ("auc", "cumulative_auc"))

    def span(self, regimen: Regimen) -> tuple[float, float]:
        """The window (absolute times); a trough's is one time, twice."""
        if self.window is not None:
            return regimen.start + self.window[0], regimen.start + self.window[1]
        if self.kind == "trough":
            at = regimen.end if self.dose is None else regimen.start + (self.dose - 1) * regimen.interval
            return at, at
        if self.kind == "auc":
            return regimen.end - self.hours, regimen.end
        if self.kind == "cumulative_auc":
            return regimen.start, regimen.end
        return regimen.end - regimen.interval, regimen.end

    def times(self, regimen: Regimen) -> np.ndarray:
        """The times a prediction needs to evaluate this target for ``regimen``."""
        t0, t1 = self.span(regimen)
        if self.kind in ("auc", "trough", "cumulative_auc"):
            return np.array([t0, t1])
        doses = np.array([d.time for d in regimen.doses()])
        changes = np.concatenate([doses, doses + regimen.infusion])
        return np.union1d(np.linspace(t0, t1, GRID + 1), changes[(changes > t0) & (changes < t1)])

    def value_unit(self, model: PopulationModel) -> str:
        concentration = model.analytes[self.analyte]
        if self.kind == "ft_above":
            return "%"
        if self.kind in ("time_above", "time_below"):
            return model.units["time"]
        if self.kind in ("auc", "cumulative_auc"):
            return self.unit or f"{concentration}*{model.units['time']}"
        return self.unit or concentration

    def evaluate(self, times: np.ndarray, concentration: np.ndarray, auc: np.ndarray, regimen: Regimen,
                 model: PopulationModel) -> Attainment:
        """The target on profiles (subjects × ``times``, analyte unit; ``auc`` cumulative from the first dose)."""
        t0, t1 = self.span(regimen)
        unit = self.value_unit(model)
        c = np.atleast_2d(concentration)
        if self.kind in ("auc", "cumulative_auc"):
            a = np.atleast_2d(auc)
            value = a[:, _index(times, t1)] - (a[:, _index(times, t0)] if self.kind == "auc" else 0.0)
            value = value * _factor(f"({model.analytes[self.analyte]})*({model.units['time']})", unit)
        elif self.kind == "trough":
            value = c[:, _index(times, t0)] * _factor(model.analytes[self.analyte], unit)
        else:
            inside = slice(_index(times, t0), _index(times, t1) + 1)
            t, c = np.asarray(times)[inside], c[:, inside]
            value = self._profile_value(t, c, model)
        return Attainment(value, (value >= self.low) & (value <= self.high), unit)

    def _profile_value(self, t: np.ndarray, c: np.ndarray, model: PopulationModel) -> np.ndarray:
        concentration = model.analytes[self.analyte]
        if self.kind == "cmax":
            return c.max(axis=1) * _factor(concentration, self.value_unit(model))
        if self.kind == "ft_above":
            total_mic = self.mic * _factor(self.unit or concentration, concentration) / self.unbound_fraction
            level = self.multiple * total_mic  # total concentration at which fu·C = k·MIC
            return 100.0 * _time_above(t, c, level) / (t[-1] - t[0])
        level = self.threshold * _factor(self.unit or concentration, concentration)
        above = _time_above(t, c, level)
        return above if self.kind == "time_above" else (t[-1] - t[0]) - above

    def assess(self, prediction: Prediction, regimen: Regimen) -> Attainment:
        """The target on a prediction that holds the times ``times(regimen)``."""
        return self.evaluate(prediction.times, prediction.concentration(self.analyte), prediction.auc(self.analyte),
                             regimen, prediction.model)


def as_trough(target: Target, *, dose: int | None = None) -> Target:
    """The trough target a 100 % fT>k·MIC target is equivalent to: trough ≥ k·MIC/fu (module docstring)."""
    if target.kind != "ft_above" or target.low < 100.0:
        raise PbpkInputError("target", "kind, low", (target.kind, target.low), "an ft_above target of 100 %")
    level = target.multiple * target.mic / target.unbound_fraction
    return Target("trough", low=level, unit=target.unit, dose=dose, analyte=target.analyte)


def _index(times: np.ndarray, t: float) -> int:
    times = np.asarray(times, dtype=float)
    k = int(np.argmin(np.abs(times - t)))
    if not np.isclose(times[k], t, rtol=TIME_TOLERANCE, atol=TIME_TOLERANCE):
        raise PbpkInputError("times", "", f"no time {t:g}", "the times the target needs (Target.times)")
    return k


@lru_cache(maxsize=256)
def _factor(source: str, destination: str) -> float:
    """The factor from ``source`` to ``destination`` (pint; cached: a trial asks for it thousands of times)."""
    try:
        return float(ureg.Quantity(1.0, source).to(destination).magnitude)
    except Exception as error:  # pint raises several kinds for unknown or incompatible units
        raise PbpkInputError("target", "unit", destination, f"a unit convertible from {source}") from error


def _check_unit(unit: str, auc: bool) -> None:
    """Refuse a unit that is not a concentration (or, for an AUC, a concentration × time)."""
    dimensions = [f"{amount}/[length]**3" + ("*[time]" if auc else "") for amount in ("[mass]", "[substance]")]
    try:
        fits = any(ureg.Quantity(1.0, unit).check(d) for d in dimensions)
    except Exception:  # noqa: BLE001 - pint raises several unrelated types for bad unit text
        fits = False
    if not fits:
        raise PbpkInputError("target", "unit", unit, "a concentration" + (" × time unit, e.g. mg*h/L" if auc
                                                                          else " unit, e.g. mg/L"))


def _time_above(t: np.ndarray, c: np.ndarray, level: float) -> np.ndarray:
    """Time with c ≥ level (subjects), linear interpolation between samples."""
    a, b = c[:, :-1] - level, c[:, 1:] - level
    cross = (a >= 0) != (b >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(a >= 0, a / (a - b), b / (b - a))
    fraction = np.where(cross, part, ((a >= 0) & (b >= 0)).astype(float))
    return (fraction * np.diff(t)).sum(axis=1)


# ---- text ------------------------------------------------------------------------------------------
_NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_BOUNDS = rf"(?:(?P<low>{_NUMBER})\s*(?:-|–|to)\s*(?P<high>{_NUMBER})|(?P<op>>=|≥|>|<=|≤|<)\s*(?P<one>{_NUMBER}))"
_PATTERNS = {
    "auc": rf"^(?P<name>cumulative\s+auc|auc(?P<hours>{_NUMBER})?)\s+{_BOUNDS}\s*(?P<unit>\S+)?$",
    "conc": rf"^(?P<name>trough|cmin|cmax|peak)\s+{_BOUNDS}\s*(?P<unit>\S+)?$",
    "ft": rf"^ft\s*>\s*(?:(?P<k>{_NUMBER})\s*[x×*]\s*)?mic\s+(?:{_BOUNDS}|(?P<pct>{_NUMBER}))\s*%"
          rf"\s+mic\s+(?P<mic>{_NUMBER})\s*(?P<unit>\S+)(?:\s+fu\s+(?P<fu>{_NUMBER}))?$",
    "time": rf"^time\s+(?P<side>above|below)\s+(?P<thr>{_NUMBER})\s*(?P<unit>\S+)\s+{_BOUNDS}\s*h?$",
}
_EXAMPLES = ('"AUC24 400-600 mg*h/L", "cumulative AUC 59-99 mg*h/L", "trough 10-20 mg/L", "cmax >= 30 mg/L", '
             '"fT>MIC 100% MIC 8 mg/L fu 0.8", "fT>4xMIC 50-100% MIC 2 mg/L", "time above 10 mg/L >= 12 h"')


def parse_target(text: str) -> Target:
    """A Target from text such as the examples in ``_EXAMPLES`` (case and spacing free)."""
    clean = " ".join(str(text).strip().split())
    for form, pattern in _PATTERNS.items():
        match = re.match(pattern, clean, re.IGNORECASE)
        if match:
            return _target_from(form, match)
    raise PbpkInputError("target", "", text, "a target like " + _EXAMPLES)


def _bounds(match: re.Match) -> tuple[float, float]:
    if match.group("low") is not None:
        return float(match.group("low")), float(match.group("high"))
    value = float(match.group("one"))
    return (value, np.inf) if match.group("op") in (">=", "≥", ">") else (-np.inf, value)


def _target_from(form: str, match: re.Match) -> Target:
    groups = match.groupdict()
    if form == "ft":
        low, high = (float(groups["pct"]), 100.0) if groups["pct"] is not None else _bounds(match)
        if not 0 <= low <= high <= 100:
            raise PbpkInputError("target", "fT>MIC", f"{low:g}-{high:g} %", "percentages from 0 to 100")
        return Target("ft_above", low, high, unit=groups["unit"], mic=float(groups["mic"]),
                      multiple=float(groups["k"] or 1.0), unbound_fraction=float(groups["fu"] or 1.0))
    low, high = _bounds(match)
    if form == "time":
        return Target(f"time_{groups['side'].lower()}", low, high, unit=groups["unit"], threshold=float(groups["thr"]))
    if form == "auc":
        kind = "cumulative_auc" if groups["name"].lower().startswith("cumulative") else "auc"
        return Target(kind, low, high, unit=groups["unit"], hours=float(groups["hours"] or 24.0))
    kind = "trough" if groups["name"].lower() in ("trough", "cmin") else "cmax"
    return Target(kind, low, high, unit=groups["unit"])


# ---- options -----------------------------------------------------------------------------------------
def parse_amounts(text: str | Sequence[float], unit: str = "mg") -> np.ndarray:
    """Dose amounts (in ``unit``) from a list or text such as "500-3000 by 250 mg" or "1 g, 1.5 g"."""
    if not isinstance(text, str):
        return np.asarray(text, dtype=float)
    clean = " ".join(text.strip().lower().split())
    match = re.match(rf"^({_NUMBER})\s*(?:-|–|to)\s*({_NUMBER})\s+by\s+({_NUMBER})\s*([a-zµ]+)?$", clean)
    if match:
        low, high, step = (float(match.group(k)) for k in (1, 2, 3))
        if step <= 0 or high < low:
            raise PbpkInputError("doses", "", text, "a range low-high by a positive step")
        values = np.arange(low, high + step * 1e-9, step)
        return values * _factor(match.group(4) or unit, unit)
    parts = [re.match(rf"^({_NUMBER})\s*([a-zµ]+)?$", part.strip()) for part in clean.split(",")]
    if not all(parts):
        raise PbpkInputError("doses", "", text, 'amounts like "500-3000 by 250 mg" or "1 g, 1500 mg"')
    return np.array([float(m.group(1)) * _factor(m.group(2) or unit, unit) for m in parts])


def regimens(doses: str | Sequence[float], intervals: Sequence[float], *, count: int,
             infusions: Sequence[float] = (0.0,), loading: Sequence[float | None] = (None,),
             start: float | None = None, last_dose: float | None = None, unit: str = "mg",
             compartment: str = "central") -> tuple[Regimen, ...]:
    """Every (dose, interval, infusion, loading) option, ``count`` doses each.

    Doses start at ``start``, else one interval after ``last_dose`` (the patient's last dose time).
    """
    if start is None and last_dose is None:
        raise PbpkInputError("regimens", "start", None, "a start time, or the time of the patient's last dose")
    if count < 1:
        raise PbpkInputError("regimens", "count", count, "at least one dose")
    amounts = parse_amounts(doses, unit)
    options = []
    for dose, interval, infusion, first in itertools.product(amounts, intervals, infusions, loading):
        if not (dose >= 0 and interval > 0 and 0 <= infusion <= interval):
            raise PbpkInputError("regimens", "dose, interval, infusion", (dose, interval, infusion),
                                 "a dose ≥ 0, an interval > 0 and an infusion no longer than it")
        begin = start if start is not None else last_dose + interval
        options.append(Regimen(float(dose), float(interval), count, begin, float(infusion),
                               None if first is None else float(first), compartment))
    return tuple(options)


# ---- recommendation --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Recommendation:
    """The ranked table, the options in their given order, and the target values per option and subject.

    Subject 0 is the MAP η, the others the posterior draws; ``toxicity`` is None without a toxicity target.
    """

    table: pd.DataFrame
    options: tuple[Regimen, ...]
    values: np.ndarray
    met: np.ndarray
    toxic: np.ndarray | None


def posterior_draws(eta: np.ndarray, covariance: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws of η ~ N(η̂, Σ) (Laplace approximation of the posterior); Σ = 0 gives η̂ n times."""
    eta = np.ravel(np.asarray(eta, dtype=float))
    covariance = np.atleast_2d(np.asarray(covariance, dtype=float))
    if covariance.shape != (eta.size, eta.size) or not np.all(np.isfinite(covariance)):
        raise PbpkInputError("covariance", "", covariance.shape, f"a finite {eta.size} × {eta.size} matrix")
    return rng.multivariate_normal(eta, covariance, size=n)


def recommend(model: PopulationModel, target: Target, options: Sequence[Regimen], *, eta: np.ndarray,
              covariates: Mapping[str, float], past_doses: Sequence[Dose] = (), covariance: np.ndarray | None = None,
              draws: np.ndarray | None = None, n_draws: int = 1000, rng: np.random.Generator | None = None,
              toxicity: Target | None = None) -> Recommendation:
    """Rank ``options`` for ``target`` at the MAP η and under the posterior (module docstring: ranking).

    The posterior is ``draws`` (draws × η) when given, else ``n_draws`` from N(η, ``covariance``);
    with neither, PTA and the toxicity probability are NaN.
    """
    subjects = _subjects(eta, covariance, draws, n_draws, rng)
    per_subject = {name: np.full(subjects.shape[0], float(value)) for name, value in covariates.items()}
    past = tuple(past_doses)

    def forecast(doses: tuple[Dose, ...], times: np.ndarray, with_past: bool) -> Prediction:
        return model.predict((past if with_past else ()) + doses, times, per_subject, subjects)

    return _rank(model, target, tuple(options), forecast, bool(past), toxicity, subjects.shape[0],
                 has_draws=draws is not None or covariance is not None)


def recommend_for(model: PopulationModel, subject: Subject, estimate: MapEstimate, target: Target,
                  options: Sequence[Regimen], *, draws: np.ndarray | None = None, n_draws: int = 1000,
                  rng: np.random.Generator | None = None, toxicity: Target | None = None) -> Recommendation:
    """``recommend`` after the subject's record (``dosing_history``) from its MAP estimate (η̂, Laplace covariance); with
    IOV the draws are of [η, κ₁, …], the new doses a new occasion from the first option's start (κ: ``future_kappa``)."""
    subjects = _subjects(estimate.effects, estimate.effects_covariance, draws, n_draws, rng)
    past = history(model, subject, subjects, future=min((o.start for o in options), default=None),
                   future_kappa=future_kappa(model, subjects.shape[0], rng))

    def forecast(doses: tuple[Dose, ...], times: np.ndarray, with_past: bool) -> Prediction:
        return past.predict(doses, times, past=with_past)
    return _rank(model, target, tuple(options), forecast, True, toxicity, subjects.shape[0],
                 has_draws=draws is not None or estimate.covariance is not None)


def _subjects(eta: np.ndarray, covariance: np.ndarray | None, draws: np.ndarray | None, n_draws: int,
              rng: np.random.Generator | None) -> np.ndarray:
    """The MAP η and the posterior draws (given, or from N(η, covariance)), one per row."""
    eta = np.ravel(np.asarray(eta, dtype=float))
    if draws is None and covariance is not None:
        draws = posterior_draws(eta, covariance, n_draws, rng or np.random.default_rng())
    posterior = np.zeros((0, eta.size)) if draws is None else np.atleast_2d(np.asarray(draws, dtype=float))
    if posterior.shape[1] != eta.size:
        raise PbpkInputError("draws", "", posterior.shape, f"draws × {eta.size} (one η per row)")
    return np.vstack([eta[None], posterior])


def _rank(model: PopulationModel, target: Target, options: tuple[Regimen, ...], forecast: Forecast, has_past: bool,
          toxicity: Target | None, n: int, *, has_draws: bool) -> Recommendation:
    """The recommendation for ``n`` subjects (the MAP η first) from ``forecast``."""
    if not options:
        raise PbpkInputError("options", "", "none", "at least one regimen")
    targets = (target,) if toxicity is None else (target, toxicity)
    attained = _attainments(model, targets, options, forecast, has_past, n)
    values, met = attained[0]
    toxic = None if toxicity is None else attained[1][1]
    table = ranked_table(model, target, options, values, met, toxic, has_draws=has_draws)
    return Recommendation(table, options, values, met, toxic)


def _attainments(model: PopulationModel, targets: tuple[Target, ...], options: tuple[Regimen, ...],
                 forecast: Forecast, has_past: bool, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(values, met), options × subjects, per target; options sharing dose times share their predictions."""
    values = [np.empty((len(options), n)) for _ in targets]
    met = [np.empty((len(options), n), dtype=bool) for _ in targets]
    groups: dict[tuple, list[int]] = {}
    for k, option in enumerate(options):
        key = (option.interval, option.infusion, option.start, option.count, option.compartment)
        groups.setdefault(key, []).append(k)
    for members in groups.values():
        pattern = options[members[0]]
        times = np.unique(np.concatenate([t.times(pattern) for t in targets]))
        profiles = _profiles(model, [options[k] for k in members], forecast, has_past, times)
        for k, (concentration, auc) in zip(members, profiles):
            for j, target in enumerate(targets):
                result = target.evaluate(times, concentration[target.analyte], auc[target.analyte], options[k], model)
                values[j][k], met[j][k] = result.value, result.met
    return list(zip(values, met))


def _profiles(model: PopulationModel, options: list[Regimen], forecast: Forecast, has_past: bool, times: np.ndarray):
    """Concentrations and cumulative AUCs per analyte (subjects × times) of each option, one option at a time.

    A linear model superposes the past doses, a unit first dose and unit maintenance doses (≤ 3 solves).
    """
    def solved(doses: tuple[Dose, ...], with_past: bool) -> tuple[dict, dict]:
        prediction = forecast(doses, times, with_past)
        return ({a: prediction.concentration(a) for a in model.analytes},
                {a: prediction.auc(a) for a in model.analytes})

    if not model.structure.linear:
        for option in options:
            yield solved(option.doses(), True)
        return
    unit_doses = replace(options[0], dose=1.0, loading=None).doses()
    zero = ({a: 0.0 for a in model.analytes}, {a: 0.0 for a in model.analytes})
    parts = [solved((), True) if has_past else zero, solved(unit_doses[:1], False),
             solved(unit_doses[1:], False) if len(unit_doses) > 1 else zero]
    for option in options:
        weights = (1.0, option.dose if option.loading is None else option.loading, option.dose)
        yield tuple({a: sum(w * part[m][a] for w, part in zip(weights, parts)) for a in model.analytes}
                    for m in (0, 1))
