"""Running a clinical case: simulate the study arm and compare with what was observed.

``run_case`` simulates each sex of the study population as its reference person (at the
reported mean age and weight), computes the observed metrics from the simulated profile
(NCA), and returns a :class:`CaseResult`; ``summarise`` reports GMFE and fold fractions
(:mod:`pbpk.qualification.comparison`).

Examples
--------
>>> from pbpk.qualification.cases import load_case
>>> result = run_case(load_case("midazolam-iv-smith-1981-415"))
>>> result.role, sorted(result.ratios)
('test', ['AUC', 'CL'])
>>> 0.5 < result.ratios["CL"] < 2
True
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pint

from pbpk.compound import Compound, load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.physiology import reference_individual
from pbpk.physiology.ontogeny import ontogeny_set_name
from pbpk.physiology.patient import patient
from pbpk.physiology.pediatrics import child
from pbpk.physiology.pregnancy import pregnant
from pbpk.qualification.cases import (
    METRICS,
    PER_WEIGHT,
    RATIO_METRICS,
    Observation,
    Population,
    ValidationCase,
    doses_in_window,
)
from pbpk.qualification.comparison import Compared, fold_summary
from pbpk.simulation.nca import NCAResult, auc_within, peak_within
from pbpk.simulation.simulate import Simulation, simulate


@dataclass(frozen=True)
class CaseResult(Compared):
    """Predicted and observed metrics of one case; ratios are predicted/observed."""

    case: ValidationCase
    role: str  # "test" or "training"
    predicted: Mapping[str, float]
    observed: Mapping[str, float]
    units: Mapping[str, str]
    simulations: tuple[Simulation, ...]
    weights: tuple[float, ...]
    reference_simulations: tuple[Simulation, ...] = ()
    ontogeny: str | None = None  # the enzyme ontogeny set of a pediatric case; None for the others
    model_warnings: tuple[str, ...] = ()  # what the model warned of while simulating the case (each once)

    @property
    def expected_within(self) -> Mapping[str, float]:
        return self.case.expected_within

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

    @property
    def population_group(self) -> str:
        """The case's report group (:attr:`pbpk.qualification.cases.Population.group`)."""
        return self.case.population.group


def training_values(case, compound: Compound) -> list[str]:
    """Compound values fitted to the study of ``case`` (anything with ``.study.key``), matched on the key."""
    key = _normalise(case.study.key)
    return [name for name, study in compound.fitted_values.items() if key and key in _normalise(study)]


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def run_case(case: ValidationCase, ontogeny: str | None = None) -> CaseResult:
    """Simulate the study (each sex present, at the reported mean age and weight) and compare.

    ``ontogeny`` names the enzyme ontogeny set of a pediatric study's children (default: the database's
    default set, :mod:`pbpk.physiology.ontogeny`); the case files' bands were set with the default."""
    compound = load_compound(case.compound)
    fitted = training_values(case, compound)
    if sorted(fitted) != sorted(case.fitted_parameters):
        raise PbpkInputError(
            case.file, "fitted_parameters", list(case.fitted_parameters),
            f"the compound values fitted to study '{case.study.key}': {fitted or 'none'}",
            "a case must declare the values fitted to its study (honesty rule); copy the list",
        )
    role = "training" if fitted else "test"
    with warnings.catch_warnings(record=True) as caught:  # kept with the case, shown in its report
        warnings.simplefilter("always")
        simulations, weights = _simulate_population(case, compound, case.population, ontogeny)
        reference = _simulate_population(case, compound, case.reference_population, ontogeny) \
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
    pediatric = case.population.group == "pediatric"
    return CaseResult(case, role, predicted, observed, units, tuple(simulations), tuple(weights),
                      tuple(reference[0]), ontogeny_set_name(ontogeny) if pediatric else None,
                      tuple(dict.fromkeys(str(w.message) for w in caught)))


def _simulate_population(case: ValidationCase, compound: Compound, population: Population,
                         ontogeny: str | None = None):
    """Each sex present, as the reference person of the population; returns simulations and sex weights."""
    simulations, weights = [], []
    for sex, share in (("male", 1.0 - population.female_fraction), ("female", population.female_fraction)):
        if share <= 0:
            continue
        simulation = simulate(compound, study_person(population, sex, ontogeny), regimen=case.regimen, times=_grid(case))
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


def study_person(population: Population, sex: str, ontogeny: str | None = None):
    """The typical person of the study: the adult (or child) of the mean age, height and weight where given, with
    the study's renal function (:func:`pbpk.physiology.patient.patient`); the ICRP 89 age (35 y) when none is given.
    A child's enzymes mature by the ``ontogeny`` set (default: the database's default set).

    A mean weight of a study of both sexes is shared between them in the ratio of the reference man's and woman's
    weights (73 : 60 kg), so that each keeps the body build of its sex; likewise a mean height."""
    if population.gestational_week:  # the case loader refused weight, height and impairment here
        return pregnant(population.gestational_week)
    if population.group == "pediatric":
        return child(population.age, sex, weight=population.weight, height=population.height,
                     gestational_age=population.gestational_age or "40 week", ontogeny=ontogeny)
    references = {s: reference_individual(s) for s in ("male", "female")}
    return patient(sex, age=population.age or references[sex].age,
                   height=_sex_share(population.height, "height", sex, population.female_fraction, references),
                   weight=_sex_share(population.weight, "body_weight", sex, population.female_fraction, references),
                   **population.renal_function, dialysis=population.dialysis, child_pugh=population.child_pugh)


def _sex_share(mean: pint.Quantity | None, field: str, sex: str, female_fraction: float, references) -> pint.Quantity:
    """One sex's value of a study mean, in the ratio of the reference adults' values (None stays None)."""
    if mean is None:
        return None
    male, female = (getattr(references[s], field) for s in ("male", "female"))
    average = (1.0 - female_fraction) * male + female_fraction * female
    return (mean * (getattr(references[sex], field) / average).to("").magnitude).to(male.units)


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
    """Output grid when a window or an observed profile needs its own times (else the default): the doses, infusion
    ends and observed times, and 240 steps inside each window.

    It runs a week past the last dose (or to the last observed time if later) so that
    the terminal phase for AUC∞, t½ and Vss is still resolved.
    """
    windows = [obs.interval for obs in case.observed.values() if isinstance(obs.interval, tuple)]
    ends = [t1 for _, t1 in windows]
    if case.profile is not None:
        ends.append(float(case.profile.times.max()))
    if not ends:
        return None
    last = case.regimen.last_time.to("h").magnitude
    horizon = max(max(ends), last + 168.0)
    grid = np.linspace(0.0, horizon, 1681)
    starts = [d.time.to("h").magnitude for d in case.regimen.doses]
    infusion_ends = [d.time.to("h").magnitude + d.duration.to("h").magnitude
                     for d in case.regimen.doses if d.route == "infusion"]
    observed_times = [] if case.profile is None else list(case.profile.times)
    dense = [np.linspace(t0, t1, 241) for t0, t1 in windows]  # a peak in a window to 1/240 of its length
    return np.unique(np.concatenate([grid, starts, infusion_ends, observed_times, *dense]))


def _predicted(simulation: Simulation, nca: NCAResult, name: str, observation: Observation,
               unit: str) -> float | None:
    """The simulated counterpart of an observed metric, in ``unit``; None if the profile does not define it."""
    weight = simulation.individual.body_weight.to("kg").magnitude
    per_weight = unit in PER_WEIGHT.values()
    window = observation.interval if isinstance(observation.interval, tuple) else None
    if name == "AUC":
        if observation.interval == "inf":
            value = nca.AUC_inf
        elif observation.interval == "tau":
            value = nca.AUC_tau
        else:
            value = _window_auc(simulation, window)
    elif window is not None and name in ("Cmax", "tmax"):
        peak = peak_within(simulation.times, simulation.output("C_plasma") * simulation.mg_per_umol, *window)
        value = peak[0 if name == "Cmax" else 1]
    elif window is not None:  # CL or CL_F: the doses of the window over its AUC
        body_weight = simulation.individual.body_weight
        dose = sum(d.mass(body_weight).to("mg").magnitude for d in doses_in_window(simulation.regimen, window))
        value = dose / _window_auc(simulation, window)
    elif name == "CL_F":
        value = nca.dose / (nca.AUC_tau if nca.AUC_tau is not None else nca.AUC_inf)
    else:
        value = getattr(nca, name)
    if value is None:
        return None
    return float(value) / weight if per_weight else float(value)


def _window_auc(simulation: Simulation, window: tuple[float, float]) -> float:
    """AUC (mg·h/L) over ``window`` of the study clock, from the model's integrated plasma state."""
    return auc_within(simulation.times, simulation.state("AUC_plasma") * simulation.mg_per_umol, *window)


def summarise(results: Iterable[CaseResult], role: str = "test", group: str | None = None
              ) -> dict[str, dict[str, float]]:
    """Per metric: number of cases, GMFE and fractions within 1.25-, 1.5- and 2-fold (ratio metrics: and within
    the Guest limits). ``group`` restricts the cases to one population group (``POPULATION_GROUPS``)."""
    chosen = [r for r in results if r.role == role and (group is None or r.population_group == group)]
    return fold_summary(chosen, METRICS, "n_cases", guest=RATIO_METRICS)
