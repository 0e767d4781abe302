"""Dosing-strategy virtual trials (``pbpk.mipd.trial``): a nomogram's PTA against its closed form, TDM-guided dosing on
a noise-free truth, the toxicity and NNT summaries by hand, the backends, and the spec's errors."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.trial import run_trial, wilson
from pbpk.mipd.trial_spec import load_trial

OMEGA_CL = 0.3**2
DOSE, TAU, V, TVCL = 500.0, 8.0, 40.0, 5.0


def _model(tmp_path, proportional: float = 0.2) -> str:
    """A one-compartment IV model: CL = 5 L/h·exp(η), V = 40 L·WT/70 (WT is only there to stratify on)."""
    data = {"format": "pbpk-poppk/1", "name": "one-cmt", "drug": "example", "title": "Fictional one-compartment",
            "source": {"type": "example", "reference": "tests/mipd/test_trial.py"},
            "structure": {}, "units": {"time": "h", "amount": "mg", "volume": "L"},
            "analytes": {"parent": {"unit": "mg/L"}},
            "covariates": {"WT": {"unit": "kg", "reference": 70.0}},
            "theta": {"TVCL": {"value": TVCL}, "TVV": {"value": V}},
            "omega": [{"eta": "ETA_CL", "variance": OMEGA_CL}, {"eta": "ETA_V", "variance": 0.01}],
            "pk": ["CL = TVCL * exp(ETA_CL)", "V = TVV * WT / 70 * exp(ETA_V)"],
            "error": {"parent": {"model": "proportional", "sd": {"proportional": proportional}}}}
    path = tmp_path / f"one-cmt-{proportional}.json"
    path.write_text(json.dumps(data))
    return str(path)


def _spec(tmp_path, strategies: str, *, truth: str, clinician: str | None = None, n: int = 2000,
          targets: str = "    - {name: trough >= 4, target: trough >= 4 mg/L}\n", extra: str = "") -> str:
    text = f"""\
name: test
title: test trial
truth: {{model: {truth}}}
clinician: {{model: {clinician or truth}}}
patients:
  n: {n}
  strata: {{covariate: WT, bands: [[69.999, 70.001]], source: one band}}
  covariates:
    WT: {{distribution: strata, source: test}}
strategies:
{textwrap.indent(textwrap.dedent(strategies), "  ")}
endpoints:
  dose: 4
  targets:
{targets}{extra}  reference: fixed
"""
    path = tmp_path / "trial.yaml"
    path.write_text(text)
    return str(path)


FIXED = f"""\
- name: fixed
  kind: nomogram
  covariate: WT
  infusion: 0 h
  rows: [{{dose: {DOSE:g} mg, interval: {TAU:g} h}}]
"""


def test_nomogram_pta_is_the_closed_form_probability(tmp_path):
    """Trough before dose 5 of 500 mg every 8 h (bolus) is (D/V)·Σₘ₌₁⁴ exp(−k·m·τ), decreasing in CL, so
    P(trough ≥ 4 mg/L) = P(CL ≤ CL*) = Φ((ln CL* − ln TVCL)/ω), CL* the root (V's small variability aside: its
    η_V has SD 0.1, so the check allows 3.5 binomial SEs plus that)."""
    model = _model(tmp_path)
    targets = ("    - {name: trough >= 4, target: trough >= 4 mg/L}\n"
               "    - {name: fT>MIC, target: fT>MIC 100% MIC 3.2 mg/L fu 0.8}\n")
    result = run_trial(load_trial(_spec(tmp_path, FIXED, truth=model, targets=targets)))

    def trough(cl: float) -> float:
        return DOSE / V * sum(np.exp(-cl / V * m * TAU) for m in range(1, 5)) - 4.0

    expected = norm.cdf((np.log(brentq(trough, 0.01, 100.0)) - np.log(TVCL)) / np.sqrt(OMEGA_CL))
    table = result.attainment.set_index(["stratum", "target"])
    pta = table.loc[("all", "trough >= 4"), "PTA (%)"] / 100
    assert pta == pytest.approx(expected, abs=3.5 * np.sqrt(expected * (1 - expected) / 2000) + 0.01)
    # 100 % fT>MIC at fu 0.8 is the trough ≥ MIC/fu (a bolus declines through the interval)
    assert table.loc[("all", "fT>MIC"), "PTA (%)"] == table.loc[("all", "trough >= 4"), "PTA (%)"]
    low, high = table.loc[("all", "trough >= 4"), ["CI low (%)", "CI high (%)"]] / 100
    assert (low, high) == pytest.approx(wilson(round(pta * 2000), 2000))


def test_tdm_on_a_noise_free_truth_reaches_the_target(tmp_path):
    """Truth = clinician's model (residual SD 1 %), no assay error, three samples after dose 2: MAP finds each
    patient and the dose chosen for doses 3 … 5 puts the true trough in 4–8 mg/L in ≥ 99 % of patients."""
    model = _model(tmp_path, proportional=0.01)
    doses = ", ".join(f"{d} mg" for d in range(100, 3001, 50))
    strategies = FIXED + f"""\
- name: tdm
  kind: mipd
  initial: fixed
  target: trough 4-8 mg/L
  doses: [{doses}]
  intervals: [8 h]
  infusions: [0 h]
  samples: [{{after_dose: 2, times: [0.5 h, 4 h, 7.5 h]}}]
  assay: {{proportional: 0, source: noise-free}}
"""
    targets = "    - {name: in range, target: trough 4-8 mg/L}\n"
    result = run_trial(load_trial(_spec(tmp_path, strategies, truth=model, n=200, targets=targets)))
    pta = result.attainment.set_index(["strategy", "stratum", "target"])["PTA (%)"]
    assert pta[("tdm", "all", "in range")] >= 99.0
    assert pta[("fixed", "all", "in range")] < 70.0  # the fixed dose alone does not: the test can fail
    assert result.failed_fits == 0


def test_toxicity_and_nnt_summaries_by_hand(tmp_path):
    model = _model(tmp_path)
    strategies = FIXED + """\
- name: double
  kind: nomogram
  covariate: WT
  infusion: 0 h
  rows: [{dose: 1000 mg, interval: 8 h}]
"""
    toxicity = ("  toxicity:\n"
                "    - {name: high, metric: trough, model: threshold, threshold: 12 mg/L, source: test}\n"
                "    - {name: logit, metric: trough, model: logistic, intercept: -3, slope: 0.002, slope_unit: per ug/L,"
                " source: test}\n")
    result = run_trial(load_trial(_spec(tmp_path, strategies, truth=model, n=40, extra=toxicity)))
    patients = result.patients
    fixed = patients[patients["strategy"] == "fixed"].set_index("patient")
    double = patients[patients["strategy"] == "double"].set_index("patient")
    assert np.allclose(double["trough"], 2 * fixed["trough"])  # linear kinetics, same patients
    # toxicity: the threshold's fraction and the logistic on µg/L by hand
    assert result.toxicity.set_index(["strategy", "stratum", "toxicity"]).loc[("double", "all", "high"), "P (%)"] == \
        pytest.approx(100 * np.mean(double["trough"] > 12))
    logit = 1 / (1 + np.exp(-(-3 + 0.002 * 1000 * double["trough"])))
    assert double["P(logit)"].to_numpy() == pytest.approx(logit.to_numpy(), rel=1e-12)
    # NNT = 1 / (PTA_double − PTA_fixed) of the paired patients
    row = result.nnt.set_index(["strategy", "stratum", "target"]).loc[("double", "all", "trough >= 4")]
    difference = double["trough >= 4 met"].astype(float) - fixed["trough >= 4 met"].astype(float)
    assert row["difference (%)"] == pytest.approx(100 * difference.mean())
    half = 1.959963984540054 * difference.std(ddof=1) / np.sqrt(40)
    assert row["CI low (%)"] == pytest.approx(100 * (difference.mean() - half))
    assert row["NNT"] == pytest.approx(1 / difference.mean())


def test_wilson_interval_of_a_known_case():
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # Newcombe 1998, Stat Med 17:857, Table I


@pytest.mark.slow
def test_local_and_dask_give_the_same_trial(tmp_path):
    spec = load_trial(_spec(tmp_path, FIXED, truth=_model(tmp_path), n=150))
    local, dask = (run_trial(spec, seed=3, backend=backend) for backend in ("local", "dask"))
    assert local.patients.equals(dask.patients)


@pytest.mark.parametrize(("edit", "field"), [
    (lambda t: t.replace("  dose: 4\n", "  dose: 4\n  doze: 1\n"), "endpoints.doze"),
    (lambda t: t.replace("WT: {distribution: strata", "WT: {distribution: gamma"), "patients.covariates.WT.distribution"),
    (lambda t: t.replace("  reference: fixed", "  reference: nothing"), "endpoints.reference"),
    (lambda t: t.replace("interval: 8 h", "interval: 8 mg"), "strategies[0].rows[0].interval"),
])
def test_spec_errors_name_the_field(tmp_path, edit, field):
    path = Path(_spec(tmp_path, FIXED, truth=_model(tmp_path)))
    path.write_text(edit(path.read_text()))
    with pytest.raises(PbpkInputError) as error:
        load_trial(path)
    assert error.value.field == field
    assert re.search(r"trial\.yaml:\d+$", error.value.where)  # file:line


def test_exposure_table_is_the_patients_percentiles(tmp_path):
    result = run_trial(load_trial(_spec(tmp_path, FIXED, truth=_model(tmp_path), n=30)))
    table = result.exposures.set_index(["strategy", "stratum", "metric"])
    for metric, unit in (("trough", "mg/L"), ("cmax", "mg/L"), ("auc24", "mg/L*h")):
        row = table.loc[("fixed", "all", metric)]
        assert row["unit"] == unit
        assert row["P50"] == pytest.approx(np.median(result.patients[metric]))
