"""The request and response bodies of the web API (pydantic models); units are the model's (h, mg, L, mg/L).

A request's ``patient`` is a patient record as ``pbpk.mipd.patient_record`` documents it, checked by that
module's parser (not by pydantic), so that its errors are the library's own; the text options of a
recommendation (target, doses, intervals, infusion, loading, toxicity) mean what they mean for
``pbpk recommend``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

#: Most posterior draws a request may ask for (each is a solve of the patient's profile).
MAX_DRAWS = 10_000


def finite(value: float | None) -> float | None:
    """``value`` as a float, or None when it is missing, NaN or infinite (JSON has no NaN)."""
    return None if value is None or not math.isfinite(value) else float(value)


# ---- requests -------------------------------------------------------------------------------------
class PatientRequest(BaseModel):
    """A bundled population model and one patient record."""

    model: str = Field(description="name of a bundled population model (GET /api/models)",
                       examples=["vancomycin-goti-2018"])
    patient: dict[str, Any] = Field(description="the patient record: id, covariates, doses, samples, with units")
    figure: bool = Field(False, description="add the figure as a base64 PNG")


class MapRequest(PatientRequest):
    """POST /api/map: the MAP fit of the patient's samples."""

    level: float = Field(0.9, gt=0, lt=1, description="credible level of the intervals and the band")
    posterior: Literal["laplace", "sir"] = Field("laplace", description="Laplace normal, or SIR draws")
    prior_weight: float = Field(1.0, gt=0, le=1, description="weight w of the prior: Ω/w, a flattened prior")
    draws: int = Field(300, ge=50, le=MAX_DRAWS, description="posterior draws for the intervals and the band")
    seed: int = Field(0, description="random seed of the posterior draws")

    @model_validator(mode="after")
    def _sir_samples_the_plain_posterior(self) -> MapRequest:
        if self.posterior == "sir" and self.prior_weight != 1.0:
            raise ValueError("prior_weight must be 1 with the SIR posterior (it samples the unweighted posterior)")
        return self


class RecommendRequest(PatientRequest):
    """POST /api/recommend: candidate regimens ranked for an exposure target."""

    target: str = Field(description="exposure target", examples=["AUC24 400-600 mg*h/L", "trough 10-20 mg/L"])
    doses: str = Field(description="candidate amounts", examples=["500-2500 by 250 mg", "1 g, 1500 mg"])
    intervals: str = Field(description="dosing intervals", examples=["12,24 h"])
    infusion: str = Field("0 h", description="infusion durations (0: bolus)", examples=["1 h"])
    loading: str | None = Field(None, description="loading (first) dose amounts", examples=["2000 mg"])
    count: int | None = Field(None, ge=1, description="doses per option (default: as many as cover 48 h)")
    toxicity: str | None = Field(None, description="a target whose attainment is the harm",
                                 examples=["trough > 20 mg/L"])
    draws: int = Field(1000, ge=50, le=MAX_DRAWS, description="posterior draws for PTA")
    seed: int = Field(0, description="random seed of the posterior draws")
    top: int = Field(10, ge=1, description="options returned, best first")


# ---- models ---------------------------------------------------------------------------------------
class CovariateInfo(BaseModel):
    """A covariate the model reads: its unit ("1": a plain number), type and the range it was built on."""

    name: str
    unit: str
    type: str
    description: str = ""
    reference: float | None = None
    range: list[float] | None = None
    levels: dict[str, float] | None = None


class ModelInfo(BaseModel):
    """One bundled population model: what it is, where it comes from, what a patient record needs."""

    name: str
    drug: str
    title: str
    source: dict[str, str | int]
    structure: dict[str, Any]
    units: dict[str, str]
    analytes: dict[str, str] = Field(description="concentration unit of each analyte")
    covariates: list[CovariateInfo]
    etas: list[str]
    routes: list[str] = Field(description="dose routes a record may give, the default (no route given) first")


# ---- MAP ------------------------------------------------------------------------------------------
class ParameterInterval(BaseModel):
    """A structural parameter at the MAP and its credible interval (``level``)."""

    parameter: str
    unit: str
    map: float
    low: float
    high: float


class MapFit(BaseModel):
    """The MAP estimate: the numbers of ``pbpk map --json`` for one subject."""

    id: str
    ofv: float
    converged: bool
    message: str
    posterior: str
    effective_sample_size: float | None
    eta: dict[str, float]
    eta_se: dict[str, float | None]
    parameters: list[ParameterInterval]


class SamplePrediction(BaseModel):
    """A sample (time, observed or censored below its LLOQ), its prediction at the MAP and IWRES (its residual in
    units of the model SD; log scale for an exponential error; None when censored)."""

    time: float
    analyte: str
    unit: str
    observed: float | None
    censored: bool
    lloq: float | None
    predicted: float
    iwres: float | None


class Profile(BaseModel):
    """Concentrations on a time grid: MAP, population (η = 0) and the credible band."""

    times: list[float]
    map: list[float]
    population: list[float]
    low: list[float]
    high: list[float]


class MapResponse(BaseModel):
    """POST /api/map: the fit, its predictions at the samples and the fitted profile."""

    model: str
    level: float
    units: dict[str, str]
    fit: MapFit
    samples: list[SamplePrediction]
    profile: Profile
    figure: str | None = Field(None, description="the fit as a base64 PNG (with figure: true)")


# ---- recommendation -------------------------------------------------------------------------------
class FitSummary(BaseModel):
    """The MAP fit a recommendation starts from."""

    id: str
    eta: dict[str, float]
    ofv: float
    converged: bool
    message: str


class RankedOption(BaseModel):
    """One candidate regimen, its target value at the MAP, PTA and toxicity probability (None: not computed)."""

    rank: int
    option: int
    dose: float
    interval: float
    count: int
    start: float
    infusion: float
    loading: float | None
    compartment: str
    daily_dose: float
    value: float
    met_at_map: bool
    pta: float | None
    p_toxicity: float | None


class RecommendResponse(BaseModel):
    """POST /api/recommend: the best ``top`` options, ranked, of ``total``."""

    model: str
    id: str
    target: str
    kind: str
    toxicity: str | None
    draws: int
    seed: int
    fit: FitSummary
    units: dict[str, str]
    options: list[RankedOption]
    total: int
    figure: str | None = Field(None, description="best profiles and PTA curves as a base64 PNG (with figure: true)")
