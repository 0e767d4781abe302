"""``pbpk model FILE [--equations] [--latex] [--sbml OUT.xml]``: the generated equations, or SBML."""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks
import pbpk.cli.options as options
from pbpk.cli.simulate import individual_for


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``model`` command."""
    parser = commands.add_parser("model", help="print the generated equations or export SBML",
                                 parents=[options.compound_file(), options.individual(), options.kinetics()])
    parser.add_argument("--equations", action="store_true", help="print the equations")
    parser.add_argument("--latex", action="store_true", help="print the equations as LaTeX")
    parser.add_argument("--sbml", help="write the model with its parameter values as SBML to this file (.xml)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the model of the compound in the reference adult; print its equations and/or write SBML."""
    checks.check_output_file("--sbml", args.sbml, checks.SBML)
    from pbpk.compound import load_compound
    from pbpk.model.parameters import parameter_vector
    from pbpk.simulation.simulate import model_for

    compound = load_compound(args.file)
    individual = individual_for(args)
    model = model_for(compound, individual, kinetics=args.kinetics)
    if args.sbml:
        from pbpk.model.exporters import exporter

        exporter("sbml").write(model, parameter_vector(model, compound, individual), args.sbml)
        print(f"wrote {args.sbml}: {len(model.states)} species, {len(model.parameters)} parameters")
    if args.equations or args.latex or not args.sbml:
        print(model.equations(latex=args.latex))
    return 0
