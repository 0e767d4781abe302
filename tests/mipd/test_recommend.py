"""Targets, regimen options and dose recommendation (``pbpk.mipd.recommend``).

TV6 (``../shared/validation/mipd/README.md``): posologyr's dose-optimisation answers for the Goti
vancomycin model with fixed η; for a linear model AUC ∝ dose, so the exact dose is target/AUC(unit dose).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.recommend import (
    Regimen,
    Target,
    as_trough,
    parse_amounts,
    parse_target,
    recommend,
    recommend_for,
    regimens,
)
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import repeated_doses

ETA = np.array([0.10796221, 0.04643863, 0.06859768])
PATIENT = {"CLCREAT": 65.0, "WT": 70.0, "DIAL": 0.0}


@pytest.fixture(scope="module")
def goti():
    return load_poppk("vancomycin-goti-2018")


def _map_value(model, target, regimen):
    result = recommend(model, target, [regimen], eta=ETA, covariates=PATIENT)
    return result.values[0, 0]


@pytest.mark.parametrize(("target", "count", "expected"), [
    (Target("auc", window=(0.0, 24.0)), 1, 2377.758),
    (Target("auc"), 10, 1229.366),                       # last 24 h of 10 q24h doses: 216–240
    (Target("auc", window=(216.0, 240.0)), 11, 1229.366),
])
def test_tv6_dose_from_auc_linearity(goti, target, count, expected):
    auc_per_mg = _map_value(goti, target, Regimen(1.0, 24.0, count, infusion=2.0))
    assert 400.0 / auc_per_mg == pytest.approx(expected, rel=1e-6)


def test_tv6_dose_from_a_fine_grid_search(goti):
    target = Target("auc", 400.0 - 0.5, 400.0 + 0.5, window=(0.0, 24.0))
    options = regimens(np.arange(2300.0, 2450.0, 0.5), [24.0], count=1, infusions=[2.0], start=0.0)
    result = recommend(goti, target, options, eta=ETA, covariates=PATIENT)
    best = options[int(np.argmin(np.abs(result.values[:, 0] - 400.0)))]
    assert best.dose == pytest.approx(2377.758, abs=0.25)
    assert result.table["met at MAP"].iloc[0]


def test_pta_is_the_map_verdict_without_uncertainty_and_between_with_it(goti):
    target = parse_target("AUC24 400-600 mg*h/L")
    options = regimens("1000-2000 by 250 mg", [12.0], count=8, infusions=[1.0], start=0.0)
    sure = recommend(goti, target, options, eta=ETA, covariates=PATIENT, covariance=np.zeros((3, 3)), n_draws=50,
                     rng=np.random.default_rng(1))
    assert set(sure.table["PTA"]) <= {0.0, 1.0}
    assert np.array_equal(sure.table["PTA"] == 1.0, sure.table["met at MAP"])
    wide = recommend(goti, target, options, eta=ETA, covariates=PATIENT, covariance=np.diag([0.3, 0.3, 0.3]),
                     n_draws=400, rng=np.random.default_rng(1))
    assert np.all((wide.table["PTA"] > 0) & (wide.table["PTA"] < 1))


def test_pta_equals_the_lognormal_probability_for_a_one_compartment_model():
    model = load_poppk("example-pkpdmap-run1")
    mean, sd, dose = 0.05, 0.2, 1000.0
    rng = np.random.default_rng(7)
    draws = np.column_stack([rng.normal(mean, sd, 20000), np.zeros(20000)])
    target = Target("cumulative_auc", 120.0, 150.0, unit="mg*h/L", window=(0.0, 2000.0))
    result = recommend(model, target, [Regimen(dose, 24.0, 1)], eta=[mean, 0.0], covariates={}, draws=draws)
    cl = model.theta_values["TVCL"]
    upper, lower = (np.log(dose / (bound * cl)) for bound in (120.0, 150.0))
    expected = norm.cdf((upper - mean) / sd) - norm.cdf((lower - mean) / sd)
    assert result.table["PTA"].iloc[0] == pytest.approx(expected, abs=0.01)
    assert result.values[0, 0] == pytest.approx(dose / (cl * np.exp(mean)), rel=1e-8)


def test_ft_above_100_percent_is_a_trough_target(goti):
    ft = parse_target("fT>MIC 100% MIC 8 mg/L fu 0.8")
    options = regimens("250-3000 by 250 mg", [8.0, 12.0], count=6, infusions=[0.5], start=0.0)
    draws = np.random.default_rng(3).multivariate_normal(ETA, np.diag([0.2, 0.2, 0.2]), 200)
    by_ft = recommend(goti, ft, options, eta=ETA, covariates=PATIENT, draws=draws)
    before_last, at_end = (recommend(goti, as_trough(ft, dose=dose), options, eta=ETA, covariates=PATIENT, draws=draws)
                           for dose in (6, None))
    assert as_trough(ft).low == pytest.approx(10.0)  # 8 / 0.8
    assert np.array_equal(by_ft.met, before_last.met & at_end.met)
    assert np.array_equal(by_ft.met, before_last.met)  # accumulating: the earlier trough binds
    assert 0 < by_ft.met.mean() < 1


def test_time_above_and_cmax_on_the_profile(goti):
    regimen = Regimen(1500.0, 48.0, 1, infusion=2.0)
    below = Target("time_below", 0.0, 100.0, threshold=10.0, window=(2.0, 48.0))
    peak = Target("cmax", window=(0.0, 48.0), high=1e9)
    # posologyr (TV6): C falls to 10 at 11.2 h (0.1 h grid) after a 1500 mg 2 h infusion
    assert 48.0 - _map_value(goti, below, regimen) == pytest.approx(11.2, abs=0.1)
    profile = goti.predict(regimen.doses(), [2.0], PATIENT, ETA[None]).concentration()[0, 0]
    assert _map_value(goti, peak, regimen) == pytest.approx(profile, rel=1e-12)


@pytest.mark.parametrize(("text", "expected"), [
    ("AUC24 400-600 mg*h/L", Target("auc", 400, 600, unit="mg*h/L", hours=24)),
    ("auc12 >= 200 mg*h/L", Target("auc", 200, unit="mg*h/L", hours=12)),
    ("trough 10-20 mg/L", Target("trough", 10, 20, unit="mg/L")),
    ("Cmax <= 40 mg/L", Target("cmax", high=40, unit="mg/L")),
    ("fT>MIC 100% MIC 8 mg/L fu 0.8", Target("ft_above", 100, 100, unit="mg/l", mic=8, unbound_fraction=0.8)),
    ("fT>4xMIC 50-100 % MIC 2 mg/L", Target("ft_above", 50, 100, unit="mg/l", mic=2, multiple=4)),
    ("time above 10 mg/L >= 12 h", Target("time_above", 12, unit="mg/l", threshold=10)),
    ("cumulative AUC 59-99 mg*h/L", Target("cumulative_auc", 59, 99, unit="mg*h/L")),
])
def test_parse_target(text, expected):
    parsed = parse_target(text)
    assert parsed.kind == expected.kind and (parsed.low, parsed.high) == (expected.low, expected.high)
    assert parsed.hours == expected.hours and parsed.multiple == expected.multiple
    assert (parsed.mic, parsed.unbound_fraction, parsed.threshold) == (
        expected.mic, expected.unbound_fraction, expected.threshold)


@pytest.mark.parametrize(("text", "message"), [
    ("AUC24 about 500", "expected a target like"),
    ("trough 20-10 mg/L", "low ≤ high"),
    ("fT>MIC 120% MIC 8 mg/L", "percentages from 0 to 100"),
    ("trough 10-20 furlongs", "a concentration unit"),
    ("fT>MIC 100% MIC 8 mg/L fu 1.5", "(0, 1]"),
])
def test_parse_target_errors(text, message):
    with pytest.raises(PbpkInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_target(text)


def test_parse_amounts_and_regimens():
    assert parse_amounts("500-3000 by 250 mg").tolist() == list(np.arange(500.0, 3001.0, 250.0))
    assert parse_amounts("1 g, 1500 mg").tolist() == [1000.0, 1500.0]
    with pytest.raises(PbpkInputError, match="amounts like"):
        parse_amounts("lots")
    options = regimens([1000.0], [12.0, 24.0], count=3, loading=[None, 2000.0], last_dose=100.0)
    assert [(o.start, o.loading) for o in options] == [(112.0, None), (112.0, 2000.0), (124.0, None), (124.0, 2000.0)]
    assert [d.amount for d in options[1].doses()] == [2000.0, 1000.0, 1000.0]
    with pytest.raises(PbpkInputError, match="last dose"):
        regimens([1000.0], [12.0], count=3)


def test_ranking_order(goti):
    target = parse_target("trough 10-20 mg/L")
    options = regimens("500-2500 by 500 mg", [12.0, 24.0], count=8, infusions=[1.0], start=0.0)
    result = recommend(goti, target, options, eta=ETA, covariates=PATIENT, covariance=np.diag([0.1, 0.1, 0.1]),
                       n_draws=300, rng=np.random.default_rng(5), toxicity=Target("trough", low=20.0))
    table = result.table
    keys = list(zip(~table["met at MAP"], -table["PTA"], table["P(toxicity)"], table["daily dose (mg/day)"]))
    assert keys == sorted(keys)
    assert table["met at MAP"].iloc[0] and not table["met at MAP"].iloc[-1]
    assert "trough at MAP (mg/L)" in table.columns


def test_recommend_after_a_subjects_doses_from_its_map_estimate(goti):
    doses = repeated_doses(1000.0, 12.0, 4, duration=1.0)
    times = np.array([35.5, 47.9])
    observed = goti.predict(doses, times, PATIENT, ETA[None]).concentration()[0]
    subject = Subject("1", doses, times, observed, np.zeros(2, bool), np.full(2, np.nan), PATIENT, np.array([0.0]))
    fit = estimate(goti, subject)
    options = regimens("500-2000 by 500 mg", [12.0], count=6, infusions=[1.0], last_dose=doses[-1].time)
    result = recommend_for(goti, subject, fit, parse_target("trough 10-20 mg/L"), options, n_draws=200,
                           rng=np.random.default_rng(2))
    direct = goti.predict(doses + options[1].doses(), [options[1].end], PATIENT, fit.eta[None]).concentration()
    assert result.values[1, 0] == pytest.approx(direct[0, 0], rel=1e-9)
    assert options[0].start == 48.0 and result.values.shape == (4, 201)
