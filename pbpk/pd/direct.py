"""Direct effect models: Emax and sigmoid Emax (Hill), stimulatory and inhibitory.

The effect follows the concentration at the same time, with no delay:

* stimulatory: E = E0 + Emax·Cᵞ/(EC50ᵞ + Cᵞ)
* inhibitory:  E = E0 − Imax·Cᵞ/(IC50ᵞ + Cᵞ) (Imax ≤ E0 keeps the effect ≥ 0)

with γ = 1 for the ordinary Emax model (Holford & Sheiner 1981, Clin Pharmacokinet 6:429;
the Hill coefficient after Hill 1910). Concentrations are arrays of any shape, e.g.
subjects × times; a parameter may be one number or one per subject (shape (subjects, 1)
against subjects × times), broadcast with numpy. Units: C, EC50 and IC50 in one
concentration unit; E0, Emax and Imax in the unit of the effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from pbpk.core.errors import PbpkInputError
from pbpk.pd import inputs


def hill_fraction(concentration, c50, hill=1.0) -> np.ndarray:
    """Cᵞ/(C50ᵞ + Cᵞ): the fraction of the maximal effect at ``concentration`` (0 at C = 0).

    Written as 1/(1 + e^(−γ·ln(C/C50))) (the logistic function of γ·ln(C/C50)), which neither
    overflows for large or small C nor loses digits.

    >>> hill_fraction([0.0, 2.0, 6.0], 2.0).round(3).tolist()
    [0.0, 0.5, 0.75]
    >>> round(float(hill_fraction(4.0, 2.0, hill=2.0)), 12)
    0.8
    """
    c = inputs.nonnegative(concentration, where="Hill function", field="concentration")
    c50 = inputs.positive(c50, where="Hill function", field="c50")
    gamma = inputs.positive(hill, where="Hill function", field="hill")
    with np.errstate(divide="ignore"):
        return expit(gamma * (np.log(c) - np.log(c50)))


@dataclass(frozen=True)
class Emax:
    """E = E0 + Emax·Cᵞ/(EC50ᵞ + Cᵞ); ``hill`` = γ (1: the hyperbolic Emax model).

    >>> model = Emax(e0=10.0, emax=50.0, ec50=2.0)
    >>> model.effect([0.0, 2.0, 1e9]).round(3).tolist()
    [10.0, 35.0, 60.0]
    """

    e0: float
    emax: float
    ec50: float
    hill: float = 1.0

    def __post_init__(self) -> None:
        inputs.finite(self.e0, where="Emax model", field="e0")
        inputs.finite(self.emax, where="Emax model", field="emax")
        inputs.positive(self.ec50, where="Emax model", field="ec50")
        inputs.positive(self.hill, where="Emax model", field="hill")

    def effect(self, concentration) -> np.ndarray:
        """The effect at each concentration (any shape; parameters broadcast)."""
        return np.asarray(self.e0, float) + np.asarray(self.emax, float) * hill_fraction(
            concentration, self.ec50, self.hill)

    def concentration_for(self, effect) -> np.ndarray:
        """The concentration that gives ``effect`` (strictly between E0 and E0 + Emax): EC50·(f/(1 − f))^(1/γ)."""
        f = (np.asarray(effect, float) - self.e0) / self.emax
        if np.any((f <= 0) | (f >= 1)):
            raise PbpkInputError("Emax model", "effect", float(np.ravel(effect)[0]),
                                        f"an effect strictly between E0 = {self.e0:g} and E0 + Emax = "
                                        f"{self.e0 + self.emax:g}")
        return self.ec50 * (f / (1 - f)) ** (1 / self.hill)


@dataclass(frozen=True)
class Inhibitory:
    """E = E0 − Imax·Cᵞ/(IC50ᵞ + Cᵞ): an effect that falls from E0 towards E0 − Imax.

    >>> Inhibitory(e0=100.0, imax=80.0, ic50=5.0).effect([0.0, 5.0]).tolist()
    [100.0, 60.0]
    """

    e0: float
    imax: float
    ic50: float
    hill: float = 1.0

    def __post_init__(self) -> None:
        inputs.finite(self.e0, where="inhibitory Emax model", field="e0")
        inputs.nonnegative(self.imax, where="inhibitory Emax model", field="imax")
        inputs.positive(self.ic50, where="inhibitory Emax model", field="ic50")
        inputs.positive(self.hill, where="inhibitory Emax model", field="hill")

    def effect(self, concentration) -> np.ndarray:
        """The effect at each concentration (any shape; parameters broadcast)."""
        return np.asarray(self.e0, float) - np.asarray(self.imax, float) * hill_fraction(
            concentration, self.ic50, self.hill)

    def inhibition(self, concentration) -> np.ndarray:
        """The fractional inhibition I(C) = Imax·Cᵞ/(IC50ᵞ + Cᵞ) / E0 (0 at C = 0)."""
        return (np.asarray(self.e0, float) - self.effect(concentration)) / self.e0
