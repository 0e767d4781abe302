"""``pbpk priors``: one command from a PBPK population to a prior file, its report and its VPC figure."""

from __future__ import annotations

import json

import pytest

from pbpk.cli import main
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.pmetrics import read_support_points

REGIMEN = ["--dose", "1000 mg", "--route", "infusion", "--infusion-time", "1h", "--every", "12h", "--doses", "2"]


def test_priors_writes_the_prior_report_and_figure(capsys, tmp_path):
    out, report, plot = tmp_path / "vanco.json", tmp_path / "report.json", tmp_path / "vpc.png"
    status = main(["priors", "vancomycin", "--population", "adult: 20-80 y", "--n", "30", *REGIMEN,
                   "--covariates", "weight,crcl", "--structure", "2cmt", "--assay-additive", "0.5 mg/L",
                   "--npde-replicates", "200", "--out", str(out), "--report", str(report), "--plot", str(plot)])
    text, err = capsys.readouterr()
    assert status == 0
    assert "fitting 2-compartment models" in err and "NPDE" in err
    prior = load_poppk(out)
    assert prior.structure.compartments == 2 and prior.derived_from["pbpk"]["n"] == 30
    data = json.loads(report.read_text())
    assert data["structure"] == "2-compartment, absorption none"
    assert {row["metric"] for row in data["reduction"]} >= {"AUC ratio", "Cmax ratio", "trough ratio"}
    assert data["npde"]["n"] > 30 and 0 <= data["npde"]["p_global"] <= 1
    assert [row["model"] for row in data["comparison"]] == [prior.name, "vancomycin-goti-2018"]
    assert "Reduction error per subject" in text and "Goti 2018" in text
    assert "NPDE under the prior of an independent PBPK population (seed 1" in text
    assert plot.stat().st_size > 10_000


def test_priors_as_a_nonmem_stream_under_nwpri(capsys, tmp_path):
    out = tmp_path / "vanco.ctl"
    status = main(["priors", "vancomycin", "--population", "adult", "--n", "20", *REGIMEN, "--structure", "1cmt",
                   "--format", "nonmem", "--out", str(out), "--quiet", "--npde-replicates", "100",
                   "--prior-theta-cv", "0.5", "--prior-effect-sd", "0.3", "--prior-omega-df", "5",
                   "--prior-reason", "PBPK only, no clinical data"])
    assert status == 0
    text = out.read_text()
    assert "$PRIOR NWPRI" in text and "$OMEGAPD (5 FIX)" in text and "PBPK only, no clinical data" in text


def test_priors_as_pmetrics_support_points(capsys, tmp_path):
    out = tmp_path / "points.csv"
    status = main(["priors", "vancomycin", "--population", "adult", "--n", "20", *REGIMEN, "--structure", "1cmt",
                   "--support-points", "12", "--format", "pmetrics", "--out", str(out), "--quiet",
                   "--npde-replicates", "100"])
    assert status == 0
    points = read_support_points(out)
    assert points.values.shape == (12, 2) and (tmp_path / "points.txt").exists()


@pytest.mark.parametrize(("extra", "message"), [
    (["--format", "pmetrics", "--out", "p.csv"], "--support-points"),
    (["--inflate-omega", "2", "--out", "p.json"], "--inflate-reason"),
    (["--format", "nonmem", "--out", "p.json"], "a file ending in .ctl or .mod"),
    (["--n", "5", "--out", "p.json"], "at least 10 subjects"),
    (["--prior-theta-cv", "0.3", "--out", "p.json"], "with --format nonmem"),
    (["--format", "nonmem", "--out", "p.ctl", "--prior-theta-cv", "0.3", "--prior-effect-sd", "0.2",
      "--prior-omega-df", "0", "--prior-reason", "r"], "degrees of freedom"),
    (["--covariates", "weight,creatinine", "--out", "p.json"], "one of weight"),
    (["--covariates", "pma", "--out", "p.json"], "a pediatric population"),
])
def test_priors_refuses_bad_options_before_simulating(capsys, tmp_path, monkeypatch, extra, message):
    monkeypatch.chdir(tmp_path)
    status = main(["priors", "vancomycin", "--population", "adult", *REGIMEN, *extra])
    _, err = capsys.readouterr()
    assert status == 2 and message in err and "Traceback" not in err


def test_comedication_text_is_read_or_refused():
    from pbpk.cli.priors import comedication_arm
    from pbpk.core.errors import PbpkInputError

    arm = comedication_arm("rifampicin 600 mg oral every 24h doses 14")
    assert arm.compound.name == "rifampicin" and len(arm.regimen.doses) == 14
    assert arm.regimen.doses[-1].time.to("h").magnitude == pytest.approx(13 * 24)
    assert comedication_arm("itraconazole 200 mg infusion over 1h").regimen.doses[0].duration.to("h").magnitude == 1
    with pytest.raises(PbpkInputError, match="COMPOUND DOSE ROUTE"):
        comedication_arm("rifampicin 600 mg")
    with pytest.raises(PbpkInputError, match="infusions need"):
        comedication_arm("itraconazole 200 mg infusion")


def test_the_command_offers_every_export_format():
    from pbpk.cli.priors import FORMATS
    from pbpk.mipd.export import FORMATS as EXPORTS

    assert FORMATS == EXPORTS
