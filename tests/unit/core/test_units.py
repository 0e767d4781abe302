"""Units: parsing, dimension checks, canonical conversions."""

import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity, magnitude, parse_quantity


def test_parses_and_converts_clearance():
    q = parse_quantity("90 mL/min", "L/h", where="x.yaml", field="CL")
    assert magnitude(q, "L/h") == pytest.approx(5.4)


def test_microsomal_rate_per_mg_protein():
    q = parse_quantity("850 pmol/min/mg", "umol/h/mg", where="x.yaml", field="Vmax")
    assert magnitude(q, "umol/h/mg") == pytest.approx(850e-6 * 60)


def test_hepatocyte_clearance_needs_parentheses_and_cells_have_their_own_dimension():
    q = parse_quantity("10 uL/min/(1e6 cell)", "uL/min/(1e6 cell)", where="x.yaml", field="CLint")
    assert magnitude(q, "L/h/cell") == pytest.approx(10e-6 * 60 / 1e6)
    with pytest.raises(PbpkInputError, match="parentheses"):
        parse_quantity("10 uL/min/10^6 cells", "uL/min/(1e6 cell)", where="x.yaml", field="CLint")
    with pytest.raises(PbpkInputError, match="cell"):
        parse_quantity("10 uL/min/mg", "uL/min/(1e6 cell)", where="x.yaml", field="CLint")


def test_wrong_dimension_names_file_field_value_and_expectation():
    with pytest.raises(PbpkInputError) as err:
        parse_quantity("5 mg", "L/h", where="compounds/x.yaml:7", field="clearance.renal.secretion")
    text = str(err.value)
    assert text.startswith("compounds/x.yaml:7: clearance.renal.secretion: got '5 mg'")
    assert "volume / time" in text and "mass" in text


def test_number_without_unit_is_rejected_for_dimensioned_field():
    with pytest.raises(PbpkInputError, match="Numbers need their units"):
        parse_quantity(5, "L/h", where="x.yaml", field="CL")


def test_unreadable_unit():
    with pytest.raises(PbpkInputError, match="could not be read"):
        parse_quantity("5 furlongs per fortnightz", "L/h", where="x.yaml", field="CL")


def test_dimensionless_number_accepted():
    assert parse_quantity(0.5, "", where="x", field="f").magnitude == 0.5


def test_unit_change_invariance():
    a = parse_quantity("4 umol/L", "umol/L", where="x", field="Km")
    b = parse_quantity("4000 nmol/L", "umol/L", where="x", field="Km")
    c = parse_quantity("4 uM", "umol/L", where="x", field="Km")
    assert magnitude(a, "umol/L") == pytest.approx(magnitude(b, "umol/L")) == pytest.approx(magnitude(c, "umol/L"))
    assert Quantity("1 L").to("mL").magnitude == 1000
