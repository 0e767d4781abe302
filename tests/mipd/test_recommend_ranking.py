"""Ranking of dose options (``pbpk.mipd.recommend``) when none meets the target at the MAP: the nearest first."""

from __future__ import annotations

import numpy as np

from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.recommend import Target, recommend, regimens


def test_when_no_option_meets_the_target_the_nearest_is_first():
    model = load_poppk("vancomycin-goti-2018")
    covariates = {"CLCREAT": 80.0, "WT": 70.0, "DIAL": 0.0}
    options = regimens([250.0, 500.0, 750.0], [12.0], count=6, infusions=[1.0], start=0.0)
    eta = np.zeros(len(model.eta_names))
    # a trough none of 250-750 mg q12h reaches: the largest dose is nearest (the smallest daily dose was first)
    high = recommend(model, Target("trough", low=60.0, high=80.0), options, eta=eta, covariates=covariates)
    assert not high.met[:, 0].any()
    assert list(high.table["option"]) == [2, 1, 0]
    # one below every option: the smallest dose is nearest
    low = recommend(model, Target("trough", low=0.01, high=0.05), options, eta=eta, covariates=covariates)
    assert not low.met[:, 0].any() and list(low.table["option"]) == [0, 1, 2]
