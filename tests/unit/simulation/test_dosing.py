"""Dosing: amounts, routes, repeated doses, dose tables and solver schedules."""

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.simulation.dosing import (
    Dose,
    Regimen,
    from_table,
    parse_amount,
    repeated,
    schedule,
)


def test_amounts_in_mg_and_per_kg():
    assert parse_amount("5 mg").to("mg").magnitude == 5
    assert parse_amount("500 ug").to("mg").magnitude == pytest.approx(0.5)
    per_kg = Dose("0.1 mg/kg", "iv")
    assert per_kg.mass(Quantity(70, "kg")).to("mg").magnitude == pytest.approx(7.0)
    with pytest.raises(PbpkInputError, match="units of mass"):
        parse_amount("5 L")
    with pytest.raises(PbpkInputError, match="positive"):
        parse_amount("0 mg")


def test_routes_and_infusion_duration():
    with pytest.raises(PbpkInputError, match="infusion duration"):
        Dose("5 mg", "infusion")
    with pytest.raises(PbpkInputError, match="one of iv, infusion, oral"):
        Dose("5 mg", "im")
    with pytest.raises(PbpkInputError, match="no duration"):
        Dose("5 mg", "oral", duration="1 h")


def test_repeated_and_table():
    regimen = repeated(Dose("5 mg", "infusion", duration="30 min"), every="12 h", doses=3)
    assert [d.time.to("h").magnitude for d in regimen.doses] == [0, 12, 24]
    assert regimen.last_time.to("h").magnitude == pytest.approx(24.5)
    with pytest.raises(PbpkInputError, match="interval"):
        repeated(Dose("5 mg", "infusion", duration="13 h"), every="12 h", doses=2)
    table = from_table([("12 h", "2 mg", "oral"), ("0 h", "5 mg", "infusion", "1 h")])
    assert [d.route for d in table.doses] == ["infusion", "oral"]


def test_schedule_superposes_overlapping_infusions_and_boluses():
    regimen = Regimen((Dose("10 mg", "infusion", "0 h", "2 h"), Dose("10 mg", "infusion", "1 h", "2 h"),
                       Dose("5 mg", "iv", "1 h")))
    plan = schedule(regimen, {"infusion": 0, "iv": 0}, 2, molecular_weight=Quantity(100, "g/mol"),
                    body_weight=Quantity(70, "kg"))
    np.testing.assert_allclose(plan.times, [0, 1, 2, 3])
    rate = 10 / 100 * 1000 / 2  # µmol/h of one infusion
    np.testing.assert_allclose(plan.rate[:, 0], [rate, 2 * rate, rate, 0])
    np.testing.assert_allclose(plan.bolus[:, 0], [0, 50, 0, 0])
    assert plan.total_amount == pytest.approx(250)


def test_dosing_keywords_are_checked_and_not_silently_dropped():
    from pbpk.simulation.dosing import regimen_of

    with pytest.raises(PbpkInputError, match='Did you mean "every"'):
        regimen_of(None, {"dose": "5 mg", "evry": "8 h"})
    given = regimen_of(None, {"dose": "5 mg"})
    with pytest.raises(PbpkInputError, match="either a regimen or dosing options"):
        regimen_of(given, {"dose": "10 mg"})
    assert regimen_of(given, {}) is given
