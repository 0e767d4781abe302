"""pbpk: physiologically based pharmacokinetic modelling.

Subpackages follow the flow of data (docs/architecture.md), dependencies one way:
:mod:`pbpk.core` → :mod:`pbpk.compound` and :mod:`pbpk.physiology` →
:mod:`pbpk.disposition` → :mod:`pbpk.model` → :mod:`pbpk.engine` →
:mod:`pbpk.simulation` → :mod:`pbpk.populations` → :mod:`pbpk.ddi` →
:mod:`pbpk.qualification` → :mod:`pbpk.cli`.

The names below load on first use, so ``import pbpk`` (and ``pbpk --help``) stays fast.

>>> from pbpk import load_compound, reference_individual
>>> load_compound("midazolam").name, reference_individual("female").sex
('midazolam', 'female')
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name → the module that defines it.
_EXPORTS = {
    "Compound": "pbpk.compound",
    "load_compound": "pbpk.compound",
    "Individual": "pbpk.physiology",
    "reference_individual": "pbpk.physiology",
    "PartitionResult": "pbpk.disposition.distribution",
    "partition_coefficients": "pbpk.disposition.distribution",
    "PbpkInputError": "pbpk.core.errors",
    "Simulation": "pbpk.simulation.simulate",
    "simulate": "pbpk.simulation.simulate",
}
__all__ = ["Compound", "Individual", "PartitionResult", "PbpkInputError", "Simulation", "load_compound",
           "partition_coefficients", "reference_individual", "simulate"]

if TYPE_CHECKING:  # pragma: no cover
    from pbpk.compound import Compound, load_compound
    from pbpk.core.errors import PbpkInputError
    from pbpk.disposition.distribution import PartitionResult, partition_coefficients
    from pbpk.physiology import Individual, reference_individual
    from pbpk.simulation.simulate import Simulation, simulate


def __getattr__(name: str) -> object:
    """Load a public name from its module on first use (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'pbpk' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
