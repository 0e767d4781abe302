"""`pbpk simulate` and `pbpk model` against observed midazolam data; outputs and errors."""

import json

import pytest

from pbpk.cli import main

OBSERVED_CL_L_PER_H_PER_KG = 5.3 * 60 / 1000  # Heizmann P et al. Br J Clin Pharmacol 1983;16:43S (Lombardo 2018)
OBSERVED_VSS_L_PER_KG = 1.1                   # same source
OBSERVED_F = {"Smith MT et al. Eur J Clin Pharmacol 1981;19:271": 0.36,
              "Hohmann N et al. Br J Clin Pharmacol 2015;79:278": 0.209}


def run_json(capsys, *args):
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_midazolam_iv_clearance_and_volume_within_two_fold(capsys):
    result = run_json(capsys, "simulate", "compounds/midazolam.yaml", "--dose", "5 mg", "--route", "iv", "--json")
    nca = result["nca"]
    for key in ("AUC_inf", "Cmax", "tmax", "t_half", "CL", "Vss"):
        assert set(nca[key]) == {"value", "unit"}
    assert nca["AUC_inf"]["unit"] == "mg*h/L"
    weight = result["individual"]["body_weight"]["value"]
    cl_ratio = nca["CL"]["value"] / (OBSERVED_CL_L_PER_H_PER_KG * weight)
    vss_ratio = nca["Vss"]["value"] / (OBSERVED_VSS_L_PER_KG * weight)
    assert 0.5 <= cl_ratio <= 2.0, cl_ratio
    assert 0.5 <= vss_ratio <= 2.0, vss_ratio


def test_midazolam_oral_bioavailability_within_two_fold(capsys):
    result = run_json(capsys, "simulate", "midazolam", "--dose", "7.5 mg", "--route", "oral", "--json")
    predicted = result["nca"]["F"]["value"]
    for source, observed in OBSERVED_F.items():
        assert 0.5 <= predicted / observed <= 2.0, source


def test_plot_and_csv_files(capsys, tmp_path):
    figure, table = tmp_path / "mdz.png", tmp_path / "mdz.csv"
    assert main(["simulate", "midazolam", "--dose", "5 mg", "--route", "infusion", "--infusion-time", "1h",
                 "--every", "8h", "--doses", "3", "--until", "48h", "--plot", str(figure), "--csv", str(table)]) == 0
    out = capsys.readouterr().out
    assert "AUC_tau" in out and "C_avg" in out
    assert figure.stat().st_size > 20_000 and figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header = table.read_text().splitlines()[0]
    assert header.startswith("time [h],C_plasma [mg/L]") and "A_excreted_urine [mg]" in header


def test_weight_and_sex_options(capsys):
    light = run_json(capsys, "simulate", "midazolam", "--dose", "0.05 mg/kg", "--sex", "female", "--weight", "50 kg",
                     "--json")
    assert light["individual"] == {"sex": "female", "body_weight": {"value": 50.0, "unit": "kg"}}
    assert light["nca"]["dose"]["value"] == pytest.approx(2.5)


def test_model_equations_and_sbml(capsys, tmp_path):
    assert main(["model", "midazolam", "--equations"]) == 0
    text = capsys.readouterr().out
    assert "dA_liver/dt = " in text and "Vmax_CYP3A4" in text
    path = tmp_path / "midazolam.xml"
    assert main(["model", "midazolam", "--sbml", str(path)]) == 0
    assert "<sbml" in path.read_text()[:300]


@pytest.mark.parametrize("args, fragment", [
    (["--dose", "5 furlongs"], "dose"),
    (["--dose", "5 mg", "--route", "infusion"], "infusion-time"),
    (["--dose", "5 mg", "--doses", "3"], "every"),
    (["--dose", "5 mg", "--until", "-2 h"], "until"),
])
def test_bad_simulate_arguments_exit_2_without_traceback(capsys, args, fragment):
    status = main(["simulate", "midazolam", *args])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("pbpk: error:") and fragment in err and "Traceback" not in err


def test_oral_dose_for_iv_only_compound(capsys):
    status = main(["simulate", "vancomycin", "--dose", "1000 mg", "--route", "oral"])
    err = capsys.readouterr().err
    assert status == 2 and "compounds/vancomycin.yaml" in err and "absorption" in err
