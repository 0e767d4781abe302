"""A compound acting on its own clearance is simulated with that action (auto-inactivation, inhibition by the
metabolites it forms), in every ``simulate`` and not only in DDI phases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.compound.load import formed_metabolites
from pbpk.core.units import mg_per_umol
from pbpk.ddi.dynamic import Arm, simulate_ddi
from pbpk.model.coupled import acts_on_itself
from pbpk.physiology import reference_individual
from pbpk.simulation.nca import auc_within
from pbpk.simulation.simulate import simulate

MAN = reference_individual("male")


def _with_metabolites(name: str):
    compound = load_compound(name)
    return [compound, *formed_metabolites([compound]).values()]


@pytest.mark.parametrize(("name", "expected"), [
    ("clarithromycin", True),  # inactivates the CYP3A4 that clears it
    ("itraconazole", True),  # hydroxy-itraconazole inhibits the CYP3A4 that clears both
    ("midazolam", False),  # no interactions
    ("fluconazole", False),  # inhibits CYP2C9 and CYP3A4, cleared by UGT2B7 and the kidney
    ("rifampicin", False),  # induces CYP3A4, cleared by AADAC
])
def test_which_compounds_act_on_their_own_clearance(name, expected):
    assert acts_on_itself(_with_metabolites(name)) is expected


def test_simulate_equals_the_coupled_model_of_the_compound_alone():
    clarithromycin = load_compound("clarithromycin")
    alone = simulate_ddi([Arm.of(clarithromycin, "500 mg", "oral", every="12 h", doses=6)], MAN, until=96.0)
    simulated = simulate(clarithromycin, MAN, dose="500 mg", route="oral", every="12 h", doses=6, times=alone.times)
    assert np.allclose(simulated.output("C_plasma") * simulated.mg_per_umol, alone.plasma(clarithromycin),
                       rtol=1e-5, atol=1e-9)
    activity = alone.output("activity_CYP3A4_liver")
    assert np.allclose(simulated.enzymes["activity_CYP3A4_liver"], activity, rtol=1e-6)


def test_auto_inactivation_lowers_the_steady_state_clearance():
    clarithromycin = load_compound("clarithromycin")
    simulation = simulate(clarithromycin, MAN, dose="500 mg", route="oral", every="12 h", doses=10, until="120 h")
    auc = simulation.state("AUC_plasma") * simulation.mg_per_umol
    first, last = (500.0 / auc_within(simulation.times, auc, t0, t0 + 12.0) for t0 in (0.0, 108.0))
    assert last < 0.7 * first  # CL/F over the tenth interval against the first (L/h)
    assert simulation.enzymes["activity_CYP3A4_liver"][-1] < 0.9
    assert "activity_CYP3A4_liver [-]" in simulation.data.columns
    assert simulation.nca().CL_F == pytest.approx(500.0 / auc_within(simulation.times, auc, 108.0, 120.0), rel=0.02)


def test_vanishing_inactivation_gives_the_single_compound_model():
    clarithromycin = load_compound("clarithromycin")
    faint = replace(clarithromycin, interactions=tuple(
        replace(i, kinact=i.kinact * 1e-12) if i.type == "mechanism_based" else i
        for i in clarithromycin.interactions))
    plain = replace(clarithromycin, interactions=())
    times = np.linspace(0.0, 48.0, 97)
    coupled = simulate(faint, MAN, dose="500 mg", route="oral", every="12 h", doses=3, times=times)
    single = simulate(plain, MAN, dose="500 mg", route="oral", every="12 h", doses=3, times=times)
    assert coupled.enzymes and not single.enzymes
    assert np.allclose(coupled.output("C_plasma"), single.output("C_plasma"), rtol=1e-5, atol=1e-9)


def test_mass_balance_when_the_compound_acts_on_itself():
    itraconazole = load_compound("itraconazole")
    simulation = simulate(itraconazole, MAN, dose="200 mg", route="oral", every="24 h", doses=4, until="120 h")
    dose_umol = 4 * 200.0 / simulation.mg_per_umol
    assert simulation.enzymes
    assert np.allclose(simulation.mass_balance()[-1], dose_umol, rtol=1e-6)


def test_changing_physiology_keeps_the_self_action():
    """simulate_changing with a person who does not change equals simulate (renewed every 12 h, amounts and
    enzyme states carried over); in an advancing pregnancy the enzyme activities are still reported."""
    from pbpk.physiology.pregnancy import advancing_pregnancy
    from pbpk.simulation.simulate import simulate_changing

    clarithromycin = load_compound("clarithromycin")
    changing = simulate_changing(clarithromycin, lambda t: MAN, dose="500 mg", route="oral", every="12 h", doses=6,
                                 until="84 h", update_every="12 h")
    direct = simulate(clarithromycin, MAN, dose="500 mg", route="oral", every="12 h", doses=6, times=changing.times)
    assert changing.enzymes["activity_CYP3A4_liver"][-1] < 0.9
    np.testing.assert_allclose(changing.output("C_plasma"), direct.output("C_plasma"), rtol=2e-4, atol=1e-7)
    pregnancy = simulate_changing(clarithromycin, advancing_pregnancy(30), dose="500 mg", route="oral", until="48 h")
    assert pregnancy.status.ok and "E_CYP3A4_liver" in pregnancy.enzymes


def test_exact_method_is_refused_for_a_self_acting_compound():
    from pbpk.core.errors import PbpkInputError

    clarithromycin = load_compound("clarithromycin")
    with pytest.raises(PbpkInputError, match="method.*not linear"):
        simulate(clarithromycin, MAN, dose="500 mg", route="oral", method="exact")


def test_virtual_population_of_a_self_acting_compound_equals_its_ddi_population_alone():
    """populations.run and the DDI population path (pbpk.ddi.dynamic) give the same subjects the same profiles."""
    from pbpk.ddi.dynamic import population_profiles
    from pbpk.engine.codegen import compile_model
    from pbpk.engine.solve import SolveOptions, solve_many
    from pbpk.populations.run import prepare, subject_parameters, subject_schedules
    from pbpk.populations.sampling import sample
    from pbpk.populations.spec import parse_population

    clarithromycin = load_compound("clarithromycin")
    arm = Arm.of(clarithromycin, "500 mg", "oral", every="12 h", doses=6)
    spec = parse_population("adult: 20-50 y")
    task = prepare(clarithromycin, spec, arm.regimen, until="84 h")
    subjects = sample(task.spec, 6, 5, task.table)
    solved = solve_many(compile_model(task.model), subject_parameters(task, subjects), subject_schedules(task, subjects),
                        task.times, SolveOptions(task.method, 1e-7), outputs=(task.plasma[1],))
    ddi = population_profiles(arm, [], spec, 6, task.times, seed=5)
    population = solved.output(task.plasma[1]) * mg_per_umol(clarithromycin.molecular_weight.value)
    np.testing.assert_allclose(population, ddi.concentrations, rtol=1e-4, atol=1e-7)
    assert np.ptp(population[:, -1]) > 0.1 * population[:, -1].mean()  # the subjects differ
    assert task.plasma == ("clarithromycin__AUC_plasma", "clarithromycin__C_plasma")
