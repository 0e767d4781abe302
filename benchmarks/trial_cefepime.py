"""Benchmark: the bundled cefepime trial (``pbpk trial cefepime``), 1,000 patients, local against Dask.

Goal (issue 15): a 1,000-patient × 3-strategy cefepime trial with two TDM updates in under a minute on this
machine. The bundled spec has four strategies (two label-table infusions, a model-based dose, TDM after doses 2
and 3); the run is timed on the local backend and on a two-worker ``dask.distributed`` local cluster, and the
per-patient outcomes of the two are compared (the same seed must give the same trial).

Run: ``python benchmarks/trial_cefepime.py [N]``.
"""

from __future__ import annotations

import sys
import time

from pbpk.mipd.trial import run_trial
from pbpk.mipd.trial_spec import load_trial

GOAL_SECONDS = 60.0


def main(n: int = 1000) -> None:
    spec = load_trial("cefepime")
    run_trial(spec, n=20)  # compile the kernels and fill the caches before timing
    timings, results = {}, {}
    for backend in ("local", "dask"):
        started = time.perf_counter()
        results[backend] = run_trial(spec, n=n, seed=1, backend=backend)
        timings[backend] = time.perf_counter() - started
    same = results["local"].patients.equals(results["dask"].patients)
    strategies = len(spec.strategies)
    print(f"trial cefepime  {n} patients × {strategies} strategies (TDM: {sum(len(s.samples) for s in spec.strategies)}"
          f" updates)  local {timings['local']:.1f} s   dask {timings['dask']:.1f} s   goal < {GOAL_SECONDS:g} s   "
          f"local/goal {timings['local'] / GOAL_SECONDS:.2f}   dask/local {timings['dask'] / timings['local']:.2f}   "
          f"identical outcomes: {same}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
