"""The symbolic whole-body model: states, parameters and equations in sympy.

The model depends on structure only (a :class:`~pbpk.model.topology.Topology`):
volumes, flows, Kp, clearances and absorption constants are parameter
symbols, so one model — and one compiled kernel — serves any individual.
Values enter later as a parameter vector (:mod:`pbpk.model.parameters`).

``build_model`` runs named steps: blood pools, each organ from its template
(:mod:`pbpk.model.templates`), the circulation (portal organs drain into the hepatic
organ, the lung sits in series), hepatic metabolism and bile, renal excretion, oral
absorption (:mod:`pbpk.model.absorption`) and the AUC bookkeeping. Organs are found
by their role (hepatic, renal, absorbing, lung, placenta, fetus), not their name.

hepatic uptake
    active uptake of unbound drug from the hepatic organ's extracellular space into its cells,
    Σ CLup,T·Cu,E over the sinusoidal transporters T (with passive diffusion through the organ's PS
    both ways: the extended clearance concept, Shitara et al. 2006).
eliminating
    hepatic organ: metabolism of unbound drug (linear CLint or Vmax·Cu/(Km + Cu) per
    pathway) and biliary excretion; renal organ: glomerular filtration f·GFR·Cu,a of the unbound drug
    in the arterial plasma reaching the glomeruli (so that a filtered marker's clearance is GFR) and
    tubular secretion CLsec·Cu of the unbound drug in the kidney (flow-limited); gut wall:
    first-pass loss of the absorbed flux, 1 − Fg.
fetus
    exchanges unbound drug with the placenta: J = PS_fetus·(Cu_placenta − Cu_fetus)
    (placental transfer clearance; umbilical-flow-limited by default).

Units: amounts µmol, volumes L, time h, flows and clearances L/h.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from pbpk.core.names import identifier
from pbpk.model.absorption import oral_absorption
from pbpk.model.builder import ModelBuilder
from pbpk.model.metadata import ParameterInfo
from pbpk.model.templates import TEMPLATES, OrganTerms, Plasma
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
        Concentrations where a drug meets enzymes and transporters, for coupling compounds in
        DDI models (:mod:`pbpk.model.coupled`): ``liver`` (unbound in the hepatic cells, µmol/L),
        ``sinusoid`` (unbound in the liver's blood and interstitium, µmol/L, at the uptake transporters;
        the hepatocyte's for a perfusion-limited liver),
        ``gut`` (unbound in gut tissue, µmol/L), ``absorption`` (flux into the
        gut wall, µmol/h) and ``kidney`` (unbound in kidney tissue, µmol/L).
    pathway_rates
        Rate of each hepatic pathway (µmol/h, by route name), for metabolite formation
        in DDI models.
    hepatic_cells
        The state of the hepatic organ's cells (where metabolites are formed in DDI models).
    parameter_info
        What each parameter is (kind, internal unit, organ, enzyme), in the order of
        ``parameters``.
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
    parameter_info: tuple[ParameterInfo, ...] = ()
    hepatic_cells: str = ""
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

    def parameters_of(self, kind: str, **belongs: str) -> list[int]:
        """Positions of the parameters of ``kind`` (and organ/enzyme/route/member, if given)."""
        return [i for i, info in enumerate(self.parameter_info)
                if info.kind == kind and all(getattr(info, key) == value for key, value in belongs.items())]

    def parameter_value(self, vector, kind: str, default: float | None = None, **belongs: str) -> float:
        """The one value of a parameter of ``kind`` in ``vector`` (``default`` when the model has none)."""
        found = self.parameters_of(kind, **belongs)
        if not found and default is not None:
            return default
        if len(found) != 1:
            raise KeyError(f"{len(found)} parameters of kind {kind} {belongs} in model {self.name}")
        return float(vector[found[0]])

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


def build_model(topology: Topology, name: str = "pbpk") -> SymbolicModel:
    """Generate the symbolic model of ``topology`` (structure only, no values)."""
    b = ModelBuilder()
    plasma = Plasma(b.parameter("fu_p", "unbound_fraction", "unbound fraction in plasma"),
                    b.parameter("BP", "blood_plasma_ratio", "blood:plasma concentration ratio"))
    venous, arterial, c_venous, c_arterial = _blood(b)
    sinks = _elimination_states(b, topology)
    flows, organs = _organs(b, topology, plasma)
    _circulation(b, topology, flows, organs, venous, arterial, c_venous, c_arterial)
    hepatic = organs[topology.with_role("hepatic").name]
    sinusoid = plasma.fu * hepatic.outflow / plasma.bp  # unbound concentration in the liver's blood and interstitium
    _hepatic_uptake(b, topology, hepatic, sinusoid)
    pathway_rates = _hepatic_elimination(b, topology, hepatic, sinks)
    if topology.renal:
        _renal_elimination(b, topology.with_role("renal").name, organs, sinks["urine"],
                           plasma.fu * c_arterial / plasma.bp)
    if topology.dialysis:  # the dialyser clears plasma of the venous blood; its clearance is 0 between sessions
        cl_dialysis = b.parameter("CL_dialysis", "dialysis_clearance", "dialyser plasma clearance (L/h)",
                                  organ="venous")
        b.flow(venous, sinks["dialysate"], cl_dialysis * c_venous / plasma.bp)
    dose_targets = {"iv": "A_venous", "infusion": "A_venous"}
    gut = topology.with_role("absorbing").name
    absorbed_flux = sp.Integer(0)
    if topology.absorption is not None:
        absorbed_flux = oral_absorption(b, topology, organs[gut].inlet, dose_targets)
    auc = b.state("AUC_plasma", "integral of the plasma concentration (µmol·h/L)")
    b.rates[auc] = c_venous / plasma.bp
    auc_integral = b.state("AUC_integral", "integral of AUC_plasma; AUMC = t·AUC − this (µmol·h²/L)")
    b.rates[auc_integral] = auc
    outputs: dict[str, sp.Expr] = {
        "C_plasma": c_venous / plasma.bp,
        "C_blood": c_venous,
        "C_plasma_unbound": plasma.fu * c_venous / plasma.bp,
    }
    outputs.update({f"C_{organ}": terms.amount / terms.volume for organ, terms in organs.items()})
    counters = {"A_absorbed", "AUC_plasma", "AUC_integral"}
    states = sorted(b.states, key=lambda state: _elimination_order(state.name, topology))
    return SymbolicModel(
        name=name,
        topology=topology,
        states=tuple(states),
        parameters=tuple(b.parameters),
        rhs=tuple(b.rates[s] for s in states),
        outputs=outputs,
        dose_targets=dose_targets,
        mass_states=tuple(s.name for s in states if s.name not in counters),
        parameter_info=tuple(b.info[p.name] for p in b.parameters),
        hepatic_cells=hepatic.cells.name,
        descriptions=b.descriptions,
        sites={"liver": hepatic.unbound, "sinusoid": sinusoid, "gut": organs[gut].unbound, "absorption": absorbed_flux,
               "kidney": organs[topology.with_role("renal").name].unbound},
        pathway_rates=pathway_rates,
    )


def _blood(b: ModelBuilder) -> tuple[sp.Symbol, sp.Symbol, sp.Expr, sp.Expr]:
    """The venous and arterial blood pools and their concentrations."""
    venous = b.state("A_venous", "drug in venous blood")
    arterial = b.state("A_arterial", "drug in arterial blood")
    v_venous = b.parameter("V_venous", "blood_volume", "venous blood volume (L)", organ="venous")
    v_arterial = b.parameter("V_arterial", "blood_volume", "arterial blood volume (L)", organ="arterial")
    return venous, arterial, venous / v_venous, arterial / v_arterial


def _elimination_states(b: ModelBuilder, topology: Topology) -> dict[str, sp.Symbol | None]:
    """Cumulative amounts metabolised in the liver, excreted in bile and in urine (where the processes run)."""
    return {
        "metabolised": b.state("A_metabolised_liver", "cumulative amount metabolised in the liver")
        if topology.hepatic_pathways else None,
        "bile": b.state("A_excreted_bile", "cumulative amount excreted in bile") if topology.biliary else None,
        "urine": b.state("A_excreted_urine", "cumulative amount excreted in urine") if topology.renal else None,
        "dialysate": b.state("A_excreted_dialysate", "cumulative amount removed by haemodialysis")
        if topology.dialysis else None,
    }


def _organs(b: ModelBuilder, topology: Topology, plasma: Plasma) -> tuple[dict[str, sp.Symbol], dict[str, OrganTerms]]:
    """Each organ's volume, Kp and arterial flow, and its equations from its template."""
    flows: dict[str, sp.Symbol] = {}
    organs: dict[str, OrganTerms] = {}
    for organ in topology.organs:
        volume = b.parameter(f"V_{organ.name}", "volume", f"{organ.name} volume (L)", organ=organ.name)
        kp = b.parameter(f"Kp_{organ.name}", "partition", f"{organ.name}:plasma partition coefficient",
                         organ=organ.name)
        if organ.drains_to in ("venous", "liver"):
            flows[organ.name] = b.parameter(f"Q_{organ.name}", "blood_flow", f"{organ.name} arterial blood flow (L/h)",
                                            organ=organ.name)
        organs[organ.name] = TEMPLATES[organ.template](b, organ, plasma, volume, kp)
    return flows, organs


def _circulation(b: ModelBuilder, topology: Topology, flows: dict[str, sp.Symbol], organs: dict[str, OrganTerms],
                 venous: sp.Symbol, arterial: sp.Symbol, c_venous: sp.Expr, c_arterial: sp.Expr) -> None:
    """Arterial blood to the organs, portal organs into the hepatic organ (a fraction ``f_shunt`` straight into the
    venous blood: the portosystemic shunts of cirrhosis, 0 otherwise), venous return through the lung, and the
    fetus exchanging with the placenta."""
    portal = [o.name for o in topology.organs if o.drains_to == "liver"]
    hepatic = topology.with_role("hepatic").name
    for organ in topology.organs:
        if organ.drains_to in ("venous", "liver"):
            b.flow(arterial, organs[organ.name].inlet, flows[organ.name] * c_arterial)
    for organ in topology.organs:
        if organ.drains_to == "placenta":
            placenta = organs[topology.with_role("placenta").name]
            transfer = b.parameter(f"PS_{organ.name}", "placental_transfer",
                                   "placental transfer clearance of unbound drug (L/h)", organ=organ.name)
            b.flow(placenta.cells, organs[organ.name].cells,
                   transfer * (placenta.unbound - organs[organ.name].unbound))
    shunt = b.parameter("f_shunt", "shunt_fraction", "fraction of portal blood bypassing the liver "
                        "(portosystemic shunt)", organ=hepatic) if portal else sp.Integer(0)
    hepatic_flow = flows[hepatic] + (1 - shunt) * sum((flows[name] for name in portal), sp.Integer(0))
    for name in portal:
        b.flow(organs[name].inlet, organs[hepatic].inlet, (1 - shunt) * flows[name] * organs[name].outflow)
        b.flow(organs[name].inlet, venous, shunt * flows[name] * organs[name].outflow)
    for organ in topology.organs:
        if organ.drains_to == "venous":
            flow = hepatic_flow if organ.name == hepatic else flows[organ.name]
            b.flow(organs[organ.name].inlet, venous, flow * organs[organ.name].outflow)
    cardiac_output = sum((flows[o.name] for o in topology.organs if o.drains_to == "venous"), sp.Integer(0)) \
        + sum((flows[name] for name in portal), sp.Integer(0))
    lung = organs[topology.with_role("lung").name]
    b.flow(venous, lung.inlet, cardiac_output * c_venous)
    b.flow(lung.inlet, arterial, cardiac_output * lung.outflow)


def uptake_parameter(transporter: str) -> str:
    """The model parameter of a transporter's hepatic uptake clearance (``CLup_OATP1B1``)."""
    return f"CLup_{identifier(transporter)}"


def _hepatic_uptake(b: ModelBuilder, topology: Topology, liver: OrganTerms, sinusoid: sp.Expr) -> None:
    """Active uptake into the hepatic cells per sinusoidal transporter: CLup,T·Cu (µmol/h)."""
    organ = topology.with_role("hepatic").name
    for transporter in topology.uptake:
        clearance = b.parameter(uptake_parameter(transporter), "uptake_clearance",
                                f"unbound active uptake clearance into the hepatocytes, {transporter} (L/h)",
                                organ=organ, enzyme=transporter)
        b.flow(liver.inlet, liver.cells, clearance * sinusoid)


def _hepatic_elimination(b: ModelBuilder, topology: Topology, liver: OrganTerms,
                         sinks: dict[str, sp.Symbol | None]) -> dict[str, sp.Expr]:
    """Metabolism of unbound hepatic drug per pathway (linear or saturable) and biliary excretion;
    returns each pathway's rate (µmol/h)."""
    organ = topology.with_role("hepatic").name
    rates: dict[str, sp.Expr] = {}
    for route in topology.hepatic_pathways:
        belongs = {"organ": organ, "enzyme": route.enzyme, "route": route.name}
        if route.kinetics == "linear":
            clint = b.parameter(f"CLint_{route.name}", "intrinsic_clearance",
                                f"unbound intrinsic clearance, {route.name} (L/h)", **belongs)
            rates[route.name] = clint * liver.unbound
        else:
            vmax = b.parameter(f"Vmax_{route.name}", "vmax", f"maximal rate, {route.name} (µmol/h)", **belongs)
            km = b.parameter(f"Km_{route.name}", "km", f"unbound Michaelis constant, {route.name} (µmol/L)",
                             **belongs)
            rates[route.name] = vmax * liver.unbound / (km + liver.unbound)
        b.flow(liver.cells, sinks["metabolised"], rates[route.name])
    if topology.biliary:
        cl_bile = b.parameter("CLint_bile", "biliary_clearance", "unbound biliary intrinsic clearance (L/h)",
                              organ=organ)
        b.flow(liver.cells, sinks["bile"], cl_bile * liver.unbound)
    return rates


def _renal_elimination(b: ModelBuilder, kidney: str, organs: dict[str, OrganTerms], urine: sp.Symbol,
                       arterial_unbound: sp.Expr) -> None:
    """Filtration (less passive reabsorption) of the unbound drug in the arterial plasma entering the glomeruli,
    taken from the blood side of the kidney, and tubular secretion of the unbound drug in its cells."""
    gfr = b.parameter("GFR", "filtration", "glomerular filtration rate (L/h)", organ=kidney)
    filtered = b.parameter("f_filtered", "unreabsorbed_fraction",
                           "fraction of filtered drug excreted (1 − reabsorption)", organ=kidney)
    secretion = b.parameter("CLsec_u", "secretion", "unbound tubular secretion clearance (L/h)", organ=kidney)
    b.flow(organs[kidney].inlet, urine, filtered * gfr * arterial_unbound)
    b.flow(organs[kidney].cells, urine, secretion * organs[kidney].unbound)


def _elimination_order(state: str, topology: Topology) -> int:
    """Order of states in the state vector: leaves first, hubs last.

    Tissues exchange drug only with the blood pools and (portal organs) the
    hepatic organ, so with those hubs last the Newton matrix factorises with
    almost no fill-in; bookkeeping and AUC states, which feed nothing, come at the end.
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
    lung = topology.with_role("lung").name
    if state.startswith(f"A_{lung}_") or state == f"A_{lung}":
        return 3
    liver = topology.with_role("hepatic").name
    if state == f"A_{liver}" or state.startswith(f"A_{liver}_"):
        return 2
    return 1
