"""Probability of an event (a response, a toxicity) as a function of an exposure metric.

* logistic: P = 1/(1 + e^(−(β0 + β1·g(x)))) with g(x) = x, or ln x (``log_exposure``), the usual
  exposure–response model for binary end points (e.g. objective response, grade ≥ 3 toxicity)
  fitted by logistic regression;
* Emax probability: P = P0 + Pmax·xᵞ/(EC50ᵞ + xᵞ), a response rate that saturates at
  P0 + Pmax ≤ 1 (the sigmoid Emax model on the probability scale).

x is the exposure metric in the unit the model was fitted in (AUC, Cavg, Cmin…): arrays of
any shape, e.g. one exposure per virtual patient. The probability is computed from the logit
without overflow for large |β0 + β1·g(x)|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from pbpk.core.errors import PbpkInputError
from pbpk.pd import inputs
from pbpk.pd.direct import hill_fraction


@dataclass(frozen=True)
class Logistic:
    """logit P = ``intercept`` + ``slope``·x (or ·ln x with ``log_exposure``); ``unit`` is the unit of x.

    >>> model = Logistic(intercept=-2.0, slope=0.5)
    >>> round(float(model.probability(4.0)), 4)    # logit 0: one half
    0.5
    >>> round(float(model.probability(0.0)), 4)    # 1/(1 + e²)
    0.1192
    """

    intercept: float
    slope: float
    log_exposure: bool = False
    unit: str = ""
    endpoint: str = ""

    def __post_init__(self) -> None:
        where = self._where
        inputs.finite(self.intercept, where=where, field="intercept")
        inputs.finite(self.slope, where=where, field="slope")

    @property
    def _where(self) -> str:
        return f"logistic model{f' of {self.endpoint}' if self.endpoint else ''}"

    def logit(self, exposure) -> np.ndarray:
        """β0 + β1·g(x)."""
        x = inputs.nonnegative(exposure, where=self._where, field="exposure", unit=self.unit)
        if self.log_exposure:
            if np.any(x <= 0):
                raise PbpkInputError(self._where, "exposure", float(x[x <= 0].ravel()[0]),
                                     "exposures > 0 (the model is logistic in ln x)")
            x = np.log(x)
        return self.intercept + self.slope * x

    def probability(self, exposure) -> np.ndarray:
        """P(event) at each exposure."""
        return expit(self.logit(exposure))

    def exposure_for(self, probability: float) -> float:
        """The exposure at which P = ``probability`` (e.g. the exposure of a 30 % toxicity risk)."""
        p = float(inputs.fraction(probability, where=self._where, field="probability"))
        if self.slope == 0 or p in (0.0, 1.0):
            raise PbpkInputError(self._where, "probability", p, "a probability strictly between 0 and 1, "
                                 "and a model whose slope is not 0")
        g = (np.log(p / (1 - p)) - self.intercept) / self.slope
        return float(np.exp(g)) if self.log_exposure else float(g)


@dataclass(frozen=True)
class EmaxProbability:
    """P = ``p0`` + ``pmax``·xᵞ/(EC50ᵞ + xᵞ), with 0 ≤ p0 and p0 + pmax ≤ 1.

    >>> round(float(EmaxProbability(p0=0.1, pmax=0.6, ec50=20.0).probability(20.0)), 3)
    0.4
    """

    p0: float
    pmax: float
    ec50: float
    hill: float = 1.0
    unit: str = ""
    endpoint: str = ""

    def __post_init__(self) -> None:
        where = "Emax probability model"
        inputs.fraction(self.p0, where=where, field="p0")
        inputs.fraction(self.pmax, where=where, field="pmax")
        inputs.positive(self.ec50, where=where, field="ec50", unit=self.unit)
        inputs.positive(self.hill, where=where, field="hill")
        if self.p0 + self.pmax > 1:
            raise PbpkInputError(where, "pmax", self.pmax, f"at most 1 − p0 = {1 - self.p0:g} (P stays ≤ 1)")

    def probability(self, exposure) -> np.ndarray:
        """P(event) at each exposure."""
        x = inputs.nonnegative(exposure, where="Emax probability model", field="exposure", unit=self.unit)
        return self.p0 + self.pmax * hill_fraction(x, self.ec50, self.hill)
