"""Population-model files: the library round-trips, and bad files get errors that name the field."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.mipd.expressions import CPP, Code, nonmem_lines, parse_statement, render
from pbpk.mipd.modelfile import (
    library,
    load_poppk,
    poppk_from_dict,
    poppk_to_dict,
    write_poppk,
)
from pbpk.mipd.solve import Dose

GOTI = json.loads((data_dir("poppk_models") / "vancomycin-goti-2018.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", library())
def test_library_file_round_trips_and_cites_every_value(name, tmp_path):
    path = data_dir("poppk_models") / f"{name}.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    model = load_poppk(name)
    assert poppk_to_dict(model) == written
    again = load_poppk(write_poppk(model, tmp_path / f"{name}.json"))
    assert poppk_to_dict(again) == written
    assert model.source["type"] in ("publication", "example")
    if model.source["type"] == "publication":
        assert model.source["doi"] and isinstance(model.source["year"], int)
    assert all(theta.source for theta in model.thetas), "every θ names its table"
    assert all(block.source for block in model.omega.blocks + model.iov.blocks)
    assert all(error.source for error in model.errors.values())


def test_library_has_the_models_the_mipd_test_vectors_and_trials_need():
    assert {"vancomycin-goti-2018", "cefepime-an-2023", "cefepime-jonckheere-2020", "tobramycin-posologyr-example",
            "examplinib-mapbayr-2021", "example-pkpdmap-run1", "example-posologyr-run302",
            "example-mapbayr-blq"} <= set(library())


def _broken(change):
    data = copy.deepcopy(GOTI)
    change(data)
    return data


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("pk"), "pk: got nothing; expected a pk field"),
    (lambda d: d.update(omgea=[]), 'omgea: .*Did you mean "omega"'),
    (lambda d: d["pk"].remove("Q = TVQ"), "a statement assigning Q"),
    (lambda d: d["pk"].append("VX = TVV3 * 2"), "TVV3 is none of them"),
    (lambda d: d["pk"].__setitem__(1, "CL = TVCL * (CRCL / 120) ^ CRCL_CL"), "Write \"a \\*\\* b\""),
    (lambda d: d["pk"].__setitem__(4, "Q = __import__('os')"), "a call of one of"),
    (lambda d: d["pk"].append("CL = 3"), "CL is already assigned above"),
    (lambda d: d["pk"].append("X = (WT > 70) * 2"), "comparisons only as the condition"),
    (lambda d: d["pk"].append("F = 0.5"), "no F in a model whose structure has no use for it"),
    (lambda d: d["omega"][0].update(correlation=[[1]]), "no correlation for one effect"),
    (lambda d: d["structure"].update(compartments=True), "structure.compartments: got True; expected a whole"),
    (lambda d: d["theta"].update(UNUSED={"value": 1, "unit": "1", "source": "x"}), "code that reads UNUSED"),
    (lambda d: d["theta"]["TVCL"].update(unit="L/hr/q"), "theta.TVCL.unit: got 'L/hr/q'"),
    (lambda d: d["units"].update(time="mg"), r"units.time: got 'mg'; expected a unit of \[time\]"),
    (lambda d: d["analytes"]["parent"].update(unit="mg"), "a concentration unit convertible from mg/L"),
    (lambda d: d["omega"].__setitem__(0, {"etas": ["ETA_CL", "ETA_V1"], "variance": [[0.1, 0.5], [0.5, 0.1]]}),
     "positive-definite"),
    (lambda d: d["omega"][0].update(variance=-0.1), "omega\\[0\\].variance: .*variances ≥ 0"),
    (lambda d: d["error"]["parent"].update(model="lognormal"), "error.parent.model: got 'lognormal'"),
    (lambda d: d["error"]["parent"].pop("combination"), "error.parent.combination: got nothing"),
    (lambda d: d["structure"].update(compartments=4), "structure.compartments: got 4; expected 1, 2 or 3"),
    (lambda d: d["source"].update(type="paper"), "source.type: got 'paper'"),
    (lambda d: d["covariates"]["DIAL"].update(type="categorical"), "levels: got nothing"),
])
def test_bad_file_names_the_field(change, message):
    with pytest.raises(PbpkInputError, match=message):
        poppk_from_dict(_broken(change), where="goti.json")


def test_bad_covariate_values_are_refused_with_the_range():
    model = load_poppk("vancomycin-goti-2018")
    with pytest.raises(PbpkInputError, match="CLCREAT: got '500 mL/min'; expected a value from 0 to 400 mL/min"):
        model.parameters({"CLCREAT": 500, "WT": 70, "DIAL": 0})
    with pytest.raises(PbpkInputError, match="DIAL: .*expected 0 or 1"):
        model.parameters({"CLCREAT": 50, "WT": 70, "DIAL": 2})
    with pytest.raises(PbpkInputError, match="WT: got nothing; expected a value for every covariate"):
        model.parameters({"CLCREAT": 50, "DIAL": 0})
    with pytest.raises(PbpkInputError, match="AGE: .*a covariate of vancomycin-goti-2018"):
        model.parameters({"CLCREAT": 50, "WT": 70, "DIAL": 0, "AGE": 40})


def test_code_evaluates_conditionals_and_caps_like_the_published_model():
    model = load_poppk("vancomycin-goti-2018")
    values = model.parameters({"CLCREAT": np.array([60.0, 150.0, 250.0]), "WT": 70.0, "DIAL": np.array([1, 0, 0])})
    assert values["CL"] == pytest.approx([4.5 * 0.5**0.8 * 0.7, 4.5 * 1.25**0.8, 4.5 * 1.25**0.8])
    assert values["V1"] == pytest.approx([29.2, 58.4, 58.4])
    code = Code.parse(["A = 2 if X > 1 and not X > 3 else max(X, 0.5)"], ["X"], where="t", field="pk")
    assert code.evaluate({"X": np.array([0.2, 2.0, 4.0])})["A"] == pytest.approx([0.5, 2.0, 4.0])


def test_code_printed_for_nonmem_and_cpp():
    statement = parse_statement("CL = TVCL * (CRCL / 120) ** 0.8 * (0.7 if DIAL == 1 else 1) * exp(ETA_CL)",
                                where="t", field="pk")
    assert nonmem_lines(statement) == [
        "IF (DIAL.EQ.1) THEN", "  CL_IF1 = 0.7", "ELSE", "  CL_IF1 = 1", "ENDIF",
        "CL = TVCL*(CRCL/120)**0.8*CL_IF1*EXP(ETA_CL)"]
    # C++ numbers keep their decimal point: 3/4 must not be an integer division
    assert render(statement.tree, CPP) == "TVCL*pow(CRCL/120.0, 0.8)*((DIAL==1.0) ? 0.7 : 1.0)*exp(ETA_CL)"
    nested = parse_statement("X = -(A - B) ** 2 / (C * D) - -E", where="t", field="pk")
    assert eval(render(nested.tree, CPP).replace("pow", "_pow"), {"_pow": pow, "A": 1, "B": 4, "C": 2, "D": 3,
                                                                   "E": 5}) == pytest.approx(-9 / 6 + 5)


def test_prediction_units_convert_to_the_analyte_unit():
    model = load_poppk("example-pkpdmap-run1")
    prediction = model.predict([Dose(0.0, 100.0)], [1.0], {}, np.array([[0.0, 0.0]]))
    assert prediction.concentration()[0, 0] == pytest.approx(1000 * 100 / 97.7 * np.exp(-7.67 / 97.7), rel=1e-12)
