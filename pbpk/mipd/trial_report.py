"""The report of a virtual trial: a printed summary, and report.md (every table), patients.csv and trial.png."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pbpk.mipd.trial import TrialResult
from pbpk.mipd.trial_figure import plot_trial


def summary_lines(result: TrialResult) -> list[str]:
    """Per strategy and stratum: PTA of each target (95 % interval), each toxicity probability and the median trough."""
    spec = result.spec
    unit = spec.units.analytes["parent"]
    lines = [f"{spec.title}",
             (f"N = {result.n} virtual patients (seed {result.seed}); truth {spec.truth.name}, clinician "
              f"{spec.clinician.name}; endpoints over the interval of dose {spec.dose_number}")]
    if result.failed_fits:
        lines.append(f"MAP fits that did not converge: {result.failed_fits}")
    attainment = result.attainment.set_index(["strategy", "stratum", "target"])
    toxicity = result.toxicity.set_index(["strategy", "stratum", "toxicity"])
    troughs = result.exposures[result.exposures["metric"] == "trough"].set_index(["strategy", "stratum"])
    for strategy in spec.strategies:
        lines.append(f"\n{strategy.name} ({strategy.kind})")
        for stratum in (*spec.strata.labels(), "all"):
            parts = [f"{name} {_interval(attainment.loc[(strategy.name, stratum, name)], 'PTA (%)')}"
                     for name, _ in spec.targets]
            parts += [f"P({t.name}) {_interval(toxicity.loc[(strategy.name, stratum, t.name)], 'P (%)')}"
                      for t in spec.toxicity]
            median = troughs.loc[(strategy.name, stratum), "P50"]
            lines.append(f"  {stratum:<24} " + "; ".join(parts) + f"; median trough {median:.3g} {unit}")
    return lines


def _interval(row: pd.Series, column: str) -> str:
    return f"{row[column]:.0f} % [{row['CI low (%)']:.0f}, {row['CI high (%)']:.0f}]"


def write_report(result: TrialResult, folder: str | Path) -> dict[str, str]:
    """report.md, patients.csv and trial.png in ``folder``; their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    spec = result.spec
    figure, table, report = folder / "trial.png", folder / "patients.csv", folder / "report.md"
    plot_trial(result, str(figure))
    result.patients.to_csv(table, index=False)
    unit = spec.units.analytes["parent"]
    sections = [f"# {spec.title}", "",
                (f"N = {result.n} virtual patients (seed {result.seed}); truth `{spec.truth.name}`, clinician's model "
                 f"`{spec.clinician.name}`; endpoints over the interval of dose {spec.dose_number}; concentrations in {unit}. "
                 f"MAP fits that did not converge: {result.failed_fits}."), "", "![trial](trial.png)", "",
                "## Strategies", ""]
    sections += [f"- **{s.name}** ({s.kind}){': ' + s.source if s.source else ''}" for s in spec.strategies]
    for title, frame in (("Probability of target attainment", result.attainment),
                         ("Toxicity", result.toxicity), ("Exposure: trough, Cmax, AUC24", result.exposures),
                         (f"Against the reference ({spec.reference}): paired difference and NNT", result.nnt)):
        sections += ["", f"## {title}", "", _markdown(frame)]
    sections += ["", "## Sources", ""] + [f"- {reference}" for reference in spec.references]
    sections += [f"- {t.name}: {t.source}" for t in spec.toxicity]
    report.write_text("\n".join(sections) + "\n", encoding="utf-8")
    return {"report": str(report), "patients": str(table), "figure": str(figure)}


def _markdown(frame: pd.DataFrame) -> str:
    """A pipe table with numbers to 3 significant digits."""
    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(_cell(value) for value in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if np.isnan(value) else f"{value:.3g}"
    if isinstance(value, list):
        return "–".join(f"{v:.3g}" for v in value)
    return "" if value is None else str(value)
