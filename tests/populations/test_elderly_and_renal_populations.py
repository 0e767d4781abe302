"""Age and renal function matter in virtual populations: the elderly and CKD populations against young adults."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.populations.anchors import anchor_table, anchors
from pbpk.populations.run import simulate_virtual_population
from pbpk.populations.sampling import parse_population, sample


def _median_clearance(compound: str, population: str, **dosing) -> float:
    result = simulate_virtual_population(load_compound(compound), population, 150, seed=3, **dosing)
    return float(np.median(result.subjects["CL_apparent [L/h]"]))


def test_elderly_anchors_carry_the_age_functions():
    young, old = (anchor_table(anchors(parse_population(text))) for text in ("adult: 20-30 y", "adult: 80-90 y"))
    assert np.all(old.points >= 80) and np.all(young.points <= 30)
    # FAS: GFR flat to 40 y, then x0.988/y; cardiac output -0.5 %/y after 25 y
    assert old.gfr.mean() / young.gfr.mean() == pytest.approx(0.988 ** 45, rel=0.02)
    assert old.flow["liver"].mean() < 0.8 * young.flow["liver"].mean()
    assert old.mass["liver"].mean() < 0.95 * young.mass["liver"].mean()  # Chouker 2004: peak at 50 y


@pytest.mark.parametrize(("compound", "dosing", "at_most"), [
    ("vancomycin", {"dose": "1000 mg", "route": "infusion", "infusion_time": "1 h"}, 0.75),  # renal
    ("midazolam", {"dose": "2 mg", "route": "iv"}, 0.9),  # CYP3A4, flow-limited in part
])
def test_the_elderly_clear_less_than_young_adults(compound, dosing, at_most):
    """A test that fails if age is ignored again: 80-90 y against 20-30 y, median CL of 150 subjects each."""
    ratio = _median_clearance(compound, "adult: 80-90 y", **dosing) / _median_clearance(compound, "adult: 20-30 y",
                                                                                        **dosing)
    assert 0.3 < ratio < at_most


def test_a_ckd_population_has_its_stage_and_lower_renal_clearance():
    subjects = sample(parse_population("renal: CKD 4, 40-70 y"), 500, seed=2)
    assert np.all((subjects.gfr >= 15) & (subjects.gfr <= 29)) and np.all((subjects.age >= 40) & (subjects.age <= 70))
    table = subjects.covariates()
    assert {"eGFR [mL/min/1.73 m²]", "GFR [mL/min]"} <= set(table.columns)
    dosing = {"dose": "1000 mg", "route": "infusion", "infusion_time": "1 h"}
    ckd, healthy = (_median_clearance("vancomycin", text, **dosing) for text in ("renal: CKD 4", "adult: 40-60 y"))
    assert 0.2 < ckd / healthy < 0.5  # GFR about 22 against about 100 mL/min/1.73 m², plus non-renal clearance


def test_an_ethnic_cardiac_output_keeps_age_and_disease_changes():
    """The Japanese cardiac output sets the level; the age decline and cirrhosis' x1.3 stay on top."""
    def co(text):
        return anchor_table(anchors(parse_population(text))).flow["lung"]

    assert co("hepatic: japanese, Child-Pugh C, 30-30 y") / co("adult: japanese, 30-30 y") == pytest.approx(1.3)
    assert co("adult: japanese, 80-80 y")[0] < 0.8 * co("adult: japanese, 30-30 y")[0]


def test_renal_population_texts_and_their_errors():
    assert parse_population("renal: ESRD").dialysis
    assert parse_population("renal: eGFR 30-59").gfrs == (30.0, 59.0)
    with pytest.raises(PbpkInputError, match="a renal stage or eGFR range"):
        parse_population("renal")
    with pytest.raises(PbpkInputError, match="option"):
        parse_population("renal: CKD 7")
    with pytest.raises(PbpkInputError, match="the text gives two"):
        parse_population("renal: ESRD, G4")


def test_a_cirrhosis_population_by_child_pugh_class():
    """"hepatic: Child-Pugh C": one anchor per sex with the class factors; midazolam clearance falls."""
    spec = parse_population("hepatic: Child-Pugh C, 50-60 y")
    assert spec.child_pugh == (3.0, 3.0) and spec.ages == (50.0, 60.0)
    people = anchors(spec)
    assert len(people) == 2 and all(p.conditions["hepatic"] == "Child-Pugh C" for _, _, p in people)
    assert sample(spec, 50, seed=1).covariates()["Child-Pugh class"].eq(3).all()
    dosing = {"dose": "2 mg", "route": "iv"}
    ratio = _median_clearance("midazolam", "hepatic: Child-Pugh C", **dosing) / _median_clearance(
        "midazolam", "adult: 40-70 y", **dosing)
    assert 0.3 < ratio < 0.8


def test_enzyme_variability_is_around_the_mean_so_the_median_subject_has_less():
    """CYP3A4 abundance: mean-one log-normal, CV 81 % (Achour 2014): mean 1, median 1/sqrt(1 + 0.81²) = 0.777.
    A CYP3A4 drug's population median CL is therefore below the reference individual's, and its mean near it."""
    factor = sample(parse_population("adult: 30-40 y"), 20_000, seed=5).enzyme_factor["CYP3A4"]
    assert factor.mean() == pytest.approx(1.0, abs=0.02)
    assert np.median(factor) == pytest.approx(1 / np.sqrt(1 + 0.81 ** 2), abs=0.02)


def test_slco1b1_cc_carriers_have_the_published_rosuvastatin_exposure():
    """OATP1B1 activity by SLCO1B1 c.521 genotype (populations.yaml, back-calculated from Wagner 2020): CC subjects
    have about 2.2 times, TC 1.4 times the median oral AUC of TT subjects, through the virtual-population path
    (the subject's uptake clearance is the anchor's times liver size times the genotype's activity)."""
    def median_auc(genotype: str) -> float:
        result = simulate_virtual_population(load_compound("rosuvastatin"), f"adult: male, OATP1B1 {genotype}", 60,
                                             seed=4, dose="20 mg", route="oral", until="120 h")
        return float(np.median(result.subjects["AUC_inf [mg*h/L]"]))
    reference = median_auc("TT")
    assert median_auc("CC") / reference == pytest.approx(2.2, rel=0.1)
    assert median_auc("TC") / reference == pytest.approx(1.4, rel=0.1)
