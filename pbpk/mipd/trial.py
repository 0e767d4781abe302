"""Run a dosing-strategy virtual trial (``trial_spec``) and summarise it by stratum and strategy.

Virtual patients: covariates from the spec's distributions (a covariate drawn ``strata`` is uniform within the
band of the patient, patients being given to the bands in turn, so each band holds n/K of them), η from the
truth's Ω. Every strategy doses the same patients (``trial_strategies``); the truth's concentrations over the
interval of the evaluated dose give each endpoint per patient:

* each target of the spec (e.g. fT>MIC, evaluated as ``recommend.Target`` does on the truth's profile; 100 %
  fT>k·MIC is met when the concentration is ≥ k·MIC/fu at the interval's minimum: its end after a bolus, both
  of its ends (the troughs before doses N and N + 1) after an infusion, as ``recommend.as_trough`` says);
* the trough (just before the next dose), Cmax in the interval, and AUC over the 24 h before the next dose;
* each toxicity relation's probability from its metric.

Summaries per strategy and stratum (and over all patients): the probability of target attainment with a
Wilson score 95 % interval (Wilson 1927, J Am Stat Assoc 22:209) from the number of virtual patients; the
mean toxicity probability with a normal 95 % interval (Wilson for a threshold relation, whose probabilities
are 0 or 1); percentiles of the trough, Cmax and AUC24; and the number needed to treat against the reference strategy, NNT =
1/(PTA − PTA_ref), its interval 1/the interval of the paired difference (the same patients under both
strategies: mean and SD of the per-patient differences), reported only where that interval excludes 0
(Altman 1998, BMJ 317:1309).

Patients are run in chunks, each a pure function of its seed (``populations.chunks``): the same seed gives the
same trial on the local and the Dask backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.recommend import as_trough
from pbpk.mipd.trial_spec import CovariateDistribution, TrialSpec
from pbpk.mipd.trial_strategies import (
    Course,
    assay,
    evaluation_window,
    mipd_course,
    model_based_courses,
    nomogram_courses,
    window_targets,
)
from pbpk.mipd.trial_truth import PbpkTruth, UnitResponses, simulate_truth
from pbpk.populations.chunks import chunk_sizes, run_chunks

#: Patients per chunk.
CHUNK = 100
#: The stratum of a patient whose covariate lies outside every band (index −1 of the labels).
OUTSIDE = "outside the strata"
Z95 = 1.959963984540054


@dataclass(frozen=True)
class TrialTask:
    """What a chunk needs: the spec, the chunk size (the global index of a chunk's first patient) and, for a PBPK
    truth, every patient's unit responses (``trial_truth``)."""

    spec: TrialSpec
    chunk: int = CHUNK
    responses: UnitResponses | None = None


@dataclass(frozen=True)
class TrialResult:
    """Per-patient outcomes (one row per patient and strategy) and the summary tables (see the module docstring)."""

    spec: TrialSpec
    n: int
    seed: int
    patients: pd.DataFrame
    attainment: pd.DataFrame
    toxicity: pd.DataFrame
    exposures: pd.DataFrame
    nnt: pd.DataFrame
    failed_fits: int


def run_trial(spec: TrialSpec, *, n: int | None = None, seed: int = 0, backend: str = "local",
              scheduler: str | None = None, progress: bool = False) -> TrialResult:
    """The trial on ``n`` patients (default the spec's), in chunks of ``CHUNK``, on ``backend`` (local or dask)."""
    n = spec.n if n is None else n
    sizes = chunk_sizes(n, CHUNK)
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    responses = (simulate_truth(spec.truth, n, spec.durations, spec.horizon, seed)
                 if isinstance(spec.truth, PbpkTruth) else None)
    parts = dict(run_chunks(run_chunk, TrialTask(spec, CHUNK, responses), sizes, seeds, backend=backend,
                            scheduler=scheduler, progress=progress, desc=f"trial {spec.name}"))
    patients = pd.concat([parts[k][0] for k in sorted(parts)], ignore_index=True)
    failed = sum(parts[k][1] for k in parts)
    return TrialResult(spec, n, seed, patients, attainment_table(spec, patients), toxicity_table(spec, patients),
                       exposure_table(spec, patients), nnt_table(spec, patients), failed)


def run_chunk(task: TrialTask, index: int, size: int, seed: np.random.SeedSequence) -> tuple[pd.DataFrame, int]:
    """One chunk of patients under every strategy: the per-patient rows and the number of non-converged MAP fits."""
    spec = task.spec
    rng = np.random.default_rng(seed)
    first = index * task.chunk
    patients = np.arange(first, first + size)
    if task.responses is None:
        covariates = sample_covariates(spec, patients, rng)
        truth = _PopulationTruth(spec, covariates, spec.truth.sample_eta(size, rng))
        stratum = spec.strata.index(covariates[spec.strata.covariate])
    else:
        covariates = {name: values[patients] for name, values in task.responses.covariates.items()}
        truth = _PbpkTruth(task.responses, patients)
        stratum = task.responses.stratum[patients]
    courses: dict[str, list[Course]] = {}
    rows, failed = [], 0
    for strategy in sorted(spec.strategies, key=lambda s: s.kind == "mipd"):
        if strategy.kind == "nomogram":
            courses[strategy.name] = nomogram_courses(strategy, covariates, spec.dose_number + 1)
        elif strategy.kind == "model-based":
            courses[strategy.name] = model_based_courses(strategy, spec.clinician, covariates, spec.dose_number)
        else:
            courses[strategy.name] = []
            for i in range(size):
                own = {name: float(values[i]) for name, values in covariates.items()}

                def observe(doses, times, i=i, strategy=strategy):
                    return assay(truth.profiles([i], doses, times)[0][0], strategy, rng, f"strategy {strategy.name}")

                course, bad = mipd_course(spec, strategy, courses[strategy.initial][i], own, observe)
                courses[strategy.name].append(course)
                failed += bad
        rows.append(_outcomes(spec, strategy.name, courses[strategy.name], truth, covariates, patients, stratum))
    return pd.concat(rows, ignore_index=True), failed


@dataclass(frozen=True)
class _PopulationTruth:
    """The truth's profiles for a chunk's patients from a population model (their covariates and η)."""

    spec: TrialSpec
    covariates: Mapping[str, np.ndarray]
    eta: np.ndarray

    def profiles(self, members, doses, times) -> tuple[np.ndarray, np.ndarray]:
        model = self.spec.truth
        own = {name: self.covariates[name][members] for name in model.covariate_names}
        prediction = model.predict(doses, times, own, self.eta[members])
        return prediction.concentration(), prediction.auc()


@dataclass(frozen=True)
class _PbpkTruth:
    """The truth's profiles for a chunk's patients from PBPK unit responses (``trial_truth``)."""

    responses: UnitResponses
    patients: np.ndarray

    def profiles(self, members, doses, times) -> tuple[np.ndarray, np.ndarray]:
        return self.responses.profiles(self.patients[np.asarray(members)], doses, times)


def sample_covariates(spec: TrialSpec, patients: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Covariates of the patients with these global indices (module docstring), in the models' units."""
    bands = np.asarray(spec.strata.bands)
    band = patients % len(bands)
    result = {}
    for covariate in spec.covariates:
        if covariate.distribution == "strata":
            low, high = bands[band, 0], bands[band, 1]
            result[covariate.name] = low + (high - low) * rng.random(patients.size)
        else:
            result[covariate.name] = _draw(covariate, patients.size, rng)
    return result


def _draw(covariate: CovariateDistribution, n: int, rng: np.random.Generator) -> np.ndarray:
    """n values of a uniform, or of a (log)normal truncated to [low, high] by drawing again."""
    if covariate.distribution == "uniform":
        return covariate.low + (covariate.high - covariate.low) * rng.random(n)
    values = np.empty(n)
    todo = np.arange(n)
    for _ in range(1000):
        if covariate.distribution == "lognormal":
            sigma = np.sqrt(np.log1p(covariate.spread ** 2))
            drawn = covariate.center * np.exp(sigma * rng.standard_normal(todo.size))
        else:
            drawn = covariate.center + covariate.spread * rng.standard_normal(todo.size)
        values[todo] = drawn
        todo = todo[(drawn < covariate.low) | (drawn > covariate.high)]
        if todo.size == 0:
            return values
    raise PbpkInputError("patients.covariates", covariate.name, f"[{covariate.low:g}, {covariate.high:g}]",
                         "bounds that hold a fair part of the distribution (1000 redraws did not fill them)")


def _outcomes(spec: TrialSpec, strategy: str, courses: Sequence[Course], truth, covariates: Mapping[str, np.ndarray],
              patients: np.ndarray, stratum: np.ndarray) -> pd.DataFrame:
    """Per-patient endpoint values of one strategy on the truth, patients with the same course solved together."""
    targets = window_targets(spec)
    values = {name: np.empty(len(courses)) for name in targets}
    met = {name: np.empty(len(courses), dtype=bool) for name in targets}
    daily = np.empty(len(courses))
    groups: dict[Course, list[int]] = {}
    for i, course in enumerate(courses):
        groups.setdefault(course, []).append(i)
    for course, members in groups.items():
        window = evaluation_window(course, spec.dose_number)
        times = np.unique(np.concatenate([target.times(window) for target in targets.values()]))
        times = times[times >= 0.0]
        concentration, auc = truth.profiles(members, course, times)
        for name, target in targets.items():
            attained = target.evaluate(times, concentration, auc, window, spec.units)
            values[name][members], met[name][members] = attained.value, attained.met
            if target.kind == "ft_above" and target.low >= 100.0:  # the troughs (``recommend.as_trough``)
                ends = [as_trough(target).evaluate(times, concentration, auc, replace(window, count=count),
                                                   spec.units).met
                        for count in ((0, 1) if window.infusion > 0 else (1,))]
                met[name][members] = np.logical_and.reduce(ends)
                values[name][members] = np.where(met[name][members], 100.0, values[name][members])
        daily[members] = window.dose * 24.0 / window.interval
    labels = np.asarray((*spec.strata.labels(), OUTSIDE))
    table = pd.DataFrame({"patient": patients, "strategy": strategy, "stratum": labels[stratum]})
    for name, value in covariates.items():
        table[name] = value
    table["daily dose"] = daily
    for name in targets:
        label = name.removeprefix("metric:")
        table[label] = values[name]
        if not name.startswith("metric:"):
            table[f"{label} met"] = met[name]
    for toxicity in spec.toxicity:
        table[f"P({toxicity.name})"] = toxicity.probability(table[toxicity.metric].to_numpy())
    return table


def wilson(successes: float, n: int) -> tuple[float, float]:
    """The Wilson score 95 % interval of a proportion successes/n."""
    if n == 0:
        return np.nan, np.nan
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * np.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2)) / (1 + Z95**2 / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def _groups(spec: TrialSpec, patients: pd.DataFrame):
    """(strategy, stratum, rows) for every strategy and stratum, then over all patients."""
    for strategy in spec.strategies:
        mine = patients[patients["strategy"] == strategy.name]
        for label in spec.strata.labels():
            yield strategy.name, label, mine[mine["stratum"] == label]
        yield strategy.name, "all", mine


def attainment_table(spec: TrialSpec, patients: pd.DataFrame) -> pd.DataFrame:
    """PTA (%) with its Wilson 95 % interval per target, strategy and stratum."""
    rows = []
    for strategy, stratum, group in _groups(spec, patients):
        for name, _ in spec.targets:
            hits = int(group[f"{name} met"].sum())
            low, high = wilson(hits, len(group))
            rows.append({"strategy": strategy, "stratum": stratum, "target": name, "n": len(group),
                         "PTA (%)": 100.0 * hits / max(len(group), 1), "CI low (%)": 100.0 * low,
                         "CI high (%)": 100.0 * high})
    return pd.DataFrame(rows)


def toxicity_table(spec: TrialSpec, patients: pd.DataFrame) -> pd.DataFrame:
    """Mean toxicity probability (%) with its 95 % interval per relation, strategy and stratum."""
    rows = []
    for strategy, stratum, group in _groups(spec, patients):
        for toxicity in spec.toxicity:
            p = group[f"P({toxicity.name})"].to_numpy(dtype=float)
            if toxicity.model == "threshold":
                low, high = wilson(float(p.sum()), p.size)
            else:
                half = Z95 * (p.std(ddof=1) if p.size > 1 else np.nan) / np.sqrt(max(p.size, 1))
                low, high = p.mean() - half, p.mean() + half
            rows.append({"strategy": strategy, "stratum": stratum, "toxicity": toxicity.name, "n": p.size,
                         "P (%)": 100.0 * float(p.mean()) if p.size else np.nan, "CI low (%)": 100.0 * low,
                         "CI high (%)": 100.0 * high})
    return pd.DataFrame(rows)


def exposure_table(spec: TrialSpec, patients: pd.DataFrame) -> pd.DataFrame:
    """Percentiles (5, 25, 50, 75, 95) of the trough, Cmax and AUC24 per strategy and stratum, each in its unit."""
    concentration = spec.units.analytes["parent"]
    units = {"trough": concentration, "cmax": concentration, "auc24": f"{concentration}*{spec.units.units['time']}"}
    rows = []
    for strategy, stratum, group in _groups(spec, patients):
        for metric, unit in units.items():
            values = group[metric].to_numpy(dtype=float)
            rows.append({"strategy": strategy, "stratum": stratum, "metric": metric, "unit": unit, "n": values.size,
                         **{f"P{p}": float(np.percentile(values, p)) if values.size else np.nan
                            for p in (5, 25, 50, 75, 95)}})
    return pd.DataFrame(rows)


def nnt_table(spec: TrialSpec, patients: pd.DataFrame) -> pd.DataFrame:
    """Difference in attainment against the reference strategy (paired) and the NNT, per target and stratum."""
    reference = patients[patients["strategy"] == spec.reference].set_index("patient")
    rows = []
    for strategy, stratum, group in _groups(spec, patients):
        if strategy == spec.reference:
            continue
        for name, _ in spec.targets:
            mine = group.set_index("patient")[f"{name} met"].astype(float)
            difference = mine - reference.loc[mine.index, f"{name} met"].astype(float)
            d, n = float(difference.mean()) if len(difference) else np.nan, len(difference)
            half = Z95 * float(difference.std(ddof=1)) / np.sqrt(n) if n > 1 else np.nan
            low, high = d - half, d + half
            excludes = np.isfinite(low) and (low > 0 or high < 0)
            rows.append({"strategy": strategy, "stratum": stratum, "target": name, "n": n,
                         "difference (%)": 100.0 * d, "CI low (%)": 100.0 * low, "CI high (%)": 100.0 * high,
                         "NNT": 1.0 / d if excludes else np.nan,
                         "NNT CI": (sorted((1.0 / low, 1.0 / high)) if excludes else None)})
    return pd.DataFrame(rows)
