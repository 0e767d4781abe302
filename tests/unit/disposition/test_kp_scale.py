"""A compound's kp_scale: one multiplier of the Kp its own partition method predicts."""

from dataclasses import replace

import pytest

from pbpk.core.records import Cited
from pbpk.disposition.distribution import partition_coefficients

#: Rifampicin IV Vss of healthy men, 600 mg over 30 min (Rifampin for Injection USP label, Clinical Pharmacology).
RIFAMPICIN_IV_VSS = 0.64  # L/kg


def test_scale_multiplies_predicted_kp_and_leaves_measured_kp(male, compound):
    midazolam = compound("midazolam")
    base = replace(midazolam, measured_kp={"brain": Cited(2.0, "test value")})
    scaled = replace(base, kp_scale=Cited(0.5, "test value"))
    before, after = partition_coefficients(base, male), partition_coefficients(scaled, male)
    assert after.kp["brain"] == before.kp["brain"] == 2.0
    for tissue in set(before.kp) - {"brain"}:
        assert after.kp[tissue] == pytest.approx(0.5 * before.kp[tissue], rel=1e-12)
    assert after.origin["muscle"].endswith(" x 0.5") and after.origin["brain"].startswith("measured")
    assert after.vss < before.vss


def test_another_method_is_not_scaled_and_says_so(male, compound):
    scaled = replace(compound("midazolam"), kp_scale=Cited(0.5, "test value"))
    other = partition_coefficients(scaled, male, "poulin_theil")
    plain = partition_coefficients(compound("midazolam"), male, "poulin_theil")
    assert other.kp == plain.kp
    assert any("kp_scale 0.5 belongs to rodgers_rowland" in w for w in other.warnings)


def test_rifampicin_scale_gives_the_label_iv_vss(male, compound):
    """The fitted scale (flagged in the compound file) reproduces the Vss it was chosen for within 2 %."""
    rifampicin = compound("rifampicin")
    assert rifampicin.fitted_values["kp_scale"].startswith("Rifadin IV label")
    vss = (partition_coefficients(rifampicin, male).vss / male.body_weight).to("L/kg").magnitude
    assert vss == pytest.approx(RIFAMPICIN_IV_VSS, rel=0.02)
    unscaled = partition_coefficients(replace(rifampicin, kp_scale=None), male).vss
    assert (unscaled / male.body_weight).to("L/kg").magnitude > 2 * RIFAMPICIN_IV_VSS  # Berezhkovskiy alone: 1.63
