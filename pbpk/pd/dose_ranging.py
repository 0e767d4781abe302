"""A virtual dose-ranging comparison: per dose, exposure, response and toxicity probability; MTD and OBD.

Each dose is given an array of exposures of N virtual patients (from any source: a closed-form
popPK model, ``mipd`` predictions, a PBPK population), either as a mapping dose → exposures or as
a function of the dose. An efficacy and a toxicity model (``pbpk.pd.logistic``) give each patient's
probability of response and of toxicity; per dose the table reports the exposure percentiles
(5, 50, 95), the mean probabilities p̄ = Σpᵢ/N, which are the expected response and toxicity
rates, and their 95 % intervals.

**Intervals.** Wilson score intervals (Wilson 1927, J Am Stat Assoc 22:209) for p̄ out of N:
the range of the rate a trial of these N patients would observe. The number of events is a sum
of Bernoulli(pᵢ), whose variance Σpᵢ(1 − pᵢ) is at most N·p̄(1 − p̄), so the interval is
conservative when the patients' probabilities differ.

**MTD.** The maximum tolerated dose is the largest dose up to which every dose has
P(toxicity) ≤ the limit (escalation stops at the first dose over it; default limit 0.33, the
upper end of the 3 + 3 design's DLT rate). **OBD.** The optimal biological dose is chosen among
the tolerated doses by a stated rule (:class:`ObdRule`): the smallest dose whose P(response)
reaches a fraction (default 0.9) of the largest P(response) among them, or the dose with the
largest utility P(response) − w·P(toxicity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from pbpk.core.errors import PbpkInputError
from pbpk.pd import inputs

WHERE = "dose-ranging comparison"
PERCENTILES = (5, 50, 95)
#: Default toxicity limit: the 3 + 3 design escalates while at most 1 of 3 (0.33) has a DLT.
TOXICITY_LIMIT = 0.33
RULES = ("fraction", "utility")
#: The table's columns in order (names from :func:`column_name`), then ``tolerated`` and the utility.
COLUMNS = ("dose", "p5", "p50", "p95", "response", "response_low", "response_high",
           "toxicity", "toxicity_low", "toxicity_high")


@dataclass(frozen=True)
class ObdRule:
    """How the OBD is picked among tolerated doses: ``fraction`` of the best response, or ``utility``.

    >>> ObdRule().describe()
    'smallest tolerated dose with P(response) ≥ 0.9 × the largest P(response) among tolerated doses'
    >>> ObdRule("utility", weight=2.0).describe()
    'tolerated dose with the largest utility P(response) − 2 × P(toxicity)'
    """

    kind: str = "fraction"
    fraction: float = 0.9
    weight: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in RULES:
            raise PbpkInputError("OBD rule", "kind", self.kind, " or ".join(RULES))
        inputs.fraction(self.fraction, where="OBD rule", field="fraction", open_low=True)
        inputs.nonnegative(self.weight, where="OBD rule", field="weight")

    def describe(self) -> str:
        if self.kind == "fraction":
            return (f"smallest tolerated dose with P(response) ≥ {self.fraction:g} × the largest P(response) "
                    "among tolerated doses")
        return f"tolerated dose with the largest utility P(response) − {self.weight:g} × P(toxicity)"

    def pick(self, doses: np.ndarray, response: np.ndarray, toxicity: np.ndarray) -> float | None:
        """The OBD among ``doses`` (the tolerated ones, ascending), or None when there are none."""
        if doses.size == 0:
            return None
        if self.kind == "fraction":
            return float(doses[np.argmax(response >= self.fraction * response.max())])
        return float(doses[np.argmax(response - self.weight * toxicity)])


def wilson_interval(p, n: int, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of a proportion ``p`` out of ``n``.

    >>> low, high = wilson_interval(0.5, 100)
    >>> round(float(low), 4), round(float(high), 4)
    (0.4038, 0.5962)
    """
    z = norm.ppf(0.5 + confidence / 2)
    p = np.asarray(p, float)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def maximum_tolerated(doses: np.ndarray, toxicity: np.ndarray, limit: float) -> float | None:
    """The largest dose up to which every dose (ascending) has P(toxicity) ≤ ``limit``; None if the lowest fails.

    >>> maximum_tolerated(np.array([10.0, 20, 40, 80]), np.array([0.05, 0.2, 0.4, 0.3]), 0.33)
    20.0
    """
    over = toxicity > limit
    if over[0]:
        return None
    return float(doses[np.argmax(over) - 1] if over.any() else doses[-1])


def column_name(what: str, dose_unit: str, exposure_label: str) -> str:
    """The table column of ``what`` (see :meth:`DoseRanging.column`), units in the name.

    >>> column_name("response_low", "mg", "AUC (mg*h/L)"), column_name("p50", "mg", "AUC (mg*h/L)")
    ('P(response) 95% CI low', 'AUC (mg*h/L) p50')
    """
    names = {"dose": f"dose ({dose_unit})", "response": "P(response)", "toxicity": "P(toxicity)",
             **{f"p{q}": f"{exposure_label} p{q}" for q in PERCENTILES}}
    base, _, bound = what.partition("_")
    if base in ("response", "toxicity") and bound:
        return f"{names[base]} 95% CI {bound}"
    return names[what]


@dataclass(frozen=True)
class DoseRanging:
    """The result: one row per dose (``table``), the MTD, the OBD and the rule and limit that chose them."""

    table: pd.DataFrame
    mtd: float | None
    obd: float | None
    rule: ObdRule
    toxicity_limit: float
    dose_unit: str
    exposure_label: str
    n: int
    exposures: Mapping[float, np.ndarray] = field(repr=False, default_factory=dict)
    title: str = ""

    def column(self, what: str) -> str:
        """The table's column name for ``dose``, ``p5``/``p50``/``p95``, ``response``, ``toxicity`` (and ``_low``/``_high``)."""
        return column_name(what, self.dose_unit, self.exposure_label)

    @property
    def limit_reached(self) -> bool:
        """Whether some dose has P(toxicity) over the limit (if not, the MTD is only the highest dose tested)."""
        return bool((~self.table["tolerated"]).any()) if "tolerated" in self.table else False

    def summary(self) -> dict:
        """The choice and its basis as plain data (for JSON)."""
        return {"n_virtual_patients": self.n, "toxicity_limit": self.toxicity_limit, "mtd": self.mtd,
                "toxicity_limit_reached": self.limit_reached,
                "obd": self.obd, "dose_unit": self.dose_unit, "obd_rule": self.rule.describe(),
                "mtd_rule": f"largest dose up to which every dose has P(toxicity) ≤ {self.toxicity_limit:g}",
                "intervals": "Wilson score 95% interval of the mean probability out of N virtual patients"}

    def plot(self, path: str | None = None):
        """The figure of :mod:`pbpk.pd.dose_ranging_figure` (saved to ``path`` if given)."""
        from pbpk.pd.dose_ranging_figure import plot_dose_ranging

        return plot_dose_ranging(self, path)


def compare_doses(exposures: Mapping[float, Iterable[float]] | Callable[[float], Iterable[float]], efficacy, toxicity,
                  *, doses: Iterable[float] | None = None, toxicity_limit: float = TOXICITY_LIMIT,
                  rule: ObdRule | None = None, exposure_name: str = "exposure", exposure_unit: str = "",
                  dose_unit: str = "mg", title: str = "") -> DoseRanging:
    """Compare doses on the same virtual patients; ``efficacy`` and ``toxicity`` have ``probability(x)``.

    ``exposures`` maps each dose to the exposures of N virtual patients, or is a function of the dose
    (then ``doses`` lists the doses). Every dose needs the same N.
    """
    per_dose = _exposures_by_dose(exposures, doses)
    limit = float(inputs.fraction(toxicity_limit, where=WHERE, field="toxicity_limit", open_low=True))
    rule = rule or ObdRule()
    label = f"{exposure_name} ({exposure_unit})" if exposure_unit else exposure_name
    n = next(iter(per_dose.values())).size
    rows = []
    for dose, x in per_dose.items():
        p_response, p_toxicity = np.mean(efficacy.probability(x)), np.mean(toxicity.probability(x))
        rows.append((dose, *np.percentile(x, PERCENTILES), p_response, *wilson_interval(p_response, n),
                     p_toxicity, *wilson_interval(p_toxicity, n)))
    columns = [column_name(c, dose_unit, label) for c in COLUMNS]
    table = pd.DataFrame([[float(v) for v in row] for row in rows], columns=columns)
    dose_values = table[columns[0]].to_numpy()
    tox, resp = table[columns[7]].to_numpy(), table[columns[4]].to_numpy()
    mtd = maximum_tolerated(dose_values, tox, limit)
    tolerated = dose_values <= mtd if mtd is not None else np.zeros(dose_values.size, bool)
    table["tolerated"] = tolerated
    table[f"utility (w = {rule.weight:g})"] = resp - rule.weight * tox
    obd = rule.pick(dose_values[tolerated], resp[tolerated], tox[tolerated])
    return DoseRanging(table, mtd, obd, rule, limit, dose_unit, label, n, per_dose, title)


def _exposures_by_dose(exposures, doses) -> dict[float, np.ndarray]:
    """{dose: exposures} with ascending doses, each a 1-D array of N finite exposures ≥ 0 (one N for all)."""
    if callable(exposures):
        if doses is None:
            raise PbpkInputError(WHERE, "doses", None, "the doses to compare, with a function dose → exposures")
        pairs = [(d, exposures(d)) for d in doses]
    elif isinstance(exposures, Mapping):
        pairs = list(exposures.items())
    else:
        raise PbpkInputError(WHERE, "exposures", type(exposures).__name__,
                             "a mapping dose → exposures of the virtual patients, or a function of the dose")
    if not pairs:
        raise PbpkInputError(WHERE, "doses", "none", "at least one dose")
    result: dict[float, np.ndarray] = {}
    for dose, x in sorted(((float(inputs.nonnegative(d, where=WHERE, field="dose")), x) for d, x in pairs),
                          key=lambda pair: pair[0]):
        values = inputs.nonnegative(x, where=WHERE, field=f"exposures at dose {dose:g}")
        if values.ndim != 1 or values.size == 0:
            raise PbpkInputError(WHERE, f"exposures at dose {dose:g}", f"an array of shape {values.shape}",
                                 "a 1-D array with one exposure per virtual patient")
        if dose in result:
            raise PbpkInputError(WHERE, "doses", dose, "each dose once")
        result[dose] = values
    sizes = {x.size for x in result.values()}
    if len(sizes) > 1:
        raise PbpkInputError(WHERE, "exposures", f"{sorted(sizes)} patients", "the same virtual patients (one N) at every dose")
    return result
