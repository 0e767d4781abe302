"""MAP individualisation of the PBPK model itself: a patient's physiology factors from TDM samples.

A prior (:class:`PbpkPrior`) names a few factors, each multiplying the model parameters it selects by
their :mod:`pbpk.model.metadata` record (kind and organ/enzyme/route): a CYP's hepatic Vmax/CLint, GFR,
all tissue Kp. Factor k is exp(ηₖ) with ηₖ ~ N(0, ωₖ²) independently, around the patient's own
PBPK prediction — so a patient built with DDI, pregnancy or CKD physiology is updated on that full
physiology, not on a compartmental surrogate. As :mod:`pbpk.mipd.map_estimation` (NONMEM POSTHOC,
Beal & Sheiner, NONMEM Users Guide; Kang et al. 2012, Transl Clin Pharmacol 20:1; mapbayr's OFV)
the objective is −2·log posterior without the 2π constant,

    OFV(η) = Σᵢ [log gᵢ² + (yᵢ − fᵢ)²/gᵢ²] + Σₖ ηₖ²/ωₖ²,   gᵢ² = a² + b²fᵢ²

with fᵢ the plasma concentration (mg/L) and the NONMEM combined error Y = F + F·ε₁ + ε₂ (b the
proportional SD, a the additive SD in mg/L).

The model is built and compiled once (:func:`pbpk.simulation.simulate.model_for`,
:func:`pbpk.engine.codegen.compile_model`); an evaluation only multiplies the selected entries of the
parameter vector and calls :func:`pbpk.engine.solve.solve_many` — with one row per point, so OFV and
its central-difference gradient (2K + 1 points) are one batched solve, as are the points of the
Hessian. η is found by BFGS from η = 0 (scipy), restarted from the last point by Nelder–Mead and BFGS
if it does not converge (as ``map_estimation``); its covariance is the inverse Hessian of OFV/2 at the
mode (Laplace) and the 90 % interval of factor k is exp(η̂ₖ ± z₀.₉₅·√Cₖₖ).

Derived quantities computed outside the parameter vector are not re-derived: scaling an enzyme's Vmax
leaves the oral Fg (computed from the gut CLint when the table is built) as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Unpack

import numpy as np
from scipy.stats import norm

from pbpk.compound import Compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import mg_per_umol
from pbpk.engine.codegen import compile_model
from pbpk.engine.solve import Schedules, SolveOptions, solve_many
from pbpk.mipd.map_estimation import PENALTY, converged, posterior_mode
from pbpk.model.parameters import parameter_table, to_vector
from pbpk.model.symbolic import SymbolicModel
from pbpk.model.topology import Kinetics
from pbpk.physiology import Individual
from pbpk.simulation.dosing import DosingOptions, Regimen, regimen_of, schedule
from pbpk.simulation.simulate import (
    model_for,
    require_absorption,
    require_single_compound_model,
)

#: Step in η of the central-difference gradient and Hessian (η is on the log scale).
STEP = 1e-4
#: Two-sided probability of the reported intervals.
INTERVAL = 0.90


@dataclass(frozen=True)
class Factor:
    """One individualised factor exp(η), η ~ N(0, ω²), multiplying every model parameter of one of
    ``kinds`` that also matches the given ``organ``/``enzyme``/``route`` (None: any)."""

    name: str
    kinds: tuple[str, ...]
    omega: float
    organ: str | None = None
    enzyme: str | None = None
    route: str | None = None

    @classmethod
    def gfr(cls, omega: float) -> Factor:
        """Glomerular filtration rate."""
        return cls("GFR", ("filtration",), omega)

    @classmethod
    def clint(cls, enzyme: str, omega: float) -> Factor:
        """Hepatic intrinsic clearance of one enzyme's pathways (CLint, or Vmax of a saturable pathway)."""
        return cls(f"CLint {enzyme}", ("intrinsic_clearance", "vmax"), omega, enzyme=enzyme)

    @classmethod
    def kp(cls, omega: float) -> Factor:
        """One scale of the tissue:plasma partition coefficients of all tissues."""
        return cls("Kp", ("partition",), omega)

    def columns(self, model: SymbolicModel) -> list[int]:
        """Positions in the parameter vector of the parameters this factor multiplies."""
        belongs = {key: value for key, value in
                   (("organ", self.organ), ("enzyme", self.enzyme), ("route", self.route)) if value is not None}
        found = sorted(i for kind in self.kinds for i in model.parameters_of(kind, **belongs))
        if not found:
            raise PbpkInputError("prior", self.name, None,
                                 f"a factor selecting at least one parameter of model {model.name}")
        return found


@dataclass(frozen=True)
class PbpkPrior:
    """The individualised factors and the residual error (``proportional`` SD, ``additive`` SD in mg/L)."""

    factors: tuple[Factor, ...]
    proportional: float
    additive: float

    def __post_init__(self) -> None:
        if not self.factors:
            raise PbpkInputError("prior", "factors", "none", "at least one factor")
        for factor in self.factors:
            if not (np.isfinite(factor.omega) and factor.omega > 0):
                raise PbpkInputError("prior", f"{factor.name}.omega", factor.omega, "a positive log-SD")
        if self.proportional < 0 or self.additive < 0 or self.proportional + self.additive == 0:
            raise PbpkInputError("prior", "residual error", (self.proportional, self.additive),
                                 "non-negative SDs, not both zero")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(factor.name for factor in self.factors)

    @property
    def omega(self) -> np.ndarray:
        return np.array([factor.omega for factor in self.factors])


@dataclass(frozen=True)
class PbpkProblem:
    """One patient's compiled model, parameter vector, dosing and sample times, ready for many η."""

    model: SymbolicModel
    prior: PbpkPrior
    kernel: object
    vector: np.ndarray
    selected: tuple[np.ndarray, ...]  # per factor, the vector positions it multiplies
    plan: object
    grid: np.ndarray
    samples: np.ndarray  # positions of the sample times in the grid
    to_mg: float  # mg per µmol
    options: SolveOptions

    def vectors(self, etas: np.ndarray) -> np.ndarray:
        """Parameter rows (points × p) with the selected entries multiplied by exp(η)."""
        etas = np.atleast_2d(np.asarray(etas, dtype=float))
        rows = np.repeat(self.vector[None], etas.shape[0], axis=0)
        for k, columns in enumerate(self.selected):
            rows[:, columns] *= np.exp(etas[:, k])[:, None]
        return rows

    def predict(self, etas: np.ndarray) -> np.ndarray:
        """Plasma concentrations (mg/L) at the sample times, one row per η (NaN where the solve failed)."""
        rows = self.vectors(etas)
        plan = self.plan
        dosing = Schedules(plan.times, np.repeat(plan.bolus[None], len(rows), 0),
                           np.repeat(plan.rate[None], len(rows), 0), np.repeat(plan.scale[None], len(rows), 0))
        solved = solve_many(self.kernel, rows, dosing, self.grid, self.options, states=(), outputs=("C_plasma",))
        concentrations = solved.output("C_plasma")[:, self.samples] * self.to_mg
        concentrations[~solved.ok] = np.nan
        return concentrations


def pbpk_problem(compound: Compound, individual: Individual, sample_times: np.ndarray, prior: PbpkPrior, *,
                 regimen: Regimen | None = None, kinetics: Kinetics = "michaelis_menten",
                 partition_method: str | None = None, rtol: float = 1e-8,
                 **dosing: Unpack[DosingOptions]) -> PbpkProblem:
    """Build and compile the model once, with the patient's parameter vector, dosing and sample times (h)."""
    times = np.asarray(sample_times, dtype=float)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) <= 0) or times[0] <= 0:
        raise PbpkInputError("fit_pbpk", "sample_times", "array", "increasing sample times > 0 h")
    regimen = regimen_of(regimen, dosing, where="fit_pbpk")
    require_absorption(compound, regimen)
    require_single_compound_model(compound, "fit_pbpk")
    model = model_for(compound, individual, kinetics=kinetics)
    table = parameter_table(model, compound, individual, partition_method=partition_method)
    plan = schedule(regimen, {r: model.state_index(s) for r, s in model.dose_targets.items()}, len(model.states),
                    molecular_weight=compound.molecular_weight.value, body_weight=individual.body_weight)
    grid = np.concatenate([[0.0], times])
    selected = tuple(np.array(factor.columns(model)) for factor in prior.factors)
    return PbpkProblem(model, prior, compile_model(model, "numba"), to_vector(model, table.values), selected, plan,
                       grid, np.arange(1, grid.size), mg_per_umol(compound.molecular_weight.value),
                       SolveOptions("auto", rtol))


def objective(problem: PbpkProblem, observations: np.ndarray, etas: np.ndarray) -> np.ndarray:
    """OFV at each row of ``etas`` (see the module docstring); ``PENALTY`` where the solve failed."""
    etas = np.atleast_2d(np.asarray(etas, dtype=float))
    f = problem.predict(etas)
    prior = problem.prior
    variance = prior.additive ** 2 + (prior.proportional * f) ** 2
    ofv = np.sum(np.log(variance) + (observations[None] - f) ** 2 / variance, axis=1)
    ofv += np.sum((etas / prior.omega) ** 2, axis=1)
    return np.where(np.isfinite(ofv) & np.all(variance > 0, axis=1), ofv, PENALTY)


@dataclass(frozen=True)
class PbpkMapEstimate:
    """The mode of η, its factors exp(η), OFV, the Laplace covariance of η and 90 % intervals of the factors."""

    names: tuple[str, ...]
    eta: np.ndarray
    factors: np.ndarray
    ofv: float
    covariance: np.ndarray
    lower: np.ndarray  # 5th percentile of each factor
    upper: np.ndarray  # 95th percentile of each factor
    predictions: np.ndarray  # mg/L at the sample times
    converged: bool
    message: str = ""

    def interval(self, name: str) -> tuple[float, float]:
        """The 90 % interval of one factor."""
        k = self.names.index(name)
        return float(self.lower[k]), float(self.upper[k])


def fit_pbpk(compound: Compound, individual: Individual, sample_times: np.ndarray, observations: np.ndarray,
             prior: PbpkPrior, *, regimen: Regimen | None = None, kinetics: Kinetics = "michaelis_menten",
             partition_method: str | None = None, **dosing: Unpack[DosingOptions]) -> PbpkMapEstimate:
    """The MAP estimate of the prior's factors for one patient from plasma samples (mg/L at ``sample_times``, h).

    Give ``regimen`` or dosing keywords as for :func:`pbpk.simulation.simulate.simulate`.
    """
    problem = pbpk_problem(compound, individual, sample_times, prior, regimen=regimen, kinetics=kinetics,
                           partition_method=partition_method, **dosing)
    return estimate(problem, observations)


def estimate(problem: PbpkProblem, observations: np.ndarray, *, gtol: float = 1e-5) -> PbpkMapEstimate:
    """The MAP estimate on a prepared problem (BFGS, restarts and Laplace covariance: the module docstring)."""
    y = np.asarray(observations, dtype=float)
    if y.shape != (problem.samples.size,) or not np.all(np.isfinite(y)):
        raise PbpkInputError("fit_pbpk", "observations", y.shape, f"{problem.samples.size} finite concentrations")
    result, covariance = posterior_mode(lambda points: objective(problem, y, points), len(problem.prior.factors),
                                        gtol=gtol, gradient_step=STEP, hessian_step=STEP)
    eta = result.x
    half = norm.ppf(0.5 + INTERVAL / 2) * np.sqrt(np.diag(covariance))
    return PbpkMapEstimate(problem.prior.names, eta, np.exp(eta), float(result.fun), covariance, np.exp(eta - half),
                           np.exp(eta + half), problem.predict(eta)[0], converged(result), str(result.message))
