"""The figure of a dose-ranging comparison: probabilities against dose, and the exposures per dose.

Left: P(response) and P(toxicity) with their 95 % intervals (bands), the toxicity limit, the MTD and
the OBD. Right: each dose's exposure distribution over the virtual patients (box 25–75 %,
whiskers 5–95 %, line at the median). Drawn with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import numpy as np

RESPONSE, TOXICITY, CHOSEN = "tab:blue", "tab:red", "tab:green"


def plot_dose_ranging(result, path: str | None = None):
    """The two-panel figure of a :class:`~pbpk.pd.dose_ranging.DoseRanging`; saved to ``path`` if given."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.8), gridspec_kw={"width_ratios": [1.15, 1]})
    _probabilities(left, result)
    _exposures(right, result)
    title = result.title or "virtual dose-ranging comparison"
    figure.suptitle(f"{title} (N = {result.n} virtual patients per dose)", fontsize=11)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _probabilities(axis, result) -> None:
    table = result.table
    doses = table[result.column("dose")].to_numpy()
    for what, colour, label in (("response", RESPONSE, "P(response)"), ("toxicity", TOXICITY, "P(toxicity)")):
        mean = table[result.column(what)].to_numpy()
        low, high = table[result.column(f"{what}_low")].to_numpy(), table[result.column(f"{what}_high")].to_numpy()
        axis.fill_between(doses, low, high, color=colour, alpha=0.18, linewidth=0)
        axis.plot(doses, mean, "o-", color=colour, linewidth=1.6, markersize=4, label=f"{label} (band: 95 % CI)")
    axis.axhline(result.toxicity_limit, color=TOXICITY, linestyle="--", linewidth=1.0,
                 label=f"toxicity limit {result.toxicity_limit:g}")
    if result.mtd is not None:
        reached = "" if result.limit_reached else " (highest dose; limit not reached)"
        axis.axvline(result.mtd, color="black", linestyle=":", linewidth=1.2,
                     label=f"MTD {result.mtd:g} {result.dose_unit}{reached}")
    if result.obd is not None:
        axis.axvline(result.obd, color=CHOSEN, linestyle="-.", linewidth=1.4, label=f"OBD {result.obd:g} {result.dose_unit}")
    if doses.size > 1 and doses.min() > 0 and doses.max() / doses.min() > 8:
        axis.set_xscale("log")
        axis.set_xticks(doses, _sparse_labels(doses))
        axis.minorticks_off()
    axis.set_ylim(0, 1)
    axis.set_xlabel(f"dose ({result.dose_unit})")
    axis.set_ylabel("probability (mean over virtual patients)")
    axis.set_title(f"OBD: {result.rule.describe()}", fontsize=8.5)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8, loc="upper left")


def _sparse_labels(doses: np.ndarray, closest: float = 0.06) -> list[str]:
    """Tick labels on a log axis, blank where a label would touch the previous one (log10 gap < ``closest``)."""
    labels, last = [], -np.inf
    for dose in doses:
        crowded = np.log10(dose) - last < closest
        labels.append("" if crowded else f"{dose:g}")
        last = last if crowded else np.log10(dose)
    return labels


def _exposures(axis, result) -> None:
    doses = sorted(result.exposures)
    data = [np.asarray(result.exposures[d]) for d in doses]
    positions = np.arange(len(doses))
    boxes = axis.boxplot(data, positions=positions, whis=(5, 95), showfliers=False, patch_artist=True, widths=0.55)
    for patch, dose in zip(boxes["boxes"], doses):
        chosen = dose in (result.mtd, result.obd)
        patch.set_facecolor(CHOSEN if dose == result.obd else ("0.75" if chosen else "0.9"))
    for median in boxes["medians"]:
        median.set_color("black")
    axis.set_xticks(positions, [f"{d:g}" for d in doses])
    positive = all(np.all(x > 0) for x in data)
    if positive and max(np.percentile(x, 95) for x in data) / min(np.percentile(x, 5) for x in data) > 30:
        axis.set_yscale("log")
    axis.set_xlabel(f"dose ({result.dose_unit}); green: OBD, grey: MTD")
    axis.set_ylabel(result.exposure_label)
    axis.set_title("exposure per dose (box 25–75 %, whiskers 5–95 %)", fontsize=9)
    axis.grid(alpha=0.3, axis="y")
