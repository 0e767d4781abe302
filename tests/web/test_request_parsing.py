"""What the web layer reads with the library's parsers: a patient record as a mapping, and the dose options' text.

(``patient_record.patient_from_dict`` and ``dose_options`` live in pbpk.mipd; these tests sit here with their
first user, the web API.)
"""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.dose_options import HORIZON, candidate_regimens, parse_durations
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.patient_record import patient_from_dict, read_patient

RECORD = {"id": 7, "covariates": {"CLCREAT": "1.2 mL/s", "WT": "80 kg", "DIAL": 1},
          "doses": [{"time": "1 d", "amount": "1 g", "infusion": "90 min"}, {"time": "0 h", "amount": "2000 mg"}],
          "samples": [{"time": "30 h", "concentration": "< 5 mg/L"}, {"time": "1500 min", "concentration": "30 ug/mL"}]}


@pytest.fixture(scope="module")
def model():
    return load_poppk("vancomycin-goti-2018")


def test_a_mapping_gives_the_subject_of_the_same_record_as_a_file(tmp_path, model):
    import json

    path = tmp_path / "record.json"
    path.write_text(json.dumps(RECORD), encoding="utf-8")
    from_file, from_mapping = read_patient(path, model), patient_from_dict(RECORD, model)
    assert from_mapping.id == from_file.id == "7"
    assert [(d.time, d.amount, d.duration) for d in from_mapping.doses] == [(0.0, 2000.0, 0.0), (24.0, 1000.0, 1.5)]
    assert from_mapping.covariates == pytest.approx({"CLCREAT": 72.0, "WT": 80.0, "DIAL": 1.0})
    for name in ("times", "observations", "censored", "lloq"):
        np.testing.assert_array_equal(getattr(from_mapping, name), getattr(from_file, name), err_msg=name)
    np.testing.assert_array_equal(from_mapping.censored, [False, True])


def test_mapping_errors_name_the_label_and_the_field(model):
    bad = {**RECORD, "samples": [{"time": "2 h", "concentration": 3}]}
    with pytest.raises(PbpkInputError) as error:
        patient_from_dict(bad, model)
    assert (error.value.where, error.value.field) == ("patient", "samples[0].concentration")
    with pytest.raises(PbpkInputError, match=r"^bed 4: doses: got \[\]"):
        patient_from_dict({**RECORD, "doses": []}, model, where="bed 4")
    with pytest.raises(PbpkInputError, match="a mapping of field: value"):
        patient_from_dict(["not", "a", "record"], model)


@pytest.mark.parametrize(("text", "hours"), [
    ("8,12,24 h", [8, 12, 24]), ("30, 60 min", [0.5, 1.0]), ("12", [12]), ("1 d, 12 h", [24, 12]), ("0 h", [0]),
    ("6-24 by 6 h", [6, 12, 18, 24]),
])
def test_durations_take_the_unit_written_at_the_end(text, hours):
    assert parse_durations(text, "h") == pytest.approx(hours)


@pytest.mark.parametrize("text", ["12;24 h", "8 mg", "8 apples", "", "-8 h"])
def test_bad_durations_name_where_they_came_from(text):
    with pytest.raises(PbpkInputError, match=r"^--intervals: got .*durations with a time unit"):
        parse_durations(text, "h", where="--intervals")


def test_each_option_covers_the_horizon_after_the_last_dose(model):
    options = candidate_regimens(model, "1 g, 1500 mg", "12, 36, 72 h", "1 h", "2 g", last_dose=22.2)
    assert len(options) == 2 * 3
    counts = {o.interval: o.count for o in options}
    assert HORIZON == 48.0 and counts == {12.0: 4, 36.0: 2, 72.0: 1}
    assert {o.dose for o in options} == {1000.0, 1500.0} and {o.loading for o in options} == {2000.0}
    assert all(o.start == pytest.approx(22.2 + o.interval) and o.infusion == 1.0 for o in options)
    fixed = candidate_regimens(model, "1 g", "12 h", count=2)
    assert [(o.start, o.count) for o in fixed] == [(0.0, 2)]  # no past dose: from 0


@pytest.mark.parametrize(("change", "option"), [
    ({"doses": "1 apple"}, "--doses"), ({"intervals": "0 h"}, "--intervals"), ({"infusion": "13 h"}, "--infusion"),
    ({"loading": "2 kg/L"}, "--loading"),
])
def test_option_errors_carry_the_prefix(model, change, option):
    texts = {"doses": "1 g", "intervals": "12 h", "infusion": "1 h", "loading": None, **change}
    with pytest.raises(PbpkInputError, match=f"^{option}: got "):
        candidate_regimens(model, **texts, last_dose=0.0, prefix="--")
