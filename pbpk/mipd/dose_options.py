"""Candidate regimens of a dose search written as text, as a clinician types them.

``candidate_regimens`` turns four texts into every ``recommend.Regimen`` option: amounts
("500-3000 by 250 mg", "1 g, 1500 mg"; ``recommend.parse_amounts``), dosing intervals ("8,12,24 h"),
infusion durations ("1 h"; "0 h" is a bolus) and optional loading (first) doses ("2 g"). Each option
starts one of its own intervals after the patient's last dose (at 0 without one) and gives ``count``
doses, by default as many as cover ``HORIZON`` model time units (48 h for the bundled models).
Errors name the option the text came from: ``prefix`` + "doses", "intervals", "infusion", "loading"
(e.g. ``--doses`` on the command line, ``doses`` in a web request).
"""

from __future__ import annotations

import math
import re

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import magnitude, parse_quantity
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.recommend import Regimen, parse_amounts, regimens

#: Without a count, each option gives as many doses as cover this many model time units (h).
HORIZON = 48.0
_DURATIONS = 'durations with a time unit, e.g. "8,12,24 h" or "30, 60 min"'


def parse_durations(text: str, unit: str, *, where: str = "durations") -> list[float]:
    """Durations in ``unit`` from text such as "8,12,24 h": a unit at the end holds for every number
    without its own (no unit at all: ``unit``)."""
    if not isinstance(text, str):
        raise PbpkInputError(where, "", text, _DURATIONS)
    trailing = re.search(r"[a-zµ]+\s*$", text.strip(), re.IGNORECASE)
    written = trailing.group(0).strip() if trailing else unit
    try:
        factor = magnitude(parse_quantity(f"1 {written}", unit, where=where, field=""), unit)
        values = parse_amounts(text, written)
    except PbpkInputError as error:
        raise PbpkInputError(where, "", text, _DURATIONS, error.hint) from error
    return [float(value) * factor for value in values]


def candidate_regimens(model: PopulationModel, doses: str, intervals: str, infusion: str = "0 h",
                       loading: str | None = None, *, last_dose: float | None = None, count: int | None = None,
                       prefix: str = "") -> tuple[Regimen, ...]:
    """Every (dose, interval, infusion, loading) option in the model's units (module docstring).

    ``last_dose`` is the time of the patient's last dose (model time unit); ``count`` the doses per
    option (default: enough to cover ``HORIZON``).
    """
    amount, time = model.units["amount"], model.units["time"]
    amounts = _amounts(doses, amount, prefix + "doses")
    every = parse_durations(intervals, time, where=prefix + "intervals")
    infusions = parse_durations(infusion, time, where=prefix + "infusion")
    loadings = (None,) if loading is None else tuple(_amounts(loading, amount, prefix + "loading"))
    if min(every) <= 0:
        raise PbpkInputError(prefix + "intervals", "", intervals, "dosing intervals greater than 0")
    options: list[Regimen] = []
    for interval in every:
        if max(infusions) > interval:
            raise PbpkInputError(prefix + "infusion", "", infusion,
                                 f"infusions no longer than the dosing interval ({interval:g} {time})")
        doses_per_option = count or max(1, math.ceil(HORIZON / interval - 1e-9))
        options += regimens(amounts, [interval], count=doses_per_option, infusions=infusions, loading=loadings,
                            start=0.0 if last_dose is None else None, last_dose=last_dose, unit=amount)
    return tuple(options)


def _amounts(text: str, unit: str, where: str) -> list[float]:
    """Amounts in ``unit`` (``recommend.parse_amounts``), errors naming ``where``."""
    try:
        return [float(value) for value in parse_amounts(text, unit)]
    except PbpkInputError as error:
        raise PbpkInputError(where, "", text, error.expected, error.hint) from error
