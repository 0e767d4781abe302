"""Solver schedules: when dosing changes something, the boluses added then and the input rates from then on.

A :class:`Schedule` is what the integrators take (times in h; amounts in µmol and rates in
µmol/h per state). Regimens of doses become schedules in :mod:`pbpk.simulation.dosing`;
here schedules are combined (several compounds of a coupled model) and cut into time
segments (a body that changes during a simulation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Schedule:
    """Solver input: change times (h), bolus amounts (µmol) and input rates (µmol/h) per state.

    ``total_amount`` is everything dosed (µmol); ``scale`` is each state's dose scale (µmol:
    the dose of the compound the state belongs to, 0 where that compound is not dosed),
    from which the absolute tolerance is set (:mod:`pbpk.engine.tolerances`).
    """

    times: np.ndarray
    bolus: np.ndarray
    rate: np.ndarray
    total_amount: float
    scale: np.ndarray


def merge_schedules(plans: Sequence[Schedule], until: float = math.inf) -> Schedule:
    """One solver schedule from several (same state vector): boluses added, rates summed in time.

    Events after ``until`` (h) are left out (the first event is always kept).
    """
    times = np.unique(np.concatenate([p.times for p in plans]))
    times = times[(times <= until) | (times == times[0])]
    n = plans[0].bolus.shape[1]
    bolus = np.zeros((len(times), n))
    rate = np.zeros((len(times), n))
    for plan in plans:
        kept = np.isin(plan.times, times)
        bolus[np.searchsorted(times, plan.times[kept])] += plan.bolus[kept]
        index = np.searchsorted(plan.times, times, side="right") - 1
        running = index >= 0
        rate[running] += plan.rate[index[running]]
    return Schedule(times, bolus, rate, sum(p.total_amount for p in plans), sum(p.scale for p in plans))


def segment(plan: Schedule, a: float, b: float, last: bool) -> Schedule:
    """The dosing events in [a, b) (or [a, b] for the last segment), with the rate running at a."""
    running = plan.rate[np.searchsorted(plan.times, a, side="right") - 1] if np.any(plan.times <= a) \
        else np.zeros(plan.rate.shape[1])
    within = (plan.times >= a) & ((plan.times <= b) if last else (plan.times < b))
    times = np.concatenate([[a], plan.times[within & (plan.times > a)]])
    bolus = np.vstack([plan.bolus[within & (plan.times == a)].sum(axis=0, keepdims=True),
                       plan.bolus[within & (plan.times > a)]])
    rate = np.vstack([running[None], plan.rate[within & (plan.times > a)]])
    return Schedule(times, bolus, rate, plan.total_amount, plan.scale)
