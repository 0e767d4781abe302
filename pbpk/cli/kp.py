"""``pbpk kp FILE [--method M] [--sex male|female] [--json]``: partition coefficients and the predicted Vss."""

from __future__ import annotations

import argparse

import pbpk.cli.options as options
from pbpk.cli.render import print_json

#: ``pbpk.compound.PARTITION_METHODS`` as written on the command line (listed here so ``--help`` needs no pint;
#: tests/cli check that the two agree).
METHODS = ("rodgers-rowland", "poulin-theil", "berezhkovskiy", "schmitt")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``kp`` command."""
    parser = commands.add_parser("kp", help="tissue:plasma partition coefficients and predicted Vss",
                                 parents=[options.compound_file(), options.individual(), options.json_output()])
    parser.add_argument("--method", choices=METHODS, help="partition method (default: the compound's partition_method)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Kp per tissue, B:P and Vss in the ICRP 89 reference adult."""
    from pbpk.compound import load_compound
    from pbpk.disposition.distribution import partition_coefficients
    from pbpk.physiology import reference_individual

    compound = load_compound(args.file)
    individual = reference_individual(args.sex)
    result = partition_coefficients(compound, individual, args.method)
    if args.json:
        print_json({
            "method": result.method,
            "Kp": {tissue: round(value, 6) for tissue, value in result.kp.items()},
            "Vss": {"value": round(result.vss.to("L").magnitude, 4), "unit": "L"},
            "Vss_per_kg": {"value": round((result.vss / individual.body_weight).to("L/kg").magnitude, 4),
                           "unit": "L/kg"},
            "blood_plasma_ratio": round(result.blood_plasma_ratio, 4),
            "individual": f"ICRP 89 reference adult {args.sex}",
            "origin": dict(result.origin),
            "warnings": list(result.warnings),
        })
        return 0
    print(f"{compound.name}: tissue:plasma partition coefficients, method {result.method}")
    print(f"individual: ICRP 89 reference adult {args.sex}, {individual.body_weight.to('kg').magnitude:g} kg")
    print(f"{'tissue':<14}{'Kp':>10}{'Kpu':>12}{'volume [L]':>12}")
    for tissue, value in result.kp.items():
        volume = individual.tissues[tissue].volume.to("L").magnitude
        print(f"{tissue:<14}{value:>10.3f}{result.kpu[tissue]:>12.3f}{volume:>12.3f}")
    vss = result.vss.to("L").magnitude
    per_kg = vss / individual.body_weight.to("kg").magnitude
    print(f"B:P = {result.blood_plasma_ratio:.3f}; Vss = {vss:.1f} L ({per_kg:.2f} L/kg)")
    for warning in result.warnings:
        print(f"note: {warning}")
    return 0
