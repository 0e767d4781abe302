"""Progress bars go to stderr, never to stdout (which carries JSON), and --quiet turns them off."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

import pbpk.populations.dose_matching as dose_matching
from pbpk.cli import main


def test_population_progress_on_stderr_json_on_stdout(capsys):
    args = ["population", "caffeine", "--population", "adult", "--n", "6", "--chunk-size", "3", "--dose", "100 mg",
            "--kinetics", "linear", "--until", "24h", "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["n"] == 6
    assert "population" in err and "6/6" in err
    assert main([*args, "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["n"] == 6 and err == ""


@pytest.fixture
def flat_populations(monkeypatch):
    """Every population has the same AUC, so each target matches in one iteration (no simulation)."""
    def simulate(compound, population, n, **kwargs):
        return SimpleNamespace(n=n, subjects=pd.DataFrame({"weight [kg]": [70.0] * n,
                                                           "AUC_inf [mg*h/L]": [2.0] * n}))

    monkeypatch.setattr(dose_matching, "simulate_virtual_population", simulate)


def test_dose_match_progress_counts_populations(capsys, flat_populations):
    args = ["dose-match", "caffeine", "--reference-dose", "100 mg", "--target", "pediatric: 2-6 y",
            "--target", "pediatric: 6-12 y", "--n", "4", "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert [row["role"] for row in json.loads(out)["rows"]] == ["reference", "target", "target"]
    assert "dose-match" in err and "3/3" in err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_validate_progress_on_stderr_lines_on_stdout(capsys):
    case = "alfentanil-iv-kharasch-2004-282"
    status = main(["validate", "--cases", case])
    out, err = capsys.readouterr()
    assert status in (0, 1)
    assert out.splitlines()[0].startswith(case) and "validate" not in out
    assert "validate" in err and "1/1" in err


def test_ddi_population_progress_on_stderr(capsys):
    args = ["ddi", "itraconazole-midazolam-po-olkkola-1994-osp370", "--n", "4", "--json"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["AUCR"]["population"]["n"] == 4
    assert "ddi: 4 subjects" in err and "2/2" in err
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
