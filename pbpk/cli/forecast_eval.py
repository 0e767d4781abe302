"""``pbpk forecast-eval MODEL --data F.csv [--steps N] [--json] [--plot F.png] [--table F.csv]``: forecasting.

MODEL is a population model of ``poppk_models/`` (by name) or a model file; the data are
NONMEM-style records (``pbpk.mipd.records``). Each uncensored sample is forecast from the samples
before it (a priori, then after 1, 2, … samples; MAP fits on the records up to the last fitted
sample, covariates carried forward, no future data: ``pbpk.mipd.forecasting``); the summary gives per
step n, MPE, MAPE, RMSE, relative RMSE, P20 and P30. ``--table`` writes the forecasts (one row per
sample), ``--plot`` the predicted-vs-observed panels with the MAPE and P20 per step.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pbpk.cli.checks as checks  # noqa: PLR0402 - `from pbpk.cli import` is a cycle through pbpk.cli
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``forecast-eval`` command."""
    parser = commands.add_parser("forecast-eval", help="forecasting evaluation of a population prior on TDM data "
                                 "(a priori, then after 1, 2, … samples)",
                                 parents=[options.records("censored (M3 in the fits, not forecast)"), options.json_output()])
    parser.add_argument("--steps", type=int, help="forecast only from at most this many samples (default: all)")
    parser.add_argument("--plot", help="write predicted vs observed per step and MAPE/P20 per step to this file")
    parser.add_argument("--table", help="write the forecasts (one row per sample) to this CSV file")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> dict[str, str]:
    """Options before anything runs; returns the column renames."""
    renames = checks.column_renames(args.rename)
    if args.steps is not None and args.steps < 0:
        raise PbpkInputError("--steps", "", args.steps, "a number of samples ≥ 0")
    checks.check_output_files({"--plot": (args.plot, checks.FIGURE), "--table": (args.table, checks.CSV)})
    return renames


def run(args: argparse.Namespace) -> int:
    """Read the records, forecast each sample, print the summary (or JSON), write the table and figure."""
    renames = check(args)
    from pbpk.mipd.forecast_figure import plot_forecasts, step_label
    from pbpk.mipd.forecasting import forecast, summary
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.patient_record import load_subjects

    model = load_poppk(args.model)
    subjects = load_subjects(args.data, model, rename=renames or None, lloq=args.lloq)
    table = forecast(model, subjects, steps=args.steps)
    metrics = summary(table)
    unit = model.analytes["parent"]
    if args.table:
        table.to_csv(args.table, index=False)
    title = f"{model.name}: forecasting evaluation on {Path(args.data).name}"
    write_figure(lambda path: plot_forecasts(table, path, unit=unit, title=title), args.plot)
    if args.json:
        print_json({"model": model.name, "data": args.data, "unit": unit, "subjects": len(subjects),
                    "forecasts": len(table), "not_converged": int((~table["converged"]).sum()),
                    "summary": metrics.to_dict("records"), "files": {"plot": args.plot, "table": args.table}})
        return 0
    print(f"{model.name}: forecasting evaluation on {args.data}: {len(table)} forecast(s) of {len(subjects)} "
          f"subject(s); each sample predicted from the samples before it")
    rmse = f"RMSE {unit}"
    print(f"{'step':<20}{'n':>5}{'MPE %':>9}{'MAPE %':>9}{rmse:>16}{'rRMSE %':>9}{'P20 %':>8}{'P30 %':>8}")
    for row in metrics.itertuples(index=False):
        print(f"{step_label(row.step):<20}{row.n:>5}{row.MPE:>9.1f}{row.MAPE:>9.1f}{row.RMSE:>16.4g}"
              f"{row.relative_RMSE:>9.1f}{row.P20:>8.0f}{row.P30:>8.0f}")
    failed = int((~table["converged"]).sum())
    if failed:
        print(f"{failed} forecast(s) from a MAP fit that did not converge")
    return 0
