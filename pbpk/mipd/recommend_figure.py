"""The figure of a dose recommendation: the best options' profiles at the MAP, and PTA against the daily dose."""

from __future__ import annotations

import numpy as np

from pbpk.core.units import ureg
from pbpk.mipd.map_estimation import MapEstimate
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.recommend import Recommendation, Regimen, Target
from pbpk.mipd.records import Subject

#: Options drawn in the profile panel (the best ones of the ranked table).
BEST = 3
GRID_POINTS = 600
#: The target and the toxicity limit are drawn in green and red, which the options do not use.
COLOURS = ("tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:cyan", "tab:pink", "tab:olive", "tab:gray")
_LABELS = {"auc": "AUC{hours:g}", "cumulative_auc": "cumulative AUC", "trough": "trough", "cmax": "Cmax",
           "ft_above": "fT>MIC", "time_above": "time above", "time_below": "time below"}


def plot_recommendation(model: PopulationModel, subject: Subject, estimate: MapEstimate,
                        recommendation: Recommendation, target: Target, path: str | None = None, *,
                        toxicity: Target | None = None):
    """Left: the best ``BEST`` options at the MAP with the target and the samples; right: PTA per interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(13.0, 5.0), gridspec_kw={"width_ratios": [1.35, 1]})
    _profiles(left, model, subject, estimate, recommendation, target, toxicity)
    _pta(right, model, recommendation, toxicity is not None)
    figure.suptitle(f"{model.name}: ID {subject.id}, target {_label(target)} "
                    f"{_bounds(target, target.value_unit(model))}", fontsize=11)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


def _profiles(axis, model: PopulationModel, subject: Subject, estimate: MapEstimate, recommendation: Recommendation,
              target: Target, toxicity: Target | None) -> None:
    """Each of the best options at the MAP (past doses included), the target, the samples."""
    best = [recommendation.options[k] for k in recommendation.table["option"][:BEST]]
    covariates = subject.covariates_at(float(subject.record_times[-1]))
    unit, time_unit = model.analytes[target.analyte], model.units["time"]
    value_unit = target.value_unit(model)
    times = np.linspace(0.0, max(option.end for option in best), GRID_POINTS)
    highest = float(np.nanmax(subject.observations, initial=0.0))
    for k, (option, row) in enumerate(zip(best, recommendation.table.head(BEST).itertuples(index=False))):
        grid = np.union1d(times, [d.time + d.duration for d in (*subject.doses, *option.doses())])
        grid = grid[grid <= option.end]
        curve = model.predict((*subject.doses, *option.doses()), grid, covariates, estimate.eta[None]
                              ).concentration(target.analyte)[0]
        verdict = "met" if row[7] else "not met"
        label = (f"{_regimen(option, model)}: {_label(target)} {row[6]:.4g} {value_unit} ({verdict})"
                 + ("" if np.isnan(row[8]) else f", PTA {100 * row[8]:.0f} %"))
        axis.plot(grid, curve, color=COLOURS[k], linewidth=1.6, label=label)
        highest = max(highest, float(curve.max()))
        if target.kind in ("auc", "cumulative_auc"):
            t0, t1 = target.span(option)
            inside = (grid >= t0) & (grid <= t1)
            axis.fill_between(grid[inside], 0, curve[inside], color=COLOURS[k], alpha=0.08, linewidth=0)
    _target_levels(axis, target, unit, "tab:green", "target")
    if toxicity is not None:
        _target_levels(axis, toxicity, unit, "tab:red", "toxicity")
    seen = ~subject.censored
    axis.scatter(subject.times[seen], subject.observations[seen], color="black", zorder=4, s=22, label="observed")
    for dose in subject.doses:
        axis.axvline(dose.time, color="gray", linewidth=0.6, linestyle=":")
    axis.set_xlim(0, times[-1])
    axis.set_ylim(0, 1.5 * highest)  # room for the legend above the curves
    axis.set_xlabel(f"time [{time_unit}] (dotted: past doses" + (", shaded: AUC window)" if target.kind in
                                                                  ("auc", "cumulative_auc") else ")"))
    axis.set_ylabel(f"concentration [{unit}]")
    axis.set_title(f"best {len(best)} options at the MAP", fontsize=10)
    axis.legend(fontsize=7.5, loc="upper left")


def _target_levels(axis, target: Target, unit: str, colour: str, name: str) -> None:
    """A concentration target as a band (two bounds) or a line (one), in ``unit``; others have no level."""
    if target.kind in ("trough", "cmax"):
        factor = float(ureg.Quantity(1.0, target.unit or unit).to(unit).magnitude)
        low, high = target.low * factor, target.high * factor
        text = f"{name}: {_label(target)} {_bounds(target, target.unit or unit)}"
        if np.isfinite(low) and np.isfinite(high):
            axis.axhspan(low, high, color=colour, alpha=0.15, linewidth=0, label=text)
        else:
            axis.axhline(low if np.isfinite(low) else high, color=colour, linestyle="--", linewidth=1.2, label=text)
        return
    level = target.threshold if target.kind in ("time_above", "time_below") else (
        target.multiple * target.mic / target.unbound_fraction if target.kind == "ft_above" else None)
    if level is not None:
        level *= float(ureg.Quantity(1.0, target.unit or unit).to(unit).magnitude)
        axis.axhline(level, color=colour, linestyle="--", linewidth=1.2,
                     label=f"{name}: {_label(target)} level {level:.4g} {unit} (total)")


def _pta(axis, model: PopulationModel, recommendation: Recommendation, toxicity: bool) -> None:
    """PTA (and the toxicity probability, dashed) against the daily dose, one line per interval/infusion/loading."""
    table = recommendation.table.sort_values("option")
    amount = model.units["amount"]
    groups: dict[tuple, list[int]] = {}
    for k, option in enumerate(recommendation.options):
        groups.setdefault((option.interval, option.infusion, option.loading), []).append(k)
    for colour, members in zip(COLOURS * 4, groups.values()):
        rows = table.iloc[members].sort_values(f"daily dose ({amount}/day)")
        daily, pta, met = rows.iloc[:, 5].to_numpy(), 100 * rows["PTA"].to_numpy(), rows["met at MAP"].to_numpy()
        option = recommendation.options[members[0]]
        axis.plot(daily, pta, color=colour, linewidth=1.6, label=_regimen(option, model, dose=False))
        axis.scatter(daily[met], pta[met], color=colour, s=26, zorder=3)
        if toxicity:
            axis.plot(daily, 100 * rows["P(toxicity)"].to_numpy(), color=colour, linestyle="--", linewidth=1.2)
    if toxicity:
        axis.plot([], [], color="gray", linestyle="--", label="P(toxicity)")
    axis.scatter([], [], color="gray", s=26, label="target met at the MAP")
    axis.set_ylim(-2, 102)
    axis.set_xlabel(f"daily dose [{amount}/day]")
    axis.set_ylabel("probability [%]")
    axis.set_title("PTA (solid) over the posterior" + (", P(toxicity) dashed" if toxicity else ""), fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7.5, loc="best")


def _regimen(option: Regimen, model: PopulationModel, *, dose: bool = True) -> str:
    amount, time = model.units["amount"], model.units["time"]
    text = f"{option.dose:g} {amount} " if dose else ""
    text += f"q{option.interval:g}{time}" + (f", {option.infusion:g} {time} infusion" if option.infusion else "")
    return text + ("" if option.loading is None else f", loading {option.loading:g} {amount}")


def _label(target: Target) -> str:
    return _LABELS[target.kind].format(hours=target.hours)


def _bounds(target: Target, unit: str) -> str:
    if np.isfinite(target.low) and np.isfinite(target.high):
        return f"{target.low:g}–{target.high:g} {unit}"
    return f"≥ {target.low:g} {unit}" if np.isfinite(target.low) else f"≤ {target.high:g} {unit}"
