"""Summary figures of the qualification report: predicted versus observed per metric, and the DDI forest plot.

Log axes get at most a few labelled ticks (1, 2, 5 per decade on short ranges, decades on long ones;
minor ticks unlabelled), so labels never overlap. A metric panel is drawn only when some case has
values for it; the forest plot sizes its left margin to the longest study id and explains its colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pbpk.qualification.cases import METRICS
from pbpk.qualification.comparison import guest_limit

FIGURE_DPI = 110
#: Points per character of a 6-pt tick label (an upper bound for the sans-serif ids).
_POINTS_PER_CHARACTER = 3.6


def log_ticks(axis, which: str = "both") -> None:
    """Readable log ticks on ``axis`` (``"x"``, ``"y"`` or ``"both"``): 1-2-5 or decades, minor labels off."""
    from matplotlib import ticker

    for name in ("x", "y") if which == "both" else (which,):
        target = axis.xaxis if name == "x" else axis.yaxis
        low, high = (axis.get_xlim() if name == "x" else axis.get_ylim())
        decades = math.log10(max(high, low) / min(high, low))
        subs = (1.0, 2.0, 5.0) if decades < 2.0 else (1.0,)
        target.set_major_locator(ticker.LogLocator(base=10.0, subs=subs, numticks=8))
        target.set_major_formatter(ticker.FuncFormatter(_tick_label))
        target.set_minor_locator(ticker.LogLocator(base=10.0, subs=np.arange(2, 10) * 1.0, numticks=12))
        target.set_minor_formatter(ticker.NullFormatter())


def _tick_label(value: float, _position: int) -> str:
    return f"{value:g}" if 1e-3 <= value < 1e4 else f"{value:.0e}"


def overview_figure(results: Sequence, path: Path) -> Path:
    """Write :func:`overview` to ``path``."""
    return _save(overview(results), path)


def forest_figure(results: Sequence, path: Path) -> Path:
    """Write :func:`forest` to ``path``."""
    return _save(forest(results), path)


def _save(figure, path: Path) -> Path:
    import matplotlib.pyplot as plt

    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)
    return path


def overview(results: Sequence):
    """Predicted against observed per metric (log–log, unity line, 1.25- and 2-fold bands; training cases open)."""
    import matplotlib.pyplot as plt

    metrics = [m for m in METRICS if _points(results, m)[0]]
    columns = max(1, min(3, len(metrics)))
    rows = max(1, math.ceil(len(metrics) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.3 * columns, 4.1 * rows), squeeze=False)
    compounds = sorted({r.case.compound for r in results})
    colours = {name: plt.get_cmap("tab20")(i % 20) for i, name in enumerate(compounds)}
    for axis in axes.flat[len(metrics):]:
        figure.delaxes(axis)
    for axis, metric in zip(axes.flat, metrics):
        _metric_panel(axis, metric, results, colours)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colours[c], label=c) for c in compounds]
    handles += [plt.Line2D([], [], color="k", label="unity"),
                plt.Line2D([], [], color="0.45", linestyle="--", label="2-fold"),
                plt.Line2D([], [], color="0.45", linestyle=":", label="1.25-fold"),
                plt.Line2D([], [], marker="o", linestyle="", markerfacecolor="none", color="0.3", label="training case")]
    legend_rows = math.ceil(len(handles) / 6)
    figure.legend(handles=handles, loc="lower center", ncol=min(6, len(handles)), fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, min(0.4, 0.035 * legend_rows / rows + 0.02), 1, 1))
    return figure


def _points(results: Sequence, metric: str) -> tuple[list, np.ndarray, np.ndarray]:
    """The results with a finite, positive observed and predicted ``metric`` and those values (absolute units)."""
    chosen, observed, predicted = [], [], []
    for r in results:
        if metric not in r.observed:
            continue
        x, y = r.absolute(metric)
        if np.isfinite(x) and np.isfinite(y) and x > 0 and y > 0:
            chosen.append(r)
            observed.append(x)
            predicted.append(y)
    return chosen, np.array(observed), np.array(predicted)


def _metric_panel(axis, metric: str, results: Sequence, colours: dict) -> None:
    chosen, observed, predicted = _points(results, metric)
    low, high = min(observed.min(), predicted.min()) / 2.5, max(observed.max(), predicted.max()) * 2.5
    line = np.array([low, high])
    axis.plot(line, line, color="k", linewidth=1)
    for fold, style in ((2.0, "--"), (1.25, ":")):
        axis.plot(line, line * fold, color="0.45", linestyle=style, linewidth=0.9)
        axis.plot(line, line / fold, color="0.45", linestyle=style, linewidth=0.9)
    for r, x, y in zip(chosen, observed, predicted):
        colour = colours[r.case.compound]
        axis.scatter(x, y, s=28, edgecolors=colour, facecolors=colour if r.role == "test" else "none", zorder=3)
    unit = METRICS[metric] or "fraction"
    tests = [r for r in chosen if r.role == "test"]
    axis.set(xscale="log", yscale="log", xlim=(low, high), ylim=(low, high), aspect="equal",
             xlabel=f"observed {metric} [{unit}]", ylabel=f"predicted {metric} [{unit}]")
    log_ticks(axis)
    training = len(chosen) - len(tests)
    title = (f"{metric}: {sum(r.within(metric, 2.0) for r in tests)}/{len(tests)} test cases within 2-fold"
             if tests else f"{metric}: no test cases")
    if training:
        title += f" ({training} training)"
    axis.set_title(title, fontsize=10)
    axis.grid(True, which="major", alpha=0.3)
    axis.grid(True, which="minor", alpha=0.1)


def forest(results: Sequence):
    """Predicted and observed AUCR and CmaxR per study (log scale) with Guest ranges; a legend for the colours;
    training studies (a compound value fitted to them) are labelled so."""
    import matplotlib.pyplot as plt

    metrics = [m for m in ("AUCR", "CmaxR") if any(m in r.observed for r in results)]
    height = max(4.0, 0.2 * len(results) + 2.0)
    labels = [r.study.id + (" (training)" if r.role == "training" else "") for r in results]
    margin = (max(len(label) for label in labels) * _POINTS_PER_CHARACTER + 16) / 72.0  # inches
    width = margin + 5.5 * len(metrics)
    figure, axes = plt.subplots(1, len(metrics), figsize=(width, height), squeeze=False, sharey=True)
    for axis, metric in zip(axes[0], metrics):
        _forest_panel(axis, metric, results)
    axes[0][0].set_yticks(range(len(results)))
    axes[0][0].set_yticklabels(labels, fontsize=6)
    axes[0][0].set_ylim(len(results) - 0.5, -0.5)  # first study on top (shared by every panel)
    handles = [plt.Line2D([], [], color="0.75", linewidth=3, label="Guest range around observed (δ = 1)"),
               plt.Line2D([], [], marker="o", linestyle="", markerfacecolor="none", color="k", label="observed"),
               plt.Line2D([], [], marker="o", linestyle="", color="tab:blue", label="predicted, within Guest limits"),
               plt.Line2D([], [], marker="o", linestyle="", color="tab:red", label="predicted, outside Guest limits")]
    legend_inches = 0.45
    figure.legend(handles=handles, loc="upper center", ncol=4, fontsize=7, frameon=False)
    figure.subplots_adjust(left=margin / width, right=1 - 0.25 / width, top=1 - legend_inches / height,
                           bottom=0.55 / height, wspace=0.08)
    return figure


def _forest_panel(axis, metric: str, results: Sequence) -> None:
    for row, r in enumerate(results):
        if metric not in r.observed:
            continue
        observed, limit = r.observed[metric], guest_limit(r.observed[metric])
        axis.plot([observed / limit, observed * limit], [row, row], color="0.75", linewidth=3, zorder=1)
        axis.scatter([observed], [row], facecolors="none", edgecolors="k", zorder=2, s=22)
        color = "tab:blue" if r.within_guest(metric) else "tab:red"
        axis.scatter([r.predicted[metric]], [row], color=color, zorder=3, s=18)
    axis.axvline(1.0, color="0.5", linewidth=0.8)
    axis.set_xscale("log")
    log_ticks(axis, "x")
    axis.set_xlabel(f"{metric} (victim with/without perpetrators; sex-weighted geometric mean)", fontsize=8)
    axis.grid(True, axis="x", which="major", alpha=0.3)
