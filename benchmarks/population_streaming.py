"""Virtual populations at scale: 10⁶ adults through the midazolam model, streaming percentiles.

Runs side by side, each in a fresh process (so peak memory is its own):

stream      pbpk.populations.run, local backend, profiles not kept (the default
            for large n): percentiles from per-time histograms, metrics per subject
kept        the same run keeping every profile (the memory the streaming avoids),
            on fewer subjects and scaled to n
dask        the streaming run through a dask LocalCluster (2 workers, threads)

Model: midazolam, linear kinetics (exact solution), 5 mg IV, European adults
20-50 y, 241 output times, chunks of 5000 subjects. The last line is
``stream_s=<s> stream_subjects_per_s=<rate> stream_peak_mb=<MB> kept_peak_mb_at_n=<MB>
memory_ratio=<kept/stream> dask_vs_local=<throughput ratio>``.

Run: ``python benchmarks/population_streaming.py [--subjects 1000000] [--kept-subjects 20000]
[--dask-subjects 100000]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

RUN = textwrap.dedent("""
    import json, resource, sys, time
    from pbpk.compound import load_compound
    from pbpk.populations.run import simulate_virtual_population
    n, backend, keep = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "keep"
    midazolam = load_compound("midazolam")
    simulate_virtual_population(midazolam, "adult", 100, dose="5 mg", kinetics="linear")  # compile, warm up
    start = time.perf_counter()
    result = simulate_virtual_population(midazolam, "adult", n, dose="5 mg", kinetics="linear", chunk_size=5000,
                                         backend=backend, keep_profiles=keep, seed=1)
    seconds = time.perf_counter() - start
    print(json.dumps({"n": n, "seconds": seconds, "failed": result.failed,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "median_auc": float(result.summary().set_index("metric").loc["AUC_inf", "P50"])}))
""")


def run(n: int, backend: str, keep: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", RUN, str(n), backend, "keep" if keep else "stream"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--kept-subjects", type=int, default=20_000)
    parser.add_argument("--dask-subjects", type=int, default=100_000)
    args = parser.parse_args()

    stream = run(args.subjects, "local", keep=False)
    print(f"stream: {stream['n']} subjects in {stream['seconds']:.1f} s "
          f"({stream['n'] / stream['seconds']:.0f}/s), peak {stream['peak_mb']:.0f} MB, failed {stream['failed']}, "
          f"median AUC_inf {stream['median_auc']:.4g} mg*h/L")
    baseline = run(args.kept_subjects, "local", keep=False)
    kept = run(args.kept_subjects, "local", keep=True)
    per_subject = max(kept["peak_mb"] - baseline["peak_mb"], 0.0) / args.kept_subjects
    kept_at_n = stream["peak_mb"] + per_subject * args.subjects
    print(f"kept: {args.kept_subjects} subjects with profiles peak {kept['peak_mb']:.0f} MB vs {baseline['peak_mb']:.0f} MB "
          f"streaming ({1e3 * per_subject:.2f} kB per subject) -> {kept_at_n:.0f} MB at {args.subjects}")
    local = run(args.dask_subjects, "local", keep=False)
    dask = run(args.dask_subjects, "dask", keep=False)
    ratio = (args.dask_subjects / dask["seconds"]) / (args.dask_subjects / local["seconds"])
    print(f"dask: {args.dask_subjects} subjects in {dask['seconds']:.1f} s vs local {local['seconds']:.1f} s; "
          f"same median AUC: {dask['median_auc'] == local['median_auc']}")
    print(f"stream_s={stream['seconds']:.1f} stream_subjects_per_s={stream['n'] / stream['seconds']:.0f} "
          f"stream_peak_mb={stream['peak_mb']:.0f} kept_peak_mb_at_n={kept_at_n:.0f} "
          f"memory_ratio={kept_at_n / stream['peak_mb']:.1f} dask_vs_local={ratio:.2f}")


if __name__ == "__main__":
    main()
