"""The library model of MIPD test vector TV7 (Pmetrics' BestDose example, ``example-pmetrics-bestdose``).

It holds the 46 support points of ``../shared/validation/mipd/pmetrics_bestdose_prior_support_points.csv``
(Pmetrics' ke, v) over our 1-compartment parameters (CL = ke·v, V = v), a log-normal summary of them
(θ: weighted geometric means; Ω: weighted covariance of ln ke, ln v) and Pmetrics' additive error
λ = 1 with the assay polynomial (0, 0.20, 0, 0), SD = √((0.20·C)² + λ²) (pharmsol ErrorModel::sigma).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pbpk.core.datafiles import data_dir
from pbpk.mipd.modelfile import library, load_poppk
from pbpk.mipd.pmetrics import model_file, read_support_points, support_points_csv
from pbpk.mipd.solve import Dose, repeated_doses, solve

NAME = "example-pmetrics-bestdose"
SHARED = Path(__file__).resolve().parents[3] / "shared/validation/mipd"
PRIOR = SHARED / "pmetrics_bestdose_prior_support_points.csv"
PAST = SHARED / "pmetrics_bestdose_past.csv"


@pytest.fixture(scope="module")
def model():
    return load_poppk(NAME)


def _csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared is not checked out)")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _prior() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ke, v and prob of the TV7 prior, each value read from its text as written."""
    rows = _csv(PRIOR)
    return tuple(np.array([float(row[key]) for row in rows]) for key in ("ke", "v", "prob"))


# ---- the file -------------------------------------------------------------------------------------------------------

def test_loads_as_the_tv7_model(model):
    assert NAME in library()
    assert (data_dir("poppk_models") / f"{NAME}.json").exists() and model.name == NAME
    assert model.source["type"] == "example" and "LAPKB/Pmetrics" in model.source["implementation"]
    assert "GPL" in model.source["reference"]
    structure = model.structure
    assert (structure.compartments, structure.absorption, structure.elimination) == (1, "none", "linear")
    assert dict(model.units) == {"time": "h", "amount": "mg", "volume": "L"}
    assert dict(model.analytes) == {"parent": "mg/L"}
    assert model.concentration_factor("parent") == 1.0
    assert model.covariates == ()
    assert model.code.lines() == ["KE = TVKE * exp(ETA_KE)", "V = TVV * exp(ETA_V)", "CL = KE * V"]
    assert model.eta_names == ("ETA_KE", "ETA_V")


def test_error_is_pmetrics_additive_lambda_1_with_assay_polynomial_0_020(model):
    error = model.errors["parent"]
    assert (error.kind, error.combination, error.additive_sd, error.proportional_sd) == (
        "combined", "variance-sum", 1.0, 0.2)
    c = np.array([0.0, 0.1, 0.3, 0.76, 1.5, 10.0])
    poly = 0.0 + 0.20 * c + 0.0 * c**2 + 0.0 * c**3  # additive(1, c(0, 0.20, 0, 0))
    assert error.sd(c) == pytest.approx(np.sqrt(poly**2 + 1.0**2), rel=1e-14)


# ---- the support points ---------------------------------------------------------------------------------------------

def test_support_points_are_the_46_tv7_points_as_cl_and_v(model):
    ke, v, prob = _prior()
    support = model.support_points
    assert support.parameters == ("CL", "V") and support.values.shape == (46, 2)
    assert np.array_equal(support.values[:, 0], ke * v)  # CL = ke·v, the float64 product of the values as written
    assert np.array_equal(support.values[:, 1], v)
    assert np.array_equal(support.probability, prob)
    assert support.probability.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(support.probability >= 0)
    # inside the Pmetrics prior ranges ke = ab(0.001, 3.0), v = ab(25.0, 250.0)
    assert np.all((ke >= 0.001) & (ke <= 3.0)) and np.all((v >= 25.0) & (v <= 250.0))
    assert "CL = ke·v" in support.source and "bestdose_prior.csv" in support.source


def test_theta_and_omega_are_the_weighted_log_moments_of_the_points(model):
    ke, v, prob = _prior()
    logs = np.log(np.column_stack([ke, v]))
    mean = prob @ logs
    covariance = (prob[:, None] * (logs - mean)).T @ (logs - mean)
    thetas = model.theta_values
    assert [thetas["TVKE"], thetas["TVV"]] == pytest.approx(np.exp(mean), rel=5e-4)  # 4 significant digits
    assert model.omega.matrix == pytest.approx(covariance, rel=5e-4)
    assert all(block.source and "not published" in block.source for block in model.omega.blocks)
    assert all("not published" in theta.source for theta in model.thetas)


# ---- predictions ----------------------------------------------------------------------------------------------------

def test_typical_prediction_is_the_closed_form_iv_bolus(model):
    ke, v = model.theta_values["TVKE"], model.theta_values["TVV"]
    parameters = model.parameters({})
    assert parameters["KE"][0] == pytest.approx(ke, rel=1e-15)
    assert parameters["CL"][0] == pytest.approx(ke * v, rel=1e-15) and parameters["V"][0] == v
    times = np.array([0.0, 0.5, 2.0, 4.0, 6.0, 12.0, 24.0, 48.0])
    single = model.predict([Dose(0.0, 150.0)], times, {}, at_dose_time="after").concentration()[0]
    assert single == pytest.approx(150.0 / v * np.exp(-ke * times), rel=1e-10)
    # q12h boluses: the sum of the closed forms (samples at dose times see the dose: "after")
    doses = repeated_doses(75.0, 12.0, 3)
    repeated = model.predict(doses, times, {}, at_dose_time="after").concentration()[0]
    expected = sum(np.where(times >= d.time, d.amount / v * np.exp(-ke * (times - d.time)), 0.0) for d in doses)
    assert repeated == pytest.approx(expected, rel=1e-10)


def test_past_data_are_the_predictions_of_support_point_20(model):
    """bestdose_past.csv (150 mg at 0 h, 75 mg at 12 h) is noise-free: support point 20 predicts it to 1e-8."""
    rows = _csv(PAST)
    hours = [sum(float(x) * f for x, f in zip(row["time"].split(":"), (1.0, 1 / 60, 1 / 3600), strict=True))
             for row in rows]
    doses = [Dose(t, float(row["dose"])) for t, row in zip(hours, rows, strict=True) if row["evid"] == "1"]
    samples = [(t, float(row["out"])) for t, row in zip(hours, rows, strict=True) if row["evid"] == "0"]
    assert [(d.time, d.amount) for d in doses] == [(0.0, 150.0), (12.0, 75.0)]
    times, observed = (np.array(column) for column in zip(*samples, strict=True))
    support = model.support_points
    predicted = solve(model.structure, {"CL": support.values[:, 0], "V": support.values[:, 1]}, doses,
                      times).concentrations["parent"] * model.concentration_factor("parent")
    misfit = np.max(np.abs(predicted - observed) / observed, axis=1)
    assert int(np.argmin(misfit)) == 19 and misfit[19] < 1e-8
    ke, v, _ = _prior()
    assert ke[19] == pytest.approx(0.3406, abs=1e-4) and v[19] == pytest.approx(99.995, abs=1e-3)


# ---- Pmetrics export ------------------------------------------------------------------------------------------------

def test_pmetrics_support_points_round_trip(model):
    text = support_points_csv(model)
    lines = text.splitlines()
    assert lines[0] == "CL,V,prob" and len(lines) == 47
    back = read_support_points(text)
    assert back.parameters == ("CL", "V")
    assert np.array_equal(back.values, model.support_points.values)
    assert np.array_equal(back.probability, model.support_points.probability)


def test_pmetrics_model_file_has_the_tv7_error_and_equation(model):
    text = model_file(model).lower()
    blocks = text.split("#")
    error = next(block for block in blocks if block.startswith("err")).split("\n")
    assert error[1:3] == ["l=1!", "0, 0.2, 0, 0!"]  # additive(1, c(0, 0.20, 0, 0)), fixed
    assert "ke = cl/v" in text and "y[1] = x[1]/v" in text
