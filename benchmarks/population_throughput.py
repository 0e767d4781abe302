"""Population throughput: pbpk's solvers against libroadrunner and scipy, side by side.

The midazolam model (linear kinetics, so that every method can solve it)
for a virtual population with lognormal variability: body weight (CV 15 %),
volumes scaled with weight and blood flows with weight^0.75, each volume and
flow varied by a further CV 10 %, hepatic CLint by CV 30 %. A 5 mg IV bolus,
outputs every 0.1 h for 24 h, relative tolerance 1e-6 for the integrators
(libroadrunner's default); pbpk's absolute tolerance is 1e-7 of the dose, which
gives the same AUC accuracy as libroadrunner's defaults (printed below).

Methods
-------
general     pbpk RODAS4 in Numba, one kernel, parallel over subjects (prange)
linear      pbpk exact solution (matrix exponential), parallel over subjects
plain_expm  a plain exact baseline written here: per subject one matrix exponential
            Φ = exp(A·Δt) of the generated Jacobian and y(t+Δt) = Φ·y(t) on the grid, in
            Numba, parallel over subjects, keeping only AUC (no schedule handling, no
            outputs: the least an exact solver must do)
roadrunner  libroadrunner (CVODE) on pbpk's exported SBML, one subject after another
lsoda       scipy solve_ivp(LSODA) with the generated Numba right-hand side

The slow baselines run on a subset and report their rate per subject. The
maximum relative difference in AUC(0–24 h) between methods is printed for the
subjects all methods solved. The last line is
``general_vs_roadrunner=<ratio> linear_vs_roadrunner=<ratio> linear_vs_plain_expm=<ratio> compile_s=<s>
cached_s=<s>`` (throughput ratios; compile and cached load times of the kernel measured in
fresh processes). Goals on a 2-core machine: general ≥ 5×, linear ≥ 20× libroadrunner,
linear ≥ 1× the plain expm baseline, compile ≤ 3 s, cached ≤ 0.3 s.

Run: ``python benchmarks/population_throughput.py [--subjects 1000 10000] [--subset 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import numpy as np

RTOL = 1e-6          # relative tolerance of every integrator
ATOL = RTOL * 0.1    # pbpk absolute tolerance, as a fraction of the dose (same AUC accuracy as libroadrunner)


def population_parameters(model, base: np.ndarray, n: int, seed: int = 2026) -> np.ndarray:
    rng = np.random.default_rng(seed)
    names = model.parameter_names
    weight = rng.lognormal(0.0, 0.15, n)
    parameters = np.tile(base, (n, 1))
    for j, name in enumerate(names):
        if name.startswith("V_"):
            parameters[:, j] *= weight * rng.lognormal(0.0, 0.10, n)
        elif name.startswith("Q_") or name == "GFR":
            parameters[:, j] *= weight ** 0.75 * rng.lognormal(0.0, 0.10, n)
        elif name.startswith("CLint_"):
            parameters[:, j] *= rng.lognormal(0.0, 0.30, n)
    return parameters


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--subset", type=int, default=200, help="subjects for the slow baselines")
    args = parser.parse_args()

    from pbpk import load_compound, reference_individual
    from pbpk.engine.codegen import compile_model
    from pbpk.model.parameters import parameter_vector
    from pbpk.model.sbml import to_sbml
    from pbpk.simulation.dosing import Dose, Regimen, schedule
    from pbpk.engine.solve import Schedules, SolveOptions, solve_many
    from pbpk.simulation.simulate import model_for

    compound, person = load_compound("midazolam"), reference_individual("male")
    model = model_for(compound, person, kinetics="linear")
    kernel = compile_model(model)
    base = parameter_vector(model, compound, person)
    times = np.round(np.arange(0.0, 24.0 + 1e-9, 0.1), 10)
    plan = schedule(Regimen((Dose("5 mg", "iv"),)), {r: model.state_index(s) for r, s in model.dose_targets.items()},
                    len(model.states), molecular_weight=compound.molecular_weight.value, body_weight=person.body_weight)
    auc_index = model.state_index("AUC_plasma")
    n_states = len(model.states)
    results: dict[str, dict] = {}

    def schedules(n: int) -> Schedules:
        return Schedules(plan.times, *(np.repeat(a[None], n, 0) for a in (plan.bolus, plan.rate, plan.scale)))

    def solve(p: np.ndarray, method: str):
        """States kept: AUC only, as a population run keeps (outputs: none)."""
        return solve_many(kernel, p, schedules(len(p)), times, SolveOptions(method, RTOL, ATOL),
                          states=("AUC_plasma",), outputs=())

    # warm-up: compile the parallel drivers before timing
    warm = population_parameters(model, base, 4)
    for method in ("general", "exact"):
        solve(warm, method)
    plain_expm_auc(kernel.compiled.jac, warm, times[1] - times[0], len(times), plan.bolus[0], auc_index)

    largest = max(args.subjects)
    parameters = population_parameters(model, base, largest)
    for n in sorted(args.subjects):
        p = parameters[:n]
        for label, method in (("general", "general"), ("linear", "exact")):
            solved, seconds = timed(solve, p, method)
            failed = int(np.count_nonzero(~solved.ok))
            results.setdefault(label, {})[n] = {"seconds": seconds, "rate": n / seconds, "failed": failed,
                                                "auc": solved.states[: args.subset, -1, 0].copy()}
            print(f"{label:<11} n={n:>6}: {seconds:8.2f} s  {n / seconds:10.0f} subjects/s  failures={failed}")
        auc, seconds = timed(plain_expm_auc, kernel.compiled.jac, p, times[1] - times[0], len(times), plan.bolus[0],
                             auc_index)
        results.setdefault("plain_expm", {})[n] = {"seconds": seconds, "rate": n / seconds, "auc": auc[: args.subset]}
        print(f"{'plain_expm':<11} n={n:>6}: {seconds:8.2f} s  {n / seconds:10.0f} subjects/s")

    subset = parameters[: args.subset]
    roadrunner_auc, roadrunner_seconds = run_roadrunner(model, subset, times, plan, to_sbml)
    results["roadrunner"] = {"rate": len(subset) / roadrunner_seconds}
    print(f"roadrunner  n={len(subset):>6}: {roadrunner_seconds:8.2f} s  {len(subset) / roadrunner_seconds:10.0f} subjects/s")
    lsoda_n = max(10, args.subset // 4)
    lsoda_auc, lsoda_seconds = run_lsoda(kernel, subset[:lsoda_n], times, plan, n_states, auc_index)
    results["lsoda"] = {"rate": lsoda_n / lsoda_seconds}
    print(f"lsoda       n={lsoda_n:>6}: {lsoda_seconds:8.2f} s  {lsoda_n / lsoda_seconds:10.0f} subjects/s")

    reference = results["linear"][min(args.subjects)]["auc"]
    differences = {
        "general": results["general"][min(args.subjects)]["auc"],
        "plain_expm": results["plain_expm"][min(args.subjects)]["auc"],
        "roadrunner": roadrunner_auc,
        "lsoda": lsoda_auc,
    }
    for label, values in differences.items():
        k = len(values)
        print(f"max relative AUC(0-24 h) difference, {label} vs linear exact: "
              f"{np.max(np.abs(values - reference[:k]) / reference[:k]):.2e} (n={k})")

    compile_s, cached_s = kernel_load_times()
    rr_rate = results["roadrunner"]["rate"]
    general_rate = results["general"][largest]["rate"]
    linear_rate = results["linear"][largest]["rate"]
    plain_rate = results["plain_expm"][largest]["rate"]
    print(f"subjects/s at n={largest}: general {general_rate:.0f}, linear {linear_rate:.0f}, plain expm {plain_rate:.0f}, "
          f"roadrunner {rr_rate:.0f}, lsoda {results['lsoda']['rate']:.0f}")
    cores = os.cpu_count() or 1
    print(f"per core ({cores} cores; pbpk runs on all, libroadrunner on one): general "
          f"{general_rate / cores / rr_rate:.2f}x, linear {linear_rate / cores / rr_rate:.2f}x libroadrunner")
    print(f"general_vs_roadrunner={general_rate / rr_rate:.2f} linear_vs_roadrunner={linear_rate / rr_rate:.2f} "
          f"linear_vs_plain_expm={linear_rate / plain_rate:.2f} compile_s={compile_s:.2f} cached_s={cached_s:.2f}")


def plain_expm_auc(jac, parameters: np.ndarray, step: float, points: int, y0: np.ndarray, auc_index: int) -> np.ndarray:
    """The plain exact baseline: AUC at the end of a uniform grid, one matrix exponential per subject."""
    return _plain_expm(jac, np.ascontiguousarray(parameters), step, points, np.ascontiguousarray(y0), auc_index)


def _compile_plain_expm():
    from numba import njit, prange

    from pbpk.engine.linear import expm

    @njit(parallel=True, fastmath=True)
    def run(jac, parameters, step, points, y0, auc_index):
        n, m = parameters.shape[0], y0.shape[0]
        auc = np.empty(n)
        for k in prange(n):
            a = np.empty((m, m))
            jac(y0, parameters[k], a)
            phi = expm(a * step)
            y = y0.copy()
            for _ in range(points - 1):
                y = phi @ y
            auc[k] = y[auc_index]
        return auc

    return run


_PLAIN = []


def _plain_expm(jac, parameters, step, points, y0, auc_index):
    if not _PLAIN:
        _PLAIN.append(_compile_plain_expm())
    return _PLAIN[0](jac, parameters, step, points, y0, auc_index)


def run_roadrunner(model, parameters, times, plan, to_sbml):
    import roadrunner

    dose = plan.bolus[0, model.state_index("A_venous")]
    rr = roadrunner.RoadRunner(to_sbml(model, parameters[0], initial={"A_venous": dose}))
    rr.integrator.relative_tolerance = RTOL
    rr.timeCourseSelections = ["time", "AUC_plasma"]
    ids = rr.model.getGlobalParameterIds()
    indices = np.array([ids.index(name) for name in model.parameter_names], dtype=np.int32)
    aucs = np.empty(len(parameters))
    start = time.perf_counter()
    for k, row in enumerate(parameters):
        rr.resetAll()
        rr.model.setGlobalParameterValues(indices, np.ascontiguousarray(row))
        rr.model["init(A_venous)"] = dose
        rr.reset()
        result = rr.simulate(times=list(times))
        aucs[k] = result["AUC_plasma"][-1]
    return aucs, time.perf_counter() - start


def run_lsoda(kernel, parameters, times, plan, n_states, auc_index):
    from scipy.integrate import solve_ivp

    dy = np.empty(n_states)
    aucs = np.empty(len(parameters))
    y0 = plan.bolus[0].copy()
    start = time.perf_counter()
    for k, p in enumerate(parameters):
        def f(_t, y, p=p):
            kernel.rhs(y, p, dy)
            return dy.copy()

        solution = solve_ivp(f, (0.0, times[-1]), y0, method="LSODA", t_eval=times, rtol=RTOL,
                             atol=plan.total_amount * ATOL)
        aucs[k] = solution.y[auc_index, -1]
    return aucs, time.perf_counter() - start


LOAD_SCRIPT = textwrap.dedent("""
    import json, time
    from pbpk import load_compound, reference_individual
    from pbpk.engine.codegen import compile_model
    from pbpk.simulation.simulate import model_for, simulate
    import numpy as np
    from pbpk.engine.linear import expm
    mdz, man = load_compound("midazolam"), reference_individual("male")
    start = time.perf_counter()
    model = model_for(mdz, man, kinetics="linear")
    built = time.perf_counter()
    expm(np.eye(2))  # a cached solver function: Numba's one-time start-up in this process
    started = time.perf_counter()
    compile_model(model)
    compiled = time.perf_counter()
    simulate(mdz, man, dose="5 mg", route="iv", until="24 h", kinetics="linear", method="general")
    done = time.perf_counter()
    print(json.dumps({"model": built - start, "numba": started - built, "kernel": compiled - started,
                      "first_simulation": done - start}))
""")


def kernel_load_times() -> tuple[float, float]:
    """Kernel compile and cached-load seconds, each in a fresh process (empty, then warm cache).

    ``kernel`` times ``compile_model``: code generation and Numba compilation
    of the model's kernels (empty cache), or loading them from disk (warm
    cache), after Numba's one-time start-up in the process (its target
    registries, paid by the first call of any compiled function, the solvers'
    too), which is timed and printed apart. The solver itself is compiled once
    per installation and is warm here. Building the symbolic model and the whole
    first simulation are printed alongside; imports are excluded.
    """
    with tempfile.TemporaryDirectory() as folder:
        env = dict(os.environ, PBPK_CACHE_DIR=folder)
        runs = []
        for label in ("empty cache", "warm cache"):
            output = subprocess.run([sys.executable, "-c", LOAD_SCRIPT], env=env, capture_output=True, text=True,
                                    check=True).stdout
            run = json.loads(output.strip().splitlines()[-1])
            runs.append(run)
            print(f"fresh process, {label}: symbolic model {run['model']:.2f} s, Numba start-up {run['numba']:.2f} s, "
                  f"kernels {run['kernel']:.2f} s, first simulation in total {run['first_simulation']:.2f} s")
    return runs[0]["kernel"], runs[1]["kernel"]


if __name__ == "__main__":
    main()
