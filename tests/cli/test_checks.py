"""Checks made before anything is computed: output paths and options that would have no effect."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

import pytest

import pbpk.compound
import pbpk.mipd.modelfile
import pbpk.mipd.trial_spec
import pbpk.pd.spec
import pbpk.qualification.cases
import pbpk.qualification.studies
from pbpk.cli import main
from pbpk.cli.checks import check_regimen
from pbpk.core.errors import PbpkInputError


@pytest.fixture
def nothing_computed(monkeypatch):
    """Loading a compound, study or case (the first step of every command) fails the test."""
    def forbidden(*args, **kwargs):
        raise AssertionError("the command started computing before checking its options")

    monkeypatch.setattr(pbpk.compound, "load_compound", forbidden)
    monkeypatch.setattr(pbpk.mipd.modelfile, "load_poppk", forbidden)
    monkeypatch.setattr(pbpk.mipd.trial_spec, "load_trial", forbidden)
    monkeypatch.setattr(pbpk.pd.spec, "load_spec", forbidden)
    for module, name in ((pbpk.qualification.studies, "load_study"), (pbpk.qualification.studies, "load_studies"),
                         (pbpk.qualification.cases, "load_cases")):
        monkeypatch.setattr(module, name, forbidden)


def one_line_error(capsys, args: list[str]) -> str:
    status = main(args)
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("pbpk: error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


SIMULATE = ["simulate", "midazolam", "--dose", "5 mg"]
POPULATION = ["population", "midazolam", "--population", "adult", "--n", "10", "--dose", "1 mg"]
DOSE_MATCH = ["dose-match", "midazolam", "--reference-dose", "5 mg", "--target", "pediatric: 2-6 y"]


@pytest.mark.parametrize("args, option, path, expected", [
    (SIMULATE + ["--plot", "nodir/x.png"], "--plot", "nodir/x.png", "an existing folder"),
    (SIMULATE + ["--plot", "x.txt"], "--plot", "x.txt", "a file ending in .png, .svg or .pdf"),
    (SIMULATE + ["--csv", "nodir/x.csv"], "--csv", "nodir/x.csv", "an existing folder"),
    (SIMULATE + ["--csv", "x.png"], "--csv", "x.png", "a file ending in .csv"),
    (POPULATION + ["--summary", "nodir/s.csv"], "--summary", "nodir/s.csv", "an existing folder"),
    (POPULATION + ["--summary", "s.png"], "--summary", "s.png", "a file ending in .csv"),
    (POPULATION + ["--subjects", "s.txt"], "--subjects", "s.txt", "a file ending in .csv"),
    (POPULATION + ["--plot", "nodir/band.png"], "--plot", "nodir/band.png", "an existing folder"),
    (POPULATION + ["--summary", "a.csv", "--subjects", "a.csv"], "--subjects", "a.csv", "other than that of --summary"),
    (DOSE_MATCH + ["--csv", "table.txt"], "--csv", "table.txt", "a file ending in .csv"),
    (DOSE_MATCH + ["--csv", "nodir/table.csv"], "--csv", "nodir/table.csv", "an existing folder"),
    (["model", "midazolam", "--sbml", "x.txt"], "--sbml", "x.txt", "a file ending in .xml or .sbml"),
    (["model", "midazolam", "--sbml", "nodir/x.xml"], "--sbml", "nodir/x.xml", "an existing folder"),
    (["ddi", "some-study", "--plot", "ddi.txt"], "--plot", "ddi.txt", "a file ending in .png, .svg or .pdf"),
    (["ddi", "some-study", "--csv", "nodir/ddi.csv"], "--csv", "nodir/ddi.csv", "an existing folder"),
    (["validate", "--report", "report.html"], "--report", "report.html", "a folder"),
])
def test_bad_output_path_exits_2_before_computing(capsys, nothing_computed, tmp_path, monkeypatch, args, option,
                                                  path, expected):
    monkeypatch.chdir(tmp_path)
    err = one_line_error(capsys, args)
    assert f"{option}: got '{path}'" in err and expected in err


def test_report_inside_a_file_exits_2_before_computing(capsys, nothing_computed, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    err = one_line_error(capsys, ["validate", "--report", str(blocker / "report")])
    assert "--report: got" in err and "a folder" in err and f"{blocker} is a file" in err


def test_output_into_a_folder_that_exists_passes_the_check(capsys, nothing_computed, tmp_path):
    """The check lets a good path through (then the guard shows that the command goes on to compute)."""
    with pytest.raises(AssertionError, match="started computing"):
        main(SIMULATE + ["--plot", str(tmp_path / "x.png"), "--csv", str(tmp_path / "x.csv")])


@pytest.mark.parametrize("args, option, hint", [
    (SIMULATE + ["--every", "8h"], "--every", "add --doses N, or leave out --every"),
    (SIMULATE + ["--every", "8h", "--doses", "1"], "--every", "add --doses N"),
    (SIMULATE + ["--infusion-time", "1h"], "--infusion-time", "add --route infusion"),
    (SIMULATE + ["--route", "oral", "--infusion-time", "1h"], "--infusion-time", "route oral"),
    (SIMULATE + ["--doses", "0"], "--doses", "1 or more"),
    (POPULATION + ["--every", "12h"], "--every", "add --doses N"),
    (POPULATION + ["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler", "add --backend dask"),
    (DOSE_MATCH + ["--infusion-time", "1h"], "--infusion-time", "add --route infusion"),
    (["ddi-static", "clarithromycin", "--dose", "500 mg", "--every", "12h"], "--every", "add --doses N"),
    (["ddi-static", "clarithromycin", "--dose", "500 mg", "--cmax", "3 mg/L", "--every", "12h", "--doses", "3"],
     "--every", "leave out --cmax"),
    (["ddi-static", "clarithromycin", "--dose", "500 mg", "--enzyme", "CYP3A4"], "--enzyme", "add --victim"),
    (["ddi", "some-study", "--seed", "3"], "--seed", "add --n"),
    (["ddi", "some-study", "--seed", "3", "--n", "0"], "--seed", "add --n"),
])
def test_option_without_effect_exits_2_before_computing(capsys, nothing_computed, args, option, hint):
    err = one_line_error(capsys, args)
    assert f"pbpk: error: {option}: got " in err and hint.lower() in err.lower()


def regimen(**given) -> argparse.Namespace:
    return argparse.Namespace(**{"route": "iv", "infusion_time": None, "every": None, "doses": 1, **given})


def test_dose_match_counts_an_interval_with_one_dose():
    """dose-match measures AUC, Cmax or trough over the interval, so --every has an effect with one dose."""
    check_regimen(regimen(every="12h"), interval_alone=True)
    with pytest.raises(PbpkInputError, match="--every"):
        check_regimen(regimen(every="12h"))
    check_regimen(regimen(route="infusion", infusion_time="1h", every="12h", doses=3))


def readme_command_lines() -> list[list[str]]:
    """The command lines of README.md's "Command line" block (continuations joined, comments removed)."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    lines = [shlex.split(line, comments=True) for line in block.replace("\\\n", " ").splitlines()]
    return [line[1:] for line in lines if line]


def test_readme_command_lines_pass_the_checks(capsys, nothing_computed, tmp_path, monkeypatch):
    """Every documented command line parses and passes its checks (it goes on to load its input)."""
    monkeypatch.chdir(tmp_path)
    lines = readme_command_lines()
    assert len(lines) >= 16 and ["--version"] in lines
    for argv in lines:
        if argv == ["--version"]:
            continue
        with pytest.raises(AssertionError, match="started computing"):
            main(argv)
