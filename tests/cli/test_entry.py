"""The entry point: --version, and --help, argument errors and option checks before the heavy imports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pbpk
from pbpk.cli import COMMANDS, main, parser
from pbpk.cli.kp import METHODS
from pbpk.compound import PARTITION_METHODS

HEAVY = ("numpy", "scipy", "sympy", "numba", "pandas", "pint", "matplotlib", "dask")
#: Runs the CLI with argv, then prints the heavy modules it imported as the last line of stderr.
SCRIPT = f"""
import sys
from pbpk.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)
"""


def heavy_imports(*args: str) -> tuple[list[str], str, str]:
    env = {**os.environ, "PYTHONPATH": str(Path(pbpk.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, env=env, check=True)
    *rest, last = done.stderr.splitlines()
    return eval(last), done.stdout, "\n".join(rest)  # noqa: S307 - a list of names printed by SCRIPT


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == "pbpk 0.1.0\n"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("compound", "kp", "simulate", "model", "population", "dose-match", "ddi-static", "ddi",
                    "validate"):
        assert re.search(rf"\n    {command}\s", out), command


def test_parser_builds_without_heavy_imports():
    env = {**os.environ, "PYTHONPATH": str(Path(pbpk.__file__).resolve().parents[1])}
    code = (f"import sys; from pbpk.cli import parser; parser(); "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [
    ["--help"], ["--version"],
    *[[name, "--help"] for name in ("compound", "kp", "simulate", "model", "population", "dose-match",
                                    "ddi-static", "ddi", "validate")],
])
def test_help_and_version_without_heavy_imports(args):
    heavy, out, _ = heavy_imports(*args)
    assert out.strip() and heavy == []


def test_argument_and_option_errors_without_heavy_imports():
    heavy, _, err = heavy_imports("simulate", "midazolam")  # --dose missing: argparse
    assert "the following arguments are required: --dose" in err and heavy == []
    heavy, _, err = heavy_imports("simulate", "midazolam", "--dose", "5 mg", "--plot", "x.txt")
    assert err.startswith("pbpk: error: --plot") and heavy == []


def test_the_import_check_sees_a_heavy_import():
    """The subprocess check is not vacuous: running a command does load the heavy modules."""
    heavy, out, _ = heavy_imports("kp", "caffeine", "--json")
    assert '"Kp"' in out and {"numpy", "pint"} <= set(heavy)


def test_kp_methods_are_the_partition_methods():
    assert METHODS == tuple(m.replace("_", "-") for m in PARTITION_METHODS)


def test_one_parser_per_command_module():
    names = set(parser()._subparsers._group_actions[0].choices)
    assert len(names) == len(COMMANDS) == 17


def test_python_dash_m_runs_the_cli():
    env = {**os.environ, "PYTHONPATH": str(Path(pbpk.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-m", "pbpk.cli", "--version"], capture_output=True, text=True, env=env,
                          check=False)
    assert done.returncode == 0 and done.stdout == "pbpk 0.1.0\n"


def test_sbml_suffixes_checked_before_work_are_the_exporters():
    """The light check of --sbml (no heavy imports) accepts exactly what the SBML exporter writes."""
    from pbpk.cli.checks import SBML
    from pbpk.model.exporters import EXPORTERS

    assert SBML == EXPORTERS["sbml"].suffixes


@pytest.mark.parametrize("command", sorted(parser()._subparsers._group_actions[0].choices))
def test_every_command_prints_its_help(command, capsys):
    """argparse formats help with %: a bare "%" in a help text breaks --help."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0 and "usage: pbpk" in capsys.readouterr().out
