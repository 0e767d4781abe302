"""Predicted against observed: one comparison for clinical cases and DDI studies alike.

A result compares predicted with observed values metric by metric: the ratio
predicted/observed, whether it lies within k-fold, within the limits of Guest et al.
2011 for ratio metrics (AUCR, pregnancy/postpartum ratios), and whether it left the band
its file expects (``expected_within``). Summaries give, per metric, the number of
studies, the geometric mean fold error (GMFE) and the fractions within 1.25-, 1.5- and
2-fold (and within the Guest limits).

Examples
--------
>>> round(guest_limit(2.0), 6)   # (1 + 2·(2 − 1))/2
1.5
>>> fold_label(1.5)
'within_1_5fold'
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import numpy as np

#: Guest et al. 2011 (Drug Metab Dispos 39:170): variability parameter of the ratio-dependent limits.
GUEST_DELTA = 1.0
FOLDS = (1.25, 1.5, 2.0)


def guest_limit(observed_ratio: float, delta: float = GUEST_DELTA) -> float:
    """Guest et al. 2011 limit for a ratio R: (δ + 2(R − 1))/R with R ≥ 1 (R < 1 is inverted).

    A prediction is accepted when observed/limit ≤ predicted ≤ observed·limit; the
    limit is δ at R = 1 and approaches 2 for large ratios.
    """
    ratio = observed_ratio if observed_ratio >= 1.0 else 1.0 / observed_ratio
    return (delta + 2.0 * (ratio - 1.0)) / ratio


def fold_label(fold: float) -> str:
    """Key name used in summaries for a fold (2 → 'within_2fold', 1.5 → 'within_1_5fold')."""
    return f"within_{str(fold).replace('.', '_').rstrip('0').rstrip('_')}fold"


class Compared(ABC):
    """Predicted/observed comparison of one study, shared by clinical cases and DDI studies.

    A result class provides ``predicted`` and ``observed`` (metric → value, same unit) and
    ``expected_within`` (metric → fold its file expects).
    """

    predicted: Mapping[str, float]
    observed: Mapping[str, float]

    @property
    @abstractmethod
    def expected_within(self) -> Mapping[str, float]:
        """Metric → the fold its file expects the prediction within."""

    @property
    def ratios(self) -> dict[str, float]:
        """Predicted/observed per metric."""
        return {m: self.predicted[m] / self.observed[m] for m in self.observed}

    def within(self, metric: str, fold: float) -> bool:
        """Predicted within ``fold``-fold of observed."""
        return 1.0 / fold <= self.ratios[metric] <= fold

    def within_guest(self, metric: str) -> bool:
        """Inside the Guest et al. 2011 limits around the observed ratio."""
        limit = guest_limit(self.observed[metric])
        return self.observed[metric] / limit <= self.predicted[metric] <= self.observed[metric] * limit

    @property
    def regressions(self) -> list[str]:
        """Metrics outside the fold the file expects them within."""
        return [f"{m}: predicted/observed {self.ratios[m]:.2f}, expected within {fold:g}-fold"
                for m, fold in self.expected_within.items() if m in self.observed and not self.within(m, fold)]


def fold_summary(results: Iterable[Compared], metrics: Iterable[str], count: str,
                 guest: Iterable[str] = ()) -> dict[str, dict[str, float]]:
    """Per metric with observations: ``count`` (number of results), GMFE, fractions within each of ``FOLDS``,
    and the fraction within the Guest limits for the metrics in ``guest``."""
    chosen, guest = list(results), set(guest)
    summary: dict[str, dict[str, float]] = {}
    for metric in metrics:
        with_metric = [r for r in chosen if metric in r.observed]
        if not with_metric:
            continue
        logs = np.abs(np.log10([r.ratios[metric] for r in with_metric]))
        summary[metric] = {
            count: len(with_metric),
            "gmfe": float(10 ** logs.mean()),
            **{fold_label(fold): float(np.mean(logs <= math.log10(fold))) for fold in FOLDS},
        }
        if metric in guest:
            summary[metric]["within_guest"] = float(np.mean([r.within_guest(metric) for r in with_metric]))
    return summary
