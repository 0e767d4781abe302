"""Forecasting evaluation of a prior (``pbpk.mipd.forecasting``): error shrinks with samples, no leakage, metrics."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pbpk.cli import main
from pbpk.core.errors import PbpkInputError
from pbpk.mipd.forecasting import forecast, forecast_subject, summary, truncate
from pbpk.mipd.map_estimation import predict_subject
from pbpk.mipd.modelfile import load_poppk, poppk_from_dict
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import Dose, repeated_doses

TV2 = Path(__file__).resolve().parents[3] / "shared" / "validation" / "mipd" / "pkpdmap_run1_data.csv"
MODELS = Path(__file__).resolve().parents[2] / "poppk_models"
TIMES = np.array([1.0, 6.0, 12.0, 30.0])
DOSES = (Dose(0.0, 100.0), Dose(24.0, 100.0))


@pytest.fixture(scope="module")
def one_compartment():
    """TV2's 1-compartment bolus model with a 10 % proportional error and moderate Ω."""
    data = json.loads((MODELS / "example-pkpdmap-run1.json").read_text(encoding="utf-8"))
    data["omega"][0]["variance"] = [[0.09, 0.02], [0.02, 0.04]]
    data["error"]["parent"] = {"model": "proportional", "variance": {"proportional": 0.01}}
    return poppk_from_dict(data, where="test")


def _simulated(model, n: int = 40, seed: int = 2) -> list[Subject]:
    """n subjects, 4 samples each, simulated from the model with η ~ N(0, Ω) and its residual error."""
    rng = np.random.default_rng(seed)
    subjects = []
    for k in range(n):
        eta = rng.multivariate_normal(np.zeros(len(model.eta_names)), model.omega.matrix)
        empty = Subject(str(k), DOSES, TIMES, np.zeros(4), np.zeros(4, bool), np.full(4, np.nan), {}, np.array([0.0]))
        f = predict_subject(model, empty, eta)
        y = f + rng.normal(0.0, model.errors["parent"].sd(f))
        subjects.append(replace(empty, observations=y))
    return subjects


def test_forecast_error_shrinks_with_samples_and_a_priori_is_unbiased(one_compartment):
    table = forecast(one_compartment, _simulated(one_compartment))
    assert list(table.columns[:8]) == ["id", "step", "time", "analyte", "observed", "predicted", "error",
                                      "relative_error"]
    assert len(table) == 160 and table["converged"].all()
    metrics = summary(table).set_index("step")
    assert list(metrics.index) == [0, 1, 2, 3] and (metrics["n"] == 40).all()
    assert metrics.loc[3, "MAPE"] < metrics.loc[0, "MAPE"]
    assert abs(metrics.loc[0, "MPE"]) < 10.0
    assert metrics.loc[3, "P20"] > metrics.loc[0, "P20"]


def test_a_priori_forecast_is_the_typical_prediction(one_compartment):
    subject = _simulated(one_compartment, n=1)[0]
    first = forecast(one_compartment, [subject], steps=0)
    assert len(first) == 1 and first["step"].iloc[0] == 0
    assert first["predicted"].iloc[0] == predict_subject(one_compartment, subject, np.zeros(2))[0]


def _goti_subject(observations, clcreat) -> Subject:
    """A Goti patient on 1 g every 12 h with creatinine clearance changing over time (per record)."""
    doses = repeated_doses(1000.0, 12.0, 4, duration=1.0)
    times = np.array([11.5, 23.5, 35.5, 47.5])
    records = np.unique(np.concatenate([[d.time for d in doses], times]))
    covariates = {"CLCREAT": np.asarray(clcreat, dtype=float), "WT": 70.0, "DIAL": 0.0}
    return Subject("1", doses, times, np.asarray(observations, dtype=float), np.zeros(4, bool), np.full(4, np.nan),
                   covariates, records)


def test_no_leakage_of_later_observations_or_covariates():
    goti = load_poppk("vancomycin-goti-2018")
    clcreat = np.array([80.0, 80.0, 70.0, 70.0, 60.0, 60.0, 50.0, 50.0])  # records 0 11.5 12 23.5 24 35.5 36 47.5
    base = forecast(goti, [_goti_subject([8.0, 10.0, 12.0, 14.0], clcreat)])
    later_observation = forecast(goti, [_goti_subject([8.0, 10.0, 25.0, 3.0], clcreat)])
    after_23 = clcreat.copy()
    after_23[4:] = [150.0, 150.0, 20.0, 20.0]
    after_35 = clcreat.copy()
    after_35[6:] = [150.0, 20.0]
    later_covariate = forecast(goti, [_goti_subject([8.0, 10.0, 12.0, 14.0], after_23)])
    future_covariate = forecast(goti, [_goti_subject([8.0, 10.0, 12.0, 14.0], after_35)])
    # the forecasts of the samples at 11.5, 23.5, 35.5 (steps 0, 1, 2) use no observation from 35.5 on
    forecasts = ["id", "step", "time", "predicted", "converged"]
    pd.testing.assert_frame_equal(base.iloc[:3][forecasts], later_observation.iloc[:3][forecasts], check_exact=True)
    pd.testing.assert_frame_equal(base.iloc[:3], later_covariate.iloc[:3], check_exact=True)
    assert later_covariate["predicted"].iloc[3] != base["predicted"].iloc[3]
    assert later_observation["predicted"].iloc[3] != base["predicted"].iloc[3]
    # covariates changed only on the records after the last sample but one (36 and 47.5 h): the forecast of
    # 47.5 h carries forward the value of the record at 35.5 h, so every forecast is the same
    pd.testing.assert_frame_equal(base, future_covariate, check_exact=True)


def test_truncated_subject_holds_only_the_known_records():
    subject = _goti_subject([8.0, 10.0, 12.0, 14.0], [80.0, 80.0, 70.0, 70.0, 60.0, 60.0, 50.0, 50.0])
    known = truncate(subject, 23.5)
    assert known.times.tolist() == [11.5, 23.5] and max(d.time for d in known.doses) <= 23.5
    assert known.record_times.tolist() == [0.0, 11.5, 12.0, 23.5]
    assert known.covariates["CLCREAT"].tolist() == [80.0, 80.0, 70.0, 70.0]
    ahead = forecast_subject(subject, 23.5, 35.5)
    assert ahead.times.tolist() == [35.5] and max(d.time for d in ahead.doses) == 24.0
    assert ahead.covariates_at(35.5)["CLCREAT"] == 70.0 and ahead.covariates_at(11.5)["CLCREAT"] == 80.0


def test_summary_formulas_on_a_hand_made_table():
    table = pd.DataFrame({"id": ["a", "b", "c", "d", "a"], "step": [0, 0, 0, 0, 1],
                          "observed": [10.0, 10.0, 20.0, 40.0, 5.0], "predicted": [11.0, 7.5, 30.0, 40.0, 5.5]})
    table["error"] = table["predicted"] - table["observed"]
    table["relative_error"] = table["error"] / table["observed"]
    metrics = summary(table)
    first = metrics.iloc[0]
    # relative errors 0.1, −0.25, 0.5, 0; errors 1, −2.5, 10, 0
    assert first["n"] == 4
    assert first["MPE"] == pytest.approx(100 * 0.35 / 4)
    assert first["MAPE"] == pytest.approx(100 * 0.85 / 4)
    assert first["RMSE"] == pytest.approx(np.sqrt((1 + 6.25 + 100) / 4))
    assert first["relative_RMSE"] == pytest.approx(100 * np.sqrt((0.01 + 0.0625 + 0.25) / 4))
    assert first["P20"] == pytest.approx(50.0) and first["P30"] == pytest.approx(75.0)
    assert metrics.iloc[1][["n", "MPE", "P20"]].tolist() == pytest.approx([1, 10.0, 100.0])


def test_a_data_set_without_two_samples_in_a_subject_is_refused(one_compartment):
    subject = replace(_simulated(one_compartment, n=1)[0], times=np.array([1.0]), observations=np.array([900.0]),
                      censored=np.zeros(1, bool), lloq=np.full(1, np.nan))
    with pytest.raises(PbpkInputError, match="two samples"):
        forecast(one_compartment, [subject, subject])


@pytest.mark.slow
@pytest.mark.skipif(not TV2.exists(), reason="the shared MIPD test vectors are not beside the project")
def test_forecast_eval_on_tv2_gives_one_summary_row_per_step(capsys):
    status = main(["forecast-eval", "example-pkpdmap-run1", "--data", str(TV2), "--rename", "AMT_mg=AMT",
                   "--steps", "3", "--json"])
    out, _ = capsys.readouterr()
    assert status == 0
    result = json.loads(out)
    assert [row["step"] for row in result["summary"]] == [0, 1, 2, 3]
    assert all(row["n"] == 100 for row in result["summary"]) and result["subjects"] == 100
    assert result["summary"][3]["MAPE"] < result["summary"][0]["MAPE"]
