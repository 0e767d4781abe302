"""Oral absorption into the gut wall: a first-order depot or small-intestinal transit compartments.

First order: the lumen empties at ka, a fraction fa is absorbed. Transit (Yu & Amidon
1999): drug moves through the segments at k_transit and is absorbed from each at ka
(ka = 2·Peff/R). Of the absorbed flux, 1 − Fg is lost in the gut wall (first pass).
Amounts µmol, rates 1/h.
"""

from __future__ import annotations

import sympy as sp

from pbpk.model.builder import ModelBuilder
from pbpk.model.topology import Topology


def oral_absorption(b: ModelBuilder, topology: Topology, gut: sp.Symbol, dose_targets: dict[str, str]) -> sp.Expr:
    """Oral absorption into the gut wall; first-pass loss there is 1 − Fg of the absorbed flux.

    Returns the absorbed flux (µmol/h into the gut wall, before the first-pass loss).
    """
    fg = b.parameter("Fg", "intestinal_availability", "intestinal availability (fraction escaping gut-wall metabolism)")
    ka = b.parameter("ka", "absorption_rate", "absorption rate constant (1/h)")
    absorbed = b.state("A_absorbed", "cumulative amount absorbed into the gut wall")
    gut_wall = b.state("A_metabolised_gut_wall", "cumulative amount metabolised in the gut wall")
    unabsorbed = b.state("A_unabsorbed", "cumulative amount leaving unabsorbed (faeces)")
    if topology.absorption == "first_order":
        fa = b.parameter("fa", "fraction_absorbed", "fraction absorbed")
        lumen = b.state("A_gut_lumen", "drug in the gut lumen (oral depot)")
        dose_targets["oral"] = lumen.name
        flux = ka * lumen
        b.flow(lumen, None, flux)
        b.rates[absorbed] += fa * flux
        b.rates[gut] += fa * fg * flux
        b.rates[gut_wall] += fa * (1 - fg) * flux
        b.rates[unabsorbed] += (1 - fa) * flux
        return fa * flux
    k_transit = b.parameter("k_transit", "transit_rate", "small-intestinal transit rate constant (1/h)")
    segments = [b.state(f"A_transit_{i + 1}", f"drug in small-intestinal segment {i + 1}")
                for i in range(topology.transit_compartments)]
    dose_targets["oral"] = segments[0].name
    for i, segment in enumerate(segments):
        flux = ka * segment
        b.flow(segment, None, flux)
        b.rates[absorbed] += flux
        b.rates[gut] += fg * flux
        b.rates[gut_wall] += (1 - fg) * flux
        following = segments[i + 1] if i + 1 < len(segments) else unabsorbed
        b.flow(segment, following, k_transit * segment)
    return ka * sum(segments, sp.Integer(0))
