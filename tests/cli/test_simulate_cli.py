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


def test_self_inactivation_is_reported(capsys):
    result = run_json(capsys, "simulate", "clarithromycin", "--dose", "500 mg", "--route", "oral", "--every", "12 h",
                      "--doses", "6", "--json")
    activity = result["enzyme_activity_at_end"]
    assert set(activity) == {"activity_CYP3A4_liver", "activity_CYP3A4_gut"}
    assert 0 < activity["activity_CYP3A4_liver"] < 0.9  # fraction of baseline after three days
    assert run_json(capsys, "simulate", "midazolam", "--dose", "5 mg", "--route", "iv", "--json")[
        "enzyme_activity_at_end"] == {}
    assert main(["simulate", "clarithromycin", "--dose", "500 mg", "--route", "oral"]) == 0
    assert "activity_CYP3A4_liver" in capsys.readouterr().out


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
    person = light["individual"]
    assert (person["sex"], person["body_weight"], person["height"]["value"]) == (
        "female", {"value": 50.0, "unit": "kg"}, 163.0)  # the reference height: the 10 kg less is fat
    assert light["nca"]["dose"]["value"] == pytest.approx(2.5)


def test_a_patient_from_age_size_and_renal_function(capsys):
    """The issue's command: an elderly obese patient with CrCL 35 mL/min; vancomycin CL follows the GFR."""
    base = ["simulate", "vancomycin", "--dose", "1000 mg", "--route", "infusion", "--infusion-time", "1h", "--json"]
    patient = ["--age", "78y", "--height", "165cm", "--weight", "95kg"]
    impaired = run_json(capsys, *base, *patient, "--crcl", "35 mL/min")
    healthy = run_json(capsys, *base, *patient)
    assert impaired["individual"]["gfr"]["value"] == pytest.approx(35.0)
    assert impaired["individual"]["age"]["value"] == 78.0
    assert "stage 3" in impaired["individual"]["conditions"]["renal"]
    assert healthy["individual"]["gfr"]["value"] > 70  # the age and size of the patient, no impairment
    assert impaired["nca"]["CL"]["value"] < 0.8 * healthy["nca"]["CL"]["value"]
    from_scr = run_json(capsys, *base, *patient, "--scr", "186 umol/L")
    assert "CKD-EPI 2021" in from_scr["individual"]["gfr_source"]


@pytest.mark.parametrize(("options", "message"), [
    (["--weight", "700 kg"], "30-300 kg"),
    (["--age", "3y"], "pediatrics.child"),  # not refused: children go to the child model; checked below
    (["--scr", "2.1"], "bare number is ambiguous"),
    (["--scr", "-1 mg/dL"], "0.1-20 mg/dL"),
    (["--crcl", "900 mL/min"], "at most 300 mL/min"),
    (["--crcl", "30 mL/min", "--scr", "2 mg/dL"], "one measure of renal function"),
])
def test_implausible_covariates_are_refused_with_the_range(capsys, options, message):
    args = ["simulate", "vancomycin", "--dose", "1000 mg", *options]
    if options[0] == "--age":
        assert main(args + ["--json"]) == 0  # a 3-year-old is a child, built by the child model
        assert json.loads(capsys.readouterr().out)["individual"]["body_weight"]["value"] < 20
        return
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_a_cirrhotic_patient(capsys):
    base = ["simulate", "midazolam", "--dose", "5 mg", "--age", "55y", "--json"]
    healthy, cirrhotic = run_json(capsys, *base), run_json(capsys, *base, "--child-pugh", "B")
    assert cirrhotic["individual"]["conditions"]["hepatic"] == "Child-Pugh B"
    assert cirrhotic["nca"]["CL"]["value"] < 0.8 * healthy["nca"]["CL"]["value"]
    assert main(["simulate", "midazolam", "--dose", "5 mg", "--child-pugh", "E"]) == 2
    assert "A, B or C" in capsys.readouterr().err


def test_a_dose_in_kilograms_is_refused(capsys):
    assert main(["simulate", "vancomycin", "--dose", "5 kg"]) == 2
    assert "at most 100000 mg" in capsys.readouterr().err


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


def test_a_childs_enzyme_ontogeny_set_and_gestational_age(capsys):
    """CYP3A4 at 6 months: 0.43 of adult by PK-Sim 7.3, 1.53 by Upreti 2016, so midazolam's CL rises with the set
    (Upreti has no UGT1A4: Johnson's stands in, with a warning); a preterm infant (29 weeks) needs its weight and
    clears caffeine less than a term one of the same age."""
    base = ["simulate", "midazolam", "--dose", "0.1 mg/kg", "--age", "6 month", "--json"]
    default = run_json(capsys, *base)
    with pytest.warns(UserWarning, match="no liver function for UGT1A4"):  # midazolam's N-glucuronidation
        upreti = run_json(capsys, *base, "--ontogeny", "upreti_2016")
    assert (default["individual"]["ontogeny_set"], upreti["individual"]["ontogeny_set"]) == ("pksim_7_3", "upreti_2016")
    assert upreti["nca"]["CL"]["value"] > 1.5 * default["nca"]["CL"]["value"]
    caffeine = ["simulate", "caffeine", "--dose", "10 mg/kg", "--age", "3 week", "--weight", "1.1 kg", "--until", "400h",
                "--json"]
    term, preterm = run_json(capsys, *caffeine), run_json(capsys, *caffeine, "--gestational-age", "29 week")
    assert preterm["nca"]["CL"]["value"] < term["nca"]["CL"]["value"]
    assert main(["simulate", "caffeine", "--dose", "10 mg/kg", "--age", "3 week", "--gestational-age", "29 week"]) == 2
    assert "body weight of a preterm infant" in capsys.readouterr().err


@pytest.mark.parametrize(("options", "message"), [
    (["--age", "2 y", "--ontogeny", "simcyp"], "--ontogeny: got 'simcyp'; expected one of pksim_7_3"),
    (["--age", "30 y", "--ontogeny", "upreti_2016"], "ontogeny: got 'upreti_2016'; expected a child below 18 years"),
    (["--gestational-age", "30 week"], "gestational_age: got '30 week'; expected a child below 18 years"),
    (["--age", "1 y", "--gestational-age", "50 week"], "22 to 44 weeks"),
])
def test_child_options_refused_with_what_was_expected(capsys, options, message):
    assert main(["simulate", "midazolam", "--dose", "1 mg", *options]) == 2
    assert message in capsys.readouterr().err
