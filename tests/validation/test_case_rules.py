"""Case-file rules: the honesty rules, the schema, observed profiles and the fold statistics."""

from __future__ import annotations

import math
import re

import pytest
import yaml

from pbpk.cli import main
from pbpk.core.errors import PbpkInputError
from pbpk.qualification.case_run import CaseResult, run_case, summarise
from pbpk.qualification.cases import load_case


def case_dict(**changes) -> dict:
    """A fluconazole IV test case (Ripa 1993) to modify."""
    case = {
        "id": "example",
        "title": "Fluconazole 400 mg infusion over 30 min",
        "compound": "fluconazole",
        "study": {"reference": "Ripa S et al. Int J Clin Pharmacol Res 1993", "key": "Ripa 1993",
                  "source": "OSP observed-data database, ID 1373"},
        "population": {"description": "healthy volunteers", "N": 12, "female_fraction": 0.5, "weight": "70 kg"},
        "regimen": [{"dose": "400 mg", "route": "infusion", "duration": "30 min"}],
        "observed": {"AUC": {"value": 300, "unit": "ug*h/mL", "statistic": "arithmetic mean", "interval": "inf"}},
        "fitted_parameters": [],
    }
    case.update(changes)
    return case


def write(tmp_path, case: dict, name: str = "example"):
    case = {**case, "id": name}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(case, sort_keys=False), encoding="utf-8")
    return path


def test_training_study_must_declare_its_fitted_values(tmp_path):
    """Shiba 1990 was used to fit fluconazole's clearances: a case from it that lists nothing is refused."""
    shiba = case_dict(study={"reference": "Shiba K et al. Clin Ther 1990;12:206", "key": "Shiba 1990",
                             "source": "OSP observed-data database, ID 1374"})
    with pytest.raises(PbpkInputError) as error:
        run_case(load_case(write(tmp_path, shiba)))
    message = str(error.value)
    assert "fitted_parameters" in message and "clearance.renal" in message and "honesty" in message


def test_test_study_cannot_claim_fitted_values(tmp_path):
    claimed = case_dict(fitted_parameters=["clearance.renal"])
    with pytest.raises(PbpkInputError, match="fitted_parameters"):
        run_case(load_case(write(tmp_path, claimed)))


def test_declared_training_case_is_reported_as_training(tmp_path):
    shiba = case_dict(study={"reference": "Shiba K et al. Clin Ther 1990;12:206", "key": "Shiba 1990",
                             "source": "OSP observed-data database, ID 1374"},
                      fitted_parameters=["clearance.hepatic[0] (UGT2B7)", "clearance.renal"])
    result = run_case(load_case(write(tmp_path, shiba)))
    assert result.role == "training"
    assert summarise([result], "test") == {}
    assert summarise([result], "training")["AUC"]["n_cases"] == 1


@pytest.mark.parametrize("override", [{"fu_plasma": 0.5}, {"compound_overrides": {"logP": 1}},
                                      {"clearance": {"renal": {"gfr_fraction": 1}}}])
def test_a_case_cannot_override_compound_values(tmp_path, override):
    with pytest.raises(PbpkInputError, match="cannot change compound"):
        load_case(write(tmp_path, case_dict(**override)))


def test_overrides_inside_blocks_are_refused_too(tmp_path):
    population = {"description": "adults", "female_fraction": 0, "fu_plasma": 0.2}
    with pytest.raises(PbpkInputError, match="fu_plasma"):
        load_case(write(tmp_path, case_dict(population=population)))


def test_bolus_cmax_is_refused_with_the_reason(tmp_path):
    bolus = case_dict(regimen=[{"dose": "400 mg", "route": "iv"}],
                      observed={"Cmax": {"value": 20, "unit": "ug/mL", "statistic": "arithmetic mean"}})
    with pytest.raises(PbpkInputError, match="first sampling time"):
        load_case(write(tmp_path, bolus))


@pytest.mark.parametrize("field, value, expected", [
    ("observed", {"AUC": {"value": 300, "unit": "ug/mL", "statistic": "arithmetic mean", "interval": "inf"}},
     "mg\\*h/L"),
    ("observed", {"AUC": {"value": 300, "unit": "ug*h/mL", "statistic": "mean", "interval": "inf"}},
     "geometric mean"),
    ("observed", {"AUC": {"value": 300, "unit": "ug*h/mL", "statistic": "arithmetic mean",
                          "interval": [0, float("inf")]}}, "finite hours"),
    ("observed", {"AUCR": {"value": 2, "statistic": "geometric mean"}}, "metric name"),
    ("expected_within", {"AUC": 0.5}, "fold ≥ 1"),
    ("expected_within", {"Cmax": 2}, "observed in this case"),
    ("population", {"description": "adults", "female_fraction": 1.5}, "female_fraction"),
    ("profile", {"file": "x.csv", "unit": "h", "statistic": "median"}, "concentration unit"),
    ("profile", {"file": "missing.csv", "unit": "ng/mL", "statistic": "median"}, "does not exist"),
])
def test_bad_fields_name_file_field_value_and_expectation(tmp_path, field, value, expected):
    with pytest.raises(PbpkInputError) as error:
        load_case(write(tmp_path, case_dict(**{field: value})))
    message = str(error.value)
    assert "example.yaml" in message and re.search(expected, message)


def test_id_must_match_the_file_name(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(yaml.safe_dump(case_dict()), encoding="utf-8")
    with pytest.raises(PbpkInputError, match="file name"):
        load_case(path)


def test_observed_profile_csv_is_read_and_drawn(tmp_path):
    (tmp_path / "ripa.csv").write_text("# hypothetical points for the reader test\ntime,concentration,spread\n"
                                       "0.5,8.1,1.0\n2,7.0,0.8\n24,4.1,0.6\n72,1.2,0.3\n", encoding="utf-8")
    path = write(tmp_path, case_dict(profile={"file": "ripa.csv", "unit": "ug/mL", "statistic": "arithmetic mean"}))
    case = load_case(path)
    assert case.profile.times.tolist() == [0.5, 2, 24, 72]
    assert case.profile.spread.tolist() == [1.0, 0.8, 0.6, 0.3]
    status = main(["validate", "--cases", str(path), "--report", str(tmp_path / "report")])
    assert status == 0
    assert (tmp_path / "report" / "figures" / "cases" / "example.png").stat().st_size > 5_000


def test_profile_with_bad_rows_names_the_line(tmp_path):
    (tmp_path / "bad.csv").write_text("time,concentration\n0.5,8.1\n2,-7\n", encoding="utf-8")
    path = write(tmp_path, case_dict(profile={"file": "bad.csv", "unit": "ug/mL", "statistic": "median"}))
    with pytest.raises(PbpkInputError, match="bad.csv:3"):
        load_case(path)


def test_regression_outside_the_expected_band_fails_the_command(tmp_path, capsys):
    """An observation 3× away from the prediction, expected within 2-fold: exit status 1 and a message."""
    result = run_case(load_case(write(tmp_path, case_dict(), "probe")))
    far = result.predicted["AUC"] * 3  # mg·h/L
    case = case_dict(observed={"AUC": {"value": far, "unit": "mg*h/L", "statistic": "arithmetic mean",
                                       "interval": "inf"}}, expected_within={"AUC": 2})
    status = main(["validate", "--cases", str(write(tmp_path, case, "drifted"))])
    assert status == 1
    assert "drifted: AUC: predicted/observed 0.33, expected within 2-fold" in capsys.readouterr().err


def _result(ratios: dict[str, float], role: str = "test") -> CaseResult:
    from types import SimpleNamespace

    case = SimpleNamespace(expected_within={}, id="x")
    return CaseResult(case, role, predicted=dict(ratios), observed={m: 1.0 for m in ratios},
                      units={m: "" for m in ratios}, simulations=(), weights=())


def test_gmfe_and_fold_fractions_by_hand():
    """Ratios 2, 0.5, 1, 1.2: GMFE = 10^mean|log10 r| = (2·2·1·1.2)^(1/4); within 2-fold 4/4, 1.25-fold 2/4."""
    results = [_result({"AUC": r}) for r in (2.0, 0.5, 1.0, 1.2)] + [_result({"AUC": 10.0}, "training")]
    summary = summarise(results)["AUC"]
    assert summary["n_cases"] == 4
    assert summary["gmfe"] == pytest.approx((2 * 2 * 1 * 1.2) ** 0.25)
    assert summary["within_2fold"] == 1.0 and summary["within_1_5fold"] == 0.5
    assert summary["within_1_25fold"] == 0.5
    assert math.isclose(summarise(results, "training")["AUC"]["gmfe"], 10.0)


def test_per_kg_metrics_compare_per_kg_and_plot_absolute():
    """Chen 2006: midazolam CL 7.6 mL/min/kg in men of 76.3 kg → 34.8 L/h on the overview axes."""
    result = run_case(load_case("midazolam-iv-chen-2006-2013"))
    assert result.units["CL"] == "L/h/kg"
    assert result.observed["CL"] == pytest.approx(7.6 * 0.06)
    observed, predicted = result.absolute("CL")
    assert observed == pytest.approx(7.6 * 0.06 * 76.3, rel=1e-6)
    assert predicted / observed == pytest.approx(result.ratios["CL"])


def test_summaries_split_adults_and_children(tmp_path):
    child_case = case_dict(population={"description": "children", "female_fraction": 0.5, "age": "5 year"},
                           regimen=[{"dose": "6 mg/kg", "route": "infusion", "duration": "30 min"}])
    results = [run_case(load_case(write(tmp_path, case_dict(), "adult"))),
               run_case(load_case(write(tmp_path, child_case, "child")))]
    assert [r.population_group for r in results] == ["adult", "pediatric"]
    assert results[1].simulations[0].individual.body_weight.to("kg").magnitude == pytest.approx(19)
    assert summarise(results, group="pediatric")["AUC"]["n_cases"] == 1
    assert summarise(results, group="adult")["AUC"]["n_cases"] == 1
    assert summarise(results)["AUC"]["n_cases"] == 2


@pytest.mark.parametrize("observed, limit", [(1.0, 1.0), (2.0, 1.5), (5.0, 1.8), (0.5, 1.5), (0.2, 1.8)])
def test_guest_limits(observed, limit):
    """Guest et al. 2011 with δ = 1: (1 + 2(R − 1))/R, R inverted below 1; approaches 2 for large ratios."""
    from pbpk.qualification.comparison import guest_limit

    assert guest_limit(observed) == pytest.approx(limit)
    assert guest_limit(100.0) < 2.0


def test_ratio_metrics_need_a_reference_population(tmp_path):
    ratio = case_dict(observed={"CL_ratio": {"value": 0.5, "statistic": "arithmetic mean"}})
    with pytest.raises(PbpkInputError, match="reference_population"):
        load_case(write(tmp_path, ratio))
    stray = case_dict(reference_population={"description": "x", "female_fraction": 0.5})
    with pytest.raises(PbpkInputError, match="ratio metrics"):
        load_case(write(tmp_path, stray))


def test_pregnancy_ratio_case_compares_two_simulated_populations(tmp_path):
    case = case_dict(population={"description": "pregnant", "female_fraction": 1, "gestational_week": 30},
                     reference_population={"description": "postpartum", "female_fraction": 1},
                     observed={"CL_ratio": {"value": 1.0, "statistic": "arithmetic mean"}})
    result = run_case(load_case(write(tmp_path, case)))
    pregnant_cl = result.simulations[0].nca().CL
    reference_cl = result.reference_simulations[0].nca().CL
    assert result.predicted["CL_ratio"] == pytest.approx(pregnant_cl / reference_cl)
    assert result.population_group == "pregnancy"
    summary = summarise([result])["CL_ratio"]
    assert summary["within_guest"] in (0.0, 1.0)


def test_pregnant_population_must_be_female(tmp_path):
    case = case_dict(population={"description": "x", "female_fraction": 0.5, "gestational_week": 30},
                     reference_population={"description": "y", "female_fraction": 1},
                     observed={"CL_ratio": {"value": 1.0, "statistic": "arithmetic mean"}})
    with pytest.raises(PbpkInputError, match="pregnant"):
        load_case(write(tmp_path, case))


@pytest.mark.parametrize(("population", "message"), [
    ({"age": "6 year", "crcl": "30 mL/min"}, "no renal or hepatic impairment in a pediatric population"),
    ({"gestational_week": 30, "female_fraction": 1, "child_pugh": "B"}, "in a pregnancy population"),
    ({"gestational_week": 30, "female_fraction": 1, "height": "160 cm"}, "no height for a pregnant population"),
    ({"dialysis": True}, "a renal function"),
    ({"crcl": "30 mL/min", "egfr": "30 mL/min"}, "one renal-function measure"),
])
def test_impairment_and_body_fields_are_checked_when_the_case_is_read(tmp_path, population, message):
    """Refused on loading, with the file and line, before anything is simulated."""
    block = {"description": "x", "female_fraction": 0.5, **population}
    with pytest.raises(PbpkInputError, match=message) as error:
        load_case(write(tmp_path, case_dict(population=block)))
    assert "example.yaml" in str(error.value)


def _cleared(compound: str, age: str | None, observed: float, predicted: float, role: str = "test") -> CaseResult:
    """A case with CL in L/h/kg (per-kg values need no body weight)."""
    from types import SimpleNamespace

    from pbpk.core.units import Quantity

    from pbpk.qualification.cases import Population

    population = Population("x", 0.5, age=Quantity(float(age.split()[0]), age.split()[1]) if age else None)
    case = SimpleNamespace(expected_within={}, id=f"{compound}-{age}", compound=compound, population=population)
    return CaseResult(case, role, predicted={"CL": predicted}, observed={"CL": observed}, units={"CL": "L/h/kg"},
                      simulations=(), weights=())


def test_age_scaling_error_by_hand():
    """Adults: 1.0 observed, 1.5 predicted mL/min/kg (adult bias 1.5, removed by the scaling error).
    Toddler: observed 3× the adults, predicted 2× → error 0.67; infant: observed 0.5×, predicted 1× → error 2."""
    from pbpk.qualification.age_trend import age_trends

    results = [_cleared("x", None, 0.06, 0.09), _cleared("x", "30 year", 0.06, 0.09),
               _cleared("x", "2 year", 0.18, 0.18), _cleared("x", "1 month", 0.03, 0.09),
               _cleared("x", "5 year", 0.12, 0.99, role="training"), _cleared("y", None, 0.05, 0.05)]
    [trend] = age_trends(results)
    assert trend.compound == "x" and trend.adult_cases == 2
    assert trend.adult_observed == pytest.approx(1.0) and trend.adult_predicted == pytest.approx(1.5)  # mL/min/kg
    assert [g.case_id for g in trend.groups] == ["x-1 month", "x-2 year"]  # by age; training case left out
    month, toddler = trend.groups
    assert trend.scaling_error(toddler) == pytest.approx((3.0 / 1.5) / (3.0 / 1.0))  # 0.67: within 2-fold
    assert trend.scaling_error(month) == pytest.approx((1.5 / 1.5) / (0.5 / 1.0))  # 2.0: on the limit
    assert trend.follows()
    assert not trend.follows(fold=1.9) and trend.off_trend(fold=1.9) == [month]


def test_one_comparison_for_cases_and_studies():
    """Clinical cases and DDI studies compare through the same type; by-hand values of its arithmetic."""
    from pbpk.qualification.case_run import CaseResult
    from pbpk.qualification.comparison import Compared, fold_summary, guest_limit
    from pbpk.qualification.studies import StudyResult

    assert issubclass(CaseResult, Compared) and issubclass(StudyResult, Compared)
    # Guest et al. 2011: limit = (δ + 2(R − 1))/R with δ = 1; R = 4 → 7/4; R = 0.25 is inverted
    assert guest_limit(4.0) == pytest.approx(1.75) and guest_limit(0.25) == pytest.approx(1.75)
    assert guest_limit(1.0) == pytest.approx(1.0)

    class Result(Compared):
        def __init__(self, predicted, observed):
            self.predicted, self.observed = predicted, observed

        @property
        def expected_within(self):
            return {"AUCR": 1.5}

    high, good = Result({"AUCR": 8.0}, {"AUCR": 4.0}), Result({"AUCR": 5.0}, {"AUCR": 4.0})
    assert not high.within_guest("AUCR") and good.within_guest("AUCR")  # 4·1.75 = 7 is the upper limit
    assert high.regressions == ["AUCR: predicted/observed 2.00, expected within 1.5-fold"] and not good.regressions
    summary = fold_summary([high, good], ["AUCR"], "n", guest=["AUCR"])["AUCR"]
    # GMFE = 10^mean(|log10 ratio|) = 10^((log10 2 + log10 1.25)/2) = √2.5
    assert summary == pytest.approx({"n": 2, "gmfe": 2.5 ** 0.5, "within_1_25fold": 0.5, "within_1_5fold": 0.5,
                                     "within_2fold": 1.0, "within_guest": 0.5})
