"""The figure of a sampling design: the predicted profile with its band and the chosen times, and the criterion of
one sample against its time (``sampling_design``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject
from pbpk.mipd.sampling_design import SamplingDesign, continued
from pbpk.mipd.solve import Dose

GRID_POINTS = 600
#: Posterior (or prior) draws of η behind the 90 % band, and their seed.
DRAWS = 300
SEED = 0


def plot_design(model: PopulationModel, subject: Subject, estimate: MapEstimate | None, doses: Sequence[Dose],
                design: SamplingDesign, path: str | None = None, *, start: float):
    """Left: the profile over the record and ``doses`` (MAP, or typical without ``estimate``) with the 90 % band of
    the current posterior (or prior), the samples so far and the chosen times; right: the criterion of one sample
    at each candidate time, counted from ``start`` (the first new dose)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13.0, 5.0), gridspec_kw={"width_ratios": [1.35, 1]})
    _profile(left, model, subject, estimate, doses, design, start)
    _single(right, model, design, start)
    what = "D-optimal" if design.criterion == "D" else f"c-optimal for {design.parameter}"
    chosen = ", ".join(f"{t - start:g}" for t in design.times)
    figure.suptitle(f"{model.name}: ID {subject.id}, {what} samples at {chosen} {model.units['time']} after the "
                    f"first new dose", fontsize=11)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _profile(axis, model: PopulationModel, subject: Subject, estimate: MapEstimate | None, doses: Sequence[Dose],
             design: SamplingDesign, start: float) -> None:
    """The MAP (or typical) profile, the 90 % band, the samples so far, the doses and the chosen times."""
    given = (*subject.doses, *doses)
    end = max(design.candidates[-1], float(np.max(subject.times, initial=0.0)))
    first = min(0.0, min(dose.time for dose in given))
    changes = [t for dose in given for t in (dose.time, dose.time + dose.duration) if first <= t <= end]
    times = np.union1d(np.linspace(first, end, GRID_POINTS), np.union1d(changes, design.times))
    eta = np.zeros(len(model.eta_names)) if estimate is None else np.asarray(estimate.eta, dtype=float)
    covariance = model.omega.matrix if estimate is None else estimate.covariance
    draws = np.random.default_rng(SEED).multivariate_normal(eta, covariance, size=DRAWS)
    curves = continued(model, subject, doses)(times, np.vstack([eta, draws]))
    unit, time_unit = model.analytes["parent"], model.units["time"]
    axis.fill_between(times, np.percentile(curves[1:], 5, axis=0), np.percentile(curves[1:], 95, axis=0),
                      color="tab:blue", alpha=0.2, linewidth=0,
                      label="90 % band (" + ("prior" if estimate is None else "Laplace posterior") + ")")
    axis.plot(times, curves[0], color="tab:blue", linewidth=1.6, label="typical patient (η = 0)" if estimate is None else "MAP")
    seen = ~subject.censored & (subject.analytes == "parent")
    if seen.any():
        axis.scatter(subject.times[seen], subject.observations[seen], color="black", zorder=4, s=22,
                     label="samples so far")
    for dose in given:
        axis.axvline(dose.time, color="gray", linewidth=0.6, linestyle=":")
    axis.axvline(start, color="gray", linewidth=1.0, linestyle="--", label="first new dose")
    at = np.searchsorted(times, design.times)
    axis.scatter(design.times, curves[0][at], color="tab:red", marker="v", s=70, zorder=5,
                 label="chosen sample times")
    for t in design.times:
        axis.axvline(t, color="tab:red", linewidth=0.8, alpha=0.6)
    axis.set_xlim(first, end + 0.02 * (end - first))  # room for a sample at the last candidate time
    axis.set_ylim(0, 1.3 * float(np.max(np.percentile(curves[1:], 95, axis=0))))
    axis.set_xlabel(f"time [{time_unit}] (dotted: doses)")
    axis.set_ylabel(f"concentration [{unit}]")
    axis.set_title("predicted profile and the chosen times", fontsize=10)
    axis.legend(fontsize=7.5, loc="upper left")


def _single(axis, model: PopulationModel, design: SamplingDesign, start: float) -> None:
    """The criterion with one sample at each candidate time (the SD of log P for "c"), and its value now."""
    times = np.asarray(design.candidates) - start
    values = np.asarray(design.single_values)
    now = design.prior_value
    if design.criterion == "c":
        values, now = np.sqrt(values), np.sqrt(now)
        label = f"expected posterior SD of log {design.parameter}"
    else:
        label = "log det M (Bayesian information of every η)"
    axis.plot(times, values, color="tab:blue", linewidth=1.6, marker="." if times.size < 60 else None)
    axis.axhline(now, color="gray", linestyle="--", linewidth=1.0, label="now (no new sample)")
    for t in design.times:
        axis.axvline(t - start, color="tab:red", linewidth=0.8, alpha=0.6)
    axis.plot([], [], color="tab:red", linewidth=0.8, label="chosen times (all together)")
    axis.set_xlabel(f"time of the one sample after the first new dose [{model.units['time']}]")
    axis.set_ylabel(label)
    axis.set_title("one sample at each candidate time", fontsize=10)
    axis.legend(fontsize=7.5)
