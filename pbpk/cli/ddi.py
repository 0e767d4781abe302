"""``pbpk ddi STUDY [--n N] [--seed S] [--json] [--plot F.png] [--csv F.csv]``: simulate a DDI study file."""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks  # noqa: PLR0402 (from pbpk.cli import … is an import cycle)
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError

SEED = 1  # default seed of the virtual population


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``ddi`` command."""
    parser = commands.add_parser("ddi", help="simulate a DDI study file: AUCR and CmaxR, enzyme time course, figure",
                                 parents=[options.json_output(), options.progress()])
    parser.add_argument("study", help="DDI study file, or the id of a bundled study in ddi/")
    parser.add_argument("--n", type=int, default=0, help="virtual subjects for percentiles of the ratios (0: none)")
    parser.add_argument("--seed", type=int, help=f"seed of the virtual population (with --n; default {SEED})")
    parser.add_argument("--plot", help="figure of the victim with and without perpetrators and the enzyme time course")
    parser.add_argument("--csv", help="time course of every compound and enzyme (treatment phase)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """The typical subject's ratios (and with ``--n`` their percentiles), figure and CSV."""
    if args.seed is not None and not args.n:
        raise PbpkInputError("--seed", "", args.seed, "--n N with it (the seed of the virtual population)",
                             "add --n, e.g. --n 100, or leave out --seed")
    checks.check_output_files({"--plot": (args.plot, checks.FIGURE), "--csv": (args.csv, checks.CSV)})
    from pbpk.qualification.studies import (
        arm_metrics,
        load_study,
        population_ratios,
        run_study,
        study_figure,
    )

    study = load_study(args.study)
    result = run_study(study)
    population = population_ratios(study, args.n, seed=SEED if args.seed is None else args.seed,
                                   progress=not args.quiet) if args.n else None
    typical = result.results[0]
    write_figure(lambda path: study_figure(result, path), args.plot)
    if args.csv:
        typical.treatment.data.to_csv(args.csv, index=False)
    metrics = _metrics(study, result, population)
    arms = arm_metrics(result)
    if args.json:
        print_json({
            "study": study.id, "title": study.title, "reference": study.study.reference, "role": result.role,
            **metrics,
            "weighting": {"method": "geometric mean of the arms' ratios weighted by their shares",
                          "text": result.weighting, "shares": {arm["sex"]: arm["share"] for arm in arms}},
            "arms": arms,
            "figure_arm": arms[0]["sex"] if args.plot else None,
            "ignored_interactions": list(result.ignored),
            "files": {"plot": args.plot, "csv": args.csv},
        })
        return 0
    _text(study, result, metrics, arms, population)
    return 0


def _text(study, result, metrics: dict, arms: list[dict], population: dict | None) -> None:
    """The ratios (with their weighting), then each arm's victim AUC and Cmax alone and with the perpetrators."""
    from pbpk.qualification.studies import interval_text

    print(f"{study.title}  [{result.role}]")
    print(f"  ratios: {result.weighting}")
    for metric, entry in metrics.items():
        observed = f"observed {entry['observed']:.3g}" if entry["observed"] is not None else "not observed"
        guest = "" if "within_guest" not in entry else ("  (within Guest limits)" if entry["within_guest"]
                                                         else "  (outside Guest limits)")
        print(f"  {metric:<6} predicted {entry['predicted']:.3g}   {observed}{guest}")
        if population is not None:
            p = population[metric]
            print(f"         virtual population (n={p['n']}): 5 % {p['p5']:.3g}, median {p['p50']:.3g}, "
                  f"95 % {p['p95']:.3g}")
    for arm in arms:
        print(f"  {arm['sex']} {arm['body_weight_kg']:.0f} kg ({100 * arm['share']:.0f} %): victim alone / with "
              "perpetrators")
        for metric, ratio in (("AUC", "AUCR"), ("Cmax", "CmaxR")):
            if metric in arm["victim_alone"]:
                alone, treated = arm["victim_alone"][metric], arm["with_perpetrators"][metric]
                print(f"    {metric:<5}{interval_text(alone['interval']):>12}  {alone['value']:.4g} / {treated['value']:.4g} "
                      f"{alone['unit']}   {ratio} {arm[ratio]:.3g}")
    for text in result.ignored:
        print(f"note: {text}")


def _metrics(study, result, population: dict | None) -> dict:
    """Per ratio: predicted, observed, predicted/observed, Guest verdict and population percentiles."""
    metrics = {}
    for metric, predicted in result.predicted.items():
        entry = {"predicted": predicted, "weighting": result.weighting,
                 "observed": study.observed[metric].value if metric in study.observed else None}
        if metric in study.observed:
            entry["predicted/observed"] = result.ratios[metric]
            entry["within_guest"] = result.within_guest(metric)
        if population is not None:
            entry["population"] = population[metric]
        metrics[metric] = entry
    return metrics
