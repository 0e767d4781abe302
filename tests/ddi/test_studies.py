"""DDI study files: schema rules, the `pbpk ddi` command and the clinical size of key interactions."""

from __future__ import annotations

import json
import math

import pytest
import yaml

from pbpk.cli import main
from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.qualification.studies import load_study, run_study, study_figure

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


def test_ddi_json_phase_aucs_and_cmax_give_its_ratios(capsys):
    """Each arm's victim AUC and Cmax (with units and interval) divide to its ratios; the weighted geometric mean of
    the arms' ratios is the reported ratio, and the JSON says so."""
    assert main(["ddi", FLUCONAZOLE, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    arms = result["arms"]
    assert [arm["sex"] for arm in arms] == ["male", "female"]
    for metric, phase, unit in (("AUCR", "AUC", "mg*h/L"), ("CmaxR", "Cmax", "mg/L")):
        log_mean = 0.0
        for arm in arms:
            alone, treated = arm["victim_alone"][phase], arm["with_perpetrators"][phase]
            assert alone["unit"] == treated["unit"] == unit
            assert treated["value"] / alone["value"] == pytest.approx(arm[metric], rel=1e-12)
            log_mean += arm["share"] * math.log(treated["value"] / alone["value"])
        assert math.exp(log_mean) == pytest.approx(result[metric]["predicted"], rel=1e-12)
        assert result[metric]["weighting"] == "geometric mean of male 58 %, female 42 %"
    auc = arms[0]["victim_alone"]["AUC"]["interval"]
    assert auc["to_infinity"] is True and auc["end_h"] is None and auc["start_h"] >= 0
    assert result["weighting"]["shares"] == pytest.approx({"male": 0.5833, "female": 0.4167})


def test_ddi_text_states_the_weighting_and_each_arms_auc(capsys):
    assert main(["ddi", FLUCONAZOLE]) == 0
    out = capsys.readouterr().out
    assert "ratios: geometric mean of male 58 %, female 42 %" in out
    assert "female 60 kg (42 %): victim alone / with perpetrators" in out
    assert "mg*h/L   AUCR" in out and "mg/L   CmaxR" in out


def test_ddi_figure_names_the_arm_it_shows_and_the_weighting_of_the_study_ratio():
    import matplotlib.pyplot as plt

    result = run_study(load_study(FLUCONAZOLE))
    figure = study_figure(result)
    title = figure._suptitle.get_text()
    plt.close(figure)
    assert "figure shows the male arm" in title
    assert f"study AUCR {result.predicted['AUCR']:.2f}" in title and f"({result.weighting})" in title
    assert figure.axes[0].get_title().startswith("male")


def test_validate_ddi_prints_a_header_naming_the_columns(capsys):
    main(["validate", "--ddi", FLUCONAZOLE, "--quiet"])
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]
    assert header.split()[:3] == ["DDI", "study", "role"]
    assert "ratio predicted/observed" in header and "unitless" in header and "sex-weighted" in header
    assert lines[1].startswith(FLUCONAZOLE)
    assert header.index("role") == lines[1].index("test")
