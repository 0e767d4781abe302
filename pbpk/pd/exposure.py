"""Exposures of virtual patients from a closed-form population PK model (linear kinetics).

At steady state of a linear model the exposure over one dosing interval τ depends on the dose
and the clearance only: AUCτ = F·Dose/CL and Cavg = AUCτ/τ, whatever the number of compartments
and the absorption (Gibaldi & Perrier 1982). A patient's clearance is lognormal around the
typical value, CL = CL_pop·e^η with η ~ N(0, ω²) and ω² = ln(1 + CV²) from the published
coefficient of variation. With an apparent clearance CL/F (oral models) F is 1 relative to the
reference dose; ``low_dose`` scales F for doses below a threshold (a dose-dependent relative
bioavailability, as some models publish). The same patients (the same η) are used at every
dose, so doses are compared on one virtual population.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.pd import inputs

METRICS = {"auc": "AUC over one dosing interval at steady state", "cavg": "average concentration at steady state"}
WHERE = "exposure model"


@dataclass(frozen=True)
class ClosedFormExposure:
    """AUCτ = F·Dose/CL or Cavg = F·Dose/(CL·τ) per patient, in ``unit``.

    ``clearance`` in L/h, ``interval`` τ in h, doses in ``dose_unit``; ``iiv_cv`` is the CV of CL
    (0.4 for 40 %); ``low_dose`` = (threshold dose, relative change of F below it), e.g. (30, −0.151).

    >>> model = ClosedFormExposure(clearance=5.0, iiv_cv=0.3, metric="cavg", unit="ng/mL")
    >>> round(float(model.typical(120.0)), 6)   # 120 mg / (5 L/h · 24 h) = 1 mg/L
    1000.0
    """

    clearance: float
    iiv_cv: float
    metric: str = "auc"
    unit: str = "mg*h/L"
    interval: float = 24.0
    bioavailability: float = 1.0
    dose_unit: str = "mg"
    low_dose: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        inputs.positive(self.clearance, where=WHERE, field="clearance", unit="L/h")
        inputs.nonnegative(self.iiv_cv, where=WHERE, field="iiv_cv")
        inputs.positive(self.interval, where=WHERE, field="interval", unit="h")
        inputs.fraction(self.bioavailability, where=WHERE, field="bioavailability", open_low=True)
        if self.metric not in METRICS:
            raise PbpkInputError(WHERE, "metric", self.metric, "auc or cavg")
        if self.low_dose is not None:
            threshold, change = self.low_dose
            inputs.positive(threshold, where=WHERE, field="low_dose.below", unit=self.dose_unit)
            if not (np.isfinite(change) and change > -1):
                raise PbpkInputError(WHERE, "low_dose.change", change, "a relative change of F > −1")
        self._factor()  # the units convert

    @property
    def omega(self) -> float:
        """ω, the SD of η: √ln(1 + CV²)."""
        return float(np.sqrt(np.log1p(self.iiv_cv**2)))

    def _factor(self) -> float:
        """Dose/CL (dose unit per L/h, per h for Cavg) in the output unit."""
        natural = f"{self.dose_unit}/(L/h)" if self.metric == "auc" else f"{self.dose_unit}/(L/h)/h"
        try:
            return float(Quantity(1.0, natural).to(self.unit).magnitude)
        except Exception:  # noqa: BLE001 - pint raises several kinds; all mean "not this dimension"
            shown = "mg*h/L" if self.metric == "auc" else "mg/L"
            raise PbpkInputError(WHERE, "unit", self.unit, f"a unit of {METRICS[self.metric]} like {shown}") from None

    def relative_bioavailability(self, dose: float) -> float:
        """F at ``dose`` relative to the model's reference doses (1 unless ``low_dose`` applies)."""
        if self.low_dose is not None and dose < self.low_dose[0]:
            return self.bioavailability * (1.0 + self.low_dose[1])
        return self.bioavailability

    def clearances(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` patients' clearances (L/h): CL_pop·e^η."""
        if not (isinstance(n, (int, np.integer)) and n >= 1):
            raise PbpkInputError(WHERE, "n", n, "a number of virtual patients ≥ 1")
        return self.clearance * np.exp(self.omega * rng.standard_normal(int(n)))

    def exposures(self, dose: float, clearances) -> np.ndarray:
        """Each patient's exposure at ``dose`` (in ``unit``), from their clearances (L/h)."""
        amount = float(inputs.nonnegative(dose, where=WHERE, field="dose", unit=self.dose_unit))
        cl = inputs.positive(clearances, where=WHERE, field="clearances", unit="L/h")
        per_interval = 1.0 if self.metric == "auc" else 1.0 / self.interval
        return self.relative_bioavailability(amount) * amount / cl * per_interval * self._factor()

    def typical(self, dose: float) -> float:
        """The exposure of the typical patient (η = 0), which is the median patient's."""
        return float(self.exposures(dose, self.clearance))
