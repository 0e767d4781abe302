"""Parent parsers shared by the commands (argparse ``parents=``): compound, dosing, population, outputs.

Each function builds a fresh parser, so a command may change a default without touching the others.
"""

from __future__ import annotations

import argparse

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


def individual(*, weight: bool = False) -> argparse.ArgumentParser:
    """``--sex`` (and ``--weight``) of the reference adult."""
    parser = _parent()
    parser.add_argument("--sex", choices=["male", "female"], default="male", help="reference adult (default male)")
    if weight:
        parser.add_argument("--weight", help='body weight, e.g. "60 kg" (default: ICRP 89 reference)')
    return parser


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
