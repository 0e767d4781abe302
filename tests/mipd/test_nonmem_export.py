"""The NONMEM export, read back by pharmpy: the same θ, Ω, σ and the same individual parameters."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.mipd.modelfile import library, load_poppk
from pbpk.mipd.nonmem import control_stream

pharmpy = pytest.importorskip("pharmpy.modeling")

PATIENT = {"CLCREAT": 65.0, "CRCL": 65.0, "WT": 82.0, "DIAL": 1.0, "BW": 82.0, "SEX": 1.0}


@pytest.mark.parametrize("name", library())
def test_control_stream_parsed_by_pharmpy_gives_back_the_model(name):
    model = load_poppk(name)
    parsed = pharmpy.read_model_from_string(control_stream(model))
    values = parsed.parameters.inits
    assert [values[theta.name] for theta in model.thetas] == pytest.approx([t.value for t in model.thetas])
    omega = parsed.random_variables.etas.covariance_matrix.subs(dict(values))
    assert np.array(omega.to_numpy() if hasattr(omega, "to_numpy") else omega, dtype=float) == pytest.approx(
        model.omega.matrix)
    eta = {f"ETA_{k}": 0.1 * k for k in range(1, len(model.eta_names) + 1)}
    ours = model.parameters({c: PATIENT[c] for c in model.covariate_names},
                            np.array([[0.1 * k for k in range(1, len(model.eta_names) + 1)]]))
    substitutions = {**{t.name: t.value for t in model.thetas}, **eta,
                     **{c: PATIENT[c] for c in model.covariate_names}}
    statements = parsed.statements.before_odes
    for parameter in model.structure.required:
        target = parameter
        if model.structure.absorption != "none" and model.structure.compartments > 1:
            target = {"V1": "V2", "V2": "V3", "Q2": "Q3", "V3": "V4", "Q3": "Q4"}.get(parameter, parameter)
        expression = statements.full_expression(target).subs(substitutions)
        assert float(expression) == pytest.approx(float(np.ravel(ours[parameter])[0]), rel=1e-12), parameter
