"""Steady-state doses (NONMEM's SS=1, 2 and 3 with II, Users Guide V): the exact trough against closed forms and the
limit of repeated doses, and SS records against the same records written out as explicit doses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError
from pbpk.mipd.dosing_history import history
from pbpk.mipd.map_estimation import estimate, objective, predict_subject
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.records import SteadyDose, read_records
from pbpk.mipd.solve import Dose, repeated_doses, solve, solve_occasions
from pbpk.mipd.steady_state import steady_state
from pbpk.mipd.structure import Structure

TWO = {"CL": np.array([5.0, 9.0]), "V1": np.array([30.0, 20.0]), "Q": np.array([8.0, 3.0]),
       "V2": np.array([60.0, 40.0])}
ORAL = "examplinib-mapbayr-2021"


def _limit(structure, parameters, dose, interval, count=60):
    """The state just before dose ``count`` + 1 of ``count`` equal doses every ``interval``."""
    doses = repeated_doses(dose.amount, interval, count, duration=dose.duration, compartment=dose.compartment)
    return solve(structure, parameters, doses, [count * interval]).states[:, 0]


def test_one_compartment_bolus_trough_is_the_geometric_sum():
    cl, v, amount, tau = np.array([4.0, 10.0, 0.3]), np.array([50.0, 20.0, 70.0]), 100.0, 12.0
    x = steady_state(Structure(1), {"CL": cl, "V": v}, Dose(5.0, amount), tau)
    decay = np.exp(-cl / v * tau)
    assert x[:, 0] == pytest.approx(amount * decay / (1 - decay), rel=1e-12)
    assert np.all(x[:, Structure(1).index("auc_parent")] == 0)


def test_two_compartment_infusion_is_the_limit_of_repeated_doses():
    dose, tau = Dose(0.0, 500.0, duration=2.0), 12.0
    x = steady_state(Structure(2), TWO, dose, tau)
    limit = _limit(Structure(2), TWO, dose, tau)
    assert x[:, :-1] == pytest.approx(limit[:, :-1], rel=1e-9)
    # continuing from the steady state through initial/start equals the 61st interval of the repeated doses
    times = 720.0 + np.array([0.0, 1.0, 2.0, 5.0, 12.0])
    ahead = solve(Structure(2), TWO, [Dose(720.0, 500.0, duration=2.0)], times, initial=x, start=720.0)
    repeated = solve(Structure(2), TWO, repeated_doses(500.0, tau, 61, duration=2.0), times)
    assert ahead.concentrations["parent"] == pytest.approx(repeated.concentrations["parent"], rel=1e-9)
    occasions = solve_occasions(Structure(2), [TWO], [720.0], [Dose(720.0, 500.0, duration=2.0)], times, initial=x)
    assert occasions.concentrations["parent"] == pytest.approx(ahead.concentrations["parent"], rel=1e-12)


@pytest.mark.parametrize("duration", [0.0, 1.5])
def test_oral_dose_with_lag_is_the_limit_of_repeated_doses(duration):
    structure = Structure(2, "first-order")
    parameters = {**TWO, "KA": np.array([1.2, 0.4]), "ALAG": np.array([0.75, 3.0]), "F": np.array([0.8, 0.6])}
    dose, tau = Dose(0.0, 100.0, "depot", duration), 8.0
    x = steady_state(structure, parameters, dose, tau)
    assert x[:, :-1] == pytest.approx(_limit(structure, parameters, dose, tau, 150)[:, :-1], rel=1e-9)


def test_transit_absorption_with_a_dose_into_central():
    structure = Structure(1, "transit", transit_compartments=3)
    parameters = {"CL": np.array([4.0]), "V": np.array([50.0]), "KA": np.array([1.0]), "MTT": np.array([2.0])}
    for dose in (Dose(0.0, 100.0, "depot"), Dose(0.0, 100.0, "central", 1.0)):
        x = steady_state(structure, parameters, dose, 24.0, amount_scale=np.array([70.0]))
        doses = repeated_doses(100.0, 24.0, 60, compartment=dose.compartment, duration=dose.duration)
        limit = solve(structure, parameters, doses, [1440.0], amount_scale=np.array([70.0])).states[:, 0]
        assert x[:, :-1] == pytest.approx(limit[:, :-1], rel=1e-9, abs=1e-12 * limit.max())


def test_steady_state_refusals():
    with pytest.raises(PbpkInputError, match="linear elimination"):
        steady_state(Structure(1, elimination="michaelis-menten"), {"V": 50.0, "VMAX": 10.0, "KM": 2.0},
                     Dose(0.0, 100.0), 12.0)
    with pytest.raises(PbpkInputError, match="II"):
        steady_state(Structure(1), {"CL": 4.0, "V": 50.0}, Dose(0.0, 100.0), 0.0)
    with pytest.raises(PbpkInputError, match="ALAG"):  # the dose is still going in at the next one
        steady_state(Structure(1, "first-order"), {"CL": 4.0, "V": 50.0, "KA": 1.0, "ALAG": 11.0},
                     Dose(0.0, 100.0, "depot", 2.0), 12.0)
    with pytest.raises(PbpkInputError, match="start"):
        solve(Structure(1), {"CL": 4.0, "V": 50.0}, [Dose(0.0, 100.0)], [1.0], initial=np.zeros((1, 2)))


# ---- records -----------------------------------------------------------------------------------

def _model(tmp_path: Path, pk: list[str] | None = None, structure: dict | None = None):
    """The oral test model, with its PK code or structure changed."""
    data = json.loads(datafiles.resolve("poppk_models", ORAL).read_text(encoding="utf-8"))
    data["pk"] = pk or data["pk"]
    data["structure"] = structure or data["structure"]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))
    return load_poppk(path)


def _subject(tmp_path, model, text: str):
    path = tmp_path / "data.csv"
    path.write_text("ID,TIME,EVID,AMT,RATE,II,ADDL,SS,DV\n" + text)
    return read_records(path, model)["1"]


SAMPLES = "1,721,0,.,.,.,.,.,3.1\n1,726,0,.,.,.,.,.,2.2\n1,744,0,.,.,.,.,.,1.4\n1,747,0,.,.,.,.,.,1.9\n"


@pytest.mark.parametrize(("pk", "rate"), [(None, "."), (["CL = TVCL * exp(ETA_CL)", "V = TVV * exp(ETA_V)",
                                                          "KA = TVKA * exp(ETA_KA)", "ALAG = 0.5"], "100")])
def test_ss_record_predicts_as_sixty_explicit_doses(tmp_path, pk, rate):
    model = _model(tmp_path, pk)
    ss = _subject(tmp_path, model, f"1,720,1,100,{rate},12,1,1,.\n" + SAMPLES)
    explicit = _subject(tmp_path, model, f"1,0,1,100,{rate},12,61,0,.\n" + SAMPLES)
    assert ss.steady_states == (SteadyDose(ss.doses[0], 12.0),) and len(ss.doses) == 2 and not explicit.steady_states
    eta = np.array([0.3, -0.2, 0.1])
    assert predict_subject(model, ss, eta) == pytest.approx(predict_subject(model, explicit, eta), rel=1e-10)
    # at the mode: the objectives agree to ~1e-15, but BFGS's finite-difference gradients turn that into
    # η differing by ~5e-8 (OFV is flat to 1e-12 there), so the MAP predictions agree to ~1e-8 only
    fits = [estimate(model, subject) for subject in (ss, explicit)]
    assert fits[0].ofv == pytest.approx(fits[1].ofv, rel=1e-10)
    assert fits[0].predictions == pytest.approx(fits[1].predictions, rel=1e-6)


def test_ss_record_with_time_varying_covariates(tmp_path):
    model = load_poppk("example-posologyr-run302")
    rows = "1,720,1,100,.,12,1,1,.,70,0\n" + "".join(line + ",70,0\n" for line in SAMPLES.splitlines()[:2]) + \
           "".join(line + ",90,0\n" for line in SAMPLES.splitlines()[2:])
    path = tmp_path / "data.csv"
    header = "ID,TIME,EVID,AMT,RATE,II,ADDL,SS,DV,BW,SEX\n"
    path.write_text(header + rows)
    ss = read_records(path, model)["1"]
    path.write_text(header + "1,0,1,100,.,12,61,0,.,70,0\n" + rows.split("\n", 1)[1])
    explicit = read_records(path, model)["1"]
    assert ss.time_varying and explicit.time_varying
    eta = np.array([0.2, 0.1, -0.1])
    assert predict_subject(model, ss, eta) == pytest.approx(predict_subject(model, explicit, eta), rel=1e-10)


def test_samples_before_the_ss_dose_are_zero_and_one_at_it_sees_the_trough(tmp_path):
    model = load_poppk(ORAL)
    subject = _subject(tmp_path, model, "1,2,0,.,.,.,.,.,0.5\n1,24,1,100,.,12,0,1,.\n1,24,0,.,.,.,.,.,1.0\n")
    predictions = predict_subject(model, subject, np.zeros(3))
    parameters = model.structural(model.parameters(subject.covariates, np.zeros((1, 3))))
    trough = steady_state(model.structure, parameters, subject.doses[0], 12.0)[0, model.structure.index("central")]
    assert predictions.tolist() == [0.0, pytest.approx(trough / 70.0, rel=1e-14)]
    only_before = _subject(tmp_path, model, "1,2,0,.,.,.,.,.,0.5\n1,24,1,100,.,12,0,1,.\n")
    assert predict_subject(model, only_before, np.zeros(3)).tolist() == [0.0]


@pytest.mark.parametrize(("text", "match"), [
    ("1,0,1,100,.,0,0,1,.\n", "II > 0"),  # II = 0 (a constant infusion at steady state)
    ("1,0,1,100,.,12,0,4,.\n", "SS"),
    ("1,0,1,100,5,12,0,1,.\n", "duration"),  # a 20 h infusion every 12 h
    ("1,0,1,100,.,0,0,2,.\n", "II > 0"),
])
def test_ss_record_refusals(tmp_path, text, match):
    with pytest.raises(PbpkInputError, match=match):
        _subject(tmp_path, load_poppk(ORAL), text)


@pytest.mark.parametrize("ss", [1, 3])
def test_later_ss1_resets_to_its_steady_state_and_cancels_pending_doses(tmp_path, ss):
    """SS=1 (and 3) at 720 h after a dose at 0 with ADDL doses past 720 h: the past is zeroed out, the pending doses
    dropped; the samples after it are those of the sixty explicit doses alone, the one before it of the first dose."""
    model = _model(tmp_path, None)
    before = "1,5,0,.,.,.,.,.,9.0\n"
    later = _subject(tmp_path, model, "1,0,1,300,.,24,40,0,.\n" + before + f"1,720,1,100,.,12,1,{ss},.\n" + SAMPLES)
    explicit = _subject(tmp_path, model, "1,0,1,100,.,12,61,0,.\n" + SAMPLES)
    first = _subject(tmp_path, model, "1,0,1,300,.,.,.,0,.\n" + before)
    assert [dose.time for dose in later.doses] == [0.0 + 24 * k for k in range(30)] + [720.0, 732.0]
    eta = np.array([0.3, -0.2, 0.1])
    predictions = predict_subject(model, later, eta)
    assert predictions[1:] == pytest.approx(predict_subject(model, explicit, eta), rel=1e-10)
    assert predictions[0] == pytest.approx(predict_subject(model, first, eta)[0], rel=1e-12)
    past = history(model, later, eta[None]).predict((), later.times[1:]).concentration()[0]
    assert past == pytest.approx(predictions[1:], rel=1e-10)


def test_ss2_adds_the_steady_state_to_the_earlier_doses(tmp_path):
    """SS=2 at 720 h on top of a 300 mg dose at 700 h is the 300 mg dose plus the sixty explicit doses (superposition),
    in the prediction, the OFV and the recommendation's history."""
    model = _model(tmp_path, None)
    added = _subject(tmp_path, model, "1,700,1,300,.,.,.,0,.\n1,720,1,100,.,12,1,2,.\n" + SAMPLES)
    explicit = _subject(tmp_path, model, "1,0,1,100,.,12,61,0,.\n1,700,1,300,.,.,.,0,.\n" + SAMPLES)
    reset = _subject(tmp_path, model, "1,700,1,300,.,.,.,0,.\n1,720,1,100,.,12,1,1,.\n" + SAMPLES)
    assert added.steady_states[0].added and len(added.doses) == 3
    eta = np.array([0.3, -0.2, 0.1])
    predictions = predict_subject(model, added, eta)
    assert predictions == pytest.approx(predict_subject(model, explicit, eta), rel=1e-10)
    assert np.all(predictions > predict_subject(model, reset, eta))  # SS=1 would forget the 300 mg dose
    assert objective(model, added, eta) == pytest.approx(objective(model, explicit, eta), rel=1e-10)
    past = history(model, added, np.vstack([eta, -eta])).predict((), added.times).concentration()
    assert past[1] == pytest.approx(predict_subject(model, explicit, -eta), rel=1e-10)


def test_ss_record_refused_with_michaelis_menten(tmp_path):
    model = _model(tmp_path, ["V = TVV * exp(ETA_V)", "VMAX = TVCL * exp(ETA_CL)", "KM = 2", "KA = TVKA * exp(ETA_KA)"],
                   {"compartments": 1, "absorption": "first-order", "elimination": "michaelis-menten"})
    with pytest.raises(PbpkInputError, match="Michaelis"):
        _subject(tmp_path, model, "1,0,1,100,.,12,0,1,.\n")
