"""Poulin & Theil: reproduce the published human Vss of 20 drugs.

Reference: Poulin P, Theil FP. J Pharm Sci 2002;91:129-156 (Vss predicted with the
tissue-composition Kp of Poulin & Theil 2002, J Pharm Sci 91:1358), with the human
tissue composition and volumes (L/kg) of that paper. Values as transcribed in
metrumresearchgroup/PBPK_PC (script/script.R rep_PT_*; data/tissue_comp_P&T.csv),
the repository of Utsey et al. 2020 (DMD 48:903).
Vss = Σ V_t·Kp_t + V_e·E:P + V_p with E:P = (B:P − (1 − Hct))/Hct, Hct 0.45.
"""

import pytest

from pbpk.compound.ionization import PKa
from pbpk.disposition.distribution import DrugPartitionInputs, kp_poulin_theil
from pbpk.physiology import TissueComposition

# tissue: f_water, f_n_l, f_pl, pH, volume (L/kg)
HUMAN = {
    "adipose": (0.18, 0.79, 0.002, 7.1, 0.11957),
    "bone": (0.439, 0.074, 0.0011, 7.0, 0.08563),
    "brain": (0.77, 0.051, 0.0565, 7.1, 0.02),
    "gut": (0.718, 0.0487, 0.0163, 7.0, 0.0171),
    "heart": (0.758, 0.0115, 0.0166, 7.1, 0.0047),
    "kidney": (0.783, 0.0207, 0.0162, 7.22, 0.0044),
    "liver": (0.751, 0.0348, 0.0252, 7.23, 0.026),
    "lung": (0.811, 0.003, 0.009, 6.6, 0.0076),
    "muscle": (0.76, 0.0238, 0.0072, 6.81, 0.4),
    "spleen": (0.788, 0.0201, 0.0198, 7.0, 0.0026),
    "skin": (0.718, 0.0284, 0.0111, 7.0, 0.0371),
}
PLASMA_VOLUME, RED_CELL_VOLUME, HCT = 0.0424, 0.0347, 0.45
PLASMA = TissueComposition("plasma", 0.945, 0, 0, 0.00225, 0.0035, 0, 0, 7.4, None, None, None, None, "")

# drug: class, logP, pKa values, fu, B:P, published Vss (L/kg)
DRUGS = {
    "acetaminophen": ("acid", 0.46, [9.38], 1.0, 1.0, 0.63),
    "ascorbic acid": ("acid", -1.85, [4.7], 0.76, 0.82, 0.50),
    "isoniazid": ("acid", -0.7, [1.82], 1.0, 1.0, 0.56),
    "thiopental": ("acid", 2.85, [7.45], 0.112, 1.0, 2.87),
    "acetazolamide": ("acid", -0.26, [7.4], 0.044, 1.0, 0.32),
    "tetrahydrocannabinol": ("acid", 6.97, [10.6], 0.115, 0.55, 5.53),
    "caffeine": ("base", -0.07, [10.4], 0.681, 0.98, 0.53),
    "acebutolol": ("base", 1.71, [9.67], 0.743, 1.0, 1.25),
    "chlorpheniramine": ("base", 3.38, [9.13], 0.27, 1.34, 3.26),
    "carvedilol": ("base", 4.19, [8.4], 0.0054, 0.71, 2.68),
    "mepivacaine": ("base", 1.95, [7.76], 0.225, 0.9, 1.22),
    "trimethoprim": ("base", 0.91, [7.12], 0.304, 1.0, 0.52),
    "alfentanil": ("base", 2.16, [6.5], 0.074, 1.0, 1.38),
    "cimetidine": ("base", 0.4, [6.8], 0.8, 1.0, 0.56),
    "etomidate": ("base", 3.05, [4.5], 0.235, 1.0, 4.55),
    "coumarin": ("neutral", 1.39, [], 0.853, 1.0, 1.08),
    "griseofulvin": ("neutral", 2.18, [], 0.2, 1.0, 1.72),
    "cyclosporin": ("neutral", 2.92, [], 0.0602, 1.36, 2.77),
    "ciprofloxacin": ("zwitterion", -0.2, [6.3, 8.6], 0.485, 1.0, 0.47),
    "enoxacin": ("zwitterion", 0.28, [6.3, 8.3], 0.52, 1.0, 0.44),
}


def pka_list(kind, values):
    if kind == "zwitterion":
        return (PKa(values[0], "acid", ""), PKa(values[1], "base", ""))
    return tuple(PKa(v, kind, "") for v in values)


@pytest.mark.parametrize("name", sorted(DRUGS))
def test_poulin_theil_2002_vss(name):
    """Within 8 % of the published Vss (inputs are rounded to 2-3 figures)."""
    kind, log_p, pkas, fu, bp, published = DRUGS[name]
    drug = DrugPartitionInputs(log_p, pka_list(kind, pkas), fu, bp, HCT)
    vss = PLASMA_VOLUME + RED_CELL_VOLUME * (bp - (1 - HCT)) / HCT
    for tissue, (water, n_l, pl, ph, volume) in HUMAN.items():
        composition = TissueComposition(tissue, water, 0, 0, pl, n_l, 0, 0, ph, None, None, None, None, "")
        vss += volume * kp_poulin_theil(composition, drug, PLASMA, PLASMA)
    assert vss == pytest.approx(published, rel=0.08)
