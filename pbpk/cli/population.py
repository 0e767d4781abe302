"""``pbpk population FILE --population TEXT --n N --dose D [options]``: a virtual population's percentiles."""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks
import pbpk.cli.options as options
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``population`` command."""
    parser = commands.add_parser("population", help="simulate a virtual population; percentiles, CSV, figure",
                                 parents=[options.compound_file(), options.dosing(), options.population(1000),
                                          options.kinetics(), options.json_output(), options.progress(),
                                          options.observed()])
    parser.add_argument("--population", required=True,
                        help='who: "adult[: chinese|japanese|european, female, CYP2C19 PM]", '
                             '"pediatric: 0.5-2 y", "pregnancy: week 30"')
    parser.add_argument("--until", help='end of the simulation, e.g. "48h"')
    parser.add_argument("--chunk-size", type=int, default=2000, help="subjects per chunk (default 2000)")
    parser.add_argument("--backend", choices=["local", "dask"], default="local")
    parser.add_argument("--scheduler", help="dask scheduler address (with --backend dask; default: a local cluster)")
    parser.add_argument("--summary", help="write the metric percentiles to this CSV file")
    parser.add_argument("--subjects", help="write covariates and metrics per subject to this CSV file")
    parser.add_argument("--plot", help="write the percentile-band figure to this file")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> None:
    """Regimen, backend and output files, before anything runs."""
    checks.check_regimen(args)
    if args.scheduler is not None and args.backend != "dask":
        raise PbpkInputError("--scheduler", "", args.scheduler, "--backend dask with a scheduler address",
                             "add --backend dask, or leave out --scheduler")
    checks.check_output_files({"--summary": (args.summary, checks.CSV), "--subjects": (args.subjects, checks.CSV),
                               "--plot": (args.plot, checks.FIGURE)})


def run(args: argparse.Namespace) -> int:
    """Simulate the population (progress on stderr), write the files, print the percentiles."""
    check(args)
    options.check_observed(args)
    from pbpk.compound import load_compound
    from pbpk.populations.run import simulate_virtual_population

    compound = load_compound(args.file)
    observed = options.read_observed(args)
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
    write_figure(lambda path: result.plot(path, observed=observed), args.plot)
    if args.json:
        print_json(_json(args, compound.name, result, summary))
    else:
        _text(args, compound.name, result, summary)
    return 0


def _json(args: argparse.Namespace, name: str, result, summary) -> dict:
    from pbpk.populations.run import PERCENTILES

    return {
        "compound": name, "population": args.population, "n": result.n, "seed": result.seed,
        "failed": result.failed, "method": result.method, "seconds": round(result.seconds, 3),
        "metrics": {row["metric"]: {"unit": row["unit"], "n": int(row["n"]),
                                    **{f"P{p:g}": row[f"P{p:g}"] for p in PERCENTILES}}
                    for row in summary.to_dict("records")},
        "files": {"summary": args.summary, "subjects": args.subjects, "plot": args.plot},
    }


def _text(args: argparse.Namespace, name: str, result, summary) -> None:
    from pbpk.populations.run import PERCENTILES

    print(f"{name}: {args.dose} {args.route} in {result.n} subjects of \"{args.population}\" "
          f"({result.method} solver, {result.seconds:.1f} s; {result.failed} failed)")
    width = max([12] + [len(row["metric"]) + 1 for _, row in summary.iterrows()])
    columns = [f"P{p:g}" for p in PERCENTILES] + ["mean", "geometric_mean"]
    print(f"  {'metric':<{width}}{'unit':<9}" + "".join(f"{c.replace('geometric_mean', 'geo. mean'):>12}"
                                                     for c in columns))
    for row in summary.to_dict("records"):
        print(f"  {row['metric']:<{width}}{row['unit']:<9}" + "".join(f"{row[c]:>12.4g}" for c in columns))
