"""MAP estimation and PTA of ``pbpk.mipd`` against a plain scipy/numpy baseline, side by side.

Model ``vancomycin-goti-2018`` (2 compartments, IV infusion, combined sd-sum error g = a + b·f).
Baseline, written here: the closed-form 2-compartment infusion solution (biexponential
superposition over the doses, numpy), the same NONMEM objective
OFV(η) = Σ[log g² + (y − f)²/g²] + ηᵀΩ⁻¹η and scipy.optimize.minimize(BFGS) from η = 0 (the same
``gtol`` as ``estimate``). Cases:

* ``map``: 30 simulated patients, η drawn from Ω, covariates CLCREAT 40–140 mL/min, WT 50–110 kg,
  DIAL 0; 1000 mg q12h over 1 h, 3 doses; 6–10 samples in (0, 36] h with the residual error.
  ``pbpk.mipd.map_estimation.estimate`` per patient (which also computes the Laplace covariance by
  a finite-difference Hessian, about 19 more objective evaluations for 3 η; BFGS alone is printed
  too) against the baseline's BFGS. The largest |Δη| between the two is printed (they must agree).
* ``pta``: the first patient's posterior, 10,000 draws of N(η̂, Σ) (``posterior_draws``); one regimen
  (1000 mg q12h, 1 h infusion, 4 doses from 12 h after the last past dose) and the target AUC24
  400–600 mg·h/L over its last 24 h, the 3 past doses included: ``recommend`` against AUC24 from the
  closed form for the same draws (the cumulative AUC of each infusion, superposed). PTA difference printed.

Times are the best of a few repeats. The last line is
``map_ms=<x> map_baseline_ms=<y> map_ratio=<y/x> pta_s=<a> pta_baseline_s=<b> max_eta_diff=<d>``.
Goals: MAP < 10 ms per patient; PTA over 10,000 draws < 1 s (a 2-core machine).

Run: ``python benchmarks/mipd_map.py``
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import minimize

from pbpk.mipd.map_estimation import estimate, objective
from pbpk.mipd.modelfile import load_poppk
from pbpk.mipd.recommend import Target, posterior_draws, recommend, regimens
from pbpk.mipd.records import Subject
from pbpk.mipd.solve import repeated_doses

MODEL = "vancomycin-goti-2018"
PATIENTS, DRAWS, REPEATS, GTOL = 30, 10_000, 3, 1e-6
PAST = repeated_doses(1000.0, 12.0, 3, duration=1.0)


# ---- baseline ------------------------------------------------------------------------------------
def _micro(cl, v1, v2, q):
    """Exponents α, β and coefficients A, B of the unit-bolus concentration A·e^(−αt) + B·e^(−βt)."""
    k10, k12, k21 = cl / v1, q / v1, q / v2
    total = k10 + k12 + k21
    root = np.sqrt(total**2 - 4.0 * k10 * k21)
    alpha, beta = (total + root) / 2.0, (total - root) / 2.0
    return (np.stack([alpha, beta], -1),
            np.stack([(alpha - k21) / (v1 * (alpha - beta)), (k21 - beta) / (v1 * (alpha - beta))], -1))


def _concentration(lam, coef, doses, times):
    """C(t) of infusions (time, amount, duration), one parameter set: superposition of each exponential."""
    c = np.zeros(times.size)
    for start, amount, duration in doses:
        tau = times - start
        inside, after = np.clip(tau, 0.0, duration), np.clip(tau - duration, 0.0, None)
        part = (1.0 - np.exp(-np.outer(inside, lam))) * np.exp(-np.outer(after, lam))
        c += (amount / duration) * part @ (coef / lam)
    return c


def _cumulative_auc(lam, coef, doses, t):
    """AUC(0..t) of infusions for parameter sets (rows of lam, coef), exact."""
    auc = np.zeros(lam.shape[0])
    for start, amount, duration in doses:
        m, u = np.clip(t - start, 0.0, duration), max(t - start - duration, 0.0)
        shape = m - (1.0 - np.exp(-lam * m)) / lam + (1.0 - np.exp(-lam * duration)) * (1.0 - np.exp(-lam * u)) / lam
        auc += (amount / duration) * np.sum(coef / lam * shape, axis=1)
    return auc


def _individual(theta, covariates, eta):
    """CL, V1, V2, Q of the Goti 2018 code, written out (η: n × 3)."""
    crcl, dial = min(covariates["CLCREAT"], 150.0), covariates["DIAL"]
    cl = theta["TVCL"] * (crcl / 120.0) ** theta["CRCL_CL"] * theta["DIAL_CL"] ** dial * np.exp(eta[:, 0])
    v1 = theta["TVV1"] * (covariates["WT"] / 70.0) * theta["DIAL_V1"] ** dial * np.exp(eta[:, 1])
    return cl, v1, theta["TVV2"] * np.exp(eta[:, 2]), np.full(eta.shape[0], theta["TVQ"])


def baseline_map(theta, omega_inverse, a, b, subject):
    """η̂ by BFGS from 0 on the closed-form OFV."""
    doses = [(d.time, d.amount, d.duration) for d in subject.doses]
    y, times = subject.observations, subject.times

    def ofv(eta):
        lam, coef = _micro(*_individual(theta, subject.covariates, eta[None]))
        f = _concentration(lam[0], coef[0], doses, times)
        g = a + b * np.abs(f)
        return float(np.sum(np.log(g**2) + ((y - f) / g) ** 2) + eta @ omega_inverse @ eta)

    return minimize(ofv, np.zeros(3), method="BFGS", options={"gtol": GTOL}).x


# ---- data ----------------------------------------------------------------------------------------
def _patients(model, rng) -> list[Subject]:
    error, subjects = model.errors["parent"], []
    for k in range(PATIENTS):
        covariates = {"CLCREAT": float(rng.uniform(40, 140)), "WT": float(rng.uniform(50, 110)), "DIAL": 0.0}
        eta = model.sample_eta(1, rng)
        times = np.sort(np.round(rng.uniform(0.25, 36.0, int(rng.integers(6, 11))), 2))
        f = model.predict(PAST, times, covariates, eta).concentration()[0]
        y = error.sample(f, rng)
        subjects.append(Subject(f"P{k + 1}", PAST, times, y, np.zeros(times.size, bool), np.full(times.size, np.nan),
                                covariates, np.union1d(times, [d.time for d in PAST])))
    return subjects


def _best(call, repeats: int = REPEATS):
    """(result, shortest wall time in s) of ``call`` over ``repeats`` runs."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - start)
    return result, best


def main() -> None:
    model = load_poppk(MODEL)
    rng = np.random.default_rng(2018)
    subjects = _patients(model, rng)
    theta, omega_inverse = model.theta_values, np.linalg.inv(model.omega.matrix)
    error = model.errors["parent"]
    a, b = error.additive_sd, error.proportional_sd

    estimate(model, subjects[0])  # warm-up (compilation, caches)
    fits, map_s = _best(lambda: [estimate(model, s) for s in subjects])
    _, bfgs_s = _best(lambda: [minimize(lambda e, s=s: objective(model, s, e), np.zeros(3), method="BFGS",
                                        options={"gtol": GTOL}) for s in subjects])
    etas, base_s = _best(lambda: [baseline_map(theta, omega_inverse, a, b, s) for s in subjects])
    eta_diff = max(float(np.max(np.abs(fit.eta - eta))) for fit, eta in zip(fits, etas))
    converged = sum(fit.converged for fit in fits)
    map_ms, base_ms, bfgs_ms = (1e3 * t / PATIENTS for t in (map_s, base_s, bfgs_s))
    print(f"map  pbpk estimate {map_ms:7.2f} ms/patient (BFGS alone {bfgs_ms:.2f})   baseline {base_ms:7.2f} "
          f"ms/patient   {PATIENTS} patients, {converged} converged, max |Δη| {eta_diff:.2e}")

    fit, subject = fits[0], subjects[0]
    draws = posterior_draws(fit.eta, fit.covariance, DRAWS, np.random.default_rng(7))
    target = Target("auc", 400.0, 600.0, unit="mg*h/L")
    option = regimens([1000.0], [12.0], count=4, infusions=[1.0], last_dose=PAST[-1].time)
    covariates = dict(subject.covariates)
    recommend(model, target, option, eta=fit.eta, covariates=covariates, past_doses=PAST, draws=draws[:10])
    result, pta_s = _best(lambda: recommend(model, target, option, eta=fit.eta, covariates=covariates,
                                            past_doses=PAST, draws=draws), 5)
    pta = float(result.table["PTA"].iloc[0])
    regimen = option[0]
    every = [(d.time, d.amount, d.duration) for d in PAST + regimen.doses()]

    def baseline_pta() -> tuple[float, np.ndarray]:
        lam, coef = _micro(*_individual(theta, covariates, draws))
        auc = _cumulative_auc(lam, coef, every, regimen.end) - _cumulative_auc(lam, coef, every, regimen.end - 24.0)
        return float(np.mean((auc >= 400.0) & (auc <= 600.0))), auc

    (base_pta, auc), pta_base_s = _best(baseline_pta, 5)
    auc_diff = float(np.max(np.abs(result.values[0, 1:] / auc - 1.0)))
    print(f"pta  pbpk recommend {pta_s:7.4f} s   baseline {pta_base_s:7.4f} s   {DRAWS} draws   PTA {pta:.4f} vs "
          f"{base_pta:.4f} (difference {abs(pta - base_pta):.1e}), max rel AUC24 diff {auc_diff:.1e}")
    print(f"map_ms={map_ms:.3f} map_baseline_ms={base_ms:.3f} map_ratio={base_ms / map_ms:.2f} pta_s={pta_s:.4f} "
          f"pta_baseline_s={pta_base_s:.4f} max_eta_diff={eta_diff:.2e}")


if __name__ == "__main__":
    main()
