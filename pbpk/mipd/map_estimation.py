"""Maximum a posteriori (MAP, "Bayesian") estimation of one subject's random effects η.

The objective is −2·log of the posterior up to a constant (Kang et al. 2012, Transl Clin
Pharmacol 20:1; mapbayr's ``compute_ofv``; NONMEM's POSTHOC, Beal & Sheiner, NONMEM Users Guide):

    OFV(η) = Σᵢ [log gᵢ² + (yᵢ − fᵢ)²/gᵢ²] + ηᵀΩ⁻¹η

with fᵢ the prediction and gᵢ the residual SD at fᵢ (``ResidualError.sd``); for an exponential
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

An SS=1 dose record (``Subject.steady_state``, NONMEM Users Guide V) starts the subject at the steady
state just before it (``steady_state.steady_state``, with the parameters of the piece it starts when the
covariates change); samples before it are predicted 0.

A reset (EVID 3 or 4, ``Subject.resets``; NONMEM Users Guide V and VI, "Reset events") cuts the record: each part
is predicted on its own from a zero state (the doses before the reset dropped, running infusions stopped), a sample
at the reset time in the part before it; a part without doses is 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr

from pbpk.core.errors import PbpkInputError
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
    """The mode of η, the individual parameters there, OFV, and the Laplace covariance of η.

    ``parameters`` hold one number per name, or one per ``Subject.record_times`` when the
    covariates change with time.
    """

    subject: str
    eta: np.ndarray
    parameters: dict[str, float | np.ndarray]
    ofv: float
    converged: bool
    covariance: np.ndarray
    predictions: np.ndarray
    message: str = ""


def predict_subject(model: PopulationModel, subject: Subject, eta: np.ndarray, analyte: str = "parent") -> np.ndarray:
    """The subject's concentrations at its sample times (analyte's unit), with time-varying covariates NOCB."""
    eta = np.atleast_2d(np.asarray(eta, dtype=float))
    if subject.resets.size:
        predictions = np.zeros(subject.times.size)
        for samples, part in reset_parts(subject):
            predictions[samples] = predict_subject(model, part, eta, analyte)
        return predictions
    factor = model.concentration_factor(analyte)
    if subject.time_varying and analyte != "parent":
        raise PbpkInputError("analyte", "", analyte, '"parent" with time-varying covariates')
    start = -np.inf if subject.steady_state is None else subject.steady_state[0]
    times = subject.times[subject.times >= start]
    predictions = np.zeros(subject.times.size)
    if times.size == 0:
        return predictions
    if not subject.time_varying:
        return predict_many(model, subject, eta[:1], analyte)[0]
    starts, pieces = covariate_pieces(subject)
    if subject.steady_state is not None:
        keep = starts > start
        pieces = [pieces[int(np.searchsorted(starts, start, side="right")) - 1]] + list(np.array(pieces)[keep])
        starts = np.append(start, starts[keep])
    per_piece = [model.structural(model.parameters(subject.covariates_at(t), eta), where=f"covariates at {t:g}")
                 for t in pieces]
    solution = solve_occasions(model.structure, per_piece, starts, subject.doses, times,
                               initial=steady_state_start(model, per_piece[0], subject))
    own = [model.structural(model.parameters(subject.covariates_at(t), eta)) for t in times]
    states = solution.states[0]
    volume = np.array([float(p[model.structure.central_volume][0]) for p in own])
    predictions[-times.size:] = states[:, model.structure.index("central")] / volume * factor
    return predictions


def predict_many(model: PopulationModel, subject: Subject, etas: np.ndarray, analyte: str = "parent") -> np.ndarray:
    """Concentrations at the sample times (rows × times) for several η of a subject whose covariates are constant,
    in one solve (a batched gradient or Hessian)."""
    etas = np.atleast_2d(np.asarray(etas, dtype=float))
    if subject.resets.size:
        predictions = np.zeros((len(etas), subject.times.size))
        for samples, part in reset_parts(subject):
            predictions[:, samples] = predict_many(model, part, etas, analyte)
        return predictions
    start = -np.inf if subject.steady_state is None else subject.steady_state[0]
    times = subject.times[subject.times >= start]
    predictions = np.zeros((len(etas), subject.times.size))
    if times.size == 0:
        return predictions
    parameters = model.structural(model.parameters(subject.covariates, etas))
    initial = steady_state_start(model, parameters, subject)
    solution = solve(model.structure, parameters, subject.doses, times, initial=initial,
                     start=None if initial is None else start)
    predictions[:, -times.size:] = solution.concentrations[analyte] * model.concentration_factor(analyte)
    return predictions


def reset_parts(subject: Subject) -> list[tuple[np.ndarray, Subject]]:
    """The parts of a record cut at its resets that hold a dose: the mask of their samples and the part, without resets.

    A part runs from a reset rₖ (or the start) to the next; it has the doses at or after rₖ and the samples after rₖ,
    up to and including the next reset time (see the module docstring).
    """
    edges = np.concatenate([[-np.inf], subject.resets, [np.inf]])
    parts = []
    for low, high in pairwise(edges):
        doses = tuple(dose for dose in subject.doses if low <= dose.time < high)
        samples = (subject.times > low) & (subject.times <= high)
        if not doses or not samples.any():
            continue
        steady = subject.steady_state if subject.steady_state and low <= subject.steady_state[0] < high else None
        parts.append((samples, replace(subject, doses=doses, times=subject.times[samples],
                                       observations=subject.observations[samples], censored=subject.censored[samples],
                                       lloq=subject.lloq[samples], steady_state=steady, resets=np.empty(0))))
    return parts


def steady_state_start(model: PopulationModel, parameters: dict[str, np.ndarray], subject: Subject) -> np.ndarray | None:
    """The state just before the subject's SS=1 dose (None without one)."""
    if subject.steady_state is None:
        return None
    _, dose, interval = subject.steady_state
    return steady_state(model.structure, parameters, dose, interval)


def covariate_pieces(subject: Subject) -> tuple[np.ndarray, list[float]]:
    """Start times of the pieces over which the covariates are constant, and a time inside each (NOCB).

    Over (tⱼ₋₁, tⱼ] the value on the record at tⱼ holds, so a piece starting at tⱼ₋₁ carries
    record j's values; pieces with equal values are merged.
    """
    times = subject.record_times
    first = min(times[0], min(dose.time for dose in subject.doses), float(np.min(subject.times, initial=np.inf)))
    starts, values = [first], [times[1] if times.size > 1 else times[0]]
    for k in range(1, times.size - 1):
        if subject.covariates_at(times[k + 1]) != subject.covariates_at(values[-1]):
            starts.append(times[k])
            values.append(times[k + 1])
    return np.array(starts), values


def objective(model: PopulationModel, subject: Subject, eta: np.ndarray, analyte: str = "parent", *,
              prior_weight: float = 1.0) -> float:
    """OFV(η): −2·log posterior without the 2π constant, the prior weighted by ``prior_weight`` (module docstring)."""
    _check_prior_weight(prior_weight)
    eta = np.asarray(eta, dtype=float)
    try:
        f = predict_subject(model, subject, eta, analyte)
    except PbpkInputError:
        return PENALTY
    return _ofv(model, subject, eta, f, analyte, prior_weight)


def objectives(model: PopulationModel, subject: Subject, etas: np.ndarray, analyte: str = "parent", *,
               prior_weight: float = 1.0) -> np.ndarray:
    """OFV at each row of ``etas``; one solve when the subject's covariates are constant."""
    _check_prior_weight(prior_weight)
    etas = np.atleast_2d(np.asarray(etas, dtype=float))
    if not subject.time_varying:
        try:
            predictions = predict_many(model, subject, etas, analyte)
        except PbpkInputError:  # a row with a non-physical parameter: each row on its own
            pass
        else:
            return np.array([_ofv(model, subject, eta, f, analyte, prior_weight)
                             for eta, f in zip(etas, predictions, strict=True)])
    return np.array([objective(model, subject, eta, analyte, prior_weight=prior_weight) for eta in etas])


def _check_prior_weight(prior_weight: float) -> None:
    """Refuse a prior weight outside (0, 1] (see the module docstring)."""
    if not 0.0 < prior_weight <= 1.0:
        raise PbpkInputError("prior_weight", "", prior_weight, "a weight 0 < w ≤ 1 (Ω is inflated by 1/w)")


def _ofv(model: PopulationModel, subject: Subject, eta: np.ndarray, f: np.ndarray, analyte: str,
         prior_weight: float = 1.0) -> float:
    """OFV of predictions ``f`` at ``eta``, the prior term times ``prior_weight``."""
    error = model.errors[analyte]
    y, lloq, censored = subject.observations, subject.lloq, subject.censored
    if error.kind == "exponential":
        if np.any(f <= 0):
            return PENALTY
        f, y, lloq = np.log(f), np.log(np.where(censored, 1.0, y)), np.log(np.where(censored, lloq, 1.0))
    g = error.sd(f)
    if not np.all(np.isfinite(f)) or np.any(g <= 0):
        return PENALTY
    observed = ~censored
    ofv = float(np.sum(np.log(g[observed] ** 2) + ((y[observed] - f[observed]) / g[observed]) ** 2))
    ofv -= 2.0 * float(np.sum(log_ndtr((lloq[censored] - f[censored]) / g[censored])))
    return ofv + prior_weight * float(eta @ np.linalg.solve(model.omega.matrix, eta))


def estimate(model: PopulationModel, subject: Subject, analyte: str = "parent", *, gtol: float = 1e-6,
             prior_weight: float = 1.0) -> MapEstimate:
    """The MAP estimate of η for ``subject``, its prior flattened by ``prior_weight`` (see the module docstring)."""
    _check_prior_weight(prior_weight)
    if subject.times.size == 0:
        raise PbpkInputError(f"subject {subject.id}", "observations", "none", "at least one sample")
    error = model.errors[analyte]
    if error.kind == "exponential" and np.any(subject.observations[~subject.censored] <= 0):
        raise PbpkInputError(f"subject {subject.id}", "observations", "a value ≤ 0",
                             "positive observations for an exponential (log-scale) error")
    result, covariance = posterior_mode(
        lambda points: objectives(model, subject, points, analyte, prior_weight=prior_weight),
        len(model.eta_names), gtol=gtol)
    eta = result.x
    return MapEstimate(subject.id, eta, individual_parameters(model, subject, eta), float(result.fun),
                       converged(result), covariance, predict_subject(model, subject, eta, analyte),
                       str(result.message))


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
    """Every name the model's code assigns, at η; per record time when the covariates change with time."""
    eta = np.atleast_2d(eta)
    if not subject.time_varying:
        return {name: float(np.ravel(value)[0]) for name, value in model.parameters(subject.covariates, eta).items()}
    at = [model.parameters(subject.covariates_at(t), eta) for t in subject.record_times]
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
