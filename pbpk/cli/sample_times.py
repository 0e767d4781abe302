"""``pbpk sample-times MODEL --data F --regimen R --candidates C [--n N] [options]``: optimal TDM sample times.

The patient (a NONMEM-style CSV or a YAML/JSON patient record, as ``pbpk map`` reads) is fitted by MAP on its
samples so far; without samples its posterior is the population prior. The regimen to be sampled starts one of
its intervals after the record's last dose (at 0 without doses), as the options of ``pbpk recommend`` do, and the
candidate times count from its first dose. ``pbpk.mipd.sampling_design.patient_times`` picks the N candidate
times that optimise the criterion under the patient's current posterior: D (log det of the Bayesian information
of every η) or c:PARAM (the expected posterior variance of log PARAM). The output gives the expected posterior SD
of log PARAM (≈ its CV), or of each η, now and after the samples, and the criterion of a trough alone, of a peak
and trough and of the last N candidates; the figure the predicted profile with its 90 % band and the chosen
times, and the criterion of one sample against its time.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import NamedTuple

import pbpk.cli.checks as checks  # noqa: PLR0402 - "from pbpk.cli import" would be an import cycle
import pbpk.cli.options as options  # noqa: PLR0402
from pbpk.cli.recommend import one_subject
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError

#: Most candidate times (each is one solve per η and finite-difference point).
MAX_CANDIDATES = 2000
_NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?"
_REGIMEN = re.compile(rf"^(?P<dose>{_NUMBER})\s*(?P<dose_unit>[a-zµ]+)\s+every\s+(?P<every>{_NUMBER})\s*"
                      rf"(?P<every_unit>[a-z]+)(?:\s+infusion\s+(?P<infusion>{_NUMBER})\s*(?P<infusion_unit>[a-z]+))?"
                      rf"(?:\s+[x×]\s*(?P<count>\d+))?$", re.IGNORECASE)
_RANGE = re.compile(rf"^({_NUMBER})\s*(?:-|–|to)\s*({_NUMBER})\s+by\s+({_NUMBER})\s*([a-z]+)?$", re.IGNORECASE)
_LIST = re.compile(rf"^((?:{_NUMBER}\s*,\s*)*{_NUMBER})\s*([a-z]+)?$", re.IGNORECASE)


class Plan(NamedTuple):
    """The checked options: dose (its unit), interval, infusion and candidates in h, count, criterion, parameter."""

    dose: float
    dose_unit: str
    interval: float
    infusion: float
    count: int | None
    candidates: list[float]
    criterion: str
    parameter: str | None


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``sample-times`` command."""
    parser = commands.add_parser("sample-times", help="optimal TDM sample times under the patient's posterior",
                                 parents=[options.records(), options.json_output()])
    parser.add_argument("--id", help="the patient's ID (required when the data hold several)")
    parser.add_argument("--regimen", required=True,
                        help='the regimen to sample, "DOSE every INTERVAL [infusion DURATION] [x COUNT]", e.g. '
                             '"1000 mg every 12 h infusion 1 h x 4"; it starts one interval after the last dose of '
                             "--data (at 0 without doses); without x COUNT, as many doses as fall before the last "
                             "candidate time")
    parser.add_argument("--candidates", required=True,
                        help='candidate sample times after the first dose of --regimen, e.g. "0.5-24 by 0.5 h" '
                             'or "1, 11.5, 12 h" (no unit: h)')
    parser.add_argument("--n", type=int, default=2, help="number of samples to take (default 2)")
    parser.add_argument("--criterion", default="D",
                        help="D (default): log det of the Bayesian information of every η; or c:PARAM, the expected "
                             "posterior variance of log PARAM, e.g. c:CL (the clearance drives an AUC target)")
    parser.add_argument("--plot", help="write the profile with its 90 %% band and the chosen times, and the "
                                       "criterion of one sample against its time, to this file")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> tuple[dict[str, str], Plan]:
    """Options before anything runs; returns the column renames and the parsed plan."""
    renames = checks.column_renames(args.rename)
    criterion, parameter = _criterion(args.criterion)
    dose, dose_unit, interval, infusion, count = _regimen(args.regimen)
    candidates = _candidates(args.candidates)
    if not 1 <= args.n <= len(candidates):
        raise PbpkInputError("--n", "", args.n, f"a number of samples from 1 to {len(candidates)}, the number of "
                             "distinct --candidates")
    checks.check_output_files({"--plot": (args.plot, checks.FIGURE)})
    return renames, Plan(dose, dose_unit, interval, infusion, count, candidates, criterion, parameter)


def run(args: argparse.Namespace) -> int:
    """Fit the patient's samples, choose the times, print them with the reference designs (or JSON), plot."""
    renames, plan = check(args)
    from pbpk.mipd.map_estimation import estimate
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.sampling_design import patient_times, reference_designs
    from pbpk.mipd.sampling_figure import plot_design

    model = load_poppk(args.model)
    subject = one_subject(args, model, renames)
    fit = estimate(model, subject) if subject.times.size else None
    regimen = _regimen_for(plan, model, subject)
    doses = regimen.doses()
    factor = _to_model_time(model)
    candidates = [regimen.start + t * factor for t in plan.candidates]
    references = reference_designs(doses, candidates) | {f"last {args.n}": candidates[-args.n:]}
    try:
        design = patient_times(model, subject, doses, candidates, args.n, estimate=fit, criterion=plan.criterion,
                               parameter=plan.parameter, references=references)
    except PbpkInputError as error:
        option = {"candidates": "--candidates", "count": "--n", "parameter": "--criterion"}.get(error.where)
        if option is None:
            raise
        raise PbpkInputError(option, "", getattr(args, option[2:]), error.expected, error.hint) from error
    write_figure(lambda path: plot_design(model, subject, fit, doses, design, path, start=regimen.start), args.plot)
    if args.json:
        print_json(_json(args, model, subject, fit, regimen, design))
    else:
        _print(args, model, subject, fit, regimen, design)
    return 0


def _criterion(text: str) -> tuple[str, str | None]:
    """("D", None) or ("c", PARAM) from --criterion."""
    clean = text.strip()
    if clean.upper() == "D":
        return "D", None
    kind, colon, parameter = clean.partition(":")
    if kind.lower() != "c" or not colon or not re.fullmatch(r"[A-Za-z_]\w*", parameter.strip()):
        raise PbpkInputError("--criterion", "", text, 'D, or c:PARAM with a parameter of the model, e.g. "c:CL"')
    return "c", parameter.strip()


def _hours(option: str, text: str, value: float, unit: str) -> float:
    """``value`` ``unit`` in h, refused unless a time."""
    from pbpk.core.units import ureg

    try:
        return float(ureg.Quantity(value, unit).to("h").magnitude)
    except Exception as error:  # pint raises several kinds for unknown or incompatible units
        raise PbpkInputError(option, "", text, f"a time unit, e.g. h or min (got {unit!r})") from error


def _regimen(text: str) -> tuple[float, str, float, float, int | None]:
    """(dose, its unit, interval h, infusion h, count or None) of --regimen."""
    from pbpk.core.units import ureg

    match = _REGIMEN.match(" ".join(text.strip().split()))
    if not match:
        raise PbpkInputError("--regimen", "", text, '"DOSE every INTERVAL [infusion DURATION] [x COUNT]", e.g. '
                             '"1000 mg every 12 h infusion 1 h x 4"')
    unit = match["dose_unit"]
    try:
        amount = ureg.Quantity(1.0, unit)
        known = amount.check("[mass]") or amount.check("[substance]")
    except Exception:  # noqa: BLE001 - pint raises several unrelated types for bad unit text
        known = False
    if not known:
        raise PbpkInputError("--regimen", "", text, f"a dose in a mass or amount unit, e.g. mg or µmol (got {unit!r})")
    interval = _hours("--regimen", text, float(match["every"]), match["every_unit"])
    infusion = 0.0 if match["infusion"] is None else _hours("--regimen", text, float(match["infusion"]),
                                                            match["infusion_unit"])
    count = None if match["count"] is None else int(match["count"])
    if interval <= 0 or infusion > interval or count == 0:
        raise PbpkInputError("--regimen", "", text, "an interval > 0, an infusion no longer than it and x 1 or more")
    return float(match["dose"]), unit, interval, infusion, count


def _candidates(text: str) -> list[float]:
    """The distinct candidate times of --candidates, in h after the first dose of the regimen, increasing."""
    clean = " ".join(text.strip().split())
    expected = 'times ≥ 0 like "0.5-24 by 0.5 h" or "1, 11.5, 12 h"'
    if match := _RANGE.match(clean):
        low, high, step = (float(match[k]) for k in (1, 2, 3))
        if step <= 0 or high < low or (high - low) / step >= MAX_CANDIDATES:
            raise PbpkInputError("--candidates", "", text, f"{expected}: low-high by a step > 0, at most "
                                 f"{MAX_CANDIDATES} times")
        values, unit = [low + k * step for k in range(int((high - low) / step + 1e-9) + 1)], match[4]
    elif match := _LIST.match(clean):
        values, unit = [float(part) for part in match[1].split(",")], match[2]
    else:
        raise PbpkInputError("--candidates", "", text, expected)
    factor = _hours("--candidates", text, 1.0, unit or "h")
    times = sorted({round(value * factor, 9) for value in values})
    if len(times) > MAX_CANDIDATES:
        raise PbpkInputError("--candidates", "", text, f"at most {MAX_CANDIDATES} times")
    return times


def _to_model_time(model) -> float:
    """Hours in the model's time unit."""
    from pbpk.core.units import ureg

    return float(ureg.Quantity(1.0, "h").to(model.units["time"]).magnitude)


def _regimen_for(plan: Plan, model, subject):
    """The regimen in the model's units, one interval after the subject's last dose (at 0 without doses)."""
    from pbpk.core.units import ureg
    from pbpk.mipd.recommend import Regimen

    amount = model.units["amount"]
    try:
        dose = float(ureg.Quantity(plan.dose, plan.dose_unit).to(amount).magnitude)
    except Exception as error:  # pint: a mass for a model in µmol (no molar mass here)
        raise PbpkInputError("--regimen", "", f"{plan.dose:g} {plan.dose_unit}",
                             f"a dose convertible to {amount}, the unit of {model.name}") from error
    factor = _to_model_time(model)
    interval, infusion = plan.interval * factor, plan.infusion * factor
    last = max((d.time for d in subject.doses), default=None)
    count = plan.count or max(1, math.ceil(plan.candidates[-1] * factor / interval - 1e-9))
    return Regimen(dose, interval, count, 0.0 if last is None else last + interval, infusion,
                   compartment=model.structure.dose_compartments[0])


def _designs(design) -> dict:
    """The optimal design first, then the reference designs (``DesignValue`` by name)."""
    from pbpk.mipd.sampling_design import DesignValue

    return {"optimal": DesignValue(design.times, design.value, design.eta_sd, design.parameter_sd),
            **design.references}


def _json(args: argparse.Namespace, model, subject, fit, regimen, design) -> dict:
    """The chosen and reference designs (times after the first new dose and on the record's clock), the SDs now."""
    start = regimen.start
    fitted = None if fit is None else {"eta": dict(zip(model.eta_names, fit.eta.tolist(), strict=True)),
                                       "ofv": fit.ofv, "converged": fit.converged, "message": fit.message}
    return {"model": model.name, "data": args.data, "id": subject.id,
            "posterior": "population prior" if fit is None else "Laplace (MAP fit)", "fit": fitted,
            "regimen": {"dose": regimen.dose, "interval": regimen.interval, "infusion": regimen.infusion,
                        "count": regimen.count, "start": start},
            "criterion": design.criterion, "parameter": design.parameter, "search": design.search,
            "now": {"value": design.prior_value, "eta_sd": design.prior_sd, "parameter_sd": design.prior_parameter_sd},
            "designs": [{"name": name, "times": [t - start for t in value.times], "clock_times": list(value.times),
                         "value": value.value, "eta_sd": value.eta_sd, "parameter_sd": value.parameter_sd}
                        for name, value in _designs(design).items()],
            "single_sample": {"times": [t - start for t in design.candidates], "values": list(design.single_values)},
            "units": {"time": model.units["time"], "dose": model.units["amount"]},
            "times_after": "the first dose of the regimen", "files": {"plot": args.plot}}


def _print(args: argparse.Namespace, model, subject, fit, regimen, design) -> None:
    """The fit, the regimen, the chosen times, the SDs now and after, and the table of designs."""
    time, start = model.units["time"], regimen.start
    if fit is None:
        print(f"{model.name}: ID {subject.id} from {args.data}; no samples yet: the population prior (η = 0, Ω)")
    else:
        etas = ", ".join(f"{name} {value:.4g}" for name, value in zip(model.eta_names, fit.eta, strict=True))
        verdict = "converged" if fit.converged else "NOT CONVERGED: " + fit.message
        print(f"{model.name}: ID {subject.id} from {args.data}; MAP η from {subject.times.size} sample(s): {etas} "
              f"(OFV {fit.ofv:.4f}, {verdict}); its Laplace posterior")
    infusion = f", infused over {regimen.infusion:g} {time}" if regimen.infusion else ""
    print(f"regimen: {regimen.count} dose(s) of {regimen.dose:g} {model.units['amount']} every {regimen.interval:g} "
          f"{time}{infusion}, the first at {start:g} {time}")
    what = ("D: log det of the Bayesian information of every η (larger is better)" if design.criterion == "D" else
            f"c: the expected posterior variance of log {design.parameter} (smaller is better)")
    print(f"criterion {what}; {len(design.candidates)} candidate times, {design.search} search")
    chosen = ", ".join(f"{t - start:g}" for t in design.times)
    clock = ", ".join(f"{t:g}" for t in design.times)
    print(f"best {len(design.times)} sample time(s): {chosen} {time} after the first new dose ({clock} {time} on the "
          "record's clock)")
    if design.parameter is not None:
        print(f"expected SD of log {design.parameter} (≈ its CV): {design.prior_parameter_sd:.3g} now → "
              f"{design.parameter_sd:.3g} with these samples")
    else:
        print("expected SD of each η (≈ the CV of its parameter): " + ", ".join(
            f"{name} {design.prior_sd[name]:.3g} → {sd:.3g}" for name, sd in design.eta_sd.items()))
    print(_table(design, start, time))


def _table(design, start: float, time: str) -> str:
    """The designs as aligned text: times after the first new dose, criterion, expected SDs."""
    sds = [f"SD log {design.parameter}"] if design.parameter else [f"SD {name}" for name in design.eta_sd]
    header = ["design", f"times after the first new dose ({time})", "log det M" if design.criterion == "D" else
              f"var log {design.parameter}", *sds]
    rows = [header, ["now (no new sample)", "-", f"{design.prior_value:.4g}",
                     *([f"{design.prior_parameter_sd:.3g}"] if design.parameter else
                       [f"{sd:.3g}" for sd in design.prior_sd.values()])]]
    for name, value in _designs(design).items():
        rows.append([name, ", ".join(f"{t - start:g}" for t in value.times), f"{value.value:.4g}",
                     *([f"{value.parameter_sd:.3g}"] if design.parameter else
                       [f"{sd:.3g}" for sd in value.eta_sd.values()])])
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) if k < 2 else cell.rjust(width)
                               for k, (cell, width) in enumerate(zip(row, widths, strict=True))) for row in rows)
