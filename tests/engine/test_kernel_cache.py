"""Kernels are cached on disk: a second process loads them; new parameter values never recompile."""

import os
import subprocess
import sys
import textwrap

from pbpk.engine.codegen import cache_dir
from pbpk.simulation.simulate import model_for, simulate

SCRIPT = textwrap.dedent("""
    import json, time
    from pbpk import load_compound, reference_individual
    from pbpk.engine.codegen import compile_model
    from pbpk.simulation.simulate import model_for, simulate
    start = time.perf_counter()
    mdz, man = load_compound("midazolam"), reference_individual("male")
    simulation = simulate(mdz, man, dose="5 mg", route="iv", until="24 h")
    kernel = compile_model(model_for(mdz, man))
    kernels = (kernel.compiled.rhs, kernel.compiled.jac, kernel.compiled.outputs)
    print(json.dumps({"key": kernel.key, "hits": sum(k.cache_hits for k in kernels),
                      "auc": float(simulation.state("AUC_plasma")[-1]), "seconds": time.perf_counter() - start}))
""")


def run_process(tmp_path):
    env = dict(os.environ, PBPK_CACHE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True)
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def test_second_process_loads_the_kernel_from_disk(tmp_path):
    first = run_process(tmp_path)
    second = run_process(tmp_path)
    assert first["key"] == second["key"]
    assert first["hits"] == 0 and second["hits"] == 3  # rhs, jac and outputs loaded from disk
    assert second["auc"] == first["auc"]
    assert len(list((tmp_path / "kernels").glob("pbpk_kernel_*.py"))) == 1


def test_new_parameter_values_and_new_models_do_not_recompile_the_solver(compound, male, female):
    from pbpk.engine.rosenbrock import integrate

    mdz = compound("midazolam")
    simulate(mdz, male, dose="5 mg", until="24 h")
    signatures = len(integrate.signatures)
    other = simulate(mdz, female, dose="2 mg", route="oral", until="24 h")
    assert other.status.ok
    assert model_for(mdz, female) is model_for(mdz, male)  # same structure, same model and kernels
    simulate(compound("digoxin"), male, dose="0.5 mg", until="24 h")  # another structure: new kernels only
    assert len(integrate.signatures) == signatures


def test_cache_folder_can_be_chosen(tmp_path, monkeypatch):
    monkeypatch.setenv("PBPK_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
