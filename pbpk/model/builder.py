"""Collecting a model while its parts are generated: states, annotated parameters and flux terms.

Organ templates, elimination processes and absorption add to one :class:`ModelBuilder`;
every parameter is declared with its :class:`~pbpk.model.metadata.ParameterInfo`
(kind, unit, organ or enzyme), so nothing downstream has to read meaning from a name.
Amounts are µmol and rates µmol/h.
"""

from __future__ import annotations

import sympy as sp

from pbpk.model.metadata import KINDS, ParameterInfo


class ModelBuilder:
    """States, parameters (with their metadata) and the rate of each state, in creation order."""

    def __init__(self) -> None:
        self.states: list[sp.Symbol] = []
        self.parameters: list[sp.Symbol] = []
        self.info: dict[str, ParameterInfo] = {}
        self.rates: dict[sp.Symbol, sp.Expr] = {}
        self.descriptions: dict[str, str] = {}

    def state(self, name: str, description: str) -> sp.Symbol:
        """A new state (an amount, µmol) whose rate starts at zero."""
        symbol = sp.Symbol(name, real=True)
        self.states.append(symbol)
        self.rates[symbol] = sp.Integer(0)
        self.descriptions[name] = description
        return symbol

    def parameter(self, name: str, kind: str, description: str, **belongs: str | None) -> sp.Symbol:
        """A parameter symbol of ``kind`` (its unit follows from the kind); ``belongs``: organ, enzyme, route."""
        symbol = sp.Symbol(name, positive=True)
        if symbol not in self.parameters:
            self.parameters.append(symbol)
            self.info[name] = ParameterInfo(name, kind, KINDS[kind], description=description, **belongs)
            self.descriptions[name] = description
        return symbol

    def flow(self, source: sp.Symbol | None, target: sp.Symbol | None, rate: sp.Expr) -> None:
        """Move ``rate`` (µmol/h) from one state to another (None: outside the model)."""
        if source is not None:
            self.rates[source] -= rate
        if target is not None:
            self.rates[target] += rate
