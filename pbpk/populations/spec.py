"""The population text and :class:`PopulationSpec`: whom to simulate.

``"kind: option, option, ..."`` — the kind is one of :data:`pbpk.populations.kinds.REGISTRY`
(``adult``, 20–50 y unless an age range is given; ``pediatric``, which needs an age
range; ``pregnancy``, which needs a gestational week or week range). Options: the
kind's range words (``"0.5-2 y"``, also ``mo``, ``wk``, ``d``; ``"week 30"``,
``"weeks 20-30"``; for ``renal``, a stage — ``"CKD 3b"``, ``"G4"``, ``"severe"``, ``"ESRD"`` (on
dialysis), ``"ARC"`` — or ``"eGFR 15-29"``, and an age range, default 18-80 y; for ``hepatic``,
``"Child-Pugh A"`` to ``"C"`` and an age range, default 40-70 y), an ethnicity (``european``,
``japanese``, ``chinese``),
``male``/``female``, fixed CPIC phenotypes such as ``"CYP2C19 PM"`` or SLCO1B1 c.521 genotypes
(``"OATP1B1 CC"``), and for children an enzyme ontogeny set, ``"ontogeny upreti_2016"`` (the
between-child spread of maturation is PK-Sim 7.3's around whichever set's typical activity: the only
set with published between-subject SDs).

Examples
--------
>>> spec = parse_population("pediatric: 6-24 mo, chinese")
>>> spec.kind, spec.ages, spec.ethnicity, spec.female_fraction
('pediatric', (0.5, 2.0), 'chinese', 0.5)
>>> parse_population("pediatric: 0-1 y, ontogeny johnson_2006").ontogeny
'johnson_2006'
>>> parse_population("pregnancy: weeks 25-35").weeks
(25.0, 35.0)
>>> spec = parse_population("renal: ESRD, 50-70 y")
>>> spec.gfrs, spec.dialysis, spec.ages
((1.0, 10.0), True, (50.0, 70.0))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from pbpk.core.errors import PbpkInputError
from pbpk.populations.database import population_data
from pbpk.populations.kinds import ADULT, ADULT_AGES, AGE, Kind, population_kind


@dataclass(frozen=True)
class PopulationSpec:
    """Whom to simulate (see :func:`parse_population`)."""

    kind: str = "adult"  # a name in pbpk.populations.kinds.REGISTRY
    ages: tuple[float, float] = ADULT_AGES  # years (adult, pediatric)
    weeks: tuple[float, float] = (0.0, 0.0)  # gestational weeks (pregnancy)
    gfrs: tuple[float, float] = (0.0, 0.0)  # GFR per 1.73 m², mL/min (renal)
    dialysis: bool = False  # dialysis-dependent kidney failure (renal: ESRD)
    child_pugh: tuple[float, float] = (0.0, 0.0)  # Child-Pugh class 1-3 (hepatic)
    ethnicity: str = "european"
    female_fraction: float = 0.5
    phenotypes: dict[str, str] = field(default_factory=dict)
    ontogeny: str | None = None  # the children's enzyme ontogeny set (pediatric; None: the database's default)
    text: str = "adult"


def parse_population(text: str) -> PopulationSpec:
    """Read ``"kind: option, option, ..."`` (see the module docstring)."""
    name, _, rest = text.partition(":")
    kind = population_kind(name.strip().lower())
    data = population_data()
    spec = PopulationSpec(kind=kind.name, text=text.strip(), female_fraction=kind.female_fraction)
    span = ages = None
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
            if span is not None:
                raise PbpkInputError("population", kind.coordinate.name, option,
                                     f"one {kind.coordinate.needs} (the text gives two)")
            span, changes = found[:2], (found[2] if len(found) > 2 else {})
            spec = replace(spec, **changes)
        elif kind.ages is not None and (found := AGE.words(lower)) is not None:
            if ages is not None:
                raise PbpkInputError("population", "age", option, "one age range (the text gives two)")
            ages = found
        elif match := re.fullmatch(r"ontogeny\s+(\S+)", option, flags=re.IGNORECASE):
            spec = replace(spec, ontogeny=_ontogeny_set(match[1], kind))
        elif match := re.fullmatch(r"((?:CYP|OATP)\w+)\s+(\w+)", option, flags=re.IGNORECASE):
            gene, phenotype = match[1].upper(), match[2].upper()
            if gene not in data.genotypes or phenotype not in data.genotypes[gene].activity:
                known = ", ".join(f"{g} {'/'.join(d.activity)}" for g, d in data.genotypes.items())
                raise PbpkInputError("population", "phenotype", option, f"one of {known}")
            spec = replace(spec, phenotypes={**spec.phenotypes, gene: phenotype})
        else:
            raise PbpkInputError("population", "option", option,
                                 f"{kind.coordinate.example}, an ethnicity ({', '.join(data.ethnicities)}), "
                                 f"{'/'.join(kind.sexes)}, a phenotype (\"CYP2C19 PM\", \"OATP1B1 CC\")"
                                 + (' or "ontogeny SET"' if kind.matures else ""))
    if kind.ages is not None:
        spec = replace(spec, ages=_within(ages or kind.ages, ADULT.limits, AGE.unit))
    return _with_range(spec, kind, span)


def _ontogeny_set(name: str, kind: Kind) -> str:
    """``ontogeny SET`` of a population of children (a kind that ``matures``): a set of
    ``physiology_db/ontogeny.yaml``."""
    from pbpk.physiology.ontogeny import ontogeny_set_name

    if not kind.matures:
        raise PbpkInputError("population", "ontogeny", name, f"a population of children (the {kind.title}' enzymes "
                             "are mature)")
    return ontogeny_set_name(name, where="population", field="ontogeny")


def _within(span: tuple[float, float], limits: tuple[float, float], unit: str) -> tuple[float, float]:
    low, high = limits
    if not low <= span[0] <= span[1] <= high:
        raise PbpkInputError("population", "range", f"{span[0]:g}-{span[1]:g} {unit}",
                             f"an increasing range within {low:g}-{high:g} {unit}")
    return span


def _with_range(spec: PopulationSpec, kind: Kind, span: tuple[float, float] | None) -> PopulationSpec:
    """The spec with the kind's coordinate range (checked against its limits) and the ranges the kind fixes."""
    coordinate = kind.coordinate
    if span is None:
        if kind.default is None:
            raise PbpkInputError("population", coordinate.name, None,
                                 f"{coordinate.needs} for {kind.title} ({kind.example})")
        span = kind.default
    return replace(spec, **{coordinate.field: _within(span, kind.limits, coordinate.unit)}, **dict(kind.fixed))


__all__ = ["PopulationSpec", "parse_population"]
