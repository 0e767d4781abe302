"""Code generation: a symbolic model becomes compiled kernels.

The right-hand side, the analytic Jacobian and the outputs are printed as
Python source after common-subexpression elimination, together with thin
drivers around the generic integrators (:mod:`pbpk.rosenbrock`,
:mod:`pbpk.linear`). The source goes to a file in the kernel cache, named by
a hash of the source; Numba caches the machine code next to it, so a second
process — or a new set of parameter values — never recompiles.

Backends (registry :data:`BACKENDS`):

``numba``
    the generated module, compiled with ``numba.njit(cache=True)``.
``python``
    ``sympy.lambdify`` of the same expressions; the oracle the tests compare
    the Numba kernels against.

The cache folder is ``$PBPK_CACHE_DIR``, else ``$XDG_CACHE_HOME/pbpk``, else
``~/.cache/pbpk``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numba
import numpy as np
import sympy as sp
from sympy.printing.pycode import pycode

from pbpk import linear, rosenbrock
from pbpk.model import SymbolicModel

_DRIVERS = '''

@njit(cache=True, parallel=True)
def solve_population(y0, parameters, t_out, schedule_t, schedule_bolus, schedule_rate, rtol, atol,
                     max_steps, out, status):
    for k in prange(parameters.shape[0]):
        status[k], _ = integrate(y0, parameters[k], t_out, schedule_t, schedule_bolus[k],
                                 schedule_rate[k], rtol, atol[k], max_steps, out[k])


@njit(cache=True, parallel=True)
def exact_population(y0, parameters, t_out, schedule_t, schedule_bolus, schedule_rate, out, status):
    for k in prange(parameters.shape[0]):
        status[k] = propagate(y0, parameters[k], t_out, schedule_t, schedule_bolus[k],
                              schedule_rate[k], out[k])


@njit(cache=True)
def outputs_series(states, p, out):
    for i in range(states.shape[0]):
        outputs(states[i], p, out[i])


@njit(cache=True, parallel=True)
def outputs_population(states, parameters, out):
    for k in prange(states.shape[0]):
        for i in range(states.shape[1]):
            outputs(states[k, i], parameters[k], out[k, i])
'''


def _specialised(function: Callable, kernels: str) -> str:
    """Source of a generic solver function with its kernel arguments removed.

    ``rosenbrock.integrate(rhs, jac, ...)`` and ``linear.propagate(jac, ...)`` take
    the model kernels as arguments; in a generated module they call the module's
    own ``rhs``/``jac`` instead, which lets Numba cache the compiled solver (it
    does not cache functions that receive compiled functions with array
    arguments).
    """
    source = inspect.getsource(function)
    signature = f"def {function.__name__}({kernels}, "
    if signature not in source:
        raise RuntimeError(f"{function.__module__}.{function.__name__} must start with arguments {kernels}")
    return source.replace(signature, f"def {function.__name__}(", 1)


def cache_dir() -> Path:
    """Folder of generated kernels (see module docstring)."""
    if os.environ.get("PBPK_CACHE_DIR"):
        return Path(os.environ["PBPK_CACHE_DIR"])
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "pbpk"


def _symbol_map(model: SymbolicModel) -> dict[sp.Symbol, sp.Symbol]:
    mapping = {state: sp.Symbol(f"y[{i}]") for i, state in enumerate(model.states)}
    mapping.update({parameter: sp.Symbol(f"p[{j}]") for j, parameter in enumerate(model.parameters)})
    return mapping


def _function_source(name: str, arguments: str, targets: list[str], expressions: list[sp.Expr],
                     prelude: str = "") -> str:
    """A Numba function assigning each expression (after CSE) to its target."""
    replacements, reduced = sp.cse(expressions, symbols=sp.numbered_symbols("x"), optimizations="basic")
    lines = ["@njit(cache=True)", f"def {name}({arguments}):"]
    if prelude:
        lines.append(f"    {prelude}")
    lines += [f"    {symbol} = {pycode(value)}" for symbol, value in replacements]
    lines += [f"    {target} = {pycode(value)}" for target, value in zip(targets, reduced)]
    if len(lines) == 2:
        lines.append("    pass")
    return "\n".join(lines)


def generate_source(model: SymbolicModel) -> str:
    """The Python source of the kernel module of ``model``."""
    mapping = _symbol_map(model)
    rhs = [sp.sympify(e).xreplace(mapping) for e in model.rhs]
    jacobian = model.jacobian
    entries = [(i, j) for i in range(jacobian.rows) for j in range(jacobian.cols) if jacobian[i, j] != 0]
    jac = [jacobian[i, j].xreplace(mapping) for i, j in entries]
    outputs = [sp.sympify(e).xreplace(mapping) for e in model.outputs.values()]
    engine = hashlib.sha256((inspect.getsource(rosenbrock) + inspect.getsource(linear)).encode()).hexdigest()[:16]
    header = [
        "# Generated by pbpk.codegen: do not edit.",
        f"# model: {model.name}",
        f"# structure: {model.topology.signature}",
        f"# states: {', '.join(model.state_names)}",
        f"# parameters: {', '.join(model.parameter_names)}",
        f"# outputs: {', '.join(model.outputs)}",
        f"# engine: {engine}; numba {numba.__version__}; numpy {np.__version__}",
        "import numpy as np",
        "from numba import njit, prange",
        "from pbpk.linear import _transition",
        "from pbpk.rosenbrock import (A21, A31, A32, A41, A42, A43, A51, A52, A53, A54, C21, C31, C32, C41, C42,",
        "                             C43, C51, C52, C53, C54, C61, C62, C63, C64, C65, GAMMA, MAX_STEPS, OK,",
        "                             SINGULAR, STEP_TOO_SMALL, _error_norm, lu_factor, lu_solve)",
        "",
        f"N_STATES = {len(model.states)}",
        f"N_PARAMETERS = {len(model.parameters)}",
        f"N_OUTPUTS = {len(model.outputs)}",
        "",
    ]
    body = [
        _function_source("rhs", "y, p, dy", [f"dy[{i}]" for i in range(len(rhs))], rhs),
        _function_source("jac", "y, p, J", [f"J[{i}, {j}]" for i, j in entries], jac, prelude="J[:, :] = 0.0"),
        _function_source("outputs", "y, p, out", [f"out[{i}]" for i in range(len(outputs))], outputs),
    ]
    body.append(_specialised(rosenbrock.integrate, "rhs, jac").rstrip())
    body.append(_specialised(linear.propagate, "jac").rstrip())
    return "\n".join(header) + "\n\n" + "\n\n\n".join(body) + "\n" + _DRIVERS


@dataclass(frozen=True)
class Kernel:
    """Compiled functions of one model and one backend.

    ``rhs(y, p, dy)``, ``jac(y, p, J)`` and ``outputs(y, p, out)`` write into
    their last argument. The numba backend also has the drivers ``solve_one``,
    ``integrate``, ``propagate``, ``solve_population``, ``exact_population``,
    ``outputs_series`` and ``outputs_population``.
    """

    model: SymbolicModel
    backend: str
    rhs: Callable
    jac: Callable
    outputs: Callable
    module: ModuleType | None = None
    key: str = ""


def _structure_key(model: SymbolicModel) -> str:
    """Hash of what determines the generated source: the structure and the generator's code."""
    from pbpk import model as model_module

    code = "".join(inspect.getsource(m) for m in (model_module, sys.modules[__name__], rosenbrock, linear))
    text = f"{model.name}|{model.topology.signature}|{code}|{numba.__version__}|{np.__version__}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _load_numba(model: SymbolicModel) -> Kernel:
    """Load the kernel module, generating it only when its structure is new.

    Files: ``kernels/pbpk_kernel_<source hash>.py`` (the module; Numba's cache sits
    in ``kernels/__pycache__``) and ``kernels/index/<structure hash>`` (the source
    hash of a structure, so a known model is not regenerated).
    """
    folder = cache_dir() / "kernels"
    index = folder / "index" / _structure_key(model)
    key = index.read_text(encoding="utf-8").strip() if index.exists() else ""
    path = folder / f"pbpk_kernel_{key}.py"
    if not key or not path.exists():
        source = generate_source(model)
        key = hashlib.sha256(source.encode()).hexdigest()[:20]
        path = folder / f"pbpk_kernel_{key}.py"
        _write_atomic(path, source)
        _write_atomic(index, key)
    name = f"pbpk_kernel_{key}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return Kernel(model, "numba", module.rhs, module.jac, module.outputs, module, key)


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so concurrent processes never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _load_python(model: SymbolicModel) -> Kernel:
    y = sp.MatrixSymbol("y", len(model.states), 1)
    p = sp.MatrixSymbol("p", len(model.parameters), 1)
    mapping = {state: y[i, 0] for i, state in enumerate(model.states)}
    mapping.update({parameter: p[j, 0] for j, parameter in enumerate(model.parameters)})
    rhs_f = sp.lambdify((y, p), sp.Matrix([sp.sympify(e).xreplace(mapping) for e in model.rhs]), "numpy")
    jac_f = sp.lambdify((y, p), model.jacobian.xreplace(mapping), "numpy")
    out_f = sp.lambdify((y, p), sp.Matrix([sp.sympify(e).xreplace(mapping) for e in model.outputs.values()]), "numpy")

    def call(function: Callable) -> Callable:
        def kernel(state: np.ndarray, parameters: np.ndarray, target: np.ndarray) -> None:
            result = np.asarray(function(state.reshape(-1, 1), parameters.reshape(-1, 1)), dtype=float)
            target[...] = result.reshape(target.shape)
        return kernel

    return Kernel(model, "python", call(rhs_f), call(jac_f), call(out_f))


BACKENDS: dict[str, Callable[[SymbolicModel], Kernel]] = {"numba": _load_numba, "python": _load_python}
_LOADED: dict[tuple[str, str, str], Kernel] = {}


def compile_model(model: SymbolicModel, backend: str = "numba") -> Kernel:
    """The compiled kernel of ``model`` (built once per model and backend in a process)."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    key = (model.name, model.topology.signature, backend)
    if key not in _LOADED:
        _LOADED[key] = BACKENDS[backend](model)
    return _LOADED[key]
