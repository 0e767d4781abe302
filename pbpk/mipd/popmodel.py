"""A population PK model as a value: structure, θ with units, covariates, code, Ω, σ.

The individual parameters of a subject are the model's code evaluated on its θ,
covariates and random effects (η; κ for an occasion), the way NONMEM's ``$PK``
runs; the structure turns them into amounts and concentrations (``mipd.solve``).
Inter-occasion variability follows NONMEM's OCC: ``predict(..., occasions=starts,
kappa=κ)`` cuts each record at the start times of occasions 1..K (the first at or
before the first dose and sample), evaluates the code with κ of occasion k
(subjects × K × effects) from starts[k] on, and solves the pieces in a row, each
from the state the previous one ended in; κ ~ N(0, Ω_IOV), independent between
occasions (``sample_kappa``).
Everything is in the model's own units (``units``: time, amount, volume); each
analyte's concentration unit may differ from amount/volume (e.g. µg/L for a
model dosed in mg and sized in L) and is converted with pint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.core.units import ureg
from pbpk.mipd.expressions import Code
from pbpk.mipd.residual import ResidualError
from pbpk.mipd.solve import Dose, Solution, check_occasions, solve, solve_occasions
from pbpk.mipd.structure import Structure
from pbpk.mipd.variability import Omega

COVARIATE_TYPES = ("continuous", "binary", "categorical")


@dataclass(frozen=True)
class Theta:
    """A fixed effect: value in ``unit`` (text, "1" for dimensionless), with its source."""

    name: str
    value: float
    unit: str = "1"
    fixed: bool = False
    lower: float | None = None
    upper: float | None = None
    source: str = ""
    description: str = ""


@dataclass(frozen=True)
class Covariate:
    """A patient characteristic the code reads; ``levels`` name the codes of a categorical one."""

    name: str
    unit: str = "1"
    type: str = "continuous"
    description: str = ""
    reference: float | None = None
    range: tuple[float, float] | None = None
    levels: Mapping[str, float] | None = None

    def check_values(self, values: np.ndarray, where: str) -> None:
        """Refuse missing values, and values outside the model's range or levels."""
        values = np.asarray(values, dtype=float)
        if np.any(~np.isfinite(values)):
            raise PbpkInputError(where, self.name, "a missing or infinite value", f"{self.description or self.name}"
                                 f" in {self.unit} for every subject")
        if self.type == "binary" and np.any((values != 0) & (values != 1)):
            raise PbpkInputError(where, self.name, sorted(set(values.ravel().tolist()))[:5], "0 or 1")
        if self.levels is not None and np.any(~np.isin(values, list(self.levels.values()))):
            allowed = ", ".join(f"{code:g} ({name})" for name, code in self.levels.items())
            raise PbpkInputError(where, self.name, sorted(set(values.ravel().tolist()))[:5], f"one of {allowed}")
        if self.range is not None:
            low, high = self.range
            outside = values[(values < low) | (values > high)]
            if outside.size:
                raise PbpkInputError(where, self.name, f"{outside.ravel()[0]:g} {self.unit}",
                                     f"a value from {low:g} to {high:g} {self.unit}, the range the model was built on")


@dataclass(frozen=True)
class SupportPoints:
    """A nonparametric prior: parameter sets (points × parameters, model units) with probabilities."""

    parameters: tuple[str, ...]
    values: np.ndarray
    probability: np.ndarray
    source: str = ""


@dataclass(frozen=True)
class PopulationModel:
    """A population PK model; see ``docs/priors-format.md`` for the file that holds one."""

    name: str
    drug: str
    title: str
    source: Mapping[str, str]
    structure: Structure
    units: Mapping[str, str]
    analytes: Mapping[str, str]  # analyte → concentration unit
    covariates: tuple[Covariate, ...]
    thetas: tuple[Theta, ...]
    omega: Omega
    iov: Omega
    code: Code
    errors: Mapping[str, ResidualError]
    notes: tuple[str, ...] = ()
    derived_from: Mapping | None = None
    support_points: SupportPoints | None = None

    # ---- names --------------------------------------------------------------------------------
    @property
    def theta_values(self) -> dict[str, float]:
        return {theta.name: theta.value for theta in self.thetas}

    @property
    def eta_names(self) -> tuple[str, ...]:
        return self.omega.names

    @property
    def kappa_names(self) -> tuple[str, ...]:
        return self.iov.names

    @property
    def covariate_names(self) -> tuple[str, ...]:
        return tuple(covariate.name for covariate in self.covariates)

    def covariate(self, name: str) -> Covariate:
        return next(covariate for covariate in self.covariates if covariate.name == name)

    def concentration_factor(self, analyte: str) -> float:
        """Multiplier from amount/volume (model units) to the analyte's concentration unit."""
        return _concentration_factor(self.units["amount"], self.units["volume"], self.analytes[analyte])

    # ---- individual parameters ----------------------------------------------------------------
    def parameters(self, covariates: Mapping[str, np.ndarray | float], eta: np.ndarray | None = None,
                   kappa: np.ndarray | None = None, *, thetas: Mapping[str, float] | None = None,
                   where: str = "covariates") -> dict[str, np.ndarray]:
        """Every name the code assigns, per subject; η (subjects × effects) and κ default to 0."""
        values: dict[str, np.ndarray | float] = dict(self.theta_values if thetas is None else thetas)
        missing = [name for name in self.covariate_names if name not in covariates]
        if missing:
            raise PbpkInputError(where, missing[0], None, f"a value for every covariate of {self.name}: "
                                 + ", ".join(f"{c.name} ({c.unit})" for c in self.covariates))
        for name, value in covariates.items():
            if name not in self.covariate_names:
                raise PbpkInputError(where, name, value, f"a covariate of {self.name}: "
                                     + (", ".join(self.covariate_names) or "it has none"))
            self.covariate(name).check_values(np.asarray(value), where)
            values[name] = np.asarray(value, dtype=float)
        for field, names, effects in (("eta", self.eta_names, eta), ("kappa", self.kappa_names, kappa)):
            effects = np.zeros((1, len(names))) if effects is None else np.atleast_2d(np.asarray(effects, float))
            if effects.shape[1] != len(names):
                raise PbpkInputError(where, field, effects.shape,
                                     f"{len(names)} effects per subject ({', '.join(names)})")
            values.update({name: effects[:, k] for k, name in enumerate(names)})
        return self.code.evaluate(values)

    def structural(self, parameters: Mapping[str, np.ndarray], where: str = "parameters") -> dict[str, np.ndarray]:
        """The structure's parameters from the code's results, checked to be positive and finite."""
        names = self.structure.required + tuple(name for name in self.structure.optional if name in parameters)
        result = {name: parameters[name] for name in names}
        for name, value in result.items():
            may_be_zero = name in ("ALAG", "FPM") or (name == "CL" and not self.structure.linear)
            bad = ~np.isfinite(value) | ((value < 0) if may_be_zero else (value <= 0))
            if np.any(bad):
                raise PbpkInputError(where, name, f"{np.asarray(value)[np.nonzero(bad)][0]:g}",
                                     f"a positive, finite {name} from {self.name}'s code for every subject",
                                     "check the covariate values and the code")
        return result

    # ---- predictions --------------------------------------------------------------------------
    def predict(self, doses: Sequence[Dose], times: Sequence[float], covariates: Mapping[str, np.ndarray | float],
                eta: np.ndarray | None = None, *, kappa: np.ndarray | None = None,
                occasions: Sequence[float] | None = None, amount_scale: np.ndarray | None = None,
                at_dose_time: str = "before") -> Prediction:
        """Concentrations of every analyte (subjects × times, in its unit) for the given doses.

        ``occasions``: start times of occasions 1..K (model time unit); ``kappa`` their effects,
        subjects × K × κ or K × κ for every subject (0 when not given). Without occasions κ = 0.
        """
        if occasions is None:
            if kappa is not None:
                raise PbpkInputError("kappa", "", np.shape(kappa), "no kappa without occasions",
                                     "give the start time of each occasion as occasions")
            parameters = self.structural(self.parameters(covariates, eta))
            solution = solve(self.structure, parameters, doses, times, amount_scale=amount_scale,
                             at_dose_time=at_dose_time)
            return Prediction(self, solution, parameters)
        starts = check_occasions(occasions, doses, times)
        effects = self._occasion_effects(kappa, starts.size, eta)
        per_occasion = [self.structural(self.parameters(covariates, eta, effects[:, k]), where=f"occasion {k + 1}")
                        for k in range(starts.size)]
        solution = solve_occasions(self.structure, per_occasion, starts, doses, times, amount_scale=amount_scale,
                                   at_dose_time=at_dose_time)
        n = solution.states.shape[0]
        stacked = {name: np.stack([np.broadcast_to(p[name], (n,)) for p in per_occasion], axis=1)
                   for name in per_occasion[0]}
        return Prediction(self, solution, stacked)

    def _occasion_effects(self, kappa: np.ndarray | None, count: int, eta: np.ndarray | None) -> np.ndarray:
        """κ as subjects (or 1) × occasions × effects, checked against the model and the occasions."""
        names = self.kappa_names
        if kappa is None:
            return np.zeros((1, count, len(names)))
        kappa = np.asarray(kappa, dtype=float)
        if kappa.size and not names:
            raise PbpkInputError("kappa", "", kappa.shape, "no kappa",
                                 f"{self.name} has no inter-occasion variability (no iov blocks)")
        kappa = kappa[None] if kappa.ndim == 2 else kappa
        if kappa.ndim != 3 or kappa.shape[1:] != (count, len(names)):
            raise PbpkInputError("kappa", "", np.shape(kappa), f"subjects × {count} occasions × {len(names)} effects"
                                 f" ({', '.join(names)}), or {count} × {len(names)} for every subject")
        subjects = 1 if eta is None else np.atleast_2d(eta).shape[0]
        if subjects != 1 and kappa.shape[0] not in (1, subjects):
            raise PbpkInputError("kappa", "", kappa.shape, f"{subjects} subjects, as eta has")
        return kappa

    def sample_eta(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.omega.sample(n, rng)

    def sample_kappa(self, n: int, occasions: int | Sequence[float], rng: np.random.Generator) -> np.ndarray:
        """κ (n × occasions × effects) from N(0, Ω_IOV), independent between subjects and occasions.

        ``occasions`` is their number or their start times.
        """
        count = int(occasions) if np.ndim(occasions) == 0 else len(occasions)
        return self.iov.sample(n * count, rng).reshape(n, count, len(self.kappa_names))


@lru_cache(maxsize=256)
def _concentration_factor(amount: str, volume: str, unit: str) -> float:
    """amount/volume → ``unit`` (pint; cached: a MAP fit asks for it at every evaluation)."""
    return float(ureg.Quantity(1.0, f"({amount})/({volume})").to(unit).magnitude)


@dataclass(frozen=True)
class Prediction:
    """Concentrations (subjects × times) in each analyte's unit, and the parameters used.

    ``parameters`` are per subject, or subjects × occasions for a prediction with occasions.
    """

    model: PopulationModel
    solution: Solution
    parameters: Mapping[str, np.ndarray]

    @property
    def times(self) -> np.ndarray:
        return self.solution.times

    def concentration(self, analyte: str = "parent") -> np.ndarray:
        return self.solution.concentrations[analyte] * self.model.concentration_factor(analyte)

    def auc(self, analyte: str = "parent") -> np.ndarray:
        """Cumulative AUC from the first dose (concentration unit × time unit), exact."""
        return self.solution.auc(analyte) * self.model.concentration_factor(analyte)
