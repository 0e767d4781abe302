"""Enzyme turnover: the first-order degradation rate constant of an enzyme in the liver or gut wall.

It sets how fast an enzyme returns to baseline after mechanism-based inactivation or
induction (DESIGN §4, DDI); values and sources are in ``physiology_db/enzymes.yaml``.
"""

from __future__ import annotations

from pbpk.core.errors import PbpkInputError
from pbpk.physiology import Individual


def turnover_rate(person: Individual, enzyme: str, organ: str) -> float:
    """First-order degradation rate constant (1/h) of ``enzyme`` (or transporter) in the ``liver``, ``intestine``
    or ``kidney``.

    >>> from pbpk.physiology import reference_individual
    >>> turnover_rate(reference_individual(), "CYP3A4", "liver") > 0
    True
    """
    table = person.enzyme_turnover.get(organ, {})
    if enzyme not in table:
        raise PbpkInputError("physiology_db/enzymes.yaml", f"turnover.{organ}.{enzyme}", None,
                             f"a degradation rate constant for {enzyme} in the {organ}")
    return float(table[enzyme].to("1/h").magnitude)
