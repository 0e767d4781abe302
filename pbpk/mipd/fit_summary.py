"""A MAP fit as plain data: what ``pbpk map --json`` prints per subject and the web API returns.

η with its standard errors (square roots of the Laplace covariance's diagonal), the objective and
whether the search converged, the structural parameters with their units (the model's time,
amount and volume units) and credible intervals (``LaplacePosterior.parameter_intervals``), and
each sample with its individual prediction at the MAP and its weighted residual.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.posterior import LaplacePosterior
from pbpk.mipd.records import Subject


def parameter_unit(parameter: str, model: PopulationModel) -> str:
    """The unit of a structural parameter in the model's time, amount and volume units ("1": a fraction)."""
    time, amount, volume = model.units["time"], model.units["amount"], model.units["volume"]
    if parameter in ("F", "FM", "FPM"):
        return "1"
    if parameter.startswith(("CL", "Q")):
        return f"{volume}/{time}"
    if parameter.startswith("V") and parameter != "VMAX":
        return volume
    return {"KA": f"1/{time}", "MTT": time, "ALAG": time, "VMAX": f"{amount}/{time}", "KM": f"{amount}/{volume}"}[
        parameter]


def standard_errors(fit: MapEstimate) -> list[float]:
    """The standard error of each η (NaN where the Laplace covariance is singular)."""
    return np.sqrt(np.diag(fit.covariance)).tolist()


def fit_summary(model: PopulationModel, fit: MapEstimate, posterior: LaplacePosterior,
                intervals: pd.DataFrame) -> dict:
    """One subject's fit: ID, OFV, convergence, posterior method, η and SE by name, and the parameter rows
    of ``intervals`` (parameter, MAP, lower and upper percentile columns) each with its unit."""
    return {"id": fit.subject, "ofv": fit.ofv, "converged": fit.converged, "message": fit.message,
            "posterior": posterior.method, "effective_sample_size": posterior.effective_sample_size,
            "eta": dict(zip(model.eta_names, fit.eta.tolist(), strict=True)),
            "eta_se": dict(zip(model.eta_names, standard_errors(fit), strict=True)),
            "parameters": [{**row, "unit": parameter_unit(row["parameter"], model)}
                           for row in intervals.to_dict("records")]}


def sample_predictions(model: PopulationModel, subject: Subject, fit: MapEstimate) -> list[dict]:
    """Each sample: time (model time unit), analyte and its concentration unit, observed value (None when censored
    below ``lloq``), the individual prediction at the MAP (IPRED) and IWRES = (y − f)/g(f), the residual in units
    of its model SD (on the log scale for an exponential error; None for a censored sample)."""
    rows = []
    for time, analyte, observed, censored, lloq, predicted in zip(
            subject.times, subject.analytes, subject.observations, subject.censored, subject.lloq, fit.predictions,
            strict=True):
        error = model.errors[analyte]
        sd = float(error.sd(np.array([predicted]))[0])
        if censored:
            iwres = None
        elif error.kind == "exponential":
            iwres = float((np.log(observed) - np.log(predicted)) / sd)
        else:
            iwres = float((observed - predicted) / sd)
        rows.append({"time": float(time), "analyte": str(analyte), "unit": model.analytes[analyte],
                     "observed": None if censored else float(observed), "censored": bool(censored),
                     "lloq": float(lloq) if np.isfinite(lloq) else None, "predicted": float(predicted),
                     "iwres": iwres})
    return rows
