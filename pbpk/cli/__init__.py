"""Command-line interface: ``pbpk <command> ...``.

Commands
--------
``pbpk compound FILE``
    Validate a compound file and print it with units and sources.
``pbpk kp FILE [--method M] [--sex male|female] [--json]``
    Tissue:plasma partition coefficients and the predicted Vss.
``pbpk simulate FILE --dose "5 mg" --route iv|infusion|oral [options]``
    Concentration–time profile, NCA, CSV and figure.
``pbpk model FILE [--equations] [--latex] [--sbml OUT.xml]``
    The generated equations, or the model as SBML with its parameter values.
``pbpk population FILE --population TEXT --n N --dose D [options]``
    A virtual population ("adult: chinese", "pediatric: 0.5-2 y", "pregnancy: week 30",
    "adult: european, CYP2C19 PM"): percentiles of the NCA metrics and of the profile.
``pbpk dose-match FILE --reference TEXT --reference-dose D --target TEXT [--target ...] [options]``
    The dose per kg that gives each target population the median exposure (AUC, Cmax
    or trough) of the reference population on its regimen.
``pbpk priors FILE --population TEXT --dose D --format F --out PRIOR [options]``
    A population PK prior derived from a PBPK virtual population (reduction to 1-3
    compartments, covariate model, Ω, σ), written for NONMEM, mrgsolve/mapbayr, Tucuxi,
    PKPDsim, Pmetrics or as the project's JSON, with its reduction error, NPDE, VPC figure
    and the published models of the drug side by side.
``pbpk map MODEL --data F.csv [--id ID] [--json] [--plot F.png]``
    MAP-Bayesian fits of TDM samples (NONMEM-style records) under a population model: η,
    individual parameters with 90 % intervals, the fits with credible bands.
``pbpk recommend MODEL --data F.csv --target T --doses D --intervals I [--infusion I] [options]``
    MAP-Bayesian dose recommendation: candidate regimens ranked by the target at the MAP and the
    probability of target attainment (and of toxicity) over the posterior; the best profiles and
    the PTA curves as a figure.
``pbpk sample-times MODEL --data F --regimen R --candidates C [--n N] [--criterion D|c:PARAM] [--json] [--plot F.png]``
    Bayesian optimal TDM sample times under the patient's current posterior (MAP fit of its samples so far, or the
    population prior): the N candidate times after the regimen's first dose that optimise the D or c criterion, the
    expected SD of log PARAM (or of each η) now and after, and a trough, a peak + trough and the last N for comparison.
``pbpk forecast-eval MODEL --data F.csv [--steps N] [--json] [--plot F.png] [--table F.csv]``
    Forecasting evaluation of a population prior on a data set (as PsN proseval, mipdeval): each
    sample predicted from the samples before it (a priori, after 1, 2, … samples, no future data);
    MPE, MAPE, RMSE, P20/P30 per step; predicted vs observed and MAPE/P20 per step as a figure.
``pbpk trial SPEC [--n N] [--seed S] [--backend local|dask] [--json] [--report DIR]``
    A dosing-strategy virtual trial (``trials/``, or a spec file): nomograms, model-based doses and
    TDM-guided MAP dosing on the same virtual patients; PTA, troughs and toxicity by stratum with 95 %
    intervals, and the number needed to treat against a reference strategy.
``pbpk pd SPEC [--n N] [--seed S] [--tox-limit P] [--obd-rule fraction:F|utility:W] [--json] [--plot F] [--table F]``
    A virtual dose-ranging comparison on exposure–response models (``pd_models/``, or a spec file):
    per dose the exposure percentiles and the probabilities of response and toxicity with 95 %
    intervals, the maximum tolerated dose and an optimal biological dose by a stated rule.
``pbpk ddi-static PERPETRATOR --dose D [--every T --doses N] [--cmax C] [--victim V] [--json]``
    FDA 2020 basic DDI models (R1, R1,gut, R2, R3, transporters) with their cut-offs, and
    the mechanistic static AUC ratio of a victim.
``pbpk ddi STUDY [--n N] [--seed S] [--json] [--plot F.png] [--csv F.csv]``
    Simulate a DDI study file (``ddi/``): victim with and without its perpetrators in one
    coupled model; AUCR and CmaxR against the observed ratios (with ``--n``, percentiles
    over a virtual population of the study's sexes); enzyme time course.
``pbpk validate [--cases GLOB] [--ddi GLOB] [--json] [--report DIR]``
    Simulate the clinical studies in ``validation_cases/`` (and the DDI studies in
    ``ddi/``) and compare with what was observed (predicted/observed per metric, GMFE,
    fractions within 1.25/1.5/2-fold, Guest limits for ratios).
    Exits with status 1 if a metric falls outside the band its case file expects.

``pbpk serve [--host 127.0.0.1] [--port 8000]``
    The web API and page for bedside MAP fits and dose recommendations (``docs/web.md``; needs the
    ``web`` extra).

``pbpk --version``
    The version of the package.

FILE is a path, or the name of a bundled compound (``pbpk kp midazolam``).
Bad input exits with status 2 and a one-line message naming file, field, value
and what was expected; no traceback. Output paths and options that would have no
effect are checked before anything runs (:mod:`pbpk.cli.checks`); long runs show
a progress bar on stderr (``--quiet`` hides it).

One module per command (``add_parser`` and ``run``), parent parsers in
:mod:`pbpk.cli.options`; modules import numpy, pint and the rest of pbpk only inside
``run``, so ``--help`` and argument errors stay fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pbpk.cli import (
    compound,
    ddi,
    ddi_static,
    dose_match,
    forecast_eval,
    kp,
    map_fit,
    model,
    pd,
    population,
    priors,
    recommend,
    sample_times,
    serve,
    simulate,
    trial,
    validate,
)
from pbpk.core.errors import PbpkInputError

EXIT_INPUT_ERROR = 2
#: The commands in the order of ``pbpk --help``; each module adds its parser and handler.
COMMANDS = (compound, kp, simulate, model, population, dose_match, priors, map_fit, recommend, sample_times,
            forecast_eval, trial, pd, ddi_static, ddi, validate, serve)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pbpk`` console script; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except PbpkInputError as exc:
        print(f"pbpk: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BrokenPipeError:  # output piped into a command that stopped reading (e.g. head)
        sys.stderr.close()
        return 0


def parser() -> argparse.ArgumentParser:
    """The ``pbpk`` parser with one subcommand per module of :data:`COMMANDS` (no heavy imports)."""
    top = argparse.ArgumentParser(prog="pbpk", description="Physiologically based pharmacokinetic modelling.")
    top.add_argument("--version", action="version", version=f"pbpk {_version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(commands)
    return top


def _version() -> str:
    """``pbpk.__version__``; read from the loaded top-level package (the cli does not import it: one-way layers)."""
    return sys.modules["pbpk"].__version__
