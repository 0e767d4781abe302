"""Organ templates: the equations of one organ, by how drug enters its tissue (DESIGN §4).

perfusion-limited
    dA/dt = Q·(C_in − C_t·B:P/Kp), venous blood leaving at C_t·B:P/Kp.
permeability-limited
    an extracellular (vascular + interstitial, volume fraction fE) and an intracellular
    space with the tissue's Kp; blood exchanges with the first, unbound drug crosses to
    the second with the permeability-surface product PS: J = PS·fu·(C_E − C_I)/Kp.
    PS → ∞ gives the perfusion-limited organ.

A template declares the organ's states and parameters and returns an
:class:`OrganTerms`: where its blood enters, which state elimination acts on, the
concentration leaving it, its amount and the unbound concentration in its cells. The
circulation and the elimination processes are written against these terms only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from pbpk.model.builder import ModelBuilder
from pbpk.model.topology import Organ


@dataclass(frozen=True)
class Plasma:
    """The plasma symbols every organ uses: unbound fraction and blood:plasma ratio."""

    fu: sp.Symbol
    bp: sp.Symbol


@dataclass(frozen=True)
class OrganTerms:
    """One organ as the rest of the model sees it (amounts µmol, concentrations µmol/L)."""

    inlet: sp.Symbol  # state receiving the organ's blood inflow
    cells: sp.Symbol  # state elimination removes drug from
    outflow: sp.Expr  # blood concentration leaving the organ
    amount: sp.Expr  # all drug in the organ
    unbound: sp.Expr  # unbound concentration in the organ's cells
    volume: sp.Symbol


def perfusion_limited(b: ModelBuilder, organ: Organ, plasma: Plasma, volume: sp.Symbol, kp: sp.Symbol) -> OrganTerms:
    """A well-stirred tissue in equilibrium with its venous blood."""
    state = b.state(f"A_{organ.name}", f"drug in {organ.name}")
    concentration = state / volume
    return OrganTerms(state, state, concentration * plasma.bp / kp, state, plasma.fu * concentration / kp, volume)


def permeability_limited(b: ModelBuilder, organ: Organ, plasma: Plasma, volume: sp.Symbol,
                         kp: sp.Symbol) -> OrganTerms:
    """Extracellular and intracellular spaces exchanging unbound drug through PS."""
    f_e = b.parameter(f"fE_{organ.name}", "extracellular_fraction", f"{organ.name} extracellular volume fraction",
                      organ=organ.name)
    ps = b.parameter(f"PS_{organ.name}", "permeability", f"{organ.name} permeability-surface product (L/h)",
                     organ=organ.name)
    extra = b.state(f"A_{organ.name}_extracellular", f"drug in {organ.name} vascular and interstitial space")
    intra = b.state(f"A_{organ.name}_intracellular", f"drug in {organ.name} cells")
    c_extra = extra / (f_e * volume)
    c_intra = intra / ((1 - f_e) * volume)
    b.flow(extra, intra, ps * plasma.fu * (c_extra - c_intra) / kp)
    return OrganTerms(extra, intra, c_extra * plasma.bp / kp, extra + intra, plasma.fu * c_intra / kp, volume)


Template = Callable[[ModelBuilder, Organ, Plasma, sp.Symbol, sp.Symbol], OrganTerms]
#: Organ templates by the name a topology gives them.
TEMPLATES: dict[str, Template] = {"perfusion": perfusion_limited, "permeability": permeability_limited}
