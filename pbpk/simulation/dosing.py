"""Dosing: IV bolus, IV infusion and oral doses, repeated or from a table.

A :class:`Regimen` is a tuple of :class:`Dose` events. Amounts are masses
(mg) or masses per body weight (mg/kg); ``schedule`` turns a regimen into the
arrays the solvers take — the times at which something changes, the bolus
amounts added then and the infusion rates that hold from then on (µmol and
µmol/h per state).

Examples
--------
>>> regimen = repeated(Dose("5 mg", route="oral"), every="12 h", doses=3)
>>> [float(d.time.to("h").magnitude) for d in regimen.doses]
[0.0, 12.0, 24.0]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

import numpy as np
import pint

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import Quantity, parse_quantity, ureg
from pbpk.engine.schedules import Schedule

Route = Literal["iv", "infusion", "oral"]
ROUTES: tuple[Route, ...] = ("iv", "infusion", "oral")
_PER_KG = re.compile(r"/\s*kg\b")


def is_per_body_weight(quantity: pint.Quantity) -> bool:
    """True for a mass per body mass such as mg/kg (dimensionless, with a mass unit below the line)."""
    return quantity.dimensionless and any(
        exponent < 0 and ureg.get_dimensionality(unit) == ureg.get_dimensionality("kg")
        for unit, exponent in quantity.unit_items())


#: Largest plausible single doses: 100 g, or 500 mg/kg (high-dose methotrexate, 12 g/m², is about 300 mg/kg in
#: a child); pbpk limits of use that catch unit errors such as "5 kg".
MAX_DOSE_MG = 100_000.0
MAX_DOSE_MG_PER_KG = 500.0


def parse_amount(text: str | pint.Quantity, *, where: str = "dose", field: str = "amount") -> pint.Quantity:
    """A dose amount: a mass (``"5 mg"``) or a mass per body weight (``"0.1 mg/kg"``)."""
    expected = 'a mass ("5 mg") or a mass per body weight ("0.1 mg/kg")'
    if isinstance(text, pint.Quantity):
        quantity = text
    elif isinstance(text, str) and _PER_KG.search(text):
        quantity = parse_quantity(text, "mg/kg", where=where, field=field, example="0.1 mg/kg")
    else:
        quantity = parse_quantity(text, "mg", where=where, field=field, example="5 mg")
    if quantity.is_compatible_with("mg"):
        value = quantity.to("mg")
    elif is_per_body_weight(quantity):
        value = quantity.to("mg/kg")
    else:
        raise PbpkInputError(where, field, str(text), expected)
    if value.magnitude <= 0:
        raise PbpkInputError(where, field, str(text), "a positive amount")
    limit = MAX_DOSE_MG if value.is_compatible_with("mg") else MAX_DOSE_MG_PER_KG
    if value.magnitude > limit:
        unit = "mg" if value.is_compatible_with("mg") else "mg/kg"
        raise PbpkInputError(where, field, str(text), f"a single dose of at most {limit:g} {unit}",
                             "no drug is given in larger single doses; check the unit")
    return value


@dataclass(frozen=True)
class Dose:
    """One administration.

    ``duration`` is required for ``infusion`` (rate = amount/duration).
    """

    amount: pint.Quantity | str
    route: Route = "iv"
    time: pint.Quantity | str = "0 h"
    duration: pint.Quantity | str | None = None

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise PbpkInputError("dose", "route", self.route, f"one of {', '.join(ROUTES)}")
        object.__setattr__(self, "amount", parse_amount(self.amount))
        time = _time(self.time, "time")
        if time.magnitude < 0:
            raise PbpkInputError("dose", "time", str(self.time), "a time ≥ 0 h")
        object.__setattr__(self, "time", time)
        if self.route == "infusion":
            if self.duration is None:
                raise PbpkInputError("dose", "duration", None, "an infusion duration, e.g. \"1 h\"")
            duration = _time(self.duration, "duration")
            if duration.magnitude <= 0:
                raise PbpkInputError("dose", "duration", str(self.duration), "a positive duration")
            object.__setattr__(self, "duration", duration)
        elif self.duration is not None:
            raise PbpkInputError("dose", "duration", str(self.duration), f"no duration for route {self.route}")

    def mass(self, body_weight: pint.Quantity) -> pint.Quantity:
        """The dose in mg for a person of ``body_weight``."""
        if self.amount.is_compatible_with("mg"):
            return self.amount.to("mg")
        return (self.amount * body_weight).to("mg")


@dataclass(frozen=True)
class Regimen:
    doses: tuple[Dose, ...]

    @property
    def routes(self) -> set[str]:
        return {d.route for d in self.doses}

    @property
    def last_interval(self) -> float | None:
        """Hours between the last two distinct dose times (None when every dose is given at once)."""
        times = sorted({d.time.to("h").magnitude for d in self.doses})
        return times[-1] - times[-2] if len(times) > 1 else None

    @property
    def last_time(self) -> pint.Quantity:
        ends = [d.time + (d.duration if d.route == "infusion" else Quantity(0, "h")) for d in self.doses]
        return max(ends, key=lambda q: q.to("h").magnitude)


def repeated(dose: Dose, *, every: str | pint.Quantity | None = None, doses: int = 1) -> Regimen:
    """``doses`` administrations of ``dose``, ``every`` apart (interval × n)."""
    if doses < 1:
        raise PbpkInputError("regimen", "doses", doses, "a number of doses ≥ 1")
    if doses > 1 and every is None:
        raise PbpkInputError("regimen", "every", None, "a dosing interval for repeated doses, e.g. \"12 h\"")
    interval = _time(every, "every") if every is not None else Quantity(0, "h")
    if doses > 1 and interval.magnitude <= 0:
        raise PbpkInputError("regimen", "every", str(every), "a positive dosing interval")
    if dose.route == "infusion" and doses > 1 and dose.duration > interval:
        raise PbpkInputError("regimen", "every", str(every), f"an interval ≥ the infusion duration {dose.duration:~P}")
    return Regimen(tuple(Dose(dose.amount, dose.route, dose.time + i * interval, dose.duration) for i in range(doses)))


def as_regimen(regimen: Regimen | None, dose: str | pint.Quantity | None = None, route: str = "iv",
               infusion_time: str | None = None, every: str | None = None, doses: int = 1, *,
               where: str = "simulate") -> Regimen:
    """``regimen`` if given, else ``doses`` doses of ``dose`` by ``route`` every ``every`` from time 0."""
    if regimen is not None:
        return regimen
    if dose is None:
        raise PbpkInputError(where, "dose", None, 'a dose such as "5 mg" or "0.1 mg/kg" (or a regimen)')
    return repeated(Dose(dose, route, "0 h", infusion_time), every=every, doses=doses)


class DosingOptions(TypedDict, total=False):
    """The dosing keywords every entry point takes (``simulate``, ``simulate_changing``,
    ``simulate_virtual_population``): ``doses`` administrations of ``dose`` (mg or mg/kg) by
    ``route``, ``every`` apart, infusions over ``infusion_time``."""

    dose: str | pint.Quantity | None
    route: str
    infusion_time: str | None
    every: str | None
    doses: int


def regimen_of(regimen: Regimen | None, dosing: Mapping[str, object], *, where: str = "simulate") -> Regimen:
    """The regimen given, or the one described by dosing keywords (:class:`DosingOptions`).

    >>> [float(d.time.to("h").magnitude) for d in regimen_of(None, {"dose": "5 mg", "every": "8 h", "doses": 2}).doses]
    [0.0, 8.0]
    """
    known = DosingOptions.__annotations__
    for key in dosing:
        if key not in known:
            raise PbpkInputError(where, key, dosing[key], f"a dosing option ({', '.join(known)}) or another "
                                 "keyword of this function", did_you_mean(key, known))
    if regimen is not None and any(value is not None for value in dosing.values()):
        raise PbpkInputError(where, "regimen", "a regimen and dosing options",
                             "either a regimen or dosing options (dose, route, …), not both")
    return as_regimen(regimen, **dosing, where=where)


def from_table(rows: Iterable[Sequence]) -> Regimen:
    """A regimen from rows ``(time, amount, route[, duration])``, e.g. ``("12 h", "5 mg", "oral")``."""
    doses = []
    for i, row in enumerate(rows):
        if len(row) not in (3, 4):
            raise PbpkInputError("dose table", f"row {i + 1}", tuple(row), "(time, amount, route[, duration])")
        doses.append(Dose(row[1], row[2], row[0], row[3] if len(row) == 4 else None))
    if not doses:
        raise PbpkInputError("dose table", "rows", None, "at least one dose")
    return Regimen(tuple(sorted(doses, key=lambda d: d.time.to("h").magnitude)))


def schedule(regimen: Regimen, targets: dict[str, int], n_states: int, *, molecular_weight: pint.Quantity,
             body_weight: pint.Quantity, states: Sequence[int] | None = None) -> Schedule:
    """Arrays for the solvers; ``targets`` maps a route to the index of the state it doses.

    ``states`` are the states of the dosed compound (default: all), whose dose scale is the
    regimen's total amount (a compound in a coupled model).
    """
    events: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    total = 0.0
    for dose in regimen.doses:
        if dose.route not in targets:
            raise PbpkInputError("dose", "route", dose.route,
                                 "a route the compound supports (oral needs an absorption block in the compound file)")
        amount = (dose.mass(body_weight) / molecular_weight).to("umol").magnitude
        total += amount
        index = targets[dose.route]
        start = dose.time.to("h").magnitude
        if dose.route == "infusion":
            end = start + dose.duration.to("h").magnitude
            rate = amount / (end - start)
            _event(events, start, n_states)[1][index] += rate
            _event(events, end, n_states)[1][index] -= rate
        else:
            _event(events, start, n_states)[0][index] += amount
    times = np.array(sorted(events))
    bolus = np.array([events[t][0] for t in times])
    deltas = np.array([events[t][1] for t in times])
    rate = np.cumsum(deltas, axis=0)
    rate[np.abs(rate) < 1e-12 * max(1.0, np.abs(deltas).max())] = 0.0
    scale = np.zeros(n_states)
    scale[slice(None) if states is None else list(states)] = total
    return Schedule(times, bolus, rate, total, scale)


def _event(events: dict, time: float, n_states: int) -> tuple[np.ndarray, np.ndarray]:
    if time not in events:
        events[time] = (np.zeros(n_states), np.zeros(n_states))
    return events[time]


def _time(value: str | pint.Quantity, field: str) -> pint.Quantity:
    if isinstance(value, pint.Quantity):
        if not value.is_compatible_with("h"):
            raise PbpkInputError("dose", field, str(value), "a time, e.g. \"12 h\"")
        return value.to("h")
    return parse_quantity(value, "h", where="dose", field=field, example="12 h").to("h")
