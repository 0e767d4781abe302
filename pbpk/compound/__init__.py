"""The drug as data: the compound schema, the loader of ``compounds/*.yaml`` and ionization."""

from pbpk.compound.clearance import (
    BiliaryElimination,
    Clearance,
    DialysisElimination,
    HepaticPathway,
    HepaticUptake,
    KidneyFailureChange,
    Metabolite,
    RenalElimination,
)
from pbpk.compound.load import load_compound
from pbpk.compound.schema import (
    BINDING_PROTEINS,
    PARTITION_METHODS,
    Absorption,
    Compound,
    Interaction,
    SpecificBinding,
)

__all__ = [
    "BINDING_PROTEINS",
    "PARTITION_METHODS",
    "Absorption",
    "BiliaryElimination",
    "Clearance",
    "Compound",
    "DialysisElimination",
    "HepaticPathway",
    "HepaticUptake",
    "Interaction",
    "KidneyFailureChange",
    "Metabolite",
    "RenalElimination",
    "SpecificBinding",
    "load_compound",
]
