"""The person as data: one :class:`Individual`, the reference adults, ontogeny, children and pregnancy.

Special populations are verbs that return a changed :class:`Individual`
(:func:`pbpk.physiology.pediatrics.child`, :func:`pbpk.physiology.pregnancy.pregnant`).
"""

from pbpk.physiology.individual import (
    ROLES,
    SEXES,
    AdultReference,
    Individual,
    Sex,
    Tissue,
    TissueComposition,
    scale_to_weight,
)
from pbpk.physiology.reference import reference_individual

__all__ = ["ROLES", "SEXES", "AdultReference", "Individual", "Sex", "Tissue", "TissueComposition",
           "reference_individual", "scale_to_weight"]
