"""The person as data: one :class:`Individual`, the reference adults, ontogeny, children and pregnancy.

Special populations are verbs that return a changed :class:`Individual`
(:func:`pbpk.physiology.adults.adult` by age and body size, :func:`pbpk.physiology.pediatrics.child`,
:func:`pbpk.physiology.pregnancy.pregnant`, :func:`pbpk.physiology.renal_impairment.renal_impairment`);
:func:`pbpk.physiology.patient.patient` builds one person from clinical covariates.
"""

from pbpk.physiology.individual import (
    ROLES,
    SEXES,
    AdultReference,
    Individual,
    Sex,
    Tissue,
    TissueComposition,
)
from pbpk.physiology.reference import reference_individual

__all__ = ["ROLES", "SEXES", "AdultReference", "Individual", "Sex", "Tissue", "TissueComposition",
           "reference_individual"]
