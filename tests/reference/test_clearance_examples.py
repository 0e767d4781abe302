"""Clearance scaling and organ models against published worked examples."""

import pytest

from pbpk.core.units import Quantity
from pbpk.disposition.clearance import (
    fraction_metabolised,
    hepatic_clearance,
    hepatic_intrinsic_clearances,
    intestinal_availability,
    parallel_tube,
    qgut,
    renal_clearance,
    scale_hepatocyte,
    scale_microsomal,
    scale_recombinant,
    unreabsorbed_fraction,
    well_stirred,
)

PER_KG = "mL/min/kg"


def test_obach_1997_well_stirred_and_parallel_tube_without_binding():
    """Obach RS. Drug Metab Dispos 1997;25:1359, Table 3 (Q = 21 mL/min/kg):
    CL'int 48 → well-stirred 15, parallel-tube 19; CL'int 1.2 → well-stirred 1.1."""
    q = Quantity(21, PER_KG)
    assert well_stirred(q, 1.0, Quantity(48, PER_KG)).to(PER_KG).magnitude == pytest.approx(15, abs=0.5)
    assert parallel_tube(q, 1.0, Quantity(48, PER_KG)).to(PER_KG).magnitude == pytest.approx(19, abs=0.5)
    assert well_stirred(q, 1.0, Quantity(1.2, PER_KG)).to(PER_KG).magnitude == pytest.approx(1.1, abs=0.05)


@pytest.mark.parametrize(
    "drug, clint, fu_serum_over_fu_mic, bp, ws, pt",
    [("propranolol", 48, 0.26, 0.89, 8.4, 10), ("warfarin", 1.2, 0.033, 0.55, 0.072, 0.072)],
)
def test_obach_1997_with_binding(drug, clint, fu_serum_over_fu_mic, bp, ws, pt):
    """Obach 1997 Table 3 with binding: fu,b·CLint,u = CL'int·(fu,serum/fu,mic)/B:P."""
    q = Quantity(21, PER_KG)
    fu_blood_times_fu_mic_inverse = fu_serum_over_fu_mic / bp
    clint_u = Quantity(clint, PER_KG)
    assert well_stirred(q, fu_blood_times_fu_mic_inverse, clint_u).to(PER_KG).magnitude == pytest.approx(ws, rel=0.05)
    assert parallel_tube(q, fu_blood_times_fu_mic_inverse, clint_u).to(PER_KG).magnitude == pytest.approx(pt, rel=0.05)


def test_hepatocyte_scaling_pitavastatin():
    """Drug Metab Dispos uptake table (dmd.aspetjournals.org highwire markup 72754), footnote e:
    1.2e8 hepatocytes/g liver and 25.7 g liver/kg; pitavastatin 26.9 µL/min/10⁶ cells → 83.0 mL/min/kg."""
    scaled = scale_hepatocyte(Quantity(26.9e-6, "uL/min/cell"), Quantity(1.2e8, "cell/g"), Quantity(25.7, "g/kg"))
    assert scaled.to(PER_KG).magnitude == pytest.approx(83.0, rel=1e-3)


def test_recombinant_scaling_with_isef_maraviroc():
    """Hyland R et al. Br J Clin Pharmacol 2008;66:498: rCYP3A4 CLint 1.7 µL/min/pmol × ISEF 0.2 ×
    120 pmol CYP3A4/mg = 40.8 µL/min/mg; ÷ fu,mic 0.86 = 47.4 µL/min/mg."""
    per_gram_liver = scale_recombinant(Quantity(1.7, "uL/min/pmol"), 0.2, Quantity(120, "pmol/mg"),
                                       Quantity(1, "mg/g"), Quantity(1, "g"))
    assert per_gram_liver.to("uL/min").magnitude == pytest.approx(40.8, rel=1e-3)
    assert per_gram_liver.to("uL/min").magnitude / 0.86 == pytest.approx(47.4, rel=1e-3)


def test_enzyme_amount_scaling_midazolam():
    """Clin Transl Sci 2020;13:1199, Table 1: midazolam Km 1.6 µM, Vmax 24.4 pmol/min/pmol CYP3A4,
    32.6 pmol CYP3A4/mg → canonical CLint 28,630 mL/min (with MPPGL 32 mg/g and 1800 g liver)."""
    clint = Quantity(24.4, "pmol/min/pmol") / Quantity(1.6, "umol/L")
    scaled = scale_recombinant(clint, 1.0, Quantity(32.6, "pmol/mg"), Quantity(32, "mg/g"), Quantity(1800, "g"))
    assert scaled.to("mL/min").magnitude == pytest.approx(28630, rel=1e-3)


def test_microsomal_scaling_units():
    """1 µL/min/mg × 32 mg/g × 1800 g = 57.6 mL/min = 3.456 L/h (unit bookkeeping)."""
    scaled = scale_microsomal(Quantity(1, "uL/min/mg"), Quantity(32, "mg/g"), Quantity(1800, "g"))
    assert scaled.to("L/h").magnitude == pytest.approx(3.456)


def test_qgut_permeability_clearance_and_fg():
    """Yang J et al. Curr Drug Metab 2007;8:676: CLperm = Peff × A; with Peff 1.74e-4 cm/s and
    A = 0.66 m² CLperm = 4.1 L/h (Ashraf 2018 as transcribed); Fg = Qgut/(Qgut + fu,gut·CLint,gut)."""
    cl_perm = (Quantity(1.74e-4, "cm/s") * Quantity(0.66, "m^2")).to("L/h")
    assert cl_perm.magnitude == pytest.approx(4.1, abs=0.05)
    q = qgut(Quantity(18, "L/h"), cl_perm)
    assert q.magnitude == pytest.approx(18 * 4.134 / (18 + 4.134), rel=1e-3)
    # Ezuruike 2018 (as transcribed): Qgut 11.74 L/h and observed Fg 0.56 imply CLint,gut 9.22 L/h
    assert intestinal_availability(Quantity(11.74, "L/h"), Quantity(9.22, "L/h")) == pytest.approx(0.56, abs=0.005)


def test_fraction_metabolised_and_additivity():
    """fm_j = CLint_j / ΣCLint (pathways add: raloxifene 78 + 228 + 141 ≈ 448 mL/min/kg published)."""
    clints = {"SULT": Quantity(78, PER_KG), "UGT": Quantity(228, PER_KG), "CYP": Quantity(141, PER_KG)}
    fm = fraction_metabolised(clints)
    assert sum(fm.values()) == pytest.approx(1.0)
    assert fm["UGT"] == pytest.approx(228 / 447)
    assert sum(v.magnitude for v in clints.values()) == pytest.approx(448, abs=1)


def test_midazolam_ivive_clearance_within_two_fold_of_observed(male, compound):
    """Observed IV plasma CL 5.3 mL/min/kg (Lombardo 2018, from Heizmann 1983) = 23.2 L/h at 73 kg."""
    cl = hepatic_clearance(compound("midazolam"), male).plasma + renal_clearance(compound("midazolam"), male)
    ratio = cl.to("L/h").magnitude / (5.3 * 0.06 * 73)
    assert 0.5 <= ratio <= 2.0
    fm = fraction_metabolised(hepatic_intrinsic_clearances(compound("midazolam"), male))
    assert fm["CYP3A4"] > 0.9  # CYP3A4 fm ≈ 0.97 (Hyland 2009 urinary N-glucuronide 2 %)


def test_well_stirred_is_bounded_by_blood_flow_and_parallel_tube_exceeds_it(male, compound):
    propranolol = compound("propranolol")
    ws = hepatic_clearance(propranolol, male, model="well_stirred")
    pt = hepatic_clearance(propranolol, male, model="parallel_tube")
    assert 0 < ws.extraction_ratio < pt.extraction_ratio < 1
    assert ws.plasma.magnitude == pytest.approx(ws.blood.magnitude * propranolol.blood_plasma_ratio.value)


def test_renal_clearance_filtration_and_reabsorption(male, compound):
    """Fluconazole: ~80 % of IV clearance 1.28 L/h is renal (Shiba 1990)."""
    cl_r = renal_clearance(compound("fluconazole"), male).to("L/h").magnitude
    assert cl_r == pytest.approx(0.88 * 0.155 * male.gfr.to("L/h").magnitude)
    assert 0.8 < cl_r < 1.3


def test_hepatocyte_pathway_from_a_compound_file_scales_per_million_cells():
    """A hepatocyte CLint written per 10⁶ cells (the usual in-vitro unit) reaches the whole liver:
    CLint,u × hepatocytes per gram × liver weight, the same as scale_hepatocyte by hand."""
    from pbpk.compound import load_compound
    from pbpk.disposition.clearance import pathway_intrinsic_clearance
    from pbpk.physiology import reference_individual

    compound = load_compound("theophylline")
    pathway = compound.clearance.hepatic[0]
    assert pathway.system == "hepatocytes"
    person = reference_individual("male")
    by_hand = scale_hepatocyte(pathway.clint.to("uL/min/cell") / pathway.fu_inc, person.hepatocytes_per_gram,
                               person.liver_weight)
    assert pathway_intrinsic_clearance(pathway, person).to("L/h").magnitude == pytest.approx(
        by_hand.to("L/h").magnitude, rel=1e-9)


def test_passive_reabsorption_competes_with_urine_flow():
    """f = Q/(Q + R·GFR) with R from the adult (theophylline: f 0.12 at 1600 mL/day and the reference GFR);
    the reference adults keep f; a preterm infant, with ~4× the urine per GFR, reabsorbs far less."""
    from dataclasses import replace

    from pbpk.compound import load_compound
    from pbpk.physiology import reference_individual
    from pbpk.physiology.pediatrics import child

    theophylline = load_compound("theophylline")
    man, woman = reference_individual("male"), reference_individual("female")
    assert man.urine_flow.to("mL/day").magnitude == pytest.approx(1600)
    assert unreabsorbed_fraction(theophylline, man) == pytest.approx(0.12)
    assert unreabsorbed_fraction(theophylline, woman) == pytest.approx(0.12)
    q, gfr = man.urine_flow.to("L/h").magnitude, man.gfr.to("L/h").magnitude
    r = q / gfr * (1 - 0.12) / 0.12
    diuresis = replace(man, urine_flow=man.urine_flow * 2)
    assert unreabsorbed_fraction(theophylline, diuresis) == pytest.approx(2 * q / (2 * q + r * gfr))
    preterm = child("9 day", gestational_age="30 week", weight="1.3 kg")
    qp, gfrp = preterm.urine_flow.to("L/h").magnitude, preterm.gfr.to("L/h").magnitude
    assert qp == pytest.approx(0.300 / 24 * 1.3 / 3.5)  # the newborn's urine per kg (ICRP 89)
    assert unreabsorbed_fraction(theophylline, preterm) == pytest.approx(qp / (qp + r * gfrp))
    assert unreabsorbed_fraction(theophylline, preterm) > 3 * 0.12
    from pbpk.disposition.binding import plasma_unbound_fraction

    fu = plasma_unbound_fraction(theophylline, preterm)  # renal clearance = fu·f·GFR (no secretion)
    assert renal_clearance(theophylline, preterm).to("L/h").magnitude == pytest.approx(
        fu * unreabsorbed_fraction(theophylline, preterm) * gfrp)
    digoxin = load_compound("digoxin")  # constant reabsorption (none): unchanged by urine flow
    assert unreabsorbed_fraction(digoxin, diuresis) == unreabsorbed_fraction(digoxin, man) == 1.0
