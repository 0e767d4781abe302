"""``pbpk pd``: the command module, run through its own parser (registration in pbpk.cli is separate)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pbpk
import pbpk.cli.pd as pd_command
from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError

EXAMPLE = "nemtabrutinib-kemal-2026"


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="pbpk")
    pd_command.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["pd", *argv])
    return args.run(args)


def test_text_output(capsys):
    assert run(EXAMPLE, "--n", "300") == 0
    out = capsys.readouterr().out
    assert "N = 300 virtual patients" in out
    assert "MTD: 80 mg (no dose over the limit" in out and "OBD: 75 mg" in out
    assert "Wilson" in out


def test_json_table_and_plot(tmp_path, capsys):
    table, plot = tmp_path / "doses.csv", tmp_path / "doses.png"
    assert run(EXAMPLE, "--n", "300", "--seed", "2", "--json", "--table", str(table), "--plot", str(plot),
               "--tox-limit", "0.17", "--obd-rule", "utility:1") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mtd"] == 65.0 and data["toxicity_limit"] == 0.17 and "utility" in data["obd_rule"]
    assert len(data["table"]) == 9
    frame = pd.read_csv(table)
    assert "dose (mg)" in frame.columns and "Cavg (ng/mL) p50" in frame.columns
    assert plot.stat().st_size > 10_000


@pytest.mark.parametrize("argv, option", [
    (["--obd-rule", "best"], "--obd-rule"),
    (["--obd-rule", "fraction:1.5"], "--obd-rule"),
    (["--tox-limit", "0"], "--tox-limit"),
    (["--n", "0"], "--n"),
    (["--plot", "figure.txt"], "--plot"),
])
def test_bad_options(argv, option):
    with pytest.raises(PbpkInputError) as info:
        run(EXAMPLE, *argv)
    assert info.value.where == option


def test_n_has_no_effect_on_a_table_spec(tmp_path):
    (tmp_path / "x.csv").write_text("dose,auc\n10,1\n")
    spec = (data_dir("pd_models") / f"{EXAMPLE}.yaml").read_text()
    start, end = spec.index("exposure:\n"), spec.index("efficacy:\n")
    table = ("exposure:\n  model: table\n  name: Cavg\n  unit: ng/mL\n  file: x.csv\n  dose_column: dose\n"
             "  exposure_column: auc\n")
    text = spec[:start] + table + spec[end:]
    text = text.replace("values: [5, 10, 15, 20, 30, 45, 65, 75, 80]", "values: [10]")
    path = tmp_path / "table.yaml"
    path.write_text(text)
    assert run(str(path)) == 0
    with pytest.raises(PbpkInputError) as info:
        run(str(path), "--n", "10")
    assert info.value.where == "--n"


def test_parser_and_checks_import_nothing_heavy():
    code = ("import sys, argparse; import pbpk.cli.pd as m; p = argparse.ArgumentParser(); "
            "m.add_parser(p.add_subparsers()); m.parse_rule(None); "
            "print(sorted(x for x in ('numpy', 'scipy', 'pandas', 'matplotlib', 'pint') if x in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(Path(pbpk.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "[]"
