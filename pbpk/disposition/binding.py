"""Plasma protein binding in a given person: fu rescaled by the binding protein's level.

A compound's ``fu_plasma`` was measured in adult plasma. In a neonate (less
albumin and AGP) or a pregnant woman (less albumin, more AGP late) the unbound
fraction differs; assuming one class of binding sites far from saturation, the
bound/unbound ratio is proportional to the protein concentration P
(McNamara PJ & Alcorn J, AAPS PharmSci 2002;4:E4, eq. 3):

    fu = 1 / (1 + (1 − fu_adult) · P / (P_adult · fu_adult))

Examples
--------
>>> round(scaled_unbound_fraction(0.031, 0.5), 4)   # midazolam at half the adult albumin
0.0601
>>> scaled_unbound_fraction(0.031, 1.0)
0.031
"""

from __future__ import annotations

from pbpk.compound import Compound
from pbpk.physiology import Individual


def scaled_unbound_fraction(fu_adult: float, protein_ratio: float) -> float:
    """Unbound fraction at ``protein_ratio`` = P/P_adult of the binding protein (McNamara & Alcorn 2002)."""
    if protein_ratio == 1.0:
        return fu_adult
    return 1.0 / (1.0 + (1.0 - fu_adult) * protein_ratio / fu_adult)


def binding_protein_ratio(compound: Compound, individual: Individual) -> float:
    """The individual's level of the compound's binding protein relative to the adult reference."""
    adult = individual.adult_reference
    if compound.binding_protein == "albumin":
        level, reference = individual.albumin, adult.albumin
    else:
        level, reference = individual.alpha1_acid_glycoprotein, adult.alpha1_acid_glycoprotein
    return float((level / reference).to("").magnitude)


def plasma_unbound_fraction(compound: Compound, individual: Individual) -> float:
    """fu in this individual's plasma: the compound's adult value rescaled by the binding-protein level and by the
    individual's ``unbound_fraction_factor`` m (renal impairment), applied as a binding capacity 1/m: fu rises m-fold
    for a highly bound drug and less for a weakly bound one (a 30 %-bound drug cannot become 1.55 times as free)."""
    capacity = binding_protein_ratio(compound, individual) / individual.unbound_fraction_factor
    return scaled_unbound_fraction(compound.fu_plasma.value, capacity)
