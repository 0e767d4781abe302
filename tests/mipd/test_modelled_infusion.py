"""Modelled infusion rate and duration (NONMEM's RATE −1 and −2 with Rn and Dn in $PK, Users Guide V and VI): the
records against the same doses with the individual duration written out, the MAP estimate of a duration, steady
state, and the exporters that can (NONMEM, mrgsolve) and cannot (Tucuxi, PKPDsim, Pmetrics) express them."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.export import export
from pbpk.mipd.map_estimation import estimate, predict_subject
from pbpk.mipd.modelfile import poppk_from_dict
from pbpk.mipd.mrgsolve import model_code
from pbpk.mipd.records import read_records
from pbpk.mipd.solve import Dose

TIMES = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 10.0, 16.0)


def _model(pk: list[str], structure: dict | None = None, omega: dict | None = None):
    theta = {"TVCL": 5.0, "TVV": 40.0, "TVD": 2.0, "TVR": 250.0, "TVKA": 1.2}
    data = {"format": "pbpk-poppk/1", "name": "modelled-infusion", "drug": "example", "title": "Fictional",
            "source": {"type": "example", "reference": "tests/mipd/test_modelled_infusion.py"},
            "structure": structure or {}, "units": {"time": "h", "amount": "mg", "volume": "L"},
            "analytes": {"parent": {"unit": "mg/L"}},
            "theta": {name: {"value": value} for name, value in theta.items() if name in " ".join(pk)},
            "omega": [{"eta": eta, "variance": v} for eta, v in (omega or {"ETA_CL": 0.09, "ETA_D": 0.25}).items()],
            "pk": pk, "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.1}}}}
    return poppk_from_dict(data, where="modelled-infusion")


IV = ["CL = TVCL * exp(ETA_CL)", "V = TVV", "D1 = TVD * exp(ETA_D)"]


def _read(tmp_path, model, text: str, header: str = "ID,TIME,AMT,RATE,DUR,EVID,CMT,SS,II,DV"):
    path = tmp_path / "data.csv"
    path.write_text(header + "\n" + text)
    return read_records(path, model)["1"]


def _samples(values=None) -> str:
    values = values if values is not None else [1.0] * len(TIMES)
    return "".join(f"1,{t},.,.,.,0,.,.,.,{float(v)!r}\n" for t, v in zip(TIMES, values, strict=True))


def test_modelled_duration_is_the_individual_d1(tmp_path):
    model = _model(IV)
    eta = np.array([0.1, 0.4])
    subject = _read(tmp_path, model, "1,0,500,-2,.,1,1,.,.,.\n" + _samples())
    assert subject.doses == (Dose(0.0, 500.0, "central", 0.0, "duration"),)
    d1 = float(2.0 * np.exp(0.4))
    explicit = _read(tmp_path, model, f"1,0,500,.,{d1!r},1,1,.,.,.\n" + _samples())
    assert predict_subject(model, subject, eta) == pytest.approx(predict_subject(model, explicit, eta), rel=1e-12)
    # the duration depends on η: another η_D moves the end of the infusion, hence the early samples
    assert predict_subject(model, subject, [0.1, -0.4])[0] > predict_subject(model, subject, eta)[0]


def test_modelled_rate_with_bioavailability_gives_f_amt_at_r1(tmp_path):
    """Zero-order input into the depot at R1: F·AMT at R1 lasts F·AMT/R1 (Users Guide VI)."""
    model = _model(["CL = TVCL * exp(ETA_CL)", "V = TVV", "KA = TVKA", "F = 0.6", "R1 = TVR * exp(ETA_D)"],
                   {"absorption": "first-order"})
    eta = np.array([-0.2, 0.3])
    subject = _read(tmp_path, model, "1,0,1000,-1,.,1,1,.,.,.\n" + _samples())
    duration = float(0.6 * 1000.0 / (250.0 * np.exp(0.3)))
    explicit = _read(tmp_path, model, f"1,0,1000,.,{duration!r},1,1,.,.,.\n" + _samples())
    assert predict_subject(model, subject, eta) == pytest.approx(predict_subject(model, explicit, eta), rel=1e-12)


def test_map_estimates_the_duration_from_the_samples(tmp_path):
    model = _model(IV)
    truth = np.array([0.15, -0.5])
    template = _read(tmp_path, model, "1,0,500,-2,.,1,1,.,.,.\n" + _samples())
    observed = predict_subject(model, template, truth)
    fit = estimate(model, _read(tmp_path, model, "1,0,500,-2,.,1,1,.,.,.\n" + _samples(observed)))
    assert fit.converged
    assert fit.eta == pytest.approx(truth, abs=0.03)
    assert fit.parameters["D1"] == pytest.approx(2.0 * np.exp(fit.eta[1]), rel=1e-12)


def test_steady_state_with_a_modelled_duration_is_sixty_explicit_doses(tmp_path):
    model = _model(IV)
    eta = np.array([0.1, 0.4])
    late = "".join(f"1,{720 + t},.,.,.,0,.,.,.,1.0\n" for t in TIMES)
    steady = _read(tmp_path, model, "1,720,500,-2,.,1,1,1,12,.\n" + late)
    explicit = _read(tmp_path, model, "1,0,500,-2,.,1,1,0,12,.,60\n"
                     + "".join(line + ",.\n" for line in late.splitlines()),
                     header="ID,TIME,AMT,RATE,DUR,EVID,CMT,SS,II,DV,ADDL")
    assert len(explicit.doses) == 61
    assert predict_subject(model, steady, eta) == pytest.approx(predict_subject(model, explicit, eta), rel=1e-9)


@pytest.mark.parametrize(("pk", "rate", "match"), [
    (["CL = TVCL * exp(ETA_CL)", "V = TVV * exp(ETA_D)"], "-2", "assigns D1"),
    (IV, "-1", "assigns R1"),
    (IV, "-3", "−1 \\(modelled rate\\) or −2"),
])
def test_modelled_rate_refusals_name_the_record(tmp_path, pk, rate, match):
    model = _model(pk)
    with pytest.raises(PbpkInputError, match=match) as error:
        _read(tmp_path, model, f"1,0,500,{rate},.,1,1,.,.,.\n" + _samples())
    assert (error.value.where, error.value.field) == (f"{tmp_path / 'data.csv'}:2", "RATE")


def test_exporters_write_or_refuse_a_modelled_duration(tmp_path):
    model = _model(IV)
    assert "D_CENTRAL = D1;" in model_code(model)
    export(model, "nonmem", tmp_path / "model.ctl")
    assert "D1 = " in (tmp_path / "model.ctl").read_text()
    for format, suffix in (("tucuxi", ".tdd"), ("pkpdsim", ".json5"), ("pmetrics", ".csv")):
        with pytest.raises(PbpkInputError, match="modelled infusion duration or rate \\(D1\\)") as error:
            export(model, format, tmp_path / f"model{suffix}")
        assert error.value.field == "format"
        assert not (tmp_path / f"model{suffix}").exists()
