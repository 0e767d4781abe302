"""NCA on analytic profiles, and why AUC is integrated rather than summed by trapezoids."""

import math

import numpy as np
import pytest

from pbpk.simulation.nca import analyse, terminal_slope


def one_compartment(t, dose=10.0, volume=20.0, k=0.2):
    c0 = dose / volume
    c = c0 * np.exp(-k * t)
    auc = c0 / k * (1 - np.exp(-k * t))
    auc_integral = c0 / k * (t - (1 - np.exp(-k * t)) / k)
    return c, auc, auc_integral


def test_iv_bolus_one_compartment_exact():
    t = np.linspace(0, 24, 97)
    c, auc, integral = one_compartment(t)
    result = analyse(t, c, auc, integral, dose=10.0, route="iv")
    assert result.lambda_z == pytest.approx(0.2, rel=1e-9)
    assert result.t_half == pytest.approx(math.log(2) / 0.2, rel=1e-9)
    assert result.AUC_inf == pytest.approx(0.5 / 0.2, rel=1e-9)
    assert result.MRT == pytest.approx(1 / 0.2, rel=1e-9)
    assert result.CL == pytest.approx(10.0 / 2.5, rel=1e-9)
    assert result.Vss == pytest.approx(20.0, rel=1e-9)
    assert result.Cmax == pytest.approx(0.5) and result.tmax == 0


def test_terminal_slope_ignores_distribution_phase():
    t = np.linspace(0, 24, 49)
    c = 5 * np.exp(-2.0 * t) + np.exp(-0.1 * t)
    slope, points = terminal_slope(t, c)
    assert slope == pytest.approx(0.1, rel=5e-3) and points > 10  # best adjusted R², most points within 1e-4


def test_trapezoids_overestimate_auc_after_iv_bolus(compound, male):
    """DESIGN §4 pitfall: the venous spike makes trapezoids overestimate AUC on an output grid."""
    from pbpk.simulation.simulate import simulate

    sim = simulate(compound("midazolam"), male, dose="5 mg", route="iv", times=np.arange(0, 24.01, 0.1))
    trapezoids = np.trapezoid(sim.output("C_plasma"), sim.times)
    integrated = sim.state("AUC_plasma")[-1]
    assert trapezoids > 1.2 * integrated
    assert sim.nca().AUC_last == pytest.approx(integrated * sim.molecular_weight / 1000)


def oral_one_compartment(t, dose=10.0, fraction=0.5, volume=20.0, ka=1.5, k=0.2):
    """Bateman function with bioavailability ``fraction``: C, ∫C dt and ∫∫C dt² in closed form."""
    a = fraction * dose * ka / (volume * (ka - k))
    c = a * (np.exp(-k * t) - np.exp(-ka * t))
    auc = a * ((1 - np.exp(-k * t)) / k - (1 - np.exp(-ka * t)) / ka)
    integral = a * ((t - (1 - np.exp(-k * t)) / k) / k - (t - (1 - np.exp(-ka * t)) / ka) / ka)
    return c, auc, integral


def test_oral_dose_gives_apparent_clearance_and_volume_only():
    """CL/F = dose/AUC = k·V/F and Vz/F = V/F; CL and Vz need an IV reference, so they are absent."""
    t = np.linspace(0, 72, 577)
    c, auc, integral = oral_one_compartment(t)
    result = analyse(t, c, auc, integral, dose=10.0, route="oral")
    assert result.CL_F == pytest.approx(0.2 * 20.0 / 0.5, rel=1e-4)
    assert result.Vz_F == pytest.approx(20.0 / 0.5, rel=1e-3)
    assert result.CL is None and result.Vz is None and result.Vss is None
    assert result.as_dict()["CL_F"] == {"value": result.CL_F, "unit": "L/h"}


def test_an_oral_simulation_reports_cl_f_beside_the_paired_iv_clearance(compound, male):
    from pbpk.simulation.simulate import simulate

    nca = simulate(compound("midazolam"), male, dose="5 mg", route="oral").nca()
    assert nca.CL_F == pytest.approx(nca.dose / nca.AUC_inf)
    assert nca.CL == pytest.approx(nca.F * nca.CL_F)  # CL/F × F = CL of the paired IV dose
    assert nca.F < 1


def test_a_bolus_and_an_infusion_together_are_one_administration(compound, male):
    """Loading bolus + infusion at 0 h: one dose of their sum, so CL = that of one bolus of the total (linear)."""
    from pbpk.simulation.dosing import Dose, Regimen
    from pbpk.simulation.simulate import simulate

    vancomycin = compound("vancomycin")
    both = Regimen((Dose("500 mg", "iv"), Dose("1000 mg", "infusion", duration="2 h")))
    together = simulate(vancomycin, male, regimen=both).nca()
    alone = simulate(vancomycin, male, dose="1500 mg", route="iv").nca()
    assert together.dose == pytest.approx(1500.0)
    assert together.AUC_tau is None
    assert together.CL == pytest.approx(alone.CL, rel=0.01)
