"""Virtual populations: who the subjects are, and how each differs from the reference person.

A :class:`~pbpk.populations.spec.PopulationSpec` says whom to simulate — ``"adult: chinese"``,
``"pediatric: 0.5-2 y"``, ``"pregnancy: weeks 20-30"``, ``"adult: european,
CYP2C19 PM, female"`` — and :func:`sample` draws subjects reproducibly from a
seed (``physiology_db/populations.yaml`` holds the distributions and sources):

* sex, then the kind's coordinate (age, gestational week or GFR) uniform over its range, and
  any other range the kind takes (a renal population's ages) uniform over that;
* height and weight (:mod:`pbpk.populations.variability`: normal height and log-normal
  weight given height around the reference adult of the subject's sex and ethnicity;
  children's height from the CDC 2000 height-for-age LMS and weight around the median
  weight for that height);
* organ masses: lean organs with (height/reference height)^0.75, adipose takes
  the remaining weight (httk-pop), then residual variability per organ;
* cardiac output with (height/reference)^0.75, each organ flow with CV 5 %,
  rescaled to the cardiac output; blood volume and GFR by the kind's body-size rule
  (adults: Nadler blood volume and body surface area; children: (height, weight)^0.75), with
  residual variability;
* hepatic CYP3A4 abundance (log-normal) and genotype-predicted phenotypes of
  CYP2D6, CYP2C19 and CYP2C9 from the ethnicity's CPIC frequencies;
* the kind's extras (:mod:`pbpk.populations.kinds`; children: each child's enzyme
  maturation, with the Hill exponent and PMA50 of the PK-Sim ontogeny functions varied
  by their published geometric SDs).

Subjects are not built as :class:`~pbpk.physiology.Individual` objects one by
one: the reference person of each *anchor* (sex × age or week on a grid;
:mod:`pbpk.populations.anchors`) gives a parameter vector, and each subject's
parameters are that vector times its own factors (volumes, flows, clearances).
This keeps 10⁶ subjects cheap. Plasma binding, Kp and absorption constants are
those of the anchor.

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

from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.populations.anchors import AnchorTable, anchor_table, anchors
from pbpk.populations.database import Genotype, PopulationData, population_data
from pbpk.populations.kinds import COORDINATES, population_kind
from pbpk.populations.spec import PopulationSpec, parse_population
from pbpk.populations.variability import lognormal, standard_normal

MIN_NORMAL_FACTOR = 0.05  # normal residuals are truncated (redrawn) below this factor


@dataclass(frozen=True)
class Subjects:
    """Covariates and per-subject factors of a sample (arrays of length n)."""

    spec: PopulationSpec
    female: np.ndarray
    age: np.ndarray  # years
    week: np.ndarray  # gestational week (0 outside pregnancy)
    gfr: np.ndarray  # GFR per 1.73 m² drawn by a renal population, mL/min (0 in other kinds)
    child_pugh: np.ndarray  # Child-Pugh class 1-3 of a hepatic population (0 in other kinds)
    anchor: np.ndarray  # index into the anchor list
    height: np.ndarray  # cm
    weight: np.ndarray  # kg
    mass_factor: dict[str, np.ndarray]  # tissue → multiplier of the anchor's volume
    flow_factor: dict[str, np.ndarray]  # tissue → multiplier of the anchor's flow
    blood_factor: np.ndarray
    gfr_factor: np.ndarray
    renal_function: np.ndarray  # the subject's GFR, mL/min (the anchor's times gfr_factor)
    enzyme_factor: dict[str, np.ndarray]  # enzyme → multiplier of its hepatic activity
    phenotype: dict[str, np.ndarray]  # gene → phenotype label per subject

    @property
    def n(self) -> int:
        return len(self.female)

    def covariates(self):
        """A DataFrame of the covariates (one row per subject), with the kind's own columns."""
        import pandas as pd

        table = {"sex": np.where(self.female, "female", "male"), "age [y]": self.age, "height [cm]": self.height,
                 "weight [kg]": self.weight, "GFR [mL/min]": self.renal_function}
        table.update({column: getattr(self, name) for column, name in population_kind(self.spec.kind).columns})
        table.update({f"{gene} phenotype": labels for gene, labels in self.phenotype.items()})
        table.update({f"{enzyme} activity": values for enzyme, values in self.enzyme_factor.items()})
        return pd.DataFrame(table)


def sample(spec: PopulationSpec, n: int, seed: int | np.random.SeedSequence = 0,
           table: AnchorTable | None = None) -> Subjects:
    """Draw ``n`` subjects of ``spec`` (reproducible for a seed; the order of the draws is fixed)."""
    if n < 1:
        raise PbpkInputError("population", "n", n, "at least one subject")
    kind = population_kind(spec.kind)
    data = population_data()
    rng = np.random.default_rng(seed)
    table = table if table is not None else anchor_table(anchors(spec))
    female = rng.random(n) < spec.female_fraction
    point = {c.name: np.full(n, getattr(spec, c.field)[0], dtype=float) for c in COORDINATES}  # the fixed ones
    point[kind.coordinate.name] = rng.uniform(*getattr(spec, kind.coordinate.field), n)
    for coordinate in COORDINATES:  # other ranges the kind takes (a renal population's ages): uniform too
        low, high = getattr(spec, coordinate.field)
        if coordinate is not kind.coordinate and high > low:
            point[coordinate.name] = rng.uniform(low, high, n)
    anchor = _nearest_anchor(table, female, point[kind.coordinate.name])
    ref_height, ref_weight = table.height[anchor], table.weight[anchor]
    height, weight = kind.size(data, female, point["age"], ref_height, ref_weight, rng)
    size = (height / ref_height) ** 0.75
    mass = _organ_masses(table, anchor, female, size, weight, ref_weight, data, rng)
    flow = _flows(table, anchor, size, data, rng)
    blood_size, gfr_size = kind.scaling(data, female, height, weight, ref_height, ref_weight)
    enzymes, phenotype = _enzymes(spec, data, rng, n)
    covariates = {"female": female, **point, "height": height, "weight": weight}
    for extra in kind.extras:
        for name, factor in extra(covariates, rng).items():
            enzymes[name] = enzymes.get(name, np.ones(n)) * factor
    blood_factor = blood_size * lognormal(rng, data.blood_cv, n)
    gfr_factor = gfr_size * (1.0 + data.gfr_cv * standard_normal(rng, n, limit=4.0)) if kind.gfr_residual else gfr_size
    return Subjects(
        spec=spec, female=female, age=point["age"], week=point["week"], gfr=point["gfr"], child_pugh=point["child_pugh"],
        anchor=anchor, height=height, weight=weight, mass_factor=mass, flow_factor=flow, blood_factor=blood_factor,
        gfr_factor=gfr_factor, renal_function=table.gfr[anchor] * gfr_factor, enzyme_factor=enzymes, phenotype=phenotype,
    )


def _flows(table: AnchorTable, anchor: np.ndarray, size: np.ndarray, data: PopulationData,
           rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Flow factors: size times a normal residual (CV ``flow_cv``, ±4 SD), rescaled so the systemic flows
    add up to the anchor's cardiac output times size."""
    n = len(anchor)
    flow = {name: size * (1.0 + data.flow_cv * standard_normal(rng, n, limit=4.0)) for name in table.systemic}
    total = sum(table.flow[name][anchor] * flow[name] for name in table.systemic)
    target = sum(table.flow[name][anchor] for name in table.systemic) * size
    return {name: factor * target / total for name, factor in flow.items()}


def _enzymes(spec: PopulationSpec, data: PopulationData, rng: np.random.Generator, n: int
             ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Enzyme factors (log-normal abundance × the activity of each subject's CPIC phenotype) and phenotypes."""
    enzymes = {name: lognormal(rng, cv, n) for name, cv in data.enzyme_cv.items()}
    phenotype = {}
    for gene, genotype in data.genotypes.items():
        labels = _phenotypes(rng, genotype, data.ethnicities[spec.ethnicity].cpic_group, spec.phenotypes.get(gene), n)
        phenotype[gene] = labels
        activity = np.array([genotype.activity[label] for label in labels])
        enzymes[gene] = enzymes.get(gene, np.ones(n)) * activity
    return enzymes, phenotype


def _nearest_anchor(table: AnchorTable, female: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Each subject's anchor: the one of its sex nearest to its age or week."""
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


def _organ_masses(table: AnchorTable, anchor: np.ndarray, female: np.ndarray, size: np.ndarray, weight: np.ndarray,
                  ref_weight: np.ndarray, data: PopulationData, rng: np.random.Generator) -> dict[str, np.ndarray]:
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


def _phenotypes(rng: np.random.Generator, genotype: Genotype, group: str, fixed: str | None, n: int) -> np.ndarray:
    """Phenotype labels: the fixed one, or drawn from the CPIC group's frequencies."""
    if fixed is not None:
        return np.full(n, fixed, dtype=object)
    if group not in genotype.frequency:
        raise PbpkInputError("physiology_db/populations.yaml", "genotypes.frequency", group,
                             f"phenotype frequencies for the CPIC group {group}")
    labels = list(genotype.frequency[group])
    p = np.array([genotype.frequency[group][label] for label in labels], dtype=float)
    return np.array(labels, dtype=object)[rng.choice(len(labels), size=n, p=p / p.sum())]


__all__ = ["Subjects", "sample", "PopulationSpec", "parse_population", "AnchorTable", "anchors", "anchor_table",
           "population_data"]
