"""A read-only mapping for the mappings held by frozen dataclasses.

``types.MappingProxyType`` cannot be pickled (and Dask pickles what it sends to
workers), so frozen records keep their mappings in a :class:`FrozenMap`: it
reads like a dict, compares equal to a dict with the same items, pickles and
copies, and refuses item assignment.

Examples
--------
>>> import pickle
>>> m = FrozenMap({"liver": 1.0})
>>> m["liver"], m == {"liver": 1.0}, pickle.loads(pickle.dumps(m)) == m
(1.0, True, True)
>>> m["gut"] = 2.0
Traceback (most recent call last):
    ...
TypeError: 'FrozenMap' object does not support item assignment
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping[K, V]):
    """An immutable mapping (a private copy of ``data``); hashable when its values are."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data) if data is not None else {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"'FrozenMap' object is read-only (cannot set {name!r})")

    def __reduce__(self) -> tuple:
        return FrozenMap, (self._data,)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def frozen(data: Mapping[K, V] | None) -> FrozenMap[K, V]:
    """``data`` as a :class:`FrozenMap` (itself if it already is one)."""
    return data if isinstance(data, FrozenMap) else FrozenMap(data)
