"""The kinds of virtual population, one registry entry each: adult, pediatric, pregnancy, renal, hepatic.

A :class:`Kind` holds everything the rest of :mod:`pbpk.populations` knows about a
population kind, so no other module branches on the kind's name:

* its anchor coordinate (:data:`AGE` in years, :data:`WEEK`, gestational weeks, :data:`GFR`,
  mL/min/1.73 m², or :data:`CHILD_PUGH`), whose range words the text gives (``"0.5-2 y"``,
  ``"weeks 20-30"``, ``"CKD 3b"``, ``"Child-Pugh B"``), their limits and the default range; kinds on
  another coordinate may also take an age range (``ages``: its default);
* the sexes it allows and the default female fraction;
* the reference person at a point of the coordinate (``person``:
  :func:`pbpk.physiology.adults.adult` of that age, :func:`pbpk.physiology.pediatrics.child`,
  :func:`pbpk.physiology.pregnancy.pregnant`, :func:`pbpk.physiology.renal_impairment.renal_impairment`,
  :func:`pbpk.physiology.hepatic_impairment.hepatic_impairment`),
  the anchor points over the range (``grid``), whether anchors take the ethnicity's body
  size, and a check of the range (``check``);
* how subjects' height and weight are drawn (``size``), how their blood volume and GFR follow
  (``scaling``, ``gfr_residual``) and its per-subject extras: enzyme factors drawn after the
  genotypes (children: maturation variability) and covariate columns (pregnancy: gestational
  week; renal: eGFR).

Adding a kind is one entry in :data:`REGISTRY` plus its physiology module.

Examples
--------
>>> list(REGISTRY)
['adult', 'pediatric', 'pregnancy', 'renal', 'hepatic']
>>> kind = population_kind("pregnancy")
>>> kind.coordinate.name, kind.sexes, kind.female_fraction
('week', ('female',), 1.0)
>>> population_kind("pediatic")
Traceback (most recent call last):
...
pbpk.core.errors.PbpkInputError: ...got 'pediatic'; expected one of adult, pediatric, pregnancy, renal, hepatic ... "pediatric"?
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import Quantity
from pbpk.physiology import Individual
from pbpk.physiology.adults import adult, blood_volume_ratio
from pbpk.physiology.body_size import du_bois
from pbpk.physiology.hepatic_impairment import hepatic_impairment
from pbpk.physiology.pediatrics import child
from pbpk.physiology.pregnancy import pregnancy_data, pregnant
from pbpk.physiology.renal_impairment import renal_impairment, stage_range
from pbpk.populations.database import PopulationData
from pbpk.populations.variability import adult_size, child_size, maturation

if TYPE_CHECKING:
    from pbpk.populations.spec import PopulationSpec

ADULT_AGES = (20.0, 50.0)  # years: the ICRP 89 reference adult's range
RENAL_AGES = (18.0, 80.0)  # years: the ages of the PK-Sim CKD populations (OSP v10; Malik et al. 2020)
HEPATIC_AGES = (40.0, 70.0)  # years: pbpk default; cirrhosis study arms are mostly of 40-65 y
ANCHORS_PER_RANGE = 41
#: Age units of the population text, in years.
AGE_UNITS = {"y": 1.0, "year": 1.0, "years": 1.0, "mo": 1 / 12, "month": 1 / 12, "months": 1 / 12,
             "wk": 7 / 365.25, "week": 7 / 365.25, "weeks": 7 / 365.25, "d": 1 / 365.25, "day": 1 / 365.25,
             "days": 1 / 365.25}

#: (data, female, age [y], anchor height [cm], anchor weight [kg], rng) → height [cm], weight [kg]
Size = Callable[[PopulationData, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.random.Generator],
                tuple[np.ndarray, np.ndarray]]
#: (data, female, height [cm], weight [kg], anchor height, anchor weight) → blood-volume and GFR factors
Scaling = Callable[[PopulationData, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                   tuple[np.ndarray, np.ndarray]]
#: (point of the coordinate, sex, the PopulationSpec, the ethnicity's mean body {height, weight [, cardiac_output]}
#: or None) → the anchor's reference person
Person = Callable[[float, str, "PopulationSpec", Mapping[str, float] | None], Individual]
#: (covariates: female, age, week, gfr, height, weight; rng) → enzyme → multiplier of its hepatic activity
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


def gfr_words(option: str) -> tuple[float, float] | tuple[float, float, dict] | None:
    """``"ckd 3b"``, ``"g4"``, ``"severe"``, ``"esrd"``, ``"arc"``, ``"egfr 15-29"`` → GFR range (mL/min/1.73 m²)
    and, for ESRD, ``{"dialysis": True}``."""
    try:
        low, high, dialysis = stage_range(option)
    except PbpkInputError:
        return None
    return (low, high, {"dialysis": True}) if dialysis else (low, high)


def child_pugh_words(option: str) -> tuple[float, float] | None:
    """``"child-pugh b"``, ``"cp-b"`` → (2, 2): the class as 1 (A), 2 (B) or 3 (C)."""
    match = re.fullmatch(r"(?:child[- ]pugh|cp-?)\s*([abc])", option)
    return None if match is None else (float("abc".index(match[1]) + 1),) * 2


def week_words(option: str) -> tuple[float, float] | None:
    """``"week 30"``, ``"weeks 20-30"`` → (low, high) gestational weeks."""
    match = re.fullmatch(r"weeks?\s+([\d.]+)(?:\s*-\s*([\d.]+))?", option)
    return None if match is None else (float(match[1]), float(match[2] or match[1]))


AGE = Coordinate("age", "ages", "years", age_words, 'an age range ("0.5-2 y")', "an age range")
WEEK = Coordinate("week", "weeks", "weeks", week_words, '"week 30" or "weeks 20-30"', "a gestational week")
GFR = Coordinate("gfr", "gfrs", "mL/min/1.73 m²", gfr_words, 'a renal stage ("CKD 3b", "G4", "ESRD", "ARC") or '
                 '"eGFR 15-29"', "a renal stage or eGFR range")
CHILD_PUGH = Coordinate("child_pugh", "child_pugh", "Child-Pugh class (1 = A, 2 = B, 3 = C)", child_pugh_words,
                        '"Child-Pugh B"', "a Child-Pugh class")
COORDINATES = (AGE, WEEK, GFR, CHILD_PUGH)


@dataclass(frozen=True)
class Kind:
    """One kind of population: its text, anchors and per-subject draws (see the module docstring)."""

    name: str  # the word before the colon of the text
    title: str  # who they are, for messages ("children")
    example: str  # a population text of this kind
    coordinate: Coordinate
    limits: tuple[float, float]  # allowed range of the coordinate, in its unit
    default: tuple[float, float] | None  # range when the text gives none; None: the text must give one
    person: Person  # reference person at a point of the coordinate, of a sex
    grid: Callable[[float, float], np.ndarray]  # anchor points over the (low, high) range
    ethnic_body: bool  # anchors take the ethnicity's mean height, weight and cardiac output
    size: Size
    scaling: Scaling  # each subject's blood volume and GFR relative to its anchor's, from its body size
    female_fraction: float = 0.5
    sexes: tuple[str, ...] = ("male", "female")
    fixed: tuple[tuple[str, tuple[float, float]], ...] = ()  # (spec field, range) the kind sets
    check: Callable[[float, float], None] | None = None  # raises on a range the anchors cannot cover
    extras: tuple[Extra, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # (covariate column, Subjects attribute) beyond the common ones
    ages: tuple[float, float] | None = None  # kinds on another coordinate that also take an age range: its default
    gfr_residual: bool = True  # subjects' GFR varies around the anchor's (False: the coordinate is the GFR)
    matures: bool = False  # its people are children, whose enzymes mature by an ontogeny set ("ontogeny SET")


def spread(low: float, high: float) -> np.ndarray:
    """:data:`ANCHORS_PER_RANGE` evenly spaced anchors (one for a single value)."""
    return np.array([low]) if high == low else np.linspace(low, high, ANCHORS_PER_RANGE)


def adult_scaling(data: PopulationData, female: np.ndarray, height: np.ndarray, weight: np.ndarray,
                  ref_height: np.ndarray, ref_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Adults: blood volume by Nadler et al. 1962, GFR with body surface area (as
    :func:`~pbpk.physiology.adults.adult`)."""
    blood = blood_volume_ratio(female, height, weight, ref_height, ref_weight)
    return blood, du_bois(weight, height) / du_bois(ref_weight, ref_height)


def child_scaling(data: PopulationData, female: np.ndarray, height: np.ndarray, weight: np.ndarray,
                  ref_height: np.ndarray, ref_weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Children: blood volume with (height ratio)^0.75, GFR with (weight ratio)^0.75 (Rhodin et al. 2009)."""
    return (height / ref_height) ** 0.75, (weight / ref_weight) ** 0.75


def _adult(age: float, sex: str, spec, body: Mapping[str, float] | None) -> Individual:
    """The adult of this age (organs, flows and GFR by age and body size), at the ethnicity's mean height and weight
    when given; an ethnicity's measured cardiac output sets the level of the adult of that body at the reference
    age, and the age function applies on top."""
    if body is None:
        return adult(sex, age=Quantity(age, "year"))
    size = {"height": Quantity(body["height"], "cm"), "weight": Quantity(body["weight"], "kg")}
    person = adult(sex, age=Quantity(age, "year"), **size)
    if "cardiac_output" not in body:
        return person
    ratio = body["cardiac_output"] / adult(sex, **size).cardiac_output.to("L/h").magnitude
    return replace(person, cardiac_output=person.cardiac_output * ratio,
                   tissues={name: replace(t, blood_flow=t.blood_flow * ratio) for name, t in person.tissues.items()})


def _child(age: float, sex: str, spec, body) -> Individual:
    return child(Quantity(age, "year"), sex, ontogeny=spec.ontogeny)


def _pregnant(week: float, sex: str, spec, body) -> Individual:
    return pregnant(week)


def _hepatic(grade: float, sex: str, spec, body) -> Individual:
    """The adult of the middle of the age range with liver cirrhosis of this Child-Pugh class."""
    return hepatic_impairment(_adult(float(np.mean(spec.ages)), sex, spec, body), "ABC"[int(round(grade)) - 1])


def _renal(gfr: float, sex: str, spec, body) -> Individual:
    """The adult of the middle of the age range with this GFR (per 1.73 m²) and the CKD changes."""
    person = _adult(float(np.mean(spec.ages)), sex, spec, body)
    return renal_impairment(person, Quantity(gfr, "mL/min"), dialysis=spec.dialysis)


def _before_or_after_the_fetus(low: float, high: float) -> None:
    """The anchors of one population share one model: all before, or all from, the week the fetus appears."""
    start = pregnancy_data().compartments_from
    if low < start <= high:
        raise PbpkInputError("population", "weeks", f"{low:g}-{high:g}",
                             f"a range entirely before or from week {start:g} (the fetus joins the model then)")


ADULT = Kind("adult", "adults", '"adult: 20-50 y"', AGE, limits=(18.0, 100.0), default=ADULT_AGES,
             person=_adult, grid=spread, ethnic_body=True, size=adult_size, scaling=adult_scaling)
PEDIATRIC = Kind("pediatric", "children", '"pediatric: 0.5-2 y"', AGE, limits=(0.0, 20.0), default=None,
                 person=_child, grid=spread, ethnic_body=False, size=child_size, scaling=child_scaling,
                 extras=(maturation,), matures=True)
PREGNANCY = Kind("pregnancy", "pregnancy", '"pregnancy: week 30"', WEEK, limits=(0.0, 42.0), default=None,
                 person=_pregnant, grid=spread, ethnic_body=False, size=adult_size, scaling=adult_scaling,
                 female_fraction=1.0,
                 sexes=("female",), fixed=(("ages", (30.0, 30.0)),),  # every woman's age covariate, years
                 check=_before_or_after_the_fetus,
                 columns=(("gestational week", "week"),))

RENAL = Kind("renal", "patients with renal impairment", '"renal: CKD 4"', GFR, limits=(1.0, 200.0), default=None,
             person=_renal, grid=spread, ethnic_body=True, size=adult_size, scaling=adult_scaling,
             ages=RENAL_AGES, gfr_residual=False, columns=(("eGFR [mL/min/1.73 m²]", "gfr"),))

HEPATIC = Kind("hepatic", "patients with liver cirrhosis", '"hepatic: Child-Pugh B"', CHILD_PUGH, limits=(1.0, 3.0),
               default=None, person=_hepatic, grid=spread, ethnic_body=True, size=adult_size, scaling=adult_scaling,
               ages=HEPATIC_AGES, columns=(("Child-Pugh class", "child_pugh"),))

#: The population kinds by name, in the order they are listed to users.
REGISTRY: dict[str, Kind] = {kind.name: kind for kind in (ADULT, PEDIATRIC, PREGNANCY, RENAL, HEPATIC)}


def population_kind(name: str) -> Kind:
    """The registered kind called ``name`` (an error listing the kinds otherwise)."""
    if name not in REGISTRY:
        raise PbpkInputError("population", "kind", name, f"one of {', '.join(REGISTRY)} (e.g. \"pediatric: 0.5-2 y\")",
                             did_you_mean(name, REGISTRY))
    return REGISTRY[name]


__all__ = ["Kind", "Coordinate", "AGE", "WEEK", "GFR", "CHILD_PUGH", "COORDINATES", "ADULT", "PEDIATRIC",
           "PREGNANCY", "RENAL", "HEPATIC", "REGISTRY", "population_kind", "adult_scaling", "child_scaling",
           "age_words", "week_words", "gfr_words", "child_pugh_words", "spread", "ADULT_AGES", "RENAL_AGES",
           "HEPATIC_AGES", "ANCHORS_PER_RANGE", "AGE_UNITS"]
