"""``pbpk ddi-static PERPETRATOR --dose D [--every T --doses N] [--cmax C] [--victim V] [--json]``."""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks
import pbpk.cli.options as options
from pbpk.cli.render import print_json
from pbpk.core.errors import PbpkInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``ddi-static`` command."""
    parser = commands.add_parser(
        "ddi-static", help="static DDI screens (FDA 2020 basic models, mechanistic static)",
        parents=[options.compound_file("perpetrator compound file, or the name of a bundled compound"),
                 options.dosing(route="oral", every='dosing interval, e.g. "24h" (Cmax at steady state)'),
                 options.json_output()])
    parser.add_argument("--cmax", help='perpetrator total Cmax instead of simulating it, e.g. "2.1 mg/L"')
    parser.add_argument("--victim", help="victim compound for the mechanistic static AUC ratio (oral victim)")
    parser.add_argument("--enzyme", help="enzyme for the mechanistic static model (if several are shared; "
                                         "with --victim)")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> None:
    """Options that would change nothing: an interval with a given Cmax, an enzyme without a victim."""
    checks.check_regimen(args)
    if args.cmax is not None and args.every is not None:
        raise PbpkInputError("--every", "", args.every, "no dosing interval with --cmax (the interval only changes "
                             "the simulated Cmax)", "leave out --every and --doses, or leave out --cmax")
    if args.enzyme is not None and args.victim is None:
        raise PbpkInputError("--enzyme", "", args.enzyme, "--victim with it (the enzyme of the mechanistic static "
                             "model)", "add --victim, or leave out --enzyme")


def run(args: argparse.Namespace) -> int:
    """Perpetrator exposure, basic screens and (with ``--victim``) the mechanistic static AUC ratio."""
    check(args)
    from pbpk.compound import load_compound
    from pbpk.ddi.static import basic_screens, exposure, given_cmax, mechanistic_static
    from pbpk.simulation.dosing import as_regimen

    perpetrator = load_compound(args.file)
    regimen = as_regimen(None, args.dose, args.route, args.infusion_time, args.every, args.doses, where="ddi-static")
    levels = exposure(perpetrator, regimen, cmax=given_cmax(args.cmax))
    screens = basic_screens(perpetrator, levels)
    prediction = mechanistic_static(perpetrator, load_compound(args.victim), levels, args.enzyme) \
        if args.victim else None
    if args.json:
        print_json(_json(perpetrator.name, levels, screens, prediction))
        return 0
    print(f"{perpetrator.name}: Imax {levels.cmax:.4g} umol/L (unbound {levels.cmax_u:.4g}), Igut {levels.gut:.4g} umol/L")
    for note in levels.notes:
        print(f"  note: {note}")
    for s in screens:
        verdict = "evaluate clinically" if s.flagged else "below cut-off"
        print(f"  {s.target:<9}{s.model:<26}{s.value:>10.4g}   cut-off {s.cutoff:g}: {verdict}")
    if prediction is not None:
        print(f"  mechanistic static AUC ratio of oral {prediction.victim} ({prediction.enzyme}, fm {prediction.fm:.2f}, "
              f"Fg {prediction.fg:.2f}): {prediction.aucr:.3g} (liver {prediction.hepatic_ratio:.3g}, "
              f"gut {prediction.gut_ratio:.3g})")
    return 0


def _json(name: str, levels, screens, prediction) -> dict:
    return {
        "perpetrator": name,
        "exposure": {"Imax": {"value": levels.cmax, "unit": "umol/L"},
                     "Imax_u": {"value": levels.cmax_u, "unit": "umol/L"},
                     "Igut": {"value": levels.gut, "unit": "umol/L"},
                     "I_hepatic_inlet_u": {"value": levels.hepatic_inlet_u, "unit": "umol/L"},
                     "I_enterocyte": {"value": levels.enterocyte, "unit": "umol/L"},
                     "notes": list(levels.notes)},
        "basic_models": [{"target": s.target, "model": s.model, "value": s.value, "cutoff": s.cutoff,
                          "flagged": s.flagged} for s in screens],
        "mechanistic_static": None if prediction is None else {
            "victim": prediction.victim, "enzyme": prediction.enzyme, "fm": prediction.fm, "Fg": prediction.fg,
            "AUCR": prediction.aucr, "AUCR_liver": prediction.hepatic_ratio, "AUCR_gut": prediction.gut_ratio},
    }
