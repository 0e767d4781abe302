"""Simulating a virtual population at scale: one kernel, chunks, local cores or a Dask cluster.

``simulate_virtual_population(compound, "pediatric: 0.5-2 y", n=1000, dose="0.1 mg/kg")``
samples the subjects (:mod:`pbpk.populations.sampling`), builds their parameter
rows from the anchors' vectors, and solves them chunk by chunk with the
parallel Numba drivers. Each chunk draws from its own seed (spawned from the
run's seed), so for a given seed and chunk size the subjects and results do not
depend on the order, the number of workers or the backend: ``backend="dask"``
sends the chunks to a ``dask.distributed`` scheduler (an address, or a
LocalCluster) and returns the same numbers as the local run.

Memory stays bounded: per subject only the NCA metrics are kept (exact
percentiles), and the concentration–time percentiles come from per-time
histograms of log10 concentration (0.001-decade bins, i.e. 0.23 % resolution)
that chunks add up, so 10⁶ subjects stream without holding their profiles.
Profiles themselves are kept only when asked (``keep_profiles``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Unpack

import numpy as np
import pandas as pd

from pbpk.compound import Compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity, mg_per_umol
from pbpk.engine.codegen import compile_model
from pbpk.engine.schedules import Schedule
from pbpk.engine.solve import Schedules, SolveOptions, solve_many
from pbpk.model.coupled import (
    CoupledModel,
    coupled_parameters,
)
from pbpk.model.parameters import parameter_vector
from pbpk.populations.chunks import BACKENDS, chunk_sizes, run_chunks
from pbpk.populations.sampling import (
    PopulationSpec,
    Subjects,
    anchor_table,
    anchors,
    parse_population,
    sample,
)
from pbpk.simulation.dosing import DosingOptions, Regimen, regimen_of, schedule
from pbpk.simulation.nca import auc_to_infinity, last_points_slopes
from pbpk.simulation.observed import ObservedProfile
from pbpk.simulation.plots import draw_observed
from pbpk.simulation.simulate import (
    coupled_alone,
    model_for,
    output_grid,
    require_absorption,
)

PERCENTILES = (5.0, 50.0, 95.0)
LOG_LOW, LOG_HIGH, BINS_PER_DECADE = -9.0, 5.0, 1000  # log10 mg/L histogram range and resolution
#: Per-subject metrics; CL_apparent = total dose/AUC_inf (CL after IV doses, CL/F after oral ones).
#: AUC_last_dose = AUC from the last dose to the end of the grid. For repeated doses at interval τ:
#: C_trough = concentration τ after the last dose (the trough before a next dose) and
#: AUC24 = AUC over [last dose, last dose + τ] × 24 h/τ (the daily AUC once at steady state);
#: after one dose AUC24 = AUC(0-24 h) and C_trough is not defined. t_half = ln 2 / terminal slope (last 3 points).
METRIC_UNITS = {"Cmax": "mg/L", "tmax": "h", "AUC_last": "mg*h/L", "AUC_inf": "mg*h/L", "C_last": "mg/L",
                "CL_apparent": "L/h", "AUC_last_dose": "mg*h/L", "C_trough": "mg/L", "AUC24": "mg*h/L",
                "t_half": "h"}


@dataclass(frozen=True)
class ChunkTask:
    """Everything one chunk needs, as plain data (picklable for Dask workers)."""

    model: object
    spec: PopulationSpec
    table: object
    vectors: np.ndarray  # anchors × parameters
    rules: tuple  # (column, kind, key) of the per-subject factors
    at_one_kg: Schedule  # dosing of a 1 kg and a 2 kg subject (doses are linear in weight)
    at_two_kg: Schedule
    times: np.ndarray
    method: str
    rtol: float
    mg_per_umol: float  # mg per µmol of the compound
    keep_profiles: bool
    last_dose_time: float  # h
    interval: float | None = None  # h between the last two doses (None: one dose)
    plasma: tuple[str, str] = ("AUC_plasma", "C_plasma")  # the compound's AUC state and concentration output


@dataclass
class ChunkResult:
    index: int
    covariates: pd.DataFrame
    metrics: np.ndarray  # subjects × METRIC_UNITS
    histogram: np.ndarray | None  # times × bins (dropped once added to the run's total)
    failed: int
    profiles: np.ndarray | None


@dataclass(frozen=True)
class PopulationResult:
    """A simulated virtual population: per-subject covariates and metrics, percentiles over time."""

    compound: str
    spec: PopulationSpec
    regimen: Regimen
    n: int
    seed: int
    method: str
    times: np.ndarray
    percentiles: dict[float, np.ndarray]  # percentile → C_plasma (mg/L) per time
    subjects: pd.DataFrame  # covariates and NCA metrics, one row per subject
    failed: int
    seconds: float
    molecular_weight: float  # g/mol, for observed data in molar units
    profiles: np.ndarray | None = None  # subjects × times (mg/L), when kept

    def summary(self) -> pd.DataFrame:
        """The 5th, 50th and 95th percentile, arithmetic and geometric mean of each metric, with units."""
        rows = []
        for metric, unit in METRIC_UNITS.items():
            values = self.subjects[f"{metric} [{unit}]"].to_numpy()
            values = values[np.isfinite(values)]
            if len(values):
                positive = values[values > 0]
                rows.append({"metric": metric, "unit": unit, "n": len(values),
                             **{f"P{p:g}": float(np.percentile(values, p)) for p in PERCENTILES},
                             "mean": float(values.mean()),
                             "geometric_mean": float(np.exp(np.log(positive).mean()))
                             if len(positive) == len(values) else float("nan")})
        return pd.DataFrame(rows)

    def profile_table(self) -> pd.DataFrame:
        """Percentiles of the plasma concentration over time (long format when profiles are kept)."""
        table = {"time [h]": self.times}
        table.update({f"C_plasma P{p:g} [mg/L]": values for p, values in self.percentiles.items()})
        return pd.DataFrame(table)

    def long(self) -> pd.DataFrame:
        """One row per subject and time (only when the profiles were kept)."""
        if self.profiles is None:
            raise PbpkInputError("population", "keep_profiles", False, "profiles kept (keep_profiles=True)")
        n, t = self.profiles.shape
        return pd.DataFrame({"subject": np.repeat(np.arange(n), t), "time [h]": np.tile(self.times, n),
                             "C_plasma [mg/L]": self.profiles.ravel()})

    def plot(self, path: str | None = None, observed: ObservedProfile | None = None):
        """Median and 5th–95th percentile band of the plasma concentration (log scale), with ``observed`` levels
        as points (a visual predictive check when they are individual levels of the same regimen)."""
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(6.4, 4.2))
        low, mid, high = (self.percentiles[p] for p in PERCENTILES)
        keep = mid > 0
        axis.fill_between(self.times[keep], low[keep], high[keep], alpha=0.3, label="5th–95th percentile")
        axis.plot(self.times[keep], mid[keep], label="median")
        if observed is not None:
            draw_observed(axis, observed, self.molecular_weight)
        axis.set(yscale="log", xlabel="time [h]", ylabel="plasma concentration [mg/L]")
        axis.set_title(f"{self.compound}: {self.spec.text}, n = {self.n}", fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
        figure.tight_layout()
        if path is not None:
            figure.savefig(path, dpi=120)
        return figure


def simulate_virtual_population(
    compound: Compound,
    population: str | PopulationSpec,
    n: int = 1000,
    *,
    regimen: Regimen | None = None,
    until: str | None = None,
    times: np.ndarray | None = None,
    points: int = 241,
    seed: int = 0,
    chunk_size: int = 2000,
    backend: str = "local",
    scheduler: str | None = None,
    keep_profiles: bool | None = None,
    kinetics: str = "michaelis_menten",
    rtol: float = 1e-6,
    progress: bool = False,
    **dosing: Unpack[DosingOptions],
) -> PopulationResult:
    """Simulate ``n`` subjects of ``population`` (text or spec) given ``dose``/``regimen``.

    ``backend``: ``"local"`` (Numba threads on this machine) or ``"dask"``
    (``scheduler`` address, or a LocalCluster). ``keep_profiles`` defaults to
    keeping them up to 10 000 subjects.
    """
    started = time.perf_counter()
    spec = parse_population(population) if isinstance(population, str) else population
    if n < 1:
        raise PbpkInputError("population", "n", n, "at least one subject")
    if chunk_size < 1:
        raise PbpkInputError("population", "chunk_size", chunk_size, "at least one subject per chunk")
    if backend not in BACKENDS:
        raise PbpkInputError("population", "backend", backend, " or ".join(BACKENDS))
    regimen = regimen_of(regimen, dosing, where="population")
    require_absorption(compound, regimen)
    task = prepare(compound, spec, regimen, until=until, times=times, points=points, kinetics=kinetics, rtol=rtol,
                   keep_profiles=n <= 10_000 if keep_profiles is None else keep_profiles)
    keep, grid = task.keep_profiles, task.times
    sizes = chunk_sizes(n, chunk_size)
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    histogram = None
    results = []
    for _, result in run_chunks(run_chunk, task, sizes, seeds, backend=backend, scheduler=scheduler, progress=progress,
                                desc="population"):
        histogram = result.histogram if histogram is None else histogram + result.histogram
        result.histogram = None  # added up as chunks arrive: memory does not grow with n
        results.append(result)
    results.sort(key=lambda r: r.index)
    metrics = np.concatenate([r.metrics for r in results])
    subjects = pd.concat([r.covariates for r in results], ignore_index=True)
    for j, (metric, unit) in enumerate(METRIC_UNITS.items()):
        subjects[f"{metric} [{unit}]"] = metrics[:, j]
    profiles = np.concatenate([r.profiles for r in results]) if keep else None
    return PopulationResult(
        compound=compound.name, spec=spec, regimen=regimen, n=n, seed=seed, method=task.method, times=grid,
        percentiles={p: _histogram_percentile(histogram, p) for p in PERCENTILES}, subjects=subjects,
        failed=sum(r.failed for r in results), seconds=time.perf_counter() - started,
        molecular_weight=compound.molecular_weight.value.to("g/mol").magnitude, profiles=profiles,
    )


def prepare(compound: Compound, spec: PopulationSpec, regimen: Regimen, *, until: str | None = None,
            times: np.ndarray | None = None, points: int = 241, kinetics: str = "michaelis_menten",
            rtol: float = 1e-6, keep_profiles: bool = False) -> ChunkTask:
    """The model, anchor vectors, dosing plan and output grid shared by every chunk of a population.

    A compound acting on its own clearance (:func:`pbpk.model.coupled.acts_on_itself`) runs in the coupled model
    of itself and its metabolites, as in :func:`pbpk.simulation.simulate.simulate`."""
    people = anchors(spec)
    model = model_for(compound, people[0][2], kinetics=kinetics)
    for _, _, person in people[1:]:
        if model_for(compound, person, kinetics=kinetics).topology.signature != model.topology.signature:
            raise PbpkInputError("population", "anchors", spec.text, "one model structure for the whole population")
    single = np.array([parameter_vector(model, compound, person) for _, _, person in people])
    solved_model, vectors, rules, plasma = model, single, factor_rules(model), ("AUC_plasma", "C_plasma")
    targets, states = {r: model.state_index(s) for r, s in model.dose_targets.items()}, None
    coupled = coupled_alone(compound, people[0][2], kinetics)
    if coupled is not None:
        tag = coupled.members[0].tag
        solved_model = coupled.model
        vectors, rules = coupled_vectors(coupled, [person for _, _, person in people])
        targets, states = coupled.dose_targets(tag), coupled.state_indices(tag)
        plasma = (coupled.qualified(tag, "AUC_plasma"), coupled.qualified(tag, "C_plasma"))
    mw = compound.molecular_weight.value
    one, two = (schedule(regimen, targets, len(solved_model.states), molecular_weight=mw,
                         body_weight=Quantity(kg, "kg"), states=states) for kg in (1.0, 2.0))
    grid = output_grid(times, until, points, regimen, one, model, single[len(single) // 2])
    return ChunkTask(
        model=solved_model, spec=spec, table=anchor_table(people), vectors=vectors, rules=rules,
        at_one_kg=one, at_two_kg=two, times=grid, method="exact" if solved_model.is_linear else "general",
        rtol=rtol, mg_per_umol=mg_per_umol(mw), keep_profiles=keep_profiles,
        last_dose_time=max(d.time.to("h").magnitude for d in regimen.doses),
        interval=regimen.last_interval, plasma=plasma,
    )


def coupled_vectors(coupled: CoupledModel, people: list) -> tuple[np.ndarray, tuple]:
    """The anchor parameter vectors of a coupled model (one per anchor person) and the subject-factor rules of
    every member (each member's columns at its offset; interaction constants and turnover shared)."""
    vectors = np.array([coupled_parameters(coupled, person)[0] for person in people])
    rules, offset = [], 0
    for member in coupled.members:
        rules.extend(factor_rules(member.model, offset))
        offset += len(member.model.parameters)
    return vectors, tuple(rules)


def subject_schedules(task: ChunkTask, subjects: Subjects) -> Schedules:
    """Each subject's dosing (doses per kg follow each subject's weight)."""
    return Schedules.linear_in(task.at_one_kg, task.at_two_kg, subjects.weight)


def run_chunk(task: ChunkTask, index: int, size: int, seed: np.random.SeedSequence) -> ChunkResult:
    """Sample, parameterise and solve one chunk of subjects (a pure function of its inputs)."""
    subjects = sample(task.spec, size, seed, task.table)
    parameters = subject_parameters(task, subjects)
    schedules = subject_schedules(task, subjects)
    auc_state, plasma = task.plasma
    solved = solve_many(compile_model(task.model, "numba"), parameters, schedules, task.times,
                        SolveOptions(task.method, task.rtol), states=(auc_state,), outputs=(plasma,))
    to_mg = task.mg_per_umol
    concentration = solved.output(plasma) * to_mg
    auc = solved.state(auc_state) * to_mg
    failed = ~solved.ok
    concentration[failed] = np.nan
    metrics = _metrics(task.times, concentration, auc, schedules.doses() * to_mg, task.last_dose_time, task.interval)
    return ChunkResult(index, subjects.covariates(), metrics, _histogram(concentration), int(failed.sum()),
                       concentration if task.keep_profiles else None)


def subject_parameters(task: ChunkTask, subjects: Subjects) -> np.ndarray:
    """Each subject's parameter row: its anchor's vector times its own factors."""
    return apply_subject_factors(task.vectors[subjects.anchor].copy(), task.rules, subjects)


def apply_subject_factors(parameters: np.ndarray, rules: tuple, subjects: Subjects) -> np.ndarray:
    """Multiply the columns named in ``rules`` (see :func:`factor_rules`) by the subjects' factors, in place."""
    for column, kind, key in rules:
        if kind == "mass":
            parameters[:, column] *= subjects.mass_factor[key]
        elif kind == "flow":
            parameters[:, column] *= subjects.flow_factor[key]
        elif kind == "blood":
            parameters[:, column] *= subjects.blood_factor
        elif kind == "gfr":
            parameters[:, column] *= subjects.gfr_factor
        elif kind == "liver":
            parameters[:, column] *= subjects.mass_factor["liver"]
        else:  # hepatic pathway of an enzyme: liver size × enzyme activity
            parameters[:, column] *= subjects.mass_factor["liver"] * subjects.enzyme_factor.get(
                key, np.ones(subjects.n))
    return parameters


#: The subject factor that multiplies each kind of model parameter (:mod:`pbpk.model.metadata`).
FACTOR_OF_PARAMETER = {"blood_volume": "blood", "volume": "mass", "blood_flow": "flow", "filtration": "gfr",
                       "secretion": "gfr", "biliary_clearance": "liver", "intrinsic_clearance": "enzyme",
                       "vmax": "enzyme", "uptake_clearance": "enzyme"}


def factor_rules(model, offset: int = 0) -> tuple:
    """Which subject factor multiplies each parameter column (others are the anchor's), from the parameters'
    kinds (:mod:`pbpk.model.metadata`): blood volumes, organ volumes and flows, GFR and secretion, biliary
    clearance (liver size) and each enzyme's pathways and transporter's hepatic uptake (liver size × activity).

    ``offset``: where the model's parameters start in a longer vector (a member of a coupled DDI model).
    """
    organs = {organ.name for organ in model.topology.organs}
    rules = []
    for column, info in enumerate(model.parameter_info, start=offset):
        factor = FACTOR_OF_PARAMETER.get(info.kind)
        if factor in ("mass", "flow") and info.organ not in organs:
            continue
        if factor is not None:
            rules.append((column, factor, {"enzyme": info.enzyme, "mass": info.organ, "flow": info.organ}.get(factor)))
    return tuple(rules)


def _metrics(times: np.ndarray, concentration: np.ndarray, auc: np.ndarray, dose_mg: np.ndarray,
             last_dose: float, interval: float | None = None) -> np.ndarray:
    """The per-subject metrics of ``METRIC_UNITS`` (AUC_inf with a log-linear tail from the last three points)."""
    n = concentration.shape[0]
    out = np.full((n, len(METRIC_UNITS)), np.nan)
    ok = np.isfinite(concentration).all(axis=1)
    if not ok.any():
        return out
    c, a = concentration[ok], auc[ok]
    peak = c.argmax(axis=1)
    out[ok, 0] = c[np.arange(len(c)), peak]
    out[ok, 1] = times[peak]
    out[ok, 2] = a[:, -1]
    slope = last_points_slopes(times, c, 3)
    usable = np.isfinite(slope) & (slope > 0) & (peak < len(times) - 3)
    auc_inf = np.where(usable, auc_to_infinity(a[:, -1], np.where(usable, c[:, -1], 0.0),
                                               np.where(usable, slope, 1.0)), np.nan)
    out[ok, 3] = auc_inf
    out[ok, 4] = c[:, -1]
    out[ok, 5] = dose_mg[ok] / auc_inf
    at_dose = _at(times, a, last_dose)
    out[ok, 6] = a[:, -1] - at_dose
    span = interval if interval is not None else 24.0
    if last_dose + span <= times[-1] + 1e-9:
        out[ok, 8] = (_at(times, a, last_dose + span) - at_dose) * 24.0 / span
        if interval is not None:
            out[ok, 7] = _at(times, c, last_dose + span)
    out[ok, 9] = np.where(usable, np.log(2.0) / np.where(usable, slope, 1.0), np.nan)
    return out


def _at(times: np.ndarray, values: np.ndarray, time: float) -> np.ndarray:
    """Every row of ``values`` (subjects × times) linearly interpolated at one ``time`` (h) within the grid."""
    j = int(np.clip(np.searchsorted(times, time), 1, len(times) - 1))
    weight = (time - times[j - 1]) / (times[j] - times[j - 1])
    return values[:, j - 1] + weight * (values[:, j] - values[:, j - 1])


def _histogram(concentration: np.ndarray) -> np.ndarray:
    """Counts per time and log10-concentration bin (bin 0 holds zero and below-range values)."""
    bins = int((LOG_HIGH - LOG_LOW) * BINS_PER_DECADE)
    values = concentration[np.isfinite(concentration).all(axis=1)]
    with np.errstate(divide="ignore"):
        index = np.floor((np.log10(np.maximum(values, 0.0)) - LOG_LOW) * BINS_PER_DECADE) + 1
    index = np.clip(np.nan_to_num(index, nan=0.0, neginf=0.0), 0, bins + 1).astype(np.int64)
    counts = np.zeros((concentration.shape[1], bins + 2), dtype=np.int64)
    for t in range(concentration.shape[1]):
        counts[t] = np.bincount(index[:, t], minlength=bins + 2)
    return counts


def _histogram_percentile(histogram: np.ndarray, percentile: float) -> np.ndarray:
    """The concentration at a percentile per time, from the bin counts (bin centres; 0 below range)."""
    cumulative = histogram.cumsum(axis=1)
    total = cumulative[:, -1:]
    position = np.argmax(cumulative >= np.maximum(percentile / 100.0 * total, 1), axis=1)
    centre = 10.0 ** (LOG_LOW + (position - 0.5) / BINS_PER_DECADE)
    return np.where(position == 0, 0.0, centre)


__all__ = [
    "PERCENTILES",
    "PopulationResult",
    "prepare",
    "run_chunk",
    "simulate_virtual_population",
    "subject_parameters",
    "subject_schedules",
]
