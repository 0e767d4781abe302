"""The figure of a virtual trial: PTA by stratum and strategy (with 95 % intervals), trough distributions, toxicity."""

from __future__ import annotations

import numpy as np

from pbpk.mipd.trial import TrialResult


def plot_trial(result: TrialResult, path: str | None = None):
    """One PTA panel per target, the trough distribution and each toxicity probability, by stratum and strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = result.spec
    strata = list(spec.strata.labels())
    strategies = [s.name for s in spec.strategies]
    panels = len(spec.targets) + 1 + len(spec.toxicity)
    columns = min(panels, 2)
    rows = int(np.ceil(panels / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(7.2 * columns, 3.9 * rows), squeeze=False)
    flat = list(axes.ravel())
    width = 0.8 / len(strategies)
    x = np.arange(len(strata))
    colours = plt.get_cmap("tab10").colors
    short = [label.split(" ", 1)[1] for label in strata]
    for axis, (name, _) in zip(flat, spec.targets, strict=False):
        table = result.attainment[result.attainment["target"] == name]
        _bars(axis, table, "PTA (%)", strategies, strata, x, width, colours)
        axis.set_ylim(0, 105)
        axis.set_ylabel("PTA (%)")
        axis.set_title(f"{name} at dose {spec.dose_number}", fontsize=9)
    axis = flat[len(spec.targets)]
    unit = spec.units.analytes["parent"]
    for k, strategy in enumerate(strategies):
        mine = result.patients[result.patients["strategy"] == strategy]
        data = [mine.loc[mine["stratum"] == label, "trough"].to_numpy() for label in strata]
        parts = axis.boxplot(data, positions=x - 0.4 + width * (k + 0.5), widths=width * 0.85, whis=(5, 95),
                             showfliers=False, patch_artist=True, manage_ticks=False)
        for box in parts["boxes"]:
            box.set_facecolor(colours[k % len(colours)])
            box.set_alpha(0.7)
    for toxicity in spec.toxicity:
        if toxicity.model == "threshold" and toxicity.metric == "trough":
            axis.axhline(toxicity.threshold, color="black", linestyle=":", linewidth=0.8)
    for target_name, target in spec.targets:
        if target.kind == "ft_above" and target.low >= 100:
            axis.axhline(target.multiple * target.mic / target.unbound_fraction, color="tab:gray", linestyle="--",
                         linewidth=0.8)
    axis.set_yscale("log")
    axis.set_ylabel(f"trough before dose {spec.dose_number + 1} ({unit})")
    axis.set_title("true troughs (box 25–75 %, whiskers 5–95 %); dashed: k·MIC/fu, dotted: toxicity thresholds",
                   fontsize=8)
    for axis, toxicity in zip(flat[len(spec.targets) + 1:], spec.toxicity, strict=False):
        table = result.toxicity[result.toxicity["toxicity"] == toxicity.name]
        _bars(axis, table, "P (%)", strategies, strata, x, width, colours)
        axis.set_ylim(0, 105)
        axis.set_ylabel("probability (%)")
        axis.set_title(f"toxicity: {toxicity.name}", fontsize=9)
    for axis in flat[:panels]:
        axis.set_xticks(x, short, fontsize=8)
        axis.set_xlabel(f"{spec.strata.covariate} stratum")
        axis.grid(axis="y", alpha=0.3)
    for axis in flat[panels:]:
        axis.set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[k % len(colours)], alpha=0.7) for k in range(len(strategies))]
    figure.legend(handles, strategies, loc="upper center", ncol=min(len(strategies), 4), fontsize=8,
                  bbox_to_anchor=(0.5, 0.995))
    figure.suptitle(f"{spec.title} — N = {result.n} virtual patients, truth {spec.truth.name}, "
                    f"clinician {spec.clinician.name}", fontsize=9, y=0.945)
    figure.tight_layout(rect=(0, 0, 1, 0.93))
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _bars(axis, table, column: str, strategies, strata, x, width, colours) -> None:
    """Grouped bars with 95 % interval whiskers, one group per stratum and one bar per strategy."""
    for k, strategy in enumerate(strategies):
        mine = table[table["strategy"] == strategy].set_index("stratum").reindex(strata)
        value = mine[column].to_numpy(dtype=float)
        error = np.maximum(np.vstack([value - mine["CI low (%)"].to_numpy(dtype=float),
                                      mine["CI high (%)"].to_numpy(dtype=float) - value]), 0.0)  # rounding at 0, 100 %
        axis.bar(x - 0.4 + width * (k + 0.5), value, width * 0.9, yerr=error, capsize=2,
                 color=colours[k % len(colours)], alpha=0.7, error_kw={"linewidth": 0.8})
