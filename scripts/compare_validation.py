"""Compare two ``pbpk validate --json`` runs case by case (a refactoring must not move a number).

Usage::

    pbpk validate --json > before.json      # on the old code
    pbpk validate --json > after.json       # on the new code
    python scripts/compare_validation.py before.json after.json [--rtol 1e-9]

Every numeric value is compared at the same path (cases by id, DDI studies by id);
the script prints each difference beyond the relative tolerance, a count of the values
compared, and exits 1 if anything differs or is missing on one side.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator

#: Lists of records that are matched by their id rather than by position.
KEYED = ("id",)


def _items(value: object) -> Iterator[tuple[str, object]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key), item
    elif isinstance(value, list):
        keyed = all(isinstance(v, dict) and "id" in v for v in value) and value
        for index, item in enumerate(value):
            yield (f"[{item['id']}]" if keyed else f"[{index}]"), item


def flatten(value: object, path: str = "") -> dict[str, object]:
    """Leaf values by path (``cases[midazolam-iv-…].metrics.CL.ratio``)."""
    if isinstance(value, (dict, list)):
        leaves: dict[str, object] = {}
        for key, item in _items(value):
            leaves.update(flatten(item, f"{path}.{key}" if path and not key.startswith("[") else path + key))
        if not leaves:
            leaves[path] = value
        return leaves
    return {path: value}


def differences(before: object, after: object, rtol: float) -> tuple[list[str], int, float]:
    """Lines describing each difference, how many leaves were compared and the largest relative difference."""
    old, new = flatten(before), flatten(after)
    largest = 0.0
    lines = [f"only before: {path} = {old[path]!r}" for path in sorted(old.keys() - new.keys())]
    lines += [f"only after:  {path} = {new[path]!r}" for path in sorted(new.keys() - old.keys())]
    for path in sorted(old.keys() & new.keys()):
        a, b = old[path], new[path]
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        if numbers:
            same = (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=0.0)
            if not (math.isnan(a) or math.isnan(b)) and max(abs(a), abs(b)) > 0:
                largest = max(largest, abs(a - b) / max(abs(a), abs(b)))
        else:
            same = a == b
        if not same:
            lines.append(f"differs:     {path}: {a!r} → {b!r}")
    return lines, len(old.keys() & new.keys()), largest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance for numbers (default 1e-9)")
    args = parser.parse_args(argv)
    with open(args.before, encoding="utf-8") as a, open(args.after, encoding="utf-8") as b:
        lines, compared, largest = differences(json.load(a), json.load(b), args.rtol)
    for line in lines:
        print(line)
    print(f"{compared} values compared, {len(lines)} differences (rtol {args.rtol:g}); "
          f"largest relative difference {largest:.1e}")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
