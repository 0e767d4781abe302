"""Checks shared by the records of a compound (:mod:`pbpk.compound.schema`, :mod:`pbpk.compound.clearance`)."""

from __future__ import annotations

from pbpk.core.errors import PbpkInputError
from pbpk.core.records import check_number, check_quantity


def fraction(value: object, where: str, field: str, *, low_open: bool = True) -> float:
    """A fraction in (0, 1] (or [0, 1] if not ``low_open``)."""
    return check_number(value, where=where, field=field, low=0, high=1, low_open=low_open)


def optional(value: object, unit: str, where: str, field: str, *, required: bool = False,
              positive: bool = True) -> None:
    """Check an optional quantity (``required``: it must be given)."""
    if value is None:
        if required:
            raise PbpkInputError(where, field, None, f"a quantity in units like {unit}")
        return
    check_quantity(value, unit, where=where, field=field, positive=positive)


def parts(values: object, kind: type, where: str, field: str) -> None:
    """Check that ``values`` is a tuple of ``kind`` (each part has validated itself)."""
    if not isinstance(values, tuple) or not all(isinstance(value, kind) for value in values):
        raise PbpkInputError(where, field, str(values)[:60], f"a tuple of {kind.__name__}")
