"""Clearance per kg body weight across age: does the model follow the observed pediatric trend?

A pediatric PBPK prediction is the adult model scaled to the child, so each age
group is judged against the adults of the same compound. The **age-scaling
error** of a group is

    (predicted CL/kg child ÷ predicted CL/kg adult) ÷ (observed CL/kg child ÷ observed CL/kg adult),

which removes the adult model's own bias and leaves the error of the growth and
maturation scaling (organ sizes, blood flows, GFR, enzyme ontogeny, plasma
proteins). The adult point of a compound is the geometric mean of its adult
test cases with an observed clearance (IV, so CL and not CL/F). A compound
follows the observed age trend when every age group's scaling error lies within
``TREND_FOLD`` (2-fold, the usual acceptance of pediatric PBPK, e.g. Edginton
et al. 2006 Clin Pharmacokinet 45:1013).

Only test cases count; a pediatric group is a case with a mean age below 18 y.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pbpk.core.units import Quantity
from pbpk.qualification.case_run import CaseResult
from pbpk.qualification.cases import PER_WEIGHT

TREND_FOLD = 2.0
_L_PER_H_TO_ML_PER_MIN = float(Quantity(1.0, "L/h").to("mL/min").magnitude)


@dataclass(frozen=True)
class AgeGroup:
    """One pediatric case: clearance per kg (mL/min/kg), observed and predicted."""

    case_id: str
    postnatal_age_years: float
    gestational_age_weeks: float | None  # at birth; None = term
    observed: float
    predicted: float

    @property
    def label(self) -> str:
        age = self.postnatal_age_years
        text = f"{age * 365.25:.0f} d" if age < 1 / 12 else f"{age * 12:.1f} mo" if age < 2 else f"{age:.1f} y"
        return text + (f" (born at {self.gestational_age_weeks:g} wk)" if self.gestational_age_weeks else "")


@dataclass(frozen=True)
class AgeTrend:
    """Observed and predicted CL/kg of one compound by age, against its adults."""

    compound: str
    adult_observed: float  # mL/min/kg, geometric mean of the adult test cases
    adult_predicted: float
    adult_cases: int
    groups: tuple[AgeGroup, ...]  # by increasing age

    def scaling_error(self, group: AgeGroup) -> float:
        """(predicted child/adult) / (observed child/adult) CL per kg."""
        return (group.predicted / self.adult_predicted) / (group.observed / self.adult_observed)

    def on_trend(self, group: AgeGroup, fold: float = TREND_FOLD) -> bool:
        """The group's scaling error lies within ``fold``."""
        return 1.0 / fold <= self.scaling_error(group) <= fold

    def off_trend(self, fold: float = TREND_FOLD) -> list[AgeGroup]:
        return [g for g in self.groups if not self.on_trend(g, fold)]

    def follows(self, fold: float = TREND_FOLD) -> bool:
        """Every age group's scaling error within ``fold``."""
        return not self.off_trend(fold)


def clearance_per_kg(result: CaseResult) -> tuple[float, float]:
    """(observed, predicted) CL of a case in mL/min/kg (absolute values divided by the simulated weight)."""
    observed, predicted = result.observed["CL"], result.predicted["CL"]
    if result.units["CL"] not in PER_WEIGHT.values():
        observed, predicted = observed / result.body_weight, predicted / result.body_weight
    return observed * _L_PER_H_TO_ML_PER_MIN, predicted * _L_PER_H_TO_ML_PER_MIN


def age_trends(results: Sequence[CaseResult]) -> list[AgeTrend]:
    """One :class:`AgeTrend` per compound with pediatric and adult test cases of observed clearance."""
    trends = []
    cleared = [r for r in results if r.role == "test" and "CL" in r.observed]
    for compound in sorted({r.case.compound for r in cleared}):
        mine = [r for r in cleared if r.case.compound == compound]
        adults = [clearance_per_kg(r) for r in mine if r.population_group == "adult"]
        children = [r for r in mine if r.population_group == "pediatric"]
        if not adults or not children:
            continue
        groups = []
        for r in children:
            observed, predicted = clearance_per_kg(r)
            gestation = r.case.population.gestational_age
            groups.append(AgeGroup(r.case.id, r.case.population.age.to("year").magnitude,
                                   gestation.to("week").magnitude if gestation is not None else None,
                                   observed, predicted))
        groups.sort(key=lambda g: (g.postnatal_age_years, g.gestational_age_weeks or 40.0))
        trends.append(AgeTrend(compound, _geometric_mean([o for o, _ in adults]),
                               _geometric_mean([p for _, p in adults]), len(adults), tuple(groups)))
    return trends


def _geometric_mean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


__all__ = ["AgeGroup", "AgeTrend", "TREND_FOLD", "age_trends", "clearance_per_kg"]
