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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from pbpk.mipd.map_estimation import (
    clip_pieces,
    last_part,
    pieces,
    record_start,
    steady_state_start,
)
from pbpk.mipd.popmodel import PopulationModel, Prediction
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose, Solution, solve_occasions
from pbpk.mipd.steady_state import steady_state


@dataclass(frozen=True)
class History:
    """The pieces of a subject's record (start times, parameters per subject) and the state at the first start.

    ``eta`` is subjects × effects (e.g. the MAP η and posterior draws); ``initial`` is the steady state before
    the SS=1 dose (subjects × states), or None.
    """

    model: PopulationModel
    subject: Subject
    eta: np.ndarray
    starts: np.ndarray
    parameters: tuple[dict[str, np.ndarray], ...]
    initial: np.ndarray | None

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
        concentrations = {analyte: np.empty(states.shape[:2]) for analyte in structure.analytes}
        for k in np.unique(own):
            covariates = self.subject.covariates_at(float(records[k]))
            parameters = self.model.structural(self.model.parameters(covariates, self.eta))
            for analyte, values in structure.concentrations(states[:, own == k], parameters).items():
                concentrations[analyte][:, own == k] = values
        return Prediction(self.model, Solution(solution.times, states, concentrations, structure),
                          self.parameters[-1])


def history(model: PopulationModel, subject: Subject, eta: np.ndarray) -> History:
    """The subject's record for every η (subjects × effects) as ``predict_subject`` cuts it (module docstring)."""
    eta = np.atleast_2d(np.asarray(eta, dtype=float))
    cut, part = last_part(subject)
    steady = record_start(part)
    starts, parameters = pieces(model, part, eta, steady if np.isfinite(steady) else cut)
    return History(model, part, eta, np.asarray(starts, dtype=float), tuple(parameters),
                   steady_state_start(model, parameters[0], part))
