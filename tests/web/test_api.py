"""The web API over pbpk.mipd: the model list, MAP fits and dose recommendations as the library computes them."""

from __future__ import annotations

import base64
import copy

import numpy as np
import pytest
from fastapi.testclient import TestClient

from pbpk.mipd.map_estimation import estimate
from pbpk.mipd.modelfile import library, load_poppk
from pbpk.mipd.patient_record import patient_from_dict, read_patient
from pbpk.mipd.posterior import laplace_posterior
from pbpk.mipd.recommend import Regimen
from pbpk.web.app import create_app

MODEL = "vancomycin-goti-2018"
#: The TV3 vancomycin patient 02 (posologyr) as a request body, and the same record as a YAML file.
PATIENT = {
    "id": "tv3-02",
    "covariates": {"CLCREAT": "34 mL/min", "WT": "62 kg", "DIAL": 0},
    "doses": [{"time": "0 h", "amount": "1.9 g", "infusion": "60 min"},
              {"time": "22.2 h", "amount": "1750 mg", "infusion": "1 h", "route": "iv"}],
    "samples": [{"time": "12 h", "concentration": "14.8 mg/L"}, {"time": "37.5 h", "concentration": "22.5 mg/L"}],
}
YAML = """\
id: tv3-02
covariates: {CLCREAT: 34 mL/min, WT: 62 kg, DIAL: 0}
doses:
  - {time: 0 h, amount: 1.9 g, infusion: 60 min}
  - {time: 22.2 h, amount: 1750 mg, infusion: 1 h, route: iv}
samples:
  - {time: 12 h, concentration: 14.8 mg/L}
  - {time: 37.5 h, concentration: 22.5 mg/L}
"""
RECOMMEND = {"model": MODEL, "patient": PATIENT, "target": "AUC24 400-600 mg*h/L", "doses": "500-2500 by 250 mg",
             "intervals": "12,24 h", "infusion": "1 h", "toxicity": "trough > 20 mg/L", "draws": 300, "top": 5}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as client:
        yield client


@pytest.fixture(scope="module")
def fitted(client) -> dict:
    response = client.post("/api/map", json={"model": MODEL, "patient": PATIENT, "figure": True})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def recommended(client) -> dict:
    response = client.post("/api/recommend", json={**RECOMMEND, "figure": True})
    assert response.status_code == 200, response.text
    return response.json()


def _png(text: str) -> bytes:
    data = base64.b64decode(text)
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    return data


def test_the_models_are_the_library_with_units_and_covariates(client):
    response = client.get("/api/models")
    assert response.status_code == 200
    models = {entry["name"]: entry for entry in response.json()}
    assert sorted(models) == library()
    goti = models[MODEL]
    assert goti["drug"] == "vancomycin" and goti["source"]["year"] == 2018
    assert goti["structure"]["compartments"] == 2 and goti["units"] == {"time": "h", "amount": "mg", "volume": "L"}
    assert goti["analytes"] == {"parent": "mg/L"} and goti["routes"] == ["iv"]
    covariates = {c["name"]: c for c in goti["covariates"]}
    assert covariates["WT"]["unit"] == "kg" and covariates["WT"]["range"] == [20.0, 300.0]
    assert covariates["DIAL"]["type"] == "binary" and covariates["CLCREAT"]["unit"] == "mL/min"
    assert models["examplinib-mapbayr-2021"]["routes"] == ["oral", "iv"]  # oral (the default) first


def test_map_gives_the_fit_of_the_same_record_read_from_a_file(tmp_path, fitted):
    model = load_poppk(MODEL)
    path = tmp_path / "patient.yaml"
    path.write_text(YAML, encoding="utf-8")
    subject = read_patient(path, model)
    fit = estimate(model, subject)
    np.testing.assert_allclose(list(fitted["fit"]["eta"].values()), fit.eta, rtol=0, atol=1e-12)
    assert fitted["fit"]["ofv"] == pytest.approx(fit.ofv, rel=1e-12)
    assert fitted["fit"]["converged"] and fitted["fit"]["id"] == "tv3-02"
    np.testing.assert_allclose([s["predicted"] for s in fitted["samples"]], fit.predictions, rtol=1e-12)
    # the 90 % intervals of pbpk map --json: 300 Laplace draws, seed 0
    table = laplace_posterior(fit, 300, 0).parameter_intervals(model, subject)
    rows = {row["parameter"]: row for row in fitted["fit"]["parameters"]}
    for name, value, low, high in table.itertuples(index=False):
        assert (rows[name]["map"], rows[name]["low"], rows[name]["high"]) == pytest.approx((value, low, high))
    assert rows["CL"]["unit"] == "L/h" and rows["V1"]["unit"] == "L"
    assert fitted["fit"]["eta_se"]["ETA_CL"] == pytest.approx(np.sqrt(fit.covariance[0, 0]))


def test_map_profile_band_and_figure(fitted):
    profile = fitted["profile"]
    times, best, low, high = (np.array(profile[key]) for key in ("times", "map", "low", "high"))
    assert times[0] == 0.0 and times[-1] == pytest.approx(37.5 * 1.1) and np.all(np.diff(times) > 0)
    assert np.all(low <= best + 1e-9) and np.all(best <= high + 1e-9) and np.any(high > low)
    at_sample = np.interp(37.5, times, best)
    assert at_sample == pytest.approx(fitted["samples"][1]["predicted"], rel=0.02)
    assert fitted["units"] == {"time": "h", "concentration": "mg/L"} and fitted["level"] == 0.9
    _png(fitted["figure"])


def test_map_options_change_the_numbers(client, fitted):
    """A flattened prior lets the data weigh more; a lower level narrows the intervals; censoring is M3."""
    body = {"model": MODEL, "patient": PATIENT}
    flat = client.post("/api/map", json={**body, "prior_weight": 0.2, "level": 0.5}).json()
    assert abs(flat["fit"]["eta"]["ETA_V1"]) > abs(fitted["fit"]["eta"]["ETA_V1"])
    cl = next(row for row in flat["fit"]["parameters"] if row["parameter"] == "CL")
    wide = next(row for row in fitted["fit"]["parameters"] if row["parameter"] == "CL")
    assert cl["high"] - cl["low"] < wide["high"] - wide["low"]
    sir = client.post("/api/map", json={**body, "posterior": "sir"}).json()
    assert sir["fit"]["posterior"] == "sir" and sir["fit"]["effective_sample_size"] > 30
    censored = copy.deepcopy(PATIENT)
    censored["samples"][0]["concentration"] = "< 20 mg/L"
    sample = client.post("/api/map", json={**body, "patient": censored}).json()["samples"][0]
    assert sample["censored"] and sample["observed"] is None and sample["lloq"] == 20.0


def test_recommend_ranks_options_whose_best_meets_the_target_at_the_map(recommended):
    options = recommended["options"]
    assert recommended["total"] == 9 * 2 and len(options) == 5 and [o["rank"] for o in options] == [1, 2, 3, 4, 5]
    best = options[0]
    assert best["met_at_map"] and 400 <= best["value"] <= 600
    keys = [(not o["met_at_map"], -o["pta"], o["p_toxicity"], o["daily_dose"], o["option"]) for o in options]
    assert keys == sorted(keys) and all(0 <= o["pta"] <= 1 and 0 <= o["p_toxicity"] <= 1 for o in options)
    assert recommended["units"] == {"dose": "mg", "interval": "h", "infusion": "h", "start": "h",
                                    "daily_dose": "mg/day", "value": "mg*h/L"}
    # the best option's AUC24 at the MAP, recomputed from the model: past doses and the regimen
    model = load_poppk(MODEL)
    regimen = Regimen(best["dose"], best["interval"], best["count"], best["start"], best["infusion"], best["loading"])
    assert best["start"] == pytest.approx(22.2 + best["interval"]) and best["infusion"] == 1.0
    subject = patient_from_dict(PATIENT, model)
    eta = np.array(list(recommended["fit"]["eta"].values()))
    auc = model.predict((*subject.doses, *regimen.doses()), [regimen.end - 24, regimen.end], subject.covariates,
                        eta[None]).auc()[0]
    assert best["value"] == pytest.approx(auc[1] - auc[0], rel=1e-9)
    _png(recommended["figure"])


def test_recommend_with_a_loading_dose_a_count_and_no_toxicity(client):
    body = {**RECOMMEND, "toxicity": None, "loading": "2 g", "count": 3, "intervals": "720 min", "top": 50}
    response = client.post("/api/recommend", json=body)
    assert response.status_code == 200, response.text
    options = response.json()["options"]
    assert len(options) == 9 and {o["loading"] for o in options} == {2000.0}
    assert {(o["interval"], o["count"]) for o in options} == {(12.0, 3)}
    assert all(o["p_toxicity"] is None for o in options)


def test_the_page_is_one_html_form_with_the_vancomycin_example(client):
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<form id="form"' in page and 'id="fit"' in page and 'id="recommend"' in page
    assert '"vancomycin-goti-2018"' in page and "/api/map" in page and "/api/recommend" in page
    assert "http://" not in page and "https://" not in page  # self-contained: nothing fetched from elsewhere
