"""Export a population model as an mrgsolve model file (``.cpp``) that mapbayr reads as it is.

Conventions, and the documents they come from:

* mapbayr ``check_mapbayr_model()`` (FelicienLL/mapbayr, R/mapbayest_check_and_preprocess.R):
  parameters ``ETA1 … ETAn`` in ``$PARAM`` with value 0, not tagged ``@covariates``; an
  ``$OMEGA`` diagonal of length n, in the order of the ETAs; ``$SIGMA`` as one pair per
  ``[OBS]`` compartment, proportional first, additive second, not all zero; ``DV`` captured,
  ``PRED``, ``IPRED`` and ``ETAn`` not; ``PAR`` and ``MET`` captured when two analytes are fitted.
* mapbayr R/mapbayest_ofv_computation.R: the prediction runs with ``ETA(k)`` (from ``$OMEGA``,
  set from the data) and ``ETAk`` (``$PARAM``) each at η/2, so each η of our code becomes
  ``(ETA(k) + ETAk)``, as in mapbayr's example models (inst/exmodel/mrg_001.cpp, mrg_301.cpp).
  The residual variance is diag(H Σ Hᵀ) with H = [f, 1] per observed compartment and the full
  ``$SIGMA`` matrix, so an ``sd-sum`` combined error (g = a + b·f) is exact as the block
  Σ = [[b², ab], [ab, a²]] (correlation 1): g² = b²f² + 2abf + a². In the same ``$TABLE`` form
  DV = f·(1 + EPS(1)) + EPS(2), mrgsolve then draws EPS(1) = b·z and EPS(2) = a·z (its
  ``MVGAUSS``, src/mrgsolve.cpp, takes square roots of the eigenvalues, clamped at 0).
  A NONMEM-style θ·EPS(1) with ``$SIGMA 1`` (``pbpk.mipd.nonmem``) would be wrong here:
  mapbayr weights residuals with ``$SIGMA`` only, never with the model's code.
* mapbayr R/read_mrgsolve_model.R: ``[ADM]`` / ``[OBS]`` in the options of ``$CMT @annotated``;
  an exponential (log) error is recognised by a ``DV`` line holding ``exp(… EPS(n)`` and then
  needs the proportional σ² = 0 and the additive σ² (log scale) ≠ 0, as in
  FelicienLL/mapbayr-CPTPSP-2021 "mapbayr code/mrg_407.cpp": DV = C·exp(EPS(2)). That
  detection covers every DV, so mixing log and linear errors across analytes is refused.
  Covariates are ``$PARAM @annotated @covariates`` with a default value (``reference``, else
  the first level, 0 for a binary one, or the middle of ``range``) and the unit in parentheses
  (mapbayr README; inst/exmodel/mrg_301.cpp). A parent with a metabolite follows
  inst/exmodel/mrg_401.cpp: two ``[OBS]`` compartments, PAR and MET, DV chosen by ``self.cmt``.
* mrgsolve user guide, model specification chapter (metrumresearchgroup/mrgsolve R/annot.R,
  R/modspec.R): annotations ``name : value : description (unit) [options]``; ``//`` and ``##``
  start a comment on any line, so annotation texts lose them; a ``double`` declared in ``$MAIN``
  is made global, so ``$ODE`` and ``$TABLE`` read it (our code never assigns a θ or covariate,
  so no ``$PARAM`` name is declared again); ``F_CMT`` and ``ALAG_CMT`` act on doses into CMT;
  several ``$OMEGA`` / ``$SIGMA`` blocks make one block-diagonal matrix, ``@block`` taking the
  lower triangle row by row (R/matrix.R ``lower2matrix``); ``$PKMODEL`` solves 1 or 2
  compartments in closed form. ``?PKMODEL`` (R/handle_spec_block.R) and inst/base/modelheader.h: with
  ``trans = 1`` the code sets ``pred_CL``, ``pred_V`` / ``pred_V2`` (central), ``pred_Q``,
  ``pred_V3`` (peripheral) and ``pred_KA``, so our names ``V1, V2`` stay as they are.
  ``$PKMODEL`` has 3 compartments only since mrgsolve 2.0.0 (NEWS.md) and mapbayr 0.10 needs
  mrgsolve ≥ 1.0.8 (DESCRIPTION), so 3 compartments, transit absorption, Michaelis–Menten
  elimination and a metabolite are written as ``$ODE``, with the flows of ``Structure.matrix``:
  depot → transit1 … transitn → absorption at KTR = (n + 1)/MTT, absorption → central at KA;
  VMAX·C/(KM + C) with C = CENTRAL/V (as VMAX·CENTRAL/(KM·V + CENTRAL)).

θ become ``$PARAM`` entries with their unit; the model's code becomes ``$MAIN``
(``pbpk.mipd.expressions`` C++ dialect) in the model's units; DV is in each analyte's unit.
Refused, with the field named: inter-occasion variability (mapbayr has no κ: its IOV
models, e.g. mrg_911.cpp, code occasions as extra ETAs switched by an occasion covariate
our model does not have), a model without η or with a singular Ω (mapbayr inverts Ω), and
names that clash with the names this file or mrgsolve use. θ bounds, the ``fixed`` flags of θ
and Ω and support points are not written: mapbayr estimates η only, under the parametric prior.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.expressions import CPP, render
from pbpk.mipd.popmodel import Covariate, PopulationModel
from pbpk.mipd.residual import ResidualError
from pbpk.mipd.structure import Structure

# mrgsolve R/Aaaa.R ``Reserved`` (with ``Reserved_cvar``), and the C++ types it detects
_RESERVED = frozenset({
    "ID", "TIME", "EVID", "AMT", "CMT", "II", "SS", "ADDL", "RATE", "THETA", "ETA", "EPS", "SOLVERTIME", "NEWIND",
    "DONE", "CFONSTOP", "DXDTZERO", "INITSOLV", "SETINIT", "VARS", "SS_ADVANCE", "END_OF_INFUSION",
    "CHECK_MODELED_INFUSIONS", "FINAL_ROW", "FINAL_IROW", "self", "table", "simeps", "simeta", "report", "amt", "cmt",
    "ii", "ss", "evid", "addl", "rate", "time", "until", "now", "double", "int", "bool", "capture"})


def model_code(model: PopulationModel) -> str:
    """The text of an mrgsolve ``.cpp`` model file of ``model`` for MAP estimation with mapbayr."""
    structure = model.structure
    states = [state.upper() for state in structure.states if not state.startswith("auc_")]
    _check(model, states)
    assigned = set(model.code.assigned)
    dialect = replace(CPP, rename={name: f"(ETA({k}) + ETA{k})" for k, name in enumerate(model.eta_names, 1)})
    main = ["$MAIN", *(f"double {s.name} = {render(s.tree, dialect)};" for s in model.code.statements)]
    if structure.absorption == "transit":
        main.append(f"double KTR = {structure.transit_compartments + 1}/MTT;")
    main += [f"{name}_DEPOT = {name};" for name in ("F", "ALAG") if name in assigned]
    main += [f"{kind}_{compartment.upper()} = {kind}{k};" for k, compartment in structure.numbers.items()
             for kind in ("D", "R") if f"{kind}{k}" in assigned]  # modelled duration or rate (rate = -2 or -1)
    if structure.linear and not structure.metabolite and structure.absorption != "transit" \
            and structure.compartments <= 2:
        oral, central = structure.absorption != "none", "pred_V" if structure.compartments == 1 else "pred_V2"
        main += ["pred_CL = CL;", f"{central} = {structure.central_volume};"]
        main += ["pred_Q = Q;", "pred_V3 = V2;"] if structure.compartments == 2 else []
        main += ["pred_KA = KA;"] if oral else []
        solver = [f"$PKMODEL ncmt = {structure.compartments}, depot = {'TRUE' if oral else 'FALSE'}, trans = 1"]
    else:
        solver = ["$ODE", *_ode(model, states, assigned)]
    table, sigma = _observations(model, states)
    capture = (["PAR", "MET"] if structure.metabolite else []) + [
        name for name in structure.required + structure.optional if name in assigned]
    cmt = ["$CMT @annotated", *(f"{state} : {state.lower()} ({model.units['amount']}){_tags(structure, state)}"
                                for state in states)]
    blocks = (_problem(model), *_parameters(model), _omega(model), sigma, cmt, solver, main, table,
              ["$CAPTURE " + " ".join(["DV", *capture])])
    return "\n\n".join("\n".join(block) for block in blocks if block) + "\n"


def _parameters(model: PopulationModel) -> tuple[list[str], list[str]]:
    """θ and ETA1 … ETAn (0) in ``$PARAM``; covariates, with their default, in ``$PARAM @covariates``."""
    thetas = [f"{t.name} : {_number(t.value)} : {_clean(t.description or t.name)} ({t.unit})" for t in model.thetas]
    etas = [f"ETA{k} : 0 : {name}" for k, name in enumerate(model.eta_names, 1)]
    covariates = [f"{c.name} : {_number(_default(model, c))} : {_clean(c.description or c.name)} ({c.unit})"
                  for c in model.covariates]
    return ["$PARAM @annotated", *thetas, *etas], ["$PARAM @annotated @covariates", *covariates] if covariates else []


def _observations(model: PopulationModel, states: list[str]) -> tuple[list[str], list[str]]:
    """``$TABLE`` (DV in each analyte's unit, with its EPS pair) and the ``$SIGMA`` pairs."""
    structure = model.structure
    observed = {"parent": ("CENTRAL", structure.central_volume), "metabolite": ("METABOLITE", "VM")}
    predictions, sigma = {}, []
    for k, analyte in enumerate(structure.analytes):
        factor = model.concentration_factor(analyte)
        scaled = "/".join(observed[analyte]) + ("" if factor == 1 else f"*{_number(factor)}")
        error = model.errors[analyte]
        if error.kind == "exponential":
            predictions[analyte] = f"({scaled})*exp(EPS({2 * k + 2}))"
        else:
            predictions[analyte] = f"({scaled})*(1 + EPS({2 * k + 1})) + EPS({2 * k + 2})"
        sigma += _sigma(error, analyte)
    if not structure.metabolite:
        return ["$TABLE", f"double DV = {predictions['parent']};"], sigma
    number = states.index("METABOLITE") + 1
    return ["$TABLE", f"double PAR = {predictions['parent']};", f"double MET = {predictions['metabolite']};",
            f"double DV = self.cmt == {number} ? {predictions['metabolite']} : {predictions['parent']};"], sigma


def _check(model: PopulationModel, states: list[str]) -> None:
    """Refuse what mapbayr cannot take, naming the model and the field."""
    if model.iov.blocks:
        raise PbpkInputError(model.name, "iov", ", ".join(model.kappa_names), "no inter-occasion variability for "
                             "the mapbayr export (mapbayr codes occasions as extra ETAs with an occasion covariate)")
    if not model.eta_names:
        raise PbpkInputError(model.name, "omega", None, "at least one η: mapbayr estimates ETA1, ETA2, …")
    if np.min(np.linalg.eigvalsh(model.omega.matrix)) <= 0:
        raise PbpkInputError(model.name, "omega", "a singular Ω", "positive variances (mapbayr inverts Ω)")
    logs = {error.kind == "exponential" for error in model.errors.values()}
    if len(logs) > 1:
        raise PbpkInputError(model.name, "error", "exponential and linear errors", "one kind of scale for every "
                             "analyte (mapbayr log-transforms all observations or none)")
    ours = set(_RESERVED) | set(states) | {f"ETA{k}" for k in range(1, len(model.eta_names) + 1)} | {"DV", "PAR", "MET"}
    ours |= {f"{prefix}_{state}" for state in states for prefix in ("dxdt", "F", "ALAG", "R", "D", "N")}
    ours |= {f"{state}_0" for state in states} | ({"KTR"} if model.structure.absorption == "transit" else set())
    names = [(f"theta.{t.name}", t.name) for t in model.thetas] + [(f"covariates.{c.name}", c.name)
                                                                   for c in model.covariates]
    names += [("pk", name) for name in model.code.assigned]
    for field, name in names:
        if name in ours or name.startswith("pred_"):
            raise PbpkInputError(model.name, field, name, "a name that mrgsolve and the mapbayr export do not use "
                                 "(compartments " + ", ".join(states) + ", ETA1 …, KTR, DV, PAR, MET, pred_*, "
                                 "mrgsolve's reserved words)")


def _problem(model: PopulationModel) -> list[str]:
    return [f"$PROB {_clean(model.title)}",
            f"- model {model.name} (pbpk-poppk/1), written by pbpk.mipd.mrgsolve for mapbayr",
            f"- source: {_clean(model.source['reference'])}",
            f"- units: time {model.units['time']}, amount {model.units['amount']}, volume {model.units['volume']}; "
            + ", ".join(f"DV of {analyte} in {unit}" for analyte, unit in model.analytes.items())]


def _clean(text: str) -> str:
    """Text for an annotation: no comment markers (// ##), no [options], one line."""
    for old, new in (("//", "/"), ("##", "#"), ("[", "("), ("]", ")"), ("\n", " ")):
        text = text.replace(old, new)
    return text


def _number(value: float) -> str:
    """A number as mrgsolve reads it, to 15 digits (0.2, not 0.19999999999999998 from an SD squared)."""
    return f"{float(value):.15g}"


def _default(model: PopulationModel, covariate: Covariate) -> float:
    """The covariate's value when the data have none: reference, first level, 0 (binary) or mid-range."""
    if covariate.reference is not None:
        return covariate.reference
    if covariate.levels:
        return next(iter(covariate.levels.values()))
    if covariate.type == "binary":
        return 0.0
    if covariate.range is not None:
        return (covariate.range[0] + covariate.range[1]) / 2
    raise PbpkInputError(model.name, f"covariates.{covariate.name}.reference", None,
                         "a reference value (the default of the covariate in $PARAM @covariates)")


def _omega(model: PopulationModel) -> list[str]:
    """Runs of single effects as one diagonal ``$OMEGA``; blocks as ``$OMEGA @block`` (lower triangle by rows)."""
    lines: list[str] = []
    k, diagonal = 1, False
    for block in model.omega.blocks:
        single = len(block.names) == 1
        if not (single and diagonal):
            lines.append("$OMEGA" if single else "$OMEGA @block")
        diagonal = single
        for i, name in enumerate(block.names):
            values = " ".join(_number(block.matrix[i, j]) for j in range(i + 1))
            lines.append(f"{values} // ETA{k}: {name}")
            k += 1
    return lines


def _sigma(error: ResidualError, analyte: str) -> list[str]:
    """The (proportional, additive) pair of variances of one analyte; for ``sd-sum`` (g = a + b·f) a block."""
    a, b = error.additive_sd, error.proportional_sd
    if error.kind == "combined" and error.combination == "sd-sum":
        return ["$SIGMA @block", f"{_number(b**2)} // {analyte}: proportional variance",
                f"{_number(a * b)} {_number(a**2)} // {analyte}: covariance (correlation 1), additive variance"]
    proportional = b**2 if error.kind in ("proportional", "combined") else 0.0
    additive = a**2 if error.kind != "proportional" else 0.0
    scale = "on the log scale" if error.kind == "exponential" else "in the concentration unit squared"
    return ["$SIGMA", f"{_number(proportional)} // {analyte}: proportional variance",
            f"{_number(additive)} // {analyte}: additive variance, {scale}"]


def _tags(structure: Structure, state: str) -> str:
    """mapbayr's default dosing [ADM] and observed [OBS] compartments."""
    tags = []
    if state == "DEPOT" or (state == "CENTRAL" and structure.absorption == "none"):
        tags.append("ADM")
    if state in ("CENTRAL", "METABOLITE"):
        tags.append("OBS")
    return f" [{', '.join(tags)}]" if tags else ""


def _ode(model: PopulationModel, states: list[str], assigned: set[str]) -> list[str]:
    """``dxdt_`` lines with the flows of ``Structure.matrix`` (and the saturable elimination)."""
    structure = model.structure
    v1 = structure.central_volume
    ratio = "" if structure.metabolite_mass_ratio == 1 else f"{_number(structure.metabolite_mass_ratio)}*"
    terms: dict[str, list[str]] = {state: [] for state in states}

    def flow(source: str, rate: str, *targets: tuple[str, str]) -> None:
        terms[source].append(f"- {rate}*{source}")
        for target, gain in targets:
            terms[target].append(f"+ {gain}{rate}*{source}")

    if structure.absorption != "none":
        chain = [state for state in states if state in ("DEPOT", "ABSORPTION") or state.startswith("TRANSIT")]
        for source, target in itertools.pairwise(chain):
            flow(source, "KTR", (target, ""))
        if structure.metabolite and "FPM" in assigned:
            flow(chain[-1], "KA", ("CENTRAL", "(1 - FPM)*"), ("METABOLITE", f"FPM*{ratio}"))
        else:
            flow(chain[-1], "KA", ("CENTRAL", ""))
    to_metabolite = (("METABOLITE", f"FM*{ratio}"),) if structure.metabolite else ()
    if "CL" in assigned:
        flow("CENTRAL", f"CL/{v1}", *to_metabolite)
    if not structure.linear:
        saturable = f"VMAX*CENTRAL/(KM*{v1} + CENTRAL)"
        terms["CENTRAL"].append(f"- {saturable}")
        if structure.metabolite:
            terms["METABOLITE"].append(f"+ FM*{ratio}{saturable}")
    peripherals = {2: (("PERIPHERAL1", "Q", "V2"),), 3: (("PERIPHERAL1", "Q2", "V2"), ("PERIPHERAL2", "Q3", "V3"))}
    for peripheral, q, volume in peripherals.get(structure.compartments, ()):
        flow("CENTRAL", f"{q}/{v1}", (peripheral, ""))
        flow(peripheral, f"{q}/{volume}", ("CENTRAL", ""))
    if structure.metabolite:
        flow("METABOLITE", "CLM/VM")
    lines = []
    for state, parts in terms.items():
        text = " ".join(parts)
        lines.append(f"dxdt_{state} = {text[2:] if text.startswith('+') else '-' + text[2:]};")
    return lines
