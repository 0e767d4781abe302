"""Metrics over a stated window of the study clock: Cmax and tmax of one dose of a multiple-dose arm, CL and CL/F
over a whole cycle of an irregular regimen (docs/validation-format.md, "Windows")."""

from __future__ import annotations

import pytest
from test_case_rules import case_dict, write

from pbpk.core.errors import PbpkInputError
from pbpk.qualification.case_run import run_case
from pbpk.qualification.cases import load_case

MEAN = "arithmetic mean"


def observed(**metrics) -> dict:
    """Observed block with a placeholder value of 1 for each metric (only the predictions are checked here)."""
    units = {"Cmax": "mg/L", "tmax": "h", "CL_F": "L/h", "CL": "L/h", "AUC": "mg*h/L"}
    return {name: {"value": 1, "unit": units[name], "statistic": MEAN, **({"interval": window} if window else {})}
            for name, window in metrics.items()}


def test_first_dose_cmax_of_a_multiple_dose_arm_equals_the_single_dose_cmax(tmp_path):
    """Doses after the window cannot change it: Cmax over [0, 24 h] of five daily infusions is the single
    infusion's Cmax, while the default (after the last dose) carries the accumulation."""
    daily = [{"dose": "400 mg", "route": "infusion", "duration": "30 min", "every": "24 h", "doses": 5}]
    single = [{"dose": "400 mg", "route": "infusion", "duration": "30 min"}]
    first = run_case(load_case(write(tmp_path, case_dict(regimen=daily, observed=observed(Cmax=[0, 24], tmax=[0, 24])),
                                     "first")))
    alone = run_case(load_case(write(tmp_path, case_dict(regimen=single, observed=observed(Cmax=None, tmax=None)),
                                     "alone")))
    last = run_case(load_case(write(tmp_path, case_dict(regimen=daily, observed=observed(Cmax=None)), "last")))
    assert first.predicted["Cmax"] == pytest.approx(alone.predicted["Cmax"], rel=0.01)
    assert first.predicted["tmax"] == pytest.approx(alone.predicted["tmax"], abs=0.1)
    assert last.predicted["Cmax"] > 1.5 * first.predicted["Cmax"]  # fluconazole t1/2 ~ 30 h accumulates


def test_cl_f_over_a_day_of_an_irregular_regimen_is_the_apparent_clearance(tmp_path):
    """Superposition: at steady state the dose of a whole dosing cycle over that cycle's AUC is CL/F exactly,
    however the doses fall within it (here 200 mg at 08:00 and 100 mg at 20:00 for ten days, t1/2 ~ 30 h)."""
    irregular = [{"dose": "200 mg", "route": "oral", "time": "0 h", "every": "24 h", "doses": 10},
                 {"dose": "100 mg", "route": "oral", "time": "12 h", "every": "24 h", "doses": 10}]
    single = [{"dose": "300 mg", "route": "oral"}]
    day = run_case(load_case(write(tmp_path, case_dict(regimen=irregular, observed=observed(CL_F=[216, 240])), "day")))
    alone = run_case(load_case(write(tmp_path, case_dict(regimen=single, observed=observed(CL_F=None)), "alone")))
    assert day.predicted["CL_F"] == pytest.approx(alone.predicted["CL_F"], rel=0.02)


def test_auc_window_and_clearance_window_agree(tmp_path):
    """CL over a window is the window's IV doses over its AUC: the two metrics of one case are consistent."""
    daily = [{"dose": "400 mg", "route": "infusion", "duration": "30 min", "every": "24 h", "doses": 8}]
    result = run_case(load_case(write(tmp_path, case_dict(regimen=daily, observed=observed(AUC=[168, 192],
                                                                                          CL=[168, 192])))))
    assert result.predicted["CL"] == pytest.approx(400.0 / result.predicted["AUC"], rel=1e-9)


@pytest.mark.parametrize("regimen, metrics, message", [
    ([{"dose": "400 mg", "route": "iv", "every": "24 h", "doses": 3}], {"Cmax": [24, 48]}, "IV bolus"),
    ([{"dose": "400 mg", "route": "infusion", "duration": "30 min"}], {"CL_F": [0, 24]}, "oral doses"),
    ([{"dose": "400 mg", "route": "oral", "every": "24 h", "doses": 3}], {"CL_F": [30, 40]}, "no dose"),
    ([{"dose": "400 mg", "route": "oral"}], {"Cmax": [24, 12]}, "0 ≤ t0 < t1"),
    ([{"dose": "400 mg", "route": "oral"}], {"Cmax": "tau"}, "[t0, t1]"),
])
def test_bad_windows_name_the_field_and_what_was_expected(tmp_path, regimen, metrics, message):
    with pytest.raises(PbpkInputError) as error:
        load_case(write(tmp_path, case_dict(regimen=regimen, observed=observed(**metrics))))
    assert "interval" in str(error.value) and message in str(error.value)


def test_a_metric_without_windows_refuses_an_interval(tmp_path):
    with pytest.raises(PbpkInputError, match="interval"):
        load_case(write(tmp_path, case_dict(observed={"t_half": {"value": 30, "unit": "h", "statistic": MEAN,
                                                                 "interval": [0, 24]}})))
