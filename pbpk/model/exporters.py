"""Exporters of a model with its parameter values, by format: one entry per format.

Today SBML (Level 3 Version 2, simulated by libroadrunner in the tests); population PK
priors get their own exporters in the MIPD layer. An exporter names the file suffixes it
writes, so a command can check an output path before any work is done.

Examples
--------
>>> exporter("sbml").suffixes
('.xml', '.sbml')
>>> exporter_for_path("model.txt")
Traceback (most recent call last):
...
pbpk.core.errors.PbpkInputError: export: path: got 'model.txt'; expected a file ending in .xml or .sbml (sbml).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.model.symbolic import SymbolicModel


@dataclass(frozen=True)
class Exporter:
    """One export format: its name, file suffixes, what it writes and the function writing it."""

    name: str
    suffixes: tuple[str, ...]
    description: str
    write: Callable[[SymbolicModel, np.ndarray, Path], None]


def _write_sbml(model: SymbolicModel, parameters: np.ndarray, path: Path) -> None:
    from pbpk.model.sbml import write_sbml  # python-libsbml, imported when used

    write_sbml(model, parameters, path)


EXPORTERS: dict[str, Exporter] = {
    "sbml": Exporter("sbml", (".xml", ".sbml"), "SBML Level 3 Version 2 with parameter values", _write_sbml),
}


def exporter(name: str) -> Exporter:
    """The exporter of a format, or an error listing the formats."""
    if name not in EXPORTERS:
        raise PbpkInputError("export", "format", name, f"one of {', '.join(EXPORTERS)}", did_you_mean(name, EXPORTERS))
    return EXPORTERS[name]


def exporter_for_path(path: str | Path, formats: tuple[str, ...] | None = None) -> Exporter:
    """The exporter whose suffix ``path`` has (among ``formats``, default all)."""
    candidates = [EXPORTERS[name] for name in (formats or tuple(EXPORTERS))]
    suffix = Path(path).suffix.lower()
    for candidate in candidates:
        if suffix in candidate.suffixes:
            return candidate
    wanted = " or ".join(s for c in candidates for s in c.suffixes)
    names = ", ".join(c.name for c in candidates)
    raise PbpkInputError("export", "path", str(path), f"a file ending in {wanted} ({names})")
