"""``pbpk simulate FILE --dose D [--route R] [options]``: concentration–time profile, NCA, CSV and figure."""

from __future__ import annotations

import argparse

import pbpk.cli.checks as checks
import pbpk.cli.options as options
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``simulate`` command."""
    parser = commands.add_parser("simulate", help="simulate a dosing regimen; NCA, CSV and figure",
                                 parents=[options.compound_file(), options.dosing(), options.individual(patient=True),
                                          options.kinetics(), options.json_output(), options.observed()])
    parser.add_argument("--until", help='end of the simulation, e.g. "48h" (default: 5 predicted half-lives)')
    parser.add_argument("--method", choices=["auto", "exact", "general"], default="auto")
    parser.add_argument("--csv", help="write the time course to this CSV file")
    parser.add_argument("--plot", help="write a profile figure (linear and log scale) to this file")
    parser.set_defaults(run=run)


PATIENT_OPTIONS = ("age", "height", "weight", "scr", "cystatin_c", "crcl", "egfr", "gfr", "renal_equation",
                   "child_pugh", "gestational_age", "ontogeny")


def individual_for(args: argparse.Namespace):
    """The reference adult of ``--sex``, or the patient of the covariate options given."""
    from pbpk.physiology import reference_individual
    from pbpk.physiology.patient import patient

    options.check_ontogeny(getattr(args, "ontogeny", None))
    given = {name: getattr(args, name) for name in PATIENT_OPTIONS if getattr(args, name, None) is not None}
    dialysis = getattr(args, "dialysis", False)
    if not given and not dialysis:
        return reference_individual(args.sex)
    age = given.pop("age", None) or reference_individual(args.sex).age
    cystatin = given.pop("cystatin_c", None)
    return patient(args.sex, age=age, cystatin=cystatin, crcl_weight=args.crcl_weight, dialysis=dialysis,
                   **given)


def describe(individual) -> dict:
    """The person's covariates for ``--json``: sex, age, height, weight, GFR and the conditions applied."""
    from pbpk.physiology.body_size import body_surface_area
    from pbpk.physiology.renal_function import indexed_gfr

    def value(quantity, unit: str) -> dict:
        return {"value": round(float(quantity.to(unit).magnitude), 4), "unit": unit}

    bsa = body_surface_area(individual.body_weight, individual.height)
    return {"sex": individual.sex, "age": value(individual.age, "year"), "height": value(individual.height, "cm"),
            "body_weight": value(individual.body_weight, "kg"), "bsa": value(bsa, "m^2"),
            "gfr": value(individual.gfr, "mL/min"), "gfr_per_1.73m2": value(indexed_gfr(individual.gfr, bsa), "mL/min"),
            "gfr_source": individual.sources.get("gfr", ""), "conditions": dict(individual.conditions),
            "ontogeny_set": individual.ontogeny_set}


def _age_text(age) -> str:
    """"35-year", "7-month" or "3-week": the unit a clinician would say the age in."""
    years = age.to("year").magnitude
    if years >= 2:
        return f"{years:.0f}-year"
    if years >= 3 / 12:
        return f"{age.to('month').magnitude:.0f}-month"
    return f"{age.to('week').magnitude:.0f}-week"


def _summary(individual) -> str:
    text = (f"a {_age_text(individual.age)}-old {individual.sex} of "
            f"{individual.height.to('cm').magnitude:.0f} cm and {individual.body_weight.to('kg').magnitude:.4g} kg, "
            f"GFR {individual.gfr.to('mL/min').magnitude:.0f} mL/min")
    if individual.ontogeny_set is not None:
        text += f", enzyme ontogeny {individual.ontogeny_set}"
    return text + "".join(f", {condition}" for condition in individual.conditions.values()
                          if not condition.startswith("GFR"))


def run(args: argparse.Namespace) -> int:
    """Check the options and outputs, simulate, write the files and print the NCA."""
    checks.check_regimen(args)
    checks.check_output_files({"--csv": (args.csv, checks.CSV), "--plot": (args.plot, checks.FIGURE)})
    options.check_observed(args)
    from pbpk.compound import load_compound
    from pbpk.simulation.simulate import simulate

    compound = load_compound(args.file)
    individual = individual_for(args)
    observed = options.read_observed(args)
    simulation = simulate(compound, individual, dose=args.dose, route=args.route, infusion_time=args.infusion_time,
                          every=args.every, doses=args.doses, until=args.until, method=args.method,
                          kinetics=args.kinetics)
    if not simulation.status.ok:
        raise PbpkInputError(compound.file, "simulation", simulation.status.code, "a solved simulation",
                             simulation.status.message)
    nca = simulation.nca()
    if args.csv:
        simulation.data.to_csv(args.csv, index=False)
    write_figure(lambda path: simulation.plot(path, observed=observed), args.plot)
    if args.json:
        print_json({
            "compound": compound.name,
            "individual": describe(individual),
            "regimen": {"dose": args.dose, "route": args.route, "doses": args.doses, "every": args.every,
                        "infusion_time": args.infusion_time},
            "method": simulation.method,
            "solver": {"status": simulation.status.message, "steps": simulation.status.steps},
            "nca": nca.as_dict(),
            "enzyme_activity_at_end": {name: float(values[-1]) for name, values in simulation.enzymes.items()
                                       if name.startswith("activity_")},
            "warnings": list(simulation.warnings),
            "files": {"csv": args.csv, "plot": args.plot},
        })
        return 0
    print(f"{compound.name}: {args.dose} {args.route}"
          + (f" every {args.every} x {args.doses}" if args.doses > 1 else "")
          + f" in {_summary(individual)} ({simulation.method} solver)")
    for name, entry in nca.as_dict().items():
        if isinstance(entry, dict):
            print(f"  {name:<22}{entry['value']:>14.5g} {entry['unit']}")
    for name, values in simulation.enzymes.items():  # the compound acts on its own clearance
        if name.startswith("activity_"):
            print(f"  {name:<22}{values[-1]:>14.5g} of baseline at {simulation.times[-1]:g} h")
    for warning in simulation.warnings:
        print(f"note: {warning}")
    return 0
