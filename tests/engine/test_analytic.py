"""Analytic solutions: one-compartment limit, steady state under repeated dosing, exact vs integrator."""

import dataclasses
import math

import numpy as np
import pytest
import scipy.linalg

from pbpk.engine.linear import expm
from pbpk.physiology import reference_individual
from pbpk.simulation.simulate import simulate


def well_mixed(individual, factor=1e4):
    """The same person with every blood flow multiplied: distribution becomes instantaneous."""
    tissues = {name: dataclasses.replace(t, blood_flow=t.blood_flow * factor) for name, t in individual.tissues.items()}
    return dataclasses.replace(individual, tissues=tissues, cardiac_output=individual.cardiac_output * factor)


def test_one_compartment_limit(compound):
    """With near-infinite flows the body is one compartment: C(t) = Dose/Vss·exp(−CL/Vss·t),
    Vss = V_blood·B:P + ΣV·Kp and CL = fu·CLint,u + fu·GFR·f (flow no longer limits)."""
    person = well_mixed(reference_individual("male"))
    mdz = compound("midazolam")
    simulation = simulate(mdz, person, dose="5 mg", route="iv", until="12 h", kinetics="linear")
    values = dict(zip(simulation.model.parameter_names, simulation.vector))
    vss = (values["V_venous"] + values["V_arterial"]) * values["BP"] + sum(
        values[f"V_{o.name}"] * values[f"Kp_{o.name}"] for o in simulation.model.topology.organs)
    clint = sum(values[f"CLint_{r.name}"] for r in simulation.model.topology.hepatic_pathways)
    cl = values["fu_p"] * clint + values["fu_p"] * values["GFR"] * values["f_filtered"]
    dose = 5.0 / 325.78 * 1000
    late = simulation.times >= 0.5
    expected = dose / vss * np.exp(-cl / vss * simulation.times[late])
    np.testing.assert_allclose(simulation.output("C_plasma")[late], expected, rtol=2e-3)
    nca = simulation.nca()
    assert nca.t_half == pytest.approx(math.log(2) * vss / cl, rel=2e-3)


@pytest.mark.parametrize("route, extra", [("iv", {}), ("infusion", {"infusion_time": "1 h"})])
def test_repeated_dosing_reaches_average_steady_state(compound, male, route, extra):
    """C_avg,ss = Dose/(CL·τ) with CL the single-dose Dose/AUC∞."""
    mdz = compound("midazolam")
    single = simulate(mdz, male, dose="5 mg", route=route, until="96 h", kinetics="linear", **extra).nca()
    clearance = single.dose / single.AUC_inf
    repeated = simulate(mdz, male, dose="5 mg", route=route, every="8 h", doses=12, until="96 h", kinetics="linear",
                        **extra).nca()
    assert repeated.C_avg == pytest.approx(5.0 / (clearance * 8.0), rel=2e-3)


def test_exact_linear_solution_equals_integrator(compound, male):
    mdz = compound("midazolam")
    kwargs = dict(dose="5 mg", route="oral", every="12 h", doses=2, until="36 h", kinetics="linear")
    exact = simulate(mdz, male, method="exact", **kwargs)
    general = simulate(mdz, male, method="general", rtol=1e-10, **kwargs)
    assert exact.method == "exact" and general.method == "general"
    scale = np.abs(exact.states).max(axis=0)
    np.testing.assert_allclose(general.states, exact.states, rtol=1e-7, atol=1e-9 * scale.max())


def test_expm_matches_scipy():
    rng = np.random.default_rng(3)
    for size, scale in [(5, 0.1), (12, 3.0), (30, 40.0)]:
        a = rng.normal(size=(size, size)) * scale
        np.testing.assert_allclose(expm(a), scipy.linalg.expm(a), rtol=1e-9, atol=1e-12 * np.abs(scipy.linalg.expm(a)).max())


def test_a_filtered_marker_is_cleared_at_fu_times_gfr(compound, male):
    """Glomerular filtration acts on the arterial plasma reaching the glomeruli: a compound cleared only by
    filtration (vancomycin without secretion or non-renal clearance, an inulin-like marker) has a plasma
    clearance Dose/AUC∞ of exactly fu·GFR at the person's real kidney blood flow. Filtering the kidney's venous
    plasma instead made it about 11 % lower (the kidney's extraction)."""
    vancomycin = compound("vancomycin")
    renal = dataclasses.replace(vancomycin.clearance.renal, secretion=None)
    marker = dataclasses.replace(vancomycin, clearance=dataclasses.replace(vancomycin.clearance, renal=renal,
                                                                           hepatic=()))
    simulation = simulate(marker, male, dose="1 g", route="iv", until="96 h", kinetics="linear")
    values = dict(zip(simulation.model.parameter_names, simulation.vector))
    nca = simulation.nca()
    assert nca.dose / nca.AUC_inf == pytest.approx(values["fu_p"] * values["GFR"], rel=2e-3)
