"""``pbpk priors DRUG --population TEXT --dose D --format F --out FILE [options]``: a PBPK-derived popPK prior.

Simulates the virtual population, reduces every subject to a compartmental model, estimates
the population model (``pbpk.mipd.priors``), writes it in the engine's format, and reports how
good it is: reduction error, NPDE and a visual predictive check against the PBPK population,
and the published models of the drug side by side (``pbpk.mipd.assessment``).
"""

from __future__ import annotations

import argparse
import sys

import pbpk.cli.checks as checks
import pbpk.cli.options as options
from pbpk.cli.render import print_json, write_figure
from pbpk.core.errors import PbpkInputError

#: As ``pbpk.mipd.export.FORMATS`` (not imported here: ``--help`` stays fast; a test checks they agree).
FORMATS = ("json", "nonmem", "mrgsolve", "tucuxi", "pkpdsim", "pmetrics")
STRUCTURES = {"auto": "auto", "1cmt": 1, "2cmt": 2, "3cmt": 3}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """The ``priors`` command."""
    parser = commands.add_parser("priors", help="derive a population PK prior from a PBPK virtual population",
                                 parents=[options.compound_file(), options.dosing(), options.population(1000),
                                          options.json_output(), options.progress()])
    parser.add_argument("--population", required=True,
                        help='who: e.g. "adult: 20-80 y", "pediatric: 0-1 mo", "renal: CKD 3", "pregnancy: week 30"')
    parser.add_argument("--until", help='end of the design, e.g. "48h" (default: as pbpk population; with '
                        '--comedication, the last dose + 48 h)')
    parser.add_argument("--comedication", action="append", default=[], metavar="TEXT",
                        help='a perpetrator from 0 h in one coupled DDI model, "COMPOUND DOSE ROUTE [over T] '
                             '[every T doses N]", e.g. "rifampicin 600 mg oral every 24h doses 14" (repeatable)')
    parser.add_argument("--start", default="0 h",
                        help='first dose of the drug on the comedication\'s clock, e.g. "312 h" (with --comedication)')
    parser.add_argument("--structure", choices=list(STRUCTURES), default="auto",
                        help="compartments of the prior (default auto: the lowest summed BIC of 1, 2 and 3)")
    parser.add_argument("--covariates", default="weight,crcl",
                        help="candidate covariates, comma-separated: weight, age, height, sex, crcl (the GFR), week, "
                             "pma (children), cyp2d6_pm, cyp2c19_pm, cyp2c9_pm, oatp1b1_tc, oatp1b1_cc "
                             "(default weight,crcl)")
    parser.add_argument("--assay-proportional", type=float, default=0.1,
                        help="assay error, proportional SD as a fraction (default 0.1)")
    parser.add_argument("--assay-additive", default="0 mg/L", help='assay error, additive SD (default "0 mg/L")')
    parser.add_argument("--inflate-omega", type=float, help="multiply Ω by this factor (a flattened prior)")
    parser.add_argument("--inflate-reason", help="why Ω is inflated (recorded in the prior; with --inflate-omega)")
    parser.add_argument("--support-points", type=int, default=0,
                        help="keep this many subjects' parameter sets as a nonparametric prior "
                             "(default 0; --format pmetrics needs them)")
    parser.add_argument("--format", choices=FORMATS, default="json", help="file format of the prior (default json)")
    parser.add_argument("--out", required=True, help="file to write the prior to")
    nwpri = parser.add_argument_group("NONMEM $PRIOR NWPRI (with --format nonmem: a population fit under the prior)")
    nwpri.add_argument("--prior-theta-cv", type=float, help="SD of each θ's prior as a fraction of θ, e.g. 0.3")
    nwpri.add_argument("--prior-effect-sd", type=float,
                       help="absolute SD of each dimensionless θ's prior (exponents, factors), e.g. 0.25")
    nwpri.add_argument("--prior-omega-df", type=int, help="degrees of freedom of each Ω block's prior, e.g. 20")
    nwpri.add_argument("--prior-reason", help="why the prior is that strong (written into the stream)")
    parser.add_argument("--name", help="name of the prior (default DRUG-pbpk-KIND)")
    parser.add_argument("--report", help="write the report (reduction, NPDE, VPC, comparison) to this JSON file")
    parser.add_argument("--plot", help="write the VPC and NPDE figure to this file")
    parser.add_argument("--npde-replicates", type=int, default=500, help="simulations per subject for NPDE")
    parser.set_defaults(run=run)


def check(args: argparse.Namespace) -> None:
    """Regimen, prior options and output files, before anything runs."""
    from pbpk.mipd.export import SUFFIXES

    checks.check_regimen(args)
    if args.start != "0 h" and not args.comedication:
        raise PbpkInputError("--start", "", args.start, "--comedication with a start time of the drug",
                             "add --comedication, or leave out --start")
    if args.n < 10:
        raise PbpkInputError("--n", "", args.n, "at least 10 subjects for a population model")
    if (args.inflate_omega is None) != (args.inflate_reason is None):
        raise PbpkInputError("--inflate-omega" if args.inflate_omega is None else "--inflate-reason", "", None,
                             "--inflate-omega FACTOR together with --inflate-reason TEXT")
    if args.format == "pmetrics" and args.support_points < 1:
        raise PbpkInputError("--support-points", "", args.support_points,
                             "a number of support points ≥ 1 with --format pmetrics (e.g. --support-points 500)")
    prior = (args.prior_theta_cv, args.prior_effect_sd, args.prior_omega_df, args.prior_reason)
    if any(value is not None for value in prior) and (None in prior or args.format != "nonmem"):
        raise PbpkInputError("--prior-theta-cv", "", args.prior_theta_cv, "--prior-theta-cv, --prior-effect-sd, "
                             "--prior-omega-df and --prior-reason together, with --format nonmem")
    if args.prior_theta_cv is not None:
        nonmem_prior(args).check("--prior-*")
    for name in args.covariates.split(","):
        candidate_covariate(name, args.population)
    if not 0 <= args.assay_proportional < 1:
        raise PbpkInputError("--assay-proportional", "", args.assay_proportional, "a fraction from 0 to below 1")
    checks.check_output_files({"--out": (args.out, SUFFIXES[args.format]), "--report": (args.report, (".json",)),
                               "--plot": (args.plot, checks.FIGURE)})


def run(args: argparse.Namespace) -> int:
    """Simulate, reduce, write the prior in its format, print the report."""
    check(args)
    import json

    from tqdm import tqdm

    from pbpk.compound import load_compound
    from pbpk.core.units import parse_quantity
    from pbpk.mipd.assessment import assess
    from pbpk.mipd.export import export
    from pbpk.mipd.modelfile import library, load_poppk
    from pbpk.mipd.priors import AssayError, independent_evidence, prior_from_pbpk

    additive = parse_quantity(args.assay_additive, "mg/L", where="--assay-additive", field="", example="0.5 mg/L")
    compound = load_compound(args.file)
    bars: list[tqdm] = []

    def progress(label: str, total: int):
        bar = tqdm(total=total, desc=label, unit="subject", file=sys.stderr, disable=args.quiet)
        bars.append(bar)
        return bar.update

    simulation = {"dose": args.dose, "route": args.route, "infusion_time": args.infusion_time, "every": args.every,
                  "doses": args.doses, "until": args.until}
    start_h = float(parse_quantity(args.start, "h", where="--start", field="", example="312 h").to("h").magnitude)
    comedication = [comedication_arm(text) for text in args.comedication]
    covariates = [c for c in args.covariates.split(",") if c.strip()]
    simulation = {k: v for k, v in simulation.items() if v is not None}
    derived = prior_from_pbpk(
        compound, args.population, n=args.n, comedication=comedication, start=start_h, covariates=covariates,
        seed=args.seed, name=args.name, progress=None if args.quiet else progress, simulation=simulation,
        compartments=STRUCTURES[args.structure], assay=AssayError(args.assay_proportional,
                                                                  float(additive.to("mg/L").magnitude)),
        inflate_omega=None if args.inflate_omega is None else (args.inflate_omega, args.inflate_reason),
        support_points=args.support_points)
    for bar in bars:
        bar.close()
    written = export(derived.model, args.format, args.out,
                     nonmem_prior=None if args.prior_theta_cv is None else nonmem_prior(args))
    published = [load_poppk(name) for name in library()]
    published = [m for m in published if m.drug == compound.name and m.source["type"] == "publication"]
    evidence = independent_evidence(derived.model, compound, args.population, n=args.n, covariates=covariates,
                                    seed=args.seed + 1, simulation=simulation, comedication=comedication,
                                    start=start_h)
    with tqdm(total=len(evidence.profiles), desc="NPDE", unit="subject", file=sys.stderr, disable=args.quiet) as bar:
        assessment = assess(derived, evidence=evidence, replicates=args.npde_replicates, published=published,
                            seed=args.seed, progress=bar.update)
    write_figure(assessment.plot, args.plot)
    report = {**assessment.to_dict(), "files": {"prior": [str(p) for p in written], "report": args.report,
                                                "plot": args.plot}}
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, default=float)
    if args.json:
        print_json(report)
    else:
        print(assessment.text())
        print("\nwritten: " + ", ".join(str(p) for p in written + [f for f in (args.report, args.plot) if f]))
    return 0


def comedication_arm(text: str):
    """A perpetrator arm from ``"COMPOUND DOSE ROUTE [over T] [every T doses N]"`` (from 0 h)."""
    import re

    from pbpk.compound import load_compound
    from pbpk.ddi.dynamic import Arm

    pattern = (r"(?P<compound>[\w.+-]+)\s+(?P<dose>[\d.]+\s*[^\s\d]+)\s+(?P<route>iv|infusion|oral)"
               r"(?:\s+over\s+(?P<over>[\d.]+\s*[a-z]+))?(?:\s+every\s+(?P<every>[\d.]+\s*[a-z]+)\s+doses\s+(?P<doses>\d+))?")
    match = re.fullmatch(pattern, text.strip(), flags=re.IGNORECASE)
    if match is None or (match["route"] == "infusion") != (match["over"] is not None):
        raise PbpkInputError("--comedication", "", text, '"COMPOUND DOSE ROUTE [over T] [every T doses N]", e.g. '
                             '"rifampicin 600 mg oral every 24h doses 14" (infusions need "over T")')
    return Arm.of(load_compound(match["compound"]), match["dose"], match["route"].lower(), every=match["every"],
                  doses=int(match["doses"] or 1), duration=match["over"])


def nonmem_prior(args: argparse.Namespace):
    """The ``$PRIOR NWPRI`` strength given by the ``--prior-*`` options."""
    from pbpk.mipd.nonmem import NonmemPrior

    return NonmemPrior(args.prior_theta_cv, args.prior_effect_sd, args.prior_omega_df, args.prior_reason)


def candidate_covariate(name: str, population: str) -> None:
    """Refuse a covariate name the priors do not know, or postmenstrual age outside a pediatric population."""
    from pbpk.mipd.priors import ALIASES, POPULATION_COVARIATES

    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    if key not in POPULATION_COVARIATES:
        raise PbpkInputError("--covariates", "", name, "one of " + ", ".join(POPULATION_COVARIATES) + " (crcl means gfr)")
    if key == "pma" and not population.strip().lower().startswith("pediatric"):
        raise PbpkInputError("--covariates", "", name, "a pediatric population for postmenstrual age")
