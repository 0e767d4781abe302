"""Transporters in children: renal tubular secretion by Hayton 2000 (per secretion transporter) and hepatic
P-gp, OATP1B3 and OCT1 by Prasad 2016."""

from __future__ import annotations

import warnings
from dataclasses import replace

import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.disposition.clearance import (
    biliary_intrinsic_clearance,
    renal_clearance,
    secretion_clearance,
    uptake_clearances,
)
from pbpk.physiology import reference_individual
from pbpk.physiology.ontogeny import ontogeny_data, secretion_maturation
from pbpk.physiology.pediatrics import child


def test_hayton_filtration_is_90_percent_mature_at_26_months():
    """The abstract: GFR maturation half-life 7.9 months, 90 % maturation at 26 months."""
    _, filtration = ontogeny_data().secretion_maturation
    immature = 1.0 / filtration.mature_to_immature
    progress = (filtration.at(Quantity(26.0, "month")) - immature) / (1.0 - immature)
    assert progress == pytest.approx(0.90, abs=0.005)


def test_secretion_is_half_way_to_mature_at_its_half_life():
    secretion, _ = ontogeny_data().secretion_maturation
    assert secretion.at(Quantity(0.0, "month")) == pytest.approx(1 / 1.8)
    assert secretion.at(Quantity(3.8, "month")) == pytest.approx(1 - (1 - 1 / 1.8) / 2)


def test_secretion_matures_ahead_of_filtration_and_they_meet_in_early_childhood():
    """Hayton's c/a: 3.1 for GFR, 1.8 for secretion, so at birth secretion is 3.1/1.8 of GFR-scaled."""
    assert secretion_maturation(Quantity(0.0, "day")) == pytest.approx(3.1 / 1.8)
    ratios = [secretion_maturation(Quantity(m, "month")) for m in (0, 1, 3, 6, 12, 24)]
    assert ratios == sorted(ratios, reverse=True)
    assert secretion_maturation(Quantity(3.0, "year")) == pytest.approx(1.029, abs=0.001)
    assert secretion_maturation(Quantity(8.0, "year")) == pytest.approx(1.0, abs=0.001)


def test_a_childs_unnamed_secretion_matures_on_hayton_and_an_adults_not_at_all():
    vancomycin = load_compound("vancomycin")
    infant = child("6 month", "male")
    expected = vancomycin.clearance.renal.secretion * infant.renal_function * secretion_maturation(
        Quantity(0.5, "year")) / secretion_maturation(Quantity(18.0, "year"))
    assert secretion_clearance(vancomycin, infant).to("L/h").magnitude == pytest.approx(expected.to("L/h").magnitude)
    assert expected.to("L/h").magnitude > 1.3 * (vancomycin.clearance.renal.secretion * infant.renal_function).magnitude
    man = reference_individual("male")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert man.secretion_activity(None) == 1.0
        assert secretion_clearance(vancomycin, man) == vancomycin.clearance.renal.secretion
        assert child("17 year", "male").secretion_activity("OAT3") == pytest.approx(1.0, abs=1e-6)


def test_oat_secretion_matures_and_pgp_secretion_follows_gfr_with_a_warning():
    newborn = child("5 day", "female")
    assert newborn.secretion_activity("OAT3") == pytest.approx(newborn.secretion_activity(None))
    assert newborn.secretion_activity("OAT1") > 1.6
    digoxin = load_compound("digoxin")
    with pytest.warns(UserWarning, match="no maturation function for renal secretion by P-gp"):
        secreted = secretion_clearance(digoxin, newborn)
    assert secreted.magnitude == pytest.approx((digoxin.clearance.renal.secretion * newborn.renal_function).magnitude)


def test_renal_clearance_of_a_newborn_adds_the_matured_secretion():
    """fu·(GFR·unreabsorbed + CLsec,u): only the secretion term carries Hayton's ratio."""
    vancomycin = load_compound("vancomycin")
    newborn = child("2 day", "male")
    unmatured = replace(newborn, secretion_maturity=dict.fromkeys(newborn.secretion_maturity, 1.0))
    gained = renal_clearance(vancomycin, newborn) - renal_clearance(vancomycin, unmatured)
    expected = plasma_unbound_fraction(vancomycin, newborn) * secretion_clearance(vancomycin, unmatured) \
        * (newborn.secretion_activity(None) - 1.0)
    assert gained.to("L/h").magnitude == pytest.approx(expected.to("L/h").magnitude)
    assert gained.magnitude > 0


def test_an_unknown_transporter_in_the_database_is_an_error_naming_the_field(edited_physiology):
    folder = edited_physiology("ontogeny.yaml", "transporters: [OAT1, OAT3]", "transporters: [OAT1, OAT33]")
    with pytest.raises(PbpkInputError) as err:
        ontogeny_data(folder)
    message = str(err.value)
    assert "ontogeny.yaml" in message and "secretion_maturation.transporters" in message and "OAT33" in message


def test_a_half_life_without_unit_is_an_error(edited_physiology):
    folder = edited_physiology("ontogeny.yaml", "secretion: {half_life: 3.8 month", "secretion: {half_life: 3.8")
    with pytest.raises(PbpkInputError, match="secretion_maturation.secretion.half_life"):
        ontogeny_data(folder)


def test_a_validation_case_keeps_the_models_warnings_and_its_report_shows_them(tmp_path):
    """Digoxin's renal secretion (P-gp) has no maturation function: the neonates' case says so."""
    from pbpk.qualification.case_run import run_case
    from pbpk.qualification.cases import load_case
    from pbpk.qualification.report import write_report

    neonates = run_case(load_case("digoxin-iv-rane-1976-neonates-3-9d"))
    assert len(neonates.model_warnings) == 1 and "renal secretion by P-gp" in neonates.model_warnings[0]
    assert run_case(load_case("vancomycin-iv-schaad-1980-group1")).model_warnings == ()
    report = write_report([neonates], tmp_path)
    assert "Model warning: no maturation function for renal secretion by P-gp" in report.read_text()


def test_validate_prints_a_cases_model_warning_under_its_line(capsys):
    from pbpk.cli import main

    main(["validate", "--cases", "digoxin-iv-rane-1976-neonates-3-9d", "--quiet"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("digoxin-iv-rane-1976-neonates-3-9d")
    assert lines[1].strip() == ("model warning: no maturation function for renal secretion by P-gp; the child's "
                                "secretion follows GFR (add one to physiology_db/ontogeny.yaml, secretion_maturation)")


def test_hepatic_transporters_mature_by_prasad_2016_in_every_set():
    """Prasad 2016 Table 1: E = E0 + Emax·A^h/(Age50^h + A^h); P-gp E0 0.15, Emax 0.41, Age50 2.94 y, h 0.78."""
    def pgp(years):
        return 0.15 + 0.41 * years ** 0.78 / (2.94 ** 0.78 + years ** 0.78)

    for ontogeny in ("pksim_7_3", "johnson_2006", "upreti_2016"):
        child_35 = child("3.5 year", "male", ontogeny=ontogeny)
        assert child_35.hepatic_activity["P-gp"] == pytest.approx(pgp(3.5) / pgp(20.0), rel=1e-9)
    newborn = child("1 day", "female").hepatic_activity
    assert newborn["P-gp"] == pytest.approx(pgp(1 / 365.25) / pgp(20.0), rel=1e-6)
    assert 0.25 < newborn["OATP1B3"] < 0.35 and newborn["OCT1"] < 0.2
    assert "OATP1B1" not in newborn


def test_digoxin_biliary_clearance_follows_hepatic_pgp_in_a_child_and_in_no_adult():
    digoxin = load_compound("digoxin")
    man = reference_individual("male")
    assert biliary_intrinsic_clearance(digoxin, man) == digoxin.clearance.biliary.clint_unbound
    infant = child("6 month", "male")
    liver_ratio = (infant.liver_weight / man.liver_weight).to("").magnitude
    expected = digoxin.clearance.biliary.clint_unbound * liver_ratio * infant.hepatic_activity["P-gp"]
    assert biliary_intrinsic_clearance(digoxin, infant).magnitude == pytest.approx(expected.to("L/h").magnitude)
    assert 0.4 < infant.hepatic_activity["P-gp"] < 0.55


def test_a_childs_oatp1b1_uptake_warns_that_it_has_no_maturation():
    rosuvastatin = load_compound("rosuvastatin")
    with pytest.warns(UserWarning, match="no ontogeny set has a liver function for OATP1B1"):
        uptake_clearances(rosuvastatin, child("2 year", "male"))


def test_a_transporter_function_must_be_of_postnatal_age(edited_physiology):
    folder = edited_physiology("ontogeny.yaml", "P-gp:    {fbirth: 0.15, fmax: 0.56, age50: 2.94 year, n: 0.78}",
                               "P-gp:    {pma50: 60 week, n: 3}")
    with pytest.raises(PbpkInputError, match="hepatic_transporter_ontogeny.liver.P-gp"):
        ontogeny_data(folder)
