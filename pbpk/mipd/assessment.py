"""How good is a derived prior: reduction error, NPDE and VPC against its PBPK population, published models.

The "observations" are the PBPK population's profiles with the assay error the prior's
σ includes (as recorded in the prior; drawn once, seeded), so a prior that describes the population gives npde
that are N(0, 1) and a VPC whose bands hold the population's percentiles. NPDE use
``samples`` times spread over the design after the first dose (each subject's vector is
decorrelated, so a handful of informative times is the clinical case); the VPC uses
every design time. The comparison evaluates every model at one reference patient
(``REFERENCE_PATIENT``): typical CL, its local elasticity to CrCL (the exponent of a
power model; slope·CrCL/CL of a linear one), the central volume, the volume at steady
state, and the SD of ln CL and ln V1 over η (the IIV, whatever the η structure). A prior
whose population does not hold that patient (neonates, say) gets no comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.individual_fits import Design
from pbpk.mipd.npde import NPDE, npde
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.priors import AssayError, DerivedPrior, Evidence
from pbpk.mipd.vpc import VPC, vpc

#: The patient every model is compared at, by the covariate names models use for each quantity.
REFERENCE_PATIENT = {"crcl": 100.0, "weight": 70.0, "age": 50.0, "height": 170.0, "male": 0.0, "dialysis": 0.0}
_COVARIATE_QUANTITY = {"CLCREAT": "crcl", "CRCL": "crcl", "GFR": "crcl", "WT": "weight", "BW": "weight", "AGE": "age",
                       "HT": "height", "SEX": "male", "DIAL": "dialysis"}
ETA_DRAWS = 20000


@dataclass(frozen=True)
class Assessment:
    """A derived prior with its NPDE, VPC and the comparison with published models of the drug."""

    prior: DerivedPrior
    npde: NPDE
    vpc: VPC
    comparison: pd.DataFrame
    assay: AssayError
    assessed_on: str  # which PBPK subjects the NPDE and VPC use
    skipped: tuple[str, ...]  # published models not compared, with the reason

    def parameters(self) -> pd.DataFrame:
        """θ with units and how each was derived."""
        return pd.DataFrame([{"theta": t.name, "value": t.value, "unit": t.unit, "source": t.source}
                             for t in self.prior.model.thetas])

    def variability(self) -> pd.DataFrame:
        """ω² of each η with its CV % (√(e^ω² − 1)), and the residual error."""
        model = self.prior.model
        rows = [{"term": name, "variance": value, "CV %": 100 * np.sqrt(np.expm1(value))}
                for name, value in model.omega.variances.items()]
        error = model.errors["parent"]
        rows.append({"term": "σ proportional (SD)", "variance": error.proportional_sd**2,
                     "CV %": 100 * error.proportional_sd})
        if error.additive_sd > 0:
            rows.append({"term": f"σ additive (SD, {model.analytes['parent']})", "variance": error.additive_sd**2,
                         "CV %": np.nan})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """The report as plain data (JSON)."""
        return {"model": self.prior.model.name, "structure": self.prior.model.derived_from["reduction"]["structure"],
                "reduction": self.prior.fits.summary().to_dict("records"),
                "bic": self.prior.model.derived_from["reduction"]["bic"],
                "covariates_entered": self.prior.model.derived_from["covariates_entered"],
                "parameters": self.parameters().to_dict("records"),
                "variability": self.variability().replace({np.nan: None}).to_dict("records"),
                "npde": {**self.npde.tests(), "times_h": self.npde.times[np.any(np.isfinite(self.npde.values), 0)]
                         .tolist(), "replicates": self.npde.replicates},
                "vpc_outside_band": dict(zip(("P5", "P50", "P95"), self.vpc.outside().round(3).tolist(),
                                             strict=True)),
                "assessed_on": self.assessed_on,
                "comparison": self.comparison.replace({np.nan: None}).to_dict("records"), "not_compared": list(self.skipped)}

    def text(self) -> str:
        """The report as text tables with units."""
        model = self.prior.model
        record = model.derived_from
        bic = ", ".join(f"{k} cmt {v:.1f}" for k, v in record["reduction"]["bic"].items())
        lines = [f"{model.title}", f"  structure: {record['reduction']['structure']} (BIC {bic})",
                 f"  covariates entered: {', '.join(record['covariates_entered']) or 'none'}", "",
                 "Reduction error per subject (fit / PBPK)"]
        lines += _table(self.prior.fits.summary(), {"P5": ".4g", "median": ".4g", "P95": ".4g", "within 10 %": ".1%",
                                                    "within 20 %": ".1%"})
        lines += ["", "Typical values and covariate effects"]
        lines += _table(self.parameters()[["theta", "value", "unit"]], {"value": ".5g"})
        lines += ["", "Variability"]
        lines += _table(self.variability(), {"variance": ".4g", "CV %": ".1f"})
        tests = self.npde.tests()
        heading = (f"NPDE under the prior of {self.assessed_on} ({tests['n']} values, {self.npde.replicates} "
                   "simulations per subject; assay error added to the PBPK profiles)")
        result = (f"  mean {tests['mean']:.3f} (p {tests['p_mean']:.3g}), variance {tests['variance']:.3f} "
                  f"(p {tests['p_variance']:.3g}), normality p {tests['p_normality']:.3g}, "
                  f"global p {tests['p_global']:.3g}")
        outside = self.vpc.outside()
        band = (f"VPC: observed P5, P50, P95 outside the prior's 90 % band at {outside[0]:.0%}, {outside[1]:.0%}, "
                f"{outside[2]:.0%} of the design times")
        lines += ["", heading, result, band]
        if len(self.comparison):
            lines += ["", f"At the reference patient ({_patient_text()}): derived prior and published models"]
            lines += _table(self.comparison, {column: ".3g" for column in self.comparison.columns
                                              if column not in ("model", "source")})
        lines += [f"  not compared: {reason}" for reason in self.skipped]
        return "\n".join(lines)

    def plot(self, path: str | None = None):
        return self.vpc.plot(path, title=f"{self.prior.model.drug}: {self.prior.model.derived_from['pbpk']['population']}"
                             if "pbpk" in self.prior.model.derived_from else self.prior.model.name, npde=self.npde)


def assess(derived: DerivedPrior, *, evidence: Evidence | None = None, samples: int = 10, replicates: int = 500,
           vpc_replicates: int = 100, published: Sequence[PopulationModel] = (), seed: int = 0,
           progress: Callable[[int], None] | None = None) -> Assessment:
    """NPDE, VPC and the comparison with ``published`` models for a prior derived from PBPK profiles.

    ``evidence``: the PBPK profiles to assess against (``priors.independent_evidence``: subjects the prior was
    not derived from, as Maharaj et al. 2020 use independent data); by default the prior's own subjects. The
    assay error added to the profiles is the one the prior was derived with (``derived_from``).
    """
    evidence = evidence or derived.evidence
    model = derived.model
    recorded = model.derived_from["assay_error"]
    assay = AssayError(recorded["proportional_sd"], recorded["additive_sd_mg_per_L"])
    rng = np.random.default_rng(seed)
    sd = np.sqrt(assay.additive**2 + (assay.proportional * evidence.profiles) ** 2)
    observations = evidence.profiles + sd * rng.standard_normal(evidence.profiles.shape)
    covariates = {name: evidence.covariates[name] for name in model.covariate_names}
    chosen = _sample_times(evidence.design, evidence.profiles, samples)
    sparse = np.where(chosen[None, :], observations, np.nan)
    npde_result = npde(model, sparse, evidence.design, covariates, amount_scale=evidence.amount_scale,
                       replicates=replicates, seed=seed + 1, at_dose_time="after", progress=progress)
    vpc_result = vpc(model, observations, evidence.design, covariates, amount_scale=evidence.amount_scale,
                     replicates=vpc_replicates, seed=seed + 2, at_dose_time="after")
    if _patient(model) is None:
        comparison = pd.DataFrame()
        skipped = tuple(f"{m.name}: the reference patient is outside this prior's covariate ranges"
                        for m in published)
    else:
        comparison = compare([model, *published])
        shown = set(comparison["model"]) if len(comparison) else set()
        skipped = tuple(f"{m.name}: {_why_not(m)}" for m in published if m.name not in shown)
    return Assessment(derived, npde_result, vpc_result, comparison, assay, evidence.description, skipped)


def compare(models: Sequence[PopulationModel]) -> pd.DataFrame:
    """Typical CL, its CrCL elasticity, V1, Vss and the IIV of CL and V1 of each model at the reference patient."""
    rows = []
    for model in models:
        patient = _patient(model)
        if patient is None or "CL" not in model.code.assigned:
            continue
        typical = model.structural(model.parameters(patient))
        crcl = [name for name in model.covariate_names if _COVARIATE_QUANTITY.get(name) == "crcl"]
        elasticity = np.nan
        if crcl:
            step = 1e-4
            shifted = model.parameters({**patient, crcl[0]: patient[crcl[0]] * (1 + step)})
            elasticity = _first(np.log(shifted["CL"] / typical["CL"])) / np.log1p(step)
        central = model.structure.central_volume
        volumes = [name for name in ("V", "V1", "V2", "V3") if name in typical]
        draws = model.sample_eta(ETA_DRAWS, np.random.default_rng(0))
        varied = model.parameters({k: np.full(ETA_DRAWS, v) for k, v in patient.items()}, draws)
        rows.append({"model": model.name, "source": _source_label(model),
                     "CL [L/h]": _first(typical["CL"]), "CL elasticity to CrCL": elasticity,
                     "V1 [L]": _first(typical[central]), "Vss [L]": sum(_first(typical[v]) for v in volumes),
                     "IIV CL (SD ln)": float(np.std(np.log(varied["CL"]))),
                     "IIV V1 (SD ln)": float(np.std(np.log(varied[central])))})
    return pd.DataFrame(rows)


def _why_not(model: PopulationModel) -> str:
    """Why ``compare`` leaves a model out."""
    unknown = [name for name in model.covariate_names if name not in _COVARIATE_QUANTITY]
    if unknown:
        return f"reads covariates the reference patient has no value for ({', '.join(unknown)})"
    if "CL" not in model.code.assigned:
        return "has no CL"
    if not _male_is_zero(model):
        return "does not say how SEX is coded (the reference patient is male, SEX = 0 when 1 is female)"
    return "the reference patient is outside its covariate ranges"


def _male_is_zero(model: PopulationModel) -> bool:
    """A model without SEX, or whose SEX is described as 1 for female (as the derived priors write it)."""
    return "SEX" not in model.covariate_names or "1 female" in model.covariate("SEX").description


def _first(values: np.ndarray | float) -> float:
    """The first subject's value (a parameter without covariates or η evaluates to a scalar)."""
    return float(np.ravel(values)[0])


def _patient(model: PopulationModel) -> dict[str, float] | None:
    """The reference patient in the model's covariate names; None when the model reads another covariate or the
    patient lies outside the range a covariate was built on (an adult is no patient of a neonates' prior)."""
    if any(name not in _COVARIATE_QUANTITY for name in model.covariate_names) or not _male_is_zero(model):
        return None
    patient = {name: REFERENCE_PATIENT[_COVARIATE_QUANTITY[name]] for name in model.covariate_names}
    for name, value in patient.items():
        limits = model.covariate(name).range
        if limits is not None and not limits[0] <= value <= limits[1]:
            return None
    return patient


def _source_label(model: PopulationModel) -> str:
    """"PBPK: <population>" for a derived prior, "<first author> <year>" for a publication."""
    if model.derived_from and "pbpk" in model.derived_from:
        return f"PBPK: {model.derived_from['pbpk']['population']}"
    author = model.source["reference"].split(",")[0].split()[0]
    return f"{author} {model.source.get('year', '')}".strip() if model.source["type"] == "publication" else \
        model.source["type"]


def _patient_text() -> str:
    p = REFERENCE_PATIENT
    return (f"CrCL (or GFR) {p['crcl']:g} mL/min, {p['weight']:g} kg, {p['age']:g} y, {p['height']:g} cm, male, "
            "no dialysis")


def _sample_times(design: Design, profiles: np.ndarray, count: int) -> np.ndarray:
    """``count`` design times spread evenly in time after the first dose, where 95 % of the profiles are positive."""
    first = min(dose.time for dose in design.doses)
    usable = (design.times > first) & (np.quantile(profiles, 0.05, axis=0) > 0)
    candidates = np.flatnonzero(usable)
    if candidates.size == 0:
        raise PbpkInputError("assessment", "design.times", f"{design.times.size} times",
                             "sample times after the first dose at which the profiles are positive")
    targets = np.linspace(design.times[candidates[0]], design.times[candidates[-1]], count)
    picked = np.unique([candidates[np.argmin(np.abs(design.times[candidates] - t))] for t in targets])
    mask = np.zeros(design.times.size, dtype=bool)
    mask[picked] = True
    return mask


def _table(frame: pd.DataFrame, formats: Mapping[str, str]) -> list[str]:
    """A DataFrame as aligned text rows, numbers in the given formats."""
    cells = [[str(column) for column in frame.columns]]
    for row in frame.itertuples(index=False):
        cells.append([("—" if isinstance(v, float) and np.isnan(v) else format(v, formats[c])) if c in formats
                      else str(v) for c, v in zip(frame.columns, row, strict=True)])
    widths = [max(len(row[k]) for row in cells) for k in range(len(cells[0]))]
    return ["  " + "  ".join(cell.rjust(w) if k else cell.ljust(w) for k, (cell, w) in enumerate(zip(row, widths,
                                                                                                    strict=True)))
            for row in cells]
