"""Pregnancy against its sources (Kapraun 2019, Abduljalil 2012, Gaohua 2012), and the fetus in the model."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.core.datafiles import data_dir
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.physiology import reference_individual
from pbpk.physiology.pregnancy import pregnancy_data, pregnant
from pbpk.simulation.simulate import simulate

# Kapraun et al. 2019 at gestational weeks 0, 20 and 40 (coefficients as implemented in httk 2.7.4):
KAPRAUN = {
    "body_weight": (61.103, 68.539, 75.206),      # kg
    "cardiac_output": (301.78, 392.94, 385.80),   # L/h
    "gfr": (113.73, 158.39, 149.23),              # mL/min
    "haematocrit": (39.192, 36.80, 33.83),        # %
    "plasma_volume": (2.5005, 3.3207, 3.7352),    # L
    "kidney_blood_flow": (53.25, 78.29, 61.92),   # L/h
}


@pytest.mark.parametrize("name", sorted(KAPRAUN))
def test_maternal_functions_at_weeks_0_20_40_match_kapraun(name):
    curve = pregnancy_data().maternal[name]
    for week, expected in zip((0, 20, 40), KAPRAUN[name]):
        assert curve(week) == pytest.approx(expected, rel=2e-3), (name, week)


def test_placenta_and_fetus_match_kapraun_at_20_and_40_weeks():
    data = pregnancy_data()
    assert data.placenta_volume(20) / 1000 == pytest.approx(0.2395, rel=2e-3)   # L
    assert data.placenta_volume(40) / 1000 == pytest.approx(0.6591, rel=2e-3)
    assert data.fetal_weight(20) / 1000 == pytest.approx(0.2750, rel=2e-3)      # kg
    assert data.fetal_weight(40) / 1000 == pytest.approx(3.4396, rel=2e-3)
    assert data.umbilical_flow(40) == pytest.approx(242.1, rel=2e-3)            # mL/min


def test_proteins_and_enzymes_follow_abduljalil_and_gaohua():
    """Albumin 45.8 − 0.177t − 0.0033t² g/L; CYP3A4 1 + 0.02983t − 0.00074t² (1.301 at 20 weeks)."""
    data = pregnancy_data()
    assert data.proteins["albumin"](40) == pytest.approx(33.44, abs=0.01)
    assert data.enzymes["CYP3A4"](20) == pytest.approx(1.301, abs=1e-3)
    assert data.enzymes["CYP1A2"](40) == pytest.approx(0.368, abs=1e-3)
    woman = pregnant(40)
    assert woman.albumin.to("g/L").magnitude == pytest.approx(40 * 33.44 / 45.8, rel=1e-3)
    midazolam = load_compound("midazolam")
    assert plasma_unbound_fraction(midazolam, woman) > midazolam.fu_plasma.value


def test_cyp2c9_cyp2c19_ugt1a4_reach_the_measured_late_pregnancy_changes():
    """Free phenytoin CL +25 % (week 34), proguanil→cycloguanil 1/1.73 (week 38), lamotrigine
    CL/F 1 + 0.04329·GA (Polepally 2014 mixture mean: 2.73-fold at 40 weeks)."""
    enzymes = pregnancy_data().enzymes
    assert enzymes["CYP2C9"](34) == pytest.approx(1.25, abs=1e-3)
    assert enzymes["CYP2C19"](38) == pytest.approx(1 / 1.73, abs=2e-3)
    assert enzymes["UGT1A4"](40) == pytest.approx(1 + (0.77 * 0.118 + 0.23 * 0.0115) / 2.16 * 40, rel=1e-3)
    woman = pregnant(30)
    assert woman.hepatic_activity["CYP2C19"] < 1 < woman.hepatic_activity["CYP2C9"] < woman.hepatic_activity["UGT1A4"]


def test_uterus_follows_dallmann_and_leaves_the_rest_of_the_body():
    """Dallmann 2017 (PK-Sim table): myometrium + endometrium 0.4846 L at week 20 and 0.9744 L at 40;
    taking it out of the rest of the body keeps the woman's total mass and cardiac output."""
    data = pregnancy_data()
    assert data.uterus_volume(0) == pytest.approx(0.080)  # the ICRP 89 non-pregnant uterus, 80 g
    assert data.uterus_volume(20) == pytest.approx(0.4846) and data.uterus_volume(40) == pytest.approx(0.9744)
    assert data.uterus_volume(15) == pytest.approx(0.1675 + 0.5 * (0.4846 - 0.1675))  # linear between weeks
    def unassigned(woman):  # body weight not in a model tissue or blood (ICRP contents, hair, ...), kg
        tissues = sum(t.mass.to("kg").magnitude for t in woman.tissues.values())
        return woman.body_weight.to("kg").magnitude - tissues - woman.blood_volume.to("L").magnitude * 1.06

    for week in (13, 20, 40):
        woman = pregnant(week)
        uterus = woman.tissues["uterus"]
        assert uterus.volume.to("L").magnitude == pytest.approx(data.uterus_volume(week), rel=1e-9)
        assert uterus.blood_flow.to("mL/min").magnitude == pytest.approx(data.uterus_flow(week), rel=1e-9)
        assert unassigned(woman) == pytest.approx(unassigned(pregnant(0)), abs=1e-9)
        assert woman.venous_return.to("L/h").magnitude == pytest.approx(woman.cardiac_output.to("L/h").magnitude)
    assert "uterus" not in pregnant(12).tissues


def test_week_zero_is_the_reference_woman_and_changes_are_ratios():
    woman, reference = pregnant(0), reference_individual("female")
    assert woman == reference
    at20 = pregnant(20)
    assert at20.cardiac_output / reference.cardiac_output == pytest.approx(392.94 / 301.78, rel=2e-3)
    assert at20.gfr / reference.gfr == pytest.approx(158.39 / 113.73, rel=2e-3)
    assert at20.venous_return.to("L/h").magnitude == pytest.approx(at20.cardiac_output.to("L/h").magnitude, rel=1e-12)
    assert "fetus" not in pregnant(12).tissues and "fetus" in pregnant(13).tissues


@pytest.mark.parametrize("compound, route", [("caffeine", "oral"), ("midazolam", "iv"), ("digoxin", "iv")])
def test_mass_balance_with_placenta_and_fetus(compound, route):
    simulation = simulate(load_compound(compound), pregnant(32), dose="1 mg/kg", route=route, until="72 h")
    assert simulation.status.ok
    mw = simulation.molecular_weight
    dosed = simulation.regimen.doses[0].mass(simulation.individual.body_weight).to("mg").magnitude / mw * 1000
    np.testing.assert_allclose(simulation.mass_balance()[-1], dosed, rtol=1e-9)
    assert simulation.output("C_fetus").max() > 0


def test_fetal_unbound_concentration_approaches_the_placenta_at_steady_state():
    """Passive exchange: with a constant maternal infusion, Cu,fetus → Cu,placenta."""
    caffeine = load_compound("caffeine")
    simulation = simulate(caffeine, pregnant(36), dose="200 mg", route="infusion", infusion_time="200 h",
                          until="210 h")
    p = dict(zip(simulation.model.parameter_names, simulation.vector))
    at = np.searchsorted(simulation.times, 199.0)
    fetus = simulation.output("C_fetus")[at] / p["Kp_fetus"]
    placenta = simulation.output("C_placenta")[at] / p["Kp_placenta"]
    assert fetus == pytest.approx(placenta, rel=1e-3)


def test_placental_transfer_from_the_compound_slows_fetal_uptake(tmp_path):
    text = (data_dir("compounds") / "caffeine.yaml").read_text(encoding="utf-8")
    slow = tmp_path / "caffeine_slow.yaml"
    slow.write_text(text.replace("name: caffeine", "name: caffeine_slow") +
                    '\nplacental_transfer: {value: 0.05 L/h, source: "test value"}\n', encoding="utf-8")
    woman = pregnant(36)
    fast = simulate(load_compound("caffeine"), woman, dose="100 mg", route="iv", until="4 h")
    limited = simulate(load_compound(slow), woman, dose="100 mg", route="iv", until="4 h")
    assert limited.output("C_fetus")[-1] < 0.5 * fast.output("C_fetus")[-1]


def test_caffeine_clearance_falls_by_about_the_observed_fraction_late_in_pregnancy():
    """Tracy et al. 2005: caffeine clearance at 36-40 weeks 0.35 of postpartum (−65 ± 15 %)."""
    caffeine = load_compound("caffeine")
    late = simulate(caffeine, pregnant(38), dose="100 mg", route="iv").nca().CL
    before = simulate(caffeine, pregnant(0), dose="100 mg", route="iv").nca().CL
    assert 0.25 < late / before < 0.5


def test_skin_blood_flow_rises_as_gaohua_2012_table_2():
    """Skin flow 14.975·(1 + 0.02882t) L/h (Gaohua 2012 Table 2 row 8): +58 % at week 20, +115 % at week 40,
    applied to the reference woman's skin flow; the rest of the body gives up the difference."""
    woman = reference_individual("female")
    for week, rise in ((20, 1.5764), (40, 2.1528)):
        skin = pregnant(week).tissues["skin"].blood_flow
        assert (skin / woman.tissues["skin"].blood_flow).to("").magnitude == pytest.approx(rise, rel=1e-3), week


def test_cyp2d6_follows_gaohua_2012_table_2():
    """CYP2D6 activity 1 + 0.02270t − 0.00035t² (Gaohua 2012 Table 2 row 15): 1.314 at week 20, 1.364 at 36."""
    curve = pregnancy_data().enzymes["CYP2D6"]
    assert curve(20) == pytest.approx(1.314, abs=1e-3)
    assert curve(36) == pytest.approx(1.3636, abs=1e-3)
    assert pregnant(36).hepatic_activity["CYP2D6"] == pytest.approx(1.3636, abs=1e-3)


def gaohua_fetoplacental(week: float) -> tuple[float, float]:
    """Gaohua 2012 fetoplacental unit (fetus, placenta, amniotic fluid, membranes, cord): volume (L), Eq. 1
    Gompertz 0.01·exp(0.37/0.052·(1 − e^(−0.052t))), and blood flow (L/h), Table 2 row 11
    −0.4051t + 0.1188t² − 0.0019t³ (both in gestational weeks, as Kapraun 2019)."""
    volume = 0.01 * np.exp(0.37 / 0.052 * (1 - np.exp(-0.052 * week)))
    flow = -0.4051 * week + 0.1188 * week ** 2 - 0.0019 * week ** 3
    return float(volume), float(flow)


def test_fetoplacental_volume_and_flow_against_gaohua_abduljalil_2012():
    """pbpk's placenta + fetus (Kapraun 2019) against the Gaohua 2012 (Abduljalil 2012) fetoplacental unit.

    Volume: the unit also holds the amniotic fluid (in pbpk's rest of the body), so placenta + fetus is about half
    of it at week 20 (0.51 vs 0.99 L) and 0.81 at term, when the fetus dominates. Flow: Gaohua's unit takes the
    uterine arterial supply, which pbpk splits into placenta and uterus (Dallmann 2017); together they are
    0.80-0.89 of it from week 20 to term (21.2 vs 24.2 L/h at week 20), the placenta alone 0.59 at week 20.
    """
    expected_volume_share = {20: 0.52, 30: 0.73, 40: 0.81}
    for week, share in expected_volume_share.items():
        woman = pregnant(week)
        volume, flow = gaohua_fetoplacental(week)
        ours = sum(woman.tissues[t].mass.to("kg").magnitude / woman.tissues[t].density.to("kg/L").magnitude
                   for t in ("placenta", "fetus"))
        assert ours / volume == pytest.approx(share, abs=0.03), week
        supply = sum(woman.tissues[t].blood_flow.to("L/h").magnitude for t in ("placenta", "uterus"))
        assert 0.75 < supply / flow < 1.0, week
