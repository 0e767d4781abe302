"""A patient's record as the start of a forecast, with the model of the past of ``map_estimation.predict_subject``.

* A forecast continues the record's last part (``map_estimation.last_part``): what follows its last reset or SS=1
  (or 3) dose, which starts it at that steady state with the parameters of the piece it starts
  (``map_estimation.steady_state_start``). An SS=2 dose's steady state is added at its time (superposition).
* Covariates that change within the record are carried backward (NOCB) over the pieces of
  ``map_estimation.covariate_pieces``, each solved with its own parameters (``solve.solve_occasions``); after the last
  record its covariates are carried forward (future covariates are not known). A dose's F and ALAG are those of
  the piece it is given in, so the regimens of a forecast get the last record's.
* A concentration uses the central volume (and VM) of its own record (``Subject.covariates_at``), after the last
  record the last one's.
* A forecast's doses are the record's doses plus the new ones (``past=True``), or the new ones alone from a zero
  state (``past=False``): for a linear model the two superpose, whatever the pieces.
* Inter-occasion variability (``occasions``): the rows of random effects are [η, κ₁, …, κ_K]; the record keeps its
  occasions and their κ, and what follows it is a new occasion, from ``future`` (e.g. the first new dose; at the
  earliest the record's last record time, where a dose of that record then belongs to the new occasion too), whose
  κ is not known: ``future_kappa`` per row, 0 by default (the typical occasion). As the MAP point prediction uses
  κ = 0 there and posterior draws κ ~ N(0, Ω_IOV) (``future_kappa``), the individual prediction keeps η and leaves
  out the past occasions' κ: approach (ii) of Abrantes et al. 2019 (Br J Clin Pharmacol 85:1326), the most precise
  of the IOV approaches to TDM dosing they compared; drawing the unknown κ for the posterior is the usual practice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import (
    clip_pieces,
    last_part,
    pieces,
    record_start,
    steady_state_start,
)
from pbpk.mipd.occasions import (
    effect_parameters,
    occasion_index,
    split_effects,
    time_groups,
)
from pbpk.mipd.popmodel import PopulationModel, Prediction
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose, Solution, solve_occasions
from pbpk.mipd.steady_state import steady_state


@dataclass(frozen=True)
class History:
    """The pieces of a subject's record (start times, parameters per subject) and the state at the first start.

    ``eta`` is subjects × η (e.g. the MAP η and posterior draws); ``initial`` is the steady state before
    the SS=1 dose (subjects × states), or None. With κ (module docstring), ``kappa`` is subjects × (K + 1) × κ
    for the record's K occasions and the new one, whose start times are ``occasions``.
    """

    model: PopulationModel
    subject: Subject
    eta: np.ndarray
    starts: np.ndarray
    parameters: tuple[dict[str, np.ndarray], ...]
    initial: np.ndarray | None
    kappa: np.ndarray | None = None
    occasions: np.ndarray = field(default_factory=lambda: np.empty(0))

    def predict(self, doses: Sequence[Dose], times: Sequence[float], *, past: bool = True) -> Prediction:
        """Every analyte at ``times`` (subjects × times) after ``doses``, with the record's doses when ``past``."""
        structure = self.model.structure
        given = (tuple(self.subject.doses) if past else ()) + tuple(doses)
        solution = solve_occasions(structure, self.parameters, self.starts, given, times,
                                   initial=self.initial if past else None)
        states = solution.states
        for steady in self.subject.steady_states if past else ():
            if steady.added:
                after = solution.times >= steady.time
                starts, parameters = clip_pieces(self.starts, list(self.parameters), steady.time)
                initial = steady_state(structure, parameters[0], steady.dose, steady.interval)
                states[:, after] += solve_occasions(structure, parameters, starts, (replace(steady.dose, amount=0.0),),
                                                    solution.times[after], initial=initial).states
        records = self.subject.record_times
        own = np.minimum(np.searchsorted(records, solution.times, side="left"), records.size - 1)
        occasion = (np.zeros(own.size, dtype=int) if self.kappa is None
                    else occasion_index(self.occasions, solution.times))
        concentrations = {analyte: np.empty(states.shape[:2]) for analyte in structure.analytes}
        for k, j, at in time_groups(own, occasion):
            covariates = self.subject.covariates_at(float(records[k]))
            parameters = self.model.structural(effect_parameters(self.model, covariates, self.eta, self.kappa, j))
            for analyte, values in structure.concentrations(states[:, at], parameters).items():
                concentrations[analyte][:, at] = values
        return Prediction(self.model, Solution(solution.times, states, concentrations, structure),
                          self.parameters[-1])


def history(model: PopulationModel, subject: Subject, eta: np.ndarray, *, future: float | None = None,
            future_kappa: np.ndarray | None = None) -> History:
    """The subject's record for every row of random effects (subjects × effects: η, or [η, κ₁, …, κ_K]) as
    ``predict_subject`` cuts it; with κ, then a new occasion from ``future`` with ``future_kappa`` (subjects × κ, or
    one row for all; 0 when not given) (module docstring)."""
    effects = np.atleast_2d(np.asarray(eta, dtype=float))
    cut, part = last_part(subject)
    steady = record_start(part)
    starts, parameters = pieces(model, part, effects, steady if np.isfinite(steady) else cut)
    starts, initial = np.asarray(starts, dtype=float), steady_state_start(model, parameters[0], part)
    eta, kappa = split_effects(model, part, effects)
    if kappa is None:
        return History(model, part, eta, starts, tuple(parameters), initial)
    rows, size = len(effects), len(model.kappa_names)
    new = np.zeros((1, size)) if future_kappa is None else np.atleast_2d(np.asarray(future_kappa, dtype=float))
    if new.shape[1] != size or new.shape[0] not in (1, rows):
        raise PbpkInputError("future_kappa", "", new.shape, f"{rows} × {size} (the new occasion's κ per row), or 1 × "
                             f"{size}")
    new = np.broadcast_to(new, (rows, size))
    begin = max(float(part.record_times[-1]), -np.inf if future is None else float(future))
    keep = starts < begin
    after = model.structural(model.parameters(part.covariates_at(begin), eta, new), where=f"the new occasion from "
                             f"{begin:g}")
    return History(model, part, eta, np.append(starts[keep], begin),
                   tuple(p for p, k in zip(parameters, keep, strict=True) if k) + (after,), initial,
                   np.concatenate([kappa, new[:, None, :]], axis=1), np.append(part.occasions, begin))


def future_kappa(model: PopulationModel, rows: int, rng: np.random.Generator | None) -> np.ndarray:
    """κ of a new occasion (rows × κ) for the MAP row (0, the typical occasion) and ``rows`` − 1 posterior draws
    (N(0, Ω_IOV), from ``rng`` or a fresh generator)."""
    return np.vstack([np.zeros((1, len(model.kappa_names))),
                      model.iov.sample(rows - 1, rng or np.random.default_rng())])
