"""The population text and :class:`PopulationSpec`: whom to simulate.

``"kind: option, option, ..."`` — the kind is one of :data:`pbpk.populations.kinds.REGISTRY`
(``adult``, 20–50 y unless an age range is given; ``pediatric``, which needs an age
range; ``pregnancy``, which needs a gestational week or week range). Options: the
kind's range words (``"0.5-2 y"``, also ``mo``, ``wk``, ``d``; ``"week 30"``,
``"weeks 20-30"``), an ethnicity (``european``, ``japanese``, ``chinese``),
``male``/``female``, and fixed CPIC phenotypes such as ``"CYP2C19 PM"``.

Examples
--------
>>> spec = parse_population("pediatric: 6-24 mo, chinese")
>>> spec.kind, spec.ages, spec.ethnicity, spec.female_fraction
('pediatric', (0.5, 2.0), 'chinese', 0.5)
>>> parse_population("pregnancy: weeks 25-35").weeks
(25.0, 35.0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pbpk.core.errors import PbpkInputError
from pbpk.populations.database import population_data
from pbpk.populations.kinds import ADULT_AGES, Kind, population_kind


@dataclass(frozen=True)
class PopulationSpec:
    """Whom to simulate (see :func:`parse_population`)."""

    kind: str = "adult"  # a name in pbpk.populations.kinds.REGISTRY
    ages: tuple[float, float] = ADULT_AGES  # years (adult, pediatric)
    weeks: tuple[float, float] = (0.0, 0.0)  # gestational weeks (pregnancy)
    ethnicity: str = "european"
    female_fraction: float = 0.5
    phenotypes: dict[str, str] = field(default_factory=dict)
    text: str = "adult"


def parse_population(text: str) -> PopulationSpec:
    """Read ``"kind: option, option, ..."`` (see the module docstring)."""
    name, _, rest = text.partition(":")
    kind = population_kind(name.strip().lower())
    data = population_data()
    spec = PopulationSpec(kind=kind.name, text=text.strip(), female_fraction=kind.female_fraction)
    span = None
    for option in (o.strip() for o in rest.split(",") if o.strip()):
        lower = option.lower()
        if lower in data.ethnicities:
            spec = replace(spec, ethnicity=lower)
        elif lower in ("male", "female"):
            if lower not in kind.sexes:
                raise PbpkInputError("population", "sex", option,
                                     f"{' or '.join(kind.sexes)} (the sexes of a {kind.name} population)")
            spec = replace(spec, female_fraction=1.0 if lower == "female" else 0.0)
        elif (found := kind.coordinate.words(lower)) is not None:
            span = found
        elif match := re.fullmatch(r"(CYP\w+)\s+(PM|IM|NM|RM|UM)", option, flags=re.IGNORECASE):
            gene, phenotype = match[1].upper(), match[2].upper()
            if gene not in data.genotypes or phenotype not in data.genotypes[gene].activity:
                known = ", ".join(f"{g} {'/'.join(d.activity)}" for g, d in data.genotypes.items())
                raise PbpkInputError("population", "phenotype", option, f"one of {known}")
            spec = replace(spec, phenotypes={**spec.phenotypes, gene: phenotype})
        else:
            raise PbpkInputError("population", "option", option,
                                 f"{kind.coordinate.example}, an ethnicity ({', '.join(data.ethnicities)}), "
                                 f"{'/'.join(kind.sexes)} or a phenotype (\"CYP2C19 PM\")")
    return _with_range(spec, kind, span)


def _with_range(spec: PopulationSpec, kind: Kind, span: tuple[float, float] | None) -> PopulationSpec:
    """The spec with the kind's coordinate range (checked against its limits) and the ranges the kind fixes."""
    coordinate = kind.coordinate
    if span is None:
        if kind.default is None:
            raise PbpkInputError("population", coordinate.name, None,
                                 f"{coordinate.needs} for {kind.title} ({kind.example})")
        span = kind.default
    low, high = kind.limits
    if not low <= span[0] <= span[1] <= high:
        raise PbpkInputError("population", "range", f"{span[0]:g}-{span[1]:g} {coordinate.unit}",
                             f"an increasing range within {low:g}-{high:g} {coordinate.unit}")
    return replace(spec, **{coordinate.field: span}, **dict(kind.fixed))


__all__ = ["PopulationSpec", "parse_population"]
