"""Checks of the numbers a PD model is given: parameters, concentrations, exposures.

Every refusal is a :class:`~pbpk.core.errors.PbpkInputError` naming the model (``where``),
the parameter, the value and what was expected, like every other input error of pbpk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from pbpk.core.errors import PbpkInputError


def _first_bad(values: np.ndarray, good: np.ndarray) -> float:
    return float(values[~good].ravel()[0])


def positive(value: Any, *, where: str, field: str, unit: str = "") -> np.ndarray:
    """``value`` as a float array whose every element is finite and > 0.

    >>> positive(2.0, where="Emax model", field="ec50").item()
    2.0
    >>> positive([1.0, -3.0], where="Emax model", field="ec50")
    Traceback (most recent call last):
        ...
    pbpk.core.errors.PbpkInputError: Emax model: ec50: got -3.0; expected a finite number > 0.
    """
    values = _floats(value, where=where, field=field)
    good = np.isfinite(values) & (values > 0)
    if not good.all():
        raise PbpkInputError(where, field, _first_bad(values, good), f"a finite number > 0{_in(unit)}")
    return values


def nonnegative(value: Any, *, where: str, field: str, unit: str = "") -> np.ndarray:
    """``value`` as a float array whose every element is finite and ≥ 0 (concentrations, exposures)."""
    values = _floats(value, where=where, field=field)
    good = np.isfinite(values) & (values >= 0)
    if not good.all():
        raise PbpkInputError(where, field, _first_bad(values, good), f"finite numbers ≥ 0{_in(unit)}")
    return values


def finite(value: Any, *, where: str, field: str) -> np.ndarray:
    """``value`` as a float array of finite numbers (coefficients that may be negative)."""
    values = _floats(value, where=where, field=field)
    good = np.isfinite(values)
    if not good.all():
        raise PbpkInputError(where, field, _first_bad(values, good), "finite numbers")
    return values


def fraction(value: Any, *, where: str, field: str, open_low: bool = False) -> np.ndarray:
    """``value`` as a float array in [0, 1] (in (0, 1] with ``open_low``)."""
    values = _floats(value, where=where, field=field)
    low = values > 0 if open_low else values >= 0
    good = np.isfinite(values) & low & (values <= 1)
    if not good.all():
        raise PbpkInputError(where, field, _first_bad(values, good), "a number in (0, 1]" if open_low
                             else "a number in [0, 1]")
    return values


def times(value: Any, *, where: str, field: str = "times") -> np.ndarray:
    """Sample times: a 1-D array of at least two finite, strictly increasing numbers."""
    values = _floats(value, where=where, field=field)
    if values.ndim != 1 or values.size < 2:
        raise PbpkInputError(where, field, f"an array of shape {values.shape}", "at least two times in a 1-D array")
    if not np.all(np.isfinite(values)):
        raise PbpkInputError(where, field, _first_bad(values, np.isfinite(values)), "finite times")
    steps = np.diff(values)
    if np.any(steps <= 0):
        k = int(np.argmax(steps <= 0))
        raise PbpkInputError(where, f"{field}[{k + 1}]", float(values[k + 1]),
                             f"a time after {values[k]:g} (times strictly increasing)")
    return values


def concentration_function(source: Any, *, where: str) -> Callable[[float], Any]:
    """A function of time from a callable, or from ``(times, values)`` sampled points joined linearly.

    ``values`` may be one profile (times,) or one per subject (subjects × times); the function
    then returns one value per subject. Before the first and after the last time the end values hold.

    >>> c = concentration_function(([0.0, 2.0], [0.0, 4.0]), where="x")
    >>> float(c(1.0))
    2.0
    """
    if callable(source):
        return source
    if not (isinstance(source, tuple) and len(source) == 2):
        raise PbpkInputError(where, "concentration", type(source).__name__,
                             "a function of time, or a pair (times, values) of sampled points")
    grid = times(source[0], where=where, field="concentration times")
    values = nonnegative(source[1], where=where, field="concentration values")
    if values.shape[-1] != grid.size or values.ndim > 2:
        raise PbpkInputError(where, "concentration values", f"an array of shape {values.shape}",
                             f"{grid.size} values per subject (times,) or (subjects, times)")
    if values.ndim == 1:
        return lambda t: np.interp(t, grid, values)
    return lambda t: np.array([np.interp(t, grid, row) for row in values])


def _floats(value: Any, *, where: str, field: str) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise PbpkInputError(where, field, repr(value)[:60], "numbers") from None


def _in(unit: str) -> str:
    return f" ({unit})" if unit else ""
