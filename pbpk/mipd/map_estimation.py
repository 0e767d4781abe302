"""Maximum a posteriori (MAP, "Bayesian") estimation of one subject's random effects η.

The objective is −2·log of the posterior up to a constant (Kang et al. 2012, Transl Clin
Pharmacol 20:1; mapbayr's ``compute_ofv``; NONMEM's POSTHOC, Beal & Sheiner, NONMEM Users Guide):

    OFV(η) = Σᵢ [log gᵢ² + (yᵢ − fᵢ)²/gᵢ²] + ηᵀΩ⁻¹η

with fᵢ the prediction and gᵢ the residual SD at fᵢ (``ResidualError.sd`` of the sample's analyte); for an exponential
error y and f are replaced by their logarithms. A sample censored below its LLOQ adds
−2·log Φ((LLOQ − f)/g) instead (Beal 2001, J Pharmacokinet Pharmacodyn 28:481, method M3).
The 2π constant is left out, so OFV matches mapbayr, not NONMEM's OBJ.

A prior weight 0 < w ≤ 1 (``prior_weight``) flattens the prior: the prior term becomes ηᵀ(Ω/w)⁻¹η = w·ηᵀΩ⁻¹η,
i.e. Ω inflated by 1/w, as the "flattened prior" of MIPD tools does to let the data weigh more. It enters the
objective, hence the gradient, the reported OFV and the Laplace covariance; w → 0 tends to the maximum-likelihood
η, w = 1 (the default) is the plain MAP estimate.

η is found by BFGS from η = 0 (scipy), restarted from the last point by Nelder–Mead and BFGS again
if it does not converge (BFGS success, or a gradient below ``GRADIENT_TOLERANCE`` when it stops for
loss of precision), with a central-difference gradient whose 2n + 1 points are solved together. Its
covariance is the inverse Hessian of OFV/2 at the mode (Laplace), by central finite differences (all
points in one solve).

Covariates that change within a subject (``Subject.covariates`` per record time) are carried
backward (NOCB) as in NONMEM: the record is cut at the times the covariates change and each piece
is solved with its own parameters (``solve.solve_occasions``), each from the state the previous one
ended in; a sample's concentration uses the central volume of its own record. A dose's F and ALAG
are those of the piece it starts (the next record's covariates), not of its own record as in NONMEM.
A sample at a dose time sees the amount before the dose (``solve``'s trough convention), whatever
the order of the two records.

Steady-state dose records (``Subject.steady_states``, NONMEM Users Guide V "SS data item"): an SS=1 (or 3)
record starts its part of the record at the steady state just before it (``steady_state.steady_state``, with the
parameters of the piece it starts when the covariates change), what earlier records gave being zeroed out; a
sample at its time sees that trough. An SS=2 record adds the steady state's amounts to the state at its time: its
free decay from there is solved on its own and superposed (linear models).

A reset (EVID 3 or 4, ``Subject.resets``; NONMEM Users Guide V and VI, "Reset events") and an SS=1 dose after an
earlier dose cut the record: each part is predicted on its own from a zero state or its steady state (the doses
before the cut dropped, running infusions stopped), a sample at a reset's time in the part before it; a part
without doses is 0.

Each sample is of its own analyte (``Subject.analytes``: the parent, or the metabolite of a model that has one)
and has that analyte's residual error; the likelihood sums over the analytes.

Inter-occasion variability (NONMEM's OCC with κ; ``occasions``): for a model with IOV and a subject with occasions
(``Subject.occasions``) the random effects are one vector [η, κ₁, …, κ_K] (κ_k occasion k's, in ``kappa_names``
order; without IOV or occasions η alone), the prior term is ηᵀΩ⁻¹η + Σ_k κ_kᵀΩ_IOV⁻¹κ_k (both weighted by
``prior_weight``), and the record is also cut at the occasions' starts, each piece with the κ of its occasion (a
sample's volume too). BFGS starts from 0 for the whole vector, whose Laplace covariance is ``joint_covariance``;
``covariance`` is its η block (the marginal of η under the normal approximation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.occasions import (
    effect_count,
    effect_parameters,
    kappa_count,
    occasion_index,
    occasion_pieces,
    prior_precision,
    split_effects,
    time_groups,
)
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import solve, solve_occasions
from pbpk.mipd.steady_state import steady_state

#: Relative step of the finite-difference Hessian (in η, which is on the log scale).
HESSIAN_STEP = 1e-4
#: Relative step of the central-difference gradient given to BFGS (all 2n + 1 points in one solve).
GRADIENT_STEP = 1e-6
#: Largest |∂OFV/∂η| accepted as converged when BFGS stops for loss of precision (its forward-difference
#: gradient is no more precise than this at an OFV of ~100).
GRADIENT_TOLERANCE = 1e-3
#: OFV returned where the prediction or its SD is not positive (a point the optimiser must leave).
PENALTY = 1e10


@dataclass(frozen=True)
class MapEstimate:
    """The mode of η (and κ), the individual parameters there, OFV, and the Laplace covariance of η.

    ``parameters`` as ``individual_parameters`` gives them. ``kappa`` (occasions × κ; no rows without
    IOV or occasions) is the mode of each occasion's κ, ``joint_covariance`` the Laplace covariance of
    ``effects`` = [η, κ₁, …, κ_K] (None without κ); ``covariance`` is its η block.
    """

    subject: str
    eta: np.ndarray
    parameters: dict[str, float | np.ndarray]
    ofv: float
    converged: bool
    covariance: np.ndarray
    predictions: np.ndarray
    message: str = ""
    kappa: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    joint_covariance: np.ndarray | None = None

    @property
    def effects(self) -> np.ndarray:
        """The random-effect vector [η, κ₁, …, κ_K] (``occasions``); η alone without κ."""
        return np.concatenate([self.eta, np.ravel(self.kappa)])

    @property
    def effects_covariance(self) -> np.ndarray:
        """The Laplace covariance of ``effects``: ``joint_covariance``, or ``covariance`` without κ."""
        return self.covariance if self.joint_covariance is None else self.joint_covariance


def predict_subject(model: PopulationModel, subject: Subject, eta: np.ndarray) -> np.ndarray:
    """The subject's concentrations at its sample times, each of its own analyte (in its unit), at one row of random
    effects (η, or [η, κ₁, …, κ_K] with occasions: ``occasions``)."""
    return predict_many(model, subject, np.atleast_2d(np.asarray(eta, dtype=float))[:1])[0]


def predict_many(model: PopulationModel, subject: Subject, etas: np.ndarray) -> np.ndarray:
    """Concentrations at the sample times (rows of ``etas`` × samples, each of its own analyte, in its unit), in one
    solve for every row (a batched gradient or Hessian); a row is η, or [η, κ₁, …, κ_K] for a model with IOV and a
    subject with occasions (``occasions``). See the module docstring for what the record means."""
    etas = np.atleast_2d(np.asarray(etas, dtype=float))
    predictions = np.zeros((len(etas), subject.times.size))
    if needs_cutting(subject):
        for samples, part in reset_parts(subject):
            predictions[:, samples] = predict_many(model, part, etas)
        return predictions
    start = record_start(subject)
    later = subject.times >= start
    if not later.any():
        return predictions
    times = subject.times[later]
    starts, parameters = pieces(model, subject, etas, start)
    states = _solve(model, starts, parameters, subject.doses, times, steady_state_start(model, parameters[0], subject),
                    start)
    for steady in subject.steady_states:
        if steady.added:  # SS=2: the steady state's own decay, superposed
            after = times >= steady.time
            starts_ss, parameters_ss = clip_pieces(starts, parameters, steady.time)
            initial = steady_state(model.structure, parameters_ss[0], steady.dose, steady.interval)
            states[:, after] += _solve(model, starts_ss, parameters_ss, (replace(steady.dose, amount=0.0),),
                                       times[after], initial, steady.time)
    predictions[:, later] = _concentrations(model, subject, etas, states, times, subject.analytes[later],
                                            parameters[0])
    return predictions


def _solve(model: PopulationModel, starts: np.ndarray, parameters: list[dict[str, np.ndarray]], doses,
           times: np.ndarray, initial: np.ndarray | None, start: float) -> np.ndarray:
    """States (rows × times × states) over the covariate pieces, from ``initial`` at ``start`` when given."""
    if len(parameters) == 1:
        return solve(model.structure, parameters[0], doses, times, initial=initial,
                     start=None if initial is None else start).states
    return solve_occasions(model.structure, parameters, starts, doses, times, initial=initial).states


def _concentrations(model: PopulationModel, subject: Subject, etas: np.ndarray, states: np.ndarray,
                    times: np.ndarray, analytes: np.ndarray, constant: dict[str, np.ndarray]) -> np.ndarray:
    """Each sample's concentration of its analyte (rows × samples, analyte unit), with the volumes of ``constant``
    (the structural parameters) or, when the covariates change with time or κ with the occasion, of its own record
    (NOCB) and the occasion holding it."""
    occasions = kappa_count(model, subject)
    if not subject.time_varying and not occasions and np.all(analytes == "parent"):
        central = states[..., model.structure.index("central")]
        volume = np.reshape(constant[model.structure.central_volume], (-1, 1))
        return central / volume * model.concentration_factor("parent")
    result = np.zeros(states.shape[:2])
    records = subject.record_times
    own = (np.minimum(np.searchsorted(records, times, side="left"), records.size - 1) if subject.time_varying
           else np.zeros(times.size, dtype=int))
    eta, kappa = split_effects(model, subject, etas)
    occasion = occasion_index(subject.occasions, times) if occasions else np.zeros(times.size, dtype=int)
    for k, j, at in time_groups(own, occasion):
        volumes = (model.structural(effect_parameters(model, subject.covariates_at(float(records[k])), eta, kappa, j))
                   if subject.time_varying or occasions else constant)
        for analyte, values in model.structure.concentrations(states[:, at], volumes).items():
            mine = analytes[at] == analyte
            result[:, np.flatnonzero(at)[mine]] = values[:, mine] * model.concentration_factor(analyte)
    return result


def pieces(model: PopulationModel, subject: Subject, etas: np.ndarray, start: float = -np.inf
           ) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """Start times and structural parameters (per row of ``etas``) of the pieces over which the covariates are
    constant (``covariate_pieces``), and κ with IOV (``occasions.occasion_pieces``), from ``start`` on (an SS=1
    record's time, or a cut's) when it is finite."""
    if kappa_count(model, subject):
        starts, parameters = occasion_pieces(model, subject, etas, *covariate_pieces(subject))
    elif not subject.time_varying:
        first = min(min((dose.time for dose in subject.doses), default=np.inf), float(np.min(subject.times,
                                                                                            initial=np.inf)))
        return np.array([start if np.isfinite(start) else first]), [model.structural(model.parameters(
            subject.covariates, etas))]
    else:
        starts, inside = covariate_pieces(subject)
        parameters = [model.structural(model.parameters(subject.covariates_at(t), etas),
                                       where=f"covariates at {t:g}") for t in inside]
    return clip_pieces(starts, parameters, start) if np.isfinite(start) else (starts, parameters)


def clip_pieces(starts: np.ndarray, parameters: list, time: float) -> tuple[np.ndarray, list]:
    """The pieces from ``time`` on: the one holding ``time`` starts there, the earlier ones are dropped."""
    keep = starts > time
    holding = max(int(np.searchsorted(starts, time, side="right")) - 1, 0)
    return np.append(time, starts[keep]), [parameters[holding]] + [p for p, k in zip(parameters, keep, strict=True) if k]


def record_start(subject: Subject) -> float:
    """Where the prediction of a record without cuts starts: its SS=1 (or 3) dose's time, else −∞."""
    reset = [steady.time for steady in subject.steady_states if not steady.added]
    return reset[0] if reset else -np.inf


def needs_cutting(subject: Subject) -> bool:
    """A record with a reset, or with an SS=1 (or 3) dose after an earlier dose, is predicted part by part."""
    first = min((dose.time for dose in subject.doses), default=np.inf)
    return bool(subject.resets.size) or any(not s.added and s.time > first for s in subject.steady_states)


def reset_parts(subject: Subject) -> list[tuple[np.ndarray, Subject]]:
    """The parts of a record cut at its resets and SS=1 (or 3) doses that hold a dose and a sample: the mask of their
    samples and the part, without cuts.

    A part runs from a cut (or the start) to the next; it has the doses and steady states at or after its start, and
    every occasion of the record (so that a row of random effects means the same in each part).
    A sample at a reset's time belongs to the part before it, one at an SS dose's time to the part after it (it sees
    the steady-state trough; see the module docstring).
    """
    return [(samples, part) for _, samples, part in _parts(subject) if part.doses and samples.any()]


def last_part(subject: Subject) -> tuple[float, Subject]:
    """The start of the record's last part (−∞ without cuts) and that part: what a forecast continues."""
    if not needs_cutting(subject):
        return -np.inf, subject
    low, _, part = _parts(subject)[-1]
    return low, part


def _parts(subject: Subject) -> list[tuple[float, np.ndarray, Subject]]:
    """Every part of ``reset_parts`` (with or without doses and samples), with its start."""
    cuts = {float(t): "reset" for t in subject.resets}
    cuts.update({steady.time: "steady" for steady in subject.steady_states if not steady.added})
    edges = [(-np.inf, "")] + sorted(cuts.items()) + [(np.inf, "")]
    parts = []
    for (low, low_kind), (high, high_kind) in pairwise(edges):
        doses = tuple(dose for dose in subject.doses if low <= dose.time < high)
        samples = (((subject.times > low) | ((subject.times == low) & (low_kind == "steady")))
                   & ((subject.times < high) | ((subject.times == high) & (high_kind == "reset"))))
        steady = tuple(s for s in subject.steady_states if low <= s.time < high)
        parts.append((low, samples, replace(subject, doses=doses, **subject.samples(samples), steady_states=steady,
                                            resets=np.empty(0))))
    return parts


def steady_state_start(model: PopulationModel, parameters: dict[str, np.ndarray], subject: Subject) -> np.ndarray | None:
    """The state just before the subject's SS=1 (or 3) dose (None without one); a record without cuts has one at most."""
    steady = next((s for s in subject.steady_states if not s.added), None)
    if steady is None:
        return None
    return steady_state(model.structure, parameters, steady.dose, steady.interval)


def covariate_pieces(subject: Subject) -> tuple[np.ndarray, list[float]]:
    """Start times of the pieces over which the covariates are constant, and a time inside each (NOCB).

    Over (tⱼ₋₁, tⱼ] the value on the record at tⱼ holds, so a piece starting at tⱼ₋₁ carries
    record j's values; pieces with equal values are merged.
    """
    times = subject.record_times
    first = min(times[0], min((dose.time for dose in subject.doses), default=np.inf),
                float(np.min(subject.times, initial=np.inf)))
    starts, values = [first], [times[1] if times.size > 1 else times[0]]
    for k in range(1, times.size - 1):
        if subject.covariates_at(times[k + 1]) != subject.covariates_at(values[-1]):
            starts.append(times[k])
            values.append(times[k + 1])
    return np.array(starts), values


def objective(model: PopulationModel, subject: Subject, eta: np.ndarray, *, prior_weight: float = 1.0) -> float:
    """OFV at one row of random effects (η, or [η, κ₁, …, κ_K]): −2·log posterior without the 2π constant, the prior
    weighted by ``prior_weight`` (module docstring)."""
    return float(objectives(model, subject, np.atleast_2d(eta), prior_weight=prior_weight)[0])


def objectives(model: PopulationModel, subject: Subject, etas: np.ndarray, *, prior_weight: float = 1.0) -> np.ndarray:
    """OFV at each row of ``etas``, in one solve (a row with a non-physical parameter is solved on its own and gets
    ``PENALTY``)."""
    _check_prior_weight(prior_weight)
    etas = np.atleast_2d(np.asarray(etas, dtype=float))
    try:
        predictions = predict_many(model, subject, etas)
    except PbpkInputError:
        if len(etas) == 1:
            return np.array([PENALTY])
        return np.concatenate([objectives(model, subject, eta[None], prior_weight=prior_weight) for eta in etas])
    groups = _analyte_groups(subject)
    prior = prior_weight * np.einsum("ij,jk,ik->i", etas, prior_precision(model, subject), etas)
    data = np.array([_ofv(model, subject, groups, f) for f in predictions])
    return np.where(data >= PENALTY, PENALTY, data + prior)


def _check_prior_weight(prior_weight: float) -> None:
    """Refuse a prior weight outside (0, 1] (see the module docstring)."""
    if not 0.0 < prior_weight <= 1.0:
        raise PbpkInputError("prior_weight", "", prior_weight, "a weight 0 < w ≤ 1 (Ω is inflated by 1/w)")


def _analyte_groups(subject: Subject) -> list[tuple[str, np.ndarray | slice]]:
    """Each analyte sampled and the mask of its samples (a slice for a record of one analyte)."""
    analytes = list(dict.fromkeys(subject.analytes.tolist()))
    if len(analytes) == 1:
        return [(analytes[0], slice(None))]
    return [(analyte, subject.analytes == analyte) for analyte in analytes]


def _ofv(model: PopulationModel, subject: Subject, groups: list[tuple[str, np.ndarray | slice]], f: np.ndarray
         ) -> float:
    """The data part of OFV for predictions ``f``: each analyte's samples with its residual error (or ``PENALTY``)."""
    ofv = 0.0
    for analyte, mine in groups:
        ofv += _likelihood(model.errors[analyte], subject.observations[mine], f[mine], subject.lloq[mine],
                           subject.censored[mine])
        if ofv >= PENALTY:
            return PENALTY
    return ofv


def _likelihood(error, y: np.ndarray, f: np.ndarray, lloq: np.ndarray, censored: np.ndarray) -> float:
    """−2·log likelihood of one analyte's samples (observed: normal; censored: M3), or ``PENALTY``."""
    if error.kind == "exponential":
        if np.any(f <= 0):
            return PENALTY
        f, y, lloq = np.log(f), np.log(np.where(censored, 1.0, y)), np.log(np.where(censored, lloq, 1.0))
    g = error.sd(f)
    if not np.all(np.isfinite(f)) or np.any(g <= 0):
        return PENALTY
    observed = ~censored
    value = float(np.sum(np.log(g[observed] ** 2) + ((y[observed] - f[observed]) / g[observed]) ** 2))
    return value - 2.0 * float(np.sum(log_ndtr((lloq[censored] - f[censored]) / g[censored])))


def estimate(model: PopulationModel, subject: Subject, *, gtol: float = 1e-6, prior_weight: float = 1.0) -> MapEstimate:
    """The MAP estimate of η (and of each occasion's κ with IOV) for ``subject``, its prior flattened by
    ``prior_weight`` (see the module docstring)."""
    _check_prior_weight(prior_weight)
    where = f"subject {subject.id}"
    if subject.times.size == 0:
        raise PbpkInputError(where, "observations", "none", "at least one sample")
    for analyte in np.unique(subject.analytes):
        mine = subject.analytes == analyte
        if analyte not in model.errors:
            raise PbpkInputError(where, "analyte", analyte, f"an analyte of {model.name}: {', '.join(model.errors)}")
        if model.errors[analyte].kind == "exponential" and np.any(subject.observations[mine & ~subject.censored] <= 0):
            raise PbpkInputError(where, "observations", f"a {analyte} value ≤ 0",
                                 "positive observations for an exponential (log-scale) error")
    result, covariance = posterior_mode(lambda points: objectives(model, subject, points, prior_weight=prior_weight),
                                        effect_count(model, subject), gtol=gtol)
    eta, kappa = split_effects(model, subject, result.x)
    p = len(model.eta_names)
    return MapEstimate(subject.id, eta[0], individual_parameters(model, subject, result.x), float(result.fun),
                       converged(result), covariance[:p, :p], predict_subject(model, subject, result.x),
                       str(result.message), np.zeros((0, len(model.kappa_names))) if kappa is None else kappa[0],
                       None if kappa is None else covariance)


def posterior_mode(values_at: Callable[[np.ndarray], np.ndarray], n: int, *, gtol: float,
                   gradient_step: float = GRADIENT_STEP, hessian_step: float = HESSIAN_STEP):
    """The minimum of an OFV over η (n values) and its Laplace covariance, the inverse Hessian of OFV/2 (NaN when
    singular); ``values_at`` gives the OFV at each row of a points array, so that the 2n + 1 points of a gradient and
    those of the Hessian are each one call (one batched solve). Steps are relative to max(1, |η|)."""

    def value(eta: np.ndarray) -> float:
        return float(values_at(eta[None])[0])

    def with_gradient(eta: np.ndarray) -> tuple[float, np.ndarray]:
        """OFV and its central-difference gradient (one-sided next to a penalised point)."""
        h = gradient_step * np.maximum(1.0, np.abs(eta))
        steps = np.diag(h)
        values = values_at(np.vstack([eta, eta + steps, eta - steps]))
        up, down = values[1:n + 1], values[n + 1:]
        gradient = np.where((up < PENALTY) & (down < PENALTY), (up - down) / (2 * h),
                            np.where(up < PENALTY, (up - values[0]) / h, (values[0] - down) / h))
        return float(values[0]), np.where(values[0] < PENALTY, gradient, 0.0)

    result = minimize(with_gradient, np.zeros(n), jac=True, method="BFGS", options={"gtol": gtol})
    if not converged(result):
        polished = minimize(value, result.x, method="Nelder-Mead",
                            options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000 * n})
        result = minimize(with_gradient, polished.x, jac=True, method="BFGS", options={"gtol": gtol})
    try:
        covariance = np.linalg.inv(_hessian(values_at, result.x, hessian_step) / 2.0)
    except np.linalg.LinAlgError:
        covariance = np.full((n, n), np.nan)
    return result, covariance


def individual_parameters(model: PopulationModel, subject: Subject, eta: np.ndarray) -> dict[str, float | np.ndarray]:
    """Every name the model's code assigns, at one row of random effects (η, or [η, κ₁, …, κ_K]: ``occasions``).

    One number per name; one per occasion with κ and constant covariates; one per record time when the covariates
    change with time (with the κ of the occasion holding it).
    """
    eta, kappa = split_effects(model, subject, eta)
    if not subject.time_varying and kappa is None:
        return {name: float(np.ravel(value)[0]) for name, value in model.parameters(subject.covariates, eta).items()}
    times = subject.record_times if subject.time_varying else subject.occasions
    occasion = np.zeros(times.size, dtype=int) if kappa is None else occasion_index(subject.occasions, times)
    at = [effect_parameters(model, subject.covariates_at(t), eta, kappa, k) for t, k in zip(times, occasion)]
    return {name: np.array([float(np.ravel(p[name])[0]) for p in at]) for name in at[0]}


def converged(result) -> bool:
    """BFGS converged, or stopped for precision loss with a gradient below ``GRADIENT_TOLERANCE``."""
    return bool(result.success or np.max(np.abs(result.jac)) < GRADIENT_TOLERANCE)


def _hessian(values_at, x: np.ndarray, step: float) -> np.ndarray:
    """Central finite-difference Hessian at ``x`` of the function whose values at rows of points ``values_at``
    gives (all points in one call)."""
    n = x.size
    h = step * np.maximum(1.0, np.abs(x))
    steps = np.diag(h)
    pairs = [(i, j) for i in range(n) for j in range(i)]
    points = [x, *(x + steps), *(x - steps)]
    for i, j in pairs:
        points += [x + steps[i] + steps[j], x + steps[i] - steps[j], x - steps[i] + steps[j], x - steps[i] - steps[j]]
    values = values_at(np.array(points))
    f0, up, down = values[0], values[1:n + 1], values[n + 1:2 * n + 1]
    hessian = np.diag((up - 2.0 * f0 + down) / h**2)
    for k, (i, j) in enumerate(pairs):
        corners = values[2 * n + 1 + 4 * k:2 * n + 5 + 4 * k]
        hessian[i, j] = hessian[j, i] = (corners[0] - corners[1] - corners[2] + corners[3]) / (4 * h[i] * h[j])
    return hessian
