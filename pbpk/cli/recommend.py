"""``pbpk recommend MODEL --data F.csv --target T --doses D --intervals I [options]``: MIPD dose recommendation.

The subject's TDM records are fitted by MAP (``pbpk.mipd.map_estimation``); every (dose, interval,
infusion, loading) option starts one of its own intervals after the last dose, and is ranked by
``pbpk.mipd.recommend.recommend`` (met at the MAP, then the probability of target attainment over
posterior draws, the toxicity probability, the daily dose). The draws are those of the Laplace normal
around the MAP, or exact posterior draws by sampling importance resampling (``--posterior sir``,
``pbpk.mipd.posterior.sir_posterior``); ``--prior-weight`` flattens the prior of the fit, as in
``pbpk map``. The figure shows the best three options at the MAP with the target, and PTA against the
daily dose per interval.
"""

from __future__ import annotations

import argparse
import math
import re

import pbpk.cli.checks as checks  # noqa: PLR0402 - "from pbpk.cli import" would be an import cycle
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError

#: Without ``--count``, each option gives as many doses as cover this many model time units (h).
HORIZON = 48.0
_NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``recommend`` command."""
    parser = commands.add_parser("recommend", help="MAP-Bayesian dose recommendation for an exposure target",
                                 parents=[options.records(), options.json_output(), options.posterior()])
    parser.add_argument("--id", help="the ID to dose (required when the data hold several)")
    parser.add_argument("--target", required=True,
                        help='exposure target, e.g. "AUC24 400-600 mg*h/L", "trough 10-20 mg/L", '
                        '"fT>MIC 100%% MIC 8 mg/L fu 0.8"')
    parser.add_argument("--doses", required=True, help='candidate amounts, e.g. "500-3000 by 250 mg" or "1 g, 1500 mg"')
    parser.add_argument("--intervals", required=True, help='dosing intervals, e.g. "8,12,24 h"')
    parser.add_argument("--infusion", default="0 h", help='infusion durations, e.g. "1,3 h" (default 0: bolus)')
    parser.add_argument("--loading", help='loading (first) dose amounts, e.g. "2000 mg" (default: none)')
    parser.add_argument("--count", type=int, metavar="N",
                        help=f"doses per option (default: as many as cover {HORIZON:g} h for each interval)")
    parser.add_argument("--toxicity", help='a target whose attainment is the harm, e.g. "trough > 20 mg/L"')
    parser.add_argument("--draws", type=int, default=1000, help="posterior draws for PTA (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the posterior draws")
    parser.add_argument("--top", type=int, default=10, help="options printed in the table (default 10)")
    parser.add_argument("--plot", help="write the best options' profiles and the PTA curves to this file")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> dict[str, str]:
    """Options before anything runs; returns the column renames."""
    renames = checks.column_renames(args.rename)
    for option, value, least in (("--draws", args.draws, 50), ("--top", args.top, 1), ("--count", args.count, 1)):
        if value is not None and value < least:
            raise PbpkInputError(option, "", value, f"a number of {least} or more")
    options.check_posterior(args)
    checks.check_output_files({"--plot": (args.plot, checks.FIGURE)})
    return renames


def run(args: argparse.Namespace) -> int:
    """Fit the subject, rank the options, print the table (or JSON), write the figure."""
    renames = check(args)
    import numpy as np

    from pbpk.mipd.map_estimation import estimate
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.posterior import sir_posterior
    from pbpk.mipd.recommend import parse_target, recommend_for
    from pbpk.mipd.recommend_figure import plot_recommendation

    target = _parsed("--target", parse_target, args.target)
    toxicity = None if args.toxicity is None else _parsed("--toxicity", parse_target, args.toxicity)
    model = load_poppk(args.model)
    subject = one_subject(args, model, renames)
    candidates = _options(args, model, subject)
    fit = estimate(model, subject, prior_weight=args.prior_weight)
    sir = None if args.posterior == "laplace" else sir_posterior(model, subject, fit, args.draws, seed=args.seed)
    result = recommend_for(model, subject, fit, target, candidates, draws=None if sir is None else sir.draws,
                           n_draws=args.draws, rng=np.random.default_rng(args.seed), toxicity=toxicity)
    write_figure(lambda path: plot_recommendation(model, subject, fit, result, target, path, toxicity=toxicity),
                 args.plot)
    if args.json:
        print_json(_json(args, model, fit, result, target, sir))
        return 0
    etas = ", ".join(f"{name} {value:.4g}" for name, value in zip(model.eta_names, fit.eta, strict=True))
    verdict = "converged" if fit.converged else "NOT CONVERGED: " + fit.message
    print(f"{model.name}: ID {subject.id} from {args.data}; MAP η: {etas} (OFV {fit.ofv:.4f}, {verdict})")
    draws = "Laplace" if sir is None else f"SIR (effective sample size {sir.effective_sample_size:.0f})"
    weight = "" if args.prior_weight == 1.0 else f", prior weight {args.prior_weight:g}"
    print(f"target {args.target}" + (f", toxicity {args.toxicity}" if toxicity else "")
          + f"; PTA over {args.draws} {draws} posterior draws{weight}; best {min(args.top, len(candidates))} of "
          f"{len(candidates)} options")
    print(_text_table(result.table.head(args.top)))
    return 0


def _parsed(option: str, parse, text: str):
    """``parse(text)``, its input errors naming ``option``."""
    try:
        return parse(text)
    except PbpkInputError as error:
        raise PbpkInputError(option, "", text, error.expected, error.hint) from error


def _durations(option: str, text: str, unit: str) -> list[float]:
    """Durations in ``unit`` from text such as "8,12,24 h" (no unit: ``unit``)."""
    from pbpk.core.units import ureg

    match = re.match(rf"^\s*((?:{_NUMBER}\s*,\s*)*{_NUMBER})\s*([a-zA-Z]+)?\s*$", text)
    if not match:
        raise PbpkInputError(option, "", text, 'durations like "8,12,24 h"')
    try:
        factor = float(ureg.Quantity(1.0, match.group(2) or unit).to(unit).magnitude)
    except Exception as error:  # pint raises several kinds for unknown or incompatible units
        raise PbpkInputError(option, "", text, f"a time unit convertible to {unit}") from error
    return [float(part) * factor for part in match.group(1).split(",")]


def one_subject(args: argparse.Namespace, model, renames: dict[str, str]):
    """The one subject of ``--data``, or the one ``--id`` picks (``pbpk sample-times`` too)."""
    from pbpk.mipd.patient_record import load_subjects

    subjects = load_subjects(args.data, model, rename=renames or None, lloq=args.lloq)
    known = ", ".join(sorted(subjects)[:20])
    if args.id is None and len(subjects) > 1:
        raise PbpkInputError("--id", "", None, f"the ID to dose, since {args.data} holds several: {known}")
    key = args.id if args.id is not None else next(iter(subjects))
    if key not in subjects:
        raise PbpkInputError("--id", "", key, f"an ID of {args.data}: {known}")
    return subjects[key]


def _options(args: argparse.Namespace, model, subject) -> tuple:
    """Every candidate regimen, starting one interval after the subject's last dose (at 0 without doses)."""
    from pbpk.mipd.recommend import parse_amounts, regimens

    amount, time = model.units["amount"], model.units["time"]
    amounts = _parsed("--doses", lambda text: parse_amounts(text, amount), args.doses)
    intervals = _durations("--intervals", args.intervals, time)
    infusions = _durations("--infusion", args.infusion, time)
    loading = (None,) if args.loading is None else tuple(
        _parsed("--loading", lambda text: parse_amounts(text, amount), args.loading))
    if any(interval <= 0 for interval in intervals):
        raise PbpkInputError("--intervals", "", args.intervals, "dosing intervals greater than 0")
    last = max((d.time for d in subject.doses), default=None)
    candidates = []
    for interval in intervals:
        count = args.count or max(1, math.ceil(HORIZON / interval - 1e-9))
        try:
            candidates += regimens(amounts, [interval], count=count, infusions=infusions, loading=loading,
                                   start=0.0 if last is None else None, last_dose=last, unit=amount)
        except PbpkInputError as error:
            raise PbpkInputError("--infusion", "", args.infusion, f"infusions no longer than the interval "
                                 f"({interval:g} {time}) and doses ≥ 0") from error
    return tuple(candidates)


def _json(args: argparse.Namespace, model, fit, result, target, sir) -> dict:
    """Every option, ranked, with its values at the MAP, PTA, toxicity probability and MAP verdict; the posterior
    (``sir``: the SIR draws, None for Laplace draws) and the prior weight."""
    import numpy as np

    def number(value: float) -> float | None:
        return None if value is None or not np.isfinite(value) else float(value)

    amount, time = model.units["amount"], model.units["time"]
    rows = []
    for rank, row in enumerate(result.table.itertuples(index=False), start=1):
        option = result.options[row.option]
        rows.append({"rank": rank, "option": int(row.option), "dose": option.dose, "interval": option.interval,
                     "infusion": option.infusion, "loading": option.loading, "count": option.count,
                     "start": option.start, "daily_dose": option.daily_dose, "value": float(row[6]),
                     "met_at_map": bool(row[7]), "pta": number(row[8]), "p_toxicity": number(row[9])})
    return {"model": model.name, "data": args.data, "id": fit.subject, "target": args.target,
            "kind": target.kind, "toxicity": args.toxicity, "draws": args.draws, "seed": args.seed,
            "posterior": args.posterior, "prior_weight": args.prior_weight,
            "effective_sample_size": None if sir is None else sir.effective_sample_size,
            "fit": {"eta": dict(zip(model.eta_names, fit.eta.tolist(), strict=True)), "ofv": fit.ofv,
                    "converged": fit.converged, "message": fit.message},
            "units": {"dose": amount, "interval": time, "infusion": time, "start": time,
                      "daily_dose": f"{amount}/day", "value": target.value_unit(model)},
            "options": rows, "files": {"plot": args.plot}}


def _text_table(table) -> str:
    """The ranked table as aligned text (units in the headers; empty loading/toxicity columns left out)."""
    table = table.drop(columns="option")
    table = table[[c for c in table.columns if not table[c].isna().all()]]
    header = ["#", *table.columns]
    rows = [[str(rank), *(_cell(value, column in ("PTA", "P(toxicity)")) for value, column in
                          zip(values, table.columns, strict=True))]
            for rank, values in enumerate(table.itertuples(index=False), start=1)]
    widths = [max(len(line[k]) for line in [header, *rows]) for k in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
                     for line in [header, *rows])


def _cell(value, probability: bool) -> str:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if math.isnan(value):
        return "-"
    return f"{value:.3f}" if probability else f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
