"""Static DDI screens: the FDA 2020 basic models and the mechanistic static model (Fahmi et al. 2009).

Basic models (FDA, In Vitro Drug Interaction Studies — Cytochrome P450 Enzyme- and
Transporter-Mediated Drug Interactions, Guidance for Industry, January 2020), with
Imax,u the unbound steady-state Cmax of the perpetrator (fu,p at least 0.01) and
Igut = dose/250 mL:

* reversible inhibition  R1 = 1 + Imax,u/Ki,u            (≥ 1.02; CYP3A in the gut: R1,gut = 1 + Igut/Ki,u ≥ 11)
* time-dependent         R2 = (kobs + kdeg)/kdeg,  kobs = kinact·50·Imax,u/(KI,u + 50·Imax,u)   (≥ 1.25)
* induction              R3 = 1/(1 + d·Emax·10·Imax,u/(EC50,u + 10·Imax,u)), d = 1                 (≤ 0.8)
* transporters (Ki taken as IC50): P-gp, BCRP Igut/IC50 ≥ 10; OATP1B1/1B3
  R = 1 + fu,p·Iin,max/IC50 ≥ 1.1; OAT1/3, OCT2 Imax,u/IC50 ≥ 0.1; MATE1/2-K ≥ 0.02.

Mechanistic static model for a victim (Fahmi et al. 2009, as in the guidance):

    AUCR = 1/(Ag·Bg·Cg·(1 − Fg) + Fg) · 1/(Ah·Bh·Ch·fm + (1 − fm))

with A = 1/(1 + [I]/Ki,u), B = kdeg/(kdeg + kinact·[I]/([I] + KI,u)),
C = 1 + d·Emax·[I]/([I] + EC50,u), [I]h = fu,p·(Cmax + Fa·Fg·ka·Dose/(Qh·B:P)) and
[I]g = Fa·ka·Dose/Qen. The perpetrator's Cmax comes from a pbpk simulation of
its regimen (or is given); fm of the victim is its enzyme's share of hepatic
CLint times the hepatic share of total clearance; kdeg, Qh and Qen are those of
the reference man (``physiology_db``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pint

from pbpk.compound import Compound, Interaction
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity, micromolar, parse_quantity
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.disposition.clearance import (
    fg_qgut,
    gut_intrinsic_clearance,
    hepatic_clearance,
    hepatic_intrinsic_clearances,
    intestinal_availability,
    renal_clearance,
)
from pbpk.disposition.distribution import blood_plasma_ratio
from pbpk.disposition.turnover import turnover_rate
from pbpk.physiology import Individual, reference_individual
from pbpk.simulation.dosing import Regimen

GUT_VOLUME = Quantity(250, "mL")  # FDA 2020: Igut = dose/250 mL
DEFAULT_KA = Quantity(0.1, "1/min")  # FDA 2020 default when ka is unknown
TDI_FACTOR, INDUCTION_FACTOR = 50.0, 10.0  # FDA 2020 multipliers of Imax,u
CUTOFFS = {"R1": 1.02, "R1,gut": 11.0, "R2": 1.25, "R3": 0.8, "Igut/IC50": 10.0, "R_OATP": 1.1,
           "Imax,u/IC50 (OAT, OCT2)": 0.1, "Imax,u/IC50 (MATE)": 0.02}
GUT_TRANSPORTERS, LIVER_UPTAKE = ("P-gp", "BCRP"), ("OATP1B1", "OATP1B3")
KIDNEY = {"OAT1": "Imax,u/IC50 (OAT, OCT2)", "OAT3": "Imax,u/IC50 (OAT, OCT2)", "OCT2": "Imax,u/IC50 (OAT, OCT2)",
          "MATE1": "Imax,u/IC50 (MATE)", "MATE2-K": "Imax,u/IC50 (MATE)"}


@dataclass(frozen=True)
class Exposure:
    """The perpetrator's concentrations the screens use (µmol/L)."""

    cmax: float  # total plasma, steady state
    cmax_u: float  # unbound, with fu,p floored at 0.01
    gut: float  # dose / 250 mL
    hepatic_inlet_u: float  # fu,p·(Cmax + Fa·Fg·ka·Dose/(Qh·B:P))
    enterocyte: float  # Fa·ka·Dose/Qen
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Screen:
    target: str
    model: str
    value: float
    cutoff: float
    flagged: bool  # at or beyond the cut-off: a clinical (or dynamic) evaluation is recommended


@dataclass(frozen=True)
class StaticPrediction:
    """Mechanistic static AUC ratio of a victim, with its parts."""

    victim: str
    enzyme: str
    fm: float
    fg: float
    hepatic_ratio: float
    gut_ratio: float

    @property
    def aucr(self) -> float:
        return self.hepatic_ratio * self.gut_ratio


def exposure(perpetrator: Compound, regimen: Regimen, *, cmax: pint.Quantity | None = None,
             individual: Individual | None = None) -> Exposure:
    """Imax (simulated at the last dose unless ``cmax`` is given), Imax,u, Igut and the MSM inlet concentrations."""
    from pbpk.simulation.simulate import simulate

    person = individual or reference_individual("male")
    mw = perpetrator.molecular_weight.value
    notes = []
    if cmax is None:
        simulation = simulate(perpetrator, person, regimen=regimen)
        total = float(simulation.output("C_plasma")[simulation.times >= regimen.doses[-1].time.to("h").magnitude].max())
        notes.append("Cmax simulated with pbpk after the last dose")
    else:
        total = float((cmax / mw).to("umol/L").magnitude) if cmax.is_compatible_with("mg/L") \
            else float(cmax.to("umol/L").magnitude)
    fu = plasma_unbound_fraction(perpetrator, person)
    if fu < 0.01:
        notes.append(f"fu,p {fu:.3g} raised to 0.01 for Imax,u (FDA 2020)")
    dose = regimen.doses[-1]
    amount = float((dose.mass(person.body_weight) / mw).to("umol").magnitude)
    oral = dose.route == "oral"
    absorption = perpetrator.absorption
    ka, fa, fg = DEFAULT_KA, 1.0, 1.0
    if oral and absorption is not None:
        ka, fa = _absorption_rate(perpetrator, person)
        fg = absorption.fg if absorption.fg is not None else 1.0
    elif oral:
        notes.append("ka 0.1/min, Fa = Fg = 1 (FDA defaults): no absorption data")
    bp = blood_plasma_ratio(perpetrator, person)
    absorbed_rate = (fa * fg * ka * Quantity(amount, "umol")).to("umol/h") if oral else Quantity(0.0, "umol/h")
    inlet = total + float((absorbed_rate / (person.liver_blood_flow * bp)).to("umol/L").magnitude)
    enterocyte = float((fa * ka * Quantity(amount, "umol") / person.villous_blood_flow).to("umol/L").magnitude) \
        if oral else 0.0
    return Exposure(total, max(fu, 0.01) * total, float((Quantity(amount, "umol") / GUT_VOLUME).to("umol/L").magnitude)
                    if oral else 0.0, fu * inlet, enterocyte, tuple(notes))


def _absorption_rate(compound: Compound, person: Individual) -> tuple[pint.Quantity, float]:
    """ka and Fa: first-order as given; transit (CAT): ka = 2·Peff/R, Fa = 1 − (1 + ka/kt)^−N (Yu & Amidon 1999)."""
    absorption = compound.absorption
    if absorption.model == "first_order":
        return absorption.ka, absorption.fa
    ka = (2 * absorption.permeability / person.small_intestine_radius).to("1/h")
    kt = (person.transit_compartments / person.small_intestine_transit_time).to("1/h")
    fa = 1.0 - (1.0 + float((ka / kt).to("").magnitude)) ** (-person.transit_compartments)
    return ka, fa


def basic_screens(perpetrator: Compound, exposure_: Exposure, individual: Individual | None = None) -> list[Screen]:
    """The FDA 2020 basic models for every interaction of the perpetrator."""
    person = individual or reference_individual("male")
    screens = []
    for interaction in perpetrator.interactions:
        target = interaction.target
        if target in LIVER_UPTAKE + GUT_TRANSPORTERS + tuple(KIDNEY):
            screens.extend(_transporter_screens(interaction, exposure_))
            continue
        i_u = exposure_.cmax_u
        if interaction.type in ("competitive", "noncompetitive", "mixed"):
            ki = micromolar(interaction.ki_u)
            screens.append(_screen(target, "R1", 1.0 + i_u / ki))
            if target.startswith("CYP3A") and exposure_.gut > 0:
                screens.append(_screen(target, "R1,gut", 1.0 + exposure_.gut / ki))
        elif interaction.type == "mechanism_based":
            kdeg = turnover_rate(person, target, "liver")
            kobs = interaction.kinact.to("1/h").magnitude * TDI_FACTOR * i_u / (micromolar(interaction.KI_u)
                                                                               + TDI_FACTOR * i_u)
            screens.append(_screen(target, "R2", (kobs + kdeg) / kdeg))
        else:
            increase = interaction.emax * INDUCTION_FACTOR * i_u / (micromolar(interaction.ec50_u) + INDUCTION_FACTOR * i_u)
            screens.append(_screen(target, "R3", 1.0 / (1.0 + increase), below=True))
    return screens


def mechanistic_static(perpetrator: Compound, victim: Compound, exposure_: Exposure, enzyme: str | None = None,
                       individual: Individual | None = None) -> StaticPrediction:
    """AUCR of an oral victim dose by the mechanistic static model (liver and, for CYP3A4, gut wall)."""
    person = individual or reference_individual("male")
    clints = hepatic_intrinsic_clearances(victim, person)
    by_enzyme: dict[str, float] = {}
    for (name, value), pathway in zip(clints.items(), victim.clearance.hepatic):
        by_enzyme[pathway.enzyme] = by_enzyme.get(pathway.enzyme, 0.0) + value.to("L/h").magnitude
    targets = {i.target for i in perpetrator.interactions} & set(by_enzyme)
    if enzyme is None:
        if len(targets) != 1:
            raise PbpkInputError("ddi-static", "enzyme", sorted(targets) or None,
                                 "one enzyme shared by the perpetrator's interactions and the victim's pathways")
        enzyme = targets.pop()
    if enzyme not in by_enzyme:
        raise PbpkInputError(victim.file, "clearance.hepatic", enzyme, f"a hepatic pathway of {enzyme}")
    hepatic_share = by_enzyme[enzyme] / sum(by_enzyme.values())
    cl_h = hepatic_clearance(victim, person).plasma.to("L/h").magnitude
    cl_r = renal_clearance(victim, person).to("L/h").magnitude
    fm = hepatic_share * cl_h / (cl_h + cl_r)
    a, b, c = _factors(perpetrator, enzyme, exposure_.hepatic_inlet_u, turnover_rate(person, enzyme, "liver"))
    hepatic = 1.0 / (a * b * c * fm + (1.0 - fm))
    fg = _victim_fg(victim, person)
    gut = 1.0
    if enzyme in person.intestinal_abundance and exposure_.enterocyte > 0 and fg < 1.0:
        ag, bg, cg = _factors(perpetrator, enzyme, exposure_.enterocyte, turnover_rate(person, enzyme, "intestine"))
        gut = 1.0 / (ag * bg * cg * (1.0 - fg) + fg)
    return StaticPrediction(victim.name, enzyme, fm, fg, hepatic, gut)


def _factors(perpetrator: Compound, enzyme: str, concentration: float, kdeg: float) -> tuple[float, float, float]:
    """A (reversible), B (time-dependent) and C (induction) of the mechanistic static model at [I]."""
    a = b = c = 1.0
    for interaction in perpetrator.interactions:
        if interaction.target != enzyme:
            continue
        if interaction.type in ("competitive", "noncompetitive", "mixed"):
            a *= 1.0 / (1.0 + concentration / micromolar(interaction.ki_u))
        elif interaction.type == "mechanism_based":
            rate = interaction.kinact.to("1/h").magnitude * concentration / (concentration + micromolar(interaction.KI_u))
            b *= kdeg / (kdeg + rate)
        else:
            c *= 1.0 + interaction.emax * concentration / (concentration + micromolar(interaction.ec50_u))
    return a, b, c


def _victim_fg(victim: Compound, person: Individual) -> float:
    absorption = victim.absorption
    if absorption is not None and absorption.fg is not None:
        return absorption.fg
    clint = gut_intrinsic_clearance(victim, person)
    if clint.magnitude == 0:
        return 1.0
    if absorption is not None and absorption.permeability is not None:
        return fg_qgut(victim, person)
    return intestinal_availability(person.villous_blood_flow, clint)  # permeability not limiting


def _transporter_screens(interaction: Interaction, exposure_: Exposure) -> list[Screen]:
    if interaction.ki_u is None:
        return []
    ic50 = micromolar(interaction.ki_u)
    target = interaction.target
    if target in GUT_TRANSPORTERS:
        return [_screen(target, "Igut/IC50", exposure_.gut / ic50)] if exposure_.gut > 0 else []
    if target in LIVER_UPTAKE:
        return [_screen(target, "R_OATP", 1.0 + exposure_.hepatic_inlet_u / ic50)]
    return [_screen(target, KIDNEY[target], exposure_.cmax_u / ic50)]


def _screen(target: str, model: str, value: float, *, below: bool = False) -> Screen:
    cutoff = CUTOFFS[model]
    return Screen(target, model, float(value), cutoff, bool(value <= cutoff if below else value >= cutoff))


def given_cmax(text: str | None) -> pint.Quantity | None:
    """A Cmax given on the command line: a mass ("2.1 mg/L") or molar ("6.5 umol/L") concentration."""
    if text is None:
        return None
    unit = "umol/L" if "mol" in text else "mg/L"
    return parse_quantity(text, unit, where="ddi-static", field="cmax", example=f"2.1 {unit}")


__all__ = ["exposure", "basic_screens", "mechanistic_static", "Exposure", "Screen", "StaticPrediction", "CUTOFFS",
           "given_cmax"]
