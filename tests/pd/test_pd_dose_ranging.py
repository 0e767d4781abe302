"""The dose-ranging comparison on a tiny case computed by hand: means, intervals, MTD and OBD."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.pd.dose_ranging import (
    ObdRule,
    compare_doses,
    maximum_tolerated,
    wilson_interval,
)
from pbpk.pd.logistic import Logistic

EFFICACY = Logistic(intercept=-2.0, slope=1.0)      # P(x) = 1/(1 + e^(2 − x))
TOXICITY = Logistic(intercept=-4.0, slope=1.0)      # P(x) = 1/(1 + e^(4 − x))
EXPOSURES = {10.0: [0.0, 2.0], 20.0: [2.0, 4.0], 40.0: [4.0, 6.0]}


def p(logit: float) -> float:
    return 1 / (1 + math.exp(-logit))


# By hand: the mean of the two patients' probabilities at each dose.
RESPONSE = {10.0: (p(-2) + p(0)) / 2, 20.0: (p(0) + p(2)) / 2, 40.0: (p(2) + p(4)) / 2}   # 0.310, 0.690, 0.931
TOXIC = {10.0: (p(-4) + p(-2)) / 2, 20.0: (p(-2) + p(0)) / 2, 40.0: (p(0) + p(2)) / 2}     # 0.069, 0.310, 0.690


def test_means_by_hand_and_the_mtd():
    result = compare_doses(EXPOSURES, EFFICACY, TOXICITY, toxicity_limit=0.33)
    table = result.table
    np.testing.assert_allclose(table[result.column("response")], list(RESPONSE.values()), rtol=1e-14)
    np.testing.assert_allclose(table[result.column("toxicity")], list(TOXIC.values()), rtol=1e-14)
    np.testing.assert_allclose(table[result.column("p50")], [1.0, 3.0, 5.0])
    assert result.mtd == 20.0                        # 0.310 ≤ 0.33 < 0.690
    assert list(table["tolerated"]) == [True, True, False]
    assert result.limit_reached
    assert result.obd == 20.0                        # 0.9 × 0.690 = 0.621: 10 mg (0.310) falls short


@pytest.mark.parametrize("rule, obd", [
    (ObdRule("fraction", fraction=0.4), 10.0),       # 0.4 × 0.690 = 0.276 ≤ 0.310
    (ObdRule("utility", weight=1.0), 20.0),          # 0.241 < 0.381
    (ObdRule("utility", weight=2.0), 10.0),          # 0.172 > 0.071
])
def test_obd_rules_by_hand(rule, obd):
    assert compare_doses(EXPOSURES, EFFICACY, TOXICITY, toxicity_limit=0.33, rule=rule).obd == obd


def test_a_function_of_the_dose_gives_the_same_table():
    by_function = compare_doses(lambda d: EXPOSURES[d], EFFICACY, TOXICITY, doses=[40.0, 10.0, 20.0])
    by_mapping = compare_doses(EXPOSURES, EFFICACY, TOXICITY)
    assert by_function.table.equals(by_mapping.table)


def test_wilson_interval_by_hand():
    low, high = wilson_interval(0.5, 100)                 # 50 of 100: 0.4038-0.5962
    assert (float(low), float(high)) == pytest.approx((0.40383, 0.59617), abs=1e-5)
    z = 1.959963984540054
    n, q = 2, RESPONSE[10.0]
    centre = (q + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(q * (1 - q) / n + z * z / (4 * n * n))
    result = compare_doses(EXPOSURES, EFFICACY, TOXICITY)
    assert result.table[result.column("response_low")][0] == pytest.approx(centre - half, rel=1e-12)
    assert result.table[result.column("response_high")][0] == pytest.approx(centre + half, rel=1e-12)


def test_escalation_stops_at_the_first_dose_over_the_limit():
    doses = np.array([1.0, 2.0, 3.0, 4.0])
    assert maximum_tolerated(doses, np.array([0.1, 0.4, 0.2, 0.1]), 0.33) == 1.0
    assert maximum_tolerated(doses, np.array([0.5, 0.1, 0.1, 0.1]), 0.33) is None
    assert maximum_tolerated(doses, np.array([0.1, 0.1, 0.1, 0.1]), 0.33) == 4.0


def test_no_tolerated_dose_gives_no_mtd_and_no_obd():
    result = compare_doses(EXPOSURES, EFFICACY, TOXICITY, toxicity_limit=0.05)
    assert result.mtd is None and result.obd is None and not result.table["tolerated"].any()


def test_the_figure_is_drawn(tmp_path):
    import matplotlib.pyplot as plt

    result = compare_doses(EXPOSURES, EFFICACY, TOXICITY, exposure_name="AUC", exposure_unit="mg*h/L")
    path = tmp_path / "dose_ranging.png"
    figure = result.plot(str(path))
    assert path.stat().st_size > 10_000 and len(figure.axes) == 2
    plt.close(figure)


@pytest.mark.parametrize("exposures, field", [
    ({10.0: [1.0, 2.0], 20.0: [1.0]}, "exposures"),
    ({10.0: [1.0, -2.0]}, "exposures at dose 10"),
    ({}, "doses"),
    ({10.0: [[1.0, 2.0]]}, "exposures at dose 10"),
])
def test_bad_exposures_are_named(exposures, field):
    with pytest.raises(PbpkInputError) as info:
        compare_doses(exposures, EFFICACY, TOXICITY)
    assert info.value.field == field


def test_a_function_needs_its_doses():
    with pytest.raises(PbpkInputError) as info:
        compare_doses(lambda d: [1.0], EFFICACY, TOXICITY)
    assert info.value.field == "doses"
