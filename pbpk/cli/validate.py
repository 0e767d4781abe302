"""``pbpk validate [--cases GLOB] [--ddi GLOB] [--ontogeny SET] [--json] [--report DIR]``: clinical qualification.

Exits with status 1 if a metric falls outside the band its case file expects.
"""

from __future__ import annotations

import argparse
import sys

import pbpk.cli.checks as checks  # noqa: PLR0402 (from pbpk.cli import … is an import cycle)
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json

#: Column names of the per-study lines (:func:`_study_line`).
ID_WIDTH = 60  # the longest bundled id has 56 characters; longer ones push the line right, never into the role
STUDY_HEADER = (f"{'DDI study':<{ID_WIDTH}}{'role':<9}ratio predicted/observed (victim with/without perpetrators, "
                "unitless; sex-weighted geometric mean; * outside Guest limits)")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``validate`` command."""
    parser = commands.add_parser("validate", help="simulate the clinical studies in validation_cases/ and "
                                                  "compare with the observations", parents=[options.progress()])
    parser.add_argument("--cases", help="glob of case ids (e.g. 'midazolam-*'), a case file, or a folder of "
                                        "case files; default: every bundled case")
    parser.add_argument("--ddi", metavar="GLOB", help="glob of DDI study ids (e.g. 'rifampicin-*'), a study file or "
                                                     "a folder. With --cases or --ddi only those run; without "
                                                     "either, every bundled case and DDI study")
    parser.add_argument("--ontogeny", metavar="SET", help="enzyme ontogeny set of the children in pediatric "
                                                        "studies (names in physiology_db/ontogeny.yaml; default: "
                                                        "its default set). The case files' expected bands were "
                                                        "set with the default, so another set can break them: "
                                                        "that is reported like any other regression")
    parser.add_argument("--json", action="store_true", help="print JSON, ending with the summary of test cases")
    parser.add_argument("--report", metavar="DIR", help="write report.md, report.html and figures into DIR")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the cases and DDI studies (a line each, progress on stderr), summarise, write the report."""
    checks.check_report_folder("--report", args.report)
    options.check_ontogeny(args.ontogeny)
    results, ddi_results = _run_all(args)
    regressions = [f"{r.case.id}: {text}" for r in results for text in r.regressions]
    regressions += [f"{r.study.id}: {text}" for r in ddi_results for text in r.regressions]
    summaries = _summaries(results, ddi_results)
    written = None
    if args.report:
        from pbpk.qualification.report import write_report

        written = write_report(results, args.report, ddi_results)
    if args.json:
        print_json(_json(results, ddi_results, regressions, written, summaries, args.ontogeny))
    else:
        _text(summaries, written, args.ontogeny)
        for line in regressions:
            print(f"regression: {line}", file=sys.stderr)
    return 1 if regressions else 0


def _run_all(args: argparse.Namespace) -> tuple[list, list]:
    """Load, then run every selected case and study; one line per result on stdout (text mode)."""
    from tqdm import tqdm

    from pbpk.qualification.case_run import run_case
    from pbpk.qualification.cases import load_cases
    from pbpk.qualification.studies import load_studies, run_study

    cases = load_cases(args.cases) if args.cases is not None or args.ddi is None else []
    studies = load_studies(args.ddi) if args.ddi is not None or args.cases is None else []
    results, ddi_results = [], []
    with tqdm(total=len(cases) + len(studies), unit="study", desc="validate", disable=args.quiet,
              file=sys.stderr) as bar:
        for case in cases:
            results.append(run_case(case, args.ontogeny))
            if not args.json:
                _line(bar, _case_line(results[-1]))
            bar.update()
        if studies and not args.json:
            _line(bar, STUDY_HEADER)
        for study in studies:
            ddi_results.append(run_study(study, args.ontogeny))
            if not args.json:
                _line(bar, _study_line(ddi_results[-1]))
            bar.update()
    return results, ddi_results


def _line(bar, text: str) -> None:
    """A result line on stdout, printed at once, with the progress bar (stderr) cleared and redrawn around it."""
    with bar.external_write_mode(file=sys.stdout):
        print(text, flush=True)


def _summaries(results: list, ddi_results: list) -> dict:
    from pbpk.qualification.age_trend import age_trends
    from pbpk.qualification.case_run import summarise
    from pbpk.qualification.cases import POPULATION_GROUPS
    from pbpk.qualification.renal_trend import load_regressions, renal_trend
    from pbpk.qualification.studies import summarise_studies

    compounds = {r.case.compound for r in results}
    return {
        "test": summarise(results, "test"), "training": summarise(results, "training"),
        "ddi_test": summarise_studies(ddi_results, "test") if ddi_results else {},
        "ddi_training": summarise_studies(ddi_results, "training") if ddi_results else {},
        "by_group": {group: summarise(results, "test", group) for group in POPULATION_GROUPS},
        "trends": age_trends(results),
        "renal_trends": [renal_trend(r) for r in load_regressions() if r.compound in compounds],
    }


def _json(results: list, ddi_results: list, regressions: list[str], written, s: dict, ontogeny: str | None) -> dict:
    from pbpk.physiology.ontogeny import ontogeny_set_name

    return {
        "ontogeny": ontogeny_set_name(ontogeny),
        "cases": [{"id": r.case.id, "compound": r.case.compound, "role": r.role, "file": r.case.file,
                   "reference": r.case.study.reference,
                   "metrics": {m: {"observed": r.observed[m], "predicted": r.predicted[m], "unit": r.units[m],
                                   "ratio": r.ratios[m], "expected_within": r.case.expected_within.get(m)}
                               for m in r.observed},
                   "warnings": list(r.model_warnings)} for r in results],
        "regressions": regressions,
        "report": str(written) if written is not None else None,
        "training_summary": s["training"],
        "summary_by_population": {group: summary for group, summary in s["by_group"].items() if summary},
        "age_trends": [{"compound": t.compound, "unit": "mL/min/kg", "follows": t.follows(),
                        "adult": {"observed": t.adult_observed, "predicted": t.adult_predicted,
                                  "cases": t.adult_cases},
                        "groups": [{"case": g.case_id, "postnatal_age_years": g.postnatal_age_years,
                                    "gestational_age_weeks": g.gestational_age_weeks, "observed": g.observed,
                                    "predicted": g.predicted, "age_scaling_error": t.scaling_error(g)}
                                   for g in t.groups]} for t in s["trends"]],
        "renal_trends": [{"regression": t.regression.id, "compound": t.regression.compound, "unit": "mL/min",
                          "published": {"slope": t.regression.slope, "intercept": t.regression.intercept},
                          "simulated": {"slope": t.slope, "intercept": t.intercept},
                          "slope_error": t.slope_error(), "intercept_error": t.intercept_error(),
                          "agrees": t.agrees()} for t in s["renal_trends"]],
        "ddi_studies": [{"id": r.study.id, "role": r.role, "file": r.study.file,
                         "reference": r.study.study.reference,
                         "ratios": {m: {"observed": r.observed[m], "predicted": r.predicted[m],
                                        "predicted/observed": r.ratios[m], "within_guest": r.within_guest(m)}
                                    for m in r.observed}} for r in ddi_results],
        "ddi_training_summary": s["ddi_training"],
        "ddi_summary": s["ddi_test"],
        "summary": s["test"],
    }


def _text(s: dict, written, ontogeny: str | None) -> None:
    from pbpk.qualification.comparison import fold_label

    groups = [(f"{group} test cases", summary) for group, summary in s["by_group"].items() if summary]
    for title, summary in [("all test cases", s["test"]), *(groups if len(groups) > 1 else []),
                           ("training cases", s["training"]), ("DDI test studies", s["ddi_test"]),
                           ("DDI training studies", s["ddi_training"])]:
        if not summary:
            continue
        print(f"\n{title}: metric, cases, GMFE, within 1.25 / 1.5 / 2-fold (Guest limits for ratios)")
        for metric, entry in summary.items():
            guest = f"   ({100 * entry['within_guest']:.0f} % Guest)" if "within_guest" in entry else ""
            count = entry.get("n_cases", entry.get("n_studies"))
            print(f"  {metric:<13}{count:>4d}{entry['gmfe']:>7.2f}   " + " / ".join(
                f"{100 * entry[fold_label(fold)]:3.0f} %" for fold in (1.25, 1.5, 2.0)) + guest)
    if s["trends"]:
        from pbpk.physiology.ontogeny import ontogeny_set_name

        print(f"\npediatric CL per kg against adults (enzyme ontogeny {ontogeny_set_name(ontogeny)}; age-scaling "
              "error = predicted/observed child-to-adult change; trend followed within 2-fold):")
        for t in s["trends"]:
            errors = ", ".join(f"{g.label} {t.scaling_error(g):.2f}" for g in t.groups)
            print(f"  {t.compound:<13}{'follows' if t.follows() else 'off trend':<11}{errors}")
    if written is not None:
        print(f"\nreport: {written}")


def _study_line(result) -> str:
    ratios = "  ".join(f"{m} {result.predicted[m]:.2f}/{result.observed[m]:.2f}"
                       + ("" if result.within_guest(m) else "*") for m in result.observed)
    return f"{result.study.id + ' ':<{ID_WIDTH}}{result.role:<9}{ratios}"


def _case_line(result) -> str:
    ratios = "  ".join(f"{m} {v:.2f}" + ("" if result.within(m, 2.0) else "*") for m, v in result.ratios.items())
    line = f"{result.case.id + ' ':<{ID_WIDTH}}{result.role:<9}{ratios}"
    return line + "".join(f"\n  model warning: {text}" for text in result.model_warnings)
