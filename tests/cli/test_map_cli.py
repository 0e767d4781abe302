"""``pbpk map``: MAP fits of NONMEM-style records, as JSON and as a figure (TV1, mapbayr example 001)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pbpk.cli import main

DATA = Path(__file__).resolve().parents[3] / "shared" / "validation" / "mipd" / "mapbayr_ex001_data.csv"
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="the shared MIPD test vectors are not beside the project")


def test_map_fit_of_tv1_id1_as_json_and_figure(capsys, tmp_path):
    plot = tmp_path / "fits.png"
    status = main(["map", "examplinib-mapbayr-2021", "--data", str(DATA), "--id", "1", "--json", "--plot", str(plot)])
    out, _ = capsys.readouterr()
    assert status == 0
    subject = json.loads(out)["subjects"][0]
    # NONMEM 7 POSTHOC (mapbayr_ex001_nonmem_run001.phi): ID 1 η = (0.405058, 0.072851, −0.074954)
    assert list(subject["eta"].values()) == pytest.approx([0.405058, 0.072851, -0.074954], abs=1e-4)
    cl = next(row for row in subject["parameters"] if row["parameter"] == "CL")
    assert cl["P5"] < cl["MAP"] < cl["P95"] and cl["unit"] == "L/h"
    assert subject["converged"] and plot.stat().st_size > 10_000
    check_samples(subject)


def check_samples(subject: dict) -> None:
    """Each sample of the data with its MAP prediction and IWRES = (y − f)/g(f), g from the model's error."""
    from pbpk.mipd.modelfile import load_poppk

    error = load_poppk("examplinib-mapbayr-2021").errors["parent"]
    samples = subject["samples"]
    assert len(samples) == 4 and all(s["unit"] == "mg/L" and not s["censored"] for s in samples)
    for s in samples:
        y, f = s["observed"], s["predicted"]
        expected = (np.log(y / f) if error.kind == "exponential" else y - f) / error.sd(np.array([f]))[0]
        assert s["iwres"] == pytest.approx(expected, rel=1e-9)
    assert max(abs(s["iwres"]) for s in samples) < 3  # a good fit: no sample beyond 3 SD


def test_map_refuses_an_unknown_id_and_a_bad_rename(capsys):
    assert main(["map", "examplinib-mapbayr-2021", "--data", str(DATA), "--id", "99"]) == 2
    assert "--id: got '99'" in capsys.readouterr().err
    assert main(["map", "examplinib-mapbayr-2021", "--data", str(DATA), "--rename", "AMT"]) == 2
    assert "COLUMN=NAME" in capsys.readouterr().err


def test_map_with_sir_draws_and_a_flattened_prior(capsys):
    status = main(["map", "examplinib-mapbayr-2021", "--data", str(DATA), "--id", "1", "--json", "--posterior", "sir",
                   "--draws", "300"])
    subject = json.loads(capsys.readouterr().out)["subjects"][0]
    assert status == 0 and subject["posterior"] == "sir" and subject["effective_sample_size"] > 30
    assert main(["map", "examplinib-mapbayr-2021", "--data", str(DATA), "--id", "1", "--json",
                 "--prior-weight", "0.5"]) == 0
    flattened = json.loads(capsys.readouterr().out)["subjects"][0]
    assert flattened["eta"]["ETA_CL"] > subject["eta"]["ETA_CL"]  # less shrinkage towards 0 (η_CL > 0 here)
    assert main(["map", "examplinib-mapbayr-2021", "--data", str(DATA), "--prior-weight", "0"]) == 2
    assert "--prior-weight: got 0.0" in capsys.readouterr().err
