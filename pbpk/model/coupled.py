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
    share_e the enzyme's part of its gut-wall CLint (Yang et al. 2007, Qgut model; for a measured Fg
    without in-vitro data, from the in-vivo hepatic pathways: :func:`pbpk.disposition.clearance.gut_wall_shares`).

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
transporters (:mod:`pbpk.model.transport_coupling`)
    a process carried by a transporter (renal secretion, biliary excretion, gut
    efflux) follows its activity at that site, inhibited reversibly by the other
    compounds and with a turnover state where an inducer or inactivator acts;
    interactions on a transporter that carries no compound of the model are
    reported as ignored.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from pbpk.compound import Compound, Interaction
from pbpk.compound.schema import INTERACTION_SITES
from pbpk.core.errors import PbpkInputError
from pbpk.core.names import enzyme_names, identifier
from pbpk.core.units import micromolar
from pbpk.disposition.clearance import gut_wall_shares
from pbpk.disposition.turnover import turnover_rate
from pbpk.model.builder import ModelBuilder
from pbpk.model.parameters import parameter_table, to_vector
from pbpk.model.symbolic import SymbolicModel, _elimination_order, build_model
from pbpk.model.topology import Kinetics, build_topology
from pbpk.model.transport_coupling import (
    carried_sites,
    transported_parameters,
    uptake_transporters,
)
from pbpk.physiology import Individual

SITES = ("liver", "gut")  # of enzymes; a transporter acts where it carries a compound
#: Turnover table of each site in ``physiology_db/enzymes.yaml``.
TURNOVER_ORGAN = {"liver": "liver", "gut": "intestine", "kidney": "kidney"}
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
    return identifier(compound.name.lower())


def build_coupled_model(compounds: Sequence[Compound], individual: Individual, *,
                        kinetics: Kinetics = "michaelis_menten",
                        metabolites: Mapping[str, Compound] | None = None) -> CoupledModel:
    """One symbolic model for ``compounds`` (victim first) in ``individual``'s organ set.

    ``metabolites`` maps a metabolite reference of a hepatic pathway (``metabolite:`` in the
    compound file) to its compound (:func:`pbpk.compound.load.formed_metabolites`); each joins
    the model after the given compounds and is formed in the liver from that fraction of the
    pathway's flux (mol for mol). Without it, pathways form nothing.
    """
    compounds, formed_tags = _with_metabolites(list(compounds), metabolites or {})
    tags = [tag_of(c) for c in compounds]
    if len(set(tags)) != len(tags):
        raise PbpkInputError("ddi", "compounds", tags, "different compounds (each at most once)")
    members = tuple(Member(tag, c, build_model(build_topology(c, individual, kinetics=kinetics), name=tag))
                    for tag, c in zip(tags, compounds))
    used, ignored = _interactions(members)
    prefixed = {m.tag: {symbol: sp.Symbol(f"{m.tag}__{symbol.name}", **symbol.assumptions0)
                        for symbol in (*m.model.states, *m.model.parameters)} for m in members}
    b = ModelBuilder()  # the coupling's own parameters and enzyme states
    concentration = _enzyme_site_concentrations(b, members, prefixed)
    gut_enzymes = {m.tag: _gut_enzymes(m.compound, individual) for m in members}
    terms = _interaction_terms(b, used, concentration, {e for enzymes in gut_enzymes.values() for e in enzymes},
                               carried_sites([m.compound for m in members]),
                               uptake_transporters([m.compound for m in members]))
    enzyme_states = _enzyme_turnover(b, terms)
    parts = _member_equations(b, members, prefixed, terms, enzyme_states, gut_enzymes, concentration)
    _form_metabolites(b, members, formed_tags, parts, prefixed)
    for (enzyme, site), state in enzyme_states.items():
        parts.add_state(state, b.rates[state], (2, len(members)))
        parts.outputs[f"E_{identifier(enzyme)}_{site}"] = 1 + state
    for enzyme, site in sorted(set(terms.competitive) | set(enzyme_states)):
        parts.outputs[f"activity_{identifier(enzyme)}_{site}"] = terms.amount(enzyme, site, enzyme_states) / (
            1 + terms.inhibition(terms.competitive, enzyme, site))
    ordered = sorted(parts.states, key=lambda s: parts.order[s])
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
        parameters=tuple(prefixed[m.tag][p] for m in members for p in m.model.parameters) + tuple(b.parameters),
        rhs=tuple(parts.rates[s] for s in ordered),
        outputs=parts.outputs,
        dose_targets=parts.dose_targets,
        mass_states=tuple(parts.mass_states),
        parameter_info=tuple(info.renamed(f"{m.tag}__{info.name}", m.tag) for m in members
                             for info in m.model.parameter_info) + tuple(b.info[p.name] for p in b.parameters),
        descriptions={**parts.descriptions, **b.descriptions},
        structure=structure,
    )
    return CoupledModel(model, members, tuple(used), tuple(ignored), tuple(sorted(enzyme_states)), formed_tags)


def acts_on_itself(compounds: Sequence[Compound]) -> bool:
    """Whether the coupled model of ``compounds`` (a compound with the metabolites it forms) changes their own
    clearance: an inactivation or induction of an enzyme or transporter that clears one of them, or a reversible
    inhibition of one that clears another of them (a compound's own binding is its Michaelis–Menten term)."""
    clearing = {c.name: {(p.enzyme, site) for p in c.clearance.hepatic for site in SITES}
                | {(transporter, site) for _, site, transporter in c.transport_processes} for c in compounds}
    for compound in compounds:
        for interaction in compound.interactions:
            acting = {(interaction.target, site) for site in interaction.sites or INTERACTION_SITES}
            others = [pairs for name, pairs in clearing.items()
                      if interaction.type not in REVERSIBLE or name != compound.name]
            if any(acting & pairs for pairs in others):
                return True
    return False


def _with_metabolites(compounds: list[Compound], metabolites: Mapping[str, Compound]
                      ) -> tuple[list[Compound], dict[str, str]]:
    """The compounds with the formed metabolites appended (once each), and metabolite reference → member tag."""
    formed_tags: dict[str, str] = {}
    for reference, metabolite in metabolites.items():
        known = next((c for c in compounds if reference in (c.name, c.file) or c is metabolite), None)
        if known is None:
            compounds.append(metabolite)
        formed_tags[reference] = tag_of(known or metabolite)
    return compounds, formed_tags


def _interactions(members: Sequence[Member]) -> tuple[list[tuple[str, Interaction]], list[str]]:
    """The interactions the dynamic model represents (perpetrator tag, interaction), and the ignored ones
    with the reason."""
    enzymes = set(enzyme_names())
    carried = carried_sites([m.compound for m in members])
    used: list[tuple[str, Interaction]] = []
    ignored: list[str] = []
    for member in members:
        for interaction in member.compound.interactions:
            if interaction.target not in enzymes:
                sites = carried.get(interaction.target, set())
                if sites & set(interaction.sites or sites):
                    used.append((member.tag, interaction))
                elif interaction.target in carried:
                    ignored.append(f"{member.compound.name} → {interaction.target} ({interaction.type}): acts only at "
                                   f"{', '.join(interaction.sites)}, where it carries no compound of the model")
                else:
                    ignored.append(f"{member.compound.name} → {interaction.target} ({interaction.type}): no "
                                   f"compound of the model is carried by {interaction.target}")
            elif not any(p.enzyme == interaction.target for m in members for p in m.compound.clearance.hepatic):
                ignored.append(f"{member.compound.name} → {interaction.target}: no compound of the model is "
                               f"metabolised by {interaction.target}")
            else:
                used.append((member.tag, interaction))
    return used, ignored


def _enzyme_site_concentrations(b: ModelBuilder, members: Sequence[Member], prefixed) -> dict[tuple[str, str], sp.Expr]:
    """Each compound's unbound concentration at the enzymes and transporters: in liver cells and the liver's blood
    (sinusoid), in the enterocyte
    (absorbed flux over the villous blood flow plus the unbound gut-tissue concentration) and in kidney tissue."""
    q_enterocyte = b.parameter("Q_enterocyte", "villous_flow", "villous (enterocyte) blood flow (L/h)", organ="gut")
    concentration = {}
    for member in members:
        sites = {name: sp.sympify(e).xreplace(prefixed[member.tag]) for name, e in member.model.sites.items()}
        concentration[(member.tag, "liver")] = sites["liver"]
        concentration[(member.tag, "sinusoid")] = sites["sinusoid"]
        concentration[(member.tag, "gut")] = sites["absorption"] / q_enterocyte + sites["gut"]
        concentration[(member.tag, "kidney")] = sites["kidney"]
    return concentration


@dataclass
class _Terms:
    """Per (enzyme, site): the reversible inhibition sums by inhibitor, and the induction and inactivation terms."""

    competitive: dict[tuple[str, str], dict[str, sp.Expr]] = field(default_factory=dict)  # → inhibitor tag → I/Ki
    noncompetitive: dict[tuple[str, str], dict[str, sp.Expr]] = field(default_factory=dict)
    synthesis: dict[tuple[str, str], sp.Expr] = field(default_factory=dict)
    inactivation: dict[tuple[str, str], sp.Expr] = field(default_factory=dict)

    @staticmethod
    def inhibition(sums: dict, enzyme: str, site: str, exclude: str | None = None) -> sp.Expr:
        """Σ I/Ki on ``enzyme`` at ``site`` over the inhibitors other than ``exclude``."""
        return sum((term for tag, term in sums.get((enzyme, site), {}).items() if tag != exclude), sp.Integer(0))

    @staticmethod
    def amount(enzyme: str, site: str, enzyme_states: dict) -> sp.Expr:
        """Enzyme amount relative to baseline (1 without turnover state)."""
        return 1 + enzyme_states[(enzyme, site)] if (enzyme, site) in enzyme_states else sp.Integer(1)


def _interaction_terms(b: ModelBuilder, used, concentration, in_gut: set[str], carried: Mapping[str, set[str]],
                       uptake: set[str]) -> _Terms:
    """The interaction constants as parameters and their terms per target and site (gut wall: its enzymes only;
    a transporter: the sites where it carries a compound; an uptake transporter is inhibited from the sinusoid,
    induced or inactivated from the cell)."""
    terms = _Terms()
    for tag, interaction in used:
        enzyme = interaction.target
        label = f"{identifier(enzyme)}_{tag}"
        belongs = {"enzyme": enzyme, "member": tag}
        sites = sorted(carried[enzyme]) if enzyme in carried else [s for s in SITES if s != "gut" or enzyme in in_gut]
        for site in sites:
            if interaction.sites and site not in interaction.sites:
                continue
            key = (enzyme, site)
            at_membrane = site == "liver" and enzyme in uptake and interaction.type in REVERSIBLE
            inhibitor = concentration[(tag, "sinusoid" if at_membrane else site)]  # induction acts in the cell
            if interaction.type in REVERSIBLE:
                ki = b.parameter(f"Ki_{label}", "inhibition_constant",
                                 f"unbound inhibition constant of {tag} on {enzyme} (µmol/L)", **belongs)
                sums = terms.competitive.setdefault(key, {})
                sums[tag] = sums.get(tag, sp.Integer(0)) + inhibitor / ki
                if interaction.type != "competitive":
                    alpha = b.parameter(f"alpha_{label}", "inhibition_alpha",
                                        f"mixed-inhibition α of {tag} on {enzyme}", **belongs) \
                        if interaction.type == "mixed" else sp.Integer(1)
                    sums = terms.noncompetitive.setdefault(key, {})
                    sums[tag] = sums.get(tag, sp.Integer(0)) + inhibitor / (alpha * ki)
            elif interaction.type == "mechanism_based":
                kinact = b.parameter(f"kinact_{label}", "inactivation_rate",
                                     f"maximal inactivation rate of {enzyme} by {tag} (1/h)", **belongs)
                k_i = b.parameter(f"KI_{label}", "inactivation_constant",
                                  f"unbound inactivation constant of {tag} on {enzyme} (µmol/L)", **belongs)
                terms.inactivation[key] = terms.inactivation.get(key, sp.Integer(0)) \
                    + kinact * inhibitor / (k_i + inhibitor)
            else:
                emax = b.parameter(f"Emax_{label}", "induction_maximum",
                                   f"maximal induction of {enzyme} by {tag} (fold over baseline − 1)", **belongs)
                ec50 = b.parameter(f"EC50_{label}", "induction_ec50",
                                   f"unbound EC50 of {tag} for {enzyme} induction (µmol/L)", **belongs)
                terms.synthesis[key] = terms.synthesis.get(key, sp.Integer(0)) + emax * inhibitor / (ec50 + inhibitor)
    return terms


def _enzyme_turnover(b: ModelBuilder, terms: _Terms) -> dict[tuple[str, str], sp.Symbol]:
    """An enzyme state (E − 1) per (enzyme, site) with induction or inactivation, and its rate in ``b.rates``."""
    states: dict[tuple[str, str], sp.Symbol] = {}
    for key in sorted(set(terms.synthesis) | set(terms.inactivation)):
        enzyme, site = key
        kdeg = b.parameter(f"kdeg_{identifier(enzyme)}_{site}", "degradation_rate",
                           f"degradation rate constant of {enzyme}, {site} (1/h)", enzyme=enzyme, organ=site)
        state = sp.Symbol(f"dE_{identifier(enzyme)}_{site}", real=True)
        b.descriptions[state.name] = f"{enzyme} amount in the {site} relative to baseline, minus 1"
        states[key] = state
        b.rates[state] = kdeg * terms.synthesis.get(key, sp.Integer(0)) - kdeg * state \
            - terms.inactivation.get(key, sp.Integer(0)) * (1 + state)
    return states


@dataclass
class _Parts:
    """The coupled model as it is assembled: states with their rates and order, outputs, doses, mass states."""

    states: list[sp.Symbol] = field(default_factory=list)
    rates: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    order: dict[sp.Symbol, tuple[int, int]] = field(default_factory=dict)
    outputs: dict[str, sp.Expr] = field(default_factory=dict)
    dose_targets: dict[str, str] = field(default_factory=dict)
    mass_states: list[str] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)
    mappings: dict[str, dict[sp.Symbol, sp.Expr]] = field(default_factory=dict)

    def add_state(self, state: sp.Symbol, rate: sp.Expr, order: tuple[int, int]) -> None:
        self.states.append(state)
        self.rates[state] = rate
        self.order[state] = order


def _member_equations(b: ModelBuilder, members: Sequence[Member], prefixed, terms: _Terms, enzyme_states,
                      gut_enzymes, concentration) -> _Parts:
    """Each member's equations, prefixed, with its metabolism modified by the others (and by enzyme turnover)."""
    parts = _Parts()
    for index, member in enumerate(members):
        rename = prefixed[member.tag]
        mapping = parts.mappings[member.tag] = dict(rename)
        mapping.update(_hepatic_coupling(member, rename, terms, enzyme_states))
        fg = sp.Symbol("Fg", positive=True)
        if fg in member.model.parameters and gut_enzymes[member.tag]:
            activity = sp.Integer(0)
            for enzyme in gut_enzymes[member.tag]:
                share = b.parameter(f"share_gut_{identifier(enzyme)}_{member.tag}", "gut_share",
                                    f"{enzyme} share of the gut-wall CLint of {member.tag}", enzyme=enzyme,
                                    member=member.tag)
                activity += share * terms.amount(enzyme, "gut", enzyme_states) / (
                    1 + terms.inhibition(terms.competitive, enzyme, "gut", exclude=member.tag))
            mapping[fg] = 1 / (1 + (1 - rename[fg]) / rename[fg] * activity)
        mapping.update(transported_parameters(member.compound, rename, lambda target, site, tag=member.tag: (
            terms.amount(target, site, enzyme_states) / (1 + terms.inhibition(terms.competitive, target, site,
                                                                                exclude=tag)))))
        for state, rate in zip(member.model.states, member.model.rhs):
            parts.add_state(rename[state], sp.sympify(rate).xreplace(mapping),
                            (_elimination_order(state.name, member.model.topology), index))
        for name, expression in member.model.outputs.items():
            parts.outputs[f"{member.tag}__{name}"] = sp.sympify(expression).xreplace(rename)
        parts.outputs[f"{member.tag}__C_liver_unbound"] = concentration[(member.tag, "liver")]
        parts.outputs[f"{member.tag}__C_sinusoid_unbound"] = concentration[(member.tag, "sinusoid")]
        parts.outputs[f"{member.tag}__C_enterocyte_unbound"] = concentration[(member.tag, "gut")]
        parts.outputs[f"{member.tag}__C_kidney_unbound"] = concentration[(member.tag, "kidney")]
        for route, state_name in member.model.dose_targets.items():
            parts.dose_targets[f"{member.tag}:{route}"] = f"{member.tag}__{state_name}"
        parts.mass_states.extend(f"{member.tag}__{name}" for name in member.model.mass_states)
        parts.descriptions.update({f"{member.tag}__{k}": v for k, v in member.model.descriptions.items()})
    return parts


def _hepatic_coupling(member: Member, rename, terms: _Terms, enzyme_states) -> dict[sp.Symbol, sp.Expr]:
    """The member's pathway parameters as functions of the other compounds' inhibition and the enzyme amount.

    A compound's reversible binding to its own enzyme is its Michaelis–Menten term already.
    """
    mapping = {}
    for route in member.model.topology.hepatic_pathways:
        s_c = terms.inhibition(terms.competitive, route.enzyme, "liver", exclude=member.tag)
        s_n = terms.inhibition(terms.noncompetitive, route.enzyme, "liver", exclude=member.tag)
        e = terms.amount(route.enzyme, "liver", enzyme_states)
        if route.kinetics == "linear":
            clint = sp.Symbol(f"CLint_{route.name}", positive=True)
            mapping[clint] = rename[clint] * e / (1 + s_c)
        else:
            vmax = sp.Symbol(f"Vmax_{route.name}", positive=True)
            km = sp.Symbol(f"Km_{route.name}", positive=True)
            mapping[vmax] = rename[vmax] * e / (1 + s_n)
            mapping[km] = rename[km] * (1 + s_c) / (1 + s_n)
    return mapping


def _form_metabolites(b: ModelBuilder, members: Sequence[Member], formed_tags: dict[str, str], parts: _Parts,
                      prefixed) -> None:
    """Route each pathway's metabolite fraction into the metabolite's hepatic cells, with a formation counter."""
    for member in members:
        for route, pathway in zip(member.model.topology.hepatic_pathways, member.compound.clearance.hepatic):
            if pathway.metabolite is None or pathway.metabolite.compound not in formed_tags:
                continue
            target = next(m for m in members if m.tag == formed_tags[pathway.metabolite.compound])
            fraction = b.parameter(f"f_formed_{target.tag}_from_{member.tag}_{route.name}", "formed_fraction",
                                   f"molar fraction of {member.tag}'s {route.name} flux forming {target.tag}",
                                   route=route.name, member=target.tag)
            rate = fraction * sp.sympify(member.model.pathway_rates[route.name]).xreplace(parts.mappings[member.tag])
            liver = prefixed[target.tag][sp.Symbol(target.model.hepatic_cells, real=True)]
            parts.rates[liver] += rate
            counter = sp.Symbol(f"{target.tag}__A_formed", real=True)
            if counter not in parts.rates:
                parts.add_state(counter, sp.Integer(0), (6, members.index(target)))
                parts.descriptions[counter.name] = f"cumulative amount of {target.tag} formed (µmol)"
            parts.rates[counter] += rate


def coupled_parameters(coupled: CoupledModel, individual: Individual, *, partition_method: str | None = None
                       ) -> tuple[np.ndarray, tuple[str, ...]]:
    """The parameter vector of a coupled model (internal units), and the parameter-table warnings;
    ``partition_method`` overrides the first compound's own Kp method."""
    values: list[float] = []
    warnings: list[str] = []
    for member in coupled.members:
        method = partition_method if member is coupled.members[0] else None
        table = parameter_table(member.model, member.compound, individual, partition_method=method)
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
        label = f"{identifier(interaction.target)}_{tag}"
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
        values[f"kdeg_{identifier(enzyme)}_{site}"] = turnover_rate(individual, enzyme, TURNOVER_ORGAN[site])
    for member in coupled.members:
        for route, pathway in zip(member.model.topology.hepatic_pathways, member.compound.clearance.hepatic):
            formed = pathway.metabolite
            if formed is not None and formed.compound in coupled.formed:
                values[f"f_formed_{coupled.formed[formed.compound]}_from_{member.tag}_{route.name}"] = formed.fraction
    for member in coupled.members:
        for enzyme, share in gut_wall_shares(member.compound, individual).items():
            values[f"share_gut_{identifier(enzyme)}_{member.tag}"] = share
    return values


def _gut_enzymes(compound: Compound, individual: Individual) -> tuple[str, ...]:
    """Enzymes carrying the compound's gut-wall clearance (those with a share of it)."""
    if compound.absorption is None:
        return ()
    return tuple(sorted(gut_wall_shares(compound, individual)))


def _source_hash() -> str:
    return hashlib.sha256(inspect.getsource(sys.modules[__name__]).encode()).hexdigest()[:12]

