"""Helpers shared by the engine tests."""

import numpy as np


def dosed_amount(simulation) -> np.ndarray:
    """Amount given up to each output time (µmol): boluses plus the infused part of infusions."""
    mw = simulation.compound.molecular_weight.value.to("g/mol").magnitude
    total = np.zeros_like(simulation.times)
    for dose in simulation.regimen.doses:
        amount = dose.mass(simulation.individual.body_weight).to("mg").magnitude / mw * 1000
        start = dose.time.to("h").magnitude
        if dose.route == "infusion":
            length = dose.duration.to("h").magnitude
            total += amount * np.clip((simulation.times - start) / length, 0, 1)
        else:
            total += np.where(simulation.times >= start - 1e-12, amount, 0.0)
    return total
