"""Anchors: the reference people a population's subjects are drawn around.

Each sex of the population gets the kind's reference person at each point of its
anchor grid (age in years, gestational week or GFR; :mod:`pbpk.populations.kinds`), with
the ethnicity's hepatic activities and, for adult kinds, built at its mean height and weight
and given its cardiac output (``physiology_db/populations.yaml``). :func:`anchor_table` turns them
into the plain arrays sampling needs.

Examples
--------
>>> from pbpk.populations.spec import parse_population
>>> people = anchors(parse_population("pediatric: 1-2 y, female"))
>>> len(people), people[0][0], float(people[0][1]), float(people[-1][1])
(41, 'female', 1.0, 2.0)
>>> table = anchor_table(anchors(parse_population("adult: japanese, 30-40 y")))
>>> len(table.points), table.points[[0, -1]].tolist(), table.weight[[0, -1]].round(1).tolist()
(82, [30.0, 40.0], [61.9, 51.7])
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.physiology import Individual
from pbpk.populations.database import population_data
from pbpk.populations.kinds import population_kind
from pbpk.populations.spec import PopulationSpec


def anchors(spec: PopulationSpec) -> list[tuple[str, float, Individual]]:
    """The reference people of the population: (sex, age or week, Individual) on the kind's grid."""
    kind = population_kind(spec.kind)
    low, high = getattr(spec, kind.coordinate.field)
    if kind.check is not None:
        kind.check(low, high)
    sexes = [sex for sex, share in (("male", 1 - spec.female_fraction), ("female", spec.female_fraction))
             if share > 0 and sex in kind.sexes]
    preset = population_data().ethnicities[spec.ethnicity]
    return [(sex, point, _ethnic(kind.person(point, sex, spec, preset.body[sex] if kind.ethnic_body else None),
                                 preset))
            for sex in sexes for point in kind.grid(low, high)]


def _ethnic(person: Individual, preset) -> Individual:
    """The person with the ethnicity's hepatic activities (its body size and cardiac output are the kind's person's,
    :func:`pbpk.populations.kinds._adult`)."""
    if not preset.hepatic_activity:
        return person
    return replace(person, hepatic_activity={**person.hepatic_activity, **{
        e: person.enzyme_activity(e) * f for e, f in preset.hepatic_activity.items()}})


@dataclass(frozen=True)
class AnchorTable:
    """The anchors as plain arrays (what sampling needs; cheap to send to other processes)."""

    female: np.ndarray
    points: np.ndarray  # age (years) or gestational week of each anchor
    height: np.ndarray  # cm
    weight: np.ndarray  # kg
    gfr: np.ndarray  # mL/min
    mass: dict[str, np.ndarray]  # tissue → kg
    flow: dict[str, np.ndarray]  # tissue → L/h
    lean: tuple[str, ...]  # tissues scaled with height^0.75
    systemic: tuple[str, ...]  # tissues whose flows add up to the cardiac output


def anchor_table(people: list[tuple[str, float, Individual]]) -> AnchorTable:
    """The anchors' sexes, points, sizes, organ masses and flows as arrays (every anchor has the same organs)."""
    first = people[0][2]
    names = tuple(first.tissues)
    if any(tuple(p.tissues) != names for _, _, p in people):
        raise PbpkInputError("population", "anchors", "organ sets", "the same organs in every reference person")
    return AnchorTable(
        female=np.array([sex == "female" for sex, _, _ in people]),
        points=np.array([point for _, point, _ in people], dtype=float),
        height=np.array([p.height.to("cm").magnitude for _, _, p in people]),
        weight=np.array([p.body_weight.to("kg").magnitude for _, _, p in people]),
        gfr=np.array([p.gfr.to("mL/min").magnitude for _, _, p in people]),
        mass={name: np.array([p.tissues[name].mass.to("kg").magnitude for _, _, p in people]) for name in names},
        flow={name: np.array([p.tissues[name].blood_flow.to("L/h").magnitude for _, _, p in people]) for name in names},
        lean=tuple(name for name, t in first.tissues.items()
                   if name != "adipose" and not t.roles & {"fetus", "placenta"}),
        systemic=tuple(name for name, t in first.tissues.items() if not t.roles & {"lung", "fetus"}),
    )


__all__ = ["anchors", "AnchorTable", "anchor_table"]
