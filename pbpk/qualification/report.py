"""Qualification report: Markdown and HTML with figures, from validation results.

``write_report(results, folder)`` writes ``report.md`` and ``report.html`` (the
same content) and ``figures/``: one predicted-versus-observed panel per metric
(log–log, unity line, 1.25- and 2-fold bands; test cases filled, training
cases open) and one concentration–time figure per case with the observed
values drawn on it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pbpk.core.units import ureg
from pbpk.qualification.age_trend import TREND_FOLD, AgeTrend, age_trends
from pbpk.qualification.renal_trend import figure as renal_figure
from pbpk.qualification.renal_trend import load_regressions, renal_trend
from pbpk.qualification.renal_trend import sections as renal_sections
from pbpk.qualification.case_run import CaseResult, summarise
from pbpk.qualification.cases import METRICS, POPULATION_GROUPS
from pbpk.qualification.comparison import FOLDS, fold_label

FIGURE_DPI = 110


def write_report(results: Sequence[CaseResult], folder: str | Path, ddi_results: Sequence = ()) -> Path:
    """Write the report into ``folder`` (created if needed); returns the path of ``report.html``.

    ``ddi_results`` (:class:`pbpk.qualification.studies.StudyResult`) add the DDI section: summary with
    Guest limits, forest plot and predicted-versus-observed ratios.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    folder = Path(folder)
    (folder / "figures" / "cases").mkdir(parents=True, exist_ok=True)
    sections: list[tuple] = []
    if results:
        overview = _overview_figure(results, folder / "figures" / "predicted_vs_observed.png")
        case_figures = {r.case.id: _case_figure(r, folder / "figures" / "cases" / f"{r.case.id}.png") for r in results}
        trends = age_trends(results)
        trend_figure = _age_trend_figure(trends, folder / "figures" / "age_trend.png") if trends else None
        sections = _sections(results, overview.relative_to(folder),
                             {k: v.relative_to(folder) for k, v in case_figures.items()},
                             trend_figure.relative_to(folder) if trend_figure else None)
        compounds = {r.case.compound for r in results}
        renal = [renal_trend(r) for r in load_regressions() if r.compound in compounds]
        if renal:
            sections += renal_sections(renal, renal_figure(renal, folder / "figures" / "renal_trend.png")
                                       .relative_to(folder))
    if ddi_results:
        forest = _forest_figure(ddi_results, folder / "figures" / "ddi_forest.png")
        sections += _ddi_sections(ddi_results, forest.relative_to(folder))
    (folder / "report.md").write_text(_markdown(sections), encoding="utf-8")
    target = folder / "report.html"
    target.write_text(_html(sections), encoding="utf-8")
    return target


# -- content ------------------------------------------------------------------------------------------
def _sections(results: Sequence[CaseResult], overview: Path, case_figures: dict[str, Path],
              trend_figure: Path | None = None) -> list[tuple]:
    """The report as a list of blocks: ("h", level, text), ("p", text), ("table", header, rows), ("img", path, alt)."""
    tests = [r for r in results if r.role == "test"]
    training = [r for r in results if r.role == "training"]
    compounds = sorted({r.case.compound for r in results})
    blocks: list[tuple] = [
        ("h", 1, "pbpk clinical qualification"),
        ("p", f"{len(results)} studies of {len(compounds)} compounds ({', '.join(compounds)}): "
              f"{len(tests)} test cases and {len(training)} training cases (a study used to fit a compound value; "
              "reported separately and left out of the test statistics). Ratios are predicted/observed; GMFE is the "
              "geometric mean fold error."),
        ("h", 2, "Summary on test cases"),
        _summary_table(summarise(results, "test")),
    ]
    groups = {group: summarise(results, "test", group) for group in POPULATION_GROUPS}
    if sum(bool(summary) for summary in groups.values()) > 1:
        for group, summary in groups.items():
            if summary:
                blocks += [("h", 3, f"{group.capitalize()} test cases"), _summary_table(summary)]
    if training:
        blocks += [("h", 2, "Summary on training cases"), _summary_table(summarise(results, "training"))]
    if trend_figure is not None:
        blocks += _age_trend_sections(age_trends(results), trend_figure)
    regressions = [(r.case.id, text) for r in results for text in r.regressions]
    blocks.append(("h", 2, "Regressions"))
    if regressions:
        blocks.append(("table", ("case", "outside its expected band"), regressions))
    else:
        blocks.append(("p", "None: every metric lies within the fold its case file expects."))
    blocks += [("h", 2, "Predicted versus observed"), ("img", overview, "predicted versus observed, per metric"),
               ("h", 2, "Cases"), _case_table(results)]
    for r in results:
        case = r.case
        blocks += [("h", 3, f"{case.id} ({r.role})"),
                   ("p", f"{case.title}. {case.study.reference}. Population: {case.population.description}."
                         + (f" Note: {case.note}" if case.note else "")),
                   ("img", case_figures[case.id], case.title)]
    return blocks


def _age_trend_sections(trends: Sequence[AgeTrend], figure: Path) -> list[tuple]:
    following = [t.compound for t in trends if t.follows()]
    blocks: list[tuple] = [
        ("h", 2, "Pediatric clearance by age"),
        ("p", "Clearance per kg body weight of each pediatric test case against the adults of the same compound "
              "(geometric mean of its adult test cases). The age-scaling error is (predicted child/adult) ÷ "
              f"(observed child/adult); it isolates the growth and maturation scaling from the adult model's bias. "
              f"A compound follows the observed age trend when every age group lies within {TREND_FOLD:g}-fold. "
              f"Following: {', '.join(following) or 'none'}; not following: "
              f"{', '.join(t.compound for t in trends if not t.follows()) or 'none'}."),
        ("img", figure, "clearance per kg by age, observed and predicted"),
    ]
    rows = []
    for trend in trends:
        adults = f"adults ({trend.adult_cases} case{'s' if trend.adult_cases > 1 else ''})"
        rows.append((trend.compound, adults, f"{trend.adult_observed:.3g}", f"{trend.adult_predicted:.3g}",
                     f"{trend.adult_predicted / trend.adult_observed:.2f}", "1", "-"))
        for g in trend.groups:
            rows.append((trend.compound, f"{g.label}: {g.case_id}", f"{g.observed:.3g}", f"{g.predicted:.3g}",
                         f"{g.predicted / g.observed:.2f}", f"{trend.scaling_error(g):.2f}",
                         "yes" if trend.on_trend(g) else "no"))
    blocks.append(("table", ("compound", "age group", "observed CL (mL/min/kg)", "predicted CL (mL/min/kg)",
                             "predicted/observed", "age-scaling error", f"within {TREND_FOLD:g}-fold"), rows))
    return blocks


def _age_trend_figure(trends: Sequence[AgeTrend], path: Path) -> Path:
    """CL/kg against postnatal age (log), observed open and predicted filled; adults drawn at 30 y."""
    import matplotlib.pyplot as plt

    adult_years = 30.0
    columns = min(3, len(trends))
    rows = math.ceil(len(trends) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.4 * columns, 3.6 * rows), squeeze=False)
    for axis in axes.flat[len(trends):]:
        axis.set_visible(False)
    for axis, trend in zip(axes.flat, trends):
        at = {g.case_id: max(g.postnatal_age_years, 1.0 / 365.25) for g in trend.groups}  # log axis: ≥ 1 day
        years = list(at.values()) + [adult_years]
        observed = [g.observed for g in trend.groups] + [trend.adult_observed]
        predicted = [g.predicted for g in trend.groups] + [trend.adult_predicted]
        axis.plot(years, observed, "o--", mfc="none", color="k", label="observed")
        axis.plot(years, predicted, "o-", color="tab:blue", label="predicted")
        for g in trend.off_trend():
            axis.plot([at[g.case_id]], [g.predicted], "o", color="tab:red")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("postnatal age (years; adults at 30)")
        axis.set_ylabel("CL (mL/min/kg)")
        axis.set_title(trend.compound + ("" if trend.follows() else " (off trend in red)"), fontsize=9)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)
    return path


def _ddi_sections(results: Sequence, forest: Path) -> list[tuple]:
    from pbpk.qualification.studies import summarise_studies

    tests = [r for r in results if r.role == "test"]
    pairs = sorted({f"{p.compound} → {r.study.victim.compound}" for r in results for p in r.study.perpetrators})
    blocks: list[tuple] = [
        ("h", 1, "Drug–drug interactions"),
        ("p", f"{len(results)} DDI studies ({len(tests)} test): {', '.join(pairs)}. Each study is simulated with and "
              "without its perpetrators in one coupled model (pbpk.ddi.dynamic); ratios are AUC and Cmax of the victim with/"
              "without. Guest limits: Guest et al. 2011 (Drug Metab Dispos 39:170), δ = 1."),
        ("h", 2, "Summary on test studies"),
        _summary_table(summarise_studies(results, "test")),
    ]
    if len(tests) < len(results):
        blocks += [("h", 2, "Summary on training studies"), _summary_table(summarise_studies(results, "training"))]
    ignored = sorted({text for r in results for text in r.ignored})
    if ignored:
        blocks.append(("p", "Interactions not in the dynamic model: " + "; ".join(ignored) + "."))
    blocks += [("img", forest, "forest plot of predicted and observed ratios"), ("h", 2, "Studies")]
    rows = []
    for r in results:
        for metric in r.observed:
            rows.append((r.study.id, r.role, metric, f"{r.observed[metric]:.3g}", f"{r.predicted[metric]:.3g}",
                         f"{r.ratios[metric]:.2f}", "yes" if r.within_guest(metric) else "no",
                         "yes" if r.within(metric, 2.0) else "no"))
    blocks.append(("table", ("study", "role", "ratio", "observed", "predicted", "predicted/observed", "Guest",
                             "2-fold"), rows))
    return blocks


def _forest_figure(results: Sequence, path: Path) -> Path:
    """Predicted (filled) and observed (open) AUCR and CmaxR per study, log scale, with Guest ranges."""
    import matplotlib.pyplot as plt

    from pbpk.qualification.comparison import guest_limit

    metrics = [m for m in ("AUCR", "CmaxR") if any(m in r.observed for r in results)]
    height = max(4.0, 0.22 * len(results) + 1.5)
    figure, axes = plt.subplots(1, len(metrics), figsize=(7 * len(metrics), height), squeeze=False, sharey=True)
    labels = [r.study.id for r in results]
    for axis, metric in zip(axes[0], metrics):
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
        axis.set_xlabel(f"{metric} (open: observed with Guest range; filled: predicted)")
        axis.set_yticks(range(len(results)))
        axis.set_yticklabels(labels, fontsize=6)
        axis.invert_yaxis()
        axis.grid(True, axis="x", which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _summary_table(summary: dict[str, dict[str, float]]) -> tuple:
    header = ("metric", "cases", "GMFE", *(f"within {fold:g}-fold" for fold in FOLDS), "within Guest limits")
    rows = [(metric, f"{s.get('n_cases', s.get('n_studies', 0)):d}", f"{s['gmfe']:.2f}", *(f"{100 * s[fold_label(fold)]:.0f} %" for fold in FOLDS),
             f"{100 * s['within_guest']:.0f} %" if "within_guest" in s else "-")
            for metric, s in summary.items()]
    return ("table", header, rows)


def _case_table(results: Sequence[CaseResult]) -> tuple:
    rows = []
    for r in results:
        for metric in r.observed:
            ratio = r.ratios[metric]
            band = r.case.expected_within.get(metric)
            flag = "within 2-fold" if r.within(metric, 2.0) else "outside 2-fold"
            rows.append((r.case.id, r.role, metric, f"{r.observed[metric]:.4g}", f"{r.predicted[metric]:.4g}",
                         r.units[metric] or "-", f"{ratio:.2f}", flag, f"{band:g}-fold" if band else "-"))
    return ("table", ("case", "role", "metric", "observed", "predicted", "unit", "ratio", "2-fold", "expected"), rows)


# -- rendering ------------------------------------------------------------------------------------------
def _markdown(blocks: list[tuple]) -> str:
    lines: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            lines += ["#" * block[1] + " " + block[2], ""]
        elif kind == "p":
            lines += [block[1], ""]
        elif kind == "img":
            lines += [f"![{block[2]}]({block[1].as_posix()})", ""]
        else:
            header, rows = block[1], block[2]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "|".join("---" for _ in header) + "|")
            lines += ["| " + " | ".join(str(cell).replace("|", "\\|") for cell in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


_STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
          "table{border-collapse:collapse;margin:1em 0;font-size:90%}"
          "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f2f2f2}"
          "td.outside{background:#fde2e1}img{max-width:100%}")


def _html(blocks: list[tuple]) -> str:
    parts = ["<!DOCTYPE html>", "<html><head><meta charset='utf-8'><title>pbpk clinical qualification</title>",
             f"<style>{_STYLE}</style></head><body>"]
    for block in blocks:
        kind = block[0]
        if kind == "h":
            parts.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
        elif kind == "p":
            parts.append(f"<p>{html.escape(block[1])}</p>")
        elif kind == "img":
            parts.append(f"<img src='{html.escape(block[1].as_posix())}' alt='{html.escape(block[2])}'>")
        else:
            header, rows = block[1], block[2]
            parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
            for row in rows:
                cells = "".join(f"<td class='outside'>{html.escape(str(c))}</td>" if c == "outside 2-fold"
                                else f"<td>{html.escape(str(c))}</td>" for c in row)
                parts.append(f"<tr>{cells}</tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


# -- figures ----------------------------------------------------------------------------------------------
def _overview_figure(results: Sequence[CaseResult], path: Path) -> Path:
    import matplotlib.pyplot as plt

    metrics = [m for m in METRICS if any(m in r.observed for r in results)]
    columns = min(3, len(metrics))
    rows = math.ceil(len(metrics) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.3 * columns, 4.1 * rows), squeeze=False)
    compounds = sorted({r.case.compound for r in results})
    colours = {name: plt.get_cmap("tab20")(i % 20) for i, name in enumerate(compounds)}
    for axis in axes.flat[len(metrics):]:
        axis.set_visible(False)
    for axis, metric in zip(axes.flat, metrics):
        chosen = [r for r in results if metric in r.observed]
        observed, predicted = np.array([r.absolute(metric) for r in chosen]).T
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
        inside = sum(r.within(metric, 2.0) for r in tests)
        axis.set(xscale="log", yscale="log", xlim=(low, high), ylim=(low, high),
                 xlabel=f"observed {metric} [{unit}]", ylabel=f"predicted {metric} [{unit}]")
        axis.set_title(f"{metric}: {inside}/{len(tests)} test cases within 2-fold", fontsize=10)
        axis.grid(True, which="both", alpha=0.25)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colours[c], label=c) for c in compounds]
    handles += [plt.Line2D([], [], color="k", label="unity"),
                plt.Line2D([], [], color="0.45", linestyle="--", label="2-fold"),
                plt.Line2D([], [], color="0.45", linestyle=":", label="1.25-fold"),
                plt.Line2D([], [], marker="o", linestyle="", markerfacecolor="none", color="0.3", label="training case")]
    figure.legend(handles=handles, loc="lower center", ncol=min(6, len(handles)), fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0.06 + 0.02 * (len(handles) // 6), 1, 1))
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)
    return path


def _display_unit(result: CaseResult) -> str:
    """Concentration unit of the case's own data (Cmax or profile), else ng/mL."""
    if result.case.profile is not None:
        return result.case.profile.unit
    if "Cmax" in result.case.observed:
        return f"{result.case.observed['Cmax'].value.units:~}"
    return "ng/mL"


def _to_unit(values_mg_per_l: np.ndarray, unit: str, molecular_weight: float) -> np.ndarray:
    quantity = ureg.Quantity(values_mg_per_l, "mg/L")
    if not quantity.is_compatible_with(unit):
        quantity = quantity / ureg.Quantity(molecular_weight, "g/mol")
    return quantity.to(unit).magnitude


def _frame(axis, result: CaseResult, unit: str) -> None:
    """Show three decades below the peak, and time up to where the prediction leaves them (or the data end)."""
    simulation = result.simulations[0]
    concentration = simulation.output("C_plasma")
    floor = concentration.max() * 1e-3
    above = np.nonzero(concentration > floor)[0]
    end = simulation.times[above[-1]] if len(above) else simulation.times[-1]
    if result.case.profile is not None:
        end = max(end, float(result.case.profile.times.max()))
    axis.set_xlim(0.0, min(simulation.times[-1], end * 1.05))
    peak = _to_unit(np.array([concentration.max() * simulation.mg_per_umol]), unit,
                    simulation.molecular_weight)[0]
    top = peak
    if "Cmax" in result.observed:
        top = max(top, _to_unit(np.array([result.observed["Cmax"]]), unit, simulation.molecular_weight)[0])
    if result.case.profile is not None:
        top = max(top, float(result.case.profile.values.max()))
    axis.set_ylim(peak * 1e-3, top * 2.0)


def _case_figure(result: CaseResult, path: Path) -> Path:
    import matplotlib.pyplot as plt

    case = result.case
    unit = _display_unit(result)
    figure, axis = plt.subplots(figsize=(6.2, 4.0))
    for simulation, weight in zip(result.simulations, result.weights):
        person = simulation.individual
        concentration = _to_unit(simulation.output("C_plasma") * simulation.mg_per_umol, unit,
                                 simulation.molecular_weight)
        keep = concentration > 0
        axis.plot(simulation.times[keep], concentration[keep],
                  label=f"predicted, {person.sex} {person.body_weight.to('kg').magnitude:.0f} kg ({weight:.0%})")
    mw = result.simulations[0].molecular_weight
    if "Cmax" in case.observed:
        cmax = _to_unit(np.array([result.observed["Cmax"]]), unit, mw)[0]
        tmax = result.observed.get("tmax")
        if tmax is not None:
            axis.scatter([tmax], [cmax], marker="s", color="k", zorder=4, label="observed Cmax at tmax")
        else:
            axis.axhline(cmax, color="k", linestyle="--", linewidth=1, label="observed Cmax")
    for simulation in result.reference_simulations:
        concentration = _to_unit(simulation.output("C_plasma") * simulation.mg_per_umol, unit,
                                 simulation.molecular_weight)
        keep = concentration > 0
        axis.plot(simulation.times[keep], concentration[keep], linestyle="--", color="0.4",
                  label=f"reference population ({simulation.individual.sex})")
    if case.profile is not None:
        profile = case.profile
        axis.errorbar(profile.times, profile.values, yerr=profile.spread, fmt="o", color="k", markersize=4,
                      capsize=2, label=f"observed ({profile.statistic})")
    for dose in case.regimen.doses:
        axis.axvline(dose.time.to("h").magnitude, color="0.85", linewidth=0.8, zorder=0)
    _frame(axis, result, unit)
    ratios = ", ".join(f"{m} {v:.2f}" for m, v in result.ratios.items())
    axis.set(yscale="log", xlabel="time [h]", ylabel=f"plasma concentration [{unit}]")
    axis.set_title(f"{case.id} ({result.role})\npredicted/observed: {ratios}", fontsize=9)
    axis.grid(True, which="both", alpha=0.25)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)
    return path
