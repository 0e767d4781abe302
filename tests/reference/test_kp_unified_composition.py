"""Agreement with an independent implementation on the same composition (within 0.1 %).

Schmitt differs in the 4th figure only: PBPK_PC writes the protein constant as
5(0.81 + 0.11·K)/24.92 where Schmitt 2008 gives 0.163 + 0.0221·K.
Kp computed by an independent implementation on the standardised composition.

metrumresearchgroup/PBPK_PC (the R code of Utsey et al. 2020, DMD 48:903; HEAD
75a5944) run on data/unified_tissue_comp.csv, which is the composition in
physiology_db/tissue_composition.yaml. Inputs as in its script/PBPK_sim_<drug>.R.
Tissue order: adipose, bone, brain, heart, kidney, gut, liver, lung, muscle, skin, spleen.
(PBPK_PC's Rodgers & Rowland deviates from the published equations, so only
Poulin & Theil, Berezhkovskiy and Schmitt are compared.)
"""

import pytest

from pbpk.compound.ionization import PKa
from pbpk.disposition.distribution import METHODS, DrugPartitionInputs

TISSUES = ["adipose", "bone", "brain", "heart", "kidney", "gut", "liver", "lung", "muscle", "skin", "spleen"]

# drug: logP, pKa, fu, B:P
INPUTS = {
    "midazolam": (3.13, (PKa(6.0, "base", ""),), 0.032, 0.664),
    "alfentanil": (2.2, (PKa(6.5, "base", ""),), 0.11, 0.63),
    "digoxin": (1.2, (), 0.61, 0.94),
    "thiopental": (2.9, (PKa(7.5, "acid", ""),), 0.13, 1.0),
    "voriconazole": (2.56, (PKa(1.76, "base", ""),), 0.42, 1.0),
}

PBPK_PC_UNIFIED = {
    ("midazolam", "poulin_theil"): [2.3384, 8.8277, 7.3968, 11.181, 4.8984, 6.4037, 5.3345, 0.74305, 1.8585, 4.7099, 2.4278],
    ("midazolam", "berezhkovskiy"): [3.548, 3.1644, 2.8333, 4.102, 1.9824, 2.4886, 2.1191, 0.59793, 0.95753, 1.8821, 1.1657],
    ("midazolam", "schmitt"): [34.724, 3.3385, 6.3817, 4.408, 2.7168, 2.9697, 2.4298, 0.83367, 1.3609, 5.5062, 1.4261],
    ("alfentanil", "poulin_theil"): [0.93803, 4.4881, 3.9055, 5.7564, 2.6587, 3.3996, 2.8682, 0.62095, 1.1583, 2.5379, 1.4536],
    ("alfentanil", "berezhkovskiy"): [1.0453, 1.5555, 1.5303, 2.0866, 1.142, 1.3663, 1.1954, 0.53825, 0.68531, 1.0683, 0.79153],
    ("alfentanil", "schmitt"): [12.555, 1.2429, 3.4066, 1.7913, 1.2409, 1.2978, 1.0767, 0.515, 0.70336, 2.8837, 0.71333],
    ("digoxin", "poulin_theil"): [0.6081, 1.3241, 1.4696, 1.8557, 1.1531, 1.3183, 1.1881, 0.71603, 0.80947, 1.0628, 0.90937],
    ("digoxin", "berezhkovskiy"): [0.64124, 1.1178, 1.2987, 1.5971, 1.0477, 1.1762, 1.0704, 0.71381, 0.77946, 0.96086, 0.86467],
    ("digoxin", "schmitt"): [8.3502, 1.0944, 1.6672, 1.4932, 1.0602, 1.1279, 0.99783, 0.62995, 0.7424, 1.4681, 0.79223],
    ("thiopental", "poulin_theil"): [5.0402, 8.7331, 7.3445, 11.075, 4.8773, 6.3619, 5.3064, 0.78039, 1.8783, 4.6862, 2.4426],
    ("thiopental", "berezhkovskiy"): [6.0404, 6.0623, 5.2337, 7.7576, 3.5543, 4.56, 3.8376, 0.7886, 1.5208, 3.3973, 1.9155],
    ("thiopental", "schmitt"): [64.538, 6.7108, 10.844, 8.1165, 4.9117, 4.6991, 4.3621, 1.4984, 2.7179, 9.8649, 2.8537],
    ("voriconazole", "schmitt"): [130.24, 12.758, 18.982, 16.157, 9.5126, 10.626, 8.7157, 2.4715, 4.573, 16.531, 4.9794],
}



@pytest.mark.parametrize("drug, method", sorted(PBPK_PC_UNIFIED))
def test_matches_pbpk_pc_on_unified_composition(drug, method, male):
    log_p, pkas, fu, bp = INPUTS[drug]
    inputs = DrugPartitionInputs(log_p, pkas, fu, bp, 0.45)
    compositions = {t.composition.name: t.composition for t in male.tissues.values()}
    for tissue, expected in zip(TISSUES, PBPK_PC_UNIFIED[(drug, method)]):
        kp = METHODS[method](compositions[tissue], inputs, male.plasma, male.red_blood_cells)
        assert kp == pytest.approx(expected, rel=1e-3), tissue
