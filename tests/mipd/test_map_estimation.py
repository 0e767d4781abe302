"""MAP estimation against the MIPD test vectors (``shared/validation/mipd/README.md``), and the records reader.

TV1: mapbayr example 001, NONMEM POSTHOC η (.phi) and mapbayr's OFV; TV2: PKPDmap run1, NONMEM EBE
CL and V (< 0.5 %, PKPDmap's tolerance) and its M3 variant; TV3: posologyr/Monolix tobramycin and
vancomycin (Goti 2018); TV4: posologyr/NONMEM with time-varying covariates (NOCB); TV5: mapbayr's
M3 example. Tolerances are the README's.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.map_estimation import estimate, objective
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.records import read_records
from pbpk.mipd.solve import Dose

DATA = Path(__file__).parents[3] / "shared" / "validation" / "mipd"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"the MIPD test vectors are not at {DATA}")


def _subjects(file: str, model: str, **options):
    population = load_poppk(model)
    return population, read_records(DATA / file, population, **options)


@needs_data
def test_tv1_ofv_at_the_nonmem_eta_matches_mapbayr():
    model, subjects = _subjects("mapbayr_ex001_data.csv", "examplinib-mapbayr-2021")
    ofv = objective(model, subjects["1"], np.array([0.4050570108, 0.0728502921, -0.0749533944]))
    assert ofv == pytest.approx(22.29351276, abs=1e-6)


@needs_data
def test_tv1_eta_of_every_id_matches_nonmem_posthoc():
    model, subjects = _subjects("mapbayr_ex001_data.csv", "examplinib-mapbayr-2021")
    lines = (DATA / "mapbayr_ex001_nonmem_run001.phi").read_text().splitlines()[2:]
    rows = {row[1]: np.array(row[2:11], dtype=float) for row in (line.split() for line in lines)}
    assert len(rows) == len(subjects) == 8
    for key, row in rows.items():
        fit = estimate(model, subjects[key])
        assert fit.converged
        np.testing.assert_allclose(fit.eta, row[:3], atol=1e-5, err_msg=f"ID {key}")
        # NONMEM's ETC is its first-order approximation of the conditional covariance, not the
        # exact Hessian of the Laplace covariance: they agree to ~20 % of the SDs' product.
        etc = row[[3, 4, 6, 4, 5, 7, 6, 7, 8]].reshape(3, 3)
        scale = np.sqrt(np.outer(np.diag(etc), np.diag(etc)))
        assert np.max(np.abs(fit.covariance - etc) / scale) < 0.25, key
        assert np.all(np.linalg.eigvalsh(fit.covariance) > 0)


@needs_data
def test_tv2_ebe_of_ids_1_to_20_within_half_a_percent_of_nonmem():
    model, subjects = _subjects("pkpdmap_run1_data.csv", "example-pkpdmap-run1", rename={"AMT_mg": "AMT"})
    with (DATA / "pkpdmap_run1_nonmem_ebe.csv").open() as handle:
        expected = {row["ID"]: row for row in csv.DictReader(handle)}
    for key in map(str, range(1, 21)):
        fit = estimate(model, subjects[key])
        assert fit.parameters["CL"] == pytest.approx(float(expected[key]["CL_nonmem_ebe"]), rel=5e-3), key
        assert fit.parameters["V"] == pytest.approx(float(expected[key]["V_nonmem_ebe"]), rel=5e-3), key


@needs_data
def test_tv2_m3_variant_with_lloq_500():
    model, subjects = _subjects("pkpdmap_run1_data.csv", "example-pkpdmap-run1", rename={"AMT_mg": "AMT"},
                                lloq=500.0)
    subject = subjects["1"]
    assert subject.censored.sum() == 3
    fit = estimate(model, subject)
    assert fit.parameters["CL"] == pytest.approx(7.469, rel=1e-4)  # PKPDmap, rounded
    assert fit.parameters["V"] == pytest.approx(92.382, rel=1e-4)
    assert (fit.parameters["CL"], fit.parameters["V"]) == pytest.approx((7.4687, 92.3808), abs=1e-4)  # verified


@needs_data
def test_tv3_tobramycin_posologyr():
    model, subjects = _subjects("posologyr_tobra_patient01.csv", "tobramycin-posologyr-example")
    fit = estimate(model, subjects["1"])
    assert fit.parameters["KE"] == pytest.approx(0.1258, abs=1e-3)
    assert fit.parameters["V1"] == pytest.approx(18.21, abs=1e-2)
    np.testing.assert_allclose(fit.eta, [-0.6828811, -0.0663349], atol=1e-3)  # posologyr's own MAP


@needs_data
def test_tv3_vancomycin_goti_posologyr():
    model, subjects = _subjects("posologyr_vanco_patient02.csv", "vancomycin-goti-2018")
    fit = estimate(model, subjects["1"])
    for name, value in (("CL", 1.72), ("V1", 59.8), ("V2", 41.6)):
        assert fit.parameters[name] == pytest.approx(value, rel=1e-2), name


@needs_data
def test_tv4_time_varying_covariates_carried_backward():
    model, subjects = _subjects("posologyr_run302_timevarying_cov.csv", "example-posologyr-run302")
    subject = subjects["1"]
    assert subject.time_varying and subject.covariates_at(1.0) == {"BW": 113.0, "SEX": 0.0}  # NOCB
    fit = estimate(model, subject)
    np.testing.assert_allclose(fit.eta, [0.398846, 0.076220, 0.0], atol=1e-5)
    assert fit.parameters["CL"].shape == subject.record_times.shape


@needs_data
def test_tv5_mapbayr_m3_blq():
    model, subjects = _subjects("mapbayr_blq_pchelle.csv", "example-mapbayr-blq")
    assert subjects["1"].censored.tolist() == [False, False, False, True]
    assert not subjects["2"].censored.any()
    for key, eta in (("1", [-0.0427451, -0.122636]), ("2", [-0.0706898, -0.113914])):
        np.testing.assert_allclose(estimate(model, subjects[key]).eta, eta, atol=1e-4, err_msg=f"ID {key}")


# ---- the records reader ------------------------------------------------------------------------

ORAL = "examplinib-mapbayr-2021"


def _read(tmp_path: Path, text: str, model: str = ORAL, **options):
    path = tmp_path / "data.csv"
    path.write_text(text)
    return read_records(path, load_poppk(model), **options)


def test_reader_expands_addl_and_maps_compartments(tmp_path):
    subject = _read(tmp_path, "ID,TIME,EVID,AMT,CMT,II,ADDL,DV\n1,0,0,0,2,0,0,3\n1,1,1,100,1,12,2,.\n"
                              "1,2,0,0,2,0,0,5.5\n1,3,1,50,2,0,0,.\n")["1"]
    assert subject.doses == (Dose(1, 100, "depot"), Dose(3, 50, "central"), Dose(13, 100, "depot"),
                             Dose(25, 100, "depot"))
    assert subject.times.tolist() == [0, 2] and subject.observations.tolist() == [3, 5.5]  # sample before a dose


def test_reader_infusion_rate_and_iv_numbering(tmp_path):
    subject = _read(tmp_path, "ID,TIME,EVID,AMT,RATE,CMT,DV\n7,0,1,100,50,1,.\n7,4,0,0,0,1,2\n",
                    model="example-mapbayr-blq")["7"]
    assert subject.doses == (Dose(0, 100, "central", 2.0),)


@pytest.mark.parametrize(("text", "where", "field"), [
    ("ID,TIME,AMT,DV\n1,0,100,.\n1,-1,0,3\n", ":3", "TIME"),
    ("ID,TIME,AMT,DV\n1,2,100,.\n1,1,0,3\n", ":3", "TIME"),
    ("ID,TIME,AMT,CMT,DV\n1,0,100,5,.\n", ":2", "CMT"),
    ("ID,TIME,AMT,CMT,DV\n1,0,100,1,.\n1,1,0,1,4\n", ":3", "CMT"),  # a sample in the depot
    ("ID,AMT,DV\n1,100,.\n", ":1", "TIME"),
    ("ID,TIME,AMT,DV\n1,0,100,.\n1,1,0,high\n", ":3", "DV"),
    ("ID,TIME,AMT,SS,II,DV\n1,0,100,4,12,.\n", ":2", "SS"),  # SS=4 (SS=1, 2, 3: test_steady_state.py)
    ("ID,TIME,AMT,EVID,DV\n1,0,100,5,.\n", ":2", "EVID"),
    ("ID,TIME,AMT,DV\n1,0,100,.\n2,0,100,.\n1,1,0,3\n", ":4", "ID"),
    ("ID,TIME,AMT,DV,BLQ\n1,0,100,.,0\n1,1,0,.,1\n", ":3", "LLOQ"),
])
def test_reader_errors_name_the_row_and_column(tmp_path, text, where, field):
    with pytest.raises(PbpkInputError) as error:
        _read(tmp_path, text)
    assert error.value.where.endswith(where) and error.value.field == field


def test_reader_requires_the_model_covariates(tmp_path):
    with pytest.raises(PbpkInputError, match="BW"):
        _read(tmp_path, "ID,TIME,AMT,DV,SEX\n1,0,100,.,0\n", model="example-posologyr-run302")
