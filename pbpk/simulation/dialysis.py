"""Intermittent haemodialysis: a dialyser clearance of the venous plasma during each session.

``simulate_dialysis(compound, patient, sessions=[("44 h", "4 h"), ...])`` switches the compound's dialyser
clearance (``clearance.dialysis`` in its YAML) on from each session's start for its duration and off between
sessions, with the same compiled kernel (:func:`pbpk.simulation.simulate.simulate_changing`, parameters renewed
every ``step``; session times must fall on that grid). The amount removed is the state ``A_excreted_dialysate``;
redistribution from the tissues after a session (the rebound) follows from the model.

Examples
--------
>>> from pbpk.compound import load_compound
>>> from pbpk.physiology.patient import patient
>>> esrd = patient("male", age="60 year", egfr="5 mL/min", dialysis=True)
>>> sim = simulate_dialysis(load_compound("vancomycin"), esrd, sessions=[("24 h", "4 h")], dose="1000 mg",
...                         route="infusion", infusion_time="1 h", until="48 h")
>>> removed = sim.data["A_excreted_dialysate [mg]"]
>>> bool(removed.iloc[-1] > 50), bool(removed[sim.data["time [h]"] <= 24].max() == 0)
(True, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from pbpk.compound import Compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import parse_quantity
from pbpk.physiology import Individual
from pbpk.simulation.simulate import Simulation, simulate_changing


def simulate_dialysis(compound: Compound, person: Individual, *, sessions: Sequence[tuple[str, str]],
                      step: str = "15 min", **options) -> Simulation:
    """Simulate ``person`` with a dialysis session at each ``(start, duration)``; ``options`` as for
    :func:`~pbpk.simulation.simulate.simulate_changing` (regimen or dose, until, kinetics, ...)."""
    if compound.clearance.dialysis is None:
        raise PbpkInputError(compound.file or compound.name, "clearance.dialysis", None,
                             "a dialyser clearance of the compound (clearance: dialysis: clearance: 120 mL/min)")
    grid = parse_quantity(step, "h", where="dialysis", field="step", example="15 min").to("h").magnitude
    windows = []
    for i, (start, duration) in enumerate(sessions):
        begin = parse_quantity(start, "h", where="dialysis", field=f"sessions[{i}].start", example="44 h")
        length = parse_quantity(duration, "h", where="dialysis", field=f"sessions[{i}].duration", example="4 h")
        begin_h, length_h = begin.to("h").magnitude, length.to("h").magnitude
        if begin_h < 0 or length_h <= 0:
            raise PbpkInputError("dialysis", f"sessions[{i}]", (start, duration), "a start ≥ 0 and a positive duration")
        for value, name in ((begin_h, "start"), (length_h, "duration")):
            if abs(value / grid - round(value / grid)) > 1e-9:
                raise PbpkInputError("dialysis", f"sessions[{i}].{name}", f"{value:g} h",
                                     f"a multiple of the step ({step}; give step= to change it)")
        if windows and begin_h < windows[-1][1]:
            raise PbpkInputError("dialysis", f"sessions[{i}].start", start, "a session after the previous one ended")
        windows.append((begin_h, begin_h + length_h))

    def physiology(hours: float) -> Individual:
        return replace(person, on_dialysis=any(a - 1e-9 <= hours < b - 1e-9 for a, b in windows))

    return simulate_changing(compound, physiology, update_every=step, **options)


__all__ = ["simulate_dialysis"]
