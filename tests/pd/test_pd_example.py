"""The worked oncology example (nemtabrutinib, Kemal 2026): it runs, and its MTD and OBD follow from the numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pbpk.pd.spec import load_spec

EXAMPLE = "nemtabrutinib-kemal-2026"


@pytest.fixture(scope="module")
def result():
    return load_spec(EXAMPLE).run(n=2000, seed=11)


def expit(x):
    return 1 / (1 + np.exp(-x))


def test_the_typical_patient_by_hand():
    """65 mg once daily: Cavg = 65 mg/(3.33 L/h·24 h) = 813 ng/mL; P from the printed coefficients."""
    spec = load_spec(EXAMPLE)
    cavg = 65_000 / (3.33 * 24)
    assert spec.exposure_model.typical(65.0) == pytest.approx(cavg, rel=1e-12)
    logit = -7.3978 + 8.7637 * 360 / (200 + 360) + 0.0019 * cavg
    assert float(spec.efficacy.probability(cavg)) == pytest.approx(1 / (1 + math.exp(-logit)), rel=1e-12)
    assert float(spec.efficacy.probability(cavg)) == pytest.approx(0.445, abs=0.001)
    assert float(spec.toxicity.probability(cavg)) == pytest.approx(expit(-2.3463 + 0.0007645 * cavg), rel=1e-12)
    # below 30 mg the relative bioavailability is 1 − 0.151
    assert spec.exposure_model.typical(20.0) == pytest.approx(0.849 * 20_000 / (3.33 * 24), rel=1e-12)


def test_mtd_and_obd_come_from_the_table(result):
    """Recompute both from the per-dose probabilities with the stated rules."""
    table = result.table
    doses = table[result.column("dose")].to_numpy()
    tox, resp = table[result.column("toxicity")].to_numpy(), table[result.column("response")].to_numpy()
    limit = load_spec(EXAMPLE).toxicity_limit
    first_over = next((k for k, p in enumerate(tox) if p > limit), len(doses))
    assert result.mtd == doses[first_over - 1]
    tolerated = slice(0, first_over)
    best = resp[tolerated].max()
    assert result.obd == doses[tolerated][np.argmax(resp[tolerated] >= 0.9 * best)]
    assert result.obd <= result.mtd


def test_the_example_results(result):
    """Response and hypertension rise with dose; at the 20 % limit no dose is over it, and 75 mg reaches 90 %."""
    table = result.table
    assert np.all(np.diff(table[result.column("response")]) > 0)
    assert np.all(np.diff(table[result.column("toxicity")]) > 0)
    assert result.mtd == 80.0 and not result.limit_reached
    assert result.obd == 75.0
    # a stricter limit moves the MTD down, and the OBD with it
    strict = load_spec(EXAMPLE).run(n=2000, seed=11, toxicity_limit=0.17)
    assert strict.mtd == 65.0 and strict.limit_reached and strict.obd == 65.0


def test_same_seed_same_patients(result):
    again = load_spec(EXAMPLE).run(n=2000, seed=11)
    assert again.table.equals(result.table)
    other = load_spec(EXAMPLE).run(n=2000, seed=12)
    assert not other.table.equals(result.table)
