"""``pbpk recommend``: MAP fit and ranked dose options for the TV3 vancomycin patient (posologyr, Goti 2018)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pbpk.cli import main

FOLDER = Path(__file__).resolve().parents[3] / "shared" / "validation" / "mipd"
DATA = FOLDER / "posologyr_vanco_patient02.csv"
pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason="the shared MIPD test vectors are not beside the project")
MODEL = "vancomycin-goti-2018"
OPTIONS = ["--target", "AUC24 400-600 mg*h/L", "--doses", "500-2500 by 250 mg", "--intervals", "12,24 h",
           "--infusion", "1 h"]


@pytest.fixture(scope="module")
def recommendation() -> dict:
    """The JSON of the TV3 vancomycin patient 02 (one ID: no --id needed)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["recommend", MODEL, "--data", str(DATA), *OPTIONS, "--toxicity", "trough > 20 mg/L",
                       "--json"])
    assert status == 0
    return json.loads(out.getvalue())


def test_top_option_meets_the_target_and_the_ranking_is_as_documented(recommendation):
    rows = recommendation["options"]
    assert len(rows) == 9 * 2 and recommendation["fit"]["converged"]
    assert rows[0]["met_at_map"] and 400 <= rows[0]["value"] <= 600
    assert all(0 <= row["pta"] <= 1 and 0 <= row["p_toxicity"] <= 1 for row in rows)
    # recommend.py: met at the MAP first, then PTA ↓, P(toxicity) ↑, daily dose ↑, option order
    keys = [(not row["met_at_map"], -row["pta"], row["p_toxicity"], row["daily_dose"], row["option"]) for row in rows]
    assert keys == sorted(keys)
    assert recommendation["units"] == {"dose": "mg", "interval": "h", "infusion": "h", "start": "h",
                                       "daily_dose": "mg/day", "value": "mg*h/L"}
    # TV3 (posologyr vs Monolix): the fit behind the recommendation is the published MAP
    assert recommendation["fit"]["eta"]["ETA_CL"] == pytest.approx(np.log(1.72 / (4.5 * (34 / 120) ** 0.8)),
                                                                   abs=1e-2)


def test_map_auc24_of_the_top_option_is_the_model_s(recommendation):
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.recommend import Regimen
    from pbpk.mipd.records import read_records

    model = load_poppk(MODEL)
    subject = read_records(DATA, model)["1"]
    top = recommendation["options"][0]
    regimen = Regimen(top["dose"], top["interval"], top["count"], top["start"], top["infusion"], top["loading"])
    assert top["start"] == pytest.approx(22.2 + top["interval"]) and regimen.end - 24 >= regimen.start
    eta = np.array(list(recommendation["fit"]["eta"].values()))
    prediction = model.predict((*subject.doses, *regimen.doses()), [regimen.end - 24, regimen.end],
                               subject.covariates_at(float(subject.record_times[-1])), eta[None])
    auc = prediction.auc()[0]
    assert top["value"] == pytest.approx(auc[1] - auc[0], abs=1e-6)


def test_text_table_and_figure(capsys, tmp_path):
    plot = tmp_path / "recommend.png"
    assert main(["recommend", MODEL, "--data", str(DATA), *OPTIONS, "--top", "3", "--plot", str(plot)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "dose (mg)" in lines[2] and "PTA" in lines[2] and len(lines) == 3 + 3
    assert plot.stat().st_size > 20_000


@pytest.mark.parametrize(("change", "option"), [
    (["--target", "AUC 400 mg"], "--target"),
    (["--doses", "2500-500 by 250 mg"], "--doses"),
    (["--intervals", "12;24 h"], "--intervals"),
    (["--toxicity", "trough > 20 apples"], "--toxicity"),
    (["--draws", "10"], "--draws"),
])
def test_bad_options_exit_2_naming_the_option(capsys, change, option):
    args = dict(zip(OPTIONS[::2], OPTIONS[1::2], strict=True)) | dict(zip(change[::2], change[1::2], strict=True))
    assert main(["recommend", MODEL, "--data", str(DATA), *[x for pair in args.items() for x in pair]]) == 2
    assert capsys.readouterr().err.startswith(f"pbpk: error: {option}: ")


def test_several_ids_need_id(capsys, tmp_path):
    two = tmp_path / "two.csv"
    lines = DATA.read_text().splitlines()
    two.write_text("\n".join([*lines, *(line.replace("1,", "2,", 1) for line in lines[1:])]) + "\n")
    assert main(["recommend", MODEL, "--data", str(two), *OPTIONS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pbpk: error: --id: ") and "1, 2" in err
    assert main(["recommend", MODEL, "--data", str(two), *OPTIONS, "--id", "3"]) == 2
    assert "--id: got '3'" in capsys.readouterr().err
    assert main(["recommend", MODEL, "--data", str(two), *OPTIONS, "--id", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "2"
