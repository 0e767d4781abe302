"""Virtual populations: the text, reproducible sampling, frequencies and spreads, the engine at scale."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pbpk.cli import main
from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.populations.run import (
    prepare,
    simulate_virtual_population,
    subject_parameters,
    subject_schedules,
)
from pbpk.populations.sampling import (
    anchor_table,
    anchors,
    parse_population,
    population_data,
    sample,
)
from pbpk.simulation.dosing import Dose, Regimen
from pbpk.engine.codegen import compile_model
from pbpk.engine.solve import SolveOptions, solve_many


@pytest.mark.parametrize("text, kind, ages, weeks, ethnicity, female, phenotypes", [
    ("adult", "adult", (20, 50), (0, 0), "european", 0.5, {}),
    ("adult: chinese, female", "adult", (20, 50), (0, 0), "chinese", 1.0, {}),
    ("pediatric: 6-24 mo", "pediatric", (0.5, 2.0), (0, 0), "european", 0.5, {}),
    ("pregnancy: weeks 20-30", "pregnancy", (30, 30), (20, 30), "european", 1.0, {}),
    ("adult: japanese, CYP2D6 PM, cyp2c19 im", "adult", (20, 50), (0, 0), "japanese", 0.5,
     {"CYP2D6": "PM", "CYP2C19": "IM"}),
    ("adult: oatp1b1 cc", "adult", (20, 50), (0, 0), "european", 0.5, {"OATP1B1": "CC"}),
])
def test_population_text(text, kind, ages, weeks, ethnicity, female, phenotypes):
    spec = parse_population(text)
    assert (spec.kind, spec.ethnicity, spec.female_fraction, spec.phenotypes) == (kind, ethnicity, female, phenotypes)
    assert spec.ages == pytest.approx(ages) and spec.weeks == pytest.approx(weeks)


@pytest.mark.parametrize("text, message", [
    ("elderly", "one of adult"), ("pediatric", "age range"), ("pregnancy", "gestational week"),
    ("pregnancy: week 30, male", "female"), ("adult: martian", "ethnicity"), ("adult: CYP2D6 XM", "phenotype"),
    ("pediatric: 2-1 y", "increasing range"), ("pediatric: 1-2 fortnights", "age unit"),
    ("adult: 20-50 y, ontogeny upreti_2016", "a population of children"),
    ("pediatric: 1-2 y, ontogeny simcyp", "one of pksim_7_3, johnson_2006, upreti_2016"),
])
def test_bad_population_text_is_explained(text, message):
    with pytest.raises(PbpkInputError, match=message):
        parse_population(text)


def test_pregnancy_range_cannot_straddle_the_week_the_fetus_appears():
    with pytest.raises(PbpkInputError, match="week 13"):
        anchors(parse_population("pregnancy: weeks 10-20"))


@pytest.fixture(scope="module")
def european():
    spec = parse_population("adult")
    return spec, anchor_table(anchors(spec))


def test_same_seed_same_subjects(european):
    spec, table = european
    a, b, c = sample(spec, 500, 11, table), sample(spec, 500, 11, table), sample(spec, 500, 12, table)
    assert np.array_equal(a.weight, b.weight) and np.array_equal(a.mass_factor["liver"], b.mass_factor["liver"])
    assert not np.array_equal(a.weight, c.weight)


@pytest.mark.parametrize("text, gene, phenotype, group", [
    ("adult", "CYP2D6", "PM", "European"), ("adult: chinese", "CYP2C19", "PM", "East Asian"),
    ("adult", "CYP2C9", "IM", "European"), ("adult", "CYP2C19", "RM", "European"),
    ("adult", "CYP2C19", "UM", "European"), ("adult", "OATP1B1", "TC", "European"),
    ("adult: japanese", "OATP1B1", "CC", "East Asian"),
])
def test_phenotype_frequencies_follow_cpic(text, gene, phenotype, group):
    n = 20_000
    subjects = sample(parse_population(text), n, 5)
    frequency = population_data().genotypes[gene].frequency[group]
    expected = frequency[phenotype] / sum(frequency.values())
    observed = np.mean(subjects.phenotype[gene] == phenotype)
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


def test_fixed_phenotype_and_its_activity():
    subjects = sample(parse_population("adult: CYP2D6 PM"), 200, 1)
    assert set(subjects.phenotype["CYP2D6"]) == {"PM"} and np.all(subjects.enzyme_factor["CYP2D6"] == 0)
    # CYP2C19 *17/*17 (UM): escitalopram exposure -20 % with fm 0.70 (Jukic 2018) → 1 + (1/0.8 − 1)/0.70
    ultra = sample(parse_population("adult: CYP2C19 UM"), 50, 1)
    assert np.allclose(ultra.enzyme_factor["CYP2C19"], 1 + (1 / 0.8 - 1) / (1 - 1 / 3.3), atol=0.01)


@pytest.mark.parametrize(("group", "allele"), [("European", 0.1610), ("East Asian", 0.1230)])
def test_slco1b1_genotypes_are_in_hardy_weinberg_with_the_c521c_allele(group, allele):
    """TT/TC/CC = (1-q)², 2q(1-q), q² with q the c.521C allele frequency (Kim 2021, Table 2)."""
    frequency = population_data().genotypes["OATP1B1"].frequency[group]
    expected = {"TT": (1 - allele) ** 2, "TC": 2 * allele * (1 - allele), "CC": allele ** 2}
    assert {k: v / 100 for k, v in frequency.items()} == pytest.approx(expected, abs=6e-5)


def test_body_size_and_organ_spread(european):
    """Weight around the reference (CV ~ sqrt(0.152² + (2·0.038)²) = 0.17); liver CV ≈ 0.24 (McNally 2014)."""
    spec, table = european
    subjects = sample(spec, 40_000, 3, table)
    men = ~subjects.female
    weight = subjects.weight[men]
    assert weight.mean() == pytest.approx(73 * (1 + 0.038 ** 2), rel=0.01)
    assert weight.std() / weight.mean() == pytest.approx(np.hypot(0.152, 2 * 0.038), rel=0.05)
    liver = subjects.mass_factor["liver"][men]
    assert liver.std() / liver.mean() == pytest.approx(np.hypot(0.24, 0.75 * 0.038), rel=0.06)


def test_flows_add_up_to_each_subjects_cardiac_output(european):
    spec, table = european
    subjects = sample(spec, 1000, 4, table)
    anchor = subjects.anchor
    total = sum(table.flow[name][anchor] * subjects.flow_factor[name] for name in table.systemic)
    size = (subjects.height / table.height[anchor]) ** 0.75
    np.testing.assert_allclose(total, sum(table.flow[name][anchor] for name in table.systemic) * size, rtol=1e-12)


@pytest.mark.parametrize("text, compound, route", [
    ("adult: chinese", "midazolam", "oral"), ("pediatric: 0.1-3 y", "theophylline", "iv"),
    ("pregnancy: weeks 25-35", "caffeine", "oral"),
])
def test_mass_balance_in_every_population_member(text, compound, route):
    drug = load_compound(compound)
    task = prepare(drug, parse_population(text), Regimen((Dose("1 mg/kg", route),)), until="48 h")
    subjects = sample(task.spec, 64, 9, task.table)
    schedules = subject_schedules(task, subjects)
    solved = solve_many(compile_model(task.model), subject_parameters(task, subjects), schedules, task.times,
                        SolveOptions(task.method, 1e-8, 1e-12))
    assert np.all(solved.ok)
    states = solved.states
    mass = [task.model.state_index(s) for s in task.model.mass_states]
    dosed = schedules.bolus.sum(axis=(1, 2))
    np.testing.assert_allclose(states[:, -1, mass].sum(axis=1), dosed, rtol=1e-8)


def test_dask_gives_the_local_result():
    midazolam = load_compound("midazolam")
    options = dict(dose="5 mg", seed=3, chunk_size=100, kinetics="linear", keep_profiles=True)
    local = simulate_virtual_population(midazolam, "adult", 300, **options)
    distributed = simulate_virtual_population(midazolam, "adult", 300, backend="dask", **options)
    assert local.subjects.equals(distributed.subjects)
    assert np.array_equal(local.profiles, distributed.profiles)
    assert all(np.array_equal(local.percentiles[p], distributed.percentiles[p]) for p in local.percentiles)


def test_streamed_percentiles_match_exact_ones():
    result = simulate_virtual_population(load_compound("caffeine"), "adult", 2000, dose="100 mg", seed=2,
                                         keep_profiles=True)
    ordered = np.sort(result.profiles, axis=0)
    positive = ordered[999] > 0
    # the median of 2000 lies between the 1000th and 1001st subject; streaming adds one bin of 0.001 decade
    bin_factor = 10 ** 0.001
    streamed = result.percentiles[50.0][positive]
    assert np.all(streamed >= ordered[999][positive] / bin_factor)
    assert np.all(streamed <= ordered[1000][positive] * bin_factor)
    np.testing.assert_allclose(streamed, np.percentile(result.profiles, 50, axis=0)[positive], rtol=1e-2)


def test_population_cli_json_gives_metric_percentiles_with_units(tmp_path, capsys):
    status = main(["population", "theophylline", "--population", "pediatric: 2-6 y", "--n", "200", "--dose",
                   "5 mg/kg", "--json", "--quiet", "--summary", str(tmp_path / "s.csv"), "--plot", str(tmp_path / "p.png")])
    result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["n"] == 200 and result["failed"] == 0
    cl = result["metrics"]["CL_apparent"]
    assert cl["unit"] == "L/h" and cl["P5"] < cl["P50"] < cl["P95"]
    assert (tmp_path / "s.csv").stat().st_size > 0 and (tmp_path / "p.png").stat().st_size > 10_000


@pytest.mark.slow
def test_dose_matching_reaches_the_reference_median(capsys):
    """Linear kinetics: one proportional correction matches the median; AUC per dose is linear."""
    from pbpk.populations.dose_matching import match_doses

    table = match_doses(load_compound("vancomycin"), "adult", "1000 mg", ["pediatric: 2-6 y"], route="infusion",
                        infusion_time="1 h", every="12 h", doses=6, metric="AUC", n=100, kinetics="linear")
    reference, child = table.iloc[0], table.iloc[1]
    assert child["median / reference"] == pytest.approx(1.0, abs=0.01)
    assert child["P50"] == pytest.approx(reference["P50"], rel=0.01)
    assert child["iterations"] <= 2 and child["dose [mg/kg]"] > 0
    status = main(["dose-match", "vancomycin", "--reference-dose", "1000 mg", "--target", "pediatric: 2-6 y",
                   "--route", "infusion", "--infusion-time", "1h", "--every", "12h", "--doses", "6", "--n", "100",
                   "--kinetics", "linear", "--json"])
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert status == 0 and rows[1]["dose [mg/kg]"] == pytest.approx(child["dose [mg/kg]"])


def test_trough_matching_needs_a_repeated_regimen():
    from pbpk.populations.dose_matching import match_doses

    with pytest.raises(PbpkInputError, match="repeated regimen"):
        match_doses(load_compound("vancomycin"), "adult", "1000 mg", ["pediatric: 2-6 y"], metric="Ctrough")


@pytest.mark.parametrize("years, weight_m, weight_s, height_m", [(5.0417, 18.486, 0.12988, 109.175),
                                                                 (10.0417, 32.088, 0.17893, 138.823)])
def test_children_follow_the_cdc_growth_charts(years, weight_m, weight_s, height_m):
    """CDC 2000 LMS (boys, rows 60.5 and 120.5 months): median height and weight, weight-for-age spread."""
    subjects = sample(parse_population(f"pediatric: {years}-{years} y, male"), 40_000, 8)
    assert np.median(subjects.height) == pytest.approx(height_m, rel=0.003)
    assert np.median(subjects.weight) == pytest.approx(weight_m, rel=0.02)
    assert subjects.weight.std() / subjects.weight.mean() == pytest.approx(weight_s, rel=0.1)


@pytest.mark.slow
def test_each_childs_maturation_varies_with_the_pksim_geometric_sds():
    """CYP3A4 (PK-Sim 7.3: n 3.331, PMA50 73.019 wk, GeoSDs 1.255 and 1.345): a child at +1 SD of both
    has F(P; 3.331·1.255, 73.019·1.345)/F(P; 3.331, 73.019); typical children (z = 0) and adults get 1."""
    from pbpk.physiology.ontogeny import maturation_variability, varying_enzymes

    pma = 40 + 0.5 * 365.25 / 7  # weeks, term infant of 6 months
    f = lambda n, p50: pma ** n / (pma ** n + p50 ** n)  # noqa: E731
    expected = f(3.331 * 1.255, 73.019 * 1.345) / f(3.331, 73.019)
    one = np.ones(1)
    assert maturation_variability("CYP3A4", 0.5 * one, one, one)[0] == pytest.approx(expected, rel=1e-9)
    assert maturation_variability("CYP3A4", 0.5 * one, 0 * one, 0 * one)[0] == pytest.approx(1.0)
    assert maturation_variability("CYP3A4", 30 * one, 3 * one, 3 * one)[0] == pytest.approx(1.0, abs=1e-3)
    assert maturation_variability("UGT1A4", 0.5 * one, one, one)[0] == 1.0  # no ontogeny function
    assert "CYP3A4" in varying_enzymes() and "CYP3A7" not in varying_enzymes()  # CYP3A7: GeoSDs 1

    infants, older = (sample(parse_population(text), 4000, seed=3) for text in ("pediatric: 0-0.5 y",
                                                                                  "pediatric: 10-15 y"))
    spread = lambda s: np.subtract(*np.log(np.percentile(s.enzyme_factor["CYP3A4"], [95, 5])))  # noqa: E731
    assert spread(infants) > spread(older) > 0  # maturation adds spread where the enzyme is still maturing
    again = sample(parse_population("pediatric: 0-0.5 y"), 4000, seed=3)
    assert np.array_equal(again.enzyme_factor["CYP1A2"], infants.enzyme_factor["CYP1A2"])


def test_steady_state_trough_auc24_and_half_life_per_subject():
    """Linear kinetics at steady state: AUC over τ equals dose/CL (superposition), so AUC24 × CL = daily dose.

    Caffeine 100 mg every 12 h for 10 days (t½ ≈ 5 h: at steady state); the trough is the concentration
    one interval after the last dose, and t½ = ln 2/λz of that last washout.
    """
    result = simulate_virtual_population(load_compound("caffeine"), "adult", 40, dose="100 mg", every="12 h",
                                         doses=20, seed=4, kinetics="linear", keep_profiles=True)
    table = result.subjects
    cl = table["CL_apparent [L/h]"].to_numpy()  # total dose / AUC_inf, = CL for linear kinetics
    np.testing.assert_allclose(table["AUC24 [mg*h/L]"].to_numpy() * cl, 200.0, rtol=0.02)
    last = 19 * 12.0
    trough = np.array([np.interp(last + 12.0, result.times, row) for row in result.profiles])
    np.testing.assert_allclose(table["C_trough [mg/L]"].to_numpy(), trough)
    assert np.all(trough < table["Cmax [mg/L]"].to_numpy())
    half_life = table["t_half [h]"].to_numpy()
    assert np.all((half_life > 2) & (half_life < 20))  # caffeine in adults: 3-7 h typical
    summary = result.summary().set_index("metric")
    values = table["AUC24 [mg*h/L]"].to_numpy()
    assert summary.loc["AUC24", "geometric_mean"] == pytest.approx(np.exp(np.log(values).mean()))
    assert summary.loc["AUC24", "geometric_mean"] <= summary.loc["AUC24", "mean"]


def test_one_dose_gives_auc_0_24_and_no_trough():
    result = simulate_virtual_population(load_compound("caffeine"), "adult", 10, dose="100 mg", seed=1,
                                         until="48 h", kinetics="linear", keep_profiles=True)
    table = result.subjects
    assert table["C_trough [mg/L]"].isna().all()
    auc = table["AUC24 [mg*h/L]"].to_numpy()
    assert np.all(auc < table["AUC_last [mg*h/L]"].to_numpy()) and np.all(auc > 0)


def test_a_pediatric_population_matures_by_the_named_ontogeny_set():
    """``ontogeny upreti_2016``: every anchor child carries the set, so alfentanil's (CYP3A4) clearance in infants
    is higher than with PK-Sim 7.3 (0.43 of adult CYP3A4 at 6 months against 1.53), for the same subjects."""
    alfentanil = load_compound("alfentanil")
    chosen = parse_population("pediatric: 0.4-0.6 y, ontogeny upreti_2016")
    assert {person.ontogeny_set for _, _, person in anchors(chosen)} == {"upreti_2016"}
    medians = {}
    for text in ("pediatric: 0.4-0.6 y", "pediatric: 0.4-0.6 y, ontogeny upreti_2016"):
        population = simulate_virtual_population(alfentanil, text, 40, regimen=Regimen((Dose("20 ug/kg", "iv"),)),
                                                 until="24 h", seed=3)
        column = next(c for c in population.subjects.columns if c.startswith("CL_apparent"))
        medians[text] = float(population.subjects[column].median())
    assert medians["pediatric: 0.4-0.6 y, ontogeny upreti_2016"] > 1.5 * medians["pediatric: 0.4-0.6 y"]
