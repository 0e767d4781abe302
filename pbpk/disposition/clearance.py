"""Clearance scaling: in-vitro-in-vivo extrapolation (IVIVE) and organ clearance models.

Intrinsic clearance from each in-vitro system is scaled to the whole liver:

* human liver microsomes: CLint,u = (Vmax/Km or CLint)/fu,inc × MPPGL × liver weight
* hepatocytes: CLint,u = CLint/fu,inc × HPGL × liver weight
* recombinant CYP (rCYP): CLint,u = ISEF × (Vmax/Km)/fu,inc × abundance × MPPGL × liver weight

(Barter et al. 2007 Curr Drug Metab 8:33 for MPPGL and HPGL; Proctor et al.
2004 Xenobiotica 34:151 for ISEF.) Organ clearance from CLint,u uses the
well-stirred or the parallel-tube liver model, on the blood basis
(fu,b = fu,p/B:P) and converted to plasma (CL_p = CL_b·B:P). Renal clearance is
filtration of unbound drug plus secretion. Intestinal availability Fg comes from
the Qgut model (Yang et al. 2007 Curr Drug Metab 8:676).

All functions take and return pint quantities (or plain fractions).

Examples
--------
>>> from pbpk.core.units import Quantity
>>> well_stirred(Quantity(90, "L/h"), 0.1, Quantity(300, "L/h")).to("L/h")
<Quantity(22.5, 'liter / hour')>
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pint

from pbpk.compound import Compound, HepaticPathway
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import Quantity
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.disposition.distribution import blood_plasma_ratio
from pbpk.physiology import Individual
from pbpk.physiology.hepatic_impairment import transporters_without_factor

LiverModel = Literal["well_stirred", "parallel_tube"]


def _flow_units(quantity: pint.Quantity) -> pint.Quantity:
    """In L/h when it is a flow; other dimensions (e.g. per kg body weight) as reduced units."""
    if quantity.is_compatible_with("L/h"):
        return quantity.to("L/h")
    return quantity.to_reduced_units()


# -- scaling of in-vitro intrinsic clearance --------------------------------------------------------
def scale_microsomal(clint_unbound: pint.Quantity, microsomal_protein_per_gram: pint.Quantity,
                     liver_weight: pint.Quantity) -> pint.Quantity:
    """Whole-liver CLint,u (L/h) from an unbound microsomal CLint (per mg protein)."""
    return _flow_units(clint_unbound * microsomal_protein_per_gram * liver_weight)


def scale_hepatocyte(clint_unbound: pint.Quantity, hepatocytes_per_gram: pint.Quantity,
                     liver_weight: pint.Quantity) -> pint.Quantity:
    """Whole-liver CLint,u (L/h) from an unbound hepatocyte CLint (per 10⁶ cells)."""
    return _flow_units(clint_unbound * hepatocytes_per_gram * liver_weight)


def scale_recombinant(clint_unbound: pint.Quantity, isef: float, abundance: pint.Quantity,
                      microsomal_protein_per_gram: pint.Quantity, liver_weight: pint.Quantity) -> pint.Quantity:
    """Whole-liver CLint,u (L/h) from an unbound rCYP CLint (per pmol enzyme) with its ISEF."""
    return _flow_units(isef * clint_unbound * abundance * microsomal_protein_per_gram * liver_weight)


def pathway_intrinsic_clearance(pathway: HepaticPathway, individual: Individual) -> pint.Quantity:
    """Unbound intrinsic clearance of the whole liver for one pathway (linear range), L/h.

    Scaled from the in-vitro system with the individual's MPPGL, HPGL and liver
    weight, times the enzyme's activity per mg microsomal protein relative to the
    adult reference (ontogeny, pregnancy, genotype). An ``in_vivo`` value is the
    reference adult's whole-liver CLint,u; it scales with liver weight and with MPPGL
    relative to that adult, so that a child or an older adult keeps the same enzyme
    amount per gram of liver whichever system the compound's data come from. A pathway with a
    ``kidney_failure`` change falls with the person's remaining kidney function in CKD.
    """
    clint = _scaled_intrinsic_clearance(pathway, individual) * individual.enzyme_activity(pathway.enzyme)
    if pathway.kidney_failure is not None:
        clint = clint * pathway.kidney_failure.factor(individual.kidney_function)
    return clint


def _scaled_intrinsic_clearance(pathway: HepaticPathway, individual: Individual) -> pint.Quantity:
    clint = pathway.clint_in_vitro_unbound
    if pathway.system == "in_vivo":
        return (clint * _microsomal_protein_ratio(individual)).to("L/h")
    if pathway.system == "HLM":
        return scale_microsomal(clint, individual.microsomal_protein_per_gram, individual.liver_weight)
    if pathway.system == "hepatocytes":
        return scale_hepatocyte(clint, individual.hepatocytes_per_gram, individual.liver_weight)
    abundance = individual.hepatic_abundance.get(pathway.enzyme)
    if abundance is None:
        known = ", ".join(sorted(individual.hepatic_abundance))
        raise PbpkInputError("physiology_db/enzymes.yaml", f"liver.abundance.{pathway.enzyme}", None,
                             f"a hepatic abundance for {pathway.enzyme} to scale its rCYP data (known: {known})")
    return scale_recombinant(clint, pathway.isef, abundance, individual.microsomal_protein_per_gram,
                             individual.liver_weight)


def _microsomal_protein_ratio(individual: Individual) -> float:
    """Microsomal protein of the whole liver (MPPGL × liver weight) relative to the adult reference."""
    reference = individual.adult_reference
    return float((individual.liver_weight * individual.microsomal_protein_per_gram
                  / (reference.liver_weight * reference.microsomal_protein_per_gram)).to("").magnitude)


def biliary_intrinsic_clearance(compound: Compound, individual: Individual) -> pint.Quantity:
    """Unbound biliary intrinsic clearance (L/h): the compound's adult value scaled by liver weight and, for a
    named canalicular transporter, by the individual's activity of it (ontogeny, disease; a cirrhotic liver
    without a class factor for it keeps the healthy abundance per gram, with a warning)."""
    biliary = compound.clearance.biliary
    if biliary is None:
        return Quantity(0.0, "L/h")
    activity = 1.0
    if biliary.transporter is not None:
        _warn_without_factor([biliary.transporter], compound, individual, "biliary excretion")
        activity = individual.enzyme_activity(biliary.transporter)
    return (biliary.clint_unbound * _liver_weight_ratio(individual) * activity).to("L/h")


def uptake_clearances(compound: Compound, individual: Individual) -> dict[str, pint.Quantity]:
    """Unbound active hepatic uptake clearance per sinusoidal transporter (L/h): the compound's adult values
    scaled by liver weight and by the individual's activity of the transporter (genotype, disease; a child
    without an ontogeny function for it, or a cirrhotic liver without a class factor, gets the healthy adult's
    abundance per gram of liver, with a warning)."""
    uptake = compound.clearance.hepatic_uptake
    if uptake is None:
        return {}
    _warn_without_factor(uptake.clearances, compound, individual, "uptake")
    ratio = _liver_weight_ratio(individual)
    return {transporter: (value * ratio * individual.enzyme_activity(transporter)).to("L/h")
            for transporter, value in uptake.clearances.items()}


def _warn_without_factor(transporters, compound: Compound, individual: Individual, process: str) -> None:
    """Warn when a cirrhotic ``individual`` has no class factor for a transporter of ``compound``'s ``process``."""
    missing = transporters_without_factor(transporters, individual)
    if missing:
        warnings.warn(f"physiology_db/hepatic_impairment.yaml has no {individual.conditions['hepatic']} factor for "
                      f"{', '.join(missing)}: {compound.name}'s {process} keeps the healthy abundance per gram of "
                      "liver", stacklevel=3)


def _liver_weight_ratio(individual: Individual) -> float:
    """Liver weight relative to the individual's adult reference (scales biliary and uptake clearances)."""
    return float((individual.liver_weight / individual.adult_reference.liver_weight).to("").magnitude)


def secretion_clearance(compound: Compound, individual: Individual) -> pint.Quantity:
    """Unbound renal secretion clearance (L/h): the adult value times the individual's renal function and,
    in a child, the secretion transporter's maturity over filtration's (:meth:`Individual.secretion_activity`)."""
    renal = compound.clearance.renal
    if renal is None or renal.secretion is None:
        return Quantity(0.0, "L/h")
    return (renal.secretion * individual.renal_function * individual.secretion_activity(renal.transporter)).to("L/h")


def hepatic_intrinsic_clearances(compound: Compound, individual: Individual) -> dict[str, pint.Quantity]:
    """Whole-liver CLint,u per enzyme (L/h), summed over the pathways of each enzyme."""
    clearances: dict[str, pint.Quantity] = {}
    for pathway in compound.clearance.hepatic:
        value = pathway_intrinsic_clearance(pathway, individual)
        clearances[pathway.enzyme] = clearances[pathway.enzyme] + value if pathway.enzyme in clearances else value
    return clearances


def fraction_metabolised(intrinsic_clearances: Mapping[str, pint.Quantity]) -> dict[str, float]:
    """fm of each pathway: its share of the total hepatic CLint,u.

    >>> fraction_metabolised({"CYP3A4": Quantity(30, "L/h"), "CYP2D6": Quantity(10, "L/h")})
    {'CYP3A4': 0.75, 'CYP2D6': 0.25}
    """
    if not intrinsic_clearances:
        return {}
    unit = next(iter(intrinsic_clearances.values())).units
    values = {name: value.to(unit).magnitude for name, value in intrinsic_clearances.items()}
    total = sum(values.values())
    if total <= 0:
        return {name: 0.0 for name in values}
    return {name: value / total for name, value in values.items()}


# -- organ models --------------------------------------------------------------------------------------
def well_stirred(blood_flow: pint.Quantity, fu_blood: float, clint_unbound: pint.Quantity) -> pint.Quantity:
    """Blood clearance of the well-stirred organ: Q·fu,b·CLint/(Q + fu,b·CLint)."""
    product = fu_blood * clint_unbound
    return (blood_flow * product / (blood_flow + product)).to(blood_flow.units)


def parallel_tube(blood_flow: pint.Quantity, fu_blood: float, clint_unbound: pint.Quantity) -> pint.Quantity:
    """Blood clearance of the parallel-tube organ: Q·(1 − exp(−fu,b·CLint/Q))."""
    ratio = float((fu_blood * clint_unbound / blood_flow).to("").magnitude)
    return blood_flow * -math.expm1(-ratio)


LIVER_MODELS = {"well_stirred": well_stirred, "parallel_tube": parallel_tube}


@dataclass(frozen=True)
class OrganClearance:
    """An organ's clearance on blood and plasma bases, and its extraction ratio."""

    blood: pint.Quantity
    plasma: pint.Quantity
    extraction_ratio: float


def extended_clearance(diffusion: pint.Quantity | float, uptake: pint.Quantity | float,
                       clint: pint.Quantity | float) -> pint.Quantity | float:
    """Unbound intrinsic clearance of a liver behind its sinusoidal membrane (extended clearance concept,
    Shitara et al. 2006): (PS + ΣCLup)·CLint/(PS + CLint), PS the passive diffusion both ways (L/h, or floats)."""
    return (diffusion + uptake) * clint / (diffusion + clint)


def hepatic_clearance(compound: Compound, individual: Individual, *, model: LiverModel = "well_stirred") -> OrganClearance:
    """Hepatic clearance from all hepatic pathways (metabolism and biliary excretion); for a permeability-limited
    liver, behind its passive diffusion and active uptake (:func:`extended_clearance`)."""
    if model not in LIVER_MODELS:
        raise PbpkInputError("hepatic_clearance", "model", model, f"one of {', '.join(LIVER_MODELS)}")
    bp = blood_plasma_ratio(compound, individual)
    fu_blood = plasma_unbound_fraction(compound, individual) / bp
    clint = sum(hepatic_intrinsic_clearances(compound, individual).values(), Quantity(0.0, "L/h"))
    clint = clint + biliary_intrinsic_clearance(compound, individual)
    if "liver" in compound.permeability_limited:  # uptake and passive diffusion before the cell's clearance
        diffusion = compound.permeability_limited["liver"].value
        uptake = sum(uptake_clearances(compound, individual).values(), Quantity(0.0, "L/h"))
        clint = extended_clearance(diffusion, uptake, clint)
    flow = individual.liver_blood_flow
    blood = LIVER_MODELS[model](flow, fu_blood, clint)
    return OrganClearance(blood, (blood * bp).to("L/h"), float((blood / flow).to("").magnitude))


def renal_clearance(compound: Compound, individual: Individual) -> pint.Quantity:
    """Renal plasma clearance: fu·(gfr_fraction·GFR + CL_sec,u), L/h (0 without renal elimination).

    The adult secretion clearance is scaled by GFR relative to the adult reference, times a
    child's secretion maturity over filtration's (:func:`secretion_clearance`).
    """
    renal = compound.clearance.renal
    if renal is None:
        return Quantity(0.0, "L/h")
    fu = plasma_unbound_fraction(compound, individual)
    filtered = fu * unreabsorbed_fraction(compound, individual) * individual.gfr if renal.filtration \
        else Quantity(0.0, "L/h")
    secreted = fu * secretion_clearance(compound, individual)
    return (filtered + secreted).to("L/h")


def unreabsorbed_fraction(compound: Compound, individual: Individual) -> float:
    """Fraction of filtered drug that escapes tubular reabsorption, for a compound with a renal block.

    With ``reabsorption: urine_flow``, passive reabsorption competes with the tubular fluid
    flow, indexed by the urine flow Q: f = Q/(Q + R·GFR), so that 1/CL_R is linear in 1/Q
    (Int J Clin Pharmacol Ther Toxicol 1986, PMID 3781671; theophylline: Tang-Liu DD, Tozer TN,
    Riegelman S. J Pharmacokinet Biopharm 1982;10:351). The reabsorption clearance per unit
    GFR, R, is set by the adult reference (f = ``gfr_fraction`` at its urine flow and GFR) and
    grows with GFR (nephron mass), so infants, with more urine per GFR, reabsorb less.
    """
    renal = compound.clearance.renal
    if renal.reabsorption == "constant":
        return renal.gfr_fraction
    reference = individual.adult_reference
    per_gfr = float((reference.urine_flow / reference.gfr).to("").magnitude) * (1.0 - renal.gfr_fraction) \
        / renal.gfr_fraction
    urine = individual.urine_flow.to("L/h").magnitude
    return urine / (urine + per_gfr * individual.gfr.to("L/h").magnitude)


# -- intestine --------------------------------------------------------------------------------------------
def qgut(villous_blood_flow: pint.Quantity, permeability_clearance: pint.Quantity) -> pint.Quantity:
    """Qgut = Qvilli·CLperm/(Qvilli + CLperm) (Yang et al. 2007)."""
    return (villous_blood_flow * permeability_clearance / (villous_blood_flow + permeability_clearance)).to("L/h")


def intestinal_availability(q_gut: pint.Quantity, clint_gut_unbound: pint.Quantity, fu_gut: float = 1.0) -> float:
    """Fg = Qgut/(Qgut + fu,gut·CLint,gut) (Yang et al. 2007)."""
    return float((q_gut / (q_gut + fu_gut * clint_gut_unbound)).to("").magnitude)


def gut_intrinsic_clearances(compound: Compound, individual: Individual) -> dict[str, pint.Quantity]:
    """Unbound intrinsic clearance of the gut wall (L/h) by enzyme, from the hepatic pathways.

    Each pathway's CLint per pmol enzyme (microsomal CLint divided by the
    hepatic abundance, or the rCYP CLint × ISEF) is multiplied by the
    intestinal abundance of its enzyme. Enzymes without an intestinal
    abundance, hepatocyte and in-vivo data do not contribute.
    """
    by_enzyme: dict[str, pint.Quantity] = {}
    for pathway in compound.clearance.hepatic:
        amount = individual.intestinal_abundance.get(pathway.enzyme)
        if amount is None or pathway.system in ("hepatocytes", "in_vivo"):
            continue
        if pathway.system == "rCYP":
            per_enzyme = pathway.isef * pathway.clint_in_vitro_unbound
        else:
            abundance = individual.hepatic_abundance.get(pathway.enzyme)
            if abundance is None:
                continue
            per_enzyme = pathway.clint_in_vitro_unbound / abundance
        clint = (per_enzyme * amount * individual.enzyme_activity(pathway.enzyme, "intestine")).to("L/h")
        by_enzyme[pathway.enzyme] = by_enzyme.get(pathway.enzyme, Quantity(0.0, "L/h")) + clint
    return by_enzyme


def gut_wall_shares(compound: Compound, individual: Individual) -> dict[str, float]:
    """Each enzyme's share of the compound's gut-wall intrinsic clearance (sum 1; empty without one), by which
    DDI models split its first pass among the enzymes that inhibitors and inducers act on.

    From the in-vitro gut-wall CLint (:func:`gut_intrinsic_clearances`) where there is one. Otherwise, when
    the compound's ``fg`` is a measured value below 1 (a real gut-wall extraction that no in-vitro data
    scale), from its ``in_vivo`` hepatic pathways: each pathway's CLint per hepatic enzyme amount times the
    intestinal amount, the per-pmol scaling of the in-vitro case (a single enzyme gets the whole share).
    """
    weights = {e: q.to("L/h").magnitude for e, q in gut_intrinsic_clearances(compound, individual).items()
               if q.magnitude > 0}
    measured = compound.absorption is not None and compound.absorption.fg is not None and compound.absorption.fg < 1
    if not weights and measured:
        for pathway in compound.clearance.hepatic:
            amount = individual.intestinal_abundance.get(pathway.enzyme)
            hepatic = individual.hepatic_abundance.get(pathway.enzyme)
            if pathway.system != "in_vivo" or amount is None or hepatic is None:
                continue
            weight = (pathway.clint / hepatic * amount * individual.enzyme_activity(pathway.enzyme, "intestine"))
            weights[pathway.enzyme] = weights.get(pathway.enzyme, 0.0) + weight.to("L*mg/h").magnitude
    total = sum(weights.values())
    return {enzyme: weight / total for enzyme, weight in weights.items()} if total > 0 else {}


def gut_intrinsic_clearance(compound: Compound, individual: Individual) -> pint.Quantity:
    """Unbound intrinsic clearance of the gut wall (L/h), all enzymes (see :func:`gut_intrinsic_clearances`)."""
    return sum(gut_intrinsic_clearances(compound, individual).values(), Quantity(0.0, "L/h"))


def fg_qgut(compound: Compound, individual: Individual, fu_gut: float = 1.0) -> float:
    """Intestinal availability Fg of ``compound`` by the Qgut model.

    CLperm = Peff × absorptive area (Yang et al. 2007); a measured ``fg`` in
    the compound's absorption block is returned as is.
    """
    absorption = compound.absorption
    if absorption is not None and absorption.fg is not None:
        return absorption.fg
    if absorption is None or absorption.permeability is None:
        raise PbpkInputError(compound.file, "absorption.permeability", None,
                             "a human effective permeability (or a measured fg) to predict Fg")
    cl_perm = (absorption.permeability * individual.intestinal_absorptive_area).to("L/h")
    return intestinal_availability(qgut(individual.villous_blood_flow, cl_perm),
                                   gut_intrinsic_clearance(compound, individual), fu_gut)
