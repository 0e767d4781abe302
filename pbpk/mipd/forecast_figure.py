"""The figure of a forecasting evaluation: predicted vs observed per step, and MAPE and P20 per step.

One scatter panel per step (a priori, after 1, 2, … samples; at most ``MAX_STEPS``, the first ones)
with the identity line and the ±20 % lines (predicted = 0.8 and 1.2 × observed), and a last panel
with MAPE (%, left axis) and P20 (%, right axis) against the number of samples used
(``pbpk.mipd.forecasting`` for the definitions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbpk.mipd.forecasting import summary

#: Most scatter panels drawn (the first steps).
MAX_STEPS = 5


def step_label(step: int) -> str:
    """'a priori' or 'after k sample(s)'."""
    return "a priori" if step == 0 else f"after {step} sample{'s' if step > 1 else ''}"


def plot_forecasts(table: pd.DataFrame, path: str | None = None, *, unit: str = "", title: str = ""):
    """Scatter panels per step and the metrics panel; saved to ``path`` when given; returns the figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    metrics = summary(table)
    steps = metrics["step"].tolist()[:MAX_STEPS]
    count = len(steps) + 1
    columns = min(count, 3)
    rows = int(np.ceil(count / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4.4 * columns, 4.0 * rows), squeeze=False)
    positive = table[(table["observed"] > 0) & (table["predicted"] > 0)]
    values = np.concatenate([positive["observed"], positive["predicted"]])
    low, high = (float(values.min()) / 1.3, float(values.max()) * 1.3) if values.size else (0.1, 10.0)
    line = np.geomspace(low, high, 50)
    for k, step in enumerate(steps):
        axis = axes[k // columns, k % columns]
        group = table[table["step"] == step]
        row = metrics[metrics["step"] == step].iloc[0]
        axis.scatter(group["observed"], group["predicted"], s=14, alpha=0.6, color="tab:blue", edgecolors="none")
        axis.plot(line, line, color="black", linewidth=1, label="identity")
        axis.plot(line, 0.8 * line, color="tab:gray", linestyle="--", linewidth=1, label="±20 %")
        axis.plot(line, 1.2 * line, color="tab:gray", linestyle="--", linewidth=1)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlim(low, high)
        axis.set_ylim(low, high)
        axis.set_aspect("equal")
        for which in (axis.xaxis, axis.yaxis):
            which.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            which.set_major_formatter(ScalarFormatter())
            which.set_minor_formatter(NullFormatter())
        axis.set_title(f"{step_label(step)} (n = {int(row['n'])})\nMPE {row['MPE']:.1f} %, MAPE {row['MAPE']:.1f} %, "
                       f"P20 {row['P20']:.0f} %", fontsize=9)
        axis.set_xlabel(f"observed [{unit}]" if unit else "observed")
        axis.set_ylabel(f"predicted [{unit}]" if unit else "predicted")
    axes[0, 0].legend(fontsize=8, loc="upper left")
    _metrics_panel(axes[(count - 1) // columns, (count - 1) % columns], metrics)
    for k in range(count, rows * columns):
        axes[k // columns, k % columns].set_visible(False)
    figure.suptitle(title or "Forecasting evaluation", fontsize=11)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _metrics_panel(axis, metrics: pd.DataFrame) -> None:
    """MAPE (left axis) and P20 (right axis) against the number of samples used."""
    axis.plot(metrics["step"], metrics["MAPE"], marker="o", color="tab:red", label="MAPE")
    axis.set_xlabel("samples used (0 = a priori)")
    axis.set_ylabel("MAPE [%]", color="tab:red")
    axis.set_ylim(0, max(float(metrics["MAPE"].max()) * 1.15, 1.0))
    axis.set_xticks(metrics["step"].tolist())
    twin = axis.twinx()
    twin.plot(metrics["step"], metrics["P20"], marker="s", color="tab:green", label="P20")
    twin.set_ylabel("P20 [% within ±20 %]", color="tab:green")
    twin.set_ylim(0, 100)
    axis.set_title("MAPE and P20 per step", fontsize=9)
    axis.grid(alpha=0.3)
