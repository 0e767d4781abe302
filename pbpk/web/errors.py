"""Input errors as HTTP 422 responses that name the request field, in the shape of FastAPI's own 422s.

A ``PbpkInputError`` keeps its message (the one the command line prints); the response adds the request
field it concerns (e.g. ``patient.samples[1].concentration``) as ``field`` and as ``loc``, the value found
(``input``), what was expected and the hint. An error whose location names no request field (e.g.
``subject 1`` from the MAP search) is placed at the field of the step that raised it (``located``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import Request
from fastapi.responses import JSONResponse

from pbpk.core.errors import PbpkInputError
from pbpk.web.schemas import MapRequest, RecommendRequest

#: The top-level fields of the request bodies.
REQUEST_FIELDS = frozenset(MapRequest.model_fields) | frozenset(RecommendRequest.model_fields)
UNPROCESSABLE = 422


class RequestInputError(Exception):
    """A ``PbpkInputError`` raised while a request field was being read or used."""

    def __init__(self, field: str, error: PbpkInputError) -> None:
        super().__init__(str(error))
        self.field = field
        self.error = error


def request_field(error: PbpkInputError, default: str) -> str:
    """The request field an error names (its location then its field), or ``default`` if it names none."""
    root = re.split(r"[.\[]", error.where, maxsplit=1)[0]
    if root not in REQUEST_FIELDS:
        return default
    return f"{error.where}.{error.field}" if error.field else error.where


@contextmanager
def located(field: str) -> Iterator[None]:
    """Input errors raised inside become ``RequestInputError`` at the field they name, else at ``field``."""
    try:
        yield
    except PbpkInputError as error:
        raise RequestInputError(request_field(error, field), error) from error


def location(field: str) -> list[str | int]:
    """FastAPI's ``loc`` of a field path: "patient.samples[1].time" → ["body", "patient", "samples", 1, "time"]."""
    return ["body", *(int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", field))]


def error_response(field: str, error: PbpkInputError) -> JSONResponse:
    """The 422 response of ``error`` at request field ``field``."""
    detail = {"type": "pbpk_input", "loc": location(field), "field": field, "msg": str(error),
              "input": _plain(error.found), "expected": error.expected, "hint": error.hint}
    return JSONResponse({"detail": [detail]}, status_code=UNPROCESSABLE)


async def input_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """The handler of ``RequestInputError`` and of a ``PbpkInputError`` raised outside ``located``."""
    if isinstance(exc, RequestInputError):
        return error_response(exc.field, exc.error)
    if not isinstance(exc, PbpkInputError):
        raise exc
    return error_response(request_field(exc, exc.where), exc)


def _plain(value: object) -> object:
    """``value`` as JSON can hold it (text for anything but plain finite numbers, text, booleans and lists)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)
