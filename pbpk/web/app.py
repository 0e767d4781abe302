"""The FastAPI application: the routes of the web API and the page (``docs/web.md``).

``create_app()`` builds it; ``pbpk serve`` runs it with uvicorn. The routes are plain functions, so
FastAPI runs each request in its thread pool and a long fit does not hold up the others.

* ``GET /``: the page (``index.html``: vanilla JavaScript, no external resources);
* ``GET /api/models``: the bundled population models;
* ``POST /api/map``: the MAP fit of a patient record;
* ``POST /api/recommend``: ranked dose options for a target.

Bad input gives 422: pydantic's errors in FastAPI's format, a ``PbpkInputError`` in the same shape
naming the request field (``pbpk.web.errors``).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from pbpk.core.errors import PbpkInputError
from pbpk.web.catalogue import model_infos
from pbpk.web.dosing import recommend_request
from pbpk.web.errors import RequestInputError, input_error_handler
from pbpk.web.fitting import fit_request
from pbpk.web.schemas import (
    MapRequest,
    MapResponse,
    ModelInfo,
    RecommendRequest,
    RecommendResponse,
)


def create_app() -> FastAPI:
    """The application with its routes and its input-error handlers."""
    app = FastAPI(title="pbpk MIPD", summary="MAP-Bayesian fits and dose recommendations with population PK models")
    app.add_exception_handler(PbpkInputError, input_error_handler)
    app.add_exception_handler(RequestInputError, input_error_handler)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> str:
        return page()

    @app.get("/api/models")
    def models() -> list[ModelInfo]:
        """The bundled population models: source, structure, units, covariates, analytes."""
        return model_infos()

    @app.post("/api/map")
    def map_fit(request: MapRequest) -> MapResponse:
        """The MAP fit of a patient record: η, parameters with intervals, OFV, predictions, profile and band."""
        return fit_request(request)

    @app.post("/api/recommend")
    def recommend(request: RecommendRequest) -> RecommendResponse:
        """Dose options ranked for a target: met at the MAP, PTA, toxicity probability, daily dose."""
        return recommend_request(request)

    return app


@cache
def page() -> str:
    """The HTML of the page (one file inside the package)."""
    return files("pbpk.web").joinpath("index.html").read_text(encoding="utf-8")
