"""Parent parsers shared by the commands (argparse ``parents=``): compound, dosing, population, outputs.

Each function builds a fresh parser, so a command may change a default without touching the others.
"""

from __future__ import annotations

import argparse

from pbpk.core.errors import PbpkInputError

ROUTES = ("iv", "infusion", "oral")
KINETICS = ("michaelis_menten", "linear")


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


def compound_file(help: str = "compound YAML file, or the name of a bundled compound") -> argparse.ArgumentParser:
    """The positional compound FILE."""
    parser = _parent()
    parser.add_argument("file", help=help)
    return parser


def json_output() -> argparse.ArgumentParser:
    """``--json``."""
    parser = _parent()
    parser.add_argument("--json", action="store_true", help="print JSON")
    return parser


def observed() -> argparse.ArgumentParser:
    """``--observed`` data drawn over the ``--plot`` figure, and ``--observed-unit``."""
    parser = _parent()
    parser.add_argument("--observed", metavar="FILE",
                        help="CSV of observed levels (time [h], concentration, optional spread) drawn on the --plot "
                             "figure; the unit in the header, 'concentration [ng/mL]', or with --observed-unit")
    parser.add_argument("--observed-unit", metavar="UNIT", help="concentration unit of --observed, e.g. ng/mL")
    return parser


def check_observed(args: argparse.Namespace) -> None:
    """``--observed`` needs ``--plot`` to be drawn on; ``--observed-unit`` needs ``--observed``."""
    if args.observed is None and args.observed_unit is not None:
        raise PbpkInputError("command line", "--observed-unit", args.observed_unit, "--observed FILE with it")
    if args.observed is not None and args.plot is None:
        raise PbpkInputError("command line", "--observed", args.observed, "--plot FILE to draw the observed data on")


def read_observed(args: argparse.Namespace):
    """The ``--observed`` file as an :class:`pbpk.simulation.observed.ObservedProfile` (None without one)."""
    if args.observed is None:
        return None
    from pbpk.simulation.observed import read_observed as read

    return read(args.observed, args.observed_unit)


def individual(*, patient: bool = False) -> argparse.ArgumentParser:
    """``--sex`` of the reference adult; with ``patient``, the covariates of :func:`pbpk.physiology.patient.patient`."""
    parser = _parent()
    parser.add_argument("--sex", choices=["male", "female"], default="male", help="sex (default male)")
    if patient:
        group = parser.add_argument_group("patient covariates (default: the ICRP 89 reference adult, 35 y)")
        group.add_argument("--age", help='age, e.g. "78y" or "6 mo" (children below 18 y)')
        group.add_argument("--height", help='height, e.g. "165cm" (default: reference height)')
        group.add_argument("--weight", help='body weight, e.g. "95kg" (default: reference BMI at the height)')
        group.add_argument("--scr", help='serum creatinine with unit, e.g. "2.1 mg/dL" or "186 umol/L"')
        group.add_argument("--cystatin-c", help='serum cystatin C, e.g. "1.4 mg/L" (with --scr: CKD-EPI 2021 cr-cys)')
        group.add_argument("--crcl", help='creatinine clearance used as the GFR, e.g. "35 mL/min"')
        group.add_argument("--egfr", help='eGFR per 1.73 m², e.g. "28 mL/min/1.73m^2"')
        group.add_argument("--gfr", help='measured GFR, e.g. "40 mL/min"')
        group.add_argument("--renal-equation", help="equation for --scr: ckd-epi-2021 (adults' default), "
                           "cockcroft-gault, mdrd or schwartz (children's default)")
        group.add_argument("--crcl-weight", default="total",
                           help="weight in Cockcroft-Gault: total (default), ideal, adjusted or lean")
        group.add_argument("--dialysis", action="store_true", help="dialysis-dependent kidney failure (with a GFR)")
        group.add_argument("--child-pugh", help="liver cirrhosis of Child-Pugh class A, B or C")
        group.add_argument("--gestational-age", help='a child\'s gestational age at birth, e.g. "29 week" (default '
                           "term, 40 weeks; a preterm infant needs --weight until term-equivalent age)")
        group.add_argument("--ontogeny", metavar="SET", help="a child's enzyme ontogeny set (names in "
                           "physiology_db/ontogeny.yaml; default: its default set)")
    return parser


def check_ontogeny(value: str | None) -> None:
    """``--ontogeny`` names a set of ``physiology_db/ontogeny.yaml`` (None: the default)."""
    from pbpk.physiology.ontogeny import ontogeny_set_name

    if value is not None:
        ontogeny_set_name(value, where="--ontogeny", field="")


def kinetics() -> argparse.ArgumentParser:
    """``--kinetics`` of the hepatic pathways."""
    parser = _parent()
    parser.add_argument("--kinetics", choices=KINETICS, default="michaelis_menten")
    return parser


def dosing(*, dose: bool = True, route: str = "iv",
           every: str = 'dosing interval between repeated doses, e.g. "12h" (with --doses 2 or more)'
           ) -> argparse.ArgumentParser:
    """``--dose --route --infusion-time --every --doses`` (checked by :func:`pbpk.cli.checks.check_regimen`)."""
    parser = _parent()
    if dose:
        parser.add_argument("--dose", required=True, help='dose per administration, e.g. "5 mg" or "0.1 mg/kg"')
    parser.add_argument("--route", choices=ROUTES, default=route, help=f"route of administration (default {route})")
    parser.add_argument("--infusion-time", help='infusion duration, e.g. "1h" (with --route infusion)')
    parser.add_argument("--every", help=every)
    parser.add_argument("--doses", type=int, default=1, help="number of doses (default 1)")
    return parser


def population(n: int) -> argparse.ArgumentParser:
    """``--n`` subjects and ``--seed`` of a virtual population."""
    parser = _parent()
    parser.add_argument("--n", type=int, default=n, help=f"number of subjects (default {n})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same subjects)")
    return parser


def progress() -> argparse.ArgumentParser:
    """``--quiet``: no progress bar on stderr."""
    parser = _parent()
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def records(lloq_note: str = "censored (M3)") -> argparse.ArgumentParser:
    """A population MODEL and its NONMEM-style ``--data`` with ``--rename`` and ``--lloq``
    (read by :func:`pbpk.cli.checks.column_renames` and ``pbpk.mipd.records.read_records``)."""
    parser = _parent()
    parser.add_argument("model", help="a population model: a name of poppk_models/ or a model file")
    parser.add_argument("--data", required=True, help="NONMEM-style CSV records (ID TIME AMT RATE DV EVID MDV CMT …)")
    parser.add_argument("--rename", action="append", default=[], metavar="COLUMN=NAME",
                        help='read a data column under another name, e.g. "AMT_mg=AMT" (repeatable)')
    parser.add_argument("--lloq", type=float, help="lower limit of quantification for samples without one "
                        f"(the analyte's unit): samples below it are {lloq_note}")
    return parser


def posterior() -> argparse.ArgumentParser:
    """``--posterior laplace|sir`` and ``--prior-weight W`` of a MAP fit (checked by :func:`check_posterior`)."""
    parser = _parent()
    parser.add_argument("--posterior", choices=["laplace", "sir"], default="laplace",
                        help="posterior draws: the Laplace normal around the MAP (default), or sampling importance "
                             "resampling of the exact posterior")
    parser.add_argument("--prior-weight", type=float, default=1.0,
                        help="weight w of the prior, 0 < w <= 1: Ω/w, a flattened prior (default 1)")
    return parser


def check_posterior(args: argparse.Namespace) -> None:
    """The options of :func:`posterior` agree: 0 < w ≤ 1, and SIR (of the unweighted posterior) with w = 1."""
    if not 0 < args.prior_weight <= 1:
        raise PbpkInputError("--prior-weight", "", args.prior_weight, "a weight 0 < w <= 1")
    if args.posterior == "sir" and args.prior_weight != 1.0:
        raise PbpkInputError("--posterior", "", "sir", "--prior-weight 1 with SIR (it samples the unweighted "
                             "posterior)", "leave out --prior-weight, or use --posterior laplace")
