"""Figures: concentration–time profiles (matplotlib, imported lazily, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from pbpk.simulation.observed import ObservedProfile
    from pbpk.simulation.simulate import Simulation

LABELS = {"C_plasma": "plasma", "C_blood": "blood", "C_plasma_unbound": "unbound plasma"}


def profile(simulation: Simulation, path: str | Path | None = None, *, scale: str = "both",
            outputs: tuple[str, ...] = ("C_plasma",), observed: ObservedProfile | None = None):
    """Plot outputs over time on linear and/or log axes; save to ``path`` if given.

    ``scale``: ``"linear"``, ``"log"`` or ``"both"`` (two panels). Dose times are
    marked; the title names the compound, dose, route and individual; ``observed``
    levels are drawn as points (with error bars where the file gives a spread).
    Returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if scale not in ("linear", "log", "both"):
        raise ValueError(f"scale must be linear, log or both, got {scale!r}")
    scales = ["linear", "log"] if scale == "both" else [scale]
    figure, axes = plt.subplots(1, len(scales), figsize=(5.5 * len(scales), 4.2), squeeze=False)
    data = simulation.data
    doses = simulation.regimen.doses
    first = doses[0]
    amount = f"{first.amount.magnitude:g} {first.amount.units:~P}"
    repeat = f" × {len(doses)}" if len(doses) > 1 else ""
    person = simulation.individual
    title = (f"{simulation.compound.name}: {amount} {first.route}{repeat} — "
             f"{person.sex}, {person.body_weight.to('kg').magnitude:g} kg")
    for axis, axis_scale in zip(axes[0], scales):
        for name in outputs:
            column = f"{name} [mg/L]"
            values = data[column].to_numpy()
            times = data["time [h]"].to_numpy()
            if axis_scale == "log":
                keep = values > 0
                times, values = times[keep], values[keep]
            axis.plot(times, values, label=LABELS.get(name, name.removeprefix("C_")))
        if observed is not None:
            draw_observed(axis, observed, simulation.compound.molecular_weight.value.to("g/mol").magnitude)
        for dose in doses:
            axis.axvline(dose.time.to("h").magnitude, color="0.8", linewidth=0.8, zorder=0)
        axis.set_yscale(axis_scale)
        axis.set_xlabel("time [h]")
        axis.set_ylabel("concentration [mg/L]")
        axis.set_title(f"{axis_scale} scale", fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
        if len(outputs) > 1 or observed is not None:
            axis.legend(fontsize=8)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def draw_observed(axis, observed: ObservedProfile, molecular_weight: float) -> None:
    """Observed levels (mg/L) as black points with their spread; zeros are left out on a log axis by matplotlib."""
    axis.errorbar(observed.times, observed.values_in_mg_per_l(molecular_weight),
                  yerr=observed.spread_in_mg_per_l(molecular_weight), fmt="o", color="k", markersize=4, capsize=2,
                  label=f"observed{'' if observed.statistic == 'observed' else ' ' + observed.statistic} "
                        f"({Path(observed.file).name})")


def ddi_profile(result, path: str | Path | None = None):
    """Victim plasma profile with and without perpetrators (log scale) and the enzyme time course.

    ``result`` is a :class:`pbpk.ddi.dynamic.DdiResult`; returns the matplotlib figure.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    victim = result.victim
    for phase, label, style in ((result.control, "alone", "--"), (result.treatment, "with perpetrator(s)", "-")):
        values = phase.plasma(victim)
        keep = values > 0
        left.plot(phase.times[keep], values[keep], style, label=f"{victim.name} {label}")
    left.set_yscale("log")
    left.set_xlabel("time [h]")
    left.set_ylabel("plasma concentration [mg/L]")
    person = result.treatment.individual
    left.set_title(f"{person.sex}, {person.body_weight.to('kg').magnitude:.0f} kg: AUCR {result.aucr:.2f}, "
                   f"CmaxR {result.cmaxr:.2f}", fontsize=10)
    left.axvline(result.window[0], color="0.8", linewidth=0.8, zorder=0)
    left.legend(fontsize=8)
    left.grid(True, which="both", alpha=0.3)
    data = result.treatment.data
    for column in data.columns:
        if column.startswith(("E_", "activity_")):
            right.plot(data["time [h]"], data[column], label=column)
    right.axhline(1.0, color="0.6", linewidth=0.8)
    right.set_xlabel("time [h]")
    right.set_ylabel("relative to baseline")
    right.set_title("enzyme amount (E) and activity (E/(1 + ΣI/Ki))", fontsize=10)
    right.legend(fontsize=8)
    right.grid(True, alpha=0.3)
    perpetrators = ", ".join(arm.compound.name for arm in result.treatment.arms[1:])
    figure.suptitle(f"{victim.name} with {perpetrators}", fontsize=11)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure
