"""The figure of MAP fits: each subject's observations, MAP profile, 90 % credible band, population profile."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.posterior import LaplacePosterior
from pbpk.mipd.records import Subject

#: Most subjects drawn in one figure (the first ones of the data).
MAX_PANELS = 12
GRID_POINTS = 300


def plot_fits(model: PopulationModel, subjects: Sequence[Subject], posteriors: Sequence[LaplacePosterior],
              path: str | None = None, *, log_scale: bool = False):
    """One panel per subject (at most ``MAX_PANELS``); censored samples drawn at their LLOQ as open marks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = min(len(subjects), MAX_PANELS)
    columns = min(count, 3)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.4 * rows), squeeze=False)
    unit, time_unit = model.analytes["parent"], model.units["time"]
    for k, (subject, posterior) in enumerate(zip(subjects[:count], posteriors[:count], strict=True)):
        axis = axes[k // columns, k % columns]
        end = max(float(np.max(subject.times, initial=0.0)), max(d.time + d.duration for d in subject.doses)) * 1.1
        start = min(0.0, min(d.time for d in subject.doses))
        band = posterior.prediction_band(model, subject, np.linspace(start, end, GRID_POINTS))
        axis.fill_between(band["times"], band["low"], band["high"], color="tab:blue", alpha=0.25, linewidth=0,
                          label="90 % credible band")
        axis.plot(band["times"], band["map"], color="tab:blue", label="MAP")
        axis.plot(band["times"], band["population"], color="tab:gray", linestyle="--", label="population (η = 0)")
        seen = ~subject.censored
        axis.scatter(subject.times[seen], subject.observations[seen], color="black", zorder=3, s=18, label="observed")
        if subject.censored.any():
            axis.scatter(subject.times[subject.censored], subject.lloq[subject.censored], facecolors="none",
                         edgecolors="black", zorder=3, s=24, label="below LLOQ (at LLOQ)")
        if log_scale:
            axis.set_yscale("log")
        axis.set_title(f"ID {subject.id}: OFV {posterior.estimate.ofv:.2f}", fontsize=9)
        axis.set_xlabel(f"time [{time_unit}]")
        axis.set_ylabel(f"concentration [{unit}]")
    axes[0, 0].legend(fontsize=7)
    for k in range(count, rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    figure.suptitle(f"{model.name}: MAP fits", fontsize=10)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
