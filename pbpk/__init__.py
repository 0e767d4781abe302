"""pbpk: physiologically based pharmacokinetic modelling.

Data flow (docs/architecture.md): compound files → :mod:`pbpk.compound`;
physiology database → :mod:`pbpk.physiology`; tissue partitioning →
:mod:`pbpk.distribution`; clearance scaling → :mod:`pbpk.clearance`; symbolic
model → :mod:`pbpk.model`; kernels → :mod:`pbpk.codegen`; simulation →
:mod:`pbpk.solve`; command line → :mod:`pbpk.cli`.
"""

from pbpk.compound import Compound, load_compound
from pbpk.distribution import PartitionResult, partition_coefficients
from pbpk.errors import PbpkInputError
from pbpk.physiology import Individual, reference_individual
from pbpk.solve import Simulation, simulate

__all__ = [
    "Compound",
    "Individual",
    "PartitionResult",
    "PbpkInputError",
    "load_compound",
    "partition_coefficients",
    "reference_individual",
    "Simulation",
    "simulate",
]
__version__ = "0.1.0"
