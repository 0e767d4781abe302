"""Per-subject random draws: truncated normals, mean-one log-normals, body size, children's maturation.

* adults (and pregnant women): height normal around the anchor's (CV 3.8 %), weight
  log-normal given height at the anchor's BMI (CV 15.2 %; Stader et al. 2018, see
  ``physiology_db/populations.yaml``);
* children: height from the CDC 2000 height-for-age LMS, weight around the median
  weight for that height (Kuczmarski et al. 2002);
* children's enzyme maturation: the Hill exponent and PMA50 of each PK-Sim 7.3
  ontogeny function varied by their published geometric SDs
  (:func:`pbpk.physiology.ontogeny.maturation_variability`).

The order of the draws is part of the reproducibility contract: a seed gives the
same subjects only if every function draws in the same order.

Examples
--------
>>> values = standard_normal(np.random.default_rng(0), 10_000, limit=2.0)
>>> bool(np.abs(values).max() <= 2.0)
True
>>> round(float(lognormal(np.random.default_rng(1), 0.3, 100_000).mean()), 2)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from pbpk.physiology.ontogeny import maturation_variability, varying_enzymes
from pbpk.populations.database import PopulationData


def standard_normal(rng: np.random.Generator, n: int, *, limit: float) -> np.ndarray:
    """Standard normal draws, redrawn beyond ±limit (keeps masses and flows positive)."""
    values = rng.standard_normal(n)
    bad = np.abs(values) > limit
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > limit
    return values


def lognormal(rng: np.random.Generator, cv: float, n: int) -> np.ndarray:
    """Mean-one log-normal factors with coefficient of variation ``cv``."""
    sigma2 = math.log(1.0 + cv * cv)
    return rng.lognormal(-sigma2 / 2.0, math.sqrt(sigma2), n)


def adult_size(data: PopulationData, female: np.ndarray, age: np.ndarray, ref_height: np.ndarray,
               ref_weight: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Height (cm) normal around the anchor's, truncated at ±4 SD; weight (kg) log-normal given height
    around the anchor's weight at the anchor's BMI."""
    n = len(female)
    height = ref_height * (1.0 + data.height_cv * standard_normal(rng, n, limit=4.0))
    weight = ref_weight * (height / ref_height) ** 2 * lognormal(rng, data.weight_cv, n)
    return height, weight


def child_size(data: PopulationData, female: np.ndarray, age: np.ndarray, ref_height: np.ndarray,
               ref_weight: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Height (cm) from the CDC height-for-age LMS (z truncated at ±3); weight (kg) around the median weight
    for that height, with the weight-for-age spread less the height's (see ``populations.yaml``)."""
    months = age * 12.0
    height, weight = np.empty(len(age)), np.empty(len(age))
    z = standard_normal(rng, len(age), limit=3.0)
    residual = rng.standard_normal(len(age))
    for is_female, sex in ((False, "male"), (True, "female")):
        chosen = female == is_female
        chart = data.growth[sex]
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


def maturation(covariates: Mapping[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Each child's own maturation factor per enzyme (PK-Sim 7.3 geometric SDs of n and PMA50, z within ±3)."""
    age = covariates["age"]
    factors = {}
    for name in varying_enzymes():
        z_n, z_pma50 = standard_normal(rng, len(age), limit=3.0), standard_normal(rng, len(age), limit=3.0)
        factors[name] = maturation_variability(name, age, z_n, z_pma50)
    return factors


__all__ = ["standard_normal", "lognormal", "adult_size", "child_size", "maturation"]
