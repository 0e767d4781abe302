"""The figure of MAP fits: each subject's observations, MAP profile, 90 % credible band, population profile (a panel
per analyte sampled)."""

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
    """One panel per subject and analyte sampled (at most ``MAX_PANELS``); censored samples drawn at their LLOQ as open
    marks."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(subject, posterior, analyte) for subject, posterior in zip(subjects, posteriors, strict=True)
              for analyte in model.structure.analytes if np.any(subject.analytes == analyte)][:MAX_PANELS]
    count = len(panels)
    columns = min(count, 3)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.4 * rows), squeeze=False)
    time_unit = model.units["time"]
    for k, (subject, posterior, analyte) in enumerate(panels):
        axis = axes[k // columns, k % columns]
        end = max(float(np.max(subject.times, initial=0.0)), max(d.time + d.duration for d in subject.doses)) * 1.1
        start = min(0.0, min(d.time for d in subject.doses))
        band = posterior.prediction_band(model, subject, np.linspace(start, end, GRID_POINTS), analyte=analyte)
        axis.fill_between(band["times"], band["low"], band["high"], color="tab:blue", alpha=0.25, linewidth=0,
                          label="90 % credible band")
        axis.plot(band["times"], band["map"], color="tab:blue", label="MAP")
        axis.plot(band["times"], band["population"], color="tab:gray", linestyle="--", label="population (η = 0)")
        mine = subject.analytes == analyte
        seen, censored = mine & ~subject.censored, mine & subject.censored
        axis.scatter(subject.times[seen], subject.observations[seen], color="black", zorder=3, s=18, label="observed")
        if censored.any():
            axis.scatter(subject.times[censored], subject.lloq[censored], facecolors="none",
                         edgecolors="black", zorder=3, s=24, label="below LLOQ (at LLOQ)")
        if log_scale:
            axis.set_yscale("log")
        which = "" if model.structure.analytes == ("parent",) else f" ({analyte})"
        axis.set_title(f"ID {subject.id}{which}: OFV {posterior.estimate.ofv:.2f}", fontsize=9)
        axis.set_xlabel(f"time [{time_unit}]")
        axis.set_ylabel(f"concentration [{model.analytes[analyte]}]")
    axes[0, 0].legend(fontsize=7)
    for k in range(count, rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    figure.suptitle(f"{model.name}: MAP fits", fontsize=10)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
