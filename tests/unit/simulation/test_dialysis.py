"""Intermittent haemodialysis: the dialyser clearance acts only in sessions, removes ∫CL·C dt, keeps mass balance."""

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.physiology.patient import patient
from pbpk.simulation.dialysis import simulate_dialysis

DOSE = {"dose": "1000 mg", "route": "infusion", "infusion_time": "1 h"}


@pytest.fixture(scope="module")
def session():
    esrd = patient("male", age="60 year", egfr="5 mL/min", dialysis=True)
    vancomycin = load_compound("vancomycin")
    return vancomycin, simulate_dialysis(vancomycin, esrd, sessions=[("24 h", "4 h")], until="48 h", points=961,
                                         **DOSE)


def test_removal_is_the_dialyser_clearance_times_the_plasma_concentration(session):
    vancomycin, sim = session
    t, c = sim.data["time [h]"].to_numpy(), sim.data["C_plasma [mg/L]"].to_numpy()
    removed = sim.data["A_excreted_dialysate [mg]"].to_numpy()
    inside = (t >= 24) & (t <= 28)
    clearance = vancomycin.clearance.dialysis.clearance.to("L/h").magnitude  # 7.2 L/h
    expected = clearance * np.trapezoid(c[inside], t[inside])
    assert removed[t <= 24].max() == 0 and removed[-1] == pytest.approx(removed[t <= 28][-1])
    assert removed[-1] == pytest.approx(expected, rel=0.01)


def test_mass_balance_and_the_rebound_after_the_session(session):
    _, sim = session
    amounts = sim.mass_balance()  # µmol in the body and eliminated, including the dialysate
    t, c = sim.data["time [h]"].to_numpy(), sim.data["C_plasma [mg/L]"].to_numpy()
    assert np.allclose(amounts[t >= 1], 1000.0 / 1449.25 * 1000.0, rtol=1e-7)  # the whole dose after the infusion

    def at(hours):
        return c[np.argmin(np.abs(t - hours))]

    assert at(28) < 0.8 * at(24)  # the session lowers plasma concentrations
    assert at(29) > at(28)  # and drug returns from the tissues afterwards


def test_bad_sessions_are_refused():
    esrd = patient("male", age="60 year", egfr="5 mL/min", dialysis=True)
    with pytest.raises(PbpkInputError, match="a dialyser clearance"):
        simulate_dialysis(load_compound("midazolam"), esrd, sessions=[("24 h", "4 h")], dose="1 mg")
    vancomycin = load_compound("vancomycin")
    with pytest.raises(PbpkInputError, match="multiple of the step"):
        simulate_dialysis(vancomycin, esrd, sessions=[("24.1 h", "4 h")], **DOSE)
    with pytest.raises(PbpkInputError, match="after the previous one"):
        simulate_dialysis(vancomycin, esrd, sessions=[("24 h", "4 h"), ("26 h", "4 h")], **DOSE)
