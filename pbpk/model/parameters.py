"""Parameter values: the one place where units are stripped.

``parameter_table`` computes every parameter of a model for one compound in
one individual — volumes, flows, Kp (by the compound's partition method),
scaled clearances, absorption constants — as pint quantities, and
``parameter_vector`` turns them into floats in the internal units (L, h, µmol)
in the order of ``model.parameters``. A population is a stack of such rows.

Examples
--------
>>> from pbpk.compound import load_compound
>>> from pbpk.physiology import reference_individual
>>> from pbpk.model.symbolic import build_model
>>> from pbpk.model.topology import build_topology
>>> mdz, man = load_compound("midazolam"), reference_individual("male")
>>> model = build_model(build_topology(mdz, man))
>>> values = parameter_vector(model, mdz, man)
>>> round(float(values[model.parameter_names.index("V_liver")]), 3)
1.714
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pint

from pbpk.compound import Compound, HepaticPathway
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.disposition.clearance import (
    biliary_intrinsic_clearance,
    extended_clearance,
    fg_qgut,
    gut_intrinsic_clearance,
    pathway_intrinsic_clearance,
    secretion_clearance,
    unreabsorbed_fraction,
    uptake_clearances,
)
from pbpk.disposition.distribution import partition_coefficients
from pbpk.model.symbolic import SymbolicModel, uptake_parameter
from pbpk.physiology import Individual


@dataclass(frozen=True)
class ParameterSet:
    """Named parameter values with units, and how each was obtained."""

    values: Mapping[str, pint.Quantity | float]
    notes: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def parameter_table(model: SymbolicModel, compound: Compound, individual: Individual,
                    *, partition_method: str | None = None) -> ParameterSet:
    """Every parameter of ``model`` for ``compound`` in ``individual`` (with units)."""
    partition = partition_coefficients(compound, individual, partition_method)
    values: dict[str, pint.Quantity | float] = {
        "fu_p": plasma_unbound_fraction(compound, individual),
        "BP": partition.blood_plasma_ratio,
        "V_venous": individual.venous_blood_volume,
        "V_arterial": individual.arterial_blood_volume,
        "f_shunt": individual.portal_shunt_fraction,
    }
    notes = {"Kp_*": f"Kp by {partition.method}"}
    warnings = list(partition.warnings)
    for tissue in individual.tissues.values():
        values[f"V_{tissue.name}"] = tissue.volume
        values[f"Q_{tissue.name}"] = tissue.blood_flow
        values[f"Kp_{tissue.name}"] = partition.kp[tissue.name]
        values[f"fE_{tissue.name}"] = tissue.composition.f_ew or 0.0
        if tissue.name in compound.permeability_limited:
            values[f"PS_{tissue.name}"] = compound.permeability_limited[tissue.name].value
        if "fetus" in tissue.roles:
            values[f"PS_{tissue.name}"], notes[f"PS_{tissue.name}"] = _placental_transfer(compound, tissue, values)
    for route, pathway in zip(model.topology.hepatic_pathways, compound.clearance.hepatic):
        if route.kinetics == "linear":
            values[f"CLint_{route.name}"] = pathway_intrinsic_clearance(pathway, individual)
        else:
            values[f"Vmax_{route.name}"], values[f"Km_{route.name}"] = _michaelis_menten(pathway, individual)
    if compound.clearance.biliary is not None:
        values["CLint_bile"] = biliary_intrinsic_clearance(compound, individual)
    for transporter, clearance in uptake_clearances(compound, individual).items():
        values[uptake_parameter(transporter)] = clearance
    renal = compound.clearance.renal
    if renal is not None:
        values["GFR"] = individual.gfr if renal.filtration else Quantity(0.0, "L/h")
        values["f_filtered"] = unreabsorbed_fraction(compound, individual)
        values["CLsec_u"] = secretion_clearance(compound, individual)
    if compound.clearance.dialysis is not None:  # on only during a dialysis session (pbpk.simulation.dialysis)
        values["CL_dialysis"] = compound.clearance.dialysis.clearance if individual.on_dialysis \
            else Quantity(0.0, "L/h")
    if compound.absorption is not None:
        fg, note = _intestinal_availability(compound, individual)
        values["Fg"] = fg
        notes["Fg"] = note
        if "predicted" in note and "villous blood flow only" in note:
            warnings.append(f"Fg: {note}")
        absorption = compound.absorption
        if absorption.model == "first_order":
            values["ka"], values["fa"] = absorption.ka, absorption.fa
        else:
            values["ka"] = (2 * absorption.permeability / individual.small_intestine_radius).to("1/h")
            values["k_transit"] = individual.transit_compartments / individual.small_intestine_transit_time
            notes["ka"] = "ka = 2·Peff/R (Yu & Amidon 1999)"
    return ParameterSet(values, notes, tuple(warnings))


def parameter_vector(model: SymbolicModel, compound: Compound, individual: Individual,
                     *, partition_method: str | None = None) -> np.ndarray:
    """Parameter values as floats in internal units, in the order of ``model.parameters``."""
    table = parameter_table(model, compound, individual, partition_method=partition_method)
    return to_vector(model, table.values)


def to_vector(model: SymbolicModel, values: Mapping[str, pint.Quantity | float]) -> np.ndarray:
    """Strip units: a float array in the order of ``model.parameter_names``, each value in the internal unit
    its parameter declares (:mod:`pbpk.model.metadata`)."""
    vector = np.empty(len(model.parameters))
    for i, info in enumerate(model.parameter_info):
        if info.name not in values:
            raise PbpkInputError("parameters", info.name, None, f"a value for model parameter {info.name}")
        value = values[info.name]
        if isinstance(value, pint.Quantity):
            value = value.to(info.unit).magnitude
        vector[i] = float(value)
    return vector


def predicted_half_life(model: SymbolicModel, vector: np.ndarray) -> float:
    """ln2 × Vss/CL from a parameter vector (h): a horizon for default output grids.

    Vss from blood and tissue volumes × Kp; CL from the well-stirred hepatic clearance of all
    pathways and bile (behind active uptake, the extended clearance concept) plus the renal clearance
    fu·(f·GFR + CLsec).
    """
    def value(kind: str, default: float | None = None, **belongs: str) -> float:
        return model.parameter_value(vector, kind, default, **belongs)

    bp, fu = value("blood_plasma_ratio"), value("unbound_fraction")
    volume = (value("blood_volume", organ="venous") + value("blood_volume", organ="arterial")) * bp
    volume += sum(value("volume", organ=o.name) * value("partition", organ=o.name) for o in model.topology.organs)
    clint = sum(value("intrinsic_clearance", 0.0, route=r.name) + value("vmax", 0.0, route=r.name)
                / value("km", 1.0, route=r.name) for r in model.topology.hepatic_pathways) \
        + value("biliary_clearance", 0.0)
    hepatic = model.topology.with_role("hepatic").name
    if model.topology.organ(hepatic).template == "permeability":
        uptake = sum(value("uptake_clearance", enzyme=t) for t in model.topology.uptake)
        clint = extended_clearance(value("permeability", organ=hepatic), uptake, clint)
    q_liver = value("blood_flow", organ=hepatic) + sum(value("blood_flow", organ=o.name) for o in model.topology.organs
                                                      if o.drains_to == "liver")
    fu_b = fu / bp
    cl_hepatic = q_liver * fu_b * clint / (q_liver + fu_b * clint) * bp if clint > 0 else 0.0
    renal = fu * (value("unreabsorbed_fraction", 0.0) * value("filtration", 0.0) + value("secretion", 0.0))
    clearance = cl_hepatic + renal
    return math.log(2) * volume / clearance if clearance > 0 else 24.0 * 14 / 5


def _placental_transfer(compound: Compound, fetus, values) -> tuple[pint.Quantity, str]:
    """Unbound placenta↔fetus clearance: the compound's, or limited by umbilical blood flow (Q·B:P/fu)."""
    if compound.placental_transfer is not None:
        return compound.placental_transfer.value, f"placental transfer from {compound.file}"
    return (fetus.blood_flow * values["BP"] / values["fu_p"]).to("L/h"), \
        "placental transfer limited by umbilical blood flow (no placental_transfer in the compound file)"


def _michaelis_menten(pathway: HepaticPathway, individual: Individual) -> tuple[pint.Quantity, pint.Quantity]:
    """Whole-liver Vmax (µmol/h) and unbound Km (µmol/L) of a saturable pathway.

    Vmax scales like CLint (so Vmax/Km_u equals the pathway's CLint,u):
    Vmax_liver = CLint,u(linear) × Km_u with Km_u = Km × fu_inc.
    """
    km_unbound = (pathway.km * pathway.fu_inc).to("umol/L")
    clint = pathway_intrinsic_clearance(pathway, individual)
    return (clint * km_unbound).to("umol/h"), km_unbound


def _intestinal_availability(compound: Compound, individual: Individual) -> tuple[float, str]:
    """Fg: measured, predicted by the Qgut model, or 1 without gut-wall enzymes."""
    absorption = compound.absorption
    if absorption.fg is not None:
        return absorption.fg, f"measured ({absorption.source})"
    clint_gut = gut_intrinsic_clearance(compound, individual)
    if clint_gut.magnitude == 0:
        return 1.0, "1: none of the compound's enzymes is expressed in the gut wall"
    if absorption.permeability is not None:
        return fg_qgut(compound, individual), "predicted by the Qgut model (Yang et al. 2007)"
    q_villi = individual.villous_blood_flow
    fg = float((q_villi / (q_villi + clint_gut)).to("").magnitude)
    return fg, (f"predicted by the Qgut model with villous blood flow only (no permeability in "
                f"{compound.file}: permeability taken as not limiting), Fg = {fg:.2f}")
