"""The coupled victim–perpetrator model against analytic results (DESIGN §4, DDI).

Synthetic compounds (tests/ddi/compounds) keep the analytic conditions exact: a
perpetrator cleared within minutes and infused at a constant rate holds a constant
unbound liver concentration I; a victim of low hepatic extraction then has
AUCR = 1/(fm/(1 + I/Ki) + 1 − fm), and a mechanism-based inactivator drives the
enzyme to E_ss = kdeg/(kdeg + kinact·I/(KI + I)).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.core.units import Quantity
from pbpk.ddi.dynamic import Arm, interaction, simulate_ddi
from pbpk.engine.schedules import merge_schedules
from pbpk.disposition.turnover import turnover_rate
from pbpk.engine.codegen import compile_model
from pbpk.engine.reference_solver import solve_scipy
from pbpk.model.coupled import build_coupled_model, coupled_parameters
from pbpk.physiology import reference_individual
from pbpk.simulation.dosing import schedule
from pbpk.simulation.simulate import simulate

HERE = Path(__file__).parent / "compounds"
WINDOW = (50.0, 250.0)  # victim dosed at 50 h; ~23 victim half-lives to 250 h


def synthetic(name: str):
    return load_compound(HERE / f"{name}.yaml")


def constant_inhibition(perpetrator: str = "inhibitor_fast", rate_mg_h: float = 160.0):
    victim = Arm.of(synthetic("victim_low_extraction"), "10 mg", "iv", time="50 h")
    infusion = Arm.of(synthetic(perpetrator), f"{rate_mg_h * 300} mg", "infusion", duration="300 h")
    return interaction(victim, [infusion], window=WINDOW)


def test_infinite_ki_gives_no_interaction():
    perpetrator = synthetic("inhibitor_fast")
    weak = replace(perpetrator, interactions=(replace(perpetrator.interactions[0], ki_u=Quantity(1e12, "umol/L")),))
    victim = Arm.of(synthetic("victim_low_extraction"), "10 mg", "iv", time="50 h")
    result = interaction(victim, [Arm.of(weak, "7200 mg", "infusion", duration="300 h")], window=WINDOW)
    assert result.aucr == pytest.approx(1.0, abs=1e-6)


def test_infinite_ki_gives_no_interaction_in_liver_or_gut_wall():
    """Oral midazolam (CYP3A4 in liver and gut wall) with itraconazole whose Ki is made infinite
    (and which forms no inhibiting metabolite)."""
    itraconazole = load_compound("itraconazole")
    pathways = tuple(replace(p, metabolite=None) for p in itraconazole.clearance.hepatic)
    weak = replace(itraconazole, interactions=tuple(replace(i, ki_u=Quantity(1e12, "umol/L"))
                                                    for i in itraconazole.interactions),
                   clearance=replace(itraconazole.clearance, hepatic=pathways))
    victim = Arm.of(load_compound("midazolam"), "7.5 mg", "oral", time="24 h")
    result = interaction(victim, [Arm.of(weak, "200 mg", "iv", every="12 h", doses=3)])
    assert result.aucr == pytest.approx(1.0, abs=1e-5) and result.cmaxr == pytest.approx(1.0, abs=1e-5)
    potent = interaction(victim, [Arm.of(itraconazole, "200 mg", "iv", every="12 h", doses=3)])
    assert potent.aucr > 2.0  # the same study with the measured Ki: liver and gut-wall inhibition


def test_constant_inhibitor_reproduces_static_aucr():
    result = constant_inhibition()
    treatment, control = result.treatment, result.control
    inside = (treatment.times >= WINDOW[0]) & (treatment.times <= WINDOW[1])
    inhibitor = treatment.output("inhibitor_fast__C_liver_unbound")[inside]
    assert np.ptp(inhibitor) < 1e-3 * inhibitor.mean()  # constant at the enzyme
    i_over_ki = inhibitor.mean() / 1.0
    assert 0.5 < i_over_ki < 3  # a sizeable effect, not a trivial one
    metabolised = control.state("victim_low_extraction__A_metabolised_liver")[-1]
    excreted = control.state("victim_low_extraction__A_excreted_urine")[-1]
    fm = metabolised / (metabolised + excreted)
    static = 1.0 / (fm / (1.0 + i_over_ki) + 1.0 - fm)
    assert 0.3 < fm < 0.8
    # low extraction: hepatic CL ∝ CLint to ~1 %, so the dynamic AUCR matches the static one closely
    assert result.aucr == pytest.approx(static, rel=0.01)


def test_mechanism_based_inactivation_reaches_analytic_steady_state():
    result = constant_inhibition("inactivator_fast")
    treatment = result.treatment
    inhibitor = treatment.output("inactivator_fast__C_liver_unbound")[-1]
    person = reference_individual("male")
    k_deg = turnover_rate(person, "CYP3A4", "liver")
    kobs = 0.05 * inhibitor / (2.0 + inhibitor)
    steady = k_deg / (k_deg + kobs)
    # once the inhibitor is constant (within ~1 h), E − E_ss decays as exp(−(kdeg + kobs)·t)
    times = treatment.times
    early, late = np.searchsorted(times, 24.0), np.searchsorted(times, 96.0)
    excess = treatment.output("E_CYP3A4_liver") - steady
    rate = np.log(excess[early] / excess[late]) / (times[late] - times[early])
    assert rate == pytest.approx(k_deg + kobs, rel=1e-3)
    assert treatment.output("E_CYP3A4_liver")[-1] == pytest.approx(steady, rel=1e-3)
    assert result.aucr > 1.1


def test_induction_reaches_analytic_steady_state():
    perpetrator = synthetic("inhibitor_fast")
    inducer = replace(perpetrator, name="inducer_fast", interactions=(
        replace(perpetrator.interactions[0], type="induction", ki_u=None, emax=4.0, ec50_u=Quantity(0.5, "umol/L")),))
    victim = Arm.of(synthetic("victim_low_extraction"), "10 mg", "iv", time="400 h")
    result = interaction(victim, [Arm.of(inducer, "12000 mg", "infusion", duration="500 h")], window=(400.0, 500.0))
    inhibitor = result.treatment.output("inducer_fast__C_liver_unbound")[-1]
    expected = 1.0 + 4.0 * inhibitor / (0.5 + inhibitor)
    assert result.treatment.output("E_CYP3A4_liver")[-1] == pytest.approx(expected, rel=1e-3)
    assert result.aucr < 0.8


def test_mass_balance_of_every_compound():
    midazolam, itraconazole = load_compound("midazolam"), load_compound("itraconazole")
    arms = [Arm.of(midazolam, "7.5 mg", "oral", time="24 h"), Arm.of(itraconazole, "200 mg", "infusion",
                                                                        duration="1 h", every="12 h", doses=4)]
    phase = simulate_ddi(arms, until=96.0)
    assert phase.status.ok
    for arm, member in zip(arms, phase.coupled.members):
        dosed = sum((d.amount / arm.compound.molecular_weight.value).to("umol").magnitude for d in arm.regimen.doses)
        balance = phase.mass_balance(member.tag)
        assert balance[-1] == pytest.approx(dosed, rel=1e-6)


def test_victim_alone_in_the_coupled_model_equals_the_single_model():
    midazolam, itraconazole = load_compound("midazolam"), load_compound("itraconazole")
    arms = [Arm.of(midazolam, "7.5 mg", "oral"), Arm.of(itraconazole, "200 mg", "iv")]
    phase = simulate_ddi(arms, dosed=[True, False], until=24.0)
    single = simulate(midazolam, dose="7.5 mg", route="oral", times=phase.times)
    to_mg = midazolam.molecular_weight.value.to("g/mol").magnitude / 1000.0
    assert np.allclose(phase.plasma(midazolam), single.output("C_plasma") * to_mg, rtol=1e-5, atol=1e-9)


def test_coupled_kernel_agrees_with_scipy_radau():
    """The generated Numba kernel and RODAS4 against lambdify + scipy Radau (independent code path)."""
    victim, perpetrator = synthetic("victim_low_extraction"), synthetic("inactivator_fast")
    person = reference_individual("male")
    coupled = build_coupled_model([victim, perpetrator], person)
    arms = [Arm.of(victim, "10 mg", "iv", time="2 h"), Arm.of(perpetrator, "2000 mg", "infusion", duration="20 h")]
    phase = simulate_ddi(arms, person, until=24.0, coupled=coupled)
    model = coupled.model
    plans = [schedule(arm.regimen, {r.split(":")[1]: model.state_index(s) for r, s in model.dose_targets.items()
                                    if r.startswith(m.tag + ":")}, len(model.states),
                      molecular_weight=arm.compound.molecular_weight.value, body_weight=person.body_weight)
             for arm, m in zip(arms, coupled.members)]
    vector, _ = coupled_parameters(coupled, person)
    merged = merge_schedules(plans)
    atol = np.full(len(model.states), merged.total_amount * 1e-12)  # rtol·1e-3 of everything dosed
    reference, status = solve_scipy(compile_model(model, "python"), np.zeros(len(model.states)), vector, phase.times,
                                    merged, 1e-9, atol)
    column = model.state_index("victim_low_extraction__AUC_plasma")
    assert np.allclose(phase.states[:, column], reference[:, column], rtol=1e-5, atol=1e-9)
    enzyme = model.state_index("dE_CYP3A4_liver")
    assert np.allclose(phase.states[:, enzyme], reference[:, enzyme], rtol=1e-5, atol=1e-8)


def test_metabolite_is_formed_from_its_pathway_and_inhibits():
    """60 % of the parent's CYP3A4 flux forms an inhibiting metabolite: formation, mass balance, effect."""
    parent = synthetic("parent_forming_metabolite")
    victim = Arm.of(synthetic("victim_low_extraction"), "10 mg", "iv", time="12 h")
    arms = [victim, Arm.of(parent, "500 mg", "infusion", duration="48 h")]
    phase = simulate_ddi(arms, until=72.0)
    assert [m.tag for m in phase.coupled.members][-1] == "metabolite_inhibitor"
    formed = phase.state("metabolite_inhibitor__A_formed")
    metabolised = phase.state("parent_forming_metabolite__A_metabolised_liver")
    assert formed[-1] == pytest.approx(0.6 * metabolised[-1], rel=1e-6) and formed[-1] > 100.0
    assert phase.mass_balance("metabolite_inhibitor")[-1] == pytest.approx(formed[-1], rel=1e-6)
    assert phase.output("metabolite_inhibitor__C_liver_unbound").max() > 0.05  # above its Ki
    alone = build_coupled_model([victim.compound, parent], reference_individual("male"))
    assert len(alone.members) == 2
    result = interaction(victim, arms[1:])
    assert result.aucr > 1.5  # the parent itself does not inhibit: the effect is the metabolite's
