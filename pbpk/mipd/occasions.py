"""Inter-occasion variability (IOV) in MAP estimation: the random-effect vector with κ per occasion, and its pieces.

NONMEM's OCC with κ (``popmodel``: e.g. ``CL = TVCL*exp(ETA_CL + KAPPA_CL)``): each occasion k of a subject
(``Subject.occasions``, start times; the OCC convention is ``records``') has its own κ_k ~ N(0, Ω_IOV),
independent between occasions and of η. For a model with IOV and a subject with K ≥ 1 occasions one row of
random effects (``map_estimation.predict_many``, ``MapEstimate.effects``) is

    [η₁ … η_p, κ₁,₁ … κ₁,q, …, κ_K,₁ … κ_K,q]      p = len(eta_names), q = len(kappa_names)

η first, then occasion 1's κ (in ``kappa_names`` order), occasion 2's, … (``split_effects``). Otherwise (no IOV,
or a subject without occasions, whose κ are 0) a row is η alone. The OFV's prior term is xᵀPx with
P = diag(Ω⁻¹, Ω_IOV⁻¹, …, Ω_IOV⁻¹) (``prior_precision``): ηᵀΩ⁻¹η + Σ_k κ_kᵀΩ_IOV⁻¹κ_k.

A record is cut at the union of its covariate pieces (NOCB, ``map_estimation.covariate_pieces``) and its
occasions' starts; each piece has the parameters of its covariates, η and the κ of the occasion holding it
(``occasion_pieces``). A time belongs to the occasion with the latest start at or before it (a dose or a sample at
an occasion's start to that occasion, as in ``solve.solve_occasions``); a time before the first start to occasion 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.linalg import block_diag

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.records import Subject


def kappa_count(model: PopulationModel, subject: Subject) -> int:
    """The number of occasions whose κ are random effects: the subject's occasions for a model with IOV, else 0."""
    count = subject.occasions.size
    return count if count and model.kappa_names else 0


def effect_count(model: PopulationModel, subject: Subject) -> int:
    """The length of one row of random effects (module docstring)."""
    return len(model.eta_names) + kappa_count(model, subject) * len(model.kappa_names)


def split_effects(model: PopulationModel, subject: Subject, effects: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """η (rows × p) and κ (rows × K × q; None without occasions, κ = 0) of rows of random effects."""
    effects = np.atleast_2d(np.asarray(effects, dtype=float))
    count = kappa_count(model, subject)
    if not count:
        return effects, None
    p, size = len(model.eta_names), effect_count(model, subject)
    if effects.shape[1] != size:
        raise PbpkInputError(f"subject {subject.id}", "effects", effects.shape,
                             f"{size} random effects per row: η ({p}), then the {len(model.kappa_names)} κ of each of "
                             f"{count} occasions")
    return effects[:, :p], effects[:, p:].reshape(len(effects), count, -1)


def prior_precision(model: PopulationModel, subject: Subject) -> np.ndarray:
    """P of the prior term xᵀPx: Ω⁻¹, and Ω_IOV⁻¹ once per occasion with κ (module docstring)."""
    precision = np.linalg.inv(model.omega.matrix)
    count = kappa_count(model, subject)
    return block_diag(precision, *[np.linalg.inv(model.iov.matrix)] * count) if count else precision


def occasion_index(starts: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The occasion (0-based) holding each time: the latest start at or before it, 0 before the first."""
    return np.maximum(np.searchsorted(starts, times, side="right") - 1, 0)


def effect_parameters(model: PopulationModel, covariates: Mapping[str, float], eta: np.ndarray,
                      kappa: np.ndarray | None, occasion: int, where: str = "covariates") -> dict[str, np.ndarray]:
    """The code's results (per row) at ``covariates``, η and the κ of ``occasion`` (κ = 0 when ``kappa`` is None)."""
    return model.parameters(covariates, eta, None if kappa is None else kappa[:, occasion], where=where)


def occasion_pieces(model: PopulationModel, subject: Subject, effects: np.ndarray, covariate_starts: np.ndarray,
                    inside: list[float]) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """Start times and structural parameters (per row of ``effects``) of the pieces of a record cut at its covariate
    pieces (``covariate_starts``, a time ``inside`` each) and at its occasions' starts (module docstring)."""
    eta, kappa = split_effects(model, subject, effects)
    starts = np.union1d(covariate_starts, subject.occasions)
    piece = np.maximum(np.searchsorted(covariate_starts, starts, side="right") - 1, 0)
    parameters = [model.structural(effect_parameters(model, subject.covariates_at(inside[c]), eta, kappa, k),
                                   where=f"occasion {k + 1} from {t:g}")
                  for t, c, k in zip(starts, piece, occasion_index(subject.occasions, starts), strict=True)]
    return starts, parameters


def time_groups(record: np.ndarray, occasion: np.ndarray) -> list[tuple[int, int, np.ndarray]]:
    """Each distinct (record, occasion) pair of a set of times and the mask of its times."""
    pairs = np.unique(np.stack([record, occasion]), axis=1)
    return [(int(k), int(j), (record == k) & (occasion == j)) for k, j in pairs.T]
