"""Clearance against creatinine clearance: the simulated line of a renally cleared drug and a published regression.

A regression file (``validation_cases/regressions/<id>.yaml``) gives a published line CL = intercept +
slope·CrCL (mL/min) with its CrCL range, dose and the patients' age. :func:`renal_trend` simulates the
typical man and woman of that age with each CrCL of the range (used as the GFR, with the CKD changes of
:mod:`pbpk.physiology.renal_impairment`), fits a straight line to the simulated clearances and compares
slope and intercept with the published ones (the issue's criterion: within 25 %).

Examples
--------
>>> [r.id for r in load_regressions()]
['cefepime-an-2023', 'vancomycin-matzke-1984']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pint

from pbpk.compound import load_compound
from pbpk.core import datafiles
from pbpk.core.records import Record, load_yaml
from pbpk.core.units import parse_quantity
from pbpk.physiology.patient import patient
from pbpk.simulation.simulate import simulate

WITHIN = 0.25  # relative difference of slope and intercept accepted
POINTS = 8  # CrCL values simulated over the range


@dataclass(frozen=True)
class Regression:
    """A published CL–CrCL line (mL/min) and the design to simulate it."""

    id: str
    compound: str
    key: str  # author + year
    reference: str
    source: str
    slope: float
    intercept: float  # mL/min
    crcl_range: tuple[float, float]  # mL/min
    dose: str
    route: str
    duration: str | None
    age: pint.Quantity


@dataclass(frozen=True)
class RenalTrend:
    """Simulated clearances over the CrCL range and the fitted line."""

    regression: Regression
    crcl: np.ndarray  # mL/min
    clearance: np.ndarray  # mL/min, the geometric mean of the man and the woman
    slope: float
    intercept: float  # mL/min

    def slope_error(self) -> float:
        return self.slope / self.regression.slope - 1.0

    def intercept_error(self) -> float:
        return self.intercept / self.regression.intercept - 1.0

    def agrees(self, within: float = WITHIN) -> bool:
        """Slope and intercept each within ``within`` (relative) of the published ones."""
        return abs(self.slope_error()) <= within and abs(self.intercept_error()) <= within


def load_regressions(folder: str | Path | None = None) -> list[Regression]:
    """Every regression file of ``folder`` (default: the bundled ``validation_cases/regressions``)."""
    folder = Path(folder) if folder is not None else datafiles.data_dir("validation_cases") / "regressions"
    return [_regression(path) for path in sorted(folder.glob("*.yaml"))]


def _regression(path: Path) -> Regression:
    r = Record(load_yaml(path), str(path))
    span = r.raw("crcl_range")
    if not isinstance(span, list) or len(span) != 2:
        raise r.error("crcl_range", span, '[low, high], e.g. ["5 mL/min", "120 mL/min"]')
    low, high = (parse_quantity(v, "mL/min", where=r.where("crcl_range"), field="crcl_range").to("mL/min").magnitude
                 for v in span)
    if not 0 < low < high:
        raise r.error("crcl_range", span, "an increasing range of positive clearances")
    regression = Regression(
        id=r.text("id"), compound=r.text("compound"), key=r.text("key"), reference=r.text("reference"),
        source=r.source(), slope=r.number("slope", low=0),
        intercept=r.quantity("intercept", "mL/min", positive=False).to("mL/min").magnitude, crcl_range=(low, high),
        dose=r.text("dose"), route=r.text("route", choices=("iv", "infusion")), duration=r.text("duration", required=False),
        age=r.quantity("age", "year"))
    r.text("note", required=False)
    r.finish()
    return regression


def renal_trend(regression: Regression) -> RenalTrend:
    """Simulate the regression's design over its CrCL range and fit CL = intercept + slope·CrCL."""
    compound = load_compound(regression.compound)
    crcl = np.linspace(*regression.crcl_range, POINTS)
    clearance = []
    for value in crcl:
        by_sex = []
        for sex in ("male", "female"):
            person = patient(sex, age=regression.age, crcl=f"{value} mL/min")
            simulation = simulate(compound, person, dose=regression.dose, route=regression.route,
                                  infusion_time=regression.duration)
            by_sex.append(simulation.nca().as_dict()["CL"]["value"] * 1000.0 / 60.0)  # L/h → mL/min
        clearance.append(math.sqrt(by_sex[0] * by_sex[1]))
    slope, intercept = np.polyfit(crcl, clearance, 1)
    return RenalTrend(regression, crcl, np.array(clearance), float(slope), float(intercept))


def sections(trends: Sequence[RenalTrend], figure: Path) -> list[tuple]:
    """Report blocks: the comparison table and the figure."""
    rows = [(t.regression.compound, t.regression.key, f"{t.regression.slope:.3g}",
             f"{t.slope:.3g}", f"{t.regression.intercept:.3g}", f"{t.intercept:.3g}",
             "yes" if t.agrees() else "no") for t in trends]
    return [
        ("h", 2, "Clearance against renal function"),
        ("p", "Simulated total clearance of the typical man and woman (geometric mean) at each creatinine clearance, "
              "used as the GFR with the CKD changes, against the published regression; slope and intercept agree when "
              f"each lies within {WITHIN:.0%}. An intercept miss is either a non-renal clearance that the model keeps "
              "constant while the patients' falls with renal function (only a compound pathway with a kidney_failure "
              "change falls) or a bend of the simulated line that a straight fit over the published range carries "
              "to CrCL 0. A slope miss comes from the renal clearance per mL/min: pbpk's is fu·(GFR + secretion) "
              "with the CrCL taken as the GFR, the patients' that of their measured or estimated CrCL. Each "
              "regression file's note says which."),
        ("table", ("compound", "study", "slope published", "slope simulated", "intercept published (mL/min)",
                   "intercept simulated (mL/min)", f"both within {WITHIN:.0%}"), rows),
        ("img", figure, "clearance against creatinine clearance, simulated and published"),
    ]


def figure(trends: Sequence[RenalTrend], path: Path) -> Path:
    """CL against CrCL per regression: the published line and the simulated points with their fitted line."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(trends), figsize=(4.8 * len(trends), 3.8), squeeze=False)
    for axis, trend in zip(axes.flat, trends):
        x = np.linspace(0.0, trend.crcl.max(), 50)
        axis.plot(x, trend.regression.intercept + trend.regression.slope * x, "k--",
                  label=f"published: {trend.regression.intercept:.3g} + {trend.regression.slope:.3g}·CrCL")
        axis.plot(trend.crcl, trend.clearance, "o", color="tab:blue", label="simulated")
        axis.plot(x, trend.intercept + trend.slope * x, "-", color="tab:blue",
                  label=f"fit: {trend.intercept:.3g} + {trend.slope:.3g}·CrCL")
        axis.set_xlabel("creatinine clearance (mL/min)")
        axis.set_ylabel("total clearance (mL/min)")
        axis.set_title(f"{trend.regression.compound} ({trend.regression.key})", fontsize=9)
        axis.set_xlim(0, None)
        axis.set_ylim(0, None)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


__all__ = ["Regression", "RenalTrend", "load_regressions", "renal_trend", "sections", "figure", "WITHIN"]
