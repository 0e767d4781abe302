"""The compartmental solver of ``pbpk.mipd``: sums of exponentials against Van Loan, side by side.

Baseline ``van_loan``: the same solver with the eigen path switched off
(``EIGEN_CONDITION = 0``), so every step takes one exponential of the block matrix
(Van Loan 1978), as before the eigen path existed. Cases, each on the same
subjects and times:

* ``population``: 3-compartment IV infusions (4 doses q12h), 2000 subjects, 130
  sample times (a dense grid plus early samples after each dose), one call;
* ``fit``: 7 subjects per call (a finite-difference Jacobian of a 6-parameter fit),
  repeated: the reduction's inner loop.

Both solutions agree (largest relative difference printed). The last line is
``population_speedup=<ratio> fit_speedup=<ratio> max_rel_diff=<x>``; the goal on a
2-core machine is a speed-up ≥ 3 in both.

Run: ``python benchmarks/mipd_solver.py``
"""

from __future__ import annotations

import time

import numpy as np

import pbpk.mipd.solve as solver
from pbpk.mipd.solve import repeated_doses, solve
from pbpk.mipd.structure import Structure

DOSES = repeated_doses(1000.0, 12.0, 4, duration=1.0)
EARLY = np.array([1 / 60, 5 / 60, 0.25, 0.5, 0.75, 1.5])
TIMES = np.unique(np.concatenate([np.linspace(0.0, 48.0, 97), *(start + EARLY for start in (0.0, 12.0, 24.0, 36.0))]))


def _parameters(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    typical = {"CL": 4.0, "V1": 10.0, "Q2": 20.0, "V2": 15.0, "Q3": 3.0, "V3": 40.0}
    return {name: value * rng.lognormal(0.0, 0.3, n) for name, value in typical.items()}


def _rate(call, seconds: float = 3.0) -> float:
    """Calls per second of ``call`` over about ``seconds``."""
    call()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    structure = Structure(3)
    population, fit = _parameters(2000, 1), _parameters(7, 2)
    results, profiles, default = {}, {}, solver.EIGEN_CONDITION
    for label, condition in (("eigen", default), ("van_loan", 0.0)):
        solver.EIGEN_CONDITION = condition
        profiles[label] = solve(structure, population, DOSES, TIMES).concentrations["parent"]
        results[label] = (_rate(lambda: solve(structure, population, DOSES, TIMES)),
                          _rate(lambda: solve(structure, fit, DOSES, TIMES)))
        print(f"{label:9s} population {results[label][0]:8.2f} calls/s   fit {results[label][1]:8.1f} calls/s")
    solver.EIGEN_CONDITION = default
    positive = profiles["van_loan"] > 0
    difference = np.max(np.abs(profiles["eigen"][positive] / profiles["van_loan"][positive] - 1))
    print(f"population_speedup={results['eigen'][0] / results['van_loan'][0]:.2f} "
          f"fit_speedup={results['eigen'][1] / results['van_loan'][1]:.2f} max_rel_diff={difference:.2e}")


if __name__ == "__main__":
    main()
