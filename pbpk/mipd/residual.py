"""Residual error models: the SD g(f) of an observation around its prediction f.

* ``additive``: g = a.
* ``proportional``: g = b·f.
* ``combined`` with ``combination: variance-sum`` (NONMEM's Y = F + F·ε₁ + ε₂, mapbayr):
  g = √(a² + b²f²); with ``sd-sum`` (Monolix/posologyr "combined1"): g = a + b·f.
* ``exponential`` (log-transform both sides): log y = log f + ε, g = c on the log scale.

a and b are SDs (a in the analyte's concentration unit); a file may give them as
variances, and keeps the form it was given in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError

KINDS = ("additive", "proportional", "combined", "exponential")
COMBINATIONS = ("variance-sum", "sd-sum")


@dataclass(frozen=True)
class ResidualError:
    """One analyte's residual error; ``scale`` says whether the file wrote SDs or variances."""

    kind: str
    additive: float = 0.0
    proportional: float = 0.0
    combination: str = ""
    scale: str = "sd"
    source: str = ""

    def check(self, where: str, field: str) -> None:
        if self.kind not in KINDS:
            raise PbpkInputError(where, f"{field}.model", self.kind, " or ".join(KINDS))
        needs = {"additive": ("additive",), "proportional": ("proportional",),
                 "combined": ("additive", "proportional"), "exponential": ("additive",)}[self.kind]
        for part in ("additive", "proportional"):
            value = getattr(self, part)
            if part in needs and not (np.isfinite(value) and value > 0):
                raise PbpkInputError(where, f"{field}.{part}", value, f"a positive {self.scale} for a {self.kind} error")
            if part not in needs and value != 0:
                raise PbpkInputError(where, f"{field}.{part}", value, f"no {part} term in a {self.kind} error")
        if (self.kind == "combined") != bool(self.combination):
            raise PbpkInputError(where, f"{field}.combination", self.combination or None,
                                 " or ".join(COMBINATIONS) + " for a combined error, nothing otherwise")
        if self.combination and self.combination not in COMBINATIONS:
            raise PbpkInputError(where, f"{field}.combination", self.combination, " or ".join(COMBINATIONS))

    @property
    def additive_sd(self) -> float:
        return float(np.sqrt(self.additive)) if self.scale == "variance" else self.additive

    @property
    def proportional_sd(self) -> float:
        return float(np.sqrt(self.proportional)) if self.scale == "variance" else self.proportional

    def sd(self, prediction: np.ndarray) -> np.ndarray:
        """g(f): the SD of an observation (on the log scale for ``exponential``)."""
        f = np.asarray(prediction, dtype=float)
        a, b = self.additive_sd, self.proportional_sd
        if self.kind == "additive" or self.kind == "exponential":
            return np.full_like(f, a)
        if self.kind == "proportional":
            return b * np.abs(f)
        if self.combination == "sd-sum":
            return a + b * np.abs(f)
        return np.sqrt(a**2 + (b * f) ** 2)

    def sample(self, prediction: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Observations drawn around ``prediction``."""
        f = np.asarray(prediction, dtype=float)
        epsilon = rng.standard_normal(f.shape)
        if self.kind == "exponential":
            return f * np.exp(self.additive_sd * epsilon)
        return f + self.sd(f) * epsilon
