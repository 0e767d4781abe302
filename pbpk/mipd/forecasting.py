"""Forecasting evaluation of a population prior on a data set (as PsN's ``proseval`` and mipdeval do).

For each subject and each of its uncensored samples j (in time order), the η of the samples
*strictly earlier* than sample j is estimated (MAP, ``map_estimation.estimate``; η = 0 when there
are none: the a priori forecast) and sample j is predicted with it. ``step`` is the number of
samples the forecast used (0 = a priori, 1, 2, …). Censored samples enter the fits (Beal's M3) but
are not forecast.

No leakage of the future into a forecast:

* the fit sees only the records up to the last fitted sample's time t_k: its doses, its samples and its
  covariate records at or before t_k (later ones are dropped);
* sample j is predicted with the doses given before it (the regimen is known) and with the
  covariates known at t_k carried forward over (t_k, t_j] (mipdeval's convention: no future
  covariates; the recorded history up to t_k is kept). The a priori forecast uses the covariates
  of the subject's first record.
* with inter-occasion variability (``occasions``) the fit estimates the κ of the occasions begun by t_k; a sample in
  a later occasion is predicted in a new occasion from that occasion's start, with κ = 0 (its κ is not known: the
  typical occasion, as in ``dosing_history``).

Metrics per step, with the prediction error eᵢ = predᵢ − obsᵢ and the relative error rᵢ = eᵢ/obsᵢ
(Sheiner & Beal 1981, J Pharmacokinet Biopharm 9:503, "Some suggestions for measuring predictive
performance": the mean error for bias, the root mean squared error for precision):

    MPE  = 100·mean(rᵢ) %            (bias)          MAPE = 100·mean(|rᵢ|) %   (inaccuracy)
    RMSE = √mean(eᵢ²)  (the unit)    (imprecision)   relative RMSE = 100·√mean(rᵢ²) %
    P20, P30 = 100·fraction of |rᵢ| ≤ 0.20, 0.30 %

P20/P30 (the share of forecasts within ±20 %/±30 % of the observation) are the accuracy measures of
forecasting evaluations of MIPD priors (e.g. Broeker et al. 2019, Clin Microbiol Infect 25:1286,
vancomycin models; mipdeval, InsightRX). A subject with one sample only gives the a priori
forecast; a data set in which no subject has two samples is refused (nothing would be forecast
from data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate, predict_subject
from pbpk.mipd.occasions import effect_count
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject

#: Columns of the forecast table.
COLUMNS = ("id", "step", "time", "analyte", "observed", "predicted", "error", "relative_error", "converged")
#: Columns of the summary table.
SUMMARY = ("step", "n", "MPE", "MAPE", "RMSE", "relative_RMSE", "P20", "P30")


def forecast(model: PopulationModel, subjects: Mapping[str, Subject] | Iterable[Subject], *,
             steps: int | None = None) -> pd.DataFrame:
    """One row per forecast sample: the subject, the samples used, the time, the analyte, observed and predicted
    (in the analyte's unit).

    ``steps`` keeps only the forecasts from at most that many samples (None: all).
    """
    subjects = list(subjects.values()) if isinstance(subjects, Mapping) else list(subjects)
    if not any(s.times.size >= 2 for s in subjects):
        raise PbpkInputError("data", "samples", "no subject with 2 samples or more",
                             "at least one subject with two samples or more, to forecast one from the other")
    if steps is not None and steps < 0:
        raise PbpkInputError("steps", "", steps, "a number of samples ≥ 0")
    rows = []
    for subject in subjects:
        rows += _subject_forecasts(model, subject, steps)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _subject_forecasts(model: PopulationModel, subject: Subject, steps: int | None) -> list[dict]:
    """The forecasts of one subject's uncensored samples, each from the samples before it."""
    rows, fits = [], {}
    for j in np.flatnonzero(~subject.censored):
        target = float(subject.times[j])
        used = int(np.sum(subject.times < target))
        if steps is not None and used > steps:
            continue
        if used == 0:
            effects, converged, known = np.zeros(0), True, float(subject.record_times[0])
        else:
            known = float(subject.times[used - 1])
            if used not in fits:
                # the optimiser's trial points far out in η overflow in the OFV (refused there by its PENALTY)
                with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                    fits[used] = estimate(model, truncate(subject, known))
            effects, converged = fits[used].effects, fits[used].converged
        analyte = str(subject.analytes[j])
        one = forecast_subject(subject, known, target, analyte)
        effects = np.append(effects, np.zeros(effect_count(model, one) - effects.size))  # κ = 0 in a new occasion
        predicted = float(predict_subject(model, one, effects)[0])
        observed = float(subject.observations[j])
        rows.append({"id": subject.id, "step": used, "time": target, "analyte": analyte, "observed": observed, "predicted": predicted,
                     "error": predicted - observed, "relative_error": (predicted - observed) / observed,
                     "converged": converged})
    return rows


def truncate(subject: Subject, known: float) -> Subject:
    """The subject as known at time ``known``: doses, samples, covariate records and occasions up to it."""
    records = subject.record_times <= known
    covariates = {name: value if np.ndim(value) == 0 else _collapse(np.asarray(value)[records])
                  for name, value in subject.covariates.items()}
    return replace(subject, doses=tuple(d for d in subject.doses if d.time <= known),
                   **subject.samples(subject.times <= known), covariates=covariates,
                   record_times=subject.record_times[records],
                   steady_states=tuple(s for s in subject.steady_states if s.time <= known),
                   resets=subject.resets[subject.resets <= known], occasions=subject.occasions[subject.occasions <= known])


def forecast_subject(subject: Subject, known: float, target: float, analyte: str = "parent") -> Subject:
    """One sample of ``analyte`` at ``target``: the doses before it, the covariates known at ``known`` carried forward
    to it, the occasions begun by ``known`` and, when ``target`` lies in a later occasion, one new occasion from the
    start of the first of those."""
    records = subject.record_times <= known
    begun = subject.occasions <= known
    later = subject.occasions[~begun & (subject.occasions <= target)]
    now = subject.covariates_at(known)
    covariates = {name: value if np.ndim(value) == 0 else _collapse(np.append(np.asarray(value)[records], now[name]))
                  for name, value in subject.covariates.items()}
    return replace(subject.at_times(np.array([target]), analyte), doses=tuple(d for d in subject.doses if d.time < target),
                   covariates=covariates, record_times=np.append(subject.record_times[records], target),
                   steady_states=tuple(s for s in subject.steady_states if s.time < target),
                   resets=subject.resets[subject.resets < target],
                   occasions=np.append(subject.occasions[begun], later[:1]))


def _collapse(values: np.ndarray) -> float | np.ndarray:
    """A number for values that do not change, else the array."""
    return float(values[0]) if np.all(values == values[0]) else values


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Bias, inaccuracy, imprecision and P20/P30 per step (definitions in the module docstring)."""
    rows = []
    for step, group in table.groupby("step", sort=True):
        error = group["error"].to_numpy(dtype=float)
        relative = group["relative_error"].to_numpy(dtype=float)
        rows.append({"step": int(step), "n": int(error.size), "MPE": 100.0 * float(np.mean(relative)),
                     "MAPE": 100.0 * float(np.mean(np.abs(relative))), "RMSE": float(np.sqrt(np.mean(error ** 2))),
                     "relative_RMSE": 100.0 * float(np.sqrt(np.mean(relative ** 2))),
                     "P20": 100.0 * float(np.mean(np.abs(relative) <= 0.20)),
                     "P30": 100.0 * float(np.mean(np.abs(relative) <= 0.30))})
    return pd.DataFrame(rows, columns=list(SUMMARY))
