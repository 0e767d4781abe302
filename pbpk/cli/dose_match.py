"""``pbpk dose-match FILE --reference-dose D --target TEXT [--target ...] [options]``: exposure-matched doses."""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks
import pbpk.cli.options as options
from pbpk.cli.render import print_json

UNITS = {"AUC": "mg*h/L", "Cmax": "mg/L", "Ctrough": "mg/L"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``dose-match`` command."""
    every = 'dosing interval, e.g. "12h" (metrics then over the last interval, at steady state)'
    parser = commands.add_parser("dose-match", help="doses that match a reference exposure in target populations",
                                 parents=[options.compound_file(), options.dosing(dose=False, every=every),
                                          options.population(500), options.kinetics(), options.json_output(),
                                          options.progress()])
    parser.add_argument("--reference", default="adult", help='reference population (default "adult")')
    parser.add_argument("--reference-dose", required=True, help='reference dose, e.g. "1000 mg" or "15 mg/kg"')
    parser.add_argument("--target", action="append", required=True,
                        help='a target population, e.g. "pediatric: 2-6 y" (repeat for several bands)')
    parser.add_argument("--metric", choices=list(UNITS), default="AUC")
    parser.add_argument("--csv", help="write the table to this CSV file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Match the doses (progress on stderr), write the CSV, print the table."""
    checks.check_regimen(args, interval_alone=True)  # one dose with --every: metrics over that interval
    checks.check_output_file("--csv", args.csv, checks.CSV)
    from pbpk.compound import load_compound
    from pbpk.populations.dose_matching import match_doses

    table = match_doses(load_compound(args.file), args.reference, args.reference_dose, args.target,
                        route=args.route, infusion_time=args.infusion_time, every=args.every, doses=args.doses,
                        metric=args.metric, n=args.n, seed=args.seed, kinetics=args.kinetics,
                        progress=not args.quiet)
    if args.csv:
        table.to_csv(args.csv, index=False)
    unit = UNITS[args.metric]
    if args.json:
        print_json({"metric": args.metric, "unit": unit, "rows": table.to_dict("records")})
        return 0
    print(f"{args.metric} [{unit}] matched to the median of \"{args.reference}\" on {args.reference_dose}"
          + (f" every {args.every} x {args.doses} (steady state, last interval)" if args.every else ""))
    print(f"  {'population':<28}{'mg/kg':>9}{'kg':>8}{'mg':>10}{'P5':>11}{'P50':>11}{'P95':>11}")
    for row in table.to_dict("records"):
        print(f"  {row['population']:<28}{row['dose [mg/kg]']:>9.3g}{row['median weight [kg]']:>8.1f}"
              f"{row['dose at median weight [mg]']:>10.4g}{row['P5']:>11.4g}{row['P50']:>11.4g}{row['P95']:>11.4g}")
    return 0
