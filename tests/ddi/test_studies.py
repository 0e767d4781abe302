"""DDI study files: schema rules, the `pbpk ddi` command and the clinical size of key interactions."""

from __future__ import annotations

import json

import pytest
import yaml

from pbpk.cli import main
from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.qualification.studies import load_study, run_study

FLUCONAZOLE = "fluconazole-midazolam-po-olkkola-1996-osp380"


def study_dict(**changes) -> dict:
    data = yaml.safe_load((data_dir("ddi") / f"{FLUCONAZOLE}.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    return data


def write(tmp_path, data: dict, name: str = "example") -> str:
    data = {**data, "id": name}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def test_unknown_field_is_refused_with_file_and_field(tmp_path):
    with pytest.raises(PbpkInputError) as error:
        load_study(write(tmp_path, study_dict(Ki_u="0.1 umol/L")))
    assert "example.yaml" in str(error.value) and "Ki_u" in str(error.value)


def test_cmax_ratio_of_an_iv_bolus_victim_is_refused(tmp_path):
    data = study_dict(victim={"compound": "midazolam", "regimen": [{"dose": "1 mg", "route": "iv", "time": "0 h"}]})
    with pytest.raises(PbpkInputError, match="CmaxR"):
        load_study(write(tmp_path, data))


def test_statistic_must_be_one_of_the_known(tmp_path):
    data = study_dict(observed={"AUCR": {"value": 2.5, "statistic": "average"}})
    with pytest.raises(PbpkInputError, match="geometric mean ratio"):
        load_study(write(tmp_path, data))


def test_study_used_for_fitting_must_declare_it(tmp_path):
    """Alfentanil's Fg was fitted to Kharasch 2008: a study with that key is training and must say so."""
    data = study_dict(study={"reference": "x", "key": "Kharasch 2008", "source": "test"},
                      victim={"compound": "alfentanil", "regimen": [{"dose": "3 mg", "route": "oral", "time": "0 h"}]})
    with pytest.raises(PbpkInputError, match="fitted_parameters"):
        run_study(load_study(write(tmp_path, data)))


@pytest.mark.slow
def test_ddi_command_json_gives_predicted_observed_and_percentiles(capsys):
    status = main(["ddi", FLUCONAZOLE, "--n", "8", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    for metric in ("AUCR", "CmaxR"):
        entry = result[metric]
        assert entry["observed"] == pytest.approx(2.5)
        assert entry["predicted"] > 1.5
        population = entry["population"]
        assert population["n"] == 8 and population["p5"] <= population["p50"] <= population["p95"]
    assert any("CYP2C9" in text for text in result["ignored_interactions"])


def test_ddi_command_writes_figure_and_time_course(tmp_path):
    plot, csv = tmp_path / "ddi.png", tmp_path / "ddi.csv"
    assert main(["ddi", FLUCONAZOLE, "--plot", str(plot), "--csv", str(csv)]) == 0
    assert plot.stat().st_size > 10_000
    header = csv.read_text(encoding="utf-8").splitlines()[0]
    assert "midazolam C_plasma [mg/L]" in header and "activity_CYP3A4_liver" in header


@pytest.mark.parametrize("study", ["rifampicin-midazolam-po-backman-1996-osp54",
                                   "rifampicin-midazolam-iv-gorski-2003-osp179"])
def test_rifampicin_induction_of_midazolam_clearance_has_the_observed_size(study):
    """Rifampicin 600 mg QD: oral midazolam AUC falls ~25-fold, IV ~2-fold (induction in gut wall and liver)."""
    result = run_study(load_study(study))
    assert result.predicted["AUCR"] < 0.6
    assert result.within_guest("AUCR") and result.within("AUCR", 2.0)


def test_itraconazole_inhibits_midazolam_clearance():
    """Itraconazole 200 mg QD (Olkkola 1994): direction right; size under-predicted (see the DDI report)."""
    result = run_study(load_study("itraconazole-midazolam-po-olkkola-1994-osp370"))
    assert result.predicted["AUCR"] > 1.5 and result.predicted["CmaxR"] > 1.3
