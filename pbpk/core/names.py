"""Names the whole package shares: model tissues, enzymes and transporters.

They come from the physiology database (``physiology_db/tissues.yaml`` and
``enzymes.yaml``) and are read once per process. Compound files are checked
against them, so they live below both the compound and the physiology layers.

Examples
--------
>>> "liver" in tissue_names() and "CYP3A4" in enzyme_names()
True
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pbpk.core.datafiles import data_dir
from pbpk.core.records import load_yaml


@cache
def database_file(name: str, folder: Path | None = None) -> dict:
    """A parsed physiology database file (read once per process; never mutated)."""
    return load_yaml((folder or data_dir("physiology_db")) / name)


@cache
def tissue_names() -> tuple[str, ...]:
    """Names of all model tissues, in model order."""
    return tuple(database_file("tissues.yaml")["tissues"])


@cache
def transporter_names() -> tuple[str, ...]:
    """Names of the transporters a compound file may name."""
    return tuple(database_file("tissues.yaml")["transporters"])


#: Transporters of the hepatocyte's sinusoidal membrane that take drug up from blood (``hepatic_uptake``).
SINUSOIDAL_UPTAKE = ("OATP1B1", "OATP1B3", "OCT1")

#: Key of renal tubular secretion that a compound names no transporter for (a child's secretion maturity).
UNNAMED_SECRETION = "unnamed"


@cache
def enzyme_names() -> tuple[str, ...]:
    """Names of the drug-metabolising enzymes a compound file may name."""
    return tuple(database_file("enzymes.yaml")["names"])


def identifier(name: str) -> str:
    """A name (enzyme, transporter, compound) as part of a model symbol: ``P-gp`` → ``P_gp``."""
    return re.sub(r"\W", "_", name)
