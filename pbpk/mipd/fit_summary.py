"""A MAP fit as plain data: what ``pbpk map --json`` prints per subject and the web API returns.

η with its standard errors (square roots of the Laplace covariance's diagonal), the objective and
whether the search converged, and the structural parameters with their units (the model's time,
amount and volume units) and credible intervals (``LaplacePosterior.parameter_intervals``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.posterior import LaplacePosterior


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
