"""Reading YAML files safely into validated records.

``load_yaml`` reads a file with a safe loader (no tags execute anything),
rejects duplicate keys and remembers the line of every mapping key, so errors
can point at ``file:line``. ``Record`` wraps one mapping: typed accessors parse
and check each field, and ``finish()`` reports any key that was never read,
with a "did you mean".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pint
import yaml

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import Quantity, parse_quantity


@dataclass(frozen=True)
class Cited:
    """A value with its source.

    Attributes
    ----------
    value
        A float (dimensionless) or a pint quantity.
    source
        Paper, table and year (or database entry) the value comes from.
    fitted_to
        The clinical study the value was fitted to, if it was fitted; such a
        study cannot then serve as an independent test of the value.
    """

    value: Any
    source: str
    fitted_to: str | None = None

    @property
    def fitted(self) -> bool:
        return self.fitted_to is not None


class _LinedDict(dict):
    """A dict that remembers the source line (1-based) of each key."""

    lines: dict[str, int]


class _SafeLineLoader(yaml.SafeLoader):
    """SafeLoader that records key lines and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _LinedDict:
        self.flatten_mapping(node)
        mapping = _LinedDict()
        mapping.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f'duplicate key "{key}" (first on line {mapping.lines[key]})', key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.lines[key] = key_node.start_mark.line + 1
        return mapping


_SafeLineLoader.add_constructor("tag:yaml.org,2002:map", _SafeLineLoader.construct_mapping)


def load_yaml(path: str | Path) -> Any:
    """Load a YAML file safely; errors name the file and line.

    Raises
    ------
    PbpkInputError
        If the file is missing, is not valid YAML, uses a tag, or repeats a key.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PbpkInputError(str(path), "", str(path), "an existing YAML file", "check the path") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise PbpkInputError(str(path), "", str(path), "a UTF-8 YAML text file", str(exc)) from None
    try:
        return yaml.load(text, Loader=_SafeLineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        problem = exc.problem or ""
        if "could not determine a constructor" in problem:
            tag = problem.split("tag")[-1].strip(" '!") if "tag" in problem else "?"
            raise PbpkInputError(
                f"{path}:{line}", "", f"!{tag}", "plain YAML values",
                "YAML tags are not allowed in pbpk files (files are read with a safe loader; nothing is executed)",
            ) from None
        raise PbpkInputError(f"{path}:{line}", "", problem, "valid YAML") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise PbpkInputError(f"{path}{line}", "", problem, "valid YAML", "check indentation, colons and quotes") from None


class Record:
    """One YAML mapping being read, with its file and field path for messages.

    Examples
    --------
    >>> r = Record({"fu": 0.5, "name": "x"}, "x.yaml")
    >>> r.number("fu", low=0, high=1, low_open=True)
    0.5
    >>> r.text("name")
    'x'
    >>> r.finish()
    """

    def __init__(self, data: Any, file: str | Path, path: str = "", line: int | None = None) -> None:
        self.file = str(file)
        self.path = path
        self.line = line
        if not isinstance(data, Mapping):
            raise PbpkInputError(self.where(), path, _short(data), "a mapping of field: value")
        self.data = data
        self._read: set[str] = set()

    # -- locations -----------------------------------------------------------------
    def where(self, key: str | None = None) -> str:
        """``file:line`` of ``key`` (or of this record)."""
        lines = getattr(self.data, "lines", {}) if hasattr(self, "data") else {}
        line = lines.get(key) if key is not None else None
        line = line or self.line
        return f"{self.file}:{line}" if line else self.file

    def field(self, key: str) -> str:
        """Dotted path of ``key`` inside the file."""
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, found: object, expected: str, hint: str = "") -> PbpkInputError:
        """An input error located at ``key``."""
        return PbpkInputError(self.where(key), self.field(key), found, expected, hint)

    # -- presence --------------------------------------------------------------------
    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str, *, required: bool = True, expected: str = "a value") -> Any:
        """The raw value of ``key``; missing required keys raise."""
        self._read.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                raise PbpkInputError(self.where(), self.field(key), None, expected, f'add the required field "{key}"')
            return None
        return self.data[key]

    def keys(self) -> list[str]:
        return list(self.data)

    # -- typed accessors ----------------------------------------------------------------
    def text(self, key: str, *, required: bool = True, choices: Sequence[str] | None = None) -> str | None:
        value = self.raw(key, required=required, expected="a text value")
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, value, "a non-empty text value")
        if choices is not None:
            check_choice(value, choices, where=self.where(key), field=self.field(key))
        return value

    def boolean(self, key: str, *, required: bool = True, default: bool | None = None) -> bool | None:
        value = self.raw(key, required=required and default is None, expected="true or false")
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, value, "true or false")
        return value

    def number(
        self,
        key: str,
        *,
        required: bool = True,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        high_open: bool = False,
        hint: str = "",
    ) -> float | None:
        value = self.raw(key, required=required, expected="a number")
        if value is None:
            return None
        return check_number(value, where=self.where(key), field=self.field(key), low=low, high=high,
                            low_open=low_open, high_open=high_open, hint=hint)

    def quantity(
        self, key: str, unit: str, *, required: bool = True, positive: bool = True, example: str = ""
    ) -> pint.Quantity | None:
        """A dimensioned value (string with units) of the dimension of ``unit``."""
        value = self.raw(key, required=required, expected=f"a quantity in units like {unit}")
        if value is None:
            return None
        quantity = parse_quantity(value, unit, where=self.where(key), field=self.field(key), example=example)
        return check_quantity(quantity, unit, where=self.where(key), field=self.field(key), positive=positive,
                              found=value)

    def source(self, key: str = "source", *, required: bool = True, inherited: str | None = None) -> str | None:
        """The ``source`` text of this record (or ``inherited`` from an enclosing one)."""
        value = self.raw(key, required=required and inherited is None,
                         expected="the source of the value (paper, table, year)")
        if value is None:
            return inherited
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, value, "the source of the value as text (paper, table, year)")
        return value.strip()

    def cited(
        self,
        key: str,
        unit: str | None = None,
        *,
        required: bool = True,
        inherited_source: str | None = None,
        **limits: Any,
    ) -> Cited | None:
        """A value written ``{value: ..., source: ..., fitted_to: ...}``.

        ``unit`` gives the expected dimension for a quantity; without it the
        value is a plain number checked against ``limits`` (see ``number``).
        A bare value is accepted only when an enclosing record gives the source.
        """
        value = self.raw(key, required=required, expected="{value: ..., source: ...}")
        if value is None:
            return None
        if isinstance(value, Mapping):
            sub = self.record(key)
            source = sub.source(inherited=inherited_source)
            fitted_to = sub.text("fitted_to", required=False)
            sub.text("note", required=False)
            number = sub.quantity("value", unit, positive=limits.pop("positive", True)) if unit else sub.number("value", **limits)
            sub.finish()
            return Cited(number, source, fitted_to)
        if inherited_source is None:
            raise self.error(key, value, "{value: ..., source: ...}", "every value needs its source (paper, table, year)")
        number = self.quantity(key, unit, positive=limits.pop("positive", True)) if unit else self.number(key, **limits)
        return Cited(number, inherited_source)

    def record(self, key: str, *, required: bool = True) -> Record | None:
        value = self.raw(key, required=required, expected="a mapping of field: value")
        if value is None:
            return None
        return Record(value, self.file, self.field(key), self._line_of(key))

    def records(self, key: str, *, required: bool = True) -> list[Record]:
        """A list of mappings (a single mapping is accepted as a one-item list)."""
        value = self.raw(key, required=required, expected="a list of mappings")
        if value is None:
            return []
        if isinstance(value, Mapping):
            value = [value]
        if not isinstance(value, list):
            raise self.error(key, _short(value), "a list of mappings")
        return [Record(item, self.file, f"{self.field(key)}[{i}]", self._line_of(key)) for i, item in enumerate(value)]

    def finish(self, *, extra_known: Sequence[str] = (), hint: str = "") -> None:
        """Raise if the mapping holds keys that were never read (unknown fields); ``hint`` adds advice."""
        unknown = [key for key in self.data if key not in self._read and key not in extra_known]
        if unknown:
            key = unknown[0]
            known = sorted(self._read | set(extra_known))
            suggestion = did_you_mean(key, known)
            listing = ", ".join(known)
            raise PbpkInputError(
                self.where(key), self.field(key), key, f"one of the known fields ({listing})",
                (suggestion + " " if suggestion else "") + (hint + ". " if hint else "")
                + "Unknown fields are not ignored, so that nothing is silently lost",
            )

    def _line_of(self, key: str) -> int | None:
        return getattr(self.data, "lines", {}).get(key, self.line)


def check_number(
    value: object,
    *,
    where: str,
    field: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    hint: str = "",
) -> float:
    """Check that ``value`` is a finite real number inside the given interval."""
    interval = _interval_words(low, high, low_open, high_open)
    expected = f"a number{interval}"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                raise PbpkInputError(where, field, value, expected, hint) from None
            raise PbpkInputError(where, field, value, expected, "write the number without quotes")
        raise PbpkInputError(where, field, _short(value), expected, hint)
    number = float(value)
    if not math.isfinite(number):
        raise PbpkInputError(where, field, value, expected, hint)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        raise PbpkInputError(where, field, value, expected, hint)
    return number


def check_quantity(value: object, unit: str, *, where: str, field: str, positive: bool = True,
                   found: object = None) -> pint.Quantity:
    """Check that ``value`` is a finite pint quantity of the dimension of ``unit``, > 0 (or ≥ 0 if not ``positive``).

    No unit conversion: the sign of a magnitude does not depend on its unit. ``found``
    is what the message shows (default: the quantity).

    >>> from pbpk.core.units import Quantity
    >>> check_quantity(Quantity(-1.0, "L/h"), "L/h", where="x", field="gfr")
    Traceback (most recent call last):
        ...
    pbpk.core.errors.PbpkInputError: x: gfr: got -1.0 liter / hour; expected a positive quantity (> 0 L/h). Volumes, flows, clearances and constants cannot be zero or negative.
    """
    shown = value if found is None else found
    if not isinstance(value, pint.Quantity) or value.dimensionality != _dimensionality(unit):
        raise PbpkInputError(where, field, _short(shown), f"a quantity in units like {unit}")
    magnitude = float(value.magnitude)
    if not math.isfinite(magnitude):
        raise PbpkInputError(where, field, shown, "a finite quantity")
    if positive and magnitude <= 0:
        raise PbpkInputError(where, field, shown, f"a positive quantity (> 0 {unit})",
                             "volumes, flows, clearances and constants cannot be zero or negative")
    if not positive and magnitude < 0:
        raise PbpkInputError(where, field, shown, f"a quantity ≥ 0 {unit}")
    return value


def check_choice(value: object, choices: Sequence[str], *, where: str, field: str) -> str:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise PbpkInputError(where, field, value, f"one of: {', '.join(choices)}", did_you_mean(str(value), choices))
    return value


def check_text(value: object, *, where: str, field: str) -> str:
    """Check that ``value`` is a non-empty text."""
    if not isinstance(value, str) or not value.strip():
        raise PbpkInputError(where, field, _short(value), "a non-empty text value")
    return value


def check_cited(value: object, unit: str | None = None, *, where: str, field: str, **limits: Any) -> Cited:
    """Check a :class:`Cited`: its source, and its value as a quantity of ``unit`` or a number within ``limits``."""
    if not isinstance(value, Cited):
        raise PbpkInputError(where, field, _short(value), "a Cited(value, source) value")
    check_text(value.source, where=where, field=f"{field}.source")
    if unit is None:
        check_number(value.value, where=where, field=field, **limits)
    else:
        check_quantity(value.value, unit, where=where, field=field, **limits)
    return value


@cache
def _dimensionality(unit: str) -> object:
    return Quantity(1.0, unit).dimensionality


def _interval_words(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" {'>' if low_open else '≥'} {low:g}"
    if low is None:
        return f" {'<' if high_open else '≤'} {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
