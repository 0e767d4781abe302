"""A PBPK virtual population as the truth of a dosing-strategy trial: unit-dose responses, superposed.

Each stratum of the trial is one PBPK population (``populations.run.simulate_virtual_population``, e.g.
``"renal: eGFR 30-59"``); patient i of the trial is subject i // K of population i % K (K strata), so each
stratum holds n/K patients. Every subject is simulated once per infusion duration the strategies use, for a
unit dose (1 mg, linear kinetics), on a grid of ``STEP`` h up to the longest course. A course of doses aⱼ at
tⱼ over Tⱼ then gives

    C(t) = Σⱼ aⱼ·h_Tⱼ(t − tⱼ)      AUC(t) = Σⱼ aⱼ·H_Tⱼ(t − tⱼ)

with h_T the unit response to an infusion over T (0: a bolus) and H_T its running integral (trapezoids on the
grid), both interpolated linearly (Gibaldi & Perrier 1982, superposition for linear systems; the PBPK model is
solved with linear kinetics so that it holds exactly, up to the grid). The clinician's covariates are columns
of the PBPK subjects named in the spec (e.g. CRCL taken as the subject's absolute GFR: the spec says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.solve import Dose

#: Grid step of the unit responses (h).
STEP = 0.05


@dataclass(frozen=True)
class PbpkTruth:
    """The truth of a trial as PBPK populations, one per stratum, and the clinician's covariates they give."""

    compound: str
    populations: tuple[str, ...]
    covariates: Mapping[str, str]  # clinician's covariate → column of the PBPK subjects
    source: str = ""

    @property
    def name(self) -> str:
        return f"PBPK {self.compound}"


@dataclass(frozen=True)
class UnitResponses:
    """Unit-dose concentrations (mg/L per mg) and their running AUC per infusion duration, on ``times`` (h), for
    every patient of a trial (rows in the trial's patient order), with their covariates and strata."""

    times: np.ndarray
    concentration: Mapping[float, np.ndarray]
    auc: Mapping[float, np.ndarray]
    covariates: Mapping[str, np.ndarray]
    stratum: np.ndarray

    def profiles(self, members: Sequence[int], doses: Sequence[Dose], times: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Concentration (mg/L) and AUC from the first dose (mg·h/L) of ``members`` at ``times`` after ``doses``."""
        times = np.asarray(times, dtype=float)
        concentration = np.zeros((len(members), times.size))
        auc = np.zeros((len(members), times.size))
        for dose in doses:
            if dose.duration not in self.concentration:
                raise PbpkInputError("truth", "infusion", dose.duration,
                                     f"an infusion duration the PBPK truth was simulated for: {sorted(self.concentration)}")
            after = times - dose.time
            if np.max(after, initial=0.0) > self.times[-1]:
                raise PbpkInputError("truth", "times", float(np.max(times)), f"times within {self.times[-1]:g} h")
            for row, i in enumerate(members):
                concentration[row] += dose.amount * np.interp(after, self.times, self.concentration[dose.duration][i],
                                                              left=0.0)
                auc[row] += dose.amount * np.interp(after, self.times, self.auc[dose.duration][i], left=0.0)
        return concentration, auc


def simulate_truth(truth: PbpkTruth, n: int, durations: Sequence[float], horizon: float, seed: int,
                   *, progress: bool = False) -> UnitResponses:
    """The unit responses of n trial patients (module docstring), each population with its own seed."""
    from pbpk.compound import load_compound
    from pbpk.populations.run import simulate_virtual_population

    compound = load_compound(truth.compound)
    grid = np.arange(0.0, horizon + STEP / 2, STEP)
    k = len(truth.populations)
    order = np.arange(n)
    concentration = {d: np.zeros((n, grid.size)) for d in durations}
    covariates = {name: np.zeros(n) for name in truth.covariates}
    for stratum, population in enumerate(truth.populations):
        mine = order[order % k == stratum]
        if mine.size == 0:
            continue
        for duration in durations:
            route = {"route": "infusion", "infusion_time": f"{duration} h"} if duration > 0 else {"route": "iv"}
            result = simulate_virtual_population(compound, population, n=mine.size, dose="1 mg", times=grid,
                                                 seed=seed * 1000 + stratum, keep_profiles=True, kinetics="linear",
                                                 progress=progress, **route)
            concentration[duration][mine] = result.profiles
        for name, column in truth.covariates.items():
            if column not in result.subjects:
                raise PbpkInputError("truth.pbpk.covariates", name, column,
                                     "a column of the PBPK subjects: " + ", ".join(result.subjects.columns))
            covariates[name][mine] = result.subjects[column].to_numpy(dtype=float)
    auc = {d: np.concatenate([np.zeros((n, 1)), np.cumsum(0.5 * (c[:, 1:] + c[:, :-1]) * np.diff(grid), axis=1)],
                             axis=1) for d, c in concentration.items()}
    return UnitResponses(grid, concentration, auc, covariates, order % k)
