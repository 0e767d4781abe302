"""``pbpk pd SPEC [--n N] [--seed S] [--tox-limit P] [--obd-rule R] [--json] [--plot F.png] [--table F.csv]``.

A virtual dose-ranging comparison from a spec file (``pbpk.pd.spec``; a path, or the name of a
bundled example in ``pd_models/``): per dose the exposure percentiles of N virtual patients, the
mean probabilities of response and of toxicity with 95 % Wilson intervals, the maximum tolerated
dose (largest dose up to which every dose has P(toxicity) ≤ the limit) and the optimal biological
dose by the stated rule. ``--table`` writes the per-dose table, ``--plot`` the figure.
"""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks  # noqa: PLR0402 - `from pbpk.cli import` is a cycle through pbpk.cli
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError

N = 1000  # default number of virtual patients
RULE_FORMS = "fraction:F (smallest tolerated dose with P(response) ≥ F × the best) or utility:W (largest P(response) − W·P(toxicity))"


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``pd`` command."""
    parser = commands.add_parser("pd", help="virtual dose-ranging comparison: exposure, P(response) and P(toxicity) "
                                 "per dose, MTD and OBD", parents=[options.json_output()])
    parser.add_argument("spec", help="dose-ranging spec (YAML), or the name of a bundled example in pd_models/")
    parser.add_argument("--n", type=int, help=f"virtual patients per dose (default {N}; the same patients at every dose)")
    parser.add_argument("--seed", type=int, help="random seed of the virtual patients (default 0)")
    parser.add_argument("--tox-limit", type=float, help="toxicity limit of the MTD, a probability in (0, 1] "
                        "(default: the spec's, else 0.33)")
    parser.add_argument("--obd-rule", help="how the OBD is chosen among tolerated doses: fraction:F, e.g. fraction:0.9 "
                        "(smallest dose reaching 90 %% of the best P(response)), or utility:W, e.g. utility:1 "
                        "(largest P(response) − W·P(toxicity)); default: the spec's")
    parser.add_argument("--plot", help="write the figure (probabilities with 95 %% bands, exposures per dose)")
    parser.add_argument("--table", help="write the per-dose table (units in the column names) to this CSV file")
    parser.set_defaults(run=run)


def parse_rule(text: str | None):
    """``fraction:F`` or ``utility:W`` as an :class:`~pbpk.pd.dose_ranging.ObdRule` (None when not given)."""
    if text is None:
        return None
    kind, colon, number = text.partition(":")
    try:
        value = float(number) if colon else None
    except ValueError:
        value = None
    if kind not in ("fraction", "utility") or value is None:
        raise PbpkInputError("--obd-rule", "", text, RULE_FORMS)
    from pbpk.pd.dose_ranging import ObdRule

    try:
        return ObdRule("fraction", fraction=value) if kind == "fraction" else ObdRule("utility", weight=value)
    except PbpkInputError as exc:
        raise PbpkInputError("--obd-rule", "", text, f"{RULE_FORMS}; {exc.expected} for {kind}") from None


def check(args: argparse.Namespace) -> None:
    """Options before anything runs."""
    if args.n is not None and args.n < 1:
        raise PbpkInputError("--n", "", args.n, "a number of virtual patients ≥ 1")
    if args.tox_limit is not None and not 0 < args.tox_limit <= 1:
        raise PbpkInputError("--tox-limit", "", args.tox_limit, "a probability in (0, 1]")
    checks.check_output_files({"--plot": (args.plot, checks.FIGURE), "--table": (args.table, checks.CSV)})


def run(args: argparse.Namespace) -> int:
    """Load the spec, compare the doses, print the table (or JSON), write the table and the figure."""
    check(args)
    rule = parse_rule(args.obd_rule)
    from pbpk.pd.spec import load_spec

    spec = load_spec(args.spec)
    if not spec.simulated:
        for option, value in (("--n", args.n), ("--seed", args.seed)):
            if value is not None:
                raise PbpkInputError(option, "", value, "a spec with a closed-form exposure model (this one reads "
                                     "its exposures from a table, so the patients are given)", f"leave out {option}")
    result = spec.run(N if args.n is None else args.n, 0 if args.seed is None else args.seed,
                      toxicity_limit=args.tox_limit, rule=rule)
    if args.table:
        result.table.to_csv(args.table, index=False)
    write_figure(result.plot, args.plot)
    if args.json:
        print_json({"spec": spec.name, "title": spec.title, "drug": spec.drug, "efficacy": spec.efficacy_endpoint,
                    "toxicity": spec.toxicity_endpoint, **result.summary(),
                    "table": result.table.to_dict("records"), "files": {"plot": args.plot, "table": args.table}})
        return 0
    _print(spec, result)
    return 0


def _print(spec, result) -> None:
    print(f"{spec.title}: N = {result.n} virtual patients per dose")
    print(f"efficacy: {spec.efficacy_endpoint}; toxicity: {spec.toxicity_endpoint}")
    exposure = result.exposure_label
    print(f"{'dose':>8}  {exposure + ' p5 / p50 / p95':<34}{'P(response) [95% CI]':<24}P(toxicity) [95% CI]")
    for row in result.table.itertuples(index=False):
        dose, p5, p50, p95, resp, r_low, r_high, tox, t_low, t_high, tolerated = row[:11]
        mark = "" if tolerated else "  over the limit"
        line = (f"{dose:>6g} {result.dose_unit:<3}{f'{p5:.4g} / {p50:.4g} / {p95:.4g}':<34}"
                f"{f'{resp:.3f} [{r_low:.3f}, {r_high:.3f}]':<24}{f'{tox:.3f} [{t_low:.3f}, {t_high:.3f}]':<24}{mark}")
        print(line.rstrip())
    summary = result.summary()
    if result.mtd is None:
        print(f"MTD: none (the lowest dose has P(toxicity) > {result.toxicity_limit:g}); no OBD")
        return
    reached = "" if result.limit_reached else " (no dose over the limit: the highest dose tested)"
    print(f"MTD: {result.mtd:g} {result.dose_unit}{reached}; rule: {summary['mtd_rule']}")
    print(f"OBD: {result.obd:g} {result.dose_unit}; rule: {summary['obd_rule']}")
    print(f"intervals: {summary['intervals']}")
