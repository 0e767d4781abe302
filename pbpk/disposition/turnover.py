"""Enzyme and transporter turnover: the first-order degradation rate constant in the liver, gut wall or kidney.

It sets how fast an enzyme or transporter returns to baseline after mechanism-based inactivation or
induction (DESIGN §4, DDI); values and sources are in ``physiology_db/enzymes.yaml`` (``turnover``,
``transporter_turnover``).
"""

from __future__ import annotations

from pbpk.core.errors import PbpkInputError
from pbpk.core.names import transporter_names
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
        section = "transporter_turnover" if enzyme in transporter_names() else "turnover"
        raise PbpkInputError("physiology_db/enzymes.yaml", f"{section}.{organ}.{enzyme}", None,
                             f"a degradation rate constant for {enzyme} in the {organ}")
    return float(table[enzyme].to("1/h").magnitude)
