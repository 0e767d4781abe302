"""Transporter-carried processes in coupled models: where a transporter acts, and how its activity scales them.

A compound file names the transporter of a process (``renal.transporter``,
``biliary.transporter``, ``absorption.efflux_transporter``, the transporters of ``hepatic_uptake``;
:attr:`pbpk.compound.Compound.transport_processes`).
In a coupled model (:mod:`pbpk.model.coupled`) each such process follows the transporter's activity
A = T/(1 + Σ I/Ki) at its site, with T its amount relative to baseline (turnover, induction) and I
the other compounds' unbound concentrations there:

kidney (tubular secretion, apical efflux into urine)
    CLsec,u → CLsec,u · A, I the unbound kidney-tissue concentration;
liver (canalicular excretion into bile)
    CLint,bile → CLint,bile · A, I the unbound hepatocyte concentration;
liver (sinusoidal uptake into the hepatocytes, OATP1B1/1B3)
    CLup,T → CLup,T · A, I the unbound concentration in the liver's blood and interstitium (the
    well-stirred outlet, at the sinusoidal membrane; equal to the hepatocyte's for a perfusion-limited
    perpetrator; the portal inflow during absorption is not added, unlike the FDA 2020 liver-inlet value);
gut (apical efflux back into the lumen)
    fa → 1/(1 + (1 − fa)/fa · A), I the enterocyte concentration: the unabsorbed part of the
    dose is taken as efflux competing with permeation, the form of the Qgut model for Fg
    (Yang et al. 2007), so that full inhibition absorbs everything and induction absorbs less.

The transporter's own substrate does not inhibit itself (its binding is its own transport). The
enterocyte concentration a compound presents as a perpetrator is built with its baseline fa, which
is exact unless that compound is itself effluxed and inhibits or induces at the gut wall.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sympy as sp

from pbpk.compound import Compound
from pbpk.model.symbolic import uptake_parameter

#: The parameter of each transporter-carried process in a member's single-compound model (uptake: per transporter).
PARAMETERS = {"secretion": "CLsec_u", "biliary": "CLint_bile", "efflux": "fa"}


def carried_sites(compounds: Sequence[Compound]) -> dict[str, set[str]]:
    """Transporter → the sites where it carries one of ``compounds``."""
    sites: dict[str, set[str]] = {}
    for compound in compounds:
        for _, site, transporter in compound.transport_processes:
            sites.setdefault(transporter, set()).add(site)
    return sites


def uptake_transporters(compounds: Sequence[Compound]) -> set[str]:
    """The sinusoidal uptake transporters of ``compounds`` (inhibited from the liver's blood, not its cells)."""
    return {transporter for compound in compounds for process, _, transporter in compound.transport_processes
            if process == "uptake"}


def transported_parameters(compound: Compound, rename: Mapping[sp.Symbol, sp.Symbol],
                           activity: Callable[[str, str], sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
    """The compound's transporter-carried parameters as functions of ``activity(transporter, site)``
    (1 where nothing acts on the transporter); ``rename`` maps its model symbols to the coupled ones."""
    mapping: dict[sp.Symbol, sp.Expr] = {}
    for process, site, transporter in compound.transport_processes:
        name = uptake_parameter(transporter) if process == "uptake" else PARAMETERS[process]
        symbol = next((s for s in rename if s.name == name), None)
        value = activity(transporter, site)
        if symbol is None or value == 1:
            continue
        if process == "efflux":
            fa = rename[symbol]
            mapping[symbol] = 1 / (1 + (1 - fa) / fa * value)
        else:
            mapping[symbol] = rename[symbol] * value
    return mapping
