"""Plain patient records (YAML, JSON): the TV3 vancomycin patient 02 as in its CSV, and the errors named."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.patient_record import load_subjects, read_patient
from pbpk.mipd.records import read_records

DATA = Path(__file__).resolve().parents[3] / "shared" / "validation" / "mipd" / "posologyr_vanco_patient02.csv"
needs_data = pytest.mark.skipif(not DATA.is_file(), reason=f"the MIPD test vectors are not at {DATA}")

#: posologyr_vanco_patient02.csv (TV3) with units: amounts in g, one duration in min, a time in min.
VANCO = {
    "id": "1",
    "covariates": {"CLCREAT": "34 mL/min", "WT": "62000 g", "DIAL": 0},
    "doses": [{"time": "0 h", "amount": "1.9 g", "infusion": "60 min", "route": "iv"},
              {"time": "1332 min", "amount": "1750 mg", "infusion": "1 h"}],
    "samples": [{"time": "12 h", "concentration": "14.8 mg/L"},
                {"time": "37.5 h", "concentration": "22.5 ug/mL"}],
}
YAML = """\
id: "1"
covariates: {CLCREAT: 34 mL/min, WT: 62000 g, DIAL: 0}
doses:
  - {time: 0 h, amount: 1.9 g, infusion: 60 min, route: iv}
  - {time: 1332 min, amount: 1750 mg, infusion: 1 h}
samples:
  - {time: 12 h, concentration: 14.8 mg/L}
  - {time: 37.5 h, concentration: 22.5 ug/mL}
"""


@pytest.fixture(scope="module")
def model():
    return load_poppk("vancomycin-goti-2018")


def _write(folder: Path, text: str, name: str = "patient.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _same(a, b) -> None:
    assert a.id == b.id
    assert len(a.doses) == len(b.doses)
    for x, y in zip(a.doses, b.doses, strict=True):
        assert x.compartment == y.compartment
        assert (x.time, x.amount, x.duration) == pytest.approx((y.time, y.amount, y.duration), rel=1e-12)
    for name in ("times", "observations", "censored", "lloq", "record_times"):
        np.testing.assert_allclose(getattr(a, name), getattr(b, name), rtol=1e-12, err_msg=name)
    assert a.covariates == pytest.approx(b.covariates, rel=1e-12)
    assert a.steady_states == b.steady_states


@needs_data
@pytest.mark.parametrize("name", ["patient.yaml", "patient.json"])
def test_tv3_record_gives_the_csv_subject_and_map_estimate(tmp_path, model, name):
    text = YAML if name.endswith(".yaml") else json.dumps(VANCO, indent=2)
    subjects = load_subjects(_write(tmp_path, text, name), model)
    expected = read_records(DATA, model)["1"]
    assert list(subjects) == ["1"]
    _same(subjects["1"], expected)
    fit, reference = estimate(model, subjects["1"]), estimate(model, expected)
    np.testing.assert_allclose(fit.eta, reference.eta, atol=1e-8)
    for key in ("CL", "V1", "V2"):
        assert fit.parameters[key] == pytest.approx(reference.parameters[key], abs=1e-8)


def test_censored_sample_and_lloq(tmp_path, model):
    text = YAML.replace("22.5 ug/mL", '"< 2000 ug/L"').replace("14.8 mg/L", "1.5 mg/L")
    subject = read_patient(_write(tmp_path, text), model, lloq=1.6)
    np.testing.assert_array_equal(subject.censored, [True, True])
    np.testing.assert_allclose(subject.lloq, [1.6, 2.0])
    assert subject.observations[0] == 1.5 and np.isnan(subject.observations[1])


def test_a_sample_before_the_first_dose_is_allowed(tmp_path, model):
    text = YAML.replace("time: 0 h, amount: 1.9 g", "time: 1 h, amount: 1.9 g").replace("12 h", "0 h")
    subject = read_patient(_write(tmp_path, text), model)
    assert subject.times[0] == 0.0 and subject.doses[0].time == 1.0


@pytest.mark.parametrize(("old", "new", "line", "field", "words"), [
    ("amount: 1750 mg", "amount: 1750", 5, "doses[1].amount", "numbers need their units"),
    ("time: 12 h", "time: -12 h", 7, "samples[0].time", "a time ≥ 0 h"),
    ("infusion: 1 h}", "infusoin: 1 h}", 5, "doses[1].infusoin", 'did you mean "infusion"'),
    ("route: iv", "route: oral", 4, "doses[0].route", "no absorption"),
    ("WT: 62000 g, ", "", 2, "covariates.WT", "total body weight in kg"),
    ("22.5 ug/mL", '"< two mg/L"', 8, "samples[1].concentration", "units of mass / volume"),
    ("22.5 ug/mL", '"< 0 mg/L"', 8, "samples[1].concentration", "LLOQ > 0"),
    ("14.8 mg/L", "14.8 mg", 7, "samples[0].concentration", "it has units of mass"),
])
def test_bad_records_name_file_line_and_field(tmp_path, model, old, new, line, field, words):
    assert old in YAML
    path = _write(tmp_path, YAML.replace(old, new))
    with pytest.raises(PbpkInputError) as error:
        read_patient(path, model)
    message = str(error.value)
    assert error.value.field == field and error.value.where.startswith(str(path)), message
    if field != "covariates.WT":  # a missing key is named at its mapping's line
        assert error.value.where == f"{path}:{line}", message
    assert words.lower() in message.lower(), message


def test_json_errors_name_the_file_and_line(tmp_path, model):
    data = json.loads(json.dumps(VANCO))
    data["samples"][1]["time"] = 37.5
    path = _write(tmp_path, json.dumps(data, indent=2), "patient.json")
    with pytest.raises(PbpkInputError, match=r"samples\[1\]\.time: got 37.5; expected .*\"12 h\"") as error:
        read_patient(path, model)
    assert error.value.where.startswith(f"{path}:")
    with pytest.raises(PbpkInputError, match="valid JSON"):
        read_patient(_write(tmp_path, '{"id": 1,', "bad.json"), model)


def test_rename_is_refused_for_a_patient_record(tmp_path, model):
    with pytest.raises(PbpkInputError, match="CSV columns only"):
        load_subjects(_write(tmp_path, YAML), model, rename={"AMT_mg": "AMT"})


def test_oral_doses_enter_the_depot_of_a_model_with_absorption(tmp_path):
    oral = load_poppk("examplinib-mapbayr-2021")
    text = "id: 7\ncovariates: {}\ndoses:\n  - {time: 0 h, amount: 100 mg}\n"
    text += "  - {time: 24 h, amount: 0.1 g, route: iv}\n"
    subject = read_patient(_write(tmp_path, text), oral)
    assert [d.compartment for d in subject.doses] == ["depot", "central"] and subject.times.size == 0
