"""Command-line interface: ``pbpk <command> ...``.

Commands
--------
``pbpk compound FILE``
    Validate a compound file and print it with units and sources.
``pbpk kp FILE [--method M] [--sex male|female] [--json]``
    Tissue:plasma partition coefficients and the predicted Vss.
``pbpk simulate FILE --dose "5 mg" --route iv|infusion|oral [options]``
    Concentration–time profile, NCA, CSV and figure.
``pbpk model FILE [--equations] [--latex] [--sbml OUT.xml]``
    The generated equations, or the model as SBML with its parameter values.
``pbpk population FILE --population TEXT --n N --dose D [options]``
    A virtual population ("adult: chinese", "pediatric: 0.5-2 y", "pregnancy: week 30",
    "adult: european, CYP2C19 PM"): percentiles of the NCA metrics and of the profile.
``pbpk dose-match FILE --reference TEXT --reference-dose D --target TEXT [--target ...] [options]``
    The dose per kg that gives each target population the median exposure (AUC, Cmax
    or trough) of the reference population on its regimen.
``pbpk ddi-static PERPETRATOR --dose D [--every T --doses N] [--cmax C] [--victim V] [--json]``
    FDA 2020 basic DDI models (R1, R1,gut, R2, R3, transporters) with their cut-offs, and
    the mechanistic static AUC ratio of a victim.
``pbpk ddi STUDY [--n N] [--seed S] [--json] [--plot F.png] [--csv F.csv]``
    Simulate a DDI study file (``ddi/``): victim with and without its perpetrators in one
    coupled model; AUCR and CmaxR against the observed ratios (with ``--n``, percentiles
    over a virtual population of the study's sexes); enzyme time course.
``pbpk validate [--cases GLOB] [--ddi GLOB] [--json] [--report DIR]``
    Simulate the clinical studies in ``validation_cases/`` (and the DDI studies in
    ``ddi/``) and compare with what was observed (predicted/observed per metric, GMFE,
    fractions within 1.25/1.5/2-fold, Guest limits for ratios).
    Exits with status 1 if a metric falls outside the band its case file expects.

FILE is a path, or the name of a bundled compound (``pbpk kp midazolam``).
Bad input exits with status 2 and a one-line message naming file, field, value
and what was expected; no traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence

from pbpk.compound import PARTITION_METHODS, Compound, load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Cited
from pbpk.disposition.distribution import partition_coefficients
from pbpk.physiology import reference_individual, scale_to_weight

EXIT_INPUT_ERROR = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pbpk`` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except PbpkInputError as exc:
        print(f"pbpk: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pbpk", description="Physiologically based pharmacokinetic modelling.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    compound = commands.add_parser("compound", help="validate a compound file and print it with units and sources")
    compound.add_argument("file", help="compound YAML file, or the name of a bundled compound")
    compound.add_argument("--json", action="store_true", help="print JSON")
    compound.set_defaults(run=_run_compound)

    kp = commands.add_parser("kp", help="tissue:plasma partition coefficients and predicted Vss")
    kp.add_argument("file", help="compound YAML file, or the name of a bundled compound")
    kp.add_argument("--method", choices=[m.replace("_", "-") for m in PARTITION_METHODS],
                    help="partition method (default: the compound's partition_method)")
    kp.add_argument("--sex", choices=["male", "female"], default="male", help="reference adult (default male)")
    kp.add_argument("--json", action="store_true", help="print JSON")
    kp.set_defaults(run=_run_kp)

    simulate = commands.add_parser("simulate", help="simulate a dosing regimen; NCA, CSV and figure")
    simulate.add_argument("file", help="compound YAML file, or the name of a bundled compound")
    simulate.add_argument("--dose", required=True, help='dose per administration, e.g. "5 mg" or "0.1 mg/kg"')
    simulate.add_argument("--route", choices=["iv", "infusion", "oral"], default="iv")
    simulate.add_argument("--infusion-time", help='infusion duration, e.g. "1h" (route infusion)')
    simulate.add_argument("--every", help='dosing interval, e.g. "12h"')
    simulate.add_argument("--doses", type=int, default=1, help="number of doses (default 1)")
    simulate.add_argument("--until", help='end of the simulation, e.g. "48h" (default: 5 predicted half-lives)')
    simulate.add_argument("--sex", choices=["male", "female"], default="male")
    simulate.add_argument("--weight", help='body weight, e.g. "60 kg" (default: ICRP 89 reference)')
    simulate.add_argument("--method", choices=["auto", "exact", "general"], default="auto")
    simulate.add_argument("--kinetics", choices=["michaelis_menten", "linear"], default="michaelis_menten")
    simulate.add_argument("--csv", help="write the time course to this CSV file")
    simulate.add_argument("--plot", help="write a profile figure (linear and log scale) to this file")
    simulate.add_argument("--json", action="store_true", help="print JSON")
    simulate.set_defaults(run=_run_simulate)

    model = commands.add_parser("model", help="print the generated equations or export SBML")
    model.add_argument("file", help="compound YAML file, or the name of a bundled compound")
    model.add_argument("--equations", action="store_true", help="print the equations")
    model.add_argument("--latex", action="store_true", help="print the equations as LaTeX")
    model.add_argument("--sbml", help="write the model with its parameter values as SBML to this file")
    model.add_argument("--sex", choices=["male", "female"], default="male")
    model.add_argument("--kinetics", choices=["michaelis_menten", "linear"], default="michaelis_menten")
    model.set_defaults(run=_run_model)

    population = commands.add_parser("population", help="simulate a virtual population; percentiles, CSV, figure")
    population.add_argument("file", help="compound YAML file, or the name of a bundled compound")
    population.add_argument("--population", required=True,
                            help='who: "adult[: chinese|japanese|european, female, CYP2C19 PM]", '
                                 '"pediatric: 0.5-2 y", "pregnancy: week 30"')
    population.add_argument("--n", type=int, default=1000, help="number of subjects (default 1000)")
    population.add_argument("--dose", required=True, help='dose per administration, e.g. "0.1 mg/kg"')
    population.add_argument("--route", choices=["iv", "infusion", "oral"], default="iv")
    population.add_argument("--infusion-time", help='infusion duration, e.g. "1h"')
    population.add_argument("--every", help='dosing interval, e.g. "12h"')
    population.add_argument("--doses", type=int, default=1, help="number of doses (default 1)")
    population.add_argument("--until", help='end of the simulation, e.g. "48h"')
    population.add_argument("--seed", type=int, default=0, help="random seed (same seed, same subjects)")
    population.add_argument("--chunk-size", type=int, default=2000, help="subjects per chunk (default 2000)")
    population.add_argument("--backend", choices=["local", "dask"], default="local")
    population.add_argument("--scheduler", help="dask scheduler address (default: a local cluster)")
    population.add_argument("--kinetics", choices=["michaelis_menten", "linear"], default="michaelis_menten")
    population.add_argument("--summary", help="write the metric percentiles to this CSV file")
    population.add_argument("--subjects", help="write covariates and metrics per subject to this CSV file")
    population.add_argument("--plot", help="write the percentile-band figure to this file")
    population.add_argument("--json", action="store_true", help="print JSON (percentiles of each metric with units)")
    population.add_argument("--quiet", action="store_true", help="no progress bar")
    population.set_defaults(run=_run_population)

    match = commands.add_parser("dose-match", help="doses that match a reference exposure in target populations")
    match.add_argument("file", help="compound YAML file, or the name of a bundled compound")
    match.add_argument("--reference", default="adult", help='reference population (default "adult")')
    match.add_argument("--reference-dose", required=True, help='reference dose, e.g. "1000 mg" or "15 mg/kg"')
    match.add_argument("--target", action="append", required=True,
                       help='a target population, e.g. "pediatric: 2-6 y" (repeat for several bands)')
    match.add_argument("--metric", choices=["AUC", "Cmax", "Ctrough"], default="AUC")
    match.add_argument("--route", choices=["iv", "infusion", "oral"], default="iv")
    match.add_argument("--infusion-time", help='infusion duration, e.g. "1h"')
    match.add_argument("--every", help='dosing interval, e.g. "12h" (metrics then at steady state)')
    match.add_argument("--doses", type=int, default=1, help="number of doses (default 1)")
    match.add_argument("--n", type=int, default=500, help="subjects per population (default 500)")
    match.add_argument("--seed", type=int, default=0)
    match.add_argument("--kinetics", choices=["michaelis_menten", "linear"], default="michaelis_menten")
    match.add_argument("--csv", help="write the table to this CSV file")
    match.add_argument("--json", action="store_true", help="print JSON")
    match.set_defaults(run=_run_dose_match)

    static = commands.add_parser("ddi-static", help="static DDI screens (FDA 2020 basic models, mechanistic static)")
    static.add_argument("file", help="perpetrator compound file, or the name of a bundled compound")
    static.add_argument("--dose", required=True, help='perpetrator dose, e.g. "200 mg"')
    static.add_argument("--route", choices=["iv", "infusion", "oral"], default="oral")
    static.add_argument("--infusion-time", help='infusion duration, e.g. "1h"')
    static.add_argument("--every", help='dosing interval, e.g. "24h" (Cmax at steady state)')
    static.add_argument("--doses", type=int, default=1)
    static.add_argument("--cmax", help='perpetrator total Cmax instead of simulating it, e.g. "2.1 mg/L"')
    static.add_argument("--victim", help="victim compound for the mechanistic static AUC ratio (oral victim)")
    static.add_argument("--enzyme", help="enzyme for the mechanistic static model (if several are shared)")
    static.add_argument("--json", action="store_true", help="print JSON")
    static.set_defaults(run=_run_ddi_static)

    ddi = commands.add_parser("ddi", help="simulate a DDI study file: AUCR and CmaxR, enzyme time course, figure")
    ddi.add_argument("study", help="DDI study file, or the id of a bundled study in ddi/")
    ddi.add_argument("--n", type=int, default=0, help="virtual subjects for percentiles of the ratios (0: none)")
    ddi.add_argument("--seed", type=int, default=1, help="seed of the virtual population")
    ddi.add_argument("--json", action="store_true", help="print JSON")
    ddi.add_argument("--plot", help="figure of the victim with and without perpetrators and the enzyme time course")
    ddi.add_argument("--csv", help="time course of every compound and enzyme (treatment phase)")
    ddi.set_defaults(run=_run_ddi)

    validate = commands.add_parser("validate", help="simulate the clinical studies in validation_cases/ and "
                                                    "compare with the observations")
    validate.add_argument("--cases", help="glob of case ids (e.g. 'midazolam-*'), a case file, or a folder of "
                                          "case files; default: every bundled case")
    validate.add_argument("--ddi", metavar="GLOB", help="glob of DDI study ids (e.g. 'rifampicin-*'), a study file or "
                                                       "a folder. With --cases or --ddi only those run; without "
                                                       "either, every bundled case and DDI study")
    validate.add_argument("--json", action="store_true", help="print JSON, ending with the summary of test cases")
    validate.add_argument("--report", metavar="DIR", help="write report.md, report.html and figures into DIR")
    validate.set_defaults(run=_run_validate)
    return parser


def _run_population(args: argparse.Namespace) -> int:
    from pbpk.populations.run import PERCENTILES, simulate_virtual_population

    compound = load_compound(args.file)
    result = simulate_virtual_population(
        compound, args.population, args.n, dose=args.dose, route=args.route, infusion_time=args.infusion_time,
        every=args.every, doses=args.doses, until=args.until, seed=args.seed, chunk_size=args.chunk_size,
        backend=args.backend, scheduler=args.scheduler, kinetics=args.kinetics, progress=not args.quiet,
        keep_profiles=False,
    )
    summary = result.summary()
    if args.summary:
        summary.to_csv(args.summary, index=False)
    if args.subjects:
        result.subjects.to_csv(args.subjects, index=False)
    if args.plot:
        import matplotlib.pyplot as plt

        plt.close(result.plot(args.plot))
    if args.json:
        print(json.dumps({
            "compound": compound.name, "population": args.population, "n": result.n, "seed": result.seed,
            "failed": result.failed, "method": result.method, "seconds": round(result.seconds, 3),
            "metrics": {row["metric"]: {"unit": row["unit"], "n": int(row["n"]),
                                        **{f"P{p:g}": row[f"P{p:g}"] for p in PERCENTILES}}
                        for row in summary.to_dict("records")},
            "files": {"summary": args.summary, "subjects": args.subjects, "plot": args.plot},
        }, indent=2))
        return 0
    print(f"{compound.name}: {args.dose} {args.route} in {result.n} subjects of \"{args.population}\" "
          f"({result.method} solver, {result.seconds:.1f} s; {result.failed} failed)")
    width = max([12] + [len(row["metric"]) + 1 for _, row in summary.iterrows()])
    print(f"  {'metric':<{width}}{'unit':<9}" + "".join(f"{f'P{p:g}':>12}" for p in PERCENTILES))
    for row in summary.to_dict("records"):
        print(f"  {row['metric']:<{width}}{row['unit']:<9}" + "".join(f"{row[f'P{p:g}']:>12.4g}" for p in PERCENTILES))
    return 0


def _run_dose_match(args: argparse.Namespace) -> int:
    from pbpk.populations.dose_matching import match_doses

    table = match_doses(load_compound(args.file), args.reference, args.reference_dose, args.target,
                        route=args.route, infusion_time=args.infusion_time, every=args.every, doses=args.doses,
                        metric=args.metric, n=args.n, seed=args.seed, kinetics=args.kinetics)
    if args.csv:
        table.to_csv(args.csv, index=False)
    unit = {"AUC": "mg*h/L", "Cmax": "mg/L", "Ctrough": "mg/L"}[args.metric]
    if args.json:
        print(json.dumps({"metric": args.metric, "unit": unit, "rows": table.to_dict("records")}, indent=2))
        return 0
    print(f"{args.metric} [{unit}] matched to the median of \"{args.reference}\" on {args.reference_dose}"
          + (f" every {args.every} x {args.doses} (steady state, last interval)" if args.every else ""))
    print(f"  {'population':<28}{'mg/kg':>9}{'kg':>8}{'mg':>10}{'P5':>11}{'P50':>11}{'P95':>11}")
    for row in table.to_dict("records"):
        print(f"  {row['population']:<28}{row['dose [mg/kg]']:>9.3g}{row['median weight [kg]']:>8.1f}"
              f"{row['dose at median weight [mg]']:>10.4g}{row['P5']:>11.4g}{row['P50']:>11.4g}{row['P95']:>11.4g}")
    return 0


def _run_ddi_static(args: argparse.Namespace) -> int:
    from pbpk.ddi.static import basic_screens, exposure, given_cmax, mechanistic_static
    from pbpk.simulation.dosing import as_regimen

    perpetrator = load_compound(args.file)
    regimen = as_regimen(None, args.dose, args.route, args.infusion_time, args.every, args.doses, where="ddi-static")
    levels = exposure(perpetrator, regimen, cmax=given_cmax(args.cmax))
    screens = basic_screens(perpetrator, levels)
    prediction = mechanistic_static(perpetrator, load_compound(args.victim), levels, args.enzyme) \
        if args.victim else None
    if args.json:
        print(json.dumps({
            "perpetrator": perpetrator.name,
            "exposure": {"Imax": {"value": levels.cmax, "unit": "umol/L"},
                         "Imax_u": {"value": levels.cmax_u, "unit": "umol/L"},
                         "Igut": {"value": levels.gut, "unit": "umol/L"},
                         "I_hepatic_inlet_u": {"value": levels.hepatic_inlet_u, "unit": "umol/L"},
                         "I_enterocyte": {"value": levels.enterocyte, "unit": "umol/L"},
                         "notes": list(levels.notes)},
            "basic_models": [{"target": s.target, "model": s.model, "value": s.value, "cutoff": s.cutoff,
                              "flagged": s.flagged} for s in screens],
            "mechanistic_static": None if prediction is None else {
                "victim": prediction.victim, "enzyme": prediction.enzyme, "fm": prediction.fm, "Fg": prediction.fg,
                "AUCR": prediction.aucr, "AUCR_liver": prediction.hepatic_ratio, "AUCR_gut": prediction.gut_ratio},
        }, indent=2))
        return 0
    print(f"{perpetrator.name}: Imax {levels.cmax:.4g} umol/L (unbound {levels.cmax_u:.4g}), Igut {levels.gut:.4g} umol/L")
    for note in levels.notes:
        print(f"  note: {note}")
    for s in screens:
        verdict = "evaluate clinically" if s.flagged else "below cut-off"
        print(f"  {s.target:<9}{s.model:<26}{s.value:>10.4g}   cut-off {s.cutoff:g}: {verdict}")
    if prediction is not None:
        print(f"  mechanistic static AUC ratio of oral {prediction.victim} ({prediction.enzyme}, fm {prediction.fm:.2f}, "
              f"Fg {prediction.fg:.2f}): {prediction.aucr:.3g} (liver {prediction.hepatic_ratio:.3g}, "
              f"gut {prediction.gut_ratio:.3g})")
    return 0


def _run_ddi(args: argparse.Namespace) -> int:
    from pbpk.qualification.studies import load_study, population_ratios, run_study

    study = load_study(args.study)
    result = run_study(study)
    population = population_ratios(study, args.n, seed=args.seed) if args.n else None
    typical = result.results[0]
    if args.plot:
        import matplotlib.pyplot as plt

        plt.close(typical.plot(args.plot))
    if args.csv:
        typical.treatment.data.to_csv(args.csv, index=False)
    metrics = {}
    for metric, predicted in result.predicted.items():
        entry = {"predicted": predicted,
                 "observed": study.observed[metric].value if metric in study.observed else None}
        if metric in study.observed:
            entry["predicted/observed"] = result.ratios[metric]
            entry["within_guest"] = result.within_guest(metric)
        if population is not None:
            entry["population"] = population[metric]
        metrics[metric] = entry
    if args.json:
        print(json.dumps({
            "study": study.id, "title": study.title, "reference": study.study.reference, "role": result.role,
            **metrics,
            "ignored_interactions": list(result.ignored),
            "files": {"plot": args.plot, "csv": args.csv},
        }, indent=2))
        return 0
    print(f"{study.title}  [{result.role}]")
    for metric, entry in metrics.items():
        observed = f"observed {entry['observed']:.3g}" if entry["observed"] is not None else "not observed"
        guest = "" if "within_guest" not in entry else ("  (within Guest limits)" if entry["within_guest"]
                                                         else "  (outside Guest limits)")
        print(f"  {metric:<6} predicted {entry['predicted']:.3g}   {observed}{guest}")
        if population is not None:
            p = population[metric]
            print(f"         virtual population (n={p['n']}): 5 % {p['p5']:.3g}, median {p['p50']:.3g}, "
                  f"95 % {p['p95']:.3g}")
    for text in result.ignored:
        print(f"note: {text}")
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    from pbpk.qualification.age_trend import age_trends
    from pbpk.qualification.cases import (
        POPULATION_GROUPS,
        fold_label,
        load_cases,
        run_case,
        summarise,
    )

    cases = load_cases(args.cases) if args.cases is not None or args.ddi is None else []
    results = []
    for case in cases:
        results.append(run_case(case))
        if not args.json:
            print(_case_line(results[-1]), flush=True)
    ddi_results = []
    if args.ddi is not None or args.cases is None:
        from pbpk.qualification.studies import (
            load_studies,
            run_study,
            summarise_studies,
        )

        for study in load_studies(args.ddi):
            ddi_results.append(run_study(study))
            if not args.json:
                print(_study_line(ddi_results[-1]), flush=True)
    regressions = [f"{r.case.id}: {text}" for r in results for text in r.regressions]
    regressions += [f"{r.study.id}: {text}" for r in ddi_results for text in r.regressions]
    test, training = summarise(results, "test"), summarise(results, "training")
    ddi_test = summarise_studies(ddi_results, "test") if ddi_results else {}
    ddi_training = summarise_studies(ddi_results, "training") if ddi_results else {}
    by_group = {group: summarise(results, "test", group) for group in POPULATION_GROUPS}
    trends = age_trends(results)
    if args.report:
        from pbpk.qualification.report import write_report

        written = write_report(results, args.report, ddi_results)
    if args.json:
        print(json.dumps({
            "cases": [{"id": r.case.id, "compound": r.case.compound, "role": r.role, "file": r.case.file,
                       "reference": r.case.study.reference,
                       "metrics": {m: {"observed": r.observed[m], "predicted": r.predicted[m], "unit": r.units[m],
                                       "ratio": r.ratios[m], "expected_within": r.case.expected_within.get(m)}
                                   for m in r.observed}} for r in results],
            "regressions": regressions,
            "report": str(written) if args.report else None,
            "training_summary": training,
            "summary_by_population": {group: summary for group, summary in by_group.items() if summary},
            "age_trends": [{"compound": t.compound, "unit": "mL/min/kg", "follows": t.follows(),
                            "adult": {"observed": t.adult_observed, "predicted": t.adult_predicted,
                                      "cases": t.adult_cases},
                            "groups": [{"case": g.case_id, "postnatal_age_years": g.postnatal_age_years,
                                        "gestational_age_weeks": g.gestational_age_weeks, "observed": g.observed,
                                        "predicted": g.predicted, "age_scaling_error": t.scaling_error(g)}
                                       for g in t.groups]} for t in trends],
            "ddi_studies": [{"id": r.study.id, "role": r.role, "file": r.study.file,
                             "reference": r.study.study.reference,
                             "ratios": {m: {"observed": r.observed[m], "predicted": r.predicted[m],
                                            "predicted/observed": r.ratios[m], "within_guest": r.within_guest(m)}
                                        for m in r.observed}} for r in ddi_results],
            "ddi_training_summary": ddi_training,
            "ddi_summary": ddi_test,
            "summary": test,
        }, indent=2))
    else:
        groups = [(f"{group} test cases", summary) for group, summary in by_group.items() if summary]
        for title, summary in [("all test cases", test), *(groups if len(groups) > 1 else []),
                               ("training cases", training), ("DDI test studies", ddi_test),
                               ("DDI training studies", ddi_training)]:
            if not summary:
                continue
            print(f"\n{title}: metric, cases, GMFE, within 1.25 / 1.5 / 2-fold (Guest limits for ratios)")
            for metric, s in summary.items():
                guest = f"   ({100 * s['within_guest']:.0f} % Guest)" if "within_guest" in s else ""
                count = s.get("n_cases", s.get("n_studies"))
                print(f"  {metric:<13}{count:>4d}{s['gmfe']:>7.2f}   " + " / ".join(
                    f"{100 * s[fold_label(fold)]:3.0f} %" for fold in (1.25, 1.5, 2.0)) + guest)
        if trends:
            print("\npediatric CL per kg against adults (age-scaling error = predicted/observed child-to-adult "
                  "change; trend followed within 2-fold):")
            for t in trends:
                errors = ", ".join(f"{g.label} {t.scaling_error(g):.2f}" for g in t.groups)
                print(f"  {t.compound:<13}{'follows' if t.follows() else 'off trend':<11}{errors}")
        if args.report:
            print(f"\nreport: {written}")
        for line in regressions:
            print(f"regression: {line}", file=sys.stderr)
    return 1 if regressions else 0


def _study_line(result) -> str:
    ratios = "  ".join(f"{m} {result.predicted[m]:.2f}/{result.observed[m]:.2f}"
                       + ("" if result.within_guest(m) else "*") for m in result.observed)
    return f"{result.study.id:<52}{result.role:<9}{ratios}"


def _case_line(result) -> str:
    ratios = "  ".join(f"{m} {v:.2f}" + ("" if result.within(m, 2.0) else "*") for m, v in result.ratios.items())
    return f"{result.case.id:<52}{result.role:<9}{ratios}"


def _run_compound(args: argparse.Namespace) -> int:
    compound = load_compound(args.file)
    if args.json:
        print(json.dumps(_compound_json(compound), indent=2))
    else:
        print(_compound_text(compound))
    return 0


def _run_kp(args: argparse.Namespace) -> int:
    compound = load_compound(args.file)
    individual = reference_individual(args.sex)
    result = partition_coefficients(compound, individual, args.method)
    if args.json:
        print(json.dumps({
            "method": result.method,
            "Kp": {tissue: round(value, 6) for tissue, value in result.kp.items()},
            "Vss": {"value": round(result.vss.to("L").magnitude, 4), "unit": "L"},
            "Vss_per_kg": {"value": round((result.vss / individual.body_weight).to("L/kg").magnitude, 4),
                           "unit": "L/kg"},
            "blood_plasma_ratio": round(result.blood_plasma_ratio, 4),
            "individual": f"ICRP 89 reference adult {args.sex}",
            "origin": dict(result.origin),
            "warnings": list(result.warnings),
        }, indent=2))
        return 0
    print(f"{compound.name}: tissue:plasma partition coefficients, method {result.method}")
    print(f"individual: ICRP 89 reference adult {args.sex}, {individual.body_weight.to('kg').magnitude:g} kg")
    print(f"{'tissue':<14}{'Kp':>10}{'Kpu':>12}{'volume [L]':>12}")
    for tissue, value in result.kp.items():
        volume = individual.tissues[tissue].volume.to("L").magnitude
        print(f"{tissue:<14}{value:>10.3f}{result.kpu[tissue]:>12.3f}{volume:>12.3f}")
    vss = result.vss.to("L").magnitude
    per_kg = vss / individual.body_weight.to("kg").magnitude
    print(f"B:P = {result.blood_plasma_ratio:.3f}; Vss = {vss:.1f} L ({per_kg:.2f} L/kg)")
    for warning in result.warnings:
        print(f"note: {warning}")
    return 0


def _individual(args: argparse.Namespace):
    individual = reference_individual(args.sex)
    if getattr(args, "weight", None):
        individual = scale_to_weight(individual, args.weight)
    return individual


def _run_simulate(args: argparse.Namespace) -> int:
    from pbpk.simulation.simulate import simulate

    compound = load_compound(args.file)
    individual = _individual(args)
    if args.route == "infusion" and not args.infusion_time:
        raise PbpkInputError("--infusion-time", "infusion-time", None, 'a duration for --route infusion, e.g. "1h"')
    simulation = simulate(compound, individual, dose=args.dose, route=args.route, infusion_time=args.infusion_time,
                          every=args.every, doses=args.doses, until=args.until, method=args.method,
                          kinetics=args.kinetics)
    if not simulation.status.ok:
        raise PbpkInputError(compound.file, "simulation", simulation.status.code, "a solved simulation",
                             simulation.status.message)
    nca = simulation.nca()
    if args.csv:
        simulation.data.to_csv(args.csv, index=False)
    if args.plot:
        import matplotlib.pyplot as plt

        plt.close(simulation.plot(args.plot))
    if args.json:
        print(json.dumps({
            "compound": compound.name,
            "individual": {"sex": individual.sex, "body_weight": {"value": individual.body_weight.to("kg").magnitude,
                                                                  "unit": "kg"}},
            "regimen": {"dose": args.dose, "route": args.route, "doses": args.doses, "every": args.every,
                        "infusion_time": args.infusion_time},
            "method": simulation.method,
            "solver": {"status": simulation.status.message, "steps": simulation.status.steps},
            "nca": nca.as_dict(),
            "warnings": list(simulation.warnings),
            "files": {"csv": args.csv, "plot": args.plot},
        }, indent=2))
        return 0
    print(f"{compound.name}: {args.dose} {args.route}"
          + (f" every {args.every} x {args.doses}" if args.doses > 1 else "")
          + f" in a {individual.sex} of {individual.body_weight.to('kg').magnitude:g} kg ({simulation.method} solver)")
    for name, entry in nca.as_dict().items():
        if isinstance(entry, dict):
            print(f"  {name:<22}{entry['value']:>14.5g} {entry['unit']}")
    for warning in simulation.warnings:
        print(f"note: {warning}")
    return 0


def _run_model(args: argparse.Namespace) -> int:
    from pbpk.model.parameters import parameter_vector
    from pbpk.simulation.simulate import model_for

    compound = load_compound(args.file)
    individual = _individual(args)
    model = model_for(compound, individual, kinetics=args.kinetics)
    if args.sbml:
        from pbpk.model.sbml import write_sbml

        write_sbml(model, parameter_vector(model, compound, individual), args.sbml)
        print(f"wrote {args.sbml}: {len(model.states)} species, {len(model.parameters)} parameters")
    if args.equations or args.latex or not args.sbml:
        print(model.equations(latex=args.latex))
    return 0


# -- compound rendering -----------------------------------------------------------------------------
def _value_text(value: object) -> str:
    if hasattr(value, "units"):
        return f"{value.magnitude:g} {value.units:~P}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _cited_line(label: str, cited: Cited | None) -> str:
    if cited is None:
        return f"  {label}: -"
    fitted = f"  [fitted to {cited.fitted_to}]" if cited.fitted_to else ""
    return f"  {label}: {_value_text(cited.value)}{fitted}\n      source: {cited.source}"


def _compound_text(c: Compound) -> str:
    lines = [f"{c.name}  ({c.file})", _cited_line("molecular weight", c.molecular_weight)]
    if c.logP is not None:
        lines.append(_cited_line("logP", c.logP))
    if c.logD74 is not None:
        lines.append(_cited_line("logD7.4", c.logD74) + f"\n      (logP of the neutral species derived: {c.log_p:.2f})")
    for pka in c.pka:
        lines.append(f"  pKa: {pka.value:g} ({pka.kind})\n      source: {pka.source}")
    lines.append(_cited_line("fu in plasma", c.fu_plasma) + f"\n      binding protein: {c.binding_protein}")
    if c.blood_plasma_ratio is not None:
        lines.append(_cited_line("blood:plasma ratio", c.blood_plasma_ratio))
    else:
        lines.append(f"  blood:plasma ratio: predicted ({c.blood_plasma_method})")
    lines.append(f"  partition method: {c.partition_method}")
    for pathway in c.clearance.hepatic:
        if pathway.clint is not None:
            kinetics = f"CLint {_value_text(pathway.clint)}"
        else:
            kinetics = f"Vmax {_value_text(pathway.vmax)}, Km {_value_text(pathway.km)}"
        extra = f", fu_inc {pathway.fu_inc:g}" if pathway.system != "in_vivo" else ""
        extra += f", ISEF {pathway.isef:g}" if pathway.isef is not None else ""
        fitted = f"  [fitted to {pathway.fitted_to}]" if pathway.fitted_to else ""
        if pathway.metabolite is not None:
            extra += f", forms {pathway.metabolite.compound} (fraction {pathway.metabolite.fraction:g})"
        lines.append(f"  hepatic {pathway.enzyme} ({pathway.system}): {kinetics}{extra}{fitted}\n"
                     f"      source: {pathway.source}")
    renal = c.clearance.renal
    if renal is not None:
        secretion = f", secretion CL,u {_value_text(renal.secretion)}" if renal.secretion is not None else ""
        fitted = f"  [fitted to {renal.fitted_to}]" if renal.fitted_to else ""
        reabsorption = ", passive reabsorption against urine flow" if renal.reabsorption == "urine_flow" else ""
        lines.append(f"  renal: filtration {'yes' if renal.filtration else 'no'} (fraction {renal.gfr_fraction:g}"
                     f"{reabsorption})"
                     f"{secretion}{fitted}\n      source: {renal.source}")
    biliary = c.clearance.biliary
    if biliary is not None:
        fitted = f"  [fitted to {biliary.fitted_to}]" if biliary.fitted_to else ""
        lines.append(f"  biliary: CLint,u {_value_text(biliary.clint_unbound)}{fitted}\n      source: {biliary.source}")
    absorption = c.absorption
    if absorption is not None:
        parts = [f"model {absorption.model}"]
        for name in ("ka", "fa", "fg", "permeability", "solubility"):
            value = getattr(absorption, name)
            if value is not None:
                parts.append(f"{name} {_value_text(value)}")
        if absorption.solubility_ph is not None:
            parts[-1] += f" @ pH {absorption.solubility_ph:g}"
        lines.append(f"  absorption: {', '.join(parts)}\n      source: {absorption.source}")
    for interaction in c.interactions:
        constants = ", ".join(
            f"{label} {_value_text(getattr(interaction, name))}"
            for name, label in (("ki_u", "Ki,u"), ("alpha", "alpha"), ("kinact", "kinact"), ("KI_u", "KI,u"),
                                ("emax", "Emax"), ("ec50_u", "EC50,u"))
            if getattr(interaction, name) is not None
        )
        lines.append(f"  interaction with {interaction.target}: {interaction.type}, {constants}\n"
                     f"      source: {interaction.source}")
    for tissue, kp in c.measured_kp.items():
        lines.append(_cited_line(f"measured Kp {tissue}", kp))
    for binding in c.specific_binding:
        lines.append(f"  specific binding in {binding.tissue} to {binding.target}: Bmax {_value_text(binding.bmax)}, "
                     f"Kd {_value_text(binding.kd)}\n      source: {binding.source}")
    if c.fitted_values:
        lines.append("  fitted to clinical data (list these in a validation case of the same study):")
        lines += [f"    {name}: {study}" for name, study in c.fitted_values.items()]
    return "\n".join(lines)


def _json_value(value: object) -> object:
    if dataclasses.is_dataclass(value):
        return {key: _json_value(item) for key, item in vars(value).items() if item is not None}
    if hasattr(value, "units"):
        return {"value": float(value.magnitude), "unit": f"{value.units:~}"}
    return value


def _cited_json(cited: Cited | None) -> object:
    if cited is None:
        return None
    out = {"value": _json_value(cited.value), "source": cited.source}
    if cited.fitted_to:
        out["fitted_to"] = cited.fitted_to
    return out


def _compound_json(c: Compound) -> dict:
    def record(obj) -> dict:
        return {key: _json_value(value) for key, value in vars(obj).items() if value is not None}

    return {
        "name": c.name,
        "file": c.file,
        "molecular_weight": _cited_json(c.molecular_weight),
        "logP": _cited_json(c.logP),
        "logD7.4": _cited_json(c.logD74),
        "log_p_neutral": c.log_p,
        "pKa": [record(p) for p in c.pka],
        "fu_plasma": _cited_json(c.fu_plasma),
        "binding_protein": c.binding_protein,
        "blood_plasma_ratio": _cited_json(c.blood_plasma_ratio) or {"method": c.blood_plasma_method},
        "partition_method": c.partition_method,
        "clearance": {
            "hepatic": [record(p) for p in c.clearance.hepatic],
            "renal": record(c.clearance.renal) if c.clearance.renal else None,
            "biliary": record(c.clearance.biliary) if c.clearance.biliary else None,
        },
        "absorption": record(c.absorption) if c.absorption else None,
        "interactions": [record(i) for i in c.interactions],
        "measured_kp": {tissue: _cited_json(kp) for tissue, kp in c.measured_kp.items()},
        "specific_binding": [record(b) for b in c.specific_binding],
        "fitted_values": c.fitted_values,
    }


if __name__ == "__main__":
    sys.exit(main())
