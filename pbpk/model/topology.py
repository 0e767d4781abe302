"""Topology: the structure of a whole-body model, as data.

Which organs exist, which template each uses (perfusion- or
permeability-limited), where each drains (venous blood or, for the portal
organs, the liver), which elimination processes run and how the drug is
absorbed. A topology holds no numbers: the same topology (and so the same
compiled kernel) serves every individual of a population.

Examples
--------
>>> from pbpk.compound import load_compound
>>> from pbpk.physiology import reference_individual
>>> topology = build_topology(load_compound("midazolam"), reference_individual("male"))
>>> [organ.name for organ in topology.organs if organ.drains_to == "liver"]
['gut', 'spleen', 'pancreas', 'stomach']
>>> [(route.name, route.kinetics) for route in topology.hepatic_pathways]
[('CYP3A4', 'michaelis_menten'), ('UGT1A4', 'michaelis_menten')]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pbpk.compound import Compound
from pbpk.core.errors import PbpkInputError
from pbpk.physiology import Individual

Kinetics = Literal["michaelis_menten", "linear"]
KINETICS = ("michaelis_menten", "linear")


@dataclass(frozen=True)
class Organ:
    """One organ of the model: its roles, template and where its venous blood goes.

    The fetus "drains to" the placenta: it exchanges drug with it, not with maternal blood.
    """

    name: str
    roles: frozenset[str]
    template: Literal["perfusion", "permeability"]
    drains_to: Literal["venous", "liver", "arterial", "placenta"]


@dataclass(frozen=True)
class HepaticRoute:
    """One hepatic metabolic pathway of the compound file, by its enzyme.

    ``name`` is the enzyme, suffixed ``_2``, ``_3``… when an enzyme has several pathways.
    """

    name: str
    enzyme: str
    kinetics: Kinetics


@dataclass(frozen=True)
class Topology:
    """The structure of a single-compound whole-body model."""

    organs: tuple[Organ, ...]
    hepatic_pathways: tuple[HepaticRoute, ...]
    biliary: bool
    renal: bool
    absorption: Literal["first_order", "transit"] | None
    transit_compartments: int = 0
    dialysis: bool = False  # the compound has a dialyser clearance (pbpk.simulation.dialysis)
    uptake: tuple[str, ...] = ()  # transporters taking the compound up into the hepatic organ's cells

    def organ(self, name: str) -> Organ:
        return next(organ for organ in self.organs if organ.name == name)

    def with_role(self, role: str) -> Organ:
        """The organ that has ``role`` (``hepatic``, ``renal``, ``absorbing``, ``lung``, ``placenta``)."""
        found = [organ for organ in self.organs if role in organ.roles]
        if len(found) != 1:
            raise PbpkInputError("physiology", "tissues", [o.name for o in found], f"exactly one organ with role {role}")
        return found[0]

    @property
    def signature(self) -> str:
        """A text fingerprint of the structure (part of the kernel cache key)."""
        organs = ",".join(f"{o.name}:{o.template}:{o.drains_to}:{'+'.join(sorted(o.roles))}" for o in self.organs)
        routes = ",".join(f"{r.name}:{r.enzyme}:{r.kinetics}" for r in self.hepatic_pathways)
        return (f"organs[{organs}] hepatic[{routes}] biliary={self.biliary} renal={self.renal} "
                f"dialysis={self.dialysis} absorption={self.absorption}/{self.transit_compartments}"
                + (f" uptake={'+'.join(self.uptake)}" if self.uptake else ""))


def build_topology(compound: Compound, individual: Individual, *, kinetics: Kinetics = "michaelis_menten") -> Topology:
    """The model structure for ``compound`` in ``individual``'s organ set.

    ``kinetics="michaelis_menten"`` keeps saturable metabolism where a Km is
    known (the model is then nonlinear); ``"linear"`` uses CLint = Vmax/Km
    (valid while unbound liver concentrations stay far below Km) and gives a
    linear model that is solved exactly.
    """
    if kinetics not in KINETICS:
        raise PbpkInputError("build_topology", "kinetics", kinetics, f"one of {', '.join(KINETICS)}")
    organs = []
    for tissue in individual.tissues.values():
        if tissue.name in compound.permeability_limited and "lung" in tissue.roles:
            raise PbpkInputError(compound.file, "permeability_limited", "lung", "tissues other than the lung")
        template = "permeability" if tissue.name in compound.permeability_limited else "perfusion"
        drains_to = ("liver" if "portal" in tissue.roles else "arterial" if "lung" in tissue.roles
                     else "placenta" if "fetus" in tissue.roles else "venous")
        organs.append(Organ(tissue.name, tissue.roles, template, drains_to))
    unknown = set(compound.permeability_limited) - {organ.name for organ in organs}
    if unknown:
        name = sorted(unknown)[0]
        raise PbpkInputError(compound.file, f"permeability_limited.{name}", name,
                             "a tissue of the individual's organ set")
    for required in ("lung", "hepatic", "renal", "absorbing"):
        if not any(required in tissue.roles for tissue in individual.tissues.values()):
            raise PbpkInputError("physiology", "tissues", required,
                                 "an individual with a lung and a hepatic, a renal and an absorbing organ")
    hepatic = []
    counts: dict[str, int] = {}
    for pathway in compound.clearance.hepatic:
        counts[pathway.enzyme] = counts.get(pathway.enzyme, 0) + 1
        name = pathway.enzyme if counts[pathway.enzyme] == 1 else f"{pathway.enzyme}_{counts[pathway.enzyme]}"
        saturable = kinetics == "michaelis_menten" and pathway.km is not None
        hepatic.append(HepaticRoute(name, pathway.enzyme, "michaelis_menten" if saturable else "linear"))
    absorption = compound.absorption.model if compound.absorption is not None else None
    transit = individual.transit_compartments if absorption == "transit" else 0
    uptake = compound.clearance.hepatic_uptake  # the compound requires its liver permeability-limited
    return Topology(tuple(organs), tuple(hepatic), compound.clearance.biliary is not None,
                    compound.clearance.renal is not None, absorption, transit,
                    dialysis=compound.clearance.dialysis is not None,
                    uptake=tuple(uptake.clearances) if uptake is not None else ())
