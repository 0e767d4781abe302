"""The Pmetrics / BestDose prior: support points round-trip through theta.csv, the TV7 prior reads as
documented, bad files are refused with file, line and column, and the model file, read the way
Pmetrics reads it (R/PMutilities.R parseBlocks: ``C `` comments dropped, a block at each ``#``, all
lowercase), has the model's flows, concentration and residual SD (pharmsol ErrorModel::sigma).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.covariate_model import CovariateData
from pbpk.mipd.individual_fits import Design
from pbpk.mipd.modelfile import load_poppk, poppk_from_dict
from pbpk.mipd.pmetrics import (
    RANGE_FACTOR,
    model_file,
    read_support_points,
    support_points_csv,
)
from pbpk.mipd.popmodel import SupportPoints
from pbpk.mipd.priors import AssayError, derive_prior
from pbpk.mipd.solve import repeated_doses

TV7 = Path(__file__).resolve().parents[3] / "shared/validation/mipd/pmetrics_bestdose_prior_support_points.csv"
ORAL_LAG = {
    "format": "pbpk-poppk/1", "name": "oral-lag", "drug": "x", "title": "3-compartment oral with F and lag #1",
    "source": {"type": "example", "reference": "made for this test"},
    "structure": {"compartments": 3, "absorption": "first-order"},
    "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "ng/mL"}},
    "theta": {"TVCL": {"value": 5.0}, "TVV1": {"value": 20.0}, "TVKA": {"value": 1.1}},
    "omega": [{"eta": "ETA_CL", "variance": 0.1}, {"eta": "ETA_V1", "variance": 0.2},
              {"eta": "ETA_KA", "variance": 0.3}],
    "pk": ["CL = TVCL * exp(ETA_CL)", "V1 = TVV1 * exp(ETA_V1)", "Q2 = 3", "V2 = 30", "Q3 = 1.5", "V3 = 80",
           "KA = TVKA * exp(ETA_KA)", "F = 0.7", "ALAG = 0.4"],
    "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.15}}},
}
PATIENT = {"CLCREAT": 65.0, "CRCL": 65.0, "WT": 82.0, "DIAL": 0.0, "BW": 82.0, "SEX": 1.0}


def _with_points(model, n: int = 25, seed: int = 1):
    """The model with the parameter sets of n of its own subjects (covariates of PATIENT) as support points."""
    rng = np.random.default_rng(seed)
    covariates = {c: PATIENT[c] for c in model.covariate_names}
    values = model.structural(model.parameters(covariates, model.sample_eta(n, rng)))
    names = tuple(values)
    points = np.column_stack([np.broadcast_to(values[name], (n,)) for name in names])
    weights = rng.uniform(0.5, 1.5, n)
    return replace(model, support_points=SupportPoints(names, points, weights / weights.sum(), "test"))


def _blocks(text: str) -> dict[str, list[str]]:
    """The blocks as Pmetrics' parseBlocks finds them, lowercased as it does."""
    blocks: dict[str, list[str]] = {}
    name = None
    for line in text.lower().splitlines():
        if line.startswith("c ") or not line.strip():
            continue
        if "#" in line:
            name = line.strip()[:4]
            blocks[name] = []
        else:
            assert name is not None, f"text before the first block: {line!r}"
            blocks[name].append(line)
    return blocks


def _run(lines: list[str], scope: dict) -> dict:
    """Run ``name = expression`` / ``dx[k] = expression`` lines (R and Python agree on this subset)."""
    scope = {**scope, "dx": {}}
    for line in lines:
        target, expression = (part.strip() for part in line.split("=", 1))
        value = eval(expression, {}, scope)
        if target.startswith("dx["):
            scope["dx"][int(target[3:-1])] = value
        else:
            scope[target] = value
    return scope


# ---- support points -------------------------------------------------------------------------------------------------

def test_tv7_bestdose_prior_reads_46_points_that_sum_to_one():
    if not TV7.exists():
        pytest.skip(f"{TV7} is not here (../shared is not checked out)")
    prior = read_support_points(TV7)
    assert prior.parameters == ("ke", "v") and prior.values.shape == (46, 2)
    assert prior.probability.sum() == pytest.approx(1.0, abs=1e-6)
    assert np.all(prior.values > 0) and np.all(prior.probability >= 0)


def test_tv7_points_round_trip_through_a_model():
    if not TV7.exists():
        pytest.skip(f"{TV7} is not here (../shared is not checked out)")
    prior = read_support_points(TV7)
    ke, v = prior.values.T
    model = load_poppk("example-pkpdmap-run1")  # 1-compartment IV in CL, V: CL = ke·V
    model = replace(model, support_points=SupportPoints(("CL", "V"), np.column_stack([ke * v, v]), prior.probability))
    text = support_points_csv(model)
    assert text.splitlines()[0] == "CL,V,prob" and len(text.splitlines()) == 47
    back = read_support_points(text)
    assert back.parameters == ("CL", "V")
    assert np.array_equal(back.values, model.support_points.values)
    assert np.array_equal(back.probability, prior.probability)


def test_derived_prior_support_points_round_trip_and_model_file():
    truth = poppk_from_dict({**ORAL_LAG, "name": "truth", "structure": {"compartments": 1},
                             "analytes": {"parent": {"unit": "mg/L"}}, "omega": ORAL_LAG["omega"][:2],
                             "pk": ["CL = TVCL * exp(ETA_CL)", "V = TVV1 * exp(ETA_V1)"], "theta": {
                                 "TVCL": {"value": 4.0}, "TVV1": {"value": 40.0}}}, where="truth")
    doses, times = repeated_doses(500.0, 12.0, 2, duration=1.0), np.linspace(0.0, 24.0, 25)
    rng = np.random.default_rng(5)
    profiles = truth.predict(doses, times, {}, truth.sample_eta(12, rng), at_dose_time="after").concentration()
    weight = CovariateData("WT", rng.uniform(50, 90, 12), "kg", "weight", 70)
    derived = derive_prior(profiles, Design(doses, times), [weight], name="derived", drug="x", title="t",
                           compartments=1, support_points=10, assay=AssayError(proportional=0.1, additive=0.5)).model
    back = read_support_points(support_points_csv(derived))
    assert back.parameters == derived.support_points.parameters == ("CL", "V")
    assert np.array_equal(back.values, derived.support_points.values)
    assert np.array_equal(back.probability, derived.support_points.probability)
    error = _blocks(model_file(derived))["#err"]
    assert error[0] == "l=0.5!"  # variance-sum: λ = the additive SD, the proportional SD as C1


# ---- the model file -------------------------------------------------------------------------------------------------

MODELS = ["example-pkpdmap-run1", "vancomycin-goti-2018", "examplinib-mapbayr-2021", "example-mapbayr-blq",
          "tobramycin-posologyr-example", "oral-lag"]


def _load(name: str):
    return poppk_from_dict(ORAL_LAG, where=name) if name == "oral-lag" else load_poppk(name)


@pytest.mark.parametrize("name", MODELS)
def test_model_file_has_the_model_flows_output_and_error(name):
    model = _with_points(_load(name))
    support, structure = model.support_points, model.structure
    blocks = _blocks(model_file(model))
    assert {"#pri", "#eqn", "#out", "#err"} <= set(blocks)  # mandatory in R/PMutilities.R
    assert "#cov" not in blocks  # the support points already hold each subject's covariate effects
    # #Pri: the points' range widened by RANGE_FACTOR either side
    rows = [line.split(",") for line in blocks["#pri"]]
    assert [row[0] for row in rows] == [name.lower() for name in support.parameters]
    ranges = np.array([[float(row[1]), float(row[2])] for row in rows])
    assert ranges[:, 0] == pytest.approx(support.values.min(axis=0) / RANGE_FACTOR, rel=1e-15)
    assert ranges[:, 1] == pytest.approx(support.values.max(axis=0) * RANGE_FACTOR, rel=1e-15)
    # #Sec and #Eqn, run on one support point, give the flows of Structure.matrix
    point = {n.lower(): v for n, v in zip(support.parameters, support.values[3], strict=True)}
    oral = structure.absorption != "none"
    size = structure.compartments + oral
    amounts = np.random.default_rng(2).uniform(1.0, 100.0, size)
    none = {1: 0.0}
    scope = _run(blocks["#sec"], {**point, "x": dict(enumerate(amounts, start=1)), "b": none, "rateiv": none})
    flows = _run(blocks["#eqn"], scope)["dx"]
    p = structure.defaults({n: np.atleast_1d(v) for n, v in zip(support.parameters, support.values[3], strict=True)})
    expected = structure.matrix(p, 1)[0][:size, :size] @ amounts
    assert [flows[k] for k in range(1, size + 1)] == pytest.approx(expected, rel=1e-12)
    # inputs: an infusion RATEIV[1] into the central compartment, an oral bolus B[1] into the depot (IV boluses
    # go into compartment 1 with no B[1] term, as R/mod_lib.R one_comp_iv)
    for inputs, compartment in [({"rateiv": {1: 1.0}}, 1 + oral)] + ([({"b": {1: 1.0}}, 1)] if oral else []):
        moved = _run(blocks["#eqn"], {**scope, **inputs})["dx"]
        assert {k: moved[k] - flows[k] for k in flows} == {k: float(k == compartment) for k in flows}
    assert blocks.get("#f", []) == (["fa[1] = f"] if "F" in support.parameters else [])
    assert blocks.get("#lag", []) == (["lag[1] = alag"] if "ALAG" in support.parameters else [])
    # #Out: the concentration in the analyte's unit
    target, expression = blocks["#out"][0].split("=", 1)
    concentration = amounts[structure.index("central")] / p[structure.central_volume][0]
    assert target.strip() == "y[1]"
    assert eval(expression, {}, scope) == pytest.approx(concentration * model.concentration_factor("parent"), rel=1e-12)
    # #Err: γ·poly(y) or √(poly(y)² + λ²), evaluated at y = f, is the model's SD g(f)
    kind, value = blocks["#err"][0][0], float(blocks["#err"][0][2:].rstrip("!"))
    c = [float(x) for x in blocks["#err"][1].rstrip("!").split(",")]
    concentrations = np.array([0.05, 1.0, 12.0, 80.0])
    poly = c[0] + c[1] * concentrations + c[2] * concentrations**2 + c[3] * concentrations**3
    sigma = value * poly if kind == "g" else np.sqrt(poly**2 + value**2)
    assert sigma == pytest.approx(model.errors["parent"].sd(concentrations), rel=1e-12)
    assert blocks["#err"][0].endswith("!") and blocks["#err"][1].endswith("!")  # fixed: the prior's σ


# ---- refusals -------------------------------------------------------------------------------------------------------

def test_a_model_without_support_points_is_refused_with_the_way_to_make_them():
    model = load_poppk("example-pkpdmap-run1")
    for export in (support_points_csv, model_file):
        with pytest.raises(PbpkInputError, match=r"derive_prior\(\.\.\., support_points=N\)") as error:
            export(model)
        assert (error.value.where, error.value.field) == ("example-pkpdmap-run1", "support_points")


def test_model_file_refuses_missing_parameters_and_a_log_scale_error():
    model = _with_points(load_poppk("example-mapbayr-blq"))
    support = model.support_points
    partial = replace(model, support_points=replace(support, parameters=support.parameters[:2],
                                                    values=support.values[:, :2]))
    with pytest.raises(PbpkInputError, match="every parameter the structure uses: CL, V1, Q, V2"):
        model_file(partial)
    error = replace(model.errors["parent"], kind="exponential", proportional=0.0, combination="")
    with pytest.raises(PbpkInputError) as refused:
        model_file(replace(model, errors={"parent": error}))
    assert (refused.value.where, refused.value.field) == (model.name, "error.parent.model")


@pytest.mark.parametrize(("text", "where", "field", "found"), [
    ("ke,v,prob\n0.1,50,0.5\n0.2,60,-0.1\n0.3,70,0.6\n", ":3", "prob", "-0.1"),
    ("ke,v,prob\n0.1,50,0.5\n0.2,60\n", ":3", "prob", "2 values"),
    ("ke,v\n0.1,50\n", ":1", "prob", "ke,v"),
    ("ke,v,prob\n0.1,50,0.5\n0.2,60,0.4\n", "", "prob", "a sum of 0.9"),
    ("ke,v,prob\n0.1,fifty,0.5\n0.2,60,0.5\n", ":2", "v", "fifty"),
    ("ke,v,prob\n0.1,0,0.5\n0.2,60,0.5\n", ":2", "v", "0"),
    ("ke,ke,prob\n0.1,50,1\n", ":1", "ke", "ke,ke,prob"),
])
def test_bad_files_are_refused_naming_file_line_and_column(tmp_path, text, where, field, found):
    path = tmp_path / "prior.csv"
    path.write_text(text)
    with pytest.raises(PbpkInputError) as error:
        read_support_points(path)
    assert (error.value.where, error.value.field, error.value.found) == (f"{path}{where}", field, found)
