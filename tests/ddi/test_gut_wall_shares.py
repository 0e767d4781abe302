"""The gut-wall first pass in DDI models (:func:`pbpk.disposition.clearance.gut_wall_shares`): a measured Fg of a
compound with only in-vivo hepatic data is split among its intestinal enzymes, so inhibitors act on it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pbpk.compound import load_compound
from pbpk.ddi.dynamic import Arm, interaction
from pbpk.disposition.clearance import gut_intrinsic_clearances, gut_wall_shares
from pbpk.physiology import reference_individual
from pbpk.simulation.simulate import simulate

MAN = reference_individual("male")
HERE = Path(__file__).parent / "compounds"
WINDOW = (50.0, 250.0)


def test_in_vitro_shares_follow_the_gut_wall_clint():
    midazolam = load_compound("midazolam")
    clints = gut_intrinsic_clearances(midazolam, MAN)
    total = sum(q.to("L/h").magnitude for q in clints.values())
    assert gut_wall_shares(midazolam, MAN) == pytest.approx({e: q.to("L/h").magnitude / total for e, q in clints.items()})


def test_a_measured_fg_with_in_vivo_pathways_is_shared_by_the_intestinal_enzymes():
    alfentanil = load_compound("alfentanil")  # in-vivo CYP3A4 CLint, Fg 0.49 measured (Kharasch 2008)
    assert not gut_intrinsic_clearances(alfentanil, MAN)
    assert gut_wall_shares(alfentanil, MAN) == {"CYP3A4": 1.0}
    assert gut_wall_shares(replace(alfentanil, absorption=replace(alfentanil.absorption, fg=None)), MAN) == {}
    metoprolol = load_compound("metoprolol")  # CYP2D6 and CYP3A4 in vivo; no intestinal CYP2D6 abundance
    assert gut_wall_shares(metoprolol, MAN) == {"CYP3A4": 1.0}


def test_constant_inhibition_of_the_gut_wall_and_liver_follows_the_qgut_form():
    """Oral alfentanil on a constant CYP3A4 inhibitor: Fg' = 1/(1 + (1 − Fg)/Fg/(1 + I_gut/Ki)) and hepatic
    CLint/(1 + I_liver/Ki), against the single model with both set by hand."""
    alfentanil = load_compound("alfentanil")
    inhibitor = load_compound(HERE / "inhibitor_fast.yaml")  # CYP3A4 Ki_u 1 umol/L
    result = interaction(Arm.of(alfentanil, "4 mg", "oral", time="50 h"),
                         [Arm.of(inhibitor, "48000 mg", "infusion", duration="300 h")], window=WINDOW)
    treatment = result.treatment
    gut, liver = (treatment.output(f"inhibitor_fast__C_{site}_unbound")[-1] for site in ("enterocyte", "liver"))
    fg = alfentanil.absorption.fg
    scaled = replace(alfentanil, absorption=replace(alfentanil.absorption, fg=1.0 / (1.0 + (1.0 - fg) / fg / (1.0 + gut))),
                     clearance=replace(alfentanil.clearance, hepatic=tuple(
                         replace(p, clint=p.clint / (1.0 + liver)) for p in alfentanil.clearance.hepatic)))

    def auc(compound) -> float:
        simulation = simulate(compound, MAN, dose="4 mg", route="oral", times=np.linspace(0.0, 200.0, 2001))
        return float(simulation.state("AUC_plasma")[-1] * simulation.mg_per_umol)

    assert "E_CYP3A4_gut" not in treatment.coupled.model.outputs  # reversible only: no turnover state
    assert result.aucr == pytest.approx(auc(scaled) / auc(alfentanil), rel=2e-3)
    assert result.aucr > 1.5
