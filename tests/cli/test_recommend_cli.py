"""``pbpk recommend``: MAP fit and ranked dose options for the TV3 vancomycin patient (posologyr, Goti 2018)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pbpk.cli import main

FOLDER = Path(__file__).resolve().parents[3] / "shared" / "validation" / "mipd"
DATA = FOLDER / "posologyr_vanco_patient02.csv"
pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason="the shared MIPD test vectors are not beside the project")
MODEL = "vancomycin-goti-2018"
OPTIONS = ["--target", "AUC24 400-600 mg*h/L", "--doses", "500-2500 by 250 mg", "--intervals", "12,24 h",
           "--infusion", "1 h"]


@pytest.fixture(scope="module")
def recommendation() -> dict:
    """The JSON of the TV3 vancomycin patient 02 (one ID: no --id needed)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["recommend", MODEL, "--data", str(DATA), *OPTIONS, "--toxicity", "trough > 20 mg/L",
                       "--json"])
    assert status == 0
    return json.loads(out.getvalue())


def test_top_option_meets_the_target_and_the_ranking_is_as_documented(recommendation):
    rows = recommendation["options"]
    assert len(rows) == 9 * 2 and recommendation["fit"]["converged"]
    assert rows[0]["met_at_map"] and 400 <= rows[0]["value"] <= 600
    assert all(0 <= row["pta"] <= 1 and 0 <= row["p_toxicity"] <= 1 for row in rows)
    # recommend.py: met at the MAP first, then PTA ↓, P(toxicity) ↑, daily dose ↑, option order
    keys = [(not row["met_at_map"], -row["pta"], row["p_toxicity"], row["daily_dose"], row["option"]) for row in rows]
    assert keys == sorted(keys)
    assert recommendation["units"] == {"dose": "mg", "interval": "h", "infusion": "h", "start": "h",
                                       "daily_dose": "mg/day", "value": "mg*h/L"}
    # TV3 (posologyr vs Monolix): the fit behind the recommendation is the published MAP
    assert recommendation["fit"]["eta"]["ETA_CL"] == pytest.approx(np.log(1.72 / (4.5 * (34 / 120) ** 0.8)),
                                                                   abs=1e-2)


def test_map_auc24_of_the_top_option_is_the_model_s(recommendation):
    from pbpk.mipd.modelfile import load_poppk
    from pbpk.mipd.recommend import Regimen
    from pbpk.mipd.records import read_records

    model = load_poppk(MODEL)
    subject = read_records(DATA, model)["1"]
    top = recommendation["options"][0]
    regimen = Regimen(top["dose"], top["interval"], top["count"], top["start"], top["infusion"], top["loading"])
    assert top["start"] == pytest.approx(22.2 + top["interval"]) and regimen.end - 24 >= regimen.start
    eta = np.array(list(recommendation["fit"]["eta"].values()))
    prediction = model.predict((*subject.doses, *regimen.doses()), [regimen.end - 24, regimen.end],
                               subject.covariates_at(float(subject.record_times[-1])), eta[None])
    auc = prediction.auc()[0]
    assert top["value"] == pytest.approx(auc[1] - auc[0], abs=1e-6)


def test_text_table_and_figure(capsys, tmp_path):
    plot = tmp_path / "recommend.png"
    assert main(["recommend", MODEL, "--data", str(DATA), *OPTIONS, "--top", "3", "--plot", str(plot)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "dose (mg)" in lines[2] and "PTA" in lines[2] and len(lines) == 3 + 3
    assert plot.stat().st_size > 20_000


@pytest.mark.parametrize(("change", "option"), [
    (["--target", "AUC 400 mg"], "--target"),
    (["--doses", "2500-500 by 250 mg"], "--doses"),
    (["--intervals", "12;24 h"], "--intervals"),
    (["--toxicity", "trough > 20 apples"], "--toxicity"),
    (["--draws", "10"], "--draws"),
])
def test_bad_options_exit_2_naming_the_option(capsys, change, option):
    args = dict(zip(OPTIONS[::2], OPTIONS[1::2], strict=True)) | dict(zip(change[::2], change[1::2], strict=True))
    assert main(["recommend", MODEL, "--data", str(DATA), *[x for pair in args.items() for x in pair]]) == 2
    assert capsys.readouterr().err.startswith(f"pbpk: error: {option}: ")


def test_several_ids_need_id(capsys, tmp_path):
    two = tmp_path / "two.csv"
    lines = DATA.read_text().splitlines()
    two.write_text("\n".join([*lines, *(line.replace("1,", "2,", 1) for line in lines[1:])]) + "\n")
    assert main(["recommend", MODEL, "--data", str(two), *OPTIONS]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pbpk: error: --id: ") and "1, 2" in err
    assert main(["recommend", MODEL, "--data", str(two), *OPTIONS, "--id", "3"]) == 2
    assert "--id: got '3'" in capsys.readouterr().err
    assert main(["recommend", MODEL, "--data", str(two), *OPTIONS, "--id", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "2"


# ---- --posterior and --prior-weight on a patient whose posterior is normal ----------------------------------------
#: One compartment with CL and V sharing one η (k = CL/V fixed) and an exponential error: log C = log C_typ − η for
#: every concentration, trough and AUC, so the posterior of η is exactly normal and the Laplace draws are exact.
LINEAR = {
    "format": "pbpk-poppk/1", "name": "normal-posterior", "drug": "x", "title": "log C linear in η",
    "source": {"type": "example", "reference": "made for this test"}, "structure": {"compartments": 1},
    "units": {"time": "h", "amount": "mg", "volume": "L"}, "analytes": {"parent": {"unit": "mg/L"}},
    "theta": {"TVCL": {"value": 4.0}, "TVV": {"value": 40.0}}, "omega": [{"eta": "ETA_V", "variance": 0.09}],
    "pk": ["CL = TVCL * exp(ETA_V)", "V = TVV * exp(ETA_V)"],
    "error": {"parent": {"model": "exponential", "sd": {"additive": 0.2}}},
}
OMEGA2, C2, K, DOSE = 0.09, 0.04, 0.1, 200.0
SAMPLES = ((2.0, 3.1), (11.9, 1.6))  # (h, mg/L) after 200 mg at 0 h
NORMAL_OPTIONS = ["--target", "AUC24 90-120 mg*h/L", "--doses", "150-350 by 25 mg", "--intervals", "12 h",
                  "--draws", "4000"]


@pytest.fixture(scope="module")
def normal_patient(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("normal")
    (folder / "model.json").write_text(json.dumps(LINEAR))
    rows = ["ID,TIME,DV,AMT,EVID", f"1,0,.,{DOSE:g},1", *(f"1,{t:g},{c:g},0,0" for t, c in SAMPLES)]
    (folder / "patient.csv").write_text("\n".join(rows) + "\n")
    return folder / "model.json", folder / "patient.csv"


def _normal_posterior(weight: float) -> tuple[float, float]:
    """η̂ and the posterior SD: log y = log(D/TVV) − kt − η + ε, so OFV = Σ(rᵢ + η)²/c² + w·η²/ω² with
    rᵢ = log yᵢ − log(D/TVV) + k·tᵢ, minimal at η̂ = −(Σrᵢ/c²)/(n/c² + w/ω²), precision n/c² + w/ω²."""
    residuals = [np.log(c) - np.log(DOSE / 40.0) + K * t for t, c in SAMPLES]
    precision = len(SAMPLES) / C2 + weight / OMEGA2
    return -sum(residuals) / C2 / precision, 1.0 / np.sqrt(precision)


def _json_of(capsys, argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_sir_pta_agrees_with_laplace_and_exact_pta_within_monte_carlo_error(capsys, normal_patient):
    """AUC24 = A·e^(−η) for every option (A its value at η = 0), so PTA = Φ((log(A/L) − η̂)/s) − Φ((log(A/H) − η̂)/s)
    exactly; each PTA over n draws has the binomial SE √(p(1 − p)/n)."""
    from scipy.stats import norm

    model, data = normal_patient
    argv = ["recommend", str(model), "--data", str(data), *NORMAL_OPTIONS, "--json"]
    laplace = _json_of(capsys, argv)
    sir = _json_of(capsys, [*argv, "--posterior", "sir"])  # the same seed: equal PTAs would mean the same draws
    assert (laplace["posterior"], sir["posterior"]) == ("laplace", "sir") and laplace["effective_sample_size"] is None
    assert sir["effective_sample_size"] > 4000 and sir["prior_weight"] == 1.0
    eta, sd = _normal_posterior(1.0)
    assert sir["fit"]["eta"]["ETA_V"] == pytest.approx(eta, abs=1e-4)
    exact = {}
    for row in laplace["options"]:
        typical = row["value"] * np.exp(eta)
        exact[row["option"]] = norm.cdf((np.log(typical / 90) - eta) / sd) - norm.cdf((np.log(typical / 120) - eta) / sd)
    assert 0.2 < max(exact.values()) < 0.95  # options near the target's edges: PTA between 0 and 1
    n = 4000
    drawn = {key: {row["option"]: row["pta"] for row in result["options"]} for key, result in
             (("laplace", laplace), ("sir", sir))}
    for option, p in exact.items():
        se = np.sqrt(max(p * (1 - p), 1 / n) / n)
        assert abs(drawn["laplace"][option] - p) < 4.5 * se and abs(drawn["sir"][option] - p) < 4.5 * se
    assert drawn["laplace"] != drawn["sir"]  # the SIR draws are used, not the Laplace ones of the same seed


def test_prior_weight_flattens_the_prior_of_the_fit(capsys, normal_patient):
    model, data = normal_patient
    argv = ["recommend", str(model), "--data", str(data), *NORMAL_OPTIONS, "--json"]
    plain, flat = _json_of(capsys, argv), _json_of(capsys, [*argv, "--prior-weight", "0.5"])
    assert flat["prior_weight"] == 0.5 and flat["posterior"] == "laplace"
    assert plain["fit"]["eta"]["ETA_V"] == pytest.approx(_normal_posterior(1.0)[0], abs=1e-4)
    assert flat["fit"]["eta"]["ETA_V"] == pytest.approx(_normal_posterior(0.5)[0], abs=1e-4)
    assert abs(flat["fit"]["eta"]["ETA_V"]) > abs(plain["fit"]["eta"]["ETA_V"]) + 0.005  # less shrinkage to 0


@pytest.mark.parametrize(("change", "option", "expected"), [
    (["--prior-weight", "0"], "--prior-weight", "0 < w <= 1"),
    (["--prior-weight", "1.5"], "--prior-weight", "0 < w <= 1"),
    (["--posterior", "sir", "--prior-weight", "0.5"], "--posterior", "Leave out --prior-weight"),
])
def test_posterior_options_are_checked_before_any_work(capsys, monkeypatch, change, option, expected):
    import pbpk.mipd.modelfile

    def forbidden(*args, **kwargs):
        raise AssertionError("the command started computing before checking its options")

    monkeypatch.setattr(pbpk.mipd.modelfile, "load_poppk", forbidden)
    assert main(["recommend", MODEL, "--data", "tdm.csv", *OPTIONS, *change]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pbpk: error: {option}: got ") and expected in err
