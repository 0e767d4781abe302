"""One kernel for a parameter matrix: the parallel population run equals single runs."""

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.engine.codegen import compile_model
from pbpk.engine.solve import Schedules, SolveOptions, solve_many
from pbpk.simulation.dosing import Dose, Regimen, schedule
from pbpk.simulation.simulate import simulate


@pytest.mark.parametrize("kinetics, method", [("michaelis_menten", "general"), ("linear", "exact")])
def test_population_equals_single_runs(compound, male, kinetics, method):
    mdz = compound("midazolam")
    single = simulate(mdz, male, dose="5 mg", route="oral", until="24 h", kinetics=kinetics, rtol=1e-6)
    model = single.model
    rng = np.random.default_rng(7)
    n = 6
    parameters = np.tile(single.vector, (n, 1)) * rng.lognormal(0.0, 0.2, (n, len(single.vector)))
    fractions = [i for i, name in enumerate(model.parameter_names) if name in ("fa", "Fg", "f_filtered", "fu_p")]
    parameters[:, fractions] = np.minimum(parameters[:, fractions], 1.0)
    plan = schedule(Regimen((Dose("5 mg", "oral"),)), {r: model.state_index(s) for r, s in model.dose_targets.items()},
                    len(model.states), molecular_weight=mdz.molecular_weight.value, body_weight=male.body_weight)
    schedules = Schedules(plan.times, *(np.repeat(a[None], n, axis=0) for a in (plan.bolus, plan.rate, plan.scale)))
    solved = solve_many(compile_model(model), parameters, schedules, single.times, SolveOptions(method, 1e-6))
    states = solved.states
    assert solved.method == method and np.all(solved.ok)
    from pbpk.engine.linear import propagate
    from pbpk.engine.rosenbrock import integrate

    compiled = compile_model(model).compiled
    for k in range(n):
        out = np.empty_like(states[k])
        if method == "exact":
            propagate(compiled.jac, np.zeros(len(model.states)), parameters[k], single.times, plan.times,
                      plan.bolus, plan.rate, out)
        else:
            atol = np.full(len(model.states), plan.total_amount * 1e-9)
            integrate(compiled.rhs, compiled.jac, np.zeros(len(model.states)), parameters[k], single.times,
                      plan.times, plan.bolus, plan.rate, 1e-6, atol, 200_000, out)
        np.testing.assert_allclose(states[k], out, rtol=1e-12, atol=1e-14 * np.abs(out).max())


def test_kept_states_and_outputs_are_the_full_runs_columns(compound, male):
    """Keeping a few states and outputs (as population runs do) gives exactly those columns of a full run."""
    single = simulate(compound("midazolam"), male, dose="5 mg", route="iv", until="12 h")
    kernel, model = compile_model(single.model), single.model
    plan = schedule(single.regimen, {r: model.state_index(s) for r, s in model.dose_targets.items()},
                    len(model.states), molecular_weight=single.compound.molecular_weight.value,
                    body_weight=male.body_weight)
    schedules = Schedules.of(plan)
    kept = solve_many(kernel, single.vector[None], schedules, single.times, states=("AUC_plasma", "A_liver"),
                      outputs=("C_plasma",))
    assert np.array_equal(kept.state("AUC_plasma")[0], single.state("AUC_plasma"))
    assert np.array_equal(kept.state("A_liver")[0], single.state("A_liver"))
    assert np.array_equal(kept.output("C_plasma")[0], single.output("C_plasma"))
    with pytest.raises(PbpkInputError, match="C_nowhere"):
        solve_many(kernel, single.vector[None], schedules, single.times, outputs=("C_nowhere",))
