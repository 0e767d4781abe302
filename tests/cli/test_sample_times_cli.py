"""``pbpk sample-times``: optimal sample times from the command line, against the closed forms of a one-compartment
bolus and on a vancomycin patient with samples (its MAP posterior)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

import pbpk
import pbpk.cli
from pbpk.cli import main, sample_times

TVCL, TVV, DOSE, OMEGA2 = 4.0, 40.0, 500.0, 0.09
K = TVCL / TVV  # 0.1 /h
ADDITIVE, PROPORTIONAL = 0.5, 0.1
ERRORS = {
    "additive": {"model": "additive", "sd": {"additive": ADDITIVE}},
    "proportional": {"model": "proportional", "sd": {"proportional": PROPORTIONAL}},
    "combined": {"model": "combined", "combination": "variance-sum",
                 "sd": {"additive": ADDITIVE, "proportional": PROPORTIONAL}},
}
BOLUS = ["--regimen", f"{DOSE:g} mg every 100 h x 1", "--candidates", "0.5-30 by 0.1 h", "--n", "1",
         "--criterion", "c:CL"]
PATIENT = """id: vanco-1
covariates: {CLCREAT: 65 mL/min, WT: 70 kg, DIAL: 0}
doses:
  - {time: 0 h, amount: 1000 mg, infusion: 1 h}
  - {time: 12 h, amount: 1000 mg, infusion: 1 h}
samples:
  - {time: 11.5 h, concentration: 9.1 mg/L}
  - {time: 13.5 h, concentration: 28 mg/L}
"""
VANCO = ["sample-times", "vancomycin-goti-2018", "--regimen", "1000 mg every 12 h infusion 1 h x 4",
         "--candidates", "0.5-24 by 0.5 h", "--n", "2", "--criterion", "c:CL"]


def test_the_command_is_registered():
    assert sample_times in pbpk.cli.COMMANDS


def _model(folder: Path, error: str) -> Path:
    """A one-compartment bolus model with η on CL only and the named residual error."""
    path = folder / f"bolus-{error}.json"
    path.write_text(json.dumps({
        "format": "pbpk-poppk/1", "name": f"bolus-{error}", "drug": "x", "title": "One compartment, η on CL",
        "source": {"type": "example", "reference": "made for this test"}, "structure": {"compartments": 1},
        "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
        "theta": {"TVCL": {"value": TVCL}, "TVV": {"value": TVV}}, "omega": [{"eta": "ETA_CL", "variance": OMEGA2}],
        "pk": ["CL = TVCL * exp(ETA_CL)", "V = TVV"], "error": {"parent": ERRORS[error]}}))
    return path


def _no_doses(folder: Path) -> Path:
    """A patient record with no dose and no sample yet (one EVID 2 record): the regimen starts at 0 h."""
    path = folder / "new.csv"
    path.write_text("ID,TIME,EVID\n1,0,2\n")
    return path


def _information(t: float, error: str) -> float:
    """I(t) = (∂f/∂η_CL)²/g² = (kt·f)²/g(f)² for f = D/V·e^(−kt)."""
    f = DOSE / TVV * np.exp(-K * t)
    variance = {"additive": ADDITIVE**2, "proportional": (PROPORTIONAL * f) ** 2,
                "combined": ADDITIVE**2 + (PROPORTIONAL * f) ** 2}[error]
    return (K * t * f) ** 2 / variance


def _best_time(error: str) -> float:
    """The time that maximises the information of η_CL (= log CL − log TVCL) from one sample.

    f(t) = D/V·e^(−kt), k = CL/V, so ∂f/∂η_CL = −kt·f and I(t) = (kt·f)²/g(f)². With u = kt:
    d log I/du = 2/u − 2 − d log g²/du, and d log g²/du = −2p with p = b²f²/g² the proportional share of the
    residual variance (0 for an additive error, 1 for a proportional one). So d log I/du = 2/u − 2 + 2p = 0 at
    u·(1 − p) = 1:
    * additive (p = 0): t* = 1/k = V/CL = 10 h;
    * proportional (p = 1): no root, I = (kt)²/b² grows with t, the latest candidate (30 h) is best;
    * combined, g² = a² + b²f²: t* = 1/(k·(1 − p(t*))) > 1/k, the root found here.
    """
    if error == "additive":
        return 1.0 / K
    if error == "proportional":
        return 30.0

    def stationary(t: float) -> float:
        f = DOSE / TVV * np.exp(-K * t)
        share = (PROPORTIONAL * f) ** 2 / (ADDITIVE**2 + (PROPORTIONAL * f) ** 2)
        return K * t * (1.0 - share) - 1.0

    return brentq(stationary, 1.0 / K, 30.0)


def _json_of(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("error", ["additive", "combined", "proportional"])
def test_c_optimal_single_time_for_cl_is_the_analytic_one(capsys, tmp_path, error):
    best = _best_time(error)
    assert error != "combined" or 11.0 < best < 20.0  # the combined optimum lies between the other two
    result = _json_of(capsys, ["sample-times", str(_model(tmp_path, error)), "--data", str(_no_doses(tmp_path)),
                               *BOLUS, "--json"])
    assert result["posterior"] == "population prior" and result["fit"] is None and result["regimen"]["start"] == 0
    optimal = result["designs"][0]
    assert optimal["name"] == "optimal" and abs(optimal["times"][0] - best) <= 0.05 + 1e-9
    assert result["now"]["parameter_sd"] == pytest.approx(np.sqrt(OMEGA2))
    t = optimal["times"][0]
    assert optimal["parameter_sd"] == pytest.approx(1.0 / np.sqrt(1.0 / OMEGA2 + _information(t, error)), rel=1e-5)
    single = result["single_sample"]
    assert single["times"][int(np.argmin(single["values"]))] == pytest.approx(t)


def test_a_vancomycin_patient_is_designed_under_its_map_posterior(capsys, tmp_path):
    from pbpk.mipd.map_estimation import estimate
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.patient_record import read_patient

    record = tmp_path / "patient.yaml"
    record.write_text(PATIENT)
    result = _json_of(capsys, [*VANCO, "--data", str(record), "--json"])
    model = load_poppk("vancomycin-goti-2018")
    fit = estimate(model, read_patient(record, model))
    assert result["posterior"] == "Laplace (MAP fit)" and result["fit"]["eta"]["ETA_CL"] == pytest.approx(fit.eta[0])
    assert result["regimen"]["start"] == 24.0  # one interval after the last dose at 12 h
    # CL = TVCL·(…covariates)·e^(ETA_CL): the SD of log CL now is the Laplace SD of η_CL
    assert result["now"]["parameter_sd"] == pytest.approx(np.sqrt(fit.covariance[0, 0]), rel=1e-4)
    designs = {design["name"]: design for design in result["designs"]}
    assert set(designs) == {"optimal", "trough", "peak + trough", "last 2"}
    assert designs["trough"]["times"] == [24.0] and designs["peak + trough"]["times"] == [13.0, 24.0]
    optimal = designs["optimal"]
    assert optimal["clock_times"] == [24.0 + t for t in optimal["times"]]
    assert all(optimal["value"] <= design["value"] + 1e-12 for design in designs.values())  # exhaustive search
    assert optimal["parameter_sd"] < 0.9 * result["now"]["parameter_sd"]


def test_text_output_and_figure(capsys, tmp_path):
    record = tmp_path / "patient.yaml"
    record.write_text(PATIENT)
    plot = tmp_path / "design.png"
    assert main([*VANCO, "--data", str(record), "--criterion", "D", "--n", "3", "--plot", str(plot)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("vancomycin-goti-2018: ID vanco-1") and "MAP η from 2 sample(s)" in lines[0]
    assert lines[3].startswith("best 3 sample time(s): ") and "ETA_CL" in lines[4] and "→" in lines[4]
    assert [line.split("  ")[0] for line in lines[6:]] == ["now (no new sample)", "optimal", "trough",
                                                           "peak + trough", "last 3"]
    assert "log det M" in lines[5] and plot.stat().st_size > 20_000


@pytest.mark.parametrize(("change", "option", "expected"), [
    (["--regimen", "1000 mg q12h"], "--regimen", "DOSE every INTERVAL"),
    (["--regimen", "1000 apples every 12 h"], "--regimen", "a mass or amount unit"),
    (["--regimen", "1000 mg every 12 kg"], "--regimen", "a time unit"),
    (["--regimen", "1000 mg every 12 h infusion 13 h"], "--regimen", "an infusion no longer than it"),
    (["--candidates", "24-0.5 by 0.5 h"], "--candidates", "a step > 0"),
    (["--candidates", "0.5-24 by 0.5 kg"], "--candidates", "a time unit"),
    (["--candidates", "0-1000 by 0.01 h"], "--candidates", "at most 2000 times"),
    (["--candidates", "soon"], "--candidates", "0.5-24 by 0.5 h"),
    (["--n", "0"], "--n", "from 1 to 48"),
    (["--n", "49"], "--n", "from 1 to 48"),
    (["--criterion", "A"], "--criterion", "c:PARAM"),
    (["--criterion", "c:"], "--criterion", "c:PARAM"),
    (["--plot", "design.txt"], "--plot", "a file ending in .png"),
    (["--plot", "nodir/design.png"], "--plot", "an existing folder"),
    (["--rename", "AMT"], "--rename", "COLUMN=NAME"),
])
def test_bad_options_exit_2_before_any_work(capsys, monkeypatch, tmp_path, change, option, expected):
    import pbpk.mipd.modelfile

    def forbidden(*args, **kwargs):
        raise AssertionError("the command started computing before checking its options")

    monkeypatch.setattr(pbpk.mipd.modelfile, "load_poppk", forbidden)
    monkeypatch.chdir(tmp_path)
    args = dict(zip(VANCO[2::2], VANCO[3::2], strict=True)) | dict(zip(change[::2], change[1::2], strict=True))
    assert main(["sample-times", "vancomycin-goti-2018", "--data", "patient.yaml",
                 *[x for pair in args.items() for x in pair]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pbpk: error: {option}: got ") and expected in err and err.count("\n") == 1


@pytest.mark.parametrize(("change", "option", "expected"), [
    (["--criterion", "c:KA"], "--criterion", "a parameter of bolus-additive: CL, V"),
    (["--candidates", "0, 1, 2 h"], "--candidates", "a positive typical concentration"),
])
def test_what_only_the_model_can_tell_names_the_option(capsys, tmp_path, change, option, expected):
    args = dict(zip(BOLUS[::2], BOLUS[1::2], strict=True)) | dict(zip(change[::2], change[1::2], strict=True))
    assert main(["sample-times", str(_model(tmp_path, "additive")), "--data", str(_no_doses(tmp_path)),
                 *[x for pair in args.items() for x in pair]]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pbpk: error: {option}: got ") and expected in err


def test_help_without_heavy_imports():
    script = ("import sys\nimport pbpk.cli\n"
              "try:\n    pbpk.cli.main(['sample-times', '--help'])\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('numpy', 'scipy', 'pandas', 'pint', 'matplotlib') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(Path(pbpk.__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    *help_text, heavy = done.stdout.splitlines()
    assert heavy == "[]" and "--candidates" in "\n".join(help_text) and "c:PARAM" in "\n".join(help_text)
