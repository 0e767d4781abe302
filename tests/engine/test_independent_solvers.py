"""pbpk against independent solvers: scipy's Radau (python backend) and libroadrunner on exported SBML."""

import dataclasses
import itertools

import numpy as np
import pytest

from pbpk.core.records import Cited
from pbpk.core.units import Quantity
from pbpk.model.sbml import to_sbml
from pbpk.simulation.simulate import simulate


@pytest.mark.parametrize("name", [
    "midazolam (perfusion, saturable liver, oral first-order)",
    "midazolam (permeability-limited liver, brain, kidney)",
    "midazolam (OATP uptake into a permeability-limited liver)",
    "digoxin (renal filtration + secretion, bile, muscle binding)",
])
def test_rodas_matches_scipy_radau(variants, male, name):
    kwargs = dict(dose="5 mg", route="iv", until="24 h", rtol=1e-10)
    fast = simulate(variants[name], male, **kwargs)
    reference = simulate(variants[name], male, backend="python", **kwargs)
    assert reference.status.ok
    c_fast, c_ref = fast.output("C_plasma")[1:], reference.output("C_plasma")[1:]
    np.testing.assert_allclose(c_fast, c_ref, rtol=1e-6)
    assert fast.state("AUC_plasma")[-1] == pytest.approx(reference.state("AUC_plasma")[-1], rel=1e-7)


@pytest.mark.parametrize("name", [
    "midazolam (perfusion, saturable liver, oral first-order)",
    "midazolam (permeability-limited liver, brain, kidney)",
    "midazolam (OATP uptake into a permeability-limited liver)",
    "rifampicin (zwitterion, bile)",
])
def test_exported_sbml_simulates_like_pbpk(variants, male, name):
    """libroadrunner (CVODE) on the exported SBML matches pbpk to 1e-6 relative."""
    roadrunner = pytest.importorskip("roadrunner")
    simulation = simulate(variants[name], male, dose="5 mg", route="iv", until="24 h", rtol=1e-10)
    dose = 5.0 / simulation.molecular_weight * 1000  # µmol in venous blood at t = 0
    rr = roadrunner.RoadRunner(to_sbml(simulation.model, simulation.vector, initial={"A_venous": dose}))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-14
    rr.timeCourseSelections = ["time", "C_plasma", "AUC_plasma", "A_liver" if "A_liver" in simulation.model.state_names
                               else "A_liver_intracellular"]
    result = rr.simulate(times=list(simulation.times))
    np.testing.assert_allclose(result["C_plasma"][1:], simulation.output("C_plasma")[1:], rtol=1e-6)
    assert result["AUC_plasma"][-1] == pytest.approx(simulation.state("AUC_plasma")[-1], rel=1e-6)


def test_permeability_limited_organs_approach_perfusion_limited_as_ps_grows(variants, male):
    """The gap to the perfusion-limited model is first order in 1/PS: ten-fold smaller per decade of PS."""
    base = variants["midazolam (perfusion, saturable liver, oral first-order)"]
    perfusion = simulate(base, male, dose="5 mg", route="iv", until="12 h", rtol=1e-10)

    def gap(ps: float) -> float:
        fast = dataclasses.replace(base, permeability_limited={
            t: Cited(Quantity(ps, "L/h"), "limit test") for t in ("liver", "brain", "kidney", "muscle")})
        permeability = simulate(fast, male, dose="5 mg", route="iv", until="12 h", rtol=1e-10)
        return max(float(np.max(np.abs(permeability.output(o)[1:] / perfusion.output(o)[1:] - 1)))
                   for o in ("C_plasma", "C_liver"))

    gaps = [gap(ps) for ps in (1e6, 1e7, 1e8)]
    assert gaps[2] < 2e-5
    for wide, narrow in itertools.pairwise(gaps):
        assert narrow == pytest.approx(wide / 10, rel=0.05)
    slow = dataclasses.replace(base, permeability_limited={"brain": Cited(Quantity(0.01, "L/h"), "limit test")})
    limited = simulate(slow, male, dose="5 mg", route="iv", until="12 h")
    early = limited.times == limited.times[10]
    assert limited.output("C_brain")[early] < 0.5 * perfusion.output("C_brain")[early]
