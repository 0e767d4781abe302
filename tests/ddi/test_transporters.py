"""Transporter-carried processes in the coupled model (:mod:`pbpk.model.transport_coupling`): P-gp inhibition
removes exactly the P-gp-carried clearance and efflux, induction reaches its analytic steady state, an effect
restricted to some sites leaves the others alone, and bad transporter fields are refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pbpk.compound import HepaticUptake, load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Cited
from pbpk.core.units import Quantity
from pbpk.ddi.dynamic import Arm, interaction
from pbpk.disposition.turnover import turnover_rate
from pbpk.physiology import reference_individual
from pbpk.simulation.simulate import simulate

HERE = Path(__file__).parent / "compounds"
WINDOW = (50.0, 250.0)  # digoxin at 50 h on a constant inhibitor infusion of 300 h


def p_gp_perpetrator(**effect) -> Arm:
    """The fast-cleared synthetic inhibitor, acting on P-gp instead (``effect``: the interaction's fields)."""
    base = load_compound(HERE / "inhibitor_fast.yaml")
    acting = replace(base.interactions[0], target="P-gp", **effect)
    return Arm.of(replace(base, name="p_gp_perpetrator", interactions=(acting,)), "48000 mg", "infusion",
                  duration="300 h")


def digoxin_auc(compound, route: str, dose: str = "0.5 mg") -> float:
    """AUC over ``WINDOW`` (mg·h/L) of a dose (of digoxin: 0.5 mg) at 50 h in the single-compound model."""
    simulation = simulate(compound, dose=dose, route=route, times=np.linspace(0.0, WINDOW[1], 2001))
    shifted = np.interp(np.linspace(0.0, WINDOW[1] - WINDOW[0], 2001), simulation.times,
                        simulation.state("AUC_plasma") * simulation.mg_per_umol)
    return float(shifted[-1])


@pytest.mark.parametrize("route", ["iv", "oral"])
def test_complete_p_gp_inhibition_removes_exactly_the_p_gp_carried_processes(route):
    digoxin = load_compound("digoxin")
    result = interaction(Arm.of(digoxin, "0.5 mg", route, time="50 h"),
                         [p_gp_perpetrator(ki_u=Quantity(1e-9, "umol/L"))], window=WINDOW)
    clearance = digoxin.clearance
    without = replace(digoxin, clearance=replace(clearance, renal=replace(clearance.renal, secretion=Quantity(0, "L/h"),
                                                                              transporter=None),
                                                 biliary=replace(clearance.biliary, clint_unbound=Quantity(1e-12, "L/h"),
                                                                 transporter=None)),
                      absorption=replace(digoxin.absorption, fa=1.0, efflux_transporter=None))
    expected = digoxin_auc(without, route) / digoxin_auc(digoxin, route)
    assert result.aucr == pytest.approx(expected, rel=2e-3)
    assert result.aucr > 1.3


def test_partial_p_gp_inhibition_scales_each_process_by_its_site_concentration():
    """I/Ki near 1: secretion by 1/(1 + I_kidney/Ki), biliary excretion by 1/(1 + I_liver/Ki) and the efflux part of
    absorption by 1/(1 + I_gut/Ki) (fa' = 1/(1 + (1 − fa)/fa·A)), against the single model scaled by hand."""
    digoxin = load_compound("digoxin")
    result = interaction(Arm.of(digoxin, "0.5 mg", "oral", time="50 h"),
                         [p_gp_perpetrator(ki_u=Quantity(1.0, "umol/L"))], window=WINDOW)
    level = {site: result.treatment.output(f"p_gp_perpetrator__C_{name}_unbound")[-1]
             for site, name in (("kidney", "kidney"), ("liver", "liver"), ("gut", "enterocyte"))}
    assert 0.3 < min(level.values()) and max(level.values()) < 5.0  # partial inhibition at every site
    activity = {site: 1.0 / (1.0 + value / 1.0) for site, value in level.items()}
    clearance, fa = digoxin.clearance, digoxin.absorption.fa
    scaled = replace(digoxin, clearance=replace(
        clearance, renal=replace(clearance.renal, secretion=clearance.renal.secretion * activity["kidney"]),
        biliary=replace(clearance.biliary, clint_unbound=clearance.biliary.clint_unbound * activity["liver"])),
        absorption=replace(digoxin.absorption, fa=1.0 / (1.0 + (1.0 - fa) / fa * activity["gut"])))
    assert result.aucr == pytest.approx(digoxin_auc(scaled, "oral") / digoxin_auc(digoxin, "oral"), rel=2e-3)


def test_infinite_ki_on_p_gp_gives_no_interaction():
    digoxin = load_compound("digoxin")
    result = interaction(Arm.of(digoxin, "0.5 mg", "oral", time="50 h"),
                         [p_gp_perpetrator(ki_u=Quantity(1e12, "umol/L"))], window=WINDOW)
    assert "activity_P_gp_gut" in result.treatment.coupled.model.outputs  # coupled, with no effect
    assert result.aucr == pytest.approx(1.0, abs=1e-6)
    assert result.cmaxr == pytest.approx(1.0, abs=1e-6)


def test_p_gp_induction_reaches_its_analytic_steady_state_only_where_it_acts():
    digoxin = load_compound("digoxin")
    inducer = p_gp_perpetrator(type="induction", ki_u=None, emax=2.0, ec50_u=Quantity(0.5, "umol/L"),
                               sites=("gut", "liver"))
    result = interaction(Arm.of(digoxin, "0.5 mg", "iv", time="200 h"), [inducer], window=(200.0, 300.0))
    treatment = result.treatment
    person, end = reference_individual("male"), treatment.times[-1]
    for site, organ, output in (("liver", "liver", "C_liver_unbound"), ("gut", "intestine", "C_enterocyte_unbound")):
        inducer_level = treatment.output(f"p_gp_perpetrator__{output}")[-1]  # constant after the first hour
        steady = 1.0 + 2.0 * inducer_level / (0.5 + inducer_level)
        approach = 1.0 - np.exp(-turnover_rate(person, "P-gp", organ) * end)  # dE/dt = kdeg·(E_ss − E) from E = 1
        assert treatment.output(f"E_P_gp_{site}")[-1] == pytest.approx(1.0 + (steady - 1.0) * approach, rel=1e-3)
    assert "E_P_gp_kidney" not in treatment.coupled.model.outputs  # the kidney was left out
    assert result.aucr < 1.0  # more biliary excretion of IV digoxin


def test_interaction_on_a_transporter_that_carries_nothing_is_reported_ignored():
    result = interaction(Arm.of(load_compound("midazolam"), "5 mg", "iv", time="50 h"),
                         [p_gp_perpetrator(ki_u=Quantity(1e-9, "umol/L"))], window=WINDOW)
    assert result.aucr == pytest.approx(1.0, abs=1e-9)
    assert any("no compound of the model is carried by P-gp" in text for text in result.ignored)


DIGOXIN = Path(__file__).parents[2] / "compounds" / "digoxin.yaml"


@pytest.mark.parametrize(("old", "new", "field"), [
    ("  fa: 0.81\n", "  fa: 1.0\n", "absorption.efflux_transporter"),  # efflux needs an unabsorbed part
    ("  efflux_transporter: P-gp", "  efflux_transporter: P-glycoprotein", "absorption.efflux_transporter"),
    ("    secretion: 5.5 L/h\n", "", "clearance.renal.transporter"),  # nothing for it to carry
    ("    transporter: P-gp\n    source: >-\n      Non-renal", "    transporter: MDR1\n    source: >-\n      Non-renal",
     "clearance.biliary.transporter"),
])
def test_bad_transporter_fields_name_the_file_and_field(tmp_path, old, new, field):
    text = DIGOXIN.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "digoxin.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PbpkInputError) as error:
        load_compound(path)
    assert "digoxin.yaml" in str(error.value) and field in str(error.value)


@pytest.mark.parametrize(("sites", "target"), [("[lung]", "transporter: P-gp"), ("[kidney]", "enzyme: CYP3A4"),
                                                ("[gut, gut]", "transporter: P-gp")])
def test_interaction_sites_are_checked_where_they_are_read(tmp_path, sites, target):
    text = (Path(__file__).parent / "compounds" / "inhibitor_fast.yaml").read_text(encoding="utf-8")
    path = tmp_path / "perpetrator.yaml"
    path.write_text(text.replace("{enzyme: CYP3A4, type: competitive,", f"{{{target}, sites: {sites}, type: competitive,"),
                    encoding="utf-8")
    with pytest.raises(PbpkInputError) as error:
        load_compound(path)
    assert "perpetrator.yaml" in str(error.value) and "sites" in str(error.value)



def uptake_victim(scale: float = 1.0):
    """Midazolam taken up into a permeability-limited liver by OATP1B1 and OATP1B3 (test values × ``scale``)."""
    midazolam = load_compound("midazolam")
    return replace(midazolam, permeability_limited={"liver": Cited(Quantity(3, "L/h"), "test value")},
                   clearance=replace(midazolam.clearance, hepatic_uptake=HepaticUptake(
                       {"OATP1B1": Quantity(240 * scale, "L/h"), "OATP1B3": Quantity(80 * scale, "L/h")},
                       "test values")))


def oatp_perpetrator(ki_1b1: float, ki_1b3: float) -> Arm:
    """The fast-cleared inhibitor with a slowly permeable liver (its cells far below its sinusoidal level),
    inhibiting OATP1B1 and OATP1B3 only (unbound Ki, µmol/L)."""
    base = load_compound(HERE / "inhibitor_fast.yaml")
    effects = tuple(replace(base.interactions[0], target=target, ki_u=Quantity(ki, "umol/L"))
                    for target, ki in (("OATP1B1", ki_1b1), ("OATP1B3", ki_1b3)))
    compound = replace(base, name="oatp_perpetrator", interactions=effects,
                       permeability_limited={"liver": Cited(Quantity(30, "L/h"), "test value")})
    return Arm.of(compound, "48000 mg", "infusion", duration="300 h")


def test_complete_oatp_inhibition_leaves_passive_diffusion_only():
    victim = uptake_victim()
    result = interaction(Arm.of(victim, "5 mg", "oral", time="50 h"), [oatp_perpetrator(1e-9, 1e-9)], window=WINDOW)
    passive = replace(victim, clearance=replace(victim.clearance, hepatic_uptake=None))
    expected = digoxin_auc(passive, "oral", "5 mg") / digoxin_auc(victim, "oral", "5 mg")
    assert result.aucr == pytest.approx(expected, rel=2e-3)
    assert result.aucr > 3


def test_partial_oatp_inhibition_follows_the_sinusoidal_concentration():
    """Each uptake clearance scales by 1/(1 + I/Ki) with I the perpetrator's unbound concentration in the liver's
    blood, not in its cells (here more than 10 times lower)."""
    result = interaction(Arm.of(uptake_victim(), "5 mg", "oral", time="50 h"), [oatp_perpetrator(15.0, 45.0)],
                         window=WINDOW)
    level = result.treatment.output("oatp_perpetrator__C_sinusoid_unbound")
    sinusoid, cells = level[-1], result.treatment.output("oatp_perpetrator__C_liver_unbound")[-1]
    assert np.ptp(level[result.treatment.times >= WINDOW[0]]) < 1e-6 * sinusoid  # constant over the window
    assert cells < 0.1 * sinusoid and 0.5 < sinusoid / 15.0 < 3.0
    victim = load_compound("midazolam")
    scaled = replace(victim, permeability_limited={"liver": Cited(Quantity(3, "L/h"), "test value")},
                     clearance=replace(victim.clearance, hepatic_uptake=HepaticUptake(
                         {"OATP1B1": Quantity(240 / (1 + sinusoid / 15.0), "L/h"),
                          "OATP1B3": Quantity(80 / (1 + sinusoid / 45.0), "L/h")}, "test values")))
    expected = digoxin_auc(scaled, "oral", "5 mg") / digoxin_auc(uptake_victim(), "oral", "5 mg")
    assert result.aucr == pytest.approx(expected, rel=2e-3)
    assert result.aucr > 1.3
