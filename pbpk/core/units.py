"""The one unit registry of pbpk, and parsing of quantities written as strings.

Units live only at the edges: files and user arguments are strings such as
``"325.8 g/mol"`` or ``"850 pmol/min/mg"``, parsed here and checked against the
dimension the field expects. Inside the engine every number is a float in the
canonical internal system below; results carry units in their column names.

Canonical internal units
------------------------
========================  ============
quantity                  unit
========================  ============
time                      h
volume                    L
amount of drug            µmol
mass (body, organs)       kg
concentration             µmol/L (µM)
flow, clearance           L/h
first-order rate          1/h
molecular weight          g/mol
========================  ============

Hepatocyte counts use the unit ``cell`` (its own dimension, so a hepatocyte
clearance per 10⁶ cells cannot be mistaken for a microsomal one per mg).
"""

from __future__ import annotations

import pint

from pbpk.core.errors import PbpkInputError

ureg = pint.UnitRegistry()
ureg.define("cell = [cell_count]")
pint.set_application_registry(ureg)  # unpickled quantities (Dask workers, copies) come back in this registry
Quantity = ureg.Quantity

#: Canonical internal unit for each kind of quantity (see module docstring).
CANONICAL = {
    "time": "h",
    "volume": "L",
    "amount": "umol",
    "mass": "kg",
    "concentration": "umol/L",
    "flow": "L/h",
    "rate": "1/h",
    "molecular_weight": "g/mol",
}


def parse_quantity(text: object, unit: str, *, where: str, field: str, example: str = "") -> pint.Quantity:
    """Parse ``text`` (e.g. ``"4 umol/L"``) and check it has the dimension of ``unit``.

    Parameters
    ----------
    text
        The value as written in the file or on the command line.
    unit
        Any unit of the expected dimension (e.g. ``"L/h"`` for a clearance).
    where, field
        Location used in the error message.
    example
        An example of a valid value for the message; defaults to ``"1 <unit>"``.

    Returns
    -------
    pint.Quantity
        The quantity in the units it was written in.

    Raises
    ------
    PbpkInputError
        If the text is not a quantity, or has the wrong dimension.

    Examples
    --------
    >>> vmax = parse_quantity("850 pmol/min/mg", "umol/h/mg", where="x.yaml", field="Vmax")
    >>> round(vmax.to("umol/h/mg").magnitude, 6)
    0.051
    """
    expected_unit = Quantity(unit).units if unit else ureg.dimensionless
    example = example or f"1 {unit}"
    expected = f"a quantity with units of {_dimension_words(expected_unit)} as a string, e.g. \"{example}\""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise PbpkInputError(where, field, text, expected)
    if isinstance(text, (int, float)):
        if expected_unit.dimensionless:
            return Quantity(float(text), "")
        raise PbpkInputError(where, field, text, expected, "numbers need their units")
    try:
        quantity = Quantity(text.strip())
    except Exception as exc:  # pint raises several unrelated types for bad strings
        raise PbpkInputError(where, field, text, expected, f"the unit could not be read ({exc})") from None
    if not isinstance(quantity, pint.Quantity):
        quantity = Quantity(float(quantity), "")
    if not quantity.is_compatible_with(expected_unit):
        hint = f"it has units of {_dimension_words(quantity.units)}"
        if "cell" in text:
            hint += '; put a denominator with a number in parentheses, e.g. "uL/min/(1e6 cell)"'
        raise PbpkInputError(where, field, text, expected, hint)
    return quantity


def magnitude(quantity: pint.Quantity, unit: str) -> float:
    """The float value of ``quantity`` in ``unit`` (the way numbers enter kernels).

    >>> round(magnitude(Quantity("90 mL/min"), "L/h"), 9)
    5.4
    """
    return float(quantity.to(unit).magnitude)


def micromolar(quantity: pint.Quantity) -> float:
    """A concentration in µmol/L, as a float.

    >>> micromolar(Quantity("15 nmol/L"))
    0.015
    """
    return float(quantity.to("umol/L").magnitude)


def mg_per_umol(molecular_weight: pint.Quantity) -> float:
    """The factor from µmol to mg (and µmol/L to mg/L) for a molecular weight: MW/1000.

    >>> round(mg_per_umol(Quantity("325.8 g/mol")), 12)
    0.3258
    """
    return float(molecular_weight.to("g/mol").magnitude) / 1000.0


def _dimension_words(unit: pint.Unit) -> str:
    dimensionality = ureg.get_dimensionality(unit)
    if not dimensionality:
        return "a pure number (dimensionless)"
    text = str(dimensionality).replace("[", "").replace("]", "")
    return text.replace("length ** 3", "volume").replace("substance", "amount")
