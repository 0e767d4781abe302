"""Bad input gives 422: a PbpkInputError names the request field (with the library's message), pydantic keeps its own."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from pbpk.web.app import create_app
from pbpk.web.errors import location

MODEL = "vancomycin-goti-2018"
PATIENT = {
    "id": "1",
    "covariates": {"CLCREAT": "34 mL/min", "WT": "62 kg", "DIAL": 0},
    "doses": [{"time": "0 h", "amount": "1900 mg", "infusion": "1 h"},
              {"time": "22.2 h", "amount": "1750 mg", "infusion": "1 h"}],
    "samples": [{"time": "12 h", "concentration": "14.8 mg/L"}, {"time": "37.5 h", "concentration": "22.5 mg/L"}],
}
RECOMMEND = {"target": "AUC24 400-600 mg*h/L", "doses": "500-2500 by 250 mg", "intervals": "12,24 h",
             "infusion": "1 h", "draws": 100}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as client:  # a server error would be raised here, not turned into a 500
        yield client


def changed(path: tuple, value: object) -> dict:
    """PATIENT with the field at ``path`` set to ``value`` (None: removed)."""
    patient = copy.deepcopy(PATIENT)
    *parents, last = path
    target = patient
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return patient


def detail(response) -> dict:
    assert response.status_code == 422, response.text
    [item] = response.json()["detail"]
    return item


@pytest.mark.parametrize(("path", "value", "field", "words"), [
    (("samples", 1, "concentration"), "22.5", "patient.samples[1].concentration", "units of mass / volume"),
    (("doses", 0, "amount"), "-500 mg", "patient.doses[0].amount", "an amount ≥ 0 mg"),
    (("doses", 1, "infusoin"), "1 h", "patient.doses[1].infusoin", 'did you mean "infusion"'),
    (("doses", 0, "route"), "oral", "patient.doses[0].route", "no absorption"),
    (("covariates", "WT"), "400 kg", "patient.covariates.WT", "from 20 to 300 kg"),
    (("covariates", "WT"), None, "patient.covariates.WT", "total body weight in kg"),
    (("covariates", "DIAL"), 2, "patient.covariates.DIAL", "0 or 1"),
    (("samples",), None, "patient.samples", "at least one sample"),
    (("doses",), [], "patient.doses", "at least one dose"),
    (("weight",), "62 kg", "patient.weight", "unknown fields are not ignored"),
    (("samples", 0), 12, "patient.samples[0]", "a mapping"),
])
def test_a_bad_patient_field_is_named(client, path, value, field, words):
    item = detail(client.post("/api/map", json={"model": MODEL, "patient": changed(path, value)}))
    assert item["type"] == "pbpk_input" and item["field"] == field, item
    assert item["loc"] == location(field) and item["msg"].startswith("patient")
    assert words.lower() in item["msg"].lower(), item["msg"]


def test_the_error_carries_the_value_and_what_was_expected(client):
    item = detail(client.post("/api/map", json={"model": MODEL,
                                                "patient": changed(("samples", 1, "concentration"), "22.5")}))
    assert item["loc"] == ["body", "patient", "samples", 1, "concentration"]
    assert item["input"] == "22.5" and "e.g. \"10 mg/L\"" in item["expected"]
    assert item["msg"] == ("patient: samples[1].concentration: got '22.5'; expected " + item["expected"] + ". "
                           + item["hint"][0].upper() + item["hint"][1:] + ".")


def test_an_unknown_model_and_a_path_are_refused(client):
    item = detail(client.post("/api/map", json={"model": "vancomycin-goti", "patient": PATIENT}))
    assert item["field"] == "model" and 'did you mean "vancomycin-goti-2018"' in item["msg"].lower()
    item = detail(client.post("/api/map", json={"model": "poppk_models/vancomycin-goti-2018.json",
                                                "patient": PATIENT}))
    assert item["field"] == "model" and "bundled model" in item["expected"]


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"target": "AUC 400 mg"}, "target", "a target like"),
    ({"target": "trough 10-20 mg*h/L"}, "target", "a concentration unit"),
    ({"toxicity": "trough > 20 apples"}, "toxicity", "a concentration unit"),
    ({"doses": "2500-500 by 250 mg"}, "doses", "a positive step"),
    ({"doses": "1-3000 by 0.5 mg"}, "doses", "at most 2000 options"),
    ({"intervals": "12;24 h"}, "intervals", "durations with a time unit"),
    ({"intervals": "0 h"}, "intervals", "greater than 0"),
    ({"infusion": "13 h"}, "infusion", "no longer than the dosing interval (12 h)"),
    ({"loading": "2 apples"}, "loading", "apples"),
])
def test_a_bad_recommendation_option_is_named(client, change, field, words):
    body = {"model": MODEL, "patient": PATIENT, **RECOMMEND, **change}
    item = detail(client.post("/api/recommend", json=body))
    assert item["field"] == field and item["loc"] == ["body", field] and item["msg"].startswith(f"{field}: got ")
    assert words in item["msg"], item["msg"]


def test_the_recommendation_reads_the_patient_as_the_fit_does(client):
    body = {"model": MODEL, "patient": changed(("doses", 1, "amount"), "-1 g"), **RECOMMEND}
    assert detail(client.post("/api/recommend", json=body))["field"] == "patient.doses[1].amount"


@pytest.mark.parametrize(("url", "change", "loc", "kind"), [
    ("/api/map", {"level": 1.5}, ["body", "level"], "less_than"),
    ("/api/map", {"posterior": "bayes"}, ["body", "posterior"], "literal_error"),
    ("/api/map", {"draws": 10}, ["body", "draws"], "greater_than_equal"),
    ("/api/map", {"prior_weight": 0}, ["body", "prior_weight"], "greater_than"),
    ("/api/map", {"posterior": "sir", "prior_weight": 0.5}, ["body"], "value_error"),
    ("/api/map", {"patient": "patient.yaml"}, ["body", "patient"], "dict_type"),
    ("/api/recommend", {"top": 0}, ["body", "top"], "greater_than_equal"),
    ("/api/recommend", {"target": None}, ["body", "target"], "string_type"),
])
def test_pydantic_errors_keep_fastapi_s_format(client, url, change, loc, kind):
    body = {"model": MODEL, "patient": PATIENT, **(RECOMMEND if url.endswith("recommend") else {}), **change}
    item = detail(client.post(url, json=body))
    assert item["type"] == kind and item["loc"] == loc and "field" not in item
