"""Ionisation of drugs with acidic and basic groups (Henderson–Hasselbalch).

pKa values are macroscopic constants: groups of one kind ionise in sequence
(the lowest acidic pKa first, the highest basic pKa first); acidic and basic
groups ionise independently of each other, which gives the zwitterion
expression of Rodgers & Rowland 2006 (J Pharm Sci 95:1238, eq. for
zwitterions): 1 + 10^(pKa_b − pH) + 10^(pH − pKa_a) + 10^(pKa_b − pKa_a).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

#: A basic pKa at or above this makes a "moderate-to-strong base" in the sense
#: of Rodgers & Rowland 2005 (J Pharm Sci 94:1259): ionised enough at plasma pH
#: for electrostatic binding to acidic phospholipids to dominate.
STRONG_BASE_PKA = 7.0


@dataclass(frozen=True)
class PKa:
    """One ionisable group: its pKa, whether it is an acid or a base, and the source."""

    value: float
    kind: Literal["acid", "base"]
    source: str


def ionization_ratio(
    pkas: Sequence[PKa], ph: float, *, zwitterion: Literal["independent", "additive"] = "independent"
) -> float:
    """Ratio of total to un-ionised (neutral) concentration at ``ph``.

    With both acidic and basic groups, ``"independent"`` multiplies the acid
    and base factors (this counts the zwitterion, 10^(pKa_b − pKa_a));
    ``"additive"`` adds their ionised terms, 1 + 10^(pKa_b − pH) + 10^(pH − pKa_a),
    as Rodgers & Rowland 2006 write it for zwitterions.

    Examples
    --------
    A base with pKa 9.4 at pH 7.4 is 100-fold ionised:

    >>> round(ionization_ratio([PKa(9.4, "base", "")], 7.4), 6)
    101.0
    >>> ionization_ratio([], 7.4)
    1.0
    """
    acids = sorted(p.value for p in pkas if p.kind == "acid")
    bases = sorted((p.value for p in pkas if p.kind == "base"), reverse=True)
    acid_factor, term = 1.0, 1.0
    for pka in acids:
        term *= 10.0 ** (ph - pka)
        acid_factor += term
    base_factor, term = 1.0, 1.0
    for pka in bases:
        term *= 10.0 ** (pka - ph)
        base_factor += term
    if zwitterion == "additive":
        return acid_factor + base_factor - 1.0
    return acid_factor * base_factor


def fraction_neutral(pkas: Sequence[PKa], ph: float) -> float:
    """Fraction of the drug un-ionised at ``ph`` (1 / ``ionization_ratio``)."""
    return 1.0 / ionization_ratio(pkas, ph)


def is_strong_base(pkas: Sequence[PKa]) -> bool:
    """True for a moderate-to-strong base (some basic pKa ≥ 7; Rodgers & Rowland 2005)."""
    return any(p.kind == "base" and p.value >= STRONG_BASE_PKA for p in pkas)


def charge_class(pkas: Sequence[PKa]) -> Literal["neutral", "acid", "base", "zwitterion"]:
    """Classify by the groups that are ionised to a relevant degree in the body.

    A group counts when it is ≥ 1 % ionised somewhere in pH 5.5–8 (tissue and
    plasma pH range): acids with pKa < 10, bases with pKa > 3.5.

    >>> charge_class([PKa(0.6, "base", "")])    # caffeine
    'neutral'
    >>> charge_class([PKa(1.7, "acid", ""), PKa(7.9, "base", "")])    # rifampicin
    'zwitterion'
    """
    acid = any(p.kind == "acid" and p.value < 10.0 for p in pkas)
    base = any(p.kind == "base" and p.value > 3.5 for p in pkas)
    if acid and base:
        return "zwitterion"
    if acid:
        return "acid"
    if base:
        return "base"
    return "neutral"
