"""A nonparametric prior for Pmetrics / BestDose: support points as CSV, and a Pmetrics model file.

Conventions, and the files of LAPKB/Pmetrics (commit 6834c8f) and LAPKB/pharmsol they come from:

* Support points are written as Pmetrics' ``theta.csv``: a header of the model's primary parameter
  names and ``prob``, then one support point a row (R/PM_model.R, the ``prior`` argument of ``$fit``;
  R/PM_final.R reads the file; names are matched to the model's case-insensitively). Values are in
  the model's units, probabilities ≥ 0 add up to 1; ``../shared/validation/mipd`` TV7
  (``pmetrics_bestdose_prior_support_points.csv``: ke, v, prob) is an example.
* ``model_file`` writes the model text that Pmetrics reads with ``PM_model$new("model.txt")``
  (blocks of ``parseBlocks``, R/PMutilities.R; ``R6fromFile``, R/PM_model.R; examples
  tests/testthat/model2.txt and data-raw/model.txt). Pmetrics lowercases every line, drops lines
  starting with ``C `` (comments) and starts a block at every ``#``.
* ``#Pri``: each parameter of the support points with a range from the points' smallest value / 2
  to their largest × 2 (``RANGE_FACTOR``): a factor of 2 either side on the log scale keeps the
  bounds positive and lets NPAG/NPOD move points beyond the virtual population's extremes.
* No ``#Cov``: the support points are individual parameter sets (covariate effects included), so
  the model reads no covariate. ``#Sec`` holds the rate constants (KE = CL/V, K12 = Q/V1 …),
  ``#Eqn`` the ODEs of Pmetrics' library (R/mod_lib.R): IV doses, bolus or ``RATEIV[1]``, into
  compartment 1; for oral models ``B[1]`` into the depot (1) and ``RATEIV[1]`` into the central
  compartment (2), as data-raw/model.txt. ``#F`` and ``#Lag`` when the points hold F or ALAG.
* ``#Out``: Y[1] = central amount / volume × the factor from amount/volume to the analyte's unit.
* ``#Err``: SD = γ·(C0 + C1·y + C2·y² + C3·y³) after ``G=γ``, or √(poly² + λ²) after ``L=λ``
  (pharmsol src/data/error_model.rs, ``ErrorModel::sigma``); ``!`` fixes γ or λ (``G=5!`` in
  Pmetrics tests/testthat/test-fixed-error-models.R) and the coefficients. Ours map exactly:
  additive a → G=1, (a, 0, 0, 0); proportional b → G=1, (0, b, 0, 0); sd-sum a + b·f → G=1,
  (a, b, 0, 0); variance-sum √(a² + b²f²) → L=a, (0, b, 0, 0). Pmetrics evaluates the polynomial
  at the observation, we at the prediction. The parser reads γ and λ with the pattern
  ``\\d+\\.?\\d*``, so numbers are written without exponents.

Refused, with the field named: a model without support points, support points that miss a
parameter the structure uses, an exponential (log-scale) error (no Pmetrics form), and a
structure other than linear 1-3 compartments, IV or first-order absorption, without metabolite.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.popmodel import PopulationModel, SupportPoints

RANGE_FACTOR = 2.0
_EXAMPLE = "a header of parameter names and prob (e.g. ke,v,prob), then one support point a row"


def support_points_csv(model: PopulationModel) -> str:
    """The support points of ``model`` as Pmetrics' theta.csv (parameters, then prob)."""
    support = _support(model)
    rows = [",".join([*support.parameters, "prob"])]
    rows += [",".join(repr(float(v)) for v in (*point, p)) for point, p in zip(support.values, support.probability,
                                                                               strict=True)]
    return "\n".join(rows) + "\n"


def read_support_points(path_or_text: str | Path) -> SupportPoints:
    """Support points from a theta.csv file (a path, or the text itself when it has a line break)."""
    if isinstance(path_or_text, Path) or "\n" not in path_or_text:
        where = str(path_or_text)
        try:
            text = Path(path_or_text).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise PbpkInputError(where, "", error.strerror, "a readable support-point file (CSV)") from None
    else:
        text, where = path_or_text, "support points"
    rows = [(line, [cell.strip() for cell in cells]) for line, cells in
            enumerate(csv.reader(io.StringIO(text)), start=1) if any(cell.strip() for cell in cells)]
    if not rows:
        raise PbpkInputError(where, "", "an empty file", _EXAMPLE)
    line, header = rows[0]
    lowered = [name.lower() for name in header]
    if lowered.count("prob") != 1 or len(header) < 2:
        raise PbpkInputError(f"{where}:{line}", "prob", ",".join(header), f"{_EXAMPLE}: one prob column")
    for name in header:
        if not name.isidentifier() or lowered.count(name.lower()) > 1:
            raise PbpkInputError(f"{where}:{line}", name or "header", ",".join(header),
                                 f"{_EXAMPLE}: names of letters, digits and _, each once")
    if len(rows) == 1:
        raise PbpkInputError(where, "", "a header only", _EXAMPLE)
    table = np.empty((len(rows) - 1, len(header)))
    for k, (line, cells) in enumerate(rows[1:]):
        if len(cells) != len(header):
            column = header[len(cells)] if len(cells) < len(header) else f"column {len(cells)}"
            raise PbpkInputError(f"{where}:{line}", column, f"{len(cells)} values",
                                 f"{len(header)} values: " + ", ".join(header))
        for j, (column, cell) in enumerate(zip(header, cells, strict=True)):
            try:
                value = float(cell)
            except ValueError:
                value = np.nan
            probability = column.lower() == "prob"
            if not np.isfinite(value) or value < 0 or (value == 0 and not probability):
                raise PbpkInputError(f"{where}:{line}", column, cell, "a probability ≥ 0" if probability
                                     else "a positive number (the parameter in model units)")
            table[k, j] = value
    prob = lowered.index("prob")
    total = float(table[:, prob].sum())
    if abs(total - 1) > 1e-6:
        raise PbpkInputError(where, header[prob], f"a sum of {total:.9g}", "probabilities that add up to 1 "
                             "(within 1e-6)", "divide the prob column by its sum")
    names = tuple(name for name in header if name.lower() != "prob")
    return SupportPoints(names, np.delete(table, prob, axis=1), table[:, prob], f"Pmetrics support points: {where}")


def model_file(model: PopulationModel) -> str:
    """The Pmetrics model text (#Pri, #Sec, #Eqn, #Out, #Err) whose primaries are the support points."""
    support = _support(model)
    structure = model.structure
    if not structure.linear or structure.metabolite or structure.absorption == "transit":
        raise PbpkInputError(model.name, "structure", f"absorption {structure.absorption}, elimination "
                             f"{structure.elimination}, metabolite {structure.metabolite}", "a linear 1-3 "
                             "compartment model, IV or first-order absorption, without metabolite")
    used = structure.required + tuple(name for name in structure.optional if name in model.code.assigned)
    if set(used) - set(support.parameters):
        raise PbpkInputError(model.name, "support_points.parameters", list(support.parameters),
                             "every parameter the structure uses: " + ", ".join(used))
    error = model.errors["parent"]
    if error.kind == "exponential":
        raise PbpkInputError(model.name, "error.parent.model", "exponential", "an additive, proportional or "
                             "combined error: Pmetrics has no log-scale error (pharmsol ErrorModel)")
    a, b = error.additive_sd, error.proportional_sd
    gamlam, coefficients = (f"L={_number(a)}!", (0, b)) if error.combination == "variance-sum" else ("G=1!", (a, b))
    oral = structure.absorption != "none"
    c, v = int(oral) + 1, structure.central_volume
    flows = {1: [], 2: [("Q", "V2")], 3: [("Q2", "V2"), ("Q3", "V3")]}[structure.compartments]
    secondary = [f"KE = CL/{v}"]
    central = "RATEIV[1]" + (" + KA*X[1]" if oral else "") + f" - KE*X[{c}]"
    peripheral = []
    for p, (q, volume) in enumerate(flows, start=c + 1):
        secondary += [f"K{c}{p} = {q}/{v}", f"K{p}{c} = {q}/{volume}"]
        central += f" - K{c}{p}*X[{c}] + K{p}{c}*X[{p}]"
        peripheral.append(f"dX[{p}] = K{c}{p}*X[{c}] - K{p}{c}*X[{p}]")
    low, high = support.values.min(axis=0) / RANGE_FACTOR, support.values.max(axis=0) * RANGE_FACTOR
    factor = model.concentration_factor("parent")
    lines = [f"C {model.name}: {model.title}".replace("#", ""),
             (f"C time in {model.units['time']}, doses in {model.units['amount']}, volumes in {model.units['volume']}, "
              f"Y in {model.analytes['parent']}; ranges: the support points / {RANGE_FACTOR:g} to x {RANGE_FACTOR:g}"),
             "#Pri", *(f"{name}, {_number(lo)}, {_number(hi)}" for name, lo, hi in zip(support.parameters, low, high,
                                                                                       strict=True)),
             "#Sec", *secondary]
    if "F" in support.parameters:
        lines += ["#F", "FA[1] = F"]
    if "ALAG" in support.parameters:
        lines += ["#Lag", "LAG[1] = ALAG"]
    lines += ["#Eqn", *(["dX[1] = B[1] - KA*X[1]"] if oral else []), f"dX[{c}] = {central}", *peripheral,
              "#Out", f"Y[1] = X[{c}]/{v}" + ("" if factor == 1 else f"*{_number(factor)}"),
              "#Err", gamlam, ", ".join(_number(x) for x in (*coefficients, 0, 0)) + "!"]
    return "\n".join(lines) + "\n"


def _support(model: PopulationModel) -> SupportPoints:
    if model.support_points is None:
        raise PbpkInputError(model.name, "support_points", None, "a nonparametric prior (support points) on the model",
                             "derive one with pbpk.mipd.priors.derive_prior(..., support_points=N), which keeps N "
                             "virtual subjects' parameter sets, or add support_points to the model file")
    return model.support_points


def _number(value: float) -> str:
    """A number without exponent (Pmetrics reads γ and λ as digits and a point)."""
    return np.format_float_positional(float(value), trim="-")
