"""The comparison at the reference patient against closed forms of published models, and the assessment of a
prior derived from a known model (its NPDE and VPC must pass)."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.mipd.assessment import assess, compare
from pbpk.mipd.covariate_model import CovariateData
from pbpk.mipd.individual_fits import Design
from pbpk.mipd.modelfile import load_poppk, poppk_from_dict
from pbpk.mipd.priors import AssayError, derive_prior
from pbpk.mipd.solve import repeated_doses


def test_comparison_of_goti_and_an_at_the_reference_patient():
    table = compare([load_poppk("vancomycin-goti-2018"), load_poppk("cefepime-an-2023")]).set_index("model")
    goti, an = table.loc["vancomycin-goti-2018"], table.loc["cefepime-an-2023"]
    # Goti 2018: CL = 4.5·(CrCL/120)^0.8, V1 = 58.4·WT/70, V2 = 38.4; ω²(CL) = 0.147, ω²(V1) = 0.510
    assert goti["CL [L/h]"] == pytest.approx(4.5 * (100 / 120) ** 0.8, rel=1e-12)
    assert goti["CL elasticity to CrCL"] == pytest.approx(0.8, rel=1e-4)
    assert goti["Vss [L]"] == pytest.approx(58.4 + 38.4, rel=1e-12)
    assert goti["IIV CL (SD ln)"] == pytest.approx(np.sqrt(0.147), rel=0.03)
    assert goti["IIV V1 (SD ln)"] == pytest.approx(np.sqrt(0.510), rel=0.03)
    # An 2023: CL = CLR·CrCL/54 + CLNR, linear: elasticity = renal share of CL; V1 = 13.4·WT/90
    renal = 2.0 * 100 / 54
    assert an["CL [L/h]"] == pytest.approx(renal + 0.526, rel=1e-12)
    assert an["CL elasticity to CrCL"] == pytest.approx(renal / (renal + 0.526), rel=1e-4)
    assert an["V1 [L]"] == pytest.approx(13.4 * 70 / 90, rel=1e-12)


KNOWN = {
    "format": "pbpk-poppk/1", "name": "known", "drug": "x", "title": "known model",
    "source": {"type": "example", "reference": "made for this test"},
    "structure": {"compartments": 1}, "units": {"time": "h", "amount": "mg", "volume": "L"},
    "analytes": {"parent": {"unit": "mg/L"}}, "covariates": {"GFR": {"unit": "mL/min"}},
    "theta": {"TVCL": {"value": 5.0}, "TVV": {"value": 40.0}},
    "omega": [{"eta": "ETA_CL", "variance": 0.09}, {"eta": "ETA_V", "variance": 0.04}],
    "pk": ["CL = TVCL * (GFR / 100) ** 0.7 * exp(ETA_CL)", "V = TVV * exp(ETA_V)"],
    "error": {"parent": {"model": "proportional", "sd": {"proportional": 0.1}}},
}


def test_assessment_of_a_prior_from_a_known_population_passes():
    truth = poppk_from_dict(KNOWN, where="test")
    rng = np.random.default_rng(5)
    gfr = rng.uniform(40, 160, 200)
    design = Design(repeated_doses(1000.0, 12.0, 2, duration=1.0), np.linspace(0.0, 36.0, 73))
    profiles = truth.predict(design.doses, design.times, {"GFR": gfr}, truth.sample_eta(200, rng),
                             at_dose_time="after").concentration()
    derived = derive_prior(profiles, design, [CovariateData("GFR", gfr, "mL/min", "GFR", 100)], name="d", drug="x",
                           title="t", compartments=1, assay=AssayError(0.1, 0.2))
    result = assess(derived, replicates=300, vpc_replicates=50, published=[truth])
    tests = result.npde.tests()
    assert abs(tests["mean"]) < 0.1 and abs(tests["variance"] - 1) < 0.15
    assert np.all(result.vpc.outside() <= 0.35)
    rows = result.comparison.set_index("model")
    assert rows.loc["d", "CL [L/h]"] == pytest.approx(rows.loc["known", "CL [L/h]"], rel=0.05)
    assert rows.loc["d", "CL elasticity to CrCL"] == pytest.approx(0.7, abs=0.05)
    assert "NPDE under the prior of the virtual subjects the prior was derived from" in result.text()
    assert result.to_dict()["npde"]["n"] == tests["n"]
