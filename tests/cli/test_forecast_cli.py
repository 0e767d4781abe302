"""``pbpk forecast-eval``: forecasting evaluation of a prior on NONMEM-style records (JSON, figure, table)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pbpk.cli import main

#: Two subjects on 100 mg IV at 0 and 24 h, three samples each (TV2's model, example-pkpdmap-run1).
RECORDS = """ID,TIME,AMT_mg,DV,EVID,MDV
1,0,100,.,1,1
1,2,.,850,0,0
1,12,.,420,0,0
1,24,100,.,1,1
1,30,.,700,0,0
2,0,100,.,1,1
2,2,.,1100,0,0
2,12,.,520,0,0
2,24,100,.,1,1
2,30,.,900,0,0
"""


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(RECORDS, encoding="utf-8")
    return path


def test_forecast_eval_as_json_with_figure_and_table(capsys, tmp_path, data):
    plot, table = tmp_path / "forecast.png", tmp_path / "forecast.csv"
    status = main(["forecast-eval", "example-pkpdmap-run1", "--data", str(data), "--rename", "AMT_mg=AMT", "--json",
                   "--plot", str(plot), "--table", str(table)])
    out, _ = capsys.readouterr()
    assert status == 0
    result = json.loads(out)
    assert [row["step"] for row in result["summary"]] == [0, 1, 2] and result["forecasts"] == 6
    assert result["unit"] == "ug/L" and plot.stat().st_size > 10_000
    rows = pd.read_csv(table)
    assert len(rows) == 6 and np.allclose(rows["error"], rows["predicted"] - rows["observed"])


def test_forecast_eval_prints_a_summary(capsys, data):
    assert main(["forecast-eval", "example-pkpdmap-run1", "--data", str(data), "--rename", "AMT_mg=AMT"]) == 0
    out = capsys.readouterr().out
    assert "a priori" in out and "after 2 samples" in out and "MAPE %" in out


def test_forecast_eval_refuses_bad_options(capsys, data, tmp_path):
    assert main(["forecast-eval", "example-pkpdmap-run1", "--data", str(data), "--rename", "AMT"]) == 2
    assert "COLUMN=NAME" in capsys.readouterr().err
    assert main(["forecast-eval", "example-pkpdmap-run1", "--data", str(data), "--steps", "-1"]) == 2
    assert "--steps" in capsys.readouterr().err
    assert main(["forecast-eval", "example-pkpdmap-run1", "--data", str(data), "--rename", "AMT_mg=AMT",
                 "--table", str(tmp_path / "out.txt")]) == 2
    assert "--table" in capsys.readouterr().err
