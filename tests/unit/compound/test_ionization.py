"""Henderson–Hasselbalch ionisation (analytic values)."""

import math

import pytest

from pbpk.compound.ionization import (
    PKa,
    charge_class,
    fraction_neutral,
    ionization_ratio,
    is_strong_base,
)

ACID = PKa(4.0, "acid", "")
BASE = PKa(9.0, "base", "")


def test_monoprotic_acid_and_base():
    assert ionization_ratio([ACID], 7.4) == pytest.approx(1 + 10 ** 3.4)
    assert ionization_ratio([BASE], 7.4) == pytest.approx(1 + 10 ** 1.6)
    assert fraction_neutral([BASE], 9.0) == pytest.approx(0.5)


def test_diprotic_acid_is_sequential():
    pkas = [PKa(6.0, "acid", ""), PKa(3.0, "acid", "")]
    assert ionization_ratio(pkas, 7.0) == pytest.approx(1 + 10 ** 4 + 10 ** (14 - 9))


def test_diprotic_base_is_sequential():
    pkas = [PKa(8.0, "base", ""), PKa(10.0, "base", "")]
    assert ionization_ratio(pkas, 7.0) == pytest.approx(1 + 10 ** 3 + 10 ** (18 - 14))


def test_zwitterion_independent_and_additive_forms():
    pkas = [PKa(5.97, "acid", ""), PKa(9.28, "base", "")]  # ofloxacin
    ph = 7.4
    independent = 1 + 10 ** (9.28 - ph) + 10 ** (ph - 5.97) + 10 ** (9.28 - 5.97)
    additive = 1 + 10 ** (9.28 - ph) + 10 ** (ph - 5.97)
    assert ionization_ratio(pkas, ph) == pytest.approx(independent)
    assert ionization_ratio(pkas, ph, zwitterion="additive") == pytest.approx(additive)


def test_classes():
    assert charge_class([PKa(0.8, "base", "")]) == "neutral"  # caffeine
    assert charge_class([PKa(8.77, "acid", "")]) == "acid"  # theophylline
    assert charge_class([PKa(6.2, "base", "")]) == "base"  # midazolam
    assert charge_class([PKa(1.7, "acid", ""), PKa(7.9, "base", "")]) == "zwitterion"  # rifampicin
    assert is_strong_base([PKa(9.5, "base", "")]) and not is_strong_base([PKa(6.5, "base", "")])
    assert math.isclose(ionization_ratio([], 5.0), 1.0)
