"""Coupled victim–perpetrator models: several compounds and their interactions in one sympy model.

Each compound keeps its own whole-body model (:func:`pbpk.model.symbolic.build_model`),
with its states and parameters prefixed by its name (``midazolam__A_liver``).
The compounds meet at the enzymes (DESIGN §4, DDI):

reversible inhibition (per enzyme, liver and gut wall)
    with S_c = Σ I/Ki over competitive, non-competitive and mixed inhibitors and
    S_n = Σ I/(α·Ki) over non-competitive (α = 1) and mixed ones, a saturable
    pathway runs at Vmax/(1 + S_n) with Km·(1 + S_c)/(1 + S_n), i.e.
    v = Vmax·Cu/(Km·(1 + S_c) + Cu·(1 + S_n)); a linear one at CLint/(1 + S_c).
    Several inhibitors add (mutually exclusive binding).
enzyme turnover (per enzyme and site, where an inactivator or inducer acts)
    dE/dt = kdeg·(1 + Σ Emax·I/(EC50 + I)) − kdeg·E − Σ kinact·I/(KI + I)·E,
    with E the amount relative to baseline (state ``dE_<enzyme>_<site>`` = E − 1,
    so every state starts at 0); every pathway of the enzyme is multiplied by E.
gut wall
    the first-pass loss of an absorbed dose follows the gut-wall intrinsic
    clearance: Fg = 1/(1 + (1 − Fg0)/Fg0 · Σe share_e·E_e/(1 + S_c,e)), with
    Fg0 the compound's Fg without interaction (measured or Qgut-predicted) and
    share_e the enzyme's part of its gut-wall CLint (Yang et al. 2007, Qgut model).

Inhibitor concentrations are unbound at the enzyme: in the liver the unbound
intracellular concentration of the perpetrator; in the enterocyte its absorbed
flux divided by the villous blood flow (the dynamic form of the FDA 2020 Igut,
fu,gut = 1) plus its unbound gut-tissue concentration. The same terms act on
every compound, so a perpetrator inactivates or induces its own clearance
(auto-inhibition, auto-induction) when it is a substrate of the enzyme; its
reversible inhibition acts on the other compounds only (its own binding to the
enzyme is already its Michaelis–Menten term).
Metabolites named in a compound's hepatic pathways (``metabolite:``) join the
model and are formed in the liver from their fraction of the pathway flux, so
inhibiting metabolites (itraconazole's) act with their own kinetics.
Transporter interactions are not part of the dynamic model (reported as
ignored).
"""

from __future__ import annotations

import hashlib
import inspect
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sympy as sp

from pbpk.compound import Compound, Interaction, load_compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.names import enzyme_names
from pbpk.core.units import micromolar
from pbpk.disposition.clearance import gut_intrinsic_clearances
from pbpk.disposition.turnover import turnover_rate
from pbpk.model.parameters import parameter_table, to_vector
from pbpk.model.symbolic import SymbolicModel, _elimination_order, build_model
from pbpk.model.topology import Kinetics, build_topology
from pbpk.physiology import Individual

SITES = ("liver", "gut")
#: Turnover table of each site in ``physiology_db/enzymes.yaml``.
TURNOVER_ORGAN = {"liver": "liver", "gut": "intestine"}
REVERSIBLE = ("competitive", "noncompetitive", "mixed")


@dataclass(frozen=True)
class Member:
    """One compound of a coupled model: its own model and where its states and parameters sit."""

    tag: str
    compound: Compound
    model: SymbolicModel


@dataclass(frozen=True)
class CoupledModel:
    """A coupled model with its members and the interactions it contains."""

    model: SymbolicModel
    members: tuple[Member, ...]
    interactions: tuple[tuple[str, Interaction], ...]  # (perpetrator tag, interaction) in the model
    ignored: tuple[str, ...]  # interactions the dynamic model does not represent, with the reason
    turnover: tuple[tuple[str, str], ...]  # (enzyme, site) pairs with an enzyme-turnover state
    formed: Mapping[str, str] = field(default_factory=dict)  # metabolite reference → member tag

    def member(self, tag: str) -> Member:
        return next(m for m in self.members if m.tag == tag)

    @staticmethod
    def qualified(tag: str, name: str) -> str:
        """A member's state, parameter or output name in the coupled model (``midazolam__A_liver``)."""
        return f"{tag}__{name}"

    def state_indices(self, tag: str) -> list[int]:
        """Where the member's own states sit in the coupled state vector."""
        return [self.model.state_index(self.qualified(tag, s.name)) for s in self.member(tag).model.states]

    def dose_targets(self, tag: str) -> dict[str, int]:
        """Route → index of the state a dose of member ``tag`` goes to."""
        prefix = f"{tag}:"
        return {route.removeprefix(prefix): self.model.state_index(state)
                for route, state in self.model.dose_targets.items() if route.startswith(prefix)}


def tag_of(compound: Compound) -> str:
    """A compound's prefix in the coupled model (its name as an identifier)."""
    return re.sub(r"\W", "_", compound.name.lower())


def build_coupled_model(compounds: Sequence[Compound], individual: Individual, *,
                        kinetics: Kinetics = "michaelis_menten", metabolites: bool = True) -> CoupledModel:
    """One symbolic model for ``compounds`` (victim first) in ``individual``'s organ set.

    With ``metabolites``, a metabolite named by a hepatic pathway (``metabolite:`` in the
    compound file) joins the model after the dosed compounds and is formed in the liver
    from that fraction of the pathway's flux (mol for mol).
    """
    compounds = list(compounds)
    formed_tags: dict[str, str] = {}  # metabolite reference in a compound file → its member tag
    if metabolites:
        for compound in compounds:  # the list grows while it is walked: metabolites of metabolites
            for pathway in compound.clearance.hepatic:
                formed = pathway.metabolite
                if formed is None or formed.compound in formed_tags:
                    continue
                known = next((c for c in compounds if formed.compound in (c.name, c.file)), None)
                beside = Path(compound.file).parent / formed.compound  # a path relative to the parent's file
                metabolite = known or load_compound(beside if beside.is_file() else formed.compound)
                if known is None:
                    compounds.append(metabolite)
                formed_tags[formed.compound] = tag_of(metabolite)
    tags = [tag_of(c) for c in compounds]
    if len(set(tags)) != len(tags):
        raise PbpkInputError("ddi", "compounds", tags, "different compounds (each at most once)")
    members = tuple(Member(tag, c, build_model(build_topology(c, individual, kinetics=kinetics), name=tag))
                    for tag, c in zip(tags, compounds))
    enzymes = set(enzyme_names())
    used: list[tuple[str, Interaction]] = []
    ignored: list[str] = []
    for member in members:
        for interaction in member.compound.interactions:
            if interaction.target not in enzymes:
                ignored.append(f"{member.compound.name} → {interaction.target} ({interaction.type}): transporter "
                               "interactions are not in the dynamic model")
            elif not any(p.enzyme == interaction.target for m in members for p in m.compound.clearance.hepatic):
                ignored.append(f"{member.compound.name} → {interaction.target}: no compound of the model is "
                               f"metabolised by {interaction.target}")
            else:
                used.append((member.tag, interaction))

    prefixed = {m.tag: {symbol: sp.Symbol(f"{m.tag}__{symbol.name}", **symbol.assumptions0)
                        for symbol in (*m.model.states, *m.model.parameters)} for m in members}
    sites = {m.tag: {name: sp.sympify(e).xreplace(prefixed[m.tag]) for name, e in m.model.sites.items()}
             for m in members}
    parameters: list[sp.Symbol] = []
    descriptions: dict[str, str] = {}

    def parameter(name: str, description: str) -> sp.Symbol:
        symbol = sp.Symbol(name, positive=True)
        if symbol not in parameters:
            parameters.append(symbol)
            descriptions[name] = description
        return symbol

    q_enterocyte = parameter("Q_enterocyte", "villous (enterocyte) blood flow (L/h)")
    concentration = {}
    for member in members:
        concentration[(member.tag, "liver")] = sites[member.tag]["liver"]
        concentration[(member.tag, "gut")] = sites[member.tag]["absorption"] / q_enterocyte + sites[member.tag]["gut"]

    # reversible inhibition sums and turnover terms per (enzyme, site); the gut wall only for its enzymes
    gut_enzymes = {m.tag: _gut_enzymes(m.compound, individual) for m in members}
    in_gut = {e for enzymes in gut_enzymes.values() for e in enzymes}
    competitive: dict[tuple[str, str], dict[str, sp.Expr]] = {}  # (enzyme, site) → inhibitor tag → I/Ki
    noncompetitive: dict[tuple[str, str], dict[str, sp.Expr]] = {}
    synthesis: dict[tuple[str, str], sp.Expr] = {}
    inactivation: dict[tuple[str, str], sp.Expr] = {}
    for tag, interaction in used:
        enzyme = interaction.target
        label = f"{_identifier(enzyme)}_{tag}"
        for site in SITES:
            if site == "gut" and enzyme not in in_gut:
                continue
            key = (enzyme, site)
            inhibitor = concentration[(tag, site)]
            if interaction.type in REVERSIBLE:
                ki = parameter(f"Ki_{label}", f"unbound inhibition constant of {tag} on {enzyme} (µmol/L)")
                terms = competitive.setdefault(key, {})
                terms[tag] = terms.get(tag, sp.Integer(0)) + inhibitor / ki
                if interaction.type != "competitive":
                    alpha = parameter(f"alpha_{label}", f"mixed-inhibition α of {tag} on {enzyme}") \
                        if interaction.type == "mixed" else sp.Integer(1)
                    terms = noncompetitive.setdefault(key, {})
                    terms[tag] = terms.get(tag, sp.Integer(0)) + inhibitor / (alpha * ki)
            elif interaction.type == "mechanism_based":
                kinact = parameter(f"kinact_{label}", f"maximal inactivation rate of {enzyme} by {tag} (1/h)")
                k_i = parameter(f"KI_{label}", f"unbound inactivation constant of {tag} on {enzyme} (µmol/L)")
                inactivation[key] = inactivation.get(key, sp.Integer(0)) + kinact * inhibitor / (k_i + inhibitor)
            else:
                emax = parameter(f"Emax_{label}", f"maximal induction of {enzyme} by {tag} (fold over baseline − 1)")
                ec50 = parameter(f"EC50_{label}", f"unbound EC50 of {tag} for {enzyme} induction (µmol/L)")
                synthesis[key] = synthesis.get(key, sp.Integer(0)) + emax * inhibitor / (ec50 + inhibitor)

    turnover = sorted(set(synthesis) | set(inactivation))
    enzyme_states: dict[tuple[str, str], sp.Symbol] = {}
    enzyme_rates: dict[sp.Symbol, sp.Expr] = {}
    for key in turnover:
        enzyme, site = key
        kdeg = parameter(f"kdeg_{_identifier(enzyme)}_{site}", f"degradation rate constant of {enzyme}, {site} (1/h)")
        state = sp.Symbol(f"dE_{_identifier(enzyme)}_{site}", real=True)
        descriptions[state.name] = f"{enzyme} amount in the {site} relative to baseline, minus 1"
        enzyme_states[key] = state
        amount = 1 + state
        enzyme_rates[state] = kdeg * synthesis.get(key, sp.Integer(0)) - kdeg * state \
            - inactivation.get(key, sp.Integer(0)) * amount

    def inhibition(sums: dict, enzyme: str, site: str, exclude: str | None = None) -> sp.Expr:
        """Σ I/Ki on ``enzyme`` at ``site`` over the inhibitors other than ``exclude``."""
        return sum((term for tag, term in sums.get((enzyme, site), {}).items() if tag != exclude), sp.Integer(0))

    def amount(enzyme: str, site: str) -> sp.Expr:
        return 1 + enzyme_states[(enzyme, site)] if (enzyme, site) in enzyme_states else sp.Integer(1)

    # each member's equations with its metabolism modified
    states: list[sp.Symbol] = []
    rates: dict[sp.Symbol, sp.Expr] = {}
    outputs: dict[str, sp.Expr] = {}
    dose_targets: dict[str, str] = {}
    mass_states: list[str] = []
    order: dict[sp.Symbol, tuple[int, int]] = {}
    mappings: dict[str, dict[sp.Symbol, sp.Expr]] = {}
    for index, member in enumerate(members):
        rename = prefixed[member.tag]
        mapping = mappings[member.tag] = dict(rename)
        for route in member.model.topology.hepatic_pathways:
            enzyme = route.enzyme
            # a compound's reversible binding to its own enzyme is its Michaelis–Menten term already
            s_c = inhibition(competitive, enzyme, "liver", exclude=member.tag)
            s_n = inhibition(noncompetitive, enzyme, "liver", exclude=member.tag)
            e = amount(enzyme, "liver")
            if route.kinetics == "linear":
                clint = sp.Symbol(f"CLint_{route.name}", positive=True)
                mapping[clint] = rename[clint] * e / (1 + s_c)
            else:
                vmax = sp.Symbol(f"Vmax_{route.name}", positive=True)
                km = sp.Symbol(f"Km_{route.name}", positive=True)
                mapping[vmax] = rename[vmax] * e / (1 + s_n)
                mapping[km] = rename[km] * (1 + s_c) / (1 + s_n)
        fg = sp.Symbol("Fg", positive=True)
        if fg in member.model.parameters and gut_enzymes[member.tag]:
            activity = sp.Integer(0)
            for enzyme in gut_enzymes[member.tag]:
                share = parameter(f"share_gut_{_identifier(enzyme)}_{member.tag}",
                                  f"{enzyme} share of the gut-wall CLint of {member.tag}")
                activity += share * amount(enzyme, "gut") / (1 + inhibition(competitive, enzyme, "gut",
                                                                            exclude=member.tag))
            mapping[fg] = 1 / (1 + (1 - rename[fg]) / rename[fg] * activity)
        for state, rate in zip(member.model.states, member.model.rhs):
            new = rename[state]
            states.append(new)
            rates[new] = sp.sympify(rate).xreplace(mapping)
            order[new] = (_elimination_order(state.name, member.model.topology), index)
        for name, expression in member.model.outputs.items():
            outputs[f"{member.tag}__{name}"] = sp.sympify(expression).xreplace(prefixed[member.tag])
        outputs[f"{member.tag}__C_liver_unbound"] = concentration[(member.tag, "liver")]
        outputs[f"{member.tag}__C_enterocyte_unbound"] = concentration[(member.tag, "gut")]
        for route, state_name in member.model.dose_targets.items():
            dose_targets[f"{member.tag}:{route}"] = f"{member.tag}__{state_name}"
        mass_states.extend(f"{member.tag}__{name}" for name in member.model.mass_states)
        descriptions.update({f"{member.tag}__{k}": v for k, v in member.model.descriptions.items()})
    _form_metabolites(members, formed_tags, mappings, prefixed, rates, states, order, parameter, descriptions)
    for key, state in enzyme_states.items():
        states.append(state)
        rates[state] = enzyme_rates[state]
        order[state] = (2, len(members))
        enzyme, site = key
        outputs[f"E_{_identifier(enzyme)}_{site}"] = 1 + state
    for enzyme, site in sorted(set(competitive) | set(enzyme_states)):
        outputs[f"activity_{_identifier(enzyme)}_{site}"] = amount(enzyme, site) / (
            1 + inhibition(competitive, enzyme, site))
    member_parameters = [prefixed[m.tag][p] for m in members for p in m.model.parameters]
    ordered = sorted(states, key=lambda s: order[s])
    structure = " ; ".join(
        [f"{m.tag}: {m.model.topology.signature}" for m in members]
        + [f"{tag}->{i.target}:{i.type}" for tag, i in used]
        + [f"gut[{tag}]:{','.join(enzymes)}" for tag, enzymes in gut_enzymes.items()]
        + [f"formed {reference}->{tag}" for reference, tag in sorted(formed_tags.items())]
        + [f"ddi_model {_source_hash()}"])
    model = SymbolicModel(
        name="ddi_" + "_".join(tags),
        topology=members[0].model.topology,
        states=tuple(ordered),
        parameters=tuple(member_parameters + parameters),
        rhs=tuple(rates[s] for s in ordered),
        outputs=outputs,
        dose_targets=dose_targets,
        mass_states=tuple(mass_states),
        descriptions=descriptions,
        structure=structure,
    )
    return CoupledModel(model, members, tuple(used), tuple(ignored), tuple(turnover), formed_tags)


def _form_metabolites(members, formed_tags, mappings, prefixed, rates, states, order, parameter,
                      descriptions) -> None:
    """Route each pathway's metabolite fraction into the metabolite's liver (cells), with a formation counter."""
    for member in members:
        for route, pathway in zip(member.model.topology.hepatic_pathways, member.compound.clearance.hepatic):
            if pathway.metabolite is None or pathway.metabolite.compound not in formed_tags:
                continue
            target = next(m for m in members if m.tag == formed_tags[pathway.metabolite.compound])
            names = target.model.state_names
            cell = "A_liver_intracellular" if "A_liver_intracellular" in names else "A_liver"
            fraction = parameter(f"f_formed_{target.tag}_from_{member.tag}_{route.name}",
                                 f"molar fraction of {member.tag}'s {route.name} flux forming {target.tag}")
            rate = fraction * sp.sympify(member.model.pathway_rates[route.name]).xreplace(mappings[member.tag])
            liver = prefixed[target.tag][sp.Symbol(cell, real=True)]
            rates[liver] += rate
            counter = sp.Symbol(f"{target.tag}__A_formed", real=True)
            if counter not in rates:
                rates[counter] = sp.Integer(0)
                states.append(counter)
                order[counter] = (6, members.index(target))
                descriptions[counter.name] = f"cumulative amount of {target.tag} formed (µmol)"
            rates[counter] += rate


def coupled_parameters(coupled: CoupledModel, individual: Individual) -> tuple[np.ndarray, tuple[str, ...]]:
    """The parameter vector of a coupled model (internal units), and the parameter-table warnings."""
    values: list[float] = []
    warnings: list[str] = []
    tables = {}
    for member in coupled.members:
        table = parameter_table(member.model, member.compound, individual)
        tables[member.tag] = table
        values.extend(to_vector(member.model, table.values))
        warnings.extend(f"{member.compound.name}: {w}" for w in table.warnings)
    named = _interaction_values(coupled, individual)
    offset = len(values)
    names = coupled.model.parameter_names[offset:]
    missing = [n for n in names if n not in named]
    if missing:
        raise PbpkInputError("ddi", "parameters", missing[0], "a value for every interaction parameter")
    values.extend(named[n] for n in names)
    return np.array(values, dtype=float), tuple(warnings)


def _interaction_values(coupled: CoupledModel, individual: Individual) -> dict[str, float]:
    values = {"Q_enterocyte": float(individual.villous_blood_flow.to("L/h").magnitude)}
    for tag, interaction in coupled.interactions:
        label = f"{_identifier(interaction.target)}_{tag}"
        if interaction.type in REVERSIBLE:
            values[f"Ki_{label}"] = micromolar(interaction.ki_u)
            if interaction.alpha is not None:
                values[f"alpha_{label}"] = float(interaction.alpha)
        elif interaction.type == "mechanism_based":
            values[f"kinact_{label}"] = float(interaction.kinact.to("1/h").magnitude)
            values[f"KI_{label}"] = micromolar(interaction.KI_u)
        else:
            values[f"Emax_{label}"] = float(interaction.emax)
            values[f"EC50_{label}"] = micromolar(interaction.ec50_u)
    for enzyme, site in coupled.turnover:
        values[f"kdeg_{_identifier(enzyme)}_{site}"] = turnover_rate(individual, enzyme, TURNOVER_ORGAN[site])
    for member in coupled.members:
        for route, pathway in zip(member.model.topology.hepatic_pathways, member.compound.clearance.hepatic):
            formed = pathway.metabolite
            if formed is not None and formed.compound in coupled.formed:
                values[f"f_formed_{coupled.formed[formed.compound]}_from_{member.tag}_{route.name}"] = formed.fraction
    for member in coupled.members:
        clints = gut_intrinsic_clearances(member.compound, individual)
        total = sum(q.to("L/h").magnitude for q in clints.values())
        for enzyme, clint in clints.items():
            values[f"share_gut_{_identifier(enzyme)}_{member.tag}"] = clint.to("L/h").magnitude / total
    return values


def _gut_enzymes(compound: Compound, individual: Individual) -> tuple[str, ...]:
    """Enzymes carrying the compound's gut-wall clearance (those with a share of it)."""
    if compound.absorption is None:
        return ()
    clints = gut_intrinsic_clearances(compound, individual)
    return tuple(sorted(e for e, q in clints.items() if q.magnitude > 0))


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name)


def _source_hash() -> str:
    return hashlib.sha256(inspect.getsource(sys.modules[__name__]).encode()).hexdigest()[:12]

