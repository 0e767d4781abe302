"""POST /api/map: the MAP fit of one patient record, as ``pbpk map`` makes it (``pbpk.mipd``).

The record is read by ``patient_record.patient_from_dict``; η by ``map_estimation.estimate``; the
intervals and the credible band over draws of the Laplace posterior (or SIR, ``posterior``); the
numbers of the fit are those of ``pbpk map --json`` (``fit_summary``); the figure is ``fit_figure``'s.
"""

from __future__ import annotations

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.fit_figure import GRID_POINTS, plot_fits
from pbpk.mipd.fit_summary import fit_summary, sample_predictions
from pbpk.mipd.map_estimation import MapEstimate, estimate
from pbpk.mipd.patient_record import patient_from_dict
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.posterior import LaplacePosterior, laplace_posterior, sir_posterior
from pbpk.mipd.records import Subject
from pbpk.web.catalogue import model_named
from pbpk.web.errors import located
from pbpk.web.figures import png_base64
from pbpk.web.schemas import (
    MapFit,
    MapRequest,
    MapResponse,
    ParameterInterval,
    Profile,
    SamplePrediction,
    finite,
)


def read_patient_request(patient: dict, model: PopulationModel) -> Subject:
    """The request's patient record as a ``Subject``, its covariates inside the model's ranges, with samples."""
    with located("patient"):
        subject = patient_from_dict(patient, model, where="patient")
        model.parameters(subject.covariates, where="patient.covariates")
    if subject.times.size == 0:
        raise PbpkInputError("patient", "samples", [], "at least one sample to fit (time and concentration)")
    return subject


def fit_request(request: MapRequest) -> MapResponse:
    """The response to a MAP request (see the module docstring)."""
    with located("model"):
        model = model_named(request.model)
    subject = read_patient_request(request.patient, model)
    with located("patient"):
        fit = estimate(model, subject, prior_weight=request.prior_weight)
    with located("posterior"):
        if request.posterior == "sir":
            posterior = sir_posterior(model, subject, fit, request.draws, seed=request.seed)
        else:
            posterior = laplace_posterior(fit, request.draws, request.seed)
    figure = None
    if request.figure:
        figure = png_base64(lambda: plot_fits(model, [subject], [posterior]))
    return MapResponse(model=model.name, level=request.level,
                       units={"time": model.units["time"], "concentration": model.analytes["parent"]},
                       fit=_fit(model, subject, fit, posterior, request.level), samples=_samples(model, subject, fit),
                       profile=_profile(model, subject, posterior, request.level), figure=figure)


def profile_times(subject: Subject, points: int = GRID_POINTS) -> np.ndarray:
    """The time grid of the fitted profile: from the first dose (or 0) to 10 % past the last sample or dose end."""
    end = max(float(np.max(subject.times, initial=0.0)), max(d.time + d.duration for d in subject.doses)) * 1.1
    return np.linspace(min(0.0, min(d.time for d in subject.doses)), end, points)


def _fit(model: PopulationModel, subject: Subject, fit: MapEstimate, posterior: LaplacePosterior,
         level: float) -> MapFit:
    """``fit_summary``'s numbers, the interval columns (named by their percentiles there) as low and high."""
    table = posterior.parameter_intervals(model, subject, level)
    summary = fit_summary(model, fit, posterior, table)
    low, high = table.columns[2:4]
    rows = [ParameterInterval(parameter=row["parameter"], unit=row["unit"], map=row["MAP"], low=row[low],
                              high=row[high]) for row in summary["parameters"]]
    return MapFit(**{**summary, "eta_se": {name: finite(se) for name, se in summary["eta_se"].items()},
                     "parameters": rows})


def _samples(model: PopulationModel, subject: Subject, fit: MapEstimate) -> list[SamplePrediction]:
    """Each sample with its MAP prediction and IWRES (a censored one without an observed value)."""
    return [SamplePrediction(**{**row, "observed": finite(row["observed"])})
            for row in sample_predictions(model, subject, fit)]


def _profile(model: PopulationModel, subject: Subject, posterior: LaplacePosterior, level: float) -> Profile:
    """The MAP and population profiles and the ``level`` credible band on ``profile_times``."""
    band = posterior.prediction_band(model, subject, profile_times(subject), level)
    return Profile(**{key: np.asarray(values, dtype=float).tolist() for key, values in band.items()})
