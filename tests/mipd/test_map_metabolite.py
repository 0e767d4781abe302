"""MAP estimation from parent and metabolite samples (``pbpk.mipd.map_estimation``): each sample of its own analyte
(CMT of the metabolite compartment in the records), with that analyte's residual error and unit."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate, objective, predict_subject
from pbpk.mipd.modelfile import poppk_from_dict
from pbpk.mipd.records import read_records
from pbpk.mipd.solve import Dose, solve

OMEGA = {"ETA_CL": 0.09, "ETA_CLM": 0.16}
#: Sampling times (h) after 200 mg oral at 0; the parent in mg/L (CMT 2), the metabolite in µg/L (CMT 3).
TIMES = (1.0, 2.0, 4.0, 8.0, 12.0, 24.0)


@pytest.fixture(scope="module")
def model():
    """A fictional oral parent (1 compartment) forming 60 % of its clearance as a metabolite (mass ratio 0.9)."""
    data = {"format": "pbpk-poppk/1", "name": "parent-metabolite", "drug": "example", "title": "Fictional",
            "source": {"type": "example", "reference": "tests/mipd/test_map_metabolite.py"},
            "structure": {"absorption": "first-order", "metabolite": {"mass_ratio": 0.9}},
            "units": {"time": "h", "amount": "mg", "volume": "L"},
            "analytes": {"parent": {"unit": "mg/L"}, "metabolite": {"unit": "ug/L"}},
            "theta": {name: {"value": value} for name, value in
                      {"TVCL": 6.0, "TVV": 50.0, "TVKA": 1.0, "TVCLM": 3.0, "TVVM": 30.0}.items()},
            "omega": [{"eta": eta, "variance": variance} for eta, variance in OMEGA.items()],
            "pk": ["CL = TVCL * exp(ETA_CL)", "V = TVV", "KA = TVKA", "CLM = TVCLM * exp(ETA_CLM)", "VM = TVVM",
                   "FM = 0.6"],
            "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.1}},
                      "metabolite": {"model": "additive", "sd": {"additive": 20.0}}}}
    return poppk_from_dict(data, where="parent-metabolite")


def _true(model, eta):
    prediction = model.predict([Dose(0.0, 200.0, "depot")], TIMES, {}, np.atleast_2d(eta))
    return prediction.concentration("parent")[0], prediction.concentration("metabolite")[0]


def _subject(tmp_path, model, eta, *, metabolite=True):
    parent, formed = _true(model, eta)
    lines = ["ID,TIME,AMT,EVID,CMT,DV", "1,0,200,1,1,."]
    for t, c_parent, c_metabolite in zip(TIMES, parent, formed, strict=True):
        lines.append(f"1,{t},.,0,2,{float(c_parent)!r}")
        if metabolite:
            lines.append(f"1,{t},.,0,3,{float(c_metabolite)!r}")
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    return read_records(path, model)["1"]


def test_metabolite_samples_are_predicted_in_their_own_unit(tmp_path, model):
    eta = np.array([0.2, -0.3])
    subject = _subject(tmp_path, model, eta)
    assert subject.analytes.tolist() == ["parent", "metabolite"] * len(TIMES)
    parent, formed = _true(model, eta)
    predictions = predict_subject(model, subject, eta)
    assert predictions[::2] == pytest.approx(parent, rel=1e-12)
    assert predictions[1::2] == pytest.approx(formed, rel=1e-12)
    structural = model.structural(model.parameters({}, eta[None]))
    in_mg_per_l = solve(model.structure, structural, [Dose(0.0, 200.0, "depot")], TIMES).concentrations["metabolite"]
    assert formed == pytest.approx(1000.0 * in_mg_per_l[0], rel=1e-12)  # µg/L: the unit conversion is applied


def test_objective_sums_each_analytes_likelihood(tmp_path, model):
    truth, eta = np.array([0.2, -0.3]), np.array([0.05, 0.1])
    subject = _subject(tmp_path, model, truth)
    f = predict_subject(model, subject, eta)
    y = subject.observations
    g_parent, g_metabolite = 0.1 * f[::2], np.full(len(TIMES), 20.0)
    by_hand = (np.sum(np.log(g_parent**2) + ((y[::2] - f[::2]) / g_parent) ** 2)
               + np.sum(np.log(g_metabolite**2) + ((y[1::2] - f[1::2]) / g_metabolite) ** 2)
               + eta[0] ** 2 / OMEGA["ETA_CL"] + eta[1] ** 2 / OMEGA["ETA_CLM"])
    assert objective(model, subject, eta) == pytest.approx(by_hand, rel=1e-12)


def test_metabolite_samples_identify_the_metabolite_clearance(tmp_path, model):
    truth = np.array([0.2, -0.3])
    both = estimate(model, _subject(tmp_path, model, truth))
    parent_only = estimate(model, _subject(tmp_path, model, truth, metabolite=False))
    assert both.converged and parent_only.converged
    # without metabolite samples η_CLM stays at its prior (0, SD 0.4); with them it is recovered
    assert parent_only.eta[1] == pytest.approx(0.0, abs=1e-3)
    assert np.sqrt(parent_only.covariance[1, 1]) == pytest.approx(0.4, rel=1e-2)
    assert both.eta == pytest.approx(truth, abs=0.03)
    assert np.sqrt(both.covariance[1, 1]) < 0.2


def test_a_sample_in_the_depot_is_refused(tmp_path, model):
    path = tmp_path / "data.csv"
    path.write_text("ID,TIME,AMT,EVID,CMT,DV\n1,0,200,1,1,.\n1,2,.,0,1,3.0\n")
    with pytest.raises(PbpkInputError) as error:
        read_records(path, model)
    assert (error.value.where, error.value.field, error.value.found) == (f"{path}:3", "CMT", 1.0)
    assert "2 (central), 3 (metabolite)" in str(error.value)


def test_fit_figure_has_a_panel_per_analyte(tmp_path, model):
    from pbpk.mipd.fit_figure import plot_fits
    from pbpk.mipd.posterior import laplace_posterior

    subject = _subject(tmp_path, model, np.array([0.2, -0.3]))
    fit = estimate(model, subject)
    figure = plot_fits(model, [subject], [laplace_posterior(fit, 50)], str(tmp_path / "fit.png"))
    titles = [axis.get_title() for axis in figure.axes if axis.get_visible()]
    assert titles == [f"ID 1 (parent): OFV {fit.ofv:.2f}", f"ID 1 (metabolite): OFV {fit.ofv:.2f}"]
    assert [axis.get_ylabel() for axis in figure.axes[:2]] == ["concentration [mg/L]", "concentration [ug/L]"]


def test_a_yaml_record_with_metabolite_samples_is_the_csv_record(tmp_path, model):
    from pbpk.mipd.patient_record import read_patient

    truth = np.array([0.2, -0.3])
    csv = _subject(tmp_path, model, truth)
    lines = ["id: 1", "doses:", "  - {time: 0 h, amount: 200 mg, route: oral}", "samples:"]
    for t, value, analyte in zip(csv.times, csv.observations, csv.analytes, strict=True):
        unit = "mg/L" if analyte == "parent" else "ng/mL"  # µg/L written as ng/mL: converted
        lines.append(f"  - {{time: {t * 60:g} min, concentration: {float(value)!r} {unit}, analyte: {analyte}}}")
    path = tmp_path / "patient.yaml"
    path.write_text("\n".join(lines) + "\n")
    record = read_patient(path, model)
    assert record.analytes.tolist() == csv.analytes.tolist()
    np.testing.assert_allclose(record.observations, csv.observations, rtol=1e-12)
    assert estimate(model, record).eta == pytest.approx(estimate(model, csv).eta, abs=1e-8)
    path.write_text(path.read_text().replace("analyte: metabolite", "analyte: glucuronide", 1))
    with pytest.raises(PbpkInputError) as error:
        read_patient(path, model)
    assert error.value.field == "samples[1].analyte"
