"""Observed concentration–time data from a CSV file, to draw over simulated profiles.

The file has a column ``time`` (h after the first dose), a column ``concentration``
and optionally ``spread`` (same unit, drawn as error bars); lines starting with
``#`` are comments (put the source there). The concentration unit is given in the
header, ``concentration [ng/mL]``, or by the caller (``unit``); a mass or molar
concentration (molar converts with the compound's molecular weight).

Examples
--------
>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "levels.csv"
>>> _ = path.write_text("# hypothetical\\ntime,concentration [ng/mL]\\n1,120\\n4,60\\n")
>>> read_observed(path).values_in_mg_per_l(300.0)
array([0.12, 0.06])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pint

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity, mg_per_umol, ureg


@dataclass(frozen=True)
class ObservedProfile:
    """An observed concentration–time course (individual levels, or a group mean or median)."""

    file: str
    times: np.ndarray  # h
    values: np.ndarray  # in ``unit``
    unit: str
    statistic: str
    spread: np.ndarray | None = None

    def values_in_mg_per_l(self, molecular_weight: float) -> np.ndarray:
        """Concentrations in mg/L (``molecular_weight`` in g/mol converts a molar unit)."""
        return _in_mg_per_l(self.values, self.unit, molecular_weight)

    def spread_in_mg_per_l(self, molecular_weight: float) -> np.ndarray | None:
        return None if self.spread is None else _in_mg_per_l(self.spread, self.unit, molecular_weight)


def read_observed(path: str | Path, unit: str | None = None, statistic: str = "observed") -> ObservedProfile:
    """Read an observed-data CSV; ``unit`` is required unless the header names it (and must then agree)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise PbpkInputError(str(path), "file", str(path), "an existing CSV file of observed concentrations")
    table = pd.read_csv(path, comment="#")
    columns = {re.sub(r"\s*\[.*\]\s*$", "", str(c)).strip(): str(c) for c in table.columns}
    missing = {"time", "concentration"} - set(columns)
    if missing:
        raise PbpkInputError(str(path), "columns", list(table.columns),
                             "columns time (h), concentration (and optionally spread)")
    header_unit = re.search(r"\[(.*)\]", columns["concentration"])
    unit = _unit(path, header_unit.group(1).strip() if header_unit else None, unit)
    times = table[columns["time"]].to_numpy(dtype=float)
    values = table[columns["concentration"]].to_numpy(dtype=float)
    bad = ~np.isfinite(times) | (times < 0) | ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = int(np.argmax(bad))
        raise PbpkInputError(f"{path}:{_line_of_row(path, row)}", "time/concentration", table.iloc[row].tolist(),
                             "finite, non-negative times (h) and concentrations")
    spread = table[columns["spread"]].to_numpy(dtype=float) if "spread" in columns else None
    return ObservedProfile(str(path), times, values, unit, statistic, spread)


def is_concentration_unit(text: str) -> bool:
    """Whether ``text`` is a mass or molar concentration unit (ng/mL, mg/L, umol/L, ...)."""
    try:
        quantity = ureg.Quantity(1, ureg.parse_units(text))
    except (pint.errors.PintError, ValueError, AttributeError, TypeError):
        return False
    return quantity.is_compatible_with("mg/L") or quantity.is_compatible_with("umol/L")


def _unit(path: Path, in_header: str | None, given: str | None) -> str:
    if in_header is None and given is None:
        raise PbpkInputError(str(path), "concentration unit", None,
                             'a unit in the header ("concentration [ng/mL]") or given with the file',
                             "e.g. --observed-unit ng/mL")
    if in_header is not None and given is not None and ureg.parse_units(in_header) != ureg.parse_units(given):
        raise PbpkInputError(str(path), "concentration unit", f"{in_header} (header) vs {given} (given)",
                             "one unit: the header's or the given one")
    unit = in_header or given
    if not is_concentration_unit(unit):
        raise PbpkInputError(str(path), "concentration unit", unit,
                             "a mass or molar concentration unit such as ng/mL or umol/L")
    return unit


def _line_of_row(path: Path, row: int) -> int:
    """The file line (1-based) of data row ``row``, counting comments and the header."""
    data_lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                  if line.strip() and not line.lstrip().startswith("#")]
    return data_lines[row + 1] if row + 1 < len(data_lines) else data_lines[-1]


def _in_mg_per_l(values: np.ndarray, unit: str, molecular_weight: float) -> np.ndarray:
    quantity = Quantity(values, unit)
    if quantity.is_compatible_with("mg/L"):
        return quantity.to("mg/L").magnitude
    return quantity.to("umol/L").magnitude * mg_per_umol(Quantity(molecular_weight, "g/mol"))
