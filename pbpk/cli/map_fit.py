"""``pbpk map MODEL --data F.csv [--id ID] [--json] [--plot F.png]``: MAP-Bayesian fits of TDM samples.

MODEL is a population model of ``poppk_models/`` (by name) or a model file; the data are
NONMEM-style records (``pbpk.mipd.records``). Each subject gets its η, individual
parameters with 90 % intervals (Laplace posterior, or SIR), the objective and whether it
converged; the figure shows the fits with their credible bands.
"""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks  # noqa: PLR0402 - "from pbpk.cli import" would be an import cycle
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``map`` command."""
    parser = commands.add_parser("map", help="MAP-Bayesian estimation of individual parameters from TDM samples",
                                 parents=[options.records(), options.json_output(), options.posterior()])
    parser.add_argument("--id", action="append", default=[], help="fit only this ID (repeatable)")
    parser.add_argument("--draws", type=int, default=300, help="posterior draws for intervals and bands")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the posterior draws")
    parser.add_argument("--plot", help="write the fits with their 90 %% credible bands to this file")
    parser.add_argument("--log", action="store_true", help="concentrations on a log scale in the figure")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> dict[str, str]:
    """Options before anything runs; returns the column renames."""
    renames = checks.column_renames(args.rename)
    if args.draws < 50:
        raise PbpkInputError("--draws", "", args.draws, "at least 50 posterior draws")
    options.check_posterior(args)
    checks.check_output_files({"--plot": (args.plot, checks.FIGURE)})
    return renames


def run(args: argparse.Namespace) -> int:
    """Read the records, fit each subject, print the table (or JSON), write the figure."""
    renames = check(args)
    from pbpk.mipd.fit_figure import plot_fits
    from pbpk.mipd.fit_summary import (
        fit_summary,
        parameter_unit,
        sample_predictions,
        standard_errors,
    )
    from pbpk.mipd.map_estimation import estimate
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.patient_record import load_subjects
    from pbpk.mipd.posterior import laplace_posterior, sir_posterior

    model = load_poppk(args.model)
    subjects = list(load_subjects(args.data, model, rename=renames or None, lloq=args.lloq).values())
    if args.id:
        known = {s.id for s in subjects}
        missing = [i for i in args.id if i not in known]
        if missing:
            raise PbpkInputError("--id", "", missing[0], f"an ID of {args.data}: " + ", ".join(sorted(known)[:20]))
        subjects = [s for s in subjects if s.id in args.id]
    fits = [estimate(model, subject, prior_weight=args.prior_weight) for subject in subjects]
    if args.posterior == "sir":
        posteriors = [sir_posterior(model, s, fit, args.draws, seed=args.seed) for s, fit in zip(subjects, fits,
                                                                                                  strict=True)]
    else:
        posteriors = [laplace_posterior(fit, args.draws, args.seed) for fit in fits]
    intervals = [p.parameter_intervals(model, s) for p, s in zip(posteriors, subjects, strict=True)]
    write_figure(lambda path: plot_fits(model, subjects, posteriors, path, log_scale=args.log), args.plot)
    if args.json:
        print_json({"model": model.name, "data": args.data, "subjects": [
            {**fit_summary(model, fit, posterior, table), "samples": sample_predictions(model, subject, fit)}
            for subject, fit, table, posterior in zip(subjects, fits, intervals, posteriors, strict=True)],
            "files": {"plot": args.plot}})
        return 0
    method = "Laplace posterior" if args.posterior == "laplace" else "SIR posterior"
    weight = "" if args.prior_weight == 1.0 else f", prior weight {args.prior_weight:g}"
    print(f"{model.name}: MAP fits of {len(fits)} subject(s) from {args.data} (90 % intervals, {method}, "
          f"{args.draws} draws{weight})")
    for fit, table in zip(fits, intervals, strict=True):
        etas = ", ".join(f"{name} {value:.4g} (SE {se:.3g})"
                         for name, value, se in zip(model.eta_names, fit.eta, standard_errors(fit), strict=True))
        print(f"\nID {fit.subject}: OFV {fit.ofv:.4f}, {'converged' if fit.converged else 'NOT CONVERGED: ' + fit.message}")
        print(f"  η: {etas}")
        for row in table.itertuples(index=False):
            print(f"  {row[0]:<6}{row[1]:>12.5g}  [{row[2]:.5g}, {row[3]:.5g}]  {parameter_unit(row[0], model)}")
    return 0

