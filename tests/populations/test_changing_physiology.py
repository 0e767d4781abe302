"""Physiology that changes during a simulation: piecewise-constant parameters, one kernel."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.physiology import reference_individual
from pbpk.physiology.pediatrics import child, growing_child
from pbpk.physiology.pregnancy import advancing_pregnancy
from pbpk.simulation.simulate import simulate, simulate_changing


@pytest.mark.parametrize("compound, kinetics, route", [("midazolam", "michaelis_menten", "oral"),
                                                       ("vancomycin", "linear", "infusion")])
def test_unchanging_physiology_reproduces_simulate(compound, kinetics, route):
    """Segment boundaries (every 5 h, between doses and inside infusions) do not change the solution."""
    drug, man = load_compound(compound), reference_individual("male")
    options = dict(dose="5 mg", route=route, every="8 h", doses=4, until="40 h", kinetics=kinetics)
    if route == "infusion":
        options["infusion_time"] = "3 h"
    reference = simulate(drug, man, **options)
    changing = simulate_changing(drug, lambda hours: man, update_every="5 h", **options)
    np.testing.assert_allclose(changing.times, reference.times)
    np.testing.assert_allclose(changing.output("C_plasma"), reference.output("C_plasma"), rtol=2e-6, atol=1e-10)


def test_growing_neonate_keeps_mass_balance_and_clears_faster():
    vancomycin = load_compound("vancomycin")
    options = dict(dose="15 mg/kg", route="infusion", infusion_time="1 h", every="12 h", doses=28, until="336 h")
    growing = simulate_changing(vancomycin, growing_child("1 day", "male", weight="3.5 kg"), update_every="24 h",
                                **options)
    static = simulate(vancomycin, child("1 day", "male", weight="3.5 kg"), **options)
    mw = growing.molecular_weight
    dosed = sum(d.amount.to("mg").magnitude for d in growing.regimen.doses) / mw * 1000
    np.testing.assert_allclose(growing.mass_balance()[-1], dosed, rtol=1e-9)
    at = np.searchsorted(growing.times, 13.9 * 24)
    assert growing.output("C_plasma")[at] < static.output("C_plasma")[at]  # GFR matures over two weeks


def test_doses_per_kg_use_the_weight_at_each_dose():
    grow = growing_child("1 year", "female", weight="10 kg")
    simulation = simulate_changing(load_compound("theophylline"), grow, dose="5 mg/kg", every="720 h", doses=3,
                                   until="1500 h", update_every="240 h")
    amounts = [d.amount.to("mg").magnitude for d in simulation.regimen.doses]
    expected = [5 * grow(h).body_weight.to("kg").magnitude for h in (0.0, 720.0, 1440.0)]
    assert amounts == pytest.approx(expected) and amounts[0] < amounts[2]


def test_advancing_pregnancy_runs_on_one_kernel_but_not_across_week_13():
    caffeine = load_compound("caffeine")
    run = simulate_changing(caffeine, advancing_pregnancy(20), dose="100 mg", every="24 h", doses=28, until="672 h",
                            update_every="168 h")
    assert run.status.ok and "A_fetus" in run.model.state_names
    with pytest.raises(PbpkInputError, match="same model structure"):
        simulate_changing(caffeine, advancing_pregnancy(11), dose="100 mg", every="24 h", doses=28, until="672 h",
                          update_every="168 h")
