"""Simulation: one entry point from a compound and a person to concentration–time data.

``simulate`` builds (or reuses) the model of the compound's structure,
compiles it once, computes the parameter vector, turns the dosing into a
schedule and solves — exactly (matrix exponential) when the model is linear,
with the Numba RODAS4 integrator otherwise. A compound that acts on its own
clearance (clarithromycin inactivating its CYP3A4, itraconazole inhibited by
the metabolites it forms) is solved in the coupled model of itself and its
metabolites (:mod:`pbpk.model.coupled`), so that auto-inhibition and
auto-induction shape every profile, not only DDI phases. ``simulate_population`` solves an
n × p parameter matrix with the same kernel in a parallel loop.

Examples
--------
>>> from pbpk import load_compound, reference_individual
>>> sim = simulate(load_compound("midazolam"), reference_individual("male"), dose="5 mg", route="iv", until="24 h")
>>> sim.status.ok, sim.method
(True, 'general')
>>> 10 < sim.nca().CL < 40    # L/h
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Unpack

import numpy as np
import pandas as pd

from pbpk.compound import Compound
from pbpk.compound.load import formed_metabolites
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import mg_per_umol, parse_quantity
from pbpk.engine.codegen import compile_model
from pbpk.engine.schedules import Schedule, segment
from pbpk.engine.solve import Schedules, SolveOptions, solve_many
from pbpk.engine.status import SolverStatus
from pbpk.model.coupled import CoupledModel, acts_on_itself, build_coupled_model, coupled_parameters
from pbpk.model.parameters import ParameterSet, parameter_table, predicted_half_life, to_vector
from pbpk.model.symbolic import SymbolicModel, build_model
from pbpk.model.topology import Kinetics, build_topology
from pbpk.physiology import Individual, reference_individual
from pbpk.simulation.dosing import DosingOptions, Regimen, regimen_of, schedule
from pbpk.simulation.nca import NCAResult, analyse

if TYPE_CHECKING:  # pragma: no cover
    from pbpk.simulation.observed import ObservedProfile

_MODELS: dict[tuple[str, str], SymbolicModel] = {}


def model_for(compound: Compound, individual: Individual, *, kinetics: Kinetics = "michaelis_menten") -> SymbolicModel:
    """The symbolic model of the compound's structure (built once per structure)."""
    topology = build_topology(compound, individual, kinetics=kinetics)
    key = (topology.signature, "pbpk")
    if key not in _MODELS:
        _MODELS[key] = build_model(topology)
    return _MODELS[key]


@dataclass(frozen=True)
class Simulation:
    """A solved simulation: states and outputs on the time grid, with what produced them."""

    compound: Compound
    individual: Individual
    regimen: Regimen
    model: SymbolicModel
    parameters: ParameterSet
    vector: np.ndarray
    times: np.ndarray
    states: np.ndarray
    outputs: np.ndarray
    method: str
    status: SolverStatus
    warnings: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    enzymes: Mapping[str, np.ndarray] = field(default_factory=dict)  # amount/activity vs baseline, if self-acting

    @property
    def molecular_weight(self) -> float:
        """g/mol."""
        return self.compound.molecular_weight.value.to("g/mol").magnitude

    @property
    def mg_per_umol(self) -> float:
        """Factor from the internal µmol (µmol/L) to mg (mg/L)."""
        return mg_per_umol(self.compound.molecular_weight.value)

    def state(self, name: str) -> np.ndarray:
        """A state over time, in internal units (µmol; AUC states µmol·h/L)."""
        return self.states[:, self.model.state_index(name)]

    def output(self, name: str) -> np.ndarray:
        """An output over time, in internal units (µmol/L)."""
        return self.outputs[:, list(self.model.outputs).index(name)]

    @cached_property
    def data(self) -> pd.DataFrame:
        """Time × outputs with units in the column names (mg/L, mg, mg·h/L)."""
        to_mg = self.mg_per_umol
        columns = {"time [h]": self.times}
        for name in self.model.outputs:
            columns[f"{name} [mg/L]"] = self.output(name) * to_mg
        for name in self.model.state_names:
            if name.startswith("AUC"):
                continue
            columns[f"{name} [mg]"] = self.state(name) * to_mg
        columns["AUC_plasma [mg*h/L]"] = self.state("AUC_plasma") * to_mg
        columns.update({f"{name} [-]": values for name, values in self.enzymes.items()})
        return pd.DataFrame(columns)

    def mass_balance(self) -> np.ndarray:
        """Drug in the body, lumen, eliminated and unabsorbed (µmol), per time point."""
        indices = [self.model.state_index(name) for name in self.model.mass_states]
        return self.states[:, indices].sum(axis=1)

    def nca(self) -> NCAResult:
        """NCA of the plasma profile; oral: CL/F, and F, CL, Vss and Vz from a paired IV bolus simulation."""
        doses = self.regimen.doses
        route = doses[0].route
        to_mg = self.mg_per_umol
        last = max(d.time.to("h").magnitude for d in doses)
        interval = self.regimen.last_interval  # doses given together are one administration
        infusion = doses[0].duration.to("h").magnitude if route == "infusion" else 0.0
        dose_mg = sum(d.mass(self.individual.body_weight).to("mg").magnitude for d in doses
                      if abs(d.time.to("h").magnitude - last) < 1e-9)
        result = analyse(self.times, self.output("C_plasma") * to_mg, self.state("AUC_plasma") * to_mg,
                         self.state("AUC_integral") * to_mg, dose=dose_mg, route=route, last_dose_time=last,
                         interval=interval, infusion_duration=infusion)
        if route == "oral" and len(doses) == 1 and result.AUC_inf is not None:
            reference = simulate(self.compound, self.individual, regimen=Regimen((replace(doses[0], route="iv"),)),
                                 times=self.times, **self.options)
            iv = reference.nca()
            fraction = result.AUC_inf / iv.AUC_inf
            result = replace(result, F=fraction, CL=iv.CL, Vss=iv.Vss, Vz=iv.Vz)
        return result

    def plot(self, path: str | None = None, *, scale: str = "both", outputs: tuple[str, ...] = ("C_plasma",),
             observed: ObservedProfile | None = None):
        """Concentration–time figure, with ``observed`` levels if given (see :func:`pbpk.simulation.plots.profile`)."""
        from pbpk.simulation.plots import profile

        return profile(self, path, scale=scale, outputs=outputs, observed=observed)


def simulate(
    compound: Compound,
    individual: Individual | None = None,
    *,
    regimen: Regimen | None = None,
    until: str | None = None,
    times: np.ndarray | None = None,
    points: int = 481,
    method: str = "auto",
    kinetics: Kinetics = "michaelis_menten",
    partition_method: str | None = None,
    backend: str = "numba",
    rtol: float = 1e-8,
    max_steps: int = 200_000,
    **dosing: Unpack[DosingOptions],
) -> Simulation:
    """Simulate ``compound`` in ``individual`` (default: ICRP 89 reference man).

    Give either ``dose`` (with ``route``, ``infusion_time``, ``every``,
    ``doses``) or a ready ``regimen``. ``until`` (e.g. ``"48 h"``) sets the end
    of the grid; by default it covers the last dose plus five predicted
    half-lives (at least 24 h). ``method``: ``auto`` (exact when the model is
    linear), ``exact`` or ``general``.
    """
    individual = individual or reference_individual("male")
    options = SolveOptions(method, rtol, None, max_steps)
    regimen = regimen_of(regimen, dosing)
    require_absorption(compound, regimen)
    model = model_for(compound, individual, kinetics=kinetics)
    table = parameter_table(model, compound, individual, partition_method=partition_method)
    vector = to_vector(model, table.values)
    plan = schedule(regimen, {r: model.state_index(s) for r, s in model.dose_targets.items()}, len(model.states),
                    molecular_weight=compound.molecular_weight.value, body_weight=individual.body_weight)
    grid = output_grid(times, until, points, regimen, plan, model, vector)
    settings = {"method": method, "kinetics": kinetics, "partition_method": partition_method, "backend": backend,
                "rtol": rtol, "max_steps": max_steps}
    coupled = coupled_alone(compound, individual, kinetics)
    if coupled is not None:
        if method == "exact":
            raise PbpkInputError("simulate", "method", method, "auto or general",
                                 f"{compound.name} acts on its own clearance ({_own_action(coupled)}), "
                                 "so its model is not linear")
        states, outputs, solved_method, status, enzymes, warnings = _solve_acting_on_itself(
            coupled, individual, regimen, grid, options, settings)
        return Simulation(compound, individual, regimen, model, table, vector, grid, states, outputs, solved_method,
                          status, tuple(dict.fromkeys((*table.warnings, *warnings))), settings, enzymes)
    solved = solve_many(compile_model(model, backend), vector[None], Schedules.of(plan), grid, options)
    return Simulation(compound, individual, regimen, model, table, vector, grid, solved.states[0], solved.outputs[0],
                      solved.method, solved.status(0), table.warnings, settings)


def coupled_alone(compound: Compound, individual: Individual, kinetics: Kinetics = "michaelis_menten"
                  ) -> CoupledModel | None:
    """The coupled model of ``compound`` with the metabolites it forms, when it acts on its own clearance
    (:func:`pbpk.model.coupled.acts_on_itself`); None otherwise."""
    metabolites = formed_metabolites([compound])
    if not acts_on_itself([compound, *metabolites.values()]):
        return None
    return build_coupled_model([compound], individual, kinetics=kinetics, metabolites=metabolites)


def _solve_acting_on_itself(coupled: CoupledModel, individual: Individual, regimen: Regimen, grid: np.ndarray,
                            options: SolveOptions, settings: dict):
    """Solve the compound of ``coupled`` (:func:`coupled_alone`) with its metabolites; returns its own states and outputs
    in the order of its single-compound model, the solver method and status, the enzyme amounts and
    activities relative to baseline (``E_<enzyme>_<site>``; ``activity_<enzyme>_<site>``: as a victim would
    see it, every inhibitor's binding included), and the metabolites' parameter warnings."""
    member = coupled.members[0]
    compound = member.compound
    kernel = compile_model(coupled.model, settings["backend"])
    vector, warnings = coupled_parameters(coupled, individual, partition_method=settings["partition_method"])
    plan = schedule(regimen, coupled.dose_targets(member.tag), len(coupled.model.states),
                    molecular_weight=compound.molecular_weight.value, body_weight=individual.body_weight,
                    states=coupled.state_indices(member.tag))
    solved = solve_many(kernel, vector[None], Schedules.of(plan), grid, options)
    states, outputs, enzymes = _own_columns(coupled, solved.states[0], solved.outputs[0])
    notes = [w for w in warnings if not w.startswith(f"{compound.name}: ")]  # the metabolites' parameter warnings
    return states, outputs, solved.method, solved.status(0), enzymes, notes


def _own_columns(coupled: CoupledModel, states: np.ndarray, outputs: np.ndarray):
    """The first member's states and outputs (time × columns, in its single-compound order) from a coupled
    solution, and the enzyme amounts and activities (``E_*``, ``activity_*``) over time."""
    member = coupled.members[0]
    names = list(coupled.model.outputs)
    own = outputs[:, [names.index(coupled.qualified(member.tag, n)) for n in member.model.outputs]]
    enzymes = {n: outputs[:, i] for i, n in enumerate(names) if n.startswith(("E_", "activity_"))}
    return states[:, coupled.state_indices(member.tag)], own, enzymes


def _own_action(coupled: CoupledModel) -> str:
    """The interactions of a compound and its metabolites on what clears them, for messages."""
    members = [member.compound for member in coupled.members]
    clearing = {p.enzyme for m in members for p in m.clearance.hepatic} | {
        t for m in members for _, _, t in m.transport_processes}
    return ", ".join(f"{c.name}: {i.type} {i.target}" for c in members for i in c.interactions if i.target in clearing)


def require_single_compound_model(compound: Compound, where: str) -> None:
    """Refuse a compound that acts on its own clearance on a path that solves only its single-compound model
    (its values, e.g. clarithromycin's CLint, hold with that action and would be wrong without it)."""
    coupled = coupled_alone(compound, reference_individual("male"))
    if coupled is not None:
        raise PbpkInputError(where, "compound", compound.name, "a compound that does not act on its own clearance",
                             f"{compound.name} acts on it ({_own_action(coupled)}), which this path "
                             "does not model yet; simulate each person with pbpk.simulation.simulate.simulate")


def require_absorption(compound: Compound, regimen: Regimen) -> None:
    """Oral doses need the compound's absorption block."""
    if "oral" in regimen.routes and compound.absorption is None:
        raise PbpkInputError(compound.file, "absorption", None, "an absorption block for oral dosing",
                             "add absorption: {model: first_order, ka: ..., fa: ..., source: ...}")


def simulate_changing(
    compound: Compound,
    physiology: Callable[[float], Individual],
    *,
    regimen: Regimen | None = None,
    until: str | None = None,
    update_every: str = "24 h",
    points: int = 481,
    kinetics: Kinetics = "michaelis_menten",
    rtol: float = 1e-8,
    max_steps: int = 200_000,
    **dosing: Unpack[DosingOptions],
) -> Simulation:
    """Simulate while the body changes: ``physiology(t)`` gives the person at time t (h).

    The parameters are renewed every ``update_every`` (piecewise constant; the
    drug amounts carry over) with the same compiled kernel — for a neonate
    growing over weeks of therapy (:func:`pbpk.physiology.pediatrics.growing_child`) or an
    advancing pregnancy (:func:`pbpk.physiology.pregnancy.advancing_pregnancy`). Doses per
    kg use the weight at the time of each dose. The model structure must stay the
    same (a pregnancy cannot cross the week the fetus joins the model). A compound acting
    on its own clearance is solved coupled with its metabolites, as in :func:`simulate`.
    """
    start = physiology(0.0)
    regimen = regimen_of(regimen, dosing)
    require_absorption(compound, regimen)
    step = parse_quantity(update_every, "h", where="simulate", field="update_every", example="24 h").to("h").magnitude
    if step <= 0:
        raise PbpkInputError("simulate", "update_every", update_every, "a positive interval")
    fixed = Regimen(tuple(replace(d, amount=d.mass(physiology(d.time.to("h").magnitude).body_weight))
                          for d in regimen.doses))
    model = model_for(compound, start, kinetics=kinetics)
    coupled = coupled_alone(compound, start, kinetics)  # as in simulate()
    solved_model = coupled.model if coupled else model
    kernel = compile_model(solved_model, "numba")
    first = parameter_table(model, compound, start)
    targets = coupled.dose_targets(coupled.members[0].tag) if coupled else {
        r: model.state_index(n) for r, n in model.dose_targets.items()}
    plan = schedule(fixed, targets, len(solved_model.states), molecular_weight=compound.molecular_weight.value,
                    body_weight=start.body_weight, states=coupled.state_indices(coupled.members[0].tag) if coupled else None)
    grid = output_grid(None, until, points, fixed, plan, model, to_vector(model, first.values))
    boundaries = np.append(np.arange(0.0, grid[-1], step), grid[-1])
    states = np.empty((len(grid), len(solved_model.states)))
    outputs = np.empty((len(grid), len(solved_model.outputs)))
    y = np.zeros(len(solved_model.states))
    options = SolveOptions("auto", rtol, None, max_steps)
    for a, b in zip(boundaries[:-1], boundaries[1:]):
        person = physiology(a)
        if build_topology(compound, person, kinetics=kinetics).signature != model.topology.signature:
            raise PbpkInputError("simulate", "physiology", f"at {a:g} h",
                                 "the same model structure throughout (e.g. not across the week the fetus appears)")
        vector = coupled_parameters(coupled, person)[0] if coupled else to_vector(
            model, parameter_table(model, compound, person).values)
        last = b == boundaries[-1]
        inside = (grid >= a) & ((grid <= b) if last else (grid < b))
        times = np.unique(np.concatenate([[a], grid[inside], [b]]))
        solved = solve_many(kernel, vector[None], Schedules.of(segment(plan, a, b, last)), times, options, initial=y)
        status = solved.status(0)
        if not status.ok:
            break
        keep = np.isin(times, grid[inside])
        states[inside] = solved.states[0, keep]
        outputs[inside] = solved.outputs[0, keep]
        y = solved.states[0, -1]
    states, outputs, enzymes = _own_columns(coupled, states, outputs) if coupled else (states, outputs, {})
    return Simulation(compound, start, fixed, model, first, to_vector(model, first.values), grid, states, outputs,
                      solved.method, status, first.warnings,
                      {"method": "auto", "kinetics": kinetics, "partition_method": None, "backend": "numba",
                       "rtol": rtol, "max_steps": max_steps}, enzymes)


def output_grid(times: np.ndarray | None, until: str | None, points: int, regimen: Regimen, plan: Schedule,
                model: SymbolicModel, vector: np.ndarray) -> np.ndarray:
    """Output times (h): ``times`` as given, or ``points`` to ``until`` (default: last dose + 5 predicted
    half-lives, at least 24 h, at most 14 days), plus every dosing event."""
    if times is not None:
        grid = np.asarray(times, dtype=float)
        if grid.ndim != 1 or len(grid) < 2 or np.any(np.diff(grid) <= 0) or grid[0] < 0:
            raise PbpkInputError("simulate", "times", "array", "an increasing 1-D array of times ≥ 0 h")
        return grid
    last = regimen.last_time.to("h").magnitude
    if until is not None:
        end = parse_quantity(until, "h", where="simulate", field="until", example="48 h").to("h").magnitude
        if end <= last:
            raise PbpkInputError("simulate", "until", until, f"a time after the last dose ({last:g} h)")
    else:
        end = last + max(24.0, min(5 * predicted_half_life(model, vector), 24.0 * 14))
    grid = np.linspace(0.0, end, points)
    extra = plan.times[(plan.times > 0) & (plan.times < end)]
    return np.unique(np.concatenate([grid, extra]))
