"""``pbpk trial SPEC [--n N] [--seed S] [--backend local|dask] [--json] [--report DIR]``: a dosing-strategy trial.

SPEC is a trial spec (``docs/trial-format.md``), or the name of a bundled one in ``trials/`` (``pbpk trial
cefepime``). Every strategy doses the same virtual patients; the table gives, per stratum and strategy, the
probability of target attainment with 95 % Wilson intervals, the toxicity probabilities and the median trough;
``--report DIR`` writes report.md (every table), patients.csv (one row per patient and strategy) and trial.png.
"""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks  # noqa: PLR0402 - `from pbpk.cli import` is a cycle through pbpk.cli
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json
from pbpk.core.errors import PbpkInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``trial`` command."""
    parser = commands.add_parser("trial", help="dosing-strategy virtual trial: PTA, troughs and toxicity by stratum",
                                 parents=[options.json_output(), options.progress()])
    parser.add_argument("spec", help="trial spec (YAML), or the name of a bundled one in trials/")
    parser.add_argument("--n", type=int, help="virtual patients (default: the spec's)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the virtual patients (default 0)")
    parser.add_argument("--backend", choices=["local", "dask"], default="local",
                        help="where the chunks of patients run (default local; dask: dask.distributed)")
    parser.add_argument("--scheduler", help="dask scheduler address (with --backend dask; default: a local cluster)")
    parser.add_argument("--report", metavar="DIR", help="write report.md, patients.csv and trial.png into DIR")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> None:
    """Options before anything runs."""
    if args.n is not None and args.n < 1:
        raise PbpkInputError("--n", "", args.n, "a number of virtual patients ≥ 1")
    if args.scheduler is not None and args.backend != "dask":
        raise PbpkInputError("--scheduler", "", args.scheduler, "--backend dask with a scheduler address")
    checks.check_report_folder("--report", args.report)


def run(args: argparse.Namespace) -> int:
    """Run the trial, print the summary (or JSON), write the report."""
    check(args)
    from pbpk.mipd.trial import run_trial
    from pbpk.mipd.trial_report import summary_lines, write_report
    from pbpk.mipd.trial_spec import load_trial

    spec = load_trial(args.spec)
    result = run_trial(spec, n=args.n, seed=args.seed, backend=args.backend, scheduler=args.scheduler,
                       progress=not args.quiet)
    files = write_report(result, args.report) if args.report else {}
    if args.json:
        print_json({"trial": spec.name, "title": spec.title, "n": result.n, "seed": result.seed,
                    "truth": spec.truth.name, "clinician": spec.clinician.name, "dose_number": spec.dose_number,
                    "failed_fits": result.failed_fits,
                    "attainment": result.attainment.to_dict("records"), "toxicity": result.toxicity.to_dict("records"),
                    "exposures": result.exposures.to_dict("records"), "nnt": result.nnt.to_dict("records"),
                    "files": files})
        return 0
    print("\n".join(summary_lines(result)))
    return 0
