"""POST /api/recommend: dose options for one patient record ranked for a target, as ``pbpk recommend`` ranks them.

The target texts are read by ``recommend.parse_target``, the options by ``dose_options.candidate_regimens``;
the patient is fitted by ``map_estimation.estimate`` and the options are ranked by ``recommend.recommend_for``
(met at the MAP, PTA over the Laplace posterior, toxicity probability, daily dose); the figure is
``recommend_figure``'s.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.dose_options import candidate_regimens
from pbpk.mipd.map_estimation import estimate
from pbpk.mipd.recommend import Recommendation, Target, parse_target, recommend_for
from pbpk.mipd.recommend_figure import plot_recommendation
from pbpk.web.catalogue import model_named
from pbpk.web.errors import located
from pbpk.web.figures import png_base64
from pbpk.web.fitting import read_patient_request
from pbpk.web.schemas import (
    FitSummary,
    RankedOption,
    RecommendRequest,
    RecommendResponse,
    finite,
)

#: Most candidate regimens one request may rank (amounts × intervals × infusions × loading doses).
MAX_OPTIONS = 2000


def recommend_request(request: RecommendRequest) -> RecommendResponse:
    """The response to a recommendation request (see the module docstring)."""
    with located("model"):
        model = model_named(request.model)
    target = _target("target", request.target)
    toxicity = None if request.toxicity is None else _target("toxicity", request.toxicity)
    subject = read_patient_request(request.patient, model)
    with located("doses"):
        options = candidate_regimens(model, request.doses, request.intervals, request.infusion, request.loading,
                                     last_dose=max(dose.time for dose in subject.doses), count=request.count)
    if len(options) > MAX_OPTIONS:
        raise PbpkInputError("doses", "", f"{len(options)} options", f"at most {MAX_OPTIONS} options to rank",
                             "take a coarser step of amounts, or fewer intervals, infusions or loading doses")
    with located("patient"):
        fit = estimate(model, subject)
    with located("target"):
        result = recommend_for(model, subject, fit, target, options, n_draws=request.draws,
                               rng=np.random.default_rng(request.seed), toxicity=toxicity)
    figure = None
    if request.figure:
        figure = png_base64(lambda: plot_recommendation(model, subject, fit, result, target, toxicity=toxicity))
    amount, time = model.units["amount"], model.units["time"]
    return RecommendResponse(
        model=model.name, id=subject.id, target=request.target, kind=target.kind, toxicity=request.toxicity,
        draws=request.draws, seed=request.seed,
        fit=FitSummary(id=fit.subject, eta=dict(zip(model.eta_names, fit.eta.tolist(), strict=True)), ofv=fit.ofv,
                       converged=fit.converged, message=fit.message),
        units={"dose": amount, "interval": time, "infusion": time, "start": time, "daily_dose": f"{amount}/day",
               "value": target.value_unit(model)},
        options=_ranked(result, f"{target.kind} at MAP ({target.value_unit(model)})", request.top),
        total=len(options), figure=figure)


def _target(field: str, text: str) -> Target:
    """``parse_target(text)``, its errors naming the request field ``field``."""
    try:
        return parse_target(text)
    except PbpkInputError as error:
        raise PbpkInputError(field, "", text, error.expected, error.hint) from error


def _ranked(result: Recommendation, value_column: str, top: int) -> list[RankedOption]:
    """The best ``top`` rows of the ranked table, each with its regimen (``value_column``: the target's value)."""
    rows = result.table.head(top).to_dict("records")
    return [RankedOption(rank=rank, option=int(row["option"]), **asdict(result.options[int(row["option"])]),
                         daily_dose=result.options[int(row["option"])].daily_dose, value=float(row[value_column]),
                         met_at_map=bool(row["met at MAP"]), pta=finite(row["PTA"]),
                         p_toxicity=finite(row["P(toxicity)"]))
            for rank, row in enumerate(rows, start=1)]
