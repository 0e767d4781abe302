"""Generated Numba kernels equal the lambdified sympy expressions (the python backend)."""

import numpy as np
import pytest

from pbpk.engine.codegen import compile_model, generate_source
from pbpk.model.parameters import parameter_vector
from pbpk.simulation.simulate import model_for


@pytest.mark.parametrize("kinetics", ["michaelis_menten", "linear"])
def test_numba_equals_lambdify_on_random_inputs(variants, male, kinetics):
    rng = np.random.default_rng(1)
    for compound in variants.values():
        model = model_for(compound, male, kinetics=kinetics)
        fast, oracle = compile_model(model, "numba"), compile_model(model, "python")
        base = parameter_vector(model, compound, male)
        n, m = len(model.states), len(model.outputs)
        for _ in range(5):
            y = rng.uniform(0, 10, n)
            p = base * rng.uniform(0.5, 2.0, base.shape)
            p[[i for i, name in enumerate(model.parameter_names) if name in ("fa", "Fg", "fE_liver", "f_filtered")]] *= 0.4
            for function in ("rhs", "jac", "outputs"):
                shape = {"rhs": (n,), "jac": (n, n), "outputs": (m,)}[function]
                a, b = np.empty(shape), np.empty(shape)
                getattr(fast, function)(y, p, a)
                getattr(oracle, function)(y, p, b)
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max(), err_msg=function)


def test_linear_detection(variants, male):
    compound = variants["midazolam (perfusion, saturable liver, oral first-order)"]
    assert not model_for(compound, male).is_linear
    assert model_for(compound, male, kinetics="linear").is_linear


def test_source_is_deterministic_and_has_cse(variants, male):
    model = model_for(variants["midazolam (perfusion, saturable liver, oral first-order)"], male)
    source = generate_source(model)
    assert source == generate_source(model)
    assert "    x0 = " in source  # common subexpressions are named
    assert "def jac(y, p, J):" in source and "def rhs(y, p, dy):" in source


def test_equations_are_readable(variants, male):
    model = model_for(variants["midazolam (permeability-limited liver, brain, kidney)"], male)
    text = model.equations()
    assert "dA_liver_intracellular/dt = " in text
    assert "PS_liver" in text and "Vmax_CYP3A4" in text
    assert r"\frac{d" in model.equations(latex=True)
