"""Between-subject (Ω) and inter-occasion variability: covariance of the random effects.

Ω is kept as one symmetric positive-definite matrix over named effects (η, or κ
for occasions), built from blocks: a diagonal effect, or a block given as
variances with correlations, as SDs with correlations, or as a covariance
matrix. The block layout is kept, so exporters write ``$OMEGA BLOCK(n)`` where
the file had a block. Variances are of η on the scale the code uses it (for
P = TV·exp(η), the log scale: ω² ≈ ln(1 + CV²)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError


@dataclass(frozen=True)
class Block:
    """Effects sharing one covariance block; ``form`` is how the file wrote it."""

    names: tuple[str, ...]
    covariance: tuple[tuple[float, ...], ...]
    form: str = "variance"  # variance | sd (one effect); covariance | variance-correlation | sd-correlation
    fixed: bool = False
    source: str = ""
    given: tuple = ()  # the numbers as the file wrote them (SD or variance list, correlation rows)

    @property
    def matrix(self) -> np.ndarray:
        return np.array(self.covariance, dtype=float)


@dataclass(frozen=True)
class Omega:
    """The covariance of named random effects, as blocks."""

    blocks: tuple[Block, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for block in self.blocks for name in block.names)

    @property
    def matrix(self) -> np.ndarray:
        """The full covariance matrix (zeros between blocks)."""
        size = len(self.names)
        full = np.zeros((size, size))
        start = 0
        for block in self.blocks:
            stop = start + len(block.names)
            full[start:stop, start:stop] = block.matrix
            start = stop
        return full

    @property
    def variances(self) -> dict[str, float]:
        return dict(zip(self.names, np.diag(self.matrix), strict=True))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n draws (n × effects) from N(0, Ω)."""
        if not self.names:
            return np.zeros((n, 0))
        return rng.multivariate_normal(np.zeros(len(self.names)), self.matrix, size=n, method="cholesky")

    @classmethod
    def from_matrix(cls, names: Sequence[str], matrix: np.ndarray, *, source: str = "") -> Omega:
        """Blocks found from the zero pattern of a full matrix (effects in the given order)."""
        matrix = np.asarray(matrix, dtype=float)
        blocks, start, size = [], 0, len(names)
        while start < size:
            stop = start + 1
            while stop < size and (np.any(matrix[start:stop, stop:] != 0) or np.any(matrix[stop:, start:stop] != 0)):
                stop += 1
            sub = matrix[start:stop, start:stop]
            blocks.append(Block(tuple(names[start:stop]), tuple(tuple(float(v) for v in row) for row in sub),
                                form="variance" if stop - start == 1 else "covariance", source=source))
            start = stop
        return cls(tuple(blocks))


def read_block(entry: object, *, where: str, field: str) -> Block:
    """A block from a file: ``{"eta": "ETA_CL", "variance": 0.147}`` or ``{"etas": [...], "variance":
    [[...]]}`` (covariance), ``{"etas": [...], "variance": [...], "correlation": [[...]]}`` or the same
    with ``"sd"``; optional ``"fixed"`` and ``"source"``."""
    if not isinstance(entry, dict):
        raise PbpkInputError(where, field, entry, 'a block such as {"eta": "ETA_CL", "variance": 0.1}')
    known = {"eta", "etas", "variance", "sd", "correlation", "fixed", "source"}
    for key in entry:
        if key not in known:
            raise PbpkInputError(where, f"{field}.{key}", entry[key], "one of " + ", ".join(sorted(known)))
    if ("eta" in entry) == ("etas" in entry):
        raise PbpkInputError(where, field, sorted(entry), 'either "eta" (one effect) or "etas" (a block)')
    if ("variance" in entry) == ("sd" in entry):
        raise PbpkInputError(where, field, sorted(entry), 'either "variance" or "sd"')
    form = "variance" if "variance" in entry else "sd"
    value = entry[form]
    names = [entry["eta"]] if "eta" in entry else entry["etas"]
    if not isinstance(names, list) or not names or not all(isinstance(name, str) and name.isidentifier()
                                                               for name in names):
        raise PbpkInputError(where, f"{field}.etas", names, "a list of effect names such as ETA_CL")
    size = len(names)
    if "eta" in entry:
        if "correlation" in entry:
            raise PbpkInputError(where, f"{field}.correlation", entry["correlation"],
                                 'no correlation for one effect; use "etas" for a block')
        values = _number_list([value], where, f"{field}.{form}")
        diagonal = np.array(values)
        correlation = np.eye(1)
    elif "correlation" in entry:
        diagonal = np.array(_number_list(value, where, f"{field}.{form}", size))
        correlation = _square(entry["correlation"], size, where, f"{field}.correlation")
        if np.any(np.abs(np.diag(correlation) - 1) > 0) or np.any(np.abs(correlation) > 1):
            raise PbpkInputError(where, f"{field}.correlation", entry["correlation"],
                                 "a correlation matrix: ones on the diagonal, values in [-1, 1]")
    else:
        if form == "sd":
            raise PbpkInputError(where, field, "sd without correlation",
                                 'SDs of a block with "correlation", or the covariance as "variance"')
        covariance = _square(value, size, where, f"{field}.variance")
        diagonal = np.diag(covariance).copy()
        correlation = None
    if np.any(~np.isfinite(diagonal)) or np.any(diagonal < 0):
        raise PbpkInputError(where, f"{field}.{form}", value, f"{form}s ≥ 0")
    sd = np.sqrt(diagonal) if form == "variance" else diagonal
    covariance = covariance if correlation is None else correlation * np.outer(sd, sd)
    if np.any(np.abs(covariance - covariance.T) > 1e-12 * np.max(np.abs(covariance))):
        raise PbpkInputError(where, f"{field}.variance", value, "a symmetric matrix")
    if size > 1 and np.min(np.linalg.eigvalsh(covariance)) <= 0:
        raise PbpkInputError(where, field, value, "a positive-definite covariance (correlations that can coexist)")
    fixed = entry.get("fixed", False)
    if not isinstance(fixed, bool):
        raise PbpkInputError(where, f"{field}.fixed", fixed, "true or false")
    source = entry.get("source", "")
    if not isinstance(source, str):
        raise PbpkInputError(where, f"{field}.source", source, "text naming the table the values come from")
    written = form if "eta" in entry else f"{form}-correlation" if "correlation" in entry else "covariance"
    given = (float(value),) if "eta" in entry else _frozen(value) + (
        (_frozen(entry["correlation"]),) if "correlation" in entry else ())
    return Block(tuple(names), tuple(tuple(float(v) for v in row) for row in covariance),
                 form=written, fixed=fixed, source=source, given=given)


def write_block(block: Block) -> dict:
    """The file form of a block, as ``read_block`` reads it (in the form it was read)."""
    matrix = block.matrix
    sd = np.sqrt(np.diag(matrix))
    entry: dict = {}
    if len(block.names) == 1:
        entry["eta"] = block.names[0]
        entry[block.form] = block.given[0] if block.given else float(sd[0] if block.form == "sd" else matrix[0, 0])
    elif block.form == "covariance":
        entry["etas"] = list(block.names)
        entry["variance"] = _thawed(block.given) if block.given else [[float(v) for v in row] for row in matrix]
    else:
        entry["etas"] = list(block.names)
        scale = block.form.partition("-")[0]
        if block.given:
            entry[scale], entry["correlation"] = _thawed(block.given[:-1]), _thawed(block.given[-1])
        else:
            entry[scale] = [float(v) for v in (sd if scale == "sd" else sd**2)]
            entry["correlation"] = [[float(v) for v in row] for row in matrix / np.outer(sd, sd)]
    if block.fixed:
        entry["fixed"] = True
    if block.source:
        entry["source"] = block.source
    return entry


def _number_list(value: object, where: str, field: str, size: int | None = None) -> list[float]:
    if not isinstance(value, list) or (size is not None and len(value) != size) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        count = f"{size} " if size is not None else ""
        raise PbpkInputError(where, field, value, f"a list of {count}numbers")
    return [float(v) for v in value]


def _square(value: object, size: int, where: str, field: str) -> np.ndarray:
    if not isinstance(value, list) or len(value) != size:
        raise PbpkInputError(where, field, value, f"a {size} × {size} matrix (a list of {size} rows)")
    return np.array([_number_list(row, where, field, size) for row in value])


def _frozen(value: list) -> tuple:
    return tuple(_frozen(v) if isinstance(v, list) else float(v) for v in value)


def _thawed(value: tuple) -> list:
    return [_thawed(v) if isinstance(v, tuple) else v for v in value]
