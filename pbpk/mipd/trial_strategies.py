"""Dosing strategies of a virtual trial: each turns virtual patients into courses of doses.

A course is the patient's doses 1 … N + 1 (N the evaluated dose number of the spec), so that the interval of
dose N ends at dose N + 1. Times are the model's, from the first dose at 0.

* ``nomogram``: the row of the table holding the patient's covariate gives dose and interval; every dose is
  infused over the strategy's infusion time.
* ``model-based``: the clinician's model at the patient's covariates with η = 0 (the typical patient like this
  one) predicts the target at dose N for each candidate regimen (``recommend.recommend``), and ``choice`` picks
  one: for a two-sided range the regimen whose prediction is nearest the range's geometric middle among those
  meeting it, otherwise the first of the ranking (met, then the smallest daily dose; when none meets, the nearest).
* ``mipd``: the course of the ``initial`` strategy, then at each TDM step k the samples drawn after dose k (the
  truth's concentrations with assay error: C·(1 + a_p·ε₁) + a_a·ε₂), a MAP fit of the clinician's model to all
  samples so far (``map_estimation.estimate``) and a regimen for doses k + 1 … N + 1, starting when dose k + 1
  was due, chosen at the MAP point as ``choice`` does (``recommend.recommend_for``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.recommend import (
    Recommendation,
    Regimen,
    Target,
    recommend,
    recommend_for,
    regimens,
)
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose
from pbpk.mipd.trial_spec import Strategy, TrialSpec

Course = tuple[Dose, ...]


def nomogram_courses(strategy: Strategy, covariates: Mapping[str, np.ndarray], count: int) -> list[Course]:
    """Each patient's course from the row of the nomogram that holds its covariate value."""
    values = np.asarray(covariates[strategy.covariate], dtype=float)
    courses = []
    for value in values:
        row = next((r for r in strategy.rows if r.low <= value < r.high), None)
        if row is None:
            raise PbpkInputError(f"strategy {strategy.name}", "rows", f"{strategy.covariate} {value:g}",
                                 "a nomogram row for every patient's value (rows cover [from, to))")
        courses.append(Regimen(row.dose, row.interval, count, infusion=strategy.infusion).doses())
    return courses


def candidate_regimens(strategy: Strategy, count: int, start: float = 0.0) -> tuple[Regimen, ...]:
    """The strategy's candidate regimens: ``count`` doses each from ``start``."""
    options = strategy.options
    return regimens(list(options.doses), list(options.intervals), count=count, infusions=list(options.infusions),
                    start=start)


def model_based_courses(strategy: Strategy, clinician: PopulationModel, covariates: Mapping[str, np.ndarray],
                        dose_number: int) -> list[Course]:
    """Each patient's course from the clinician's typical prediction at its covariates (module docstring)."""
    options = candidate_regimens(strategy, dose_number)
    courses, chosen = [], {}
    for i in range(len(next(iter(covariates.values())))):
        own = {name: float(covariates[name][i]) for name in clinician.covariate_names}
        key = tuple(own.values())
        if key not in chosen:
            ranked = recommend(clinician, strategy.target, options, eta=np.zeros(len(clinician.eta_names)),
                               covariates=own)
            chosen[key] = options[choice(ranked, strategy.target)]
        courses.append(_extended(chosen[key]))
    return courses


def choice(ranked: Recommendation, target: Target) -> int:
    """The option given: for a two-sided range, the one whose predicted value is nearest the range's geometric middle
    among those meeting it (a dose aimed at the middle, not at the edge); otherwise the first of the ranking."""
    value, met = ranked.values[:, 0], ranked.met[:, 0]
    if not (met.any() and 0 < target.low < target.high < np.inf):
        return int(ranked.table["option"].iloc[0])
    distance = np.where(met, np.abs(np.log(np.maximum(value, 1e-300) / np.sqrt(target.low * target.high))), np.inf)
    return int(np.argmin(distance))


def _extended(regimen: Regimen) -> Course:
    """The regimen's doses and one more (the dose that closes the interval of its last dose)."""
    return replace(regimen, count=regimen.count + 1).doses()


def mipd_course(spec: TrialSpec, strategy: Strategy, initial: Course, covariates: Mapping[str, float],
                observe) -> tuple[Course, int]:
    """One patient's course under TDM (module docstring) and the number of MAP fits that did not converge.

    ``observe(doses, times)`` gives the assayed concentrations of the patient (its truth) at ``times``.
    """
    clinician, course, failed = spec.clinician, tuple(initial), 0
    times, values = np.empty(0), np.empty(0)
    for sampling in strategy.samples:
        k = sampling.after_dose
        given = course[:k]
        new = course[k - 1].time + np.asarray(sampling.times, dtype=float)
        times, values = np.append(times, new), np.append(values, observe(given, new))
        subject = _subject(clinician, given, times, values, covariates)
        with warnings.catch_warnings():  # BFGS's line-search notices: convergence is judged by ``fit.converged``
            warnings.filterwarnings("ignore", "The line search algorithm did not converge", RuntimeWarning)
            fit = estimate(clinician, subject)
        failed += not fit.converged
        options = candidate_regimens(strategy, spec.dose_number - k, start=course[k].time)
        ranked = recommend_for(clinician, subject, replace(fit, covariance=None), strategy.target, options)
        course = given + _extended(options[choice(ranked, strategy.target)])
    return course, failed


def _subject(model: PopulationModel, doses: Sequence[Dose], times: np.ndarray, values: np.ndarray,
             covariates: Mapping[str, float]) -> Subject:
    """The TDM record of a patient so far (constant covariates)."""
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    records = np.unique(np.concatenate([[d.time for d in doses], times]))
    return Subject("patient", tuple(doses), times, values, np.zeros(times.size, dtype=bool),
                   np.full(times.size, np.nan), {name: covariates[name] for name in model.covariate_names}, records)


def assay(concentrations: np.ndarray, strategy: Strategy, rng: np.random.Generator, where: str) -> np.ndarray:
    """Assayed values C·(1 + a_p·ε₁) + a_a·ε₂; a value ≤ 0 is refused (it has no likelihood under most errors)."""
    c = np.asarray(concentrations, dtype=float)
    y = c * (1.0 + strategy.assay_proportional * rng.standard_normal(c.shape)) \
        + strategy.assay_additive * rng.standard_normal(c.shape)
    if np.any(y <= 0):
        raise PbpkInputError(where, "assay", f"an assayed value of {float(np.min(y)):.3g}",
                             "positive assayed concentrations", "sample where the concentration is well above the "
                             "assay's additive error, or lower the additive error")
    return y


def evaluation_window(course: Course, dose_number: int) -> Regimen:
    """The interval of dose ``dose_number`` as a one-dose regimen (targets evaluate their last interval)."""
    dose, following = course[dose_number - 1], course[dose_number]
    return Regimen(dose.amount, following.time - dose.time, 1, start=dose.time, infusion=dose.duration,
                   compartment=dose.compartment)


def window_targets(spec: TrialSpec) -> dict[str, Target]:
    """The endpoint targets and the exposure metrics of the toxicity relations, by name."""
    metrics = {"trough": Target("trough"), "cmax": Target("cmax"), "auc24": Target("auc")}
    return {**dict(spec.targets), **{f"metric:{m}": t for m, t in metrics.items()}}
