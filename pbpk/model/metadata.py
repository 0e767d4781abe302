"""What each model parameter is: its internal unit, its kind and the organ, enzyme or route it belongs to.

The place that creates a parameter symbol (an organ template, an elimination process,
the coupling of a DDI model) declares this record, as mrgsolve's annotated ``$PARAM`` or
pharmpy's ``Parameter`` do. Everything that needs to know what a parameter is — unit
stripping, population scaling, half-life guesses — reads the record, never the name.

Examples
--------
>>> info = ParameterInfo("V_liver", "volume", "L", organ="liver", description="liver volume")
>>> info.unit, info.organ
('L', 'liver')
>>> ParameterInfo("x", "colour", "")
Traceback (most recent call last):
...
pbpk.core.errors.PbpkInputError: model: x.kind: got 'colour'; expected one of unbound_fraction, ...
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pbpk.core.errors import PbpkInputError

#: Kinds of parameter and their internal unit ("" for a pure number).
KINDS = {
    "unbound_fraction": "",
    "blood_plasma_ratio": "",
    "blood_volume": "L",
    "volume": "L",
    "partition": "",
    "extracellular_fraction": "",
    "permeability": "L/h",
    "placental_transfer": "L/h",
    "blood_flow": "L/h",
    "shunt_fraction": "",
    "intrinsic_clearance": "L/h",
    "vmax": "umol/h",
    "km": "umol/L",
    "biliary_clearance": "L/h",
    "uptake_clearance": "L/h",
    "filtration": "L/h",
    "unreabsorbed_fraction": "",
    "secretion": "L/h",
    "dialysis_clearance": "L/h",
    "intestinal_availability": "",
    "absorption_rate": "1/h",
    "fraction_absorbed": "",
    "transit_rate": "1/h",
    "villous_flow": "L/h",
    "inhibition_constant": "umol/L",
    "inhibition_alpha": "",
    "inactivation_rate": "1/h",
    "inactivation_constant": "umol/L",
    "induction_maximum": "",
    "induction_ec50": "umol/L",
    "degradation_rate": "1/h",
    "gut_share": "",
    "formed_fraction": "",
}


@dataclass(frozen=True)
class ParameterInfo:
    """One model parameter: name, kind (a key of :data:`KINDS`), internal unit and what it belongs to.

    ``organ`` is the model tissue (or ``venous``/``arterial`` for blood), ``enzyme`` the
    enzyme of a metabolic pathway, ``route`` the hepatic route (``CYP3A4``, ``CYP3A4_2``)
    and ``member`` the compound of a coupled DDI model the parameter came from.
    """

    name: str
    kind: str
    unit: str
    organ: str | None = None
    enzyme: str | None = None
    route: str | None = None
    member: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PbpkInputError("model", f"{self.name}.kind", self.kind, f"one of {', '.join(KINDS)}")
        if self.unit != KINDS[self.kind]:
            raise PbpkInputError("model", f"{self.name}.unit", self.unit,
                                 f"the internal unit of a {self.kind} ({KINDS[self.kind] or 'dimensionless'})")

    def renamed(self, name: str, member: str) -> ParameterInfo:
        """The same parameter under another name, as part of member ``member`` of a coupled model."""
        return replace(self, name=name, member=member)
