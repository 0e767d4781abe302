"""Tissue:plasma partition coefficients (Kp) and the volume of distribution at steady state.

Four mechanistic methods, each predicting Kp from the drug's lipophilicity,
ionisation and plasma binding and the tissue's composition:

``rodgers_rowland``
    Rodgers, Leahy & Rowland 2005 (J Pharm Sci 94:1259) for moderate-to-strong
    bases (a basic pKa ≥ 7): electrostatic binding to acidic phospholipids, its
    affinity calibrated on red blood cells from B:P and the haematocrit.
    Rodgers & Rowland 2006 (J Pharm Sci 95:1238) for acids, very weak bases,
    neutrals and zwitterions: binding to extracellular albumin (acids, weak bases)
    or lipoproteins (neutrals), calibrated on fu in plasma. Adipose uses the
    vegetable-oil:water coefficient, log Pvo = 1.115·logP − 1.35.
``poulin_theil``
    Poulin & Theil 2002 (J Pharm Sci 91:129 and 91:1358): tissue-composition
    model with fu in tissue from the tissue:plasma albumin ratio (0.5); adipose
    from the vegetable-oil distribution coefficient D*vo.
``berezhkovskiy``
    Berezhkovskiy 2004 (J Pharm Sci 93:1628): Poulin & Theil corrected so that
    only the unbound drug in tissue and plasma water partitions.
``schmitt``
    Schmitt 2008 (Toxicol In Vitro 22:457), in the simplified form of PK-Sim and
    Utsey et al. 2020 (no cell/interstitium split): partition into water, neutral
    lipids, neutral and acidic phospholipids and proteins, with the membrane
    affinity estimated by logP.

All methods use the standardised human tissue composition of Utsey et al. 2020
(DMD 48:903) from ``physiology_db/tissue_composition.yaml``. Kp refers to total
drug in tissue over total drug in plasma; Kpu = Kp/fu to unbound plasma drug.
The methods typically err about two-fold on Vss (GMFE 2.0–2.9 over 14 drugs,
Utsey 2020): report which was used and compare them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pint

from pbpk.compound import Compound
from pbpk.compound.ionization import PKa, charge_class, ionization_ratio, is_strong_base
from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import Quantity
from pbpk.disposition.binding import plasma_unbound_fraction
from pbpk.physiology import Individual, TissueComposition

#: pH of plasma, intracellular water and red-cell water (Rodgers et al. 2005).
PLASMA_PH = 7.4
INTRACELLULAR_PH = 7.0
RED_CELL_PH = 7.22
#: Tissue:plasma albumin ratio assumed by Poulin & Theil 2002 for fu in tissue.
POULIN_ALBUMIN_RATIO = 0.5


@dataclass(frozen=True)
class DrugPartitionInputs:
    """The drug properties the Kp methods need, as plain numbers.

    ``kpu_red_cells`` overrides the red-cell:unbound-plasma ratio derived from
    B:P and the haematocrit (Rodgers et al. 2005 tabulate measured values).
    """

    log_p: float
    pka: tuple[PKa, ...]
    fu_plasma: float
    blood_plasma_ratio: float | None
    haematocrit: float
    kpu_red_cells: float | None = None

    @property
    def p(self) -> float:
        return 10.0 ** self.log_p

    @property
    def p_vegetable_oil(self) -> float:
        """Vegetable-oil:water partition coefficient, log Pvo = 1.115·logP − 1.35 (Poulin & Theil 2002)."""
        return 10.0 ** (1.115 * self.log_p - 1.35)


KpMethod = Callable[[TissueComposition, DrugPartitionInputs, TissueComposition, TissueComposition], float]


@dataclass(frozen=True)
class PartitionResult:
    """Kp per tissue, how each was obtained, and the predicted Vss."""

    method: str
    kp: Mapping[str, float]
    kpu: Mapping[str, float]
    vss: pint.Quantity
    blood_plasma_ratio: float
    origin: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


# -- Rodgers & Rowland ---------------------------------------------------------------------------
def _lipid_terms(p: float, composition: TissueComposition) -> float:
    return p * composition.f_n_l + (0.3 * p + 0.7) * composition.f_n_pl


def kp_rodgers_rowland(
    tissue: TissueComposition, drug: DrugPartitionInputs, plasma: TissueComposition, red_cells: TissueComposition
) -> float:
    """Kp by Rodgers et al. 2005 (strong bases) or Rodgers & Rowland 2006 (others).

    Ionisation uses the authors' additive expression for zwitterions
    (1 + 10^(pKa_b − pH) + 10^(pH − pKa_a)).
    """
    ratio_iw = ionization_ratio(drug.pka, INTRACELLULAR_PH, zwitterion="additive")
    ratio_p = ionization_ratio(drug.pka, PLASMA_PH, zwitterion="additive")
    p_lipid = drug.p_vegetable_oil if tissue.name == "adipose" else drug.p
    kpu = (
        tissue.f_ew
        + ratio_iw / ratio_p * tissue.f_iw
        + _lipid_terms(p_lipid, tissue) / ratio_p
    )
    if is_strong_base(drug.pka):
        affinity = _acidic_phospholipid_affinity(drug, red_cells)
        kpu += affinity * tissue.f_a_pl * (ratio_iw - 1.0) / ratio_p
    else:
        protein_ratio = tissue.LR if charge_class(drug.pka) == "neutral" else tissue.AR
        kpu += max(plasma_protein_binding(drug, plasma), 0.0) * protein_ratio
    return kpu * drug.fu_plasma


def plasma_protein_binding(drug: DrugPartitionInputs, plasma: TissueComposition) -> float:
    """Ka·[protein] in plasma implied by fu, after lipid partitioning (Rodgers & Rowland 2006).

    Negative when plasma lipids alone would bind more drug than fu says (very
    lipophilic drugs); the Kp method then takes no protein binding, and
    :func:`partition_coefficients` reports it.
    """
    ratio_p = ionization_ratio(drug.pka, PLASMA_PH, zwitterion="additive")
    return 1.0 / drug.fu_plasma - 1.0 - _lipid_terms(drug.p, plasma) / ratio_p


def red_cell_kpu(drug: DrugPartitionInputs) -> float:
    """Red-cell to unbound-plasma concentration ratio from B:P: (Hct − 1 + B:P)/(Hct·fu)."""
    if drug.kpu_red_cells is not None:
        return drug.kpu_red_cells
    if drug.blood_plasma_ratio is None:
        raise ValueError("B:P is needed to calibrate acidic-phospholipid binding")
    return (drug.haematocrit - 1.0 + drug.blood_plasma_ratio) / (drug.haematocrit * drug.fu_plasma)


def _acidic_phospholipid_affinity(drug: DrugPartitionInputs, red_cells: TissueComposition) -> float:
    """Association constant with acidic phospholipids, calibrated on red blood cells (Rodgers 2005)."""
    ratio_rbc = ionization_ratio(drug.pka, RED_CELL_PH, zwitterion="additive")
    ratio_p = ionization_ratio(drug.pka, PLASMA_PH, zwitterion="additive")
    unexplained = (
        red_cell_kpu(drug)
        - ratio_rbc / ratio_p * red_cells.f_iw
        - _lipid_terms(drug.p, red_cells) / ratio_p
    )
    affinity = unexplained * ratio_p / (red_cells.f_a_pl * (ratio_rbc - 1.0))
    if affinity < 0:
        raise ValueError(
            f"B:P {drug.blood_plasma_ratio:.3g} with fu {drug.fu_plasma:g} and haematocrit {drug.haematocrit:.3f} "
            f"leaves no red-cell binding to calibrate a strong base's acidic-phospholipid affinity ({affinity:.3g} < 0)"
        )
    return affinity


# -- Poulin & Theil, Berezhkovskiy -------------------------------------------------------------------
def _fu_tissue(drug: DrugPartitionInputs) -> float:
    """fu in tissue from fu in plasma with a tissue:plasma albumin ratio of 0.5 (Poulin & Theil 2002)."""
    return 1.0 / (1.0 + POULIN_ALBUMIN_RATIO * (1.0 - drug.fu_plasma) / drug.fu_plasma)


def _vegetable_oil_distribution(drug: DrugPartitionInputs, ph: float) -> float:
    """D*vo: vegetable-oil:water distribution coefficient of neutral plus ionised drug at ``ph``."""
    return drug.p_vegetable_oil / ionization_ratio(drug.pka, ph)


def _poulin_parts(tissue: TissueComposition, drug: DrugPartitionInputs, plasma: TissueComposition):
    partition = _vegetable_oil_distribution(drug, tissue.pH) if tissue.name == "adipose" else drug.p
    tissue_lipid = partition * (tissue.f_n_l + 0.3 * tissue.f_pl) + 0.7 * tissue.f_pl
    plasma_lipid = partition * (plasma.f_n_l + 0.3 * plasma.f_pl) + 0.7 * plasma.f_pl
    return tissue_lipid, plasma_lipid


def kp_poulin_theil(
    tissue: TissueComposition, drug: DrugPartitionInputs, plasma: TissueComposition, red_cells: TissueComposition
) -> float:
    """Kp by Poulin & Theil 2002; adipose with D*vo and fu in tissue taken as 1."""
    tissue_lipid, plasma_lipid = _poulin_parts(tissue, drug, plasma)
    ratio = (tissue_lipid + tissue.f_water) / (plasma_lipid + plasma.f_water)
    fu_tissue = 1.0 if tissue.name == "adipose" else _fu_tissue(drug)
    return ratio * drug.fu_plasma / fu_tissue


def kp_berezhkovskiy(
    tissue: TissueComposition, drug: DrugPartitionInputs, plasma: TissueComposition, red_cells: TissueComposition
) -> float:
    """Kp by Berezhkovskiy 2004: only unbound drug in water partitions."""
    tissue_lipid, plasma_lipid = _poulin_parts(tissue, drug, plasma)
    return (tissue_lipid + tissue.f_water / _fu_tissue(drug)) / (plasma_lipid + plasma.f_water / drug.fu_plasma)


# -- Schmitt -----------------------------------------------------------------------------------------
#: Partition of charged species into neutral lipids, relative to neutral (Schmitt 2008).
SCHMITT_CHARGED_LIPID = 0.001
#: Acidic-phospholipid affinity of cations and anions relative to neutral species (Schmitt 2008).
SCHMITT_CATION_ACIDIC_PL = 20.0
SCHMITT_ANION_ACIDIC_PL = 0.05


def kp_schmitt(
    tissue: TissueComposition, drug: DrugPartitionInputs, plasma: TissueComposition, red_cells: TissueComposition
) -> float:
    """Kp by Schmitt 2008 (simplified as in PK-Sim; membrane affinity from logP).

    Species fractions at the tissue pH treat acidic and basic groups as
    independent: neutral, anion, cation and zwitterion.
    """
    acids = tuple(p for p in drug.pka if p.kind == "acid")
    bases = tuple(p for p in drug.pka if p.kind == "base")
    acid_unionised = 1.0 / ionization_ratio(acids, tissue.pH)
    base_unionised = 1.0 / ionization_ratio(bases, tissue.pH)
    neutral = acid_unionised * base_unionised
    anion = (1.0 - acid_unionised) * base_unionised
    cation = acid_unionised * (1.0 - base_unionised)
    zwitterion = (1.0 - acid_unionised) * (1.0 - base_unionised)
    k_neutral_pl = drug.p
    k_neutral_lipid = k_neutral_pl * (neutral + zwitterion + SCHMITT_CHARGED_LIPID * (anion + cation))
    k_acidic_pl = k_neutral_pl * (
        neutral + zwitterion + SCHMITT_ANION_ACIDIC_PL * anion + SCHMITT_CATION_ACIDIC_PL * cation
    )
    k_protein = 0.163 + 0.0221 * k_neutral_pl
    kpu = (
        tissue.f_water
        + k_neutral_lipid * tissue.f_n_l
        + k_neutral_pl * tissue.f_n_pl
        + k_acidic_pl * tissue.f_a_pl
        + k_protein * tissue.f_proteins
    )
    return kpu * drug.fu_plasma


METHODS: dict[str, KpMethod] = {
    "rodgers_rowland": kp_rodgers_rowland,
    "poulin_theil": kp_poulin_theil,
    "berezhkovskiy": kp_berezhkovskiy,
    "schmitt": kp_schmitt,
}


# -- whole body --------------------------------------------------------------------------------------
def blood_plasma_ratio(compound: Compound, individual: Individual) -> float:
    """Measured B:P, or B:P predicted by the compound's ``blood_plasma_method``.

    ``rodgers_rowland``: B:P = 1 − Hct + Hct·fu·Kpu,RBC, with Kpu,RBC from the
    red cells' water and lipids (Rodgers & Rowland 2006; no binding to
    haemoglobin). Strong bases need a measured B:P (it calibrates their
    phospholipid binding). ``excluded_from_red_cells``: B:P = 1 − Hct, for large
    polar molecules that do not enter red cells.
    """
    if compound.blood_plasma_ratio is not None:
        return _measured_blood_plasma_ratio(compound, individual)
    if compound.blood_plasma_method == "excluded_from_red_cells":
        return 1.0 - individual.haematocrit
    if is_strong_base(compound.pka):
        raise PbpkInputError(
            compound.file, "blood_plasma_ratio", "{method: rodgers_rowland}", "a measured {value: ..., source: ...}",
            "for a moderate-to-strong base (pKa ≥ 7) the Rodgers & Rowland method derives binding from a measured B:P",
        )
    drug = partition_inputs(compound, individual, blood_plasma_ratio=None)
    rbc = individual.red_blood_cells
    ratio_rbc = ionization_ratio(drug.pka, RED_CELL_PH, zwitterion="additive")
    ratio_p = ionization_ratio(drug.pka, PLASMA_PH, zwitterion="additive")
    kpu_rbc = ratio_rbc / ratio_p * rbc.f_iw + _lipid_terms(drug.p, rbc) / ratio_p
    hct = individual.haematocrit
    return 1.0 - hct + hct * drug.fu_plasma * kpu_rbc


def _measured_blood_plasma_ratio(compound: Compound, individual: Individual) -> float:
    """The measured (adult) B:P carried over to this individual's haematocrit and fu.

    The red-cell:unbound-plasma ratio is fixed by the adult measurement,
    Kpu,RBC = (Hct_a − 1 + B:P_a)/(Hct_a·fu_a); then B:P = 1 − Hct + Hct·fu·Kpu,RBC.
    For the adult reference this returns the measured value.
    """
    measured = compound.blood_plasma_ratio.value
    adult = individual.adult_reference
    hct, fu = individual.haematocrit, plasma_unbound_fraction(compound, individual)
    fu_adult = compound.fu_plasma.value
    if hct == adult.haematocrit and fu == fu_adult:
        return measured
    kpu_rbc = (adult.haematocrit - 1.0 + measured) / (adult.haematocrit * fu_adult)
    return 1.0 - hct + hct * fu * kpu_rbc


def partition_inputs(compound: Compound, individual: Individual, *, blood_plasma_ratio: float | None) -> DrugPartitionInputs:
    return DrugPartitionInputs(
        log_p=compound.log_p,
        pka=compound.pka,
        fu_plasma=plasma_unbound_fraction(compound, individual),
        blood_plasma_ratio=blood_plasma_ratio,
        haematocrit=individual.haematocrit,
    )


def partition_coefficients(compound: Compound, individual: Individual, method: str | None = None) -> PartitionResult:
    """Kp for every tissue of ``individual`` and the predicted Vss.

    Parameters
    ----------
    compound, individual
        The drug and the person.
    method
        One of ``rodgers_rowland``, ``poulin_theil``, ``berezhkovskiy``,
        ``schmitt`` (hyphens allowed); default: the compound's
        ``partition_method``.

    Measured Kp in the compound file replace the prediction for their tissue;
    the compound's ``kp_scale`` multiplies every Kp its own ``partition_method``
    predicts (not those of another ``method``, which get a warning instead);
    specific binding adds fu·Bmax/Kd to the predicted Kp (linear range).

    Examples
    --------
    >>> from pbpk.compound import load_compound
    >>> from pbpk.physiology import reference_individual
    >>> result = partition_coefficients(load_compound("midazolam"), reference_individual("male"))
    >>> result.method
    'rodgers_rowland'
    >>> 40 < result.vss.to("L").magnitude < 150
    True
    """
    name = (method or compound.partition_method).replace("-", "_").lower()
    if name not in METHODS:
        raise PbpkInputError("partition_coefficients", "method", method, f"one of {', '.join(METHODS)}",
                             did_you_mean(name, METHODS))
    bp = blood_plasma_ratio(compound, individual)
    drug = partition_inputs(compound, individual, blood_plasma_ratio=bp)
    kp: dict[str, float] = {}
    origin: dict[str, str] = {}
    binding = {b.tissue: b for b in compound.specific_binding}
    scaled = compound.kp_scale is not None and name == compound.partition_method
    scale = compound.kp_scale.value if scaled else 1.0
    for tissue in individual.tissues.values():
        if tissue.name in compound.measured_kp:
            measured = compound.measured_kp[tissue.name]
            kp[tissue.name] = measured.value
            origin[tissue.name] = f"measured ({measured.source})"
            continue
        try:
            value = METHODS[name](tissue.composition, drug, individual.plasma, individual.red_blood_cells)
        except ValueError as exc:
            others = ", ".join(m for m in METHODS if m != name)
            raise PbpkInputError(compound.file, "blood_plasma_ratio", round(bp, 3),
                                 f"a B:P that the {name} method can use", f"{exc}; try another method ({others})") from None
        value *= scale
        origin[tissue.name] = name + (f" (composition of {tissue.composition.name})"
                                      if tissue.surrogate_composition else "") + (f" x {scale:g}" if scaled else "")
        if tissue.name in binding:
            value += drug.fu_plasma * binding[tissue.name].kpu_increment
            origin[tissue.name] += f" + specific binding to {binding[tissue.name].target}"
        kp[tissue.name] = value
    for tissue, value in kp.items():
        if not math.isfinite(value) or value <= 0:
            raise PbpkInputError(compound.file, f"Kp[{tissue}]", value, "a positive finite partition coefficient",
                                 "check logP, pKa and fu_plasma")
    warnings = []
    if compound.kp_scale is not None and not scaled:
        warnings.append(f"kp_scale {compound.kp_scale.value:g} belongs to {compound.partition_method} and is not "
                        f"applied to {name}")
    if name == "rodgers_rowland" and not is_strong_base(drug.pka) and plasma_protein_binding(drug, individual.plasma) < 0:
        warnings.append(
            f"fu_plasma {drug.fu_plasma} is higher than lipid partitioning in plasma alone allows at logP "
            f"{drug.log_p:.2f}; Rodgers & Rowland's protein-binding term was set to 0"
        )
    surrogates = [f"{t.name} uses {t.composition.name}" for t in individual.tissues.values()
                  if t.surrogate_composition and t.name not in compound.measured_kp]
    if surrogates:
        warnings.append("tissues without a composition of their own (see physiology_db/tissues.yaml): "
                        + ", ".join(surrogates))
    kpu = {tissue: value / drug.fu_plasma for tissue, value in kp.items()}
    return PartitionResult(name, kp, kpu, steady_state_volume(kp, individual, bp), bp, origin, tuple(warnings))


def steady_state_volume(kp: Mapping[str, float], individual: Individual, blood_plasma_ratio: float) -> pint.Quantity:
    """Vss (plasma reference) = V_blood·B:P + Σ V_tissue·Kp_tissue."""
    volume = individual.blood_volume * blood_plasma_ratio
    for name, value in kp.items():
        volume = volume + individual.tissues[name].volume * value
    return volume.to("L") if isinstance(volume, pint.Quantity) else Quantity(volume, "L")
