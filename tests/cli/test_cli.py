"""The ``pbpk`` command line: output formats, exit status, errors without tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from pbpk.cli import main
from pbpk.core.datafiles import data_dir

METHODS = ["rodgers-rowland", "poulin-theil", "berezhkovskiy", "schmitt"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("method", METHODS)
def test_kp_json_for_every_method(capsys, method):
    status, out, _ = run(capsys, "kp", str(data_dir("compounds") / "midazolam.yaml"), "--method", method, "--json")
    assert status == 0
    result = json.loads(out)
    assert result["method"] == method.replace("-", "_")
    assert len(result["Kp"]) >= 14 and all(v > 0 for v in result["Kp"].values())
    assert {"adipose", "muscle", "liver", "lung", "rest_of_body"} <= set(result["Kp"])
    assert result["Vss"]["unit"] == "L" and result["Vss"]["value"] > 0


def test_kp_text_table_and_female(capsys):
    status, out, _ = run(capsys, "kp", "midazolam", "--sex", "female")
    assert status == 0
    assert "adipose" in out and "Vss =" in out and "60 kg" in out


def test_compound_prints_values_units_and_sources(capsys):
    status, out, _ = run(capsys, "compound", "rifampicin")
    assert status == 0
    assert "822.94 g/mol" in out
    assert "source: Templeton IE et al." in out
    assert "fitted to Peloquin 1999" in out
    status, out, _ = run(capsys, "compound", "itraconazole", "--json")
    data = json.loads(out)
    assert data["fu_plasma"]["value"] == pytest.approx(0.006)
    assert data["interactions"][0]["target"] == "CYP3A4"


def test_bad_file_exits_2_with_one_line_message(capsys, tmp_path):
    path = tmp_path / "bad.yaml"
    text = (data_dir("compounds") / "midazolam.yaml").read_text().replace("fu_plasma: {value: 0.031,", "fu_plasma: {value: 3.1,")
    path.write_text(text)
    status, out, err = run(capsys, "compound", str(path))
    assert status == 2 and out == ""
    assert err.startswith("pbpk: error: ") and "bad.yaml:" in err and "fu_plasma.value" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_unknown_compound_name_suggests_bundled_one(capsys):
    status, _, err = run(capsys, "kp", "midazolm")
    assert status == 2 and 'Did you mean "midazolam"?' in err


def test_console_script_runs_in_a_subprocess(tmp_path):
    """The installed entry point: non-zero exit and no traceback on bad input."""
    exe = shutil.which("pbpk")
    command = [exe] if exe else [sys.executable, "-m", "pbpk.cli"]
    ok = subprocess.run(command + ["kp", "caffeine", "--json"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and json.loads(ok.stdout)["method"] == "rodgers_rowland"
    bad = tmp_path / "tagged.yaml"
    bad.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    failed = subprocess.run(command + ["compound", str(bad)], capture_output=True, text=True, check=False)
    assert failed.returncode == 2
    assert "YAML tags are not allowed" in failed.stderr and "Traceback" not in failed.stderr
