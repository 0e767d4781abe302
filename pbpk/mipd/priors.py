"""From a PBPK virtual population to a population PK prior (DESIGN §4 "Priors for MIPD").

``derive_prior`` takes profiles of virtual subjects (PBPK or any other source) under one
design, fits each with 1, 2 or 3 compartments (``individual_fits``), keeps the structure
with the lowest summed BIC (or the one asked for), estimates typical values, covariate
effects and Ω (``covariate_model``), and proposes σ: a proportional SD that adds the
reduction misfit (pooled log-residual SD) and the assay's proportional error in
variance, with the assay's additive SD. ``prior_from_pbpk`` simulates the population
first. The result is a ``PopulationModel`` whose ``derived_from`` records how it was made.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.units import Quantity, parse_quantity
from pbpk.mipd.covariate_model import (
    P_VALUE,
    RELEVANCE,
    CovariateData,
    CovariateModel,
    estimate,
)
from pbpk.mipd.expressions import Code
from pbpk.mipd.individual_fits import (
    Design,
    IndividualFits,
    choose_structure,
    fit_individuals,
)
from pbpk.mipd.popmodel import Covariate, PopulationModel, SupportPoints, Theta
from pbpk.mipd.residual import ResidualError
from pbpk.mipd.structure import Structure
from pbpk.mipd.variability import Omega

#: How the parameters of a structure are measured (model units h, mg, L).
PARAMETER_UNITS = {"CL": "L/h", "Q": "L/h", "Q2": "L/h", "Q3": "L/h", "CLM": "L/h", "V": "L", "V1": "L", "V2": "L",
                   "V3": "L", "VM": "L", "KA": "1/h", "MTT": "h", "VMAX": "mg/h", "KM": "mg/L"}


@dataclass(frozen=True)
class AssayError:
    """The measurement error a prior's σ must include besides the reduction misfit."""

    proportional: float = 0.0  # SD as a fraction
    additive: float = 0.0  # SD in mg/L


@dataclass(frozen=True)
class Evidence:
    """The fitted subjects' profiles (subjects × design times, mg/L), covariates and dose factors."""

    profiles: np.ndarray
    design: Design
    covariates: Mapping[str, np.ndarray]  # every candidate covariate, one value per fitted subject
    amount_scale: np.ndarray | None  # body weight (kg) when doses are per kg
    description: str = "the virtual subjects the prior was derived from"


@dataclass(frozen=True)
class DerivedPrior:
    """A derived population model with what it came from: the chosen fits, the others, the covariate model."""

    model: PopulationModel
    fits: IndividualFits
    alternatives: Mapping[int, IndividualFits]
    covariates: CovariateModel
    evidence: Evidence


def derive_prior(profiles: np.ndarray, design: Design, candidates: Sequence[CovariateData], *, name: str, drug: str,
                 title: str, compartments: int | str = "auto", weights: np.ndarray | None = None,
                 auc_last: np.ndarray | None = None, assay: AssayError = AssayError(),
                 inflate_omega: tuple[float, str] | None = None, support_points: int = 0,
                 provenance: Mapping | None = None, progress: Callable[[str, int], Callable[[int], None]] | None = None,
                 seed: int = 0) -> DerivedPrior:
    """A prior from ``profiles`` (subjects × ``design.times``, mg/L) and the subjects' covariates.

    ``compartments``: 1, 2, 3 or "auto" (lowest BIC). ``inflate_omega``: (factor, reason) to
    flatten the prior, recorded in the file. ``support_points``: keep that many subjects'
    parameter sets (drawn at random, equal weights) as a nonparametric prior.
    """
    if compartments not in ("auto", 1, 2, 3):
        raise PbpkInputError("priors", "compartments", compartments, '1, 2, 3 or "auto"')
    oral = any(dose.compartment == "depot" for dose in design.doses)
    absorption = "first-order" if oral else "none"
    tried = (1, 2, 3) if compartments == "auto" else (compartments,)
    fits: dict[int, IndividualFits] = {}
    for count in tried:
        tick = progress(f"fitting {count}-compartment models", len(profiles)) if progress else None
        fits[count] = fit_individuals(Structure(count, absorption), design, profiles, weights=weights,
                                      auc_last=auc_last, simpler=fits.get(count - 1), progress=tick)
    chosen = choose_structure(list(fits.values()))
    good = np.all(np.isfinite(chosen.parameters.to_numpy()), axis=1) & (chosen.parameters.to_numpy() > 0).all(axis=1)
    if good.sum() < 10:
        raise PbpkInputError("priors", "profiles", f"{int(good.sum())} subjects fitted",
                             "at least 10 subjects whose profiles could be fitted")
    kept = [CovariateData(c.name, np.asarray(c.values, dtype=float)[good], c.unit, c.description, c.reference)
            for c in candidates]
    covariate_model = estimate(np.log(chosen.parameters[good].reset_index(drop=True)), kept)
    omega_matrix = covariate_model.omega
    if inflate_omega is not None:
        factor, reason = inflate_omega
        if not factor >= 1 or not reason:
            raise PbpkInputError("priors", "inflate_omega", inflate_omega, "a factor ≥ 1 and the reason for it")
        omega_matrix = omega_matrix * factor
    model = _population_model(chosen, covariate_model, omega_matrix, kept, assay, name=name, drug=drug, title=title,
                              record=_record(fits, chosen, covariate_model, assay, inflate_omega, provenance),
                              support=_support(chosen.parameters[good], support_points, seed))
    evidence = Evidence(np.asarray(profiles)[good], design, {c.name: c.values for c in kept},
                        None if not design.per_kg or weights is None else np.asarray(weights, dtype=float)[good])
    return DerivedPrior(model, chosen, fits, covariate_model, evidence)


def _population_model(fits: IndividualFits, covariate_model: CovariateModel, omega_matrix: np.ndarray,
                      candidates: Sequence[CovariateData], assay: AssayError, *, name: str, drug: str, title: str,
                      record: Mapping, support: SupportPoints | None) -> PopulationModel:
    structure = fits.structure
    thetas, lines = [], []
    for parameter in structure.required:
        thetas.append(Theta(f"TV{parameter}", float(np.exp(covariate_model.intercepts[parameter])),
                            PARAMETER_UNITS[parameter], source="derived: typical value at the covariate references"))
        factors = [f"TV{parameter}"]
        for effect in covariate_model.effects_on(parameter):
            data, label = effect.covariate, f"{effect.covariate.name}_{parameter}"
            if data.kind == "power":
                thetas.append(Theta(label, effect.coefficient, "1", source="derived: power of the covariate"))
                factors.append(f"({data.name} / {data.centre:g}) ** {label}")
            elif data.kind == "exponential":
                thetas.append(Theta(label, effect.coefficient, f"1/({data.unit})",
                                    source="derived: log change per unit of the covariate"))
                factors.append(f"exp({label} * ({data.name} - {data.centre:g}))")
            else:
                thetas.append(Theta(label, float(np.exp(effect.coefficient)), "1",
                                    source="derived: factor when the covariate is 1"))
                factors.append(f"{label} ** {data.name}")
        if parameter in covariate_model.random:
            factors.append(f"exp(ETA_{parameter})")
        lines.append(f"{parameter} = " + " * ".join(factors))
    used = {effect.covariate.name for effect in covariate_model.effects}
    covariates = tuple(Covariate(c.name, c.unit, "binary" if c.kind == "binary" else "continuous", c.description,
                                 c.centre if c.kind != "binary" else None,
                                 None if c.kind == "binary" else (float(np.min(c.values)), float(np.max(c.values))))
                       for c in candidates if c.name in used)
    etas = [f"ETA_{parameter}" for parameter in covariate_model.random]
    omega = Omega.from_matrix(etas, omega_matrix, source="derived: covariance of the individual log-parameter "
                              "residuals") if etas else Omega()
    thetas_tuple = tuple(thetas)
    inputs = [t.name for t in thetas_tuple] + etas + [c.name for c in covariates]
    code = Code.parse(lines, inputs, where=name, field="pk")
    proportional = float(np.hypot(fits.residual_sd, assay.proportional))
    if assay.additive > 0:
        error = ResidualError("combined", assay.additive, proportional, "variance-sum", "sd",
                              "derived: reduction misfit and assay error")
    else:
        error = ResidualError("proportional", 0.0, proportional, "", "sd", "derived: reduction misfit and assay error")
    return PopulationModel(name, drug, title, {"type": "pbpk-derived", "reference": "derived by pbpk.mipd from a "
                                               "PBPK virtual population (see derived_from)"},
                           structure, {"time": "h", "amount": "mg", "volume": "L"}, {"parent": "mg/L"}, covariates,
                           thetas_tuple, omega, Omega(), code, {"parent": error}, (), record, support)


def _record(fits: Mapping[int, IndividualFits], chosen: IndividualFits, covariate_model: CovariateModel,
            assay: AssayError, inflate_omega: tuple[float, str] | None, provenance: Mapping | None) -> dict:
    summary = chosen.summary()
    record = dict(provenance or {})
    record["reduction"] = {
        "structure": f"{chosen.structure.compartments}-compartment, absorption {chosen.structure.absorption}",
        "criterion": "lowest BIC summed over subjects, log residuals",
        "bic": {str(count): round(fit.bic, 3) for count, fit in fits.items()},
        "subjects_fitted": int(np.isfinite(chosen.rss).sum()),
        "error": {row["metric"]: {key: round(float(row[key]), 4) for key in ("P5", "median", "P95", "within 10 %")}
                  for _, row in summary.iterrows()},
        "misfit_sd": round(chosen.residual_sd, 5),
    }
    record["covariate_rule"] = (f"forward selection per log parameter: lowest BIC, p < {P_VALUE:g}, and a change of "
                                f"at least {100 * (RELEVANCE - 1):.0f} % between the covariate's 5th and 95th "
                                "percentiles")
    record["covariates_entered"] = [f"{e.covariate.name} on {e.parameter}" for e in covariate_model.effects]
    record["assay_error"] = {"proportional_sd": assay.proportional, "additive_sd_mg_per_L": assay.additive}
    if inflate_omega is not None:
        record["omega_inflation"] = {"factor": inflate_omega[0], "reason": inflate_omega[1]}
    return record


def _support(parameters: pd.DataFrame, count: int, seed: int) -> SupportPoints | None:
    if count <= 0:
        return None
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(parameters), size=min(count, len(parameters)), replace=False)
    values = parameters.to_numpy()[np.sort(rows)]
    return SupportPoints(tuple(parameters.columns), values, np.full(len(values), 1.0 / len(values)),
                         "derived: individual fits of randomly chosen virtual subjects, equal weights")


# ---- from a PBPK population ----------------------------------------------------------------------

#: Binary genotype covariates: key → (gene column of the subject table, the label coded 1, description).
GENOTYPE_COVARIATES = {
    **{f"{enzyme.lower()}_pm": (enzyme, "PM", f"1 {enzyme} poor metaboliser, else 0")
       for enzyme in ("CYP2D6", "CYP2C19", "CYP2C9")},
    "oatp1b1_tc": ("OATP1B1", "TC", "1 SLCO1B1 c.521TC (one decreased-function allele, OATP1B1), else 0"),
    "oatp1b1_cc": ("OATP1B1", "CC", "1 SLCO1B1 c.521CC (two decreased-function alleles, OATP1B1), else 0"),
}
#: Candidate covariates from a virtual population's subject table: name, column, unit, description.
POPULATION_COVARIATES = {
    "weight": ("WT", "weight [kg]", "kg", "total body weight"),
    "age": ("AGE", "age [y]", "yr", "postnatal age"),
    "height": ("HT", "height [cm]", "cm", "body height"),
    "sex": ("SEX", "sex", "1", "1 female, 0 male"),
    "gfr": ("GFR", "GFR [mL/min]", "mL/min", "absolute glomerular filtration rate (use CrCL as its surrogate)"),
    "week": ("GA", "gestational week", "week", "gestational week"),
    "pma": ("PMA", "age [y]", "week", "postmenstrual age: 40 weeks of gestation (term births) + postnatal age"),
    **{key: (key.upper(), f"{gene} phenotype", "1", description)
       for key, (gene, _, description) in GENOTYPE_COVARIATES.items()},
}
#: Gestational age of the virtual children at birth (the pediatric populations are term births), weeks.
TERM_WEEKS = 40.0
WEEKS_PER_YEAR = 365.25 / 7
#: Extra design times after each dose (h): the early distribution phase a coarse grid would miss.
EARLY_SAMPLES_H = (1 / 60, 2 / 60, 5 / 60, 10 / 60, 0.25, 1 / 3, 0.5, 0.75, 1.0, 1.5, 2.0)
ALIASES = {"crcl": "gfr", "wt": "weight", "bw": "weight", "ga": "week", "gestational_week": "week"}


def population_covariates(subjects: pd.DataFrame, names: Sequence[str],
                          references: Mapping[str, float] | None = None) -> list[CovariateData]:
    """Candidate covariates named by the user (``weight, age, gfr`` …; ``crcl`` = ``gfr``)."""
    references = dict(references or {})
    candidates = []
    for raw in names:
        key = ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if key not in POPULATION_COVARIATES:
            raise PbpkInputError("priors", "covariates", raw, "one of " + ", ".join(POPULATION_COVARIATES)
                                 + " (crcl means gfr)", did_you_mean(key, POPULATION_COVARIATES))
        name, column, unit, description = POPULATION_COVARIATES[key]
        if column not in subjects:
            raise PbpkInputError("priors", "covariates", raw, f"a covariate this population has ({', '.join(subjects)})")
        values = subjects[column].to_numpy()
        if key == "sex":
            values = (values == "female").astype(float)
        elif key in GENOTYPE_COVARIATES:
            values = (values == GENOTYPE_COVARIATES[key][1]).astype(float)
        elif key == "pma":
            if np.max(values) >= 18:
                raise PbpkInputError("priors", "covariates", raw, "a pediatric population for postmenstrual age "
                                     "(its virtual children are term births)")
            values = TERM_WEEKS + values.astype(float) * WEEKS_PER_YEAR
        else:
            values = values.astype(float)
        candidates.append(CovariateData(name, values, unit, description, references.get(name)))
    return candidates


def design_of(regimen, times: np.ndarray) -> Design:
    """The reduction design of a PBPK regimen: doses in mg (or mg/kg), IV into central, oral into the depot."""
    from pbpk.mipd.solve import Dose as CompartmentDose

    per_kg = {not dose.amount.is_compatible_with("mg") for dose in regimen.doses}
    if len(per_kg) > 1:
        raise PbpkInputError("priors", "dose", "doses in mg and in mg/kg", "one kind of dose in a regimen")
    doses = tuple(CompartmentDose(dose.time.to("h").magnitude,
                                  dose.amount.to("mg/kg" if per_kg == {True} else "mg").magnitude,
                                  "depot" if dose.route == "oral" else "central",
                                  dose.duration.to("h").magnitude if dose.route == "infusion" else 0.0)
                  for dose in regimen.doses)
    return Design(doses, np.asarray(times, dtype=float), per_kg == {True})


def prior_from_pbpk(compound, population: str, *, n: int = 1000, covariates: Sequence[str] = ("weight",),
                    references: Mapping[str, float] | None = None, seed: int = 0, name: str | None = None,
                    progress: Callable[[str, int], Callable[[int], None]] | None = None, regimen=None,
                    simulation: Mapping | None = None, comedication: Sequence = (), start: float = 0.0,
                    **options) -> DerivedPrior:
    """Simulate ``n`` subjects of ``population`` with the PBPK model of ``compound`` and derive a prior.

    ``regimen`` (or ``dose``/``route``/``every``/``doses``/``infusion_time`` in ``simulation``) is the
    design. ``comedication``: perpetrator arms (``pbpk.ddi.dynamic.Arm``, study clock from 0 h) simulated
    with the drug in one coupled model; the drug's regimen then starts at ``start`` (h on that clock) and the
    design is read from its first dose. Other keywords go to ``derive_prior``.
    """
    simulation = dict(simulation or {})
    if comedication and regimen is not None:
        raise PbpkInputError("priors", "regimen", "a Regimen", "dose, route, every, doses and infusion_time in "
                             "simulation with a comedication (the drug's doses start at start)")
    if comedication:
        profiles, design, subjects, provenance, kind = _on_comedication(compound, population, n, simulation,
                                                                        comedication, start, seed)
    else:
        profiles, design, subjects, provenance, kind = _alone(compound, population, n, simulation, regimen, seed,
                                                              progress is not None)
    candidates = population_covariates(subjects, covariates, references)
    label = name or f"{compound.name}-pbpk-{kind}"
    return derive_prior(profiles, design, candidates, name=label, drug=compound.name,
                        title=f"{compound.name}: prior derived from the PBPK population \"{provenance['population']}\""
                              + (f" on {', '.join(provenance['comedication'])}" if comedication else ""),
                        weights=subjects["weight [kg]"].to_numpy(), auc_last=subjects["AUC_last [mg*h/L]"].to_numpy(),
                        provenance={"pbpk": provenance}, progress=progress, seed=seed, **options)


def independent_evidence(model: PopulationModel, compound, population: str, *, n: int, covariates: Sequence[str],
                         seed: int, simulation: Mapping | None = None, regimen=None, comedication: Sequence = (),
                         start: float = 0.0) -> Evidence:
    """A new PBPK population (another ``seed``) under the same design, to assess ``model`` on subjects it was not
    derived from; subjects outside the model's covariate ranges are left out (and counted)."""
    simulation = dict(simulation or {})
    if comedication:
        profiles, design, subjects, _, _ = _on_comedication(compound, population, n, simulation, comedication, start,
                                                            seed)
    else:
        profiles, design, subjects, _, _ = _alone(compound, population, n, simulation, regimen, seed, False)
    values = {c.name: c.values for c in population_covariates(subjects, covariates)}
    inside = np.ones(len(profiles), dtype=bool)
    for covariate in model.covariates:
        if covariate.range is not None:
            low, high = covariate.range
            inside &= (values[covariate.name] >= low) & (values[covariate.name] <= high)
    weights = subjects["weight [kg]"].to_numpy()[inside] if design.per_kg else None
    return Evidence(profiles[inside], design, {k: v[inside] for k, v in values.items()}, weights,
                    f"an independent PBPK population (seed {seed}, {int(inside.sum())} of {len(profiles)} subjects; "
                    f"{int((~inside).sum())} outside the prior's covariate ranges left out)")


def _alone(compound, population: str, n: int, simulation: dict, regimen, seed: int, progress: bool):
    """Profiles, design, subjects and provenance of the drug on its own (``populations.run``)."""
    from pbpk.populations.run import simulate_virtual_population

    if "times" not in simulation:  # the default grid, with samples in the first two hours after each dose
        probe = simulate_virtual_population(compound, population, 1, regimen=regimen, seed=seed, **simulation)
        simulation["times"] = _with_early_samples(probe.times, [d.time.to("h").magnitude for d in probe.regimen.doses])
    result = simulate_virtual_population(compound, population, n, regimen=regimen, seed=seed, keep_profiles=True,
                                         progress=progress, **simulation)
    ok = np.all(np.isfinite(result.profiles), axis=1)
    design = design_of(result.regimen, result.times)
    subjects = result.subjects[ok].reset_index(drop=True)
    return (result.profiles[ok], design, subjects, _provenance(compound, result.spec.text, n, seed, ok, design),
            result.spec.kind)


def _on_comedication(compound, population: str, n: int, simulation: dict, comedication: Sequence, start: float,
                     seed: int):
    """Profiles, design, subjects and provenance of the drug with perpetrators (``ddi.dynamic``), on the drug's
    clock (its first dose at 0 h)."""
    from pbpk.ddi.dynamic import Arm, population_profiles
    from pbpk.populations.spec import parse_population
    from pbpk.simulation.dosing import Dose as RegimenDose
    from pbpk.simulation.dosing import Regimen, regimen_of

    unknown = sorted(set(simulation) - {"dose", "route", "every", "doses", "infusion_time", "until"})
    if unknown:
        raise PbpkInputError("priors", unknown[0], simulation[unknown[0]], "dose, route, every, doses, infusion_time "
                             "or until with a comedication")
    if not (np.isfinite(start) and start >= 0):
        raise PbpkInputError("priors", "start", start, "the drug's first dose time ≥ 0 h on the comedication's clock")
    own = regimen_of(None, {k: v for k, v in simulation.items() if k != "until"}, where="priors")
    shifted = Regimen(tuple(RegimenDose(d.amount, d.route, d.time + Quantity(start, "h"), d.duration)
                            for d in own.doses))
    last = max(d.time.to("h").magnitude for d in own.doses)
    until = _until(simulation.get("until"), last + 48.0)
    grid = _with_early_samples(np.linspace(0.0, until, 241), [d.time.to("h").magnitude for d in own.doses])
    spec = parse_population(population)
    profiles = population_profiles(Arm(compound, shifted), comedication, spec, n, np.concatenate([[0.0], grid + start])
                                   if start > 0 else grid, seed=seed)
    keep = profiles.times >= start - 1e-12
    concentrations, auc = profiles.concentrations[:, keep], profiles.auc[:, keep]
    ok = np.all(np.isfinite(concentrations), axis=1)
    design = design_of(own, grid)
    subjects = profiles.subjects[ok].reset_index(drop=True)
    subjects["AUC_last [mg*h/L]"] = auc[ok, -1] - auc[ok, 0]
    provenance = _provenance(compound, spec.text, n, seed, ok, design)
    provenance["comedication"] = [_arm_text(arm) for arm in comedication]
    provenance["drug_start_h"] = start
    return concentrations[ok], design, subjects, provenance, f"{spec.kind}-comedicated"


def _with_early_samples(grid: np.ndarray, dose_times: Sequence[float]) -> np.ndarray:
    """``grid`` (h) with ``EARLY_SAMPLES_H`` after each dose, inside the grid."""
    early = [start + offset for start in dose_times for offset in EARLY_SAMPLES_H]
    return np.unique(np.concatenate([grid, [t for t in early if t <= grid[-1]]]))


def _until(text: str | None, default: float) -> float:
    """The end of the design in h (``until`` text such as "96 h", or ``default``)."""
    if text is None:
        return default
    return float(parse_quantity(text, "h", where="priors", field="until", example="96 h").to("h").magnitude)


def _provenance(compound, population: str, n: int, seed: int, ok: np.ndarray, design: Design) -> dict:
    return {"compound": compound.name, "population": population, "n": n, "seed": seed,
            "failed_subjects": int((~ok).sum()),
            "doses": [{"time_h": d.time, "amount": d.amount, "per_kg": design.per_kg, "compartment": d.compartment,
                       "duration_h": d.duration} for d in design.doses],
            "design_times_h": {"first": float(design.times[0]), "last": float(design.times[-1]),
                               "count": int(design.times.size)}}


def _arm_text(arm) -> str:
    """A perpetrator arm as text: "rifampicin 600 mg oral, 14 doses every 24 h from 0 h"."""
    doses = arm.regimen.doses
    first = doses[0]
    every = f" every {(doses[1].time - first.time).to('h').magnitude:g} h" if len(doses) > 1 else ""
    return (f"{arm.compound.name} {first.amount:~P} {first.route}, {len(doses)} dose{'s' if len(doses) > 1 else ''}"
            f"{every} from {first.time.to('h').magnitude:g} h")
