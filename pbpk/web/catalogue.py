"""The bundled population models (``poppk_models/``) as the web API lists and loads them.

Only bundled models are served: a request names one by its library name, never a path, so a request
cannot make the server read a file of its choosing. Each model is read once (``modelfile.load_poppk``).
"""

from __future__ import annotations

from functools import cache

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.mipd.modelfile import library, load_poppk, poppk_to_dict
from pbpk.mipd.patient_record import ROUTES
from pbpk.mipd.popmodel import PopulationModel
from pbpk.web.schemas import CovariateInfo, ModelInfo


def model_named(name: str) -> PopulationModel:
    """The bundled model ``name``; an unknown name is an input error of the request field ``model``."""
    names = library()
    if name not in names:
        raise PbpkInputError("model", "", name, "the name of a bundled model: " + ", ".join(names),
                             did_you_mean(name, names))
    return _load(name)


def model_infos() -> list[ModelInfo]:
    """Every bundled model, by name."""
    return [model_info(model_named(name)) for name in library()]


def model_info(model: PopulationModel) -> ModelInfo:
    """What a client needs to know of ``model`` (its file's fields, the η names and the dose routes)."""
    data = poppk_to_dict(model)
    covariates = [CovariateInfo(name=name, **entry) for name, entry in data.get("covariates", {}).items()]
    compartments = model.structure.dose_compartments  # the first is where a dose without route goes
    routes = sorted((route for route, into in ROUTES.items() if into in compartments),
                    key=lambda route: compartments.index(ROUTES[route]))
    return ModelInfo(name=model.name, drug=model.drug, title=model.title, source=data["source"],
                     structure=data["structure"], units=data["units"], analytes=dict(model.analytes),
                     covariates=covariates, etas=list(model.eta_names), routes=routes)


@cache
def _load(name: str) -> PopulationModel:
    return load_poppk(name)
