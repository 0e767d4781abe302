"""Mass balance: body + eliminated + unabsorbed (+ gut lumen) = dose, for every template and route."""

import numpy as np
import pytest
from engine_helpers import dosed_amount

from pbpk.simulation.simulate import simulate

ROUTES = [
    {"route": "iv", "dose": "5 mg"},
    {"route": "infusion", "dose": "5 mg", "infusion_time": "2 h"},
    {"route": "oral", "dose": "7.5 mg"},
    {"route": "oral", "dose": "2 mg", "every": "8 h", "doses": 3},
]


@pytest.mark.parametrize("regimen", ROUTES, ids=lambda r: f"{r['route']}x{r.get('doses', 1)}")
@pytest.mark.parametrize("name", [
    "midazolam (perfusion, saturable liver, oral first-order)",
    "midazolam (permeability-limited liver, brain, kidney)",
    "midazolam (OATP uptake into a permeability-limited liver)",
    "midazolam (transit absorption)",
    "digoxin (renal filtration + secretion, bile, muscle binding)",
    "rifampicin (zwitterion, bile)",
    "caffeine (renal reabsorption)",
])
def test_mass_balance(variants, male, name, regimen):
    if regimen["route"] == "oral" and variants[name].absorption is None:
        pytest.skip("no absorption data for this compound (IV only)")
    simulation = simulate(variants[name], male, until="36 h", **regimen)
    assert simulation.status.ok, simulation.status.message
    expected = dosed_amount(simulation)
    np.testing.assert_allclose(simulation.mass_balance(), expected, rtol=1e-9, atol=1e-12 * expected.max())
    assert np.all(simulation.states[:, [simulation.model.state_index(s) for s in simulation.model.mass_states]]
                  >= -1e-9 * expected.max()), "no negative amounts"


@pytest.mark.parametrize("kinetics", ["linear", "michaelis_menten"])
def test_mass_balance_exact_and_general(variants, male, kinetics):
    compound = variants["midazolam (perfusion, saturable liver, oral first-order)"]
    simulation = simulate(compound, male, dose="5 mg", route="infusion", infusion_time="1 h", until="24 h",
                          kinetics=kinetics)
    assert simulation.method == ("exact" if kinetics == "linear" else "general")
    np.testing.assert_allclose(simulation.mass_balance(), dosed_amount(simulation), rtol=1e-9, atol=1e-12)
