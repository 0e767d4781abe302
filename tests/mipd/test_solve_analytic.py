"""The compartmental solver against closed-form solutions and an independent ODE solver.

Closed forms: Gibaldi & Perrier, Pharmacokinetics (2nd ed., 1982), ch. 1-4 (one- and
two-compartment bolus, infusion, first-order absorption, metabolite formation);
Michaelis-Menten bolus via the Lambert W function (Schnell & Mendoza 1997, J Theor Biol
187:207). Independent: scipy's Radau on the ODEs written out here by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.special import lambertw

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.solve import Dose, _eigen, repeated_doses, solve
from pbpk.mipd.structure import Structure

TIMES = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 24.0])


def test_one_compartment_bolus_and_exact_auc():
    cl, v, dose = np.array([4.0, 10.0]), np.array([50.0, 20.0]), 100.0
    s = solve(Structure(1), {"CL": cl, "V": v}, [Dose(0.0, dose)], TIMES, at_dose_time="after")
    k = (cl / v)[:, None]
    expected = dose / v[:, None] * np.exp(-k * TIMES)
    assert s.concentrations["parent"] == pytest.approx(expected, rel=1e-12)
    assert s.auc() == pytest.approx(dose / v[:, None] * (1 - np.exp(-k * TIMES)) / k, rel=1e-12)


def test_one_compartment_infusion_during_and_after():
    cl, v, dose, duration = 5.0, 40.0, 600.0, 2.0
    s = solve(Structure(1), {"CL": cl, "V": v}, [Dose(1.0, dose, duration=duration)], TIMES)
    k, rate = cl / v, dose / duration
    t = TIMES - 1.0
    during = rate / cl * (1 - np.exp(-k * np.clip(t, 0, duration)))
    expected = np.where(t <= 0, 0.0, np.where(t <= duration, during,
                                              rate / cl * (1 - np.exp(-k * duration)) * np.exp(-k * (t - duration))))
    assert s.concentrations["parent"][0] == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_oral_first_order_with_lag_and_bioavailability():
    cl, v, ka, f, lag, dose = 4.0, 70.0, 1.3, 0.6, 0.5, 1000.0
    p = {"CL": cl, "V": v, "KA": ka, "F": f, "ALAG": lag}
    s = solve(Structure(1, "first-order"), p, [Dose(0.0, dose, "depot")], TIMES)
    k, t = cl / v, np.clip(TIMES - lag, 0, None)
    expected = f * dose * ka / (v * (ka - k)) * (np.exp(-k * t) - np.exp(-ka * t))
    assert s.concentrations["parent"][0] == pytest.approx(expected, rel=1e-11, abs=1e-14)


def test_absorption_rate_equal_to_elimination_rate_is_not_an_eigen_case():
    """KA = CL/V makes A defective: C = F·D·k·t·e^(−kt)/V (Gibaldi & Perrier 1982, eq. 1.54 limit)."""
    cl, v, dose = 4.0, 40.0, 100.0
    k = cl / v
    near = {"CL": np.array([cl, cl]), "V": np.array([v, v]), "KA": np.array([k, k * (1 + 1e-9)])}
    s = solve(Structure(1, "first-order"), near, [Dose(0.0, dose, "depot")], TIMES)
    expected = dose * k * TIMES * np.exp(-k * TIMES) / v
    assert s.concentrations["parent"] == pytest.approx(np.vstack([expected, expected]), rel=1e-7, abs=1e-14)
    rates, _, _ = _eigen(Structure(1, "first-order").matrix(
        {"CL": np.array([cl, cl]), "V": np.array([v, v]), "KA": np.array([k, 2 * k])}, 2))
    assert np.isnan(rates[0]).all() and np.isfinite(rates[1]).all()  # KA = k goes to Van Loan, KA = 2k does not


def test_a_subject_with_a_non_finite_parameter_does_not_stop_the_others():
    p = {"CL": np.array([4.0, np.nan]), "V": np.array([40.0, 40.0])}
    s = solve(Structure(1), p, [Dose(0.0, 100.0)], TIMES, at_dose_time="after")
    assert s.concentrations["parent"][0] == pytest.approx(100 / 40 * np.exp(-0.1 * TIMES), rel=1e-12)
    assert np.isnan(s.concentrations["parent"][1, 1:]).all()


def test_two_compartment_bolus_biexponential():
    cl, v1, q, v2, dose = 3.0, 20.0, 8.0, 40.0, 500.0
    s = solve(Structure(2), {"CL": cl, "V1": v1, "Q": q, "V2": v2}, [Dose(0.0, dose)], TIMES,
              at_dose_time="after")
    k10, k12, k21 = cl / v1, q / v1, q / v2
    total = k10 + k12 + k21
    alpha = (total + np.sqrt(total**2 - 4 * k10 * k21)) / 2
    beta = (total - np.sqrt(total**2 - 4 * k10 * k21)) / 2
    a = dose / v1 * (alpha - k21) / (alpha - beta)
    b = dose / v1 * (k21 - beta) / (alpha - beta)
    assert s.concentrations["parent"][0] == pytest.approx(a * np.exp(-alpha * TIMES) + b * np.exp(-beta * TIMES),
                                                          rel=1e-11)


def test_metabolite_formed_from_the_parent():
    cl, v, fm, clm, vm, dose, ratio = 6.0, 30.0, 0.4, 2.0, 15.0, 100.0, 0.9
    structure = Structure(1, metabolite=True, metabolite_mass_ratio=ratio)
    s = solve(structure, {"CL": cl, "V": v, "FM": fm, "CLM": clm, "VM": vm}, [Dose(0.0, dose)], TIMES,
              at_dose_time="after")
    k, km = cl / v, clm / vm
    amount = ratio * fm * dose * k / (km - k) * (np.exp(-k * TIMES) - np.exp(-km * TIMES))
    assert s.concentrations["metabolite"][0] == pytest.approx(amount / vm, rel=1e-11, abs=1e-14)


def _independent(structure_rhs, n_states, doses, times):
    """Radau through the dose times (boluses only), the reference for structures without a closed form."""
    x = np.zeros(n_states)
    out, t = [], times[0]
    events = sorted(doses)
    for target in times:
        while events and events[0][0] <= target:
            time, state, amount = events.pop(0)
            if time > t:
                x = solve_ivp(structure_rhs, (t, time), x, method="Radau", rtol=1e-11, atol=1e-13).y[:, -1]
                t = time
            x[state] += amount
        if target > t:
            x = solve_ivp(structure_rhs, (t, target), x, method="Radau", rtol=1e-11, atol=1e-13).y[:, -1]
            t = target
        out.append(x.copy())
    return np.array(out)


def test_three_compartments_with_transit_absorption_against_radau():
    p = {"CL": 5.0, "V1": 10.0, "Q2": 6.0, "V2": 30.0, "Q3": 1.0, "V3": 80.0, "KA": 0.9, "MTT": 1.5}
    structure = Structure(3, "transit", transit_compartments=3)
    ktr = 4 / p["MTT"]

    def rhs(_t, x):  # Savic 2007: dose compartment, 3 transit compartments, absorption compartment
        depot, t1, t2, t3, absorbed, c, p1, p2 = x
        return [-ktr * depot, ktr * (depot - t1), ktr * (t1 - t2), ktr * (t2 - t3), ktr * t3 - p["KA"] * absorbed,
                p["KA"] * absorbed - (p["CL"] + p["Q2"] + p["Q3"]) / p["V1"] * c + p["Q2"] / p["V2"] * p1
                + p["Q3"] / p["V3"] * p2,
                p["Q2"] * (c / p["V1"] - p1 / p["V2"]), p["Q3"] * (c / p["V1"] - p2 / p["V3"])]

    doses = [Dose(0.0, 200.0, "depot"), Dose(12.0, 200.0, "depot")]
    s = solve(structure, p, doses, TIMES, at_dose_time="after")
    reference = _independent(rhs, 8, [(d.time, 0, d.amount) for d in doses], TIMES)
    assert s.states[0, :, :8] == pytest.approx(reference, rel=1e-7, abs=1e-9)


def test_transit_mean_time_to_the_absorption_compartment_is_mtt():
    """The amount arriving in the absorption compartment is Erlang(n + 1, ktr): its mean is MTT (Savic 2007)."""
    structure = Structure(1, "transit", transit_compartments=4)
    p = {"CL": 1.0, "V": 10.0, "KA": 1e-9, "MTT": 2.5}  # KA ≈ 0: the absorption compartment collects the dose
    times = np.linspace(0.0, 40.0, 4001)
    amount = solve(structure, p, [Dose(0.0, 1.0, "depot")], times, at_dose_time="after").states[0, :, 5]
    arrival = np.gradient(amount, times)
    assert np.trapezoid(times * arrival, times) == pytest.approx(2.5, rel=1e-3)


def test_michaelis_menten_bolus_lambert_w():
    vmax, km, v, dose = 50.0, 2.0, 10.0, 200.0
    s = solve(Structure(1, elimination="michaelis-menten"), {"VMAX": vmax, "KM": km, "V": v},
              [Dose(0.0, dose)], TIMES, at_dose_time="after")
    c0 = dose / v
    expected = km * lambertw(c0 / km * np.exp((c0 - vmax / v * TIMES) / km)).real
    assert s.concentrations["parent"][0] == pytest.approx(expected, rel=1e-6)


def test_mass_balance_and_superposition():
    p = {"CL": 3.0, "V1": 20.0, "Q": 8.0, "V2": 40.0, "KA": 0.7, "F": 0.8}
    structure = Structure(2, "first-order")
    doses = [Dose(0.0, 300.0, "depot"), Dose(6.0, 100.0, "central", duration=1.5)]
    both = solve(structure, p, doses, TIMES, at_dose_time="after")
    amounts = both.states[0, :, :3].sum(axis=1)
    absorbed = np.where(TIMES >= 6.0, 0.8 * 300 + 100 * np.clip((TIMES - 6.0) / 1.5, 0, 1), 0.8 * 300)
    assert amounts + p["CL"] * both.auc()[0] == pytest.approx(absorbed, rel=1e-10)
    alone = [solve(structure, p, [dose], TIMES, at_dose_time="after").concentrations["parent"] for dose in doses]
    assert both.concentrations["parent"] == pytest.approx(alone[0] + alone[1], rel=1e-10, abs=1e-14)


def test_sample_at_a_dose_time_is_the_trough_unless_asked():
    doses, p = repeated_doses(100.0, 12.0, 3), {"CL": 5.0, "V": 50.0}
    trough = solve(Structure(1), p, doses, [12.0]).concentrations["parent"][0, 0]
    peak = solve(Structure(1), p, doses, [12.0], at_dose_time="after").concentrations["parent"][0, 0]
    assert trough == pytest.approx(2.0 * np.exp(-0.1 * 12.0), rel=1e-12)
    assert peak - trough == pytest.approx(2.0, rel=1e-12)


def test_bad_doses_refused():
    with pytest.raises(PbpkInputError, match="central for this model's structure"):
        solve(Structure(1), {"CL": 5.0, "V": 50.0}, [Dose(0.0, 100.0, "depot")], [1.0])
    with pytest.raises(PbpkInputError, match="an amount ≥ 0"):
        solve(Structure(1), {"CL": 5.0, "V": 50.0}, [Dose(0.0, -1.0)], [1.0])
    with pytest.raises(PbpkInputError, match="increasing order"):
        solve(Structure(1), {"CL": 5.0, "V": 50.0}, [Dose(0.0, 1.0)], [2.0, 1.0])


def test_subjects_solved_together_equal_each_solved_alone():
    p = {"CL": np.array([2.9, 5.8, 1.6]), "V1": np.array([135.0, 58.0, 56.0]), "Q": 6.5,
         "V2": np.array([46.0, 51.0, 29.0]), "KA": np.array([0.5, 1.0, 2.0]), "ALAG": np.array([0.0, 0.3, 1.0])}
    structure = Structure(2, "first-order")
    doses = repeated_doses(1000.0, 12.0, 4, duration=1.0) + (Dose(3.0, 200.0, "depot"),)
    together = solve(structure, p, doses, TIMES).states
    for i in range(3):
        alone = solve(structure, {k: np.atleast_1d(v)[i if np.size(v) > 1 else 0] for k, v in p.items()}, doses, TIMES)
        assert together[i] == pytest.approx(alone.states[0], rel=1e-13, abs=1e-13)
