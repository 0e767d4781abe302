"""``pbpk trial``: the bundled cefepime trial from its name, the JSON and the report files, option errors."""

from __future__ import annotations

import json

from pbpk.cli import main


def test_trial_by_name_prints_json_and_writes_the_report(tmp_path, capsys):
    report = tmp_path / "report"
    assert main(["trial", "cefepime", "--n", "10", "--json", "--quiet", "--report", str(report)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["trial"], out["n"], out["dose_number"]) == ("cefepime", 10, 5)
    strategies = {row["strategy"] for row in out["attainment"]}
    assert strategies == {"label 0.5 h", "label 3 h", "model-based", "TDM after doses 2 and 3"}
    assert {row["n"] for row in out["attainment"] if row["stratum"] == "all"} == {10}
    for name in ("report.md", "patients.csv", "trial.png"):
        assert (report / name).is_file()
    assert "## Probability of target attainment" in (report / "report.md").read_text()


def test_trial_option_errors_exit_2_before_any_work(capsys):
    assert main(["trial", "cefepime", "--scheduler", "tcp://x:1"]) == 2
    assert "--scheduler" in capsys.readouterr().err
    assert main(["trial", "cefepime", "--n", "0"]) == 2
    assert main(["trial", "no-such-trial"]) == 2
    assert "trials/" in capsys.readouterr().err
