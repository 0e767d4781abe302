"""Virtual populations: who the subjects are, and how each differs from the reference person.

A :class:`PopulationSpec` says whom to simulate — ``"adult: chinese"``,
``"pediatric: 0.5-2 y"``, ``"pregnancy: weeks 20-30"``, ``"adult: european,
CYP2C19 PM, female"`` — and :func:`sample` draws subjects reproducibly from a
seed (``physiology_db/populations.yaml`` holds the distributions and sources):

* sex, age (uniform over the range) or gestational week;
* height (normal) and weight given height (log-normal, constant BMI) around the
  reference adult of the subject's sex and ethnicity; children's height from the CDC
  2000 height-for-age LMS and weight around the median weight for that height;
* organ masses: lean organs with (height/reference height)^0.75, adipose takes
  the remaining weight (httk-pop), then residual variability per organ;
* cardiac output with (height/reference)^0.75, each organ flow with CV 5 %,
  rescaled to the cardiac output; blood volume, GFR with residual variability;
* hepatic CYP3A4 abundance (log-normal) and genotype-predicted phenotypes of
  CYP2D6, CYP2C19 and CYP2C9 from the ethnicity's CPIC frequencies;
* children: each child's enzyme maturation, with the Hill exponent and PMA50 of the
  PK-Sim ontogeny functions varied by their published geometric SDs.

Subjects are not built as :class:`~pbpk.physiology.Individual` objects one by
one: the reference person of each *anchor* (sex × age or week on a grid) gives a
parameter vector, and each subject's parameters are that vector times its own
factors (volumes, flows, clearances). This keeps 10⁶ subjects cheap. Plasma
binding, Kp and absorption constants are those of the anchor.

Examples
--------
>>> spec = parse_population("adult: japanese, CYP2C19 PM")
>>> spec.kind, spec.ethnicity, spec.phenotypes
('adult', 'japanese', {'CYP2C19': 'PM'})
>>> subjects = sample(spec, 1000, seed=1)
>>> round(float(subjects.weight[subjects.female].mean()), 0)          # kg, Japanese women
52.0
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import Quantity
from pbpk.physiology import Individual, reference_individual, scale_to_weight
from pbpk.physiology.ontogeny import maturation_variability, varying_enzymes

KINDS = ("adult", "pediatric", "pregnancy")
ADULT_AGES = (20.0, 50.0)  # years: the ICRP 89 reference adult's range
ANCHORS_PER_RANGE = 41
MIN_NORMAL_FACTOR = 0.05  # normal residuals are truncated (redrawn) below this factor
#: Age units of the population text, in years.
AGE_UNITS = {"y": 1.0, "year": 1.0, "years": 1.0, "mo": 1 / 12, "month": 1 / 12, "months": 1 / 12,
             "wk": 7 / 365.25, "week": 7 / 365.25, "weeks": 7 / 365.25, "d": 1 / 365.25, "day": 1 / 365.25,
             "days": 1 / 365.25}


@dataclass(frozen=True)
class PopulationSpec:
    """Whom to simulate (see :func:`parse_population`)."""

    kind: str = "adult"
    ages: tuple[float, float] = ADULT_AGES  # years (adult, pediatric)
    weeks: tuple[float, float] = (0.0, 0.0)  # gestational weeks (pregnancy)
    ethnicity: str = "european"
    female_fraction: float = 0.5
    phenotypes: dict[str, str] = field(default_factory=dict)
    text: str = "adult"


@dataclass(frozen=True)
class Subjects:
    """Covariates and per-subject factors of a sample (arrays of length n)."""

    spec: PopulationSpec
    female: np.ndarray
    age: np.ndarray  # years
    week: np.ndarray  # gestational week (0 outside pregnancy)
    anchor: np.ndarray  # index into the anchor list
    height: np.ndarray  # cm
    weight: np.ndarray  # kg
    mass_factor: dict[str, np.ndarray]  # tissue → multiplier of the anchor's volume
    flow_factor: dict[str, np.ndarray]  # tissue → multiplier of the anchor's flow
    blood_factor: np.ndarray
    gfr_factor: np.ndarray
    enzyme_factor: dict[str, np.ndarray]  # enzyme → multiplier of its hepatic activity
    phenotype: dict[str, np.ndarray]  # gene → phenotype label per subject

    @property
    def n(self) -> int:
        return len(self.female)

    def covariates(self):
        """A DataFrame of the covariates (one row per subject)."""
        import pandas as pd

        table = {"sex": np.where(self.female, "female", "male"), "age [y]": self.age, "height [cm]": self.height,
                 "weight [kg]": self.weight}
        if self.spec.kind == "pregnancy":
            table["gestational week"] = self.week
        table.update({f"{gene} phenotype": labels for gene, labels in self.phenotype.items()})
        table.update({f"{enzyme} activity": values for enzyme, values in self.enzyme_factor.items()})
        return pd.DataFrame(table)


# -- the population text ------------------------------------------------------------------------
def parse_population(text: str) -> PopulationSpec:
    """Read ``"kind: option, option, ..."``.

    kind: ``adult`` (20–50 y), ``pediatric`` (needs an age range) or ``pregnancy``
    (needs a week or week range). Options: an age range ``"0.5-2 y"`` (also ``mo``,
    ``wk``, ``d``), ``"week 30"`` / ``"weeks 20-30"``, an ethnicity (``european``,
    ``japanese``, ``chinese``), ``male``/``female``, and fixed phenotypes such as
    ``"CYP2C19 PM"``.
    """
    kind, _, rest = text.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise PbpkInputError("population", "kind", kind, f"one of {', '.join(KINDS)} (e.g. \"pediatric: 0.5-2 y\")")
    data = population_data()
    spec = PopulationSpec(kind=kind, text=text.strip(), female_fraction=1.0 if kind == "pregnancy" else 0.5)
    ages = weeks = None
    for option in (o.strip() for o in rest.split(",") if o.strip()):
        lower = option.lower()
        if lower in data.ethnicities:
            spec = replace(spec, ethnicity=lower)
        elif lower in ("male", "female"):
            if kind == "pregnancy" and lower == "male":
                raise PbpkInputError("population", "sex", option, "female (a pregnant population)")
            spec = replace(spec, female_fraction=1.0 if lower == "female" else 0.0)
        elif match := re.fullmatch(r"weeks?\s+([\d.]+)(?:\s*-\s*([\d.]+))?", lower):
            weeks = (float(match[1]), float(match[2] or match[1]))
        elif match := re.fullmatch(r"([\d.]+)\s*(?:-\s*([\d.]+))?\s*([a-z]+)", lower):
            if match[3] not in AGE_UNITS:
                raise PbpkInputError("population", "age unit", match[3], f"one of {', '.join(AGE_UNITS)}")
            scale = AGE_UNITS[match[3]]
            ages = (float(match[1]) * scale, float(match[2] or match[1]) * scale)
        elif match := re.fullmatch(r"(CYP\w+)\s+(PM|IM|NM|RM|UM)", option, flags=re.IGNORECASE):
            gene, phenotype = match[1].upper(), match[2].upper()
            if gene not in data.genotypes or phenotype not in data.genotypes[gene].activity:
                known = ", ".join(f"{g} {'/'.join(d.activity)}" for g, d in data.genotypes.items())
                raise PbpkInputError("population", "phenotype", option, f"one of {known}")
            spec = replace(spec, phenotypes={**spec.phenotypes, gene: phenotype})
        else:
            raise PbpkInputError("population", "option", option,
                                 f"an age range (\"0.5-2 y\"), \"week 30\", an ethnicity ({', '.join(data.ethnicities)}), "
                                 "male/female or a phenotype (\"CYP2C19 PM\")")
    if kind == "pregnancy":
        if weeks is None:
            raise PbpkInputError("population", "week", None, 'a gestational week for pregnancy ("pregnancy: week 30")')
        return replace(spec, weeks=_checked_range(weeks, 0, 42, "weeks"), ages=(30.0, 30.0))
    if kind == "pediatric" and ages is None:
        raise PbpkInputError("population", "age", None, 'an age range for children ("pediatric: 0.5-2 y")')
    low, high = (ADULT_AGES if ages is None else ages)
    limits = (0.0, 20.0) if kind == "pediatric" else (18.0, 100.0)
    return replace(spec, ages=_checked_range((low, high), *limits, "years"))


def _checked_range(values: tuple[float, float], low: float, high: float, unit: str) -> tuple[float, float]:
    if not low <= values[0] <= values[1] <= high:
        raise PbpkInputError("population", "range", f"{values[0]:g}-{values[1]:g} {unit}",
                             f"an increasing range within {low:g}-{high:g} {unit}")
    return values


# -- anchors: the reference people the subjects are drawn around ---------------------------------------
def anchors(spec: PopulationSpec) -> list[tuple[str, float, Individual]]:
    """The reference people of the population: (sex, age or week, Individual) on a grid."""
    from pbpk.physiology.pediatrics import child
    from pbpk.physiology.pregnancy import pregnancy_data, pregnant

    result = []
    if spec.kind == "pregnancy":
        start = pregnancy_data().compartments_from
        low, high = spec.weeks
        if low < start <= high:
            raise PbpkInputError("population", "weeks", f"{low:g}-{high:g}",
                                 f"a range entirely before or from week {start:g} (the fetus joins the model then)")
        for week in _grid(low, high):
            result.append(("female", week, _ethnic(pregnant(week), spec.ethnicity, "female", body=False)))
        return result
    sexes = [s for s, share in (("male", 1 - spec.female_fraction), ("female", spec.female_fraction)) if share > 0]
    for sex in sexes:
        if spec.kind == "adult":
            adult = _ethnic(reference_individual(sex), spec.ethnicity, sex)
            result.append((sex, float(np.mean(spec.ages)), adult))
        else:
            for age in _grid(*spec.ages):
                result.append((sex, age, _ethnic(child(Quantity(age, "year"), sex), spec.ethnicity, sex, body=False)))
    return result


def _grid(low: float, high: float) -> np.ndarray:
    return np.array([low]) if high == low else np.linspace(low, high, ANCHORS_PER_RANGE)


def _ethnic(person: Individual, ethnicity: str, sex: str, *, body: bool = True) -> Individual:
    """The person with the ethnicity's hepatic activities and, for adults (``body``), its mean height,
    weight and cardiac output. Children and pregnant women keep the reference body size."""
    preset = population_data().ethnicities[ethnicity]
    changes: dict = {}
    if body:
        size = preset.body[sex]
        person = scale_to_weight(person, Quantity(size["weight"], "kg"))
        changes["height"] = Quantity(size["height"], "cm")
        if "cardiac_output" in size:
            ratio = size["cardiac_output"] / person.cardiac_output.to("L/h").magnitude
            changes["cardiac_output"] = person.cardiac_output * ratio
            changes["tissues"] = {name: replace(t, blood_flow=t.blood_flow * ratio) for name, t in person.tissues.items()}
    if preset.hepatic_activity:
        changes["hepatic_activity"] = {**person.hepatic_activity,
                                       **{e: person.enzyme_activity(e) * f for e, f in preset.hepatic_activity.items()}}
    return replace(person, **changes)


# -- sampling -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnchorTable:
    """The anchors as plain arrays (what sampling needs; cheap to send to other processes)."""

    female: np.ndarray
    points: np.ndarray  # age (years) or gestational week of each anchor
    height: np.ndarray  # cm
    weight: np.ndarray  # kg
    mass: dict[str, np.ndarray]  # tissue → kg
    flow: dict[str, np.ndarray]  # tissue → L/h
    lean: tuple[str, ...]  # tissues scaled with height^0.75
    systemic: tuple[str, ...]  # tissues whose flows add up to the cardiac output


def anchor_table(people: list[tuple[str, float, Individual]]) -> AnchorTable:
    first = people[0][2]
    names = tuple(first.tissues)
    if any(tuple(p.tissues) != names for _, _, p in people):
        raise PbpkInputError("population", "anchors", "organ sets", "the same organs in every reference person")
    return AnchorTable(
        female=np.array([sex == "female" for sex, _, _ in people]),
        points=np.array([point for _, point, _ in people], dtype=float),
        height=np.array([p.height.to("cm").magnitude for _, _, p in people]),
        weight=np.array([p.body_weight.to("kg").magnitude for _, _, p in people]),
        mass={name: np.array([p.tissues[name].mass.to("kg").magnitude for _, _, p in people]) for name in names},
        flow={name: np.array([p.tissues[name].blood_flow.to("L/h").magnitude for _, _, p in people]) for name in names},
        lean=tuple(name for name, t in first.tissues.items()
                   if name != "adipose" and not t.roles & {"fetus", "placenta"}),
        systemic=tuple(name for name, t in first.tissues.items() if not t.roles & {"lung", "fetus"}),
    )


def sample(spec: PopulationSpec, n: int, seed: int | np.random.SeedSequence = 0,
           table: AnchorTable | None = None) -> Subjects:
    """Draw ``n`` subjects of ``spec`` (reproducible for a seed)."""
    if n < 1:
        raise PbpkInputError("population", "n", n, "at least one subject")
    data = population_data()
    rng = np.random.default_rng(seed)
    table = table if table is not None else anchor_table(anchors(spec))
    female = rng.random(n) < spec.female_fraction
    if spec.kind == "pregnancy":
        week, age = rng.uniform(*spec.weeks, n), np.full(n, 30.0)
    else:
        week, age = np.zeros(n), rng.uniform(*spec.ages, n)
    anchor = _nearest_anchor(table, female, week if spec.kind == "pregnancy" else age)
    ref_height, ref_weight = table.height[anchor], table.weight[anchor]
    if spec.kind == "pediatric":
        height, weight = _child_size(data.growth, female, age, rng)
    else:
        height = ref_height * (1.0 + data.height_cv * _standard_normal(rng, n, limit=4.0))
        weight = ref_weight * (height / ref_height) ** 2 * _lognormal(rng, data.weight_cv, n)
    size = (height / ref_height) ** 0.75
    mass = _organ_masses(table, anchor, female, size, weight, ref_weight, data, rng)
    flow = {name: size * (1.0 + data.flow_cv * _standard_normal(rng, n, limit=4.0)) for name in table.systemic}
    total = sum(table.flow[name][anchor] * flow[name] for name in table.systemic)
    target = sum(table.flow[name][anchor] for name in table.systemic) * size
    flow = {name: factor * target / total for name, factor in flow.items()}
    enzymes = {name: _lognormal(rng, cv, n) for name, cv in data.enzyme_cv.items()}
    phenotype = {}
    for gene, genotype in data.genotypes.items():
        labels = _phenotypes(rng, genotype, data.ethnicities[spec.ethnicity].cpic_group, spec.phenotypes.get(gene), n)
        phenotype[gene] = labels
        activity = np.array([genotype.activity[label] for label in labels])
        enzymes[gene] = enzymes.get(gene, np.ones(n)) * activity
    if spec.kind == "pediatric":  # each child's own maturation (PK-Sim 7.3 geometric SDs of n and PMA50)
        for name in varying_enzymes():
            z_n, z_pma50 = _standard_normal(rng, n, limit=3.0), _standard_normal(rng, n, limit=3.0)
            enzymes[name] = enzymes.get(name, np.ones(n)) * maturation_variability(name, age, z_n, z_pma50)
    return Subjects(
        spec=spec, female=female, age=age, week=week, anchor=anchor, height=height, weight=weight,
        mass_factor=mass, flow_factor=flow,
        blood_factor=size * _lognormal(rng, data.blood_cv, n),
        gfr_factor=(weight / ref_weight) ** 0.75 * (1.0 + data.gfr_cv * _standard_normal(rng, n, limit=4.0)),
        enzyme_factor=enzymes, phenotype=phenotype,
    )


def _child_size(growth: dict, female: np.ndarray, age: np.ndarray, rng: np.random.Generator):
    """Height from the CDC height-for-age LMS; weight around the median weight for that height (see YAML)."""
    months = age * 12.0
    height, weight = np.empty(len(age)), np.empty(len(age))
    z = _standard_normal(rng, len(age), limit=3.0)
    residual = rng.standard_normal(len(age))
    for is_female, sex in ((False, "male"), (True, "female")):
        chosen = female == is_female
        chart = growth[sex]
        at = lambda table, key: np.interp(months[chosen], chart["months"], table[key])  # noqa: E731
        L, M, S = (at(chart["height"], key) for key in "LMS")
        small = np.abs(L) < 1e-6
        height[chosen] = np.where(small, M * np.exp(S * z[chosen]),
                                  M * np.abs(1.0 + L * S * z[chosen]) ** (1.0 / np.where(small, 1.0, L)))
        m_weight, s_weight = at(chart["weight"], "M"), at(chart["weight"], "S")
        cv = np.sqrt(np.maximum(s_weight ** 2 - (2.0 * S) ** 2, 0.0025))
        sigma2 = np.log1p(cv ** 2)
        weight[chosen] = m_weight * (height[chosen] / M) ** 2 * np.exp(-sigma2 / 2 + np.sqrt(sigma2) * residual[chosen])
    return height, weight


def _nearest_anchor(table: AnchorTable, female: np.ndarray, value: np.ndarray) -> np.ndarray:
    index = np.empty(len(female), dtype=np.int64)
    for is_female in (False, True):
        candidates = np.flatnonzero(table.female == is_female)
        chosen = female == is_female
        if chosen.any():
            if not len(candidates):
                raise PbpkInputError("population", "sex", "female" if is_female else "male", "a sex of the population")
            nearest = np.abs(value[chosen, None] - table.points[None, candidates]).argmin(axis=1)
            index[chosen] = candidates[nearest]
    return index


def _standard_normal(rng: np.random.Generator, n: int, *, limit: float) -> np.ndarray:
    """Standard normal draws, redrawn beyond ±limit (keeps masses and flows positive)."""
    values = rng.standard_normal(n)
    bad = np.abs(values) > limit
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > limit
    return values


def _lognormal(rng: np.random.Generator, cv: float, n: int) -> np.ndarray:
    """Mean-one log-normal factors with coefficient of variation ``cv``."""
    sigma2 = math.log(1.0 + cv * cv)
    return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), n)


def _organ_masses(table: AnchorTable, anchor, female, size, weight, ref_weight, data, rng) -> dict[str, np.ndarray]:
    """Mass factors: lean organs ∝ size, adipose takes the rest of the weight, then residual variability."""
    n = len(anchor)
    lean_gain = sum(table.mass[name][anchor] * (size - 1.0) for name in table.lean)
    adipose = table.mass["adipose"][anchor] + (weight - ref_weight) - lean_gain
    floor = 0.02 * weight  # the leanest adults carry ~2-3 % essential fat
    factors = {name: size.copy() if name in table.lean else np.ones(n) for name in table.mass}
    factors["adipose"] = np.maximum(adipose, floor) / table.mass["adipose"][anchor]
    for name, row in data.organ_cv.items():
        if name not in factors:
            continue
        cv = np.where(female, row["female"], row["male"])
        if row["distribution"] == "lognormal":
            sigma2 = np.log1p(cv ** 2)
            residual = np.exp(-sigma2 / 2 + np.sqrt(sigma2) * rng.standard_normal(n))
        else:
            residual = 1.0 + cv * rng.standard_normal(n)
            low = residual < MIN_NORMAL_FACTOR
            while low.any():  # truncated normal: redraw below 5 % of the typical mass
                residual[low] = 1.0 + cv[low] * rng.standard_normal(int(low.sum()))
                low = residual < MIN_NORMAL_FACTOR
        factors[name] = factors[name] * residual
    return factors


def _phenotypes(rng, genotype, group: str, fixed: str | None, n: int) -> np.ndarray:
    if fixed is not None:
        return np.full(n, fixed, dtype=object)
    if group not in genotype.frequency:
        raise PbpkInputError("physiology_db/populations.yaml", "genotypes.frequency", group,
                             f"phenotype frequencies for the CPIC group {group}")
    labels = list(genotype.frequency[group])
    p = np.array([genotype.frequency[group][label] for label in labels], dtype=float)
    return np.array(labels, dtype=object)[rng.choice(len(labels), size=n, p=p / p.sum())]


# -- reading populations.yaml -----------------------------------------------------------------------
@dataclass(frozen=True)
class Ethnicity:
    name: str
    source: str
    cpic_group: str
    body: dict[str, dict[str, float]]  # sex → height (cm), weight (kg)[, cardiac_output (L/h)]
    hepatic_activity: dict[str, float]


@dataclass(frozen=True)
class Genotype:
    gene: str
    source: str
    activity: dict[str, float]
    frequency: dict[str, dict[str, float]]


@dataclass(frozen=True)
class PopulationData:
    height_cv: float
    weight_cv: float
    ethnicities: dict[str, Ethnicity]
    organ_cv: dict[str, dict]
    blood_cv: float
    flow_cv: float
    gfr_cv: float
    enzyme_cv: dict[str, float]
    genotypes: dict[str, Genotype]
    growth: dict[str, dict]  # sex → {"months", "weight": {L, M, S}, "height": {L, M, S}}
    sources: dict[str, str]


@cache
def population_data(database: str | Path | None = None) -> PopulationData:
    """The population database (read once)."""
    folder = Path(database) if database is not None else data_dir("physiology_db")
    r = Record(load_yaml(folder / "populations.yaml"),
               str(folder / "populations.yaml") if database is not None else "physiology_db/populations.yaml")
    sources: dict[str, str] = {}
    body = r.record("body_size")
    sources["body_size"] = body.source()
    height_cv, weight_cv = body.number("height_cv", low=0, high=1), body.number("weight_cv", low=0, high=1)
    body.finish()
    table = r.record("ethnicities")
    ethnicities = {name: _ethnicity(name, table.record(name)) for name in table.keys()}
    table.finish()
    organs = r.record("organ_mass")
    sources["organ_mass"] = organs.source()
    rows = organs.record("rows")
    organ_cv = {}
    for name in rows.keys():
        row = rows.record(name)
        organ_cv[name] = {"male": row.number("male", low=0, high=2), "female": row.number("female", low=0, high=2),
                          "distribution": row.text("distribution", choices=("normal", "lognormal"))}
        row.text("note", required=False)
        row.finish()
    rows.finish()
    organs.finish()
    cvs = {}
    for key in ("blood_volume", "blood_flow", "glomerular_filtration"):
        block = r.record(key)
        sources[key] = block.source()
        cvs[key] = block.number("cv", low=0, high=2)
        block.finish()
    enzymes = r.record("enzyme_abundance")
    sources["enzyme_abundance"] = enzymes.source()
    cv_table = enzymes.record("cv")
    enzyme_cv = {name: cv_table.number(name, low=0, high=5) for name in cv_table.keys()}
    cv_table.finish()
    enzymes.finish()
    genes = r.record("genotypes")
    genotypes = {gene: _genotype(gene, genes.record(gene)) for gene in genes.keys()}
    genes.finish()
    growth_block = r.record("growth_charts")
    sources["growth_charts"] = growth_block.source()
    growth = _growth_charts(growth_block)
    r.finish()
    return PopulationData(height_cv, weight_cv, ethnicities, organ_cv, cvs["blood_volume"], cvs["blood_flow"],
                          cvs["glomerular_filtration"], enzyme_cv, genotypes, growth, sources)


def _growth_charts(r: Record) -> dict[str, dict]:
    months = _numbers(r, "age_months", None)
    if months[0] != 0 or np.any(np.diff(months) <= 0):
        raise r.error("age_months", months, "increasing ages in months from 0")
    charts = {}
    for sex in ("male", "female"):
        block = r.record(sex)
        charts[sex] = {"months": np.array(months)}
        for measure, unit in (("weight", "kg"), ("height", "cm")):
            table = block.record(measure)
            if table.text("unit") != unit:
                raise table.error("unit", table.raw("unit"), unit)
            charts[sex][measure] = {key: np.array(_numbers(table, key, len(months))) for key in "LMS"}
            table.finish()
        block.finish()
    r.finish()
    return charts


def _numbers(r: Record, key: str, length: int | None) -> list[float]:
    values = r.raw(key, expected="a list of numbers")
    if (not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            or (length is not None and len(values) != length)):
        raise r.error(key, values, f"a list of {length or ''} numbers".replace("  ", " "))
    return [float(v) for v in values]


def _ethnicity(name: str, r: Record) -> Ethnicity:
    source = r.source()
    group = r.text("cpic_group")
    body = {}
    for sex in ("male", "female"):
        block = r.record(sex)
        values = {"height": block.quantity("height", "cm").to("cm").magnitude,
                  "weight": block.quantity("weight", "kg").to("kg").magnitude}
        output = block.quantity("cardiac_output", "L/h", required=False)
        if output is not None:
            values["cardiac_output"] = output.to("L/h").magnitude
        block.finish()
        body[sex] = values
    activity = r.record("hepatic_activity", required=False)
    hepatic = {}
    if activity is not None:
        hepatic = {enzyme: activity.number(enzyme, low=0, low_open=True) for enzyme in activity.keys()}
        activity.finish()
    r.finish()
    return Ethnicity(name, source, group, body, hepatic)


def _genotype(gene: str, r: Record) -> Genotype:
    source = r.source()
    activity_block = r.record("activity")
    activity = {label: activity_block.number(label, low=0) for label in activity_block.keys()}
    activity_block.finish()
    frequency_block = r.record("frequency")
    frequency = {}
    for group in frequency_block.keys():
        row = frequency_block.record(group)
        frequency[group] = {label: row.number(label, low=0, high=100) for label in row.keys()}
        unknown = set(frequency[group]) - set(activity)
        if unknown:
            raise row.error(sorted(unknown)[0], sorted(unknown)[0], f"a phenotype with an activity ({', '.join(activity)})")
        row.finish()
    frequency_block.finish()
    r.finish()
    return Genotype(gene, source, activity, frequency)


__all__ = ["PopulationSpec", "Subjects", "AnchorTable", "parse_population", "sample", "anchors", "anchor_table",
           "population_data"]
