"""A PBPK population as a trial's truth (``pbpk.mipd.trial_truth``): superposed unit responses against the PBPK
model run on the whole course, and the bundled cefepime trial with a PBPK truth."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.mipd.solve import repeated_doses
from pbpk.mipd.trial import run_trial
from pbpk.mipd.trial_spec import load_trial
from pbpk.mipd.trial_truth import PbpkTruth, simulate_truth
from pbpk.populations.run import simulate_virtual_population


def test_superposed_unit_responses_are_the_pbpk_course():
    truth = PbpkTruth("cefepime", ("renal: eGFR 30-59",), {"CRCL": "GFR [mL/min]", "WT": "weight [kg]"})
    responses = simulate_truth(truth, 3, (0.5,), 48.0, seed=4)
    course = repeated_doses(2000.0, 12.0, 3, duration=0.5)
    times = np.arange(0.0, 36.0, 0.25)
    concentration, auc = responses.profiles([0, 1, 2], course, times)
    direct = simulate_virtual_population(load_compound("cefepime"), "renal: eGFR 30-59", n=3, dose="2000 mg",
                                         route="infusion", infusion_time="0.5 h", every="12 h", doses=3,
                                         times=times, seed=4000, keep_profiles=True, kinetics="linear")
    np.testing.assert_allclose(concentration, direct.profiles, rtol=1e-4, atol=1e-6 * direct.profiles.max())
    # the running AUC is the integral of the superposed concentration (trapezoids on the response grid)
    fine = responses.times[responses.times <= 36.0]
    dense, dense_auc = responses.profiles([0, 1, 2], course, fine)
    trapezoid = np.concatenate([np.zeros((3, 1)), np.cumsum(0.5 * (dense[:, 1:] + dense[:, :-1]) * np.diff(fine),
                                                            axis=1)], axis=1)
    np.testing.assert_allclose(dense_auc[:, 1:], trapezoid[:, 1:], rtol=1e-9)
    assert auc[0, -1] == pytest.approx(np.interp(times[-1], fine, dense_auc[0]), rel=1e-6)
    assert responses.covariates["CRCL"] == pytest.approx(direct.subjects["GFR [mL/min]"].to_numpy())


@pytest.mark.slow
def test_cefepime_trial_with_a_pbpk_truth_runs_by_name():
    result = run_trial(load_trial("cefepime-pbpk"), n=20)
    assert result.spec.truth.name == "PBPK cefepime"
    counts = result.patients[result.patients["strategy"] == "label 0.5 h"]["stratum"].value_counts()
    assert counts.to_dict() == {label: 4 for label in result.spec.strata.labels()}
    # the nomogram follows each patient's GFR: the lowest band is dosed once a day
    lowest = result.patients[(result.patients["strategy"] == "label 0.5 h")
                             & (result.patients["stratum"] == result.spec.strata.labels()[0])]
    assert set(lowest["daily dose"]) <= {1000.0, 2000.0}
