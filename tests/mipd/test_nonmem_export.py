"""The NONMEM export, read back by pharmpy: the same θ, Ω, σ, the same individual parameters, NWPRI records."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.modelfile import library, load_poppk
from pbpk.mipd.nonmem import NonmemPrior, control_stream

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


@pytest.mark.parametrize("name", library())
def test_sigma_read_back_in_nonmem_conventions(name):
    """$SIGMA holds variances (NONMEM guide VIII); an sd-sum error is two fixed θ (SDs) on EPS with variance 1."""
    model = load_poppk(name)
    parsed = pharmpy.read_model_from_string(control_stream(model))
    values = parsed.parameters.inits
    sigma = parsed.random_variables.epsilons.covariance_matrix.subs(dict(values))
    sigma = np.array(sigma.to_numpy() if hasattr(sigma, "to_numpy") else sigma, dtype=float)
    error = model.errors["parent"]
    a, b = error.additive_sd, error.proportional_sd
    if error.kind == "combined" and error.combination == "sd-sum":
        assert sigma == pytest.approx(np.array([[1.0]]))
        extra = [p for p in parsed.parameters if p.name.startswith("THETA") or p.name not in model.theta_values]
        assert sorted(p.init for p in extra if p.fix and p.init != 1.0) == pytest.approx(sorted([a, b]))
    else:
        expected = {"additive": [a**2], "exponential": [a**2], "proportional": [b**2], "combined": [b**2, a**2]}
        assert sigma == pytest.approx(np.diag(expected[error.kind]))


def test_nwpri_prior_records():
    """$PRIOR NWPRI: θ means and variances (CV·θ)², Ω blocks as $OMEGAP with one $OMEGAPD each."""
    model = load_poppk("vancomycin-goti-2018")
    text = control_stream(model, prior=NonmemPrior(0.3, 0.25, 20, "PBPK-derived, uncertainty assumed"))
    parsed = pharmpy.read_model_from_string(text)
    assert list(parsed.parameters.inits.values())[:len(model.thetas)] == pytest.approx(
        [t.value for t in model.thetas])
    records = {line.split()[0]: line for line in text.splitlines() if line.startswith("$")}
    numbers = [float(x) for x in re.findall(r"\(([-\d.e+]+) FIX\)", records["$THETAP"])]
    assert numbers == pytest.approx([t.value for t in model.thetas])
    size = len(model.thetas)
    block = [float(x) for x in records["$THETAPV"].split(")", 1)[1].split()[:-1]]
    full = np.zeros((size, size))
    full[np.tril_indices(size)] = block
    # θ with a unit: SD = CV·θ; dimensionless θ (the CrCL exponent, the dialysis factors): absolute SD
    assert np.diag(full) == pytest.approx([(0.3 * t.value if t.unit != "1" else 0.25) ** 2 for t in model.thetas])
    assert {t.unit for t in model.thetas} >= {"1", "L/h"}
    omegap = [line for line in text.splitlines() if line.startswith("$OMEGAP ")]
    assert [float(line.split()[2]) for line in omegap] == pytest.approx(np.diag(model.omega.matrix))
    assert records["$OMEGAPD"].count("(20 FIX)") == len(model.omega.blocks)
    assert "MAXEVAL=9999" in records["$ESTIMATION"]
    with pytest.raises(PbpkInputError, match="prior.reason"):
        control_stream(model, prior=NonmemPrior(0.3, 0.25, 20, "two\n$THETA 99"))
    with pytest.raises(PbpkInputError, match="0 < CV < 10"):
        control_stream(model, prior=NonmemPrior(12, 0.25, 20, "r"))
    derived_like = load_poppk("example-pkpdmap-run1")  # one 2 × 2 Ω block
    with pytest.raises(PbpkInputError, match="at least 2 degrees of freedom"):
        control_stream(derived_like, prior=NonmemPrior(0.3, 0.25, 1, "r"))
    with pytest.raises(PbpkInputError, match="whole number"):
        control_stream(derived_like, prior=NonmemPrior(0.3, 0.25, True, "r"))
