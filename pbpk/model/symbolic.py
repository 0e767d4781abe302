"""The symbolic whole-body model: states, parameters and equations in sympy.

The model depends on structure only (a :class:`~pbpk.model.topology.Topology`):
volumes, flows, Kp, clearances and absorption constants are parameter
symbols, so one model — and one compiled kernel — serves any individual.
Values enter later as a parameter vector (:mod:`pbpk.model.parameters`).

Organ templates (DESIGN §4)
---------------------------
perfusion-limited
    dA/dt = Q·(C_in − C_t·B:P/Kp), venous blood leaving at C_t·B:P/Kp.
permeability-limited
    an extracellular (vascular + interstitial, volume fraction fE) and an
    intracellular space with the tissue's Kp; blood exchanges with the first,
    unbound drug crosses to the second with the permeability-surface product
    PS: J = PS·fu·(C_E − C_I)/Kp. PS → ∞ gives the perfusion-limited organ.
fetus
    exchanges unbound drug with the placenta: J = PS_fetus·(Cu_placenta − Cu_fetus)
    (placental transfer clearance; umbilical-flow-limited by default).
eliminating
    liver: metabolism of unbound drug (linear CLint or Vmax·Cu/(Km + Cu) per
    pathway) and biliary excretion; kidney: (f·GFR + CLsec)·Cu; gut wall:
    first-pass loss of the absorbed flux, 1 − Fg.

Units: amounts µmol, volumes L, time h, flows and clearances L/h.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from pbpk.model.topology import Topology

ROUTES = ("iv", "infusion", "oral")


@dataclass(frozen=True)
class SymbolicModel:
    """A whole-body model as sympy expressions.

    Attributes
    ----------
    states, parameters
        Symbols, in the order of the state and parameter vectors.
    rhs
        dy/dt for each state (without dosing inputs, which enter as rates).
    outputs
        Named observables (concentrations in µmol/L, amounts in µmol).
    dose_targets
        Route → name of the state that receives the dose.
    mass_states
        States holding drug (body, gut lumen, eliminated, unabsorbed): their
        sum equals the amount dosed.
    sites
        Concentrations where a drug meets enzymes, for coupling compounds in
        DDI models (:mod:`pbpk.model.coupled`): ``liver`` (unbound, µmol/L),
        ``gut`` (unbound in gut tissue, µmol/L) and ``absorption`` (flux into the
        gut wall, µmol/h).
    pathway_rates
        Rate of each hepatic pathway (µmol/h, by route name), for metabolite formation
        in DDI models.
    structure
        Fingerprint of the structure when the model is more than its topology
        (a coupled DDI model); empty for a single-compound model.
    """

    name: str
    topology: Topology
    states: tuple[sp.Symbol, ...]
    parameters: tuple[sp.Symbol, ...]
    rhs: tuple[sp.Expr, ...]
    outputs: Mapping[str, sp.Expr]
    dose_targets: Mapping[str, str]
    mass_states: tuple[str, ...]
    descriptions: Mapping[str, str] = field(default_factory=dict)
    sites: Mapping[str, sp.Expr] = field(default_factory=dict)
    pathway_rates: Mapping[str, sp.Expr] = field(default_factory=dict)
    structure: str = ""

    @property
    def signature(self) -> str:
        """What the generated kernels depend on (part of the kernel cache key)."""
        return self.structure or self.topology.signature

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def state_index(self, name: str) -> int:
        return self.state_names.index(name)

    @cached_property
    def jacobian(self) -> sp.Matrix:
        return sp.Matrix(self.rhs).jacobian(sp.Matrix(self.states))

    @cached_property
    def is_linear(self) -> bool:
        """True when dy/dt = A(p)·y exactly (then solved by the matrix exponential).

        Symbolic test: every derivative of every equation with respect to a
        state is free of states, and every equation vanishes at y = 0.
        """
        states = set(self.states)
        zero = {state: 0 for state in self.states}
        for expression in self.rhs:
            for state in expression.free_symbols & states:
                if expression.diff(state).free_symbols & states:
                    return False
            if expression.xreplace(zero) != 0 and sp.simplify(expression.xreplace(zero)) != 0:
                return False
        return True

    def equations(self, *, latex: bool = False) -> str:
        """Readable equations, one per state (``latex=True`` for LaTeX)."""
        lines = []
        for state, expression in zip(self.states, self.rhs):
            if latex:
                lines.append(rf"\frac{{d\,{sp.latex(state)}}}{{dt}} = {sp.latex(expression)}")
            else:
                lines.append(f"d{state.name}/dt = {sp.sstr(expression)}")
        for name, expression in self.outputs.items():
            lines.append(f"{name} = {sp.latex(expression) if latex else sp.sstr(expression)}")
        return "\n".join(lines)


class _Builder:
    """Collects symbols and flux terms while the organ templates are applied."""

    def __init__(self) -> None:
        self.states: list[sp.Symbol] = []
        self.parameters: list[sp.Symbol] = []
        self.rates: dict[sp.Symbol, sp.Expr] = {}
        self.descriptions: dict[str, str] = {}

    def state(self, name: str, description: str) -> sp.Symbol:
        symbol = sp.Symbol(name, real=True)
        self.states.append(symbol)
        self.rates[symbol] = sp.Integer(0)
        self.descriptions[name] = description
        return symbol

    def parameter(self, name: str, description: str) -> sp.Symbol:
        symbol = sp.Symbol(name, positive=True)
        if symbol not in self.parameters:
            self.parameters.append(symbol)
            self.descriptions[name] = description
        return symbol

    def flow(self, source: sp.Symbol | None, target: sp.Symbol | None, rate: sp.Expr) -> None:
        """Move ``rate`` (µmol/h) from one state to another (None: outside the model)."""
        if source is not None:
            self.rates[source] -= rate
        if target is not None:
            self.rates[target] += rate


def build_model(topology: Topology, name: str = "pbpk") -> SymbolicModel:
    """Generate the symbolic model of ``topology`` (structure only, no values)."""
    b = _Builder()
    fu = b.parameter("fu_p", "unbound fraction in plasma")
    bp = b.parameter("BP", "blood:plasma concentration ratio")
    venous = b.state("A_venous", "drug in venous blood")
    arterial = b.state("A_arterial", "drug in arterial blood")
    v_venous = b.parameter("V_venous", "venous blood volume (L)")
    v_arterial = b.parameter("V_arterial", "arterial blood volume (L)")
    c_venous = venous / v_venous
    c_arterial = arterial / v_arterial

    # elimination and absorption bookkeeping states
    metabolised = b.state("A_metabolised_liver", "cumulative amount metabolised in the liver") \
        if topology.hepatic_pathways else None
    bile = b.state("A_excreted_bile", "cumulative amount excreted in bile") if topology.biliary else None
    urine = b.state("A_excreted_urine", "cumulative amount excreted in urine") if topology.renal else None

    flows: dict[str, sp.Symbol] = {}
    outflow: dict[str, sp.Expr] = {}        # venous-blood concentration leaving each organ
    amount: dict[str, sp.Expr] = {}         # total drug in the organ
    unbound: dict[str, sp.Expr] = {}        # unbound concentration where elimination acts
    organ_inputs: dict[str, sp.Symbol] = {}  # state receiving the arterial (or portal) blood
    cells: dict[str, sp.Symbol] = {}         # state that elimination removes drug from
    organ_volume: dict[str, sp.Symbol] = {}
    for organ in topology.organs:
        volume = b.parameter(f"V_{organ.name}", f"{organ.name} volume (L)")
        kp = b.parameter(f"Kp_{organ.name}", f"{organ.name}:plasma partition coefficient")
        organ_volume[organ.name] = volume
        if organ.drains_to in ("venous", "liver"):
            flows[organ.name] = b.parameter(f"Q_{organ.name}", f"{organ.name} arterial blood flow (L/h)")
        if organ.template == "perfusion":
            state = b.state(f"A_{organ.name}", f"drug in {organ.name}")
            concentration = state / volume
            outflow[organ.name] = concentration * bp / kp
            amount[organ.name] = state
            unbound[organ.name] = fu * concentration / kp
            organ_inputs[organ.name] = cells[organ.name] = state
        else:
            f_e = b.parameter(f"fE_{organ.name}", f"{organ.name} extracellular volume fraction")
            ps = b.parameter(f"PS_{organ.name}", f"{organ.name} permeability-surface product (L/h)")
            extra = b.state(f"A_{organ.name}_extracellular", f"drug in {organ.name} vascular and interstitial space")
            intra = b.state(f"A_{organ.name}_intracellular", f"drug in {organ.name} cells")
            c_extra = extra / (f_e * volume)
            c_intra = intra / ((1 - f_e) * volume)
            b.flow(extra, intra, ps * fu * (c_extra - c_intra) / kp)
            outflow[organ.name] = c_extra * bp / kp
            amount[organ.name] = extra + intra
            unbound[organ.name] = fu * c_intra / kp
            organ_inputs[organ.name] = extra
            cells[organ.name] = intra

    # blood flow: systemic organs take arterial blood; portal organs drain into the liver
    portal = [o.name for o in topology.organs if o.drains_to == "liver"]
    for organ in topology.organs:
        if organ.drains_to not in ("venous", "liver"):
            continue
        b.flow(arterial, organ_inputs[organ.name], flows[organ.name] * c_arterial)
    for organ in topology.organs:
        if organ.drains_to == "placenta":
            transfer = b.parameter(f"PS_{organ.name}", "placental transfer clearance of unbound drug (L/h)")
            b.flow(cells["placenta"], cells[organ.name], transfer * (unbound["placenta"] - unbound[organ.name]))
    liver_total_flow = flows["liver"] + sum((flows[name] for name in portal), sp.Integer(0))
    for name in portal:
        b.flow(organ_inputs[name], organ_inputs["liver"], flows[name] * outflow[name])
    for organ in topology.organs:
        if organ.drains_to == "venous":
            flow = liver_total_flow if organ.name == "liver" else flows[organ.name]
            b.flow(organ_inputs[organ.name], venous, flow * outflow[organ.name])
    cardiac_output = sum((flows[o.name] for o in topology.organs if o.drains_to == "venous"), sp.Integer(0)) \
        + sum((flows[name] for name in portal), sp.Integer(0))
    lung = next(o.name for o in topology.organs if o.drains_to == "arterial")
    b.flow(venous, organ_inputs[lung], cardiac_output * c_venous)
    b.flow(organ_inputs[lung], arterial, cardiac_output * outflow[lung])

    # hepatic elimination from unbound liver (intracellular) drug
    liver_cell = cells["liver"]
    cu_liver = unbound["liver"]
    pathway_rates: dict[str, sp.Expr] = {}
    for route in topology.hepatic_pathways:
        if route.kinetics == "linear":
            clint = b.parameter(f"CLint_{route.name}", f"unbound intrinsic clearance, {route.name} (L/h)")
            pathway_rates[route.name] = clint * cu_liver
        else:
            vmax = b.parameter(f"Vmax_{route.name}", f"maximal rate, {route.name} (µmol/h)")
            km = b.parameter(f"Km_{route.name}", f"unbound Michaelis constant, {route.name} (µmol/L)")
            pathway_rates[route.name] = vmax * cu_liver / (km + cu_liver)
        b.flow(liver_cell, metabolised, pathway_rates[route.name])
    if topology.biliary:
        cl_bile = b.parameter("CLint_bile", "unbound biliary intrinsic clearance (L/h)")
        b.flow(liver_cell, bile, cl_bile * cu_liver)
    if topology.renal:
        gfr = b.parameter("GFR", "glomerular filtration rate (L/h)")
        filtered = b.parameter("f_filtered", "fraction of filtered drug excreted (1 − reabsorption)")
        secretion = b.parameter("CLsec_u", "unbound tubular secretion clearance (L/h)")
        b.flow(cells["kidney"], urine, (filtered * gfr + secretion) * unbound["kidney"])

    dose_targets = {"iv": "A_venous", "infusion": "A_venous"}
    absorbed_flux = sp.Integer(0)
    if topology.absorption is not None:
        absorbed_flux = _absorption(b, topology, organ_inputs["gut"], dose_targets)

    auc = b.state("AUC_plasma", "integral of the plasma concentration (µmol·h/L)")
    b.rates[auc] = c_venous / bp
    auc_integral = b.state("AUC_integral", "integral of AUC_plasma; AUMC = t·AUC − this (µmol·h²/L)")
    b.rates[auc_integral] = auc

    outputs: dict[str, sp.Expr] = {
        "C_plasma": c_venous / bp,
        "C_blood": c_venous,
        "C_plasma_unbound": fu * c_venous / bp,
    }
    for organ in topology.organs:
        outputs[f"C_{organ.name}"] = amount[organ.name] / organ_volume[organ.name]
    counters = {"A_absorbed", "AUC_plasma", "AUC_integral"}
    states = sorted(b.states, key=lambda state: _elimination_order(state.name, topology))
    mass = tuple(s.name for s in states if s.name not in counters)
    return SymbolicModel(
        name=name,
        topology=topology,
        states=tuple(states),
        parameters=tuple(b.parameters),
        rhs=tuple(b.rates[s] for s in states),
        outputs=outputs,
        dose_targets=dose_targets,
        mass_states=mass,
        descriptions=b.descriptions,
        sites={"liver": cu_liver, "gut": unbound["gut"], "absorption": absorbed_flux},
        pathway_rates=pathway_rates,
    )


def _elimination_order(state: str, topology: Topology) -> int:
    """Order of states in the state vector: leaves first, hubs last.

    Tissues exchange drug only with the blood pools and (portal organs) the
    liver, so with those hubs last the Newton matrix factorises with almost no
    fill-in; bookkeeping and AUC states, which feed nothing, come at the end.
    """
    if state.startswith(("A_transit_", "A_gut_lumen")):
        return 0
    if state.startswith("AUC"):
        return 7
    if state.startswith(("A_metabolised", "A_excreted", "A_unabsorbed", "A_absorbed")):
        return 6
    hubs = {"A_venous": 5, "A_arterial": 4}
    if state in hubs:
        return hubs[state]
    lung = next(o.name for o in topology.organs if o.drains_to == "arterial")
    if state.startswith((f"A_{lung}_", )) or state == f"A_{lung}":
        return 3
    if state == "A_liver" or state.startswith("A_liver_"):
        return 2
    return 1


def _absorption(b: _Builder, topology: Topology, gut: sp.Symbol, dose_targets: dict[str, str]) -> sp.Expr:
    """Oral absorption into the gut wall; first-pass loss there is 1 − Fg of the absorbed flux.

    Returns the absorbed flux (µmol/h into the gut wall, before the first-pass loss).
    """
    fg = b.parameter("Fg", "intestinal availability (fraction escaping gut-wall metabolism)")
    ka = b.parameter("ka", "absorption rate constant (1/h)")
    absorbed = b.state("A_absorbed", "cumulative amount absorbed into the gut wall")
    gut_wall = b.state("A_metabolised_gut_wall", "cumulative amount metabolised in the gut wall")
    unabsorbed = b.state("A_unabsorbed", "cumulative amount leaving unabsorbed (faeces)")
    if topology.absorption == "first_order":
        fa = b.parameter("fa", "fraction absorbed")
        lumen = b.state("A_gut_lumen", "drug in the gut lumen (oral depot)")
        dose_targets["oral"] = lumen.name
        flux = ka * lumen
        b.flow(lumen, None, flux)
        b.rates[absorbed] += fa * flux
        b.rates[gut] += fa * fg * flux
        b.rates[gut_wall] += fa * (1 - fg) * flux
        b.rates[unabsorbed] += (1 - fa) * flux
        return fa * flux
    k_transit = b.parameter("k_transit", "small-intestinal transit rate constant (1/h)")
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
