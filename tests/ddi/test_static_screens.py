"""Static DDI screens against their defining equations (FDA 2020 guidance; Fahmi et al. 2009)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from pbpk.cli import main
from pbpk.compound import load_compound
from pbpk.core.units import Quantity
from pbpk.ddi.static import Exposure, basic_screens, exposure, mechanistic_static
from pbpk.physiology import reference_individual
from pbpk.simulation.dosing import Dose, Regimen


def levels(unbound: float, gut: float = 0.0, inlet: float | None = None, enterocyte: float = 0.0) -> Exposure:
    return Exposure(unbound / 0.5, unbound, gut, unbound if inlet is None else inlet, enterocyte)


def by_model(screens):
    return {(s.target, s.model): s for s in screens}


def test_r1_is_two_when_imax_u_equals_ki():
    fluconazole = load_compound("fluconazole")
    ki = fluconazole.interactions[1].ki_u.to("umol/L").magnitude  # CYP3A4
    screens = by_model(basic_screens(fluconazole, levels(ki, gut=10 * ki)))
    assert screens[("CYP3A4", "R1")].value == pytest.approx(2.0)
    assert screens[("CYP3A4", "R1,gut")].value == pytest.approx(11.0) and screens[("CYP3A4", "R1,gut")].flagged


def test_r2_time_dependent_inhibition_by_hand():
    """R2 = (kobs + kdeg)/kdeg, kobs = kinact·50·Imax,u/(KI,u + 50·Imax,u); clarithromycin on CYP3A4."""
    clarithromycin = load_compound("clarithromycin")
    mbi = clarithromycin.interactions[0]
    kinact, ki = mbi.kinact.to("1/h").magnitude, mbi.KI_u.to("umol/L").magnitude
    kdeg = reference_individual("male").enzyme_turnover["liver"]["CYP3A4"].to("1/h").magnitude
    i_u = 0.5
    kobs = kinact * 50 * i_u / (ki + 50 * i_u)
    screen = by_model(basic_screens(clarithromycin, levels(i_u)))[("CYP3A4", "R2")]
    assert screen.value == pytest.approx((kobs + kdeg) / kdeg) and screen.flagged


def test_r3_induction_by_hand():
    """R3 = 1/(1 + Emax·10·Imax,u/(EC50,u + 10·Imax,u)); rifampicin Emax 9, EC50,u = 0.8 × 0.419 µM."""
    rifampicin = load_compound("rifampicin")
    i_u = 0.1
    expected = 1 / (1 + 9 * 10 * i_u / (0.8 * 0.419 + 10 * i_u))
    screen = by_model(basic_screens(rifampicin, levels(i_u)))[("CYP3A4", "R3")]
    assert screen.value == pytest.approx(expected) and screen.flagged


def test_static_hepatic_aucr_reversible_inhibition():
    """AUCR = 1/(fm/(1 + I/Ki) + 1 − fm) with the victim's fm (midazolam, CYP3A4 by fluconazole)."""
    fluconazole = replace(load_compound("fluconazole"), interactions=(load_compound("fluconazole").interactions[1],))
    ki = fluconazole.interactions[0].ki_u.to("umol/L").magnitude
    prediction = mechanistic_static(fluconazole, load_compound("midazolam"), levels(2 * ki))
    assert prediction.gut_ratio == 1.0  # no enterocyte exposure given
    assert prediction.hepatic_ratio == pytest.approx(1 / (prediction.fm / 3 + 1 - prediction.fm))
    assert 0.9 < prediction.fm < 1.0


def test_weak_inhibitor_gives_no_interaction():
    itraconazole = load_compound("itraconazole")
    prediction = mechanistic_static(itraconazole, load_compound("midazolam"), levels(1e-9, enterocyte=1e-9))
    assert prediction.aucr == pytest.approx(1.0, abs=1e-5)


def test_gut_term_uses_the_victims_fg():
    """Full gut-wall inhibition (Ag → 0) gives 1/Fg."""
    fluconazole = replace(load_compound("fluconazole"), interactions=(load_compound("fluconazole").interactions[1],))
    midazolam = load_compound("midazolam")
    prediction = mechanistic_static(fluconazole, midazolam, levels(1e-9, enterocyte=1e9))
    assert prediction.gut_ratio == pytest.approx(1 / midazolam.absorption.fg, rel=1e-6)


def test_exposure_uses_dose_over_250_ml_and_the_simulated_cmax():
    fluconazole = load_compound("fluconazole")
    result = exposure(fluconazole, Regimen((Dose("400 mg", "oral"),)))
    dose_umol = 400 / 306.27 * 1000
    assert result.gut == pytest.approx(dose_umol / 0.25, rel=1e-3)
    assert 20 < result.cmax < 60  # µmol/L: 400 mg fluconazole gives ~6-10 mg/L after one dose
    given = exposure(fluconazole, Regimen((Dose("400 mg", "oral"),)), cmax=Quantity(3.0627, "mg/L"))
    assert given.cmax == pytest.approx(10.0, rel=1e-3)


def test_ddi_static_cli_json(capsys):
    status = main(["ddi-static", "clarithromycin", "--dose", "500 mg", "--cmax", "3 mg/L", "--victim", "midazolam",
                   "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0
    assert {m["model"] for m in result["basic_models"]} >= {"R2", "Igut/IC50"}
    assert result["mechanistic_static"]["AUCR"] > 2
