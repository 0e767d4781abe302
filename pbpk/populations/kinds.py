"""The kinds of virtual population, one registry entry each: adult, pediatric, pregnancy.

A :class:`Kind` holds everything the rest of :mod:`pbpk.populations` knows about a
population kind, so no other module branches on the kind's name:

* its anchor coordinate (:data:`AGE` in years or :data:`WEEK`, gestational weeks),
  whose range words the text gives (``"0.5-2 y"``, ``"weeks 20-30"``), their limits
  and the default range;
* the sexes it allows and the default female fraction;
* the reference person at a point of the coordinate (``person``: the ICRP 89 adult,
  :func:`pbpk.physiology.pediatrics.child`, :func:`pbpk.physiology.pregnancy.pregnant`),
  the anchor points over the range (``grid``), whether anchors take the ethnicity's body
  size, and a check of the range (``check``);
* how subjects' height and weight are drawn (``size``) and its per-subject extras:
  enzyme factors drawn after the genotypes (children: maturation variability) and
  covariate columns (pregnancy: gestational week).

Adding a kind (renal or hepatic impairment next) is one entry in :data:`REGISTRY`
plus its physiology module.

Examples
--------
>>> list(REGISTRY)
['adult', 'pediatric', 'pregnancy']
>>> kind = population_kind("pregnancy")
>>> kind.coordinate.name, kind.sexes, kind.female_fraction
('week', ('female',), 1.0)
>>> population_kind("pediatic")
Traceback (most recent call last):
...
pbpk.core.errors.PbpkInputError: ...got 'pediatic'; expected one of adult, pediatric, pregnancy ... "pediatric"?
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import Quantity
from pbpk.physiology import Individual, reference_individual
from pbpk.physiology.pediatrics import child
from pbpk.physiology.pregnancy import pregnancy_data, pregnant
from pbpk.populations.database import PopulationData
from pbpk.populations.variability import adult_size, child_size, maturation

ADULT_AGES = (20.0, 50.0)  # years: the ICRP 89 reference adult's range
ANCHORS_PER_RANGE = 41
#: Age units of the population text, in years.
AGE_UNITS = {"y": 1.0, "year": 1.0, "years": 1.0, "mo": 1 / 12, "month": 1 / 12, "months": 1 / 12,
             "wk": 7 / 365.25, "week": 7 / 365.25, "weeks": 7 / 365.25, "d": 1 / 365.25, "day": 1 / 365.25,
             "days": 1 / 365.25}

#: (data, female, age [y], anchor height [cm], anchor weight [kg], rng) → height [cm], weight [kg]
Size = Callable[[PopulationData, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.random.Generator],
                tuple[np.ndarray, np.ndarray]]
#: (covariates: female, age, week, height, weight; rng) → enzyme → multiplier of its hepatic activity
Extra = Callable[[Mapping[str, np.ndarray], np.random.Generator], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Coordinate:
    """An anchor coordinate: the subjects' covariate, the spec field holding its range, its range words."""

    name: str  # Subjects attribute: "age" (years) or "week" (gestational week)
    field: str  # PopulationSpec field with the (low, high) range
    unit: str  # of the range, for messages
    words: Callable[[str], tuple[float, float] | None]  # (low, high) from one lower-case option, or None
    example: str  # how the text gives the range
    needs: str  # what is missing when the text gives no range


def age_words(option: str) -> tuple[float, float] | None:
    """``"0.5-2 y"``, ``"6-24 mo"``, ``"3 wk"``, ``"10 d"`` → (low, high) in years."""
    match = re.fullmatch(r"([\d.]+)\s*(?:-\s*([\d.]+))?\s*([a-z]+)", option)
    if match is None:
        return None
    if match[3] not in AGE_UNITS:
        raise PbpkInputError("population", "age unit", match[3], f"one of {', '.join(AGE_UNITS)}")
    scale = AGE_UNITS[match[3]]
    return float(match[1]) * scale, float(match[2] or match[1]) * scale


def week_words(option: str) -> tuple[float, float] | None:
    """``"week 30"``, ``"weeks 20-30"`` → (low, high) gestational weeks."""
    match = re.fullmatch(r"weeks?\s+([\d.]+)(?:\s*-\s*([\d.]+))?", option)
    return None if match is None else (float(match[1]), float(match[2] or match[1]))


AGE = Coordinate("age", "ages", "years", age_words, 'an age range ("0.5-2 y")', "an age range")
WEEK = Coordinate("week", "weeks", "weeks", week_words, '"week 30" or "weeks 20-30"', "a gestational week")
COORDINATES = (AGE, WEEK)


@dataclass(frozen=True)
class Kind:
    """One kind of population: its text, anchors and per-subject draws (see the module docstring)."""

    name: str  # the word before the colon of the text
    title: str  # who they are, for messages ("children")
    example: str  # a population text of this kind
    coordinate: Coordinate
    limits: tuple[float, float]  # allowed range of the coordinate, in its unit
    default: tuple[float, float] | None  # range when the text gives none; None: the text must give one
    person: Callable[[float, str], Individual]  # reference person at a point of the coordinate, of a sex
    grid: Callable[[float, float], np.ndarray]  # anchor points over the (low, high) range
    ethnic_body: bool  # anchors take the ethnicity's mean height, weight and cardiac output
    size: Size
    female_fraction: float = 0.5
    sexes: tuple[str, ...] = ("male", "female")
    fixed: tuple[tuple[str, tuple[float, float]], ...] = ()  # (spec field, range) the kind sets
    check: Callable[[float, float], None] | None = None  # raises on a range the anchors cannot cover
    extras: tuple[Extra, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (covariate column, Subjects attribute) beyond the common ones


def midpoint(low: float, high: float) -> np.ndarray:
    """One anchor at the middle of the range."""
    return np.array([np.mean((low, high))])


def spread(low: float, high: float) -> np.ndarray:
    """:data:`ANCHORS_PER_RANGE` evenly spaced anchors (one for a single value)."""
    return np.array([low]) if high == low else np.linspace(low, high, ANCHORS_PER_RANGE)


def _adult(age: float, sex: str) -> Individual:
    return reference_individual(sex)  # ICRP 89 reference adult, whatever the age within the range


def _child(age: float, sex: str) -> Individual:
    return child(Quantity(age, "year"), sex)


def _pregnant(week: float, sex: str) -> Individual:
    return pregnant(week)


def _before_or_after_the_fetus(low: float, high: float) -> None:
    """The anchors of one population share one model: all before, or all from, the week the fetus appears."""
    start = pregnancy_data().compartments_from
    if low < start <= high:
        raise PbpkInputError("population", "weeks", f"{low:g}-{high:g}",
                             f"a range entirely before or from week {start:g} (the fetus joins the model then)")


ADULT = Kind("adult", "adults", '"adult: 20-50 y"', AGE, limits=(18.0, 100.0), default=ADULT_AGES,
             person=_adult, grid=midpoint, ethnic_body=True, size=adult_size)
PEDIATRIC = Kind("pediatric", "children", '"pediatric: 0.5-2 y"', AGE, limits=(0.0, 20.0), default=None,
                 person=_child, grid=spread, ethnic_body=False, size=child_size, extras=(maturation,))
PREGNANCY = Kind("pregnancy", "pregnancy", '"pregnancy: week 30"', WEEK, limits=(0.0, 42.0), default=None,
                 person=_pregnant, grid=spread, ethnic_body=False, size=adult_size, female_fraction=1.0,
                 sexes=("female",), fixed=(("ages", (30.0, 30.0)),),  # every woman's age covariate, years
                 check=_before_or_after_the_fetus,
                 columns=(("gestational week", "week"),))

#: The population kinds by name, in the order they are listed to users.
REGISTRY: dict[str, Kind] = {kind.name: kind for kind in (ADULT, PEDIATRIC, PREGNANCY)}


def population_kind(name: str) -> Kind:
    """The registered kind called ``name`` (an error listing the kinds otherwise)."""
    if name not in REGISTRY:
        raise PbpkInputError("population", "kind", name, f"one of {', '.join(REGISTRY)} (e.g. \"pediatric: 0.5-2 y\")",
                             did_you_mean(name, REGISTRY))
    return REGISTRY[name]


__all__ = ["Kind", "Coordinate", "AGE", "WEEK", "COORDINATES", "ADULT", "PEDIATRIC", "PREGNANCY", "REGISTRY",
           "population_kind", "age_words", "week_words", "midpoint", "spread", "ADULT_AGES", "ANCHORS_PER_RANGE",
           "AGE_UNITS"]
