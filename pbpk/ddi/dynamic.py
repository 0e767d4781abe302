"""Dynamic DDI simulation: a victim with its perpetrators in one coupled model, AUC and Cmax ratios.

The control phase is the same coupled model (one compiled kernel) with the
perpetrators' doses left out, so the ratios compare like with like. Ratios
are those of the victim's plasma AUC (from its last dose to infinity, or over
a window on the study clock) and Cmax in that window.

Examples
--------
>>> from pbpk.compound import load_compound
>>> result = interaction(Arm.of(load_compound("midazolam"), "7.5 mg", "oral", time="72 h"),
...                      [Arm.of(load_compound("itraconazole"), "200 mg", "iv", every="24 h", doses=4)])
>>> result.aucr > 3
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pbpk.compound import Compound
from pbpk.compound.load import formed_metabolites
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity, mg_per_umol, parse_quantity
from pbpk.engine.codegen import compile_model
from pbpk.engine.schedules import Schedule, merge_schedules
from pbpk.engine.solve import Schedules, SolveOptions, solve_many
from pbpk.engine.status import SolverStatus
from pbpk.model.coupled import CoupledModel, build_coupled_model, coupled_parameters
from pbpk.model.topology import Kinetics
from pbpk.physiology import Individual, reference_individual
from pbpk.populations.sampling import PopulationSpec
from pbpk.simulation.dosing import Dose, Regimen, repeated, schedule
from pbpk.simulation.nca import auc_to_infinity, auc_within, peak_within, terminal_slope
from pbpk.simulation.simulate import require_absorption

#: Longest simulated time after the victim's last dose when looking for its terminal phase (h).
MAX_HORIZON = 24.0 * 14
#: AUC∞ is accepted when the extrapolated part is below this fraction.
MAX_EXTRAPOLATED = 0.2
#: Relative tolerance of the virtual-population runs (as of the single runs).
RTOL_POPULATION = 1e-7


@dataclass(frozen=True)
class Arm:
    """A compound and its regimen (times on the study clock: h after the first perpetrator dose)."""

    compound: Compound
    regimen: Regimen

    @classmethod
    def of(cls, compound: Compound, dose: str, route: str, *, time: str = "0 h", every: str | None = None,
           doses: int = 1, duration: str | None = None) -> Arm:
        return cls(compound, repeated(Dose(dose, route, time, duration), every=every, doses=doses))


@dataclass(frozen=True)
class DdiSimulation:
    """One phase of a DDI study: every compound of the coupled model over time."""

    coupled: CoupledModel
    individual: Individual
    arms: tuple[Arm, ...]
    times: np.ndarray  # h
    states: np.ndarray  # (time, state), µmol
    outputs: np.ndarray  # (time, output), µmol/L
    status: SolverStatus

    def output(self, name: str) -> np.ndarray:
        return self.outputs[:, list(self.coupled.model.outputs).index(name)]

    def state(self, name: str) -> np.ndarray:
        return self.states[:, self.coupled.model.state_index(name)]

    def plasma(self, compound: Compound) -> np.ndarray:
        """Plasma concentration of ``compound`` (mg/L)."""
        tag = next(m.tag for m in self.coupled.members if m.compound.name == compound.name)
        return self.output(self.coupled.qualified(tag, "C_plasma")) * mg_per_umol(compound.molecular_weight.value)

    def mass_balance(self, tag: str) -> np.ndarray:
        """Drug of compound ``tag`` in the body, lumen and eliminated (µmol) over time."""
        member = self.coupled.member(tag)
        names = [self.coupled.qualified(tag, n) for n in member.model.mass_states]
        return sum(self.state(n) for n in names)

    @cached_property
    def data(self) -> pd.DataFrame:
        """Plasma concentrations (mg/L) of every compound and enzyme amounts/activities over time."""
        columns = {"time [h]": self.times}
        for member in self.coupled.members:
            columns[f"{member.compound.name} C_plasma [mg/L]"] = self.plasma(member.compound)
        for name in self.coupled.model.outputs:
            if name.startswith(("E_", "activity_")):
                columns[name] = self.output(name)
        return pd.DataFrame(columns)


@dataclass(frozen=True)
class DdiResult:
    """A victim with and without its perpetrators: AUC and Cmax ratios."""

    victim: Compound
    control: DdiSimulation
    treatment: DdiSimulation
    window: tuple[float, float]  # h on the study clock; end inf for AUC∞
    auc_control: float  # mg·h/L
    auc_treatment: float
    cmax_control: float  # mg/L
    cmax_treatment: float

    @property
    def aucr(self) -> float:
        return self.auc_treatment / self.auc_control

    @property
    def cmaxr(self) -> float:
        return self.cmax_treatment / self.cmax_control

    @property
    def ignored(self) -> tuple[str, ...]:
        return self.treatment.coupled.ignored

    def plot(self, path: str | None = None):
        """Victim profile with and without perpetrators, and the enzyme activities (see :mod:`pbpk.simulation.plots`)."""
        from pbpk.simulation.plots import ddi_profile

        return ddi_profile(self, path)


def coupled_model(compounds: Sequence[Compound], person: Individual, kinetics: Kinetics) -> CoupledModel:
    """The coupled model of ``compounds`` (victim first) with the metabolites their pathways form."""
    return build_coupled_model(compounds, person, kinetics=kinetics, metabolites=formed_metabolites(compounds))


def simulate_ddi(arms: Sequence[Arm], individual: Individual | None = None, *, dosed: Sequence[bool] | None = None,
                 until: float | None = None, kinetics: Kinetics = "michaelis_menten", rtol: float = 1e-7,
                 max_steps: int = 400_000, coupled: CoupledModel | None = None) -> DdiSimulation:
    """Simulate the coupled model of ``arms`` (victim first); ``dosed[i]`` False leaves arm i undosed.

    ``until`` (h) ends the simulation (default: last dose + 48 h).
    """
    person = individual or reference_individual("male")
    for arm in arms:
        require_absorption(arm.compound, arm.regimen)
    coupled = coupled or coupled_model([a.compound for a in arms], person, kinetics)
    dosed = [True] * len(arms) if dosed is None else list(dosed)
    model = coupled.model
    kernel = compile_model(model, "numba")
    vector, _ = coupled_parameters(coupled, person)
    if not any(dosed):
        raise PbpkInputError("ddi", "regimen", None, "at least one dosed compound")
    last = max(d.time.to("h").magnitude for arm, g in zip(arms, dosed) if g for d in arm.regimen.doses)
    end = until if until is not None else last + 48.0
    plan = _plans(arms, dosed, coupled, person.body_weight.to("kg").magnitude, end)
    grid = _grid(arms[0].regimen, plan, end)
    solved = solve_many(kernel, vector[None], Schedules.of(plan), grid, SolveOptions("general", rtol, None, max_steps))
    return DdiSimulation(coupled, person, tuple(arms), grid, solved.states[0], solved.outputs[0], solved.status(0))


def interaction(victim: Arm, perpetrators: Sequence[Arm], individual: Individual | None = None, *,
                window: tuple[float, float] | None = None, kinetics: Kinetics = "michaelis_menten") -> DdiResult:
    """AUCR and CmaxR of ``victim`` with ``perpetrators`` (same victim regimen alone as control).

    ``window``: (start, end) in h on the study clock for the AUC and Cmax; default
    from the victim's last dose to infinity (extrapolated by the terminal slope).
    """
    person = individual or reference_individual("male")
    if not perpetrators:
        raise PbpkInputError("ddi", "perpetrators", None, "at least one perpetrator")
    arms = (victim, *perpetrators)
    coupled = coupled_model([a.compound for a in arms], person, kinetics)
    start = victim.regimen.doses[-1].time.to("h").magnitude
    if window is not None and window[0] > start + 1e-9 and not math.isinf(window[1]):
        start = window[0]
    if window is not None and not math.isinf(window[1]) and window[1] <= window[0]:
        raise PbpkInputError("ddi", "auc", list(window), "a window whose end is after its start")
    horizon = 48.0
    while True:
        end = window[1] if window is not None and not math.isinf(window[1]) else start + horizon
        end = max(end, start + 1.0)
        treatment = simulate_ddi(arms, person, until=end, coupled=coupled)
        control = simulate_ddi(arms, person, dosed=[True] + [False] * len(perpetrators), until=end, coupled=coupled)
        for phase in (treatment, control):
            if not phase.status.ok:
                raise PbpkInputError("ddi", "simulation", phase.status.code, "a solved simulation",
                                     phase.status.message)
        finite = window is not None and not math.isinf(window[1])
        auc_t, extra_t = _victim_auc(treatment, victim.compound, start, end, finite)
        auc_c, extra_c = _victim_auc(control, victim.compound, start, end, finite)
        if finite or max(extra_t, extra_c) <= MAX_EXTRAPOLATED or horizon >= MAX_HORIZON:
            break
        horizon = min(horizon * 3.0, MAX_HORIZON)
    cmax_t = _cmax(treatment, victim.compound, start, end)
    cmax_c = _cmax(control, victim.compound, start, end)
    return DdiResult(victim.compound, control, treatment, (start, end if finite else math.inf),
                     auc_c, auc_t, cmax_c, cmax_t)


def _grid(victim: Regimen, plan: Schedule, end: float) -> np.ndarray:
    """Output times: coarse over the study, dense after each victim dose (6 min for 24 h, then 30 min)."""
    parts = [np.linspace(0.0, end, 481), plan.times[plan.times <= end]]
    for dose in victim.doses:
        t0 = dose.time.to("h").magnitude
        parts.append(t0 + np.arange(0.0, 24.0, 0.1))
        parts.append(t0 + np.arange(24.0, max(end - t0, 24.0), 0.5))
    grid = np.unique(np.concatenate(parts))
    return grid[(grid >= 0) & (grid <= end)]


def _victim_auc(phase: DdiSimulation, victim: Compound, start: float, end: float, finite: bool) -> tuple[float, float]:
    """AUC (mg·h/L) of the victim's plasma concentration from ``start`` to ``end`` (or ∞), and the extrapolated part."""
    auc = phase.state(phase.coupled.qualified(phase.coupled.members[0].tag, "AUC_plasma")) \
        * mg_per_umol(victim.molecular_weight.value)
    return auc_between(phase.times, auc, phase.plasma(victim), start, end, finite)


def auc_between(times: np.ndarray, auc: np.ndarray, concentration: np.ndarray, start: float, end: float,
                finite: bool) -> tuple[float, float]:
    """AUC from the integrated state between ``start`` and ``end``, or to ∞ by the terminal slope
    (λz from the last ≤ 200 points after the peak); returns (AUC, extrapolated fraction)."""
    within = auc_within(times, auc, start, end)
    if finite:
        return within, 0.0
    after = times >= start
    tt, cc = times[after], concentration[after]
    peak = int(np.argmax(cc))
    fit = terminal_slope(tt[peak + 1:], cc[peak + 1:], last=200)
    if fit is None:
        raise PbpkInputError("ddi", "auc", "inf", "a victim profile with a terminal decline",
                             "give a finite AUC window")
    extrapolated = float(cc[-1] / fit[0])
    total = float(auc_to_infinity(within, cc[-1], fit[0]))  # within + extrapolated
    return total, extrapolated / total


def _cmax(phase: DdiSimulation, victim: Compound, start: float, end: float) -> float:
    return peak_within(phase.times, phase.plasma(victim), start, end)[0]


@dataclass(frozen=True)
class PopulationProfiles:
    """A victim's plasma profiles in a virtual population on its comedication (study clock)."""

    times: np.ndarray  # h
    concentrations: np.ndarray  # subjects × times, mg/L (NaN where the solver failed)
    auc: np.ndarray  # subjects × times, cumulative plasma AUC, mg·h/L
    subjects: pd.DataFrame  # covariates of each subject (populations.sampling.Subjects.covariates)


@dataclass(frozen=True)
class _Population:
    """Subjects of a spec with their coupled parameter vectors and the compiled coupled model."""

    coupled: CoupledModel
    kernel: object
    parameters: np.ndarray
    subjects: object  # populations.sampling.Subjects


def _population(arms: Sequence[Arm], spec: PopulationSpec, n: int, seed: int,
                coupled: CoupledModel | None = None) -> _Population:
    """Each subject's coupled parameter vector: its reference person's (by sex and ethnicity) with its own organ
    sizes, flows, GFR and enzyme activities applied to every compound; interaction constants and turnover shared.
    ``coupled``: the model of the arms (by default built for the first reference person)."""
    from pbpk.populations.run import apply_subject_factors, coupled_vectors
    from pbpk.populations.sampling import anchor_table, anchors, sample

    people = anchors(spec)
    coupled = coupled or coupled_model([arm.compound for arm in arms], people[0][2], "michaelis_menten")
    vectors, rules = coupled_vectors(coupled, [person for _, _, person in people])
    subjects = sample(spec, n, seed, anchor_table(people))
    parameters = apply_subject_factors(vectors[subjects.anchor].copy(), rules, subjects)
    return _Population(coupled, compile_model(coupled.model, "numba"), parameters, subjects)


def _victim_phase(population: _Population, arms: Sequence[Arm], dosed: Sequence[bool], times: np.ndarray,
                  stop: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The victim's plasma concentration and AUC (mg/L, mg·h/L; subjects × times) and solver codes of one phase."""
    coupled = population.coupled
    subjects = population.subjects
    # doses (mg or mg/kg) and dose scales are linear in body weight: two schedules give every subject's
    one, two = (_plans(arms, dosed, coupled, w, stop) for w in (1.0, 2.0))
    tag = coupled.members[0].tag
    solved = solve_many(population.kernel, population.parameters, Schedules.linear_in(one, two, subjects.weight),
                        times, SolveOptions("general", RTOL_POPULATION, None, 400_000),
                        states=(coupled.qualified(tag, "AUC_plasma"),), outputs=(coupled.qualified(tag, "C_plasma"),))
    to_mg = mg_per_umol(arms[0].compound.molecular_weight.value)
    return solved.outputs[:, :, 0] * to_mg, solved.states[:, :, 0] * to_mg, solved.codes


def population_interaction(victim: Arm, perpetrators: Sequence[Arm], spec: PopulationSpec, n: int, *,
                           seed: int = 1, window: tuple[float, float] | None = None, progress: bool = False
                           ) -> dict[str, np.ndarray]:
    """AUCR and CmaxR of ``n`` virtual subjects of ``spec`` (adults; :mod:`pbpk.populations.sampling`).

    Subjects as in :func:`population_profiles`. Both phases run on the typical subject's grid, in parallel
    over subjects. ``progress``: a bar on stderr, one step per phase.
    """
    from tqdm import tqdm

    from pbpk.populations.sampling import anchors

    typical = interaction(victim, perpetrators, anchors(spec)[0][2], window=window)
    arms = (victim, *perpetrators)
    population = _population(arms, spec, n, seed, typical.treatment.coupled)
    times = typical.treatment.times
    start, end = typical.window
    finite = not math.isinf(end)
    stop = end if finite else times[-1]
    result = {}
    phases = (("treatment", [True] * len(arms)), ("control", [True] + [False] * len(perpetrators)))
    for phase, dosed in tqdm(phases, unit="phase", desc=f"ddi: {n} subjects", disable=not progress):  # on stderr
        concentration, auc, status = _victim_phase(population, arms, dosed, times, stop)
        values = [auc_between(times, auc[k], concentration[k], start, stop, finite)[0]
                  if status[k] == 0 else np.nan for k in range(n)]
        peaks = [peak_within(times, concentration[k], start, stop)[0] if status[k] == 0 else np.nan
                 for k in range(n)]
        result[phase] = (np.array(values), np.array(peaks))
    return {"AUCR": result["treatment"][0] / result["control"][0], "CmaxR": result["treatment"][1] / result["control"][1]}


def population_profiles(victim: Arm, perpetrators: Sequence[Arm], spec: PopulationSpec, n: int, times: np.ndarray,
                        *, seed: int = 1) -> PopulationProfiles:
    """The victim's plasma profiles at ``times`` (h, study clock) in ``n`` subjects of ``spec`` on ``perpetrators``.

    Each subject's coupled parameter vector is its reference person's (by sex and ethnicity) with its own organ
    sizes, flows, GFR and enzyme activities applied to every compound
    (:func:`pbpk.populations.run.apply_subject_factors`); interaction constants and enzyme turnover are shared.
    """
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 2 or np.any(np.diff(times) <= 0):
        shown = times.tolist() if times.size <= 8 else f"{times.size} times from {times.min():g} h"
        raise PbpkInputError("ddi", "times", shown, "two or more increasing sample times (h)")
    arms = (victim, *perpetrators)
    for arm in arms:
        require_absorption(arm.compound, arm.regimen)
    population = _population(arms, spec, n, seed)
    concentration, auc, status = _victim_phase(population, arms, [True] * len(arms), times, float(times[-1]))
    failed = status != 0
    concentration[failed], auc[failed] = np.nan, np.nan
    return PopulationProfiles(times, concentration, auc, population.subjects.covariates())


def _plans(arms: Sequence[Arm], dosed: Sequence[bool], coupled: CoupledModel, weight: float,
           until: float) -> Schedule:
    """The merged schedule of the dosed arms for a body weight (kg); each compound's states take its own dose
    as their scale (:mod:`pbpk.engine.tolerances`)."""
    model = coupled.model
    plans = []
    for arm, member, given in zip(arms, coupled.members, dosed):
        if not given:
            continue
        plan = schedule(arm.regimen, coupled.dose_targets(member.tag), len(model.states),
                        molecular_weight=arm.compound.molecular_weight.value, body_weight=Quantity(weight, "kg"),
                        states=coupled.state_indices(member.tag))
        plans.append(plan)
    return merge_schedules(plans, until=until)


def parse_window(text: str | Sequence | None) -> tuple[float, float] | None:
    """``inf`` (None), or a [start, end] window in h."""
    if text is None or (isinstance(text, str) and text.strip() == "inf"):
        return None
    if isinstance(text, str):
        text = [part for part in text.replace(",", " ").split() if part]
    if len(text) != 2:
        raise PbpkInputError("ddi", "auc", text, "inf or [start, end] in h")
    start, end = (parse_quantity(str(v) if " " in str(v) else f"{v} h", "h", where="ddi", field="auc",
                                 example="72 h").to("h").magnitude for v in text)
    return float(start), float(end)
