"""Dose-ranging spec files: the bundled example cites every number; bad fields name file, field, value."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from pbpk.core.datafiles import bundled_names, data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.pd.spec import load_spec

EXAMPLE = "nemtabrutinib-kemal-2026"

SPEC = """\
name: tiny
title: tiny example
drug: x
doses: {values: [10, 20], unit: mg, source: test}
exposure:
  model: closed_form
  name: AUC
  metric: auc
  unit: mg*h/L
  interval: {value: 24 h, source: test}
  clearance: {value: 2 L/h, source: test}
  iiv_cv: {value: 0.3, source: test}
efficacy:
  endpoint: response
  model: logistic
  unit: mg*h/L
  intercept: {value: -2.0, source: test}
  slope: {value: 0.1, source: test}
toxicity:
  endpoint: toxicity
  model: emax
  unit: mg*h/L
  p0: {value: 0.05, source: test}
  pmax: {value: 0.5, source: test}
  ec50: {value: 30, source: test}
"""


def write(tmp_path, text: str, name: str = "spec.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def numbers_without_source(node, path="") -> list[str]:
    """Paths of numbers in the YAML that sit in no mapping with a ``source``."""
    found = []
    if isinstance(node, dict):
        cited = "source" in node
        for key, value in node.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            numbers = isinstance(value, list) and any(isinstance(v, (int, float)) for v in value)
            if (number or numbers) and not cited:
                found.append(f"{path}.{key}")
            else:
                found += numbers_without_source(value, f"{path}.{key}")
    elif isinstance(node, list):
        for k, value in enumerate(node):
            found += numbers_without_source(value, f"{path}[{k}]")
    return found


def test_the_bundled_example_cites_every_number():
    assert EXAMPLE in bundled_names("pd_models")
    data = yaml.safe_load((data_dir("pd_models") / f"{EXAMPLE}.yaml").read_text())
    assert numbers_without_source(data) == []
    assert numbers_without_source({"a": {"value": 1}}) == [".a.value"]   # the check can fail


def test_the_example_loads_with_its_published_values():
    spec = load_spec(EXAMPLE)
    assert spec.doses == (5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 65.0, 75.0, 80.0)
    assert spec.exposure_model.clearance == 3.33 and spec.exposure_model.iiv_cv == 0.398
    assert spec.exposure_model.low_dose == (30.0, -0.151)
    # the time-on-treatment term at one year is folded into the intercept: −7.3978 + 8.7637·360/(200 + 360)
    assert spec.efficacy.intercept == pytest.approx(-7.3978 + 8.7637 * 360 / 560, rel=1e-12)
    assert spec.toxicity_limit == 0.2 and spec.rule.kind == "fraction"


def test_a_small_spec_and_unit_conversion(tmp_path):
    spec = load_spec(write(tmp_path, SPEC.replace("  unit: mg*h/L\n  intercept", "  unit: ng*h/mL\n  intercept")))
    assert spec.efficacy.factor == pytest.approx(1000.0)          # exposures in mg·h/L, model in ng·h/mL
    result = spec.run(50, seed=1)
    assert result.n == 50 and result.table.shape[0] == 2


@pytest.mark.parametrize("old, new, field, expected", [
    ("  slope: {value: 0.1, source: test}\n", "  slope: {value: 0.1, source: test}\n  log_exposre: true\n",
     "efficacy.log_exposre", 'Did you mean "log_exposure"'),
    ("clearance: {value: 2 L/h", "clearance: {value: -2 L/h", "exposure.clearance.value", "positive"),
    ("model: emax", "model: probit", "toxicity.model", "one of: logistic, emax"),
    ("metric: auc", "metric: cmin", "exposure.metric", "one of: auc, cavg"),
    ("values: [10, 20]", "values: [10, -20]", "doses.values[1]", "a dose ≥ 0"),
    ("  unit: mg*h/L\n  p0", "  unit: L/h\n  p0", "toxicity.unit", "same exposure"),
    ("slope: {value: 0.1, source: test}", "slope: 0.1", "efficacy.slope", "source"),
])
def test_bad_fields_name_file_field_value_and_expectation(tmp_path, old, new, field, expected):
    assert old in SPEC
    path = write(tmp_path, SPEC.replace(old, new, 1))
    with pytest.raises(PbpkInputError) as info:
        load_spec(path)
    assert info.value.field == field
    assert str(path.name) in info.value.where and ":" in info.value.where    # file:line
    assert expected in str(info.value)


def test_exposures_from_a_table(tmp_path):
    (tmp_path / "exposures.csv").write_text("DOSE,AUC\n10,4\n10,6\n20,9\n20,11\n")
    table_spec = SPEC.replace(SPEC[SPEC.index("  model: closed_form"):SPEC.index("efficacy:")],
                              "  model: table\n  name: AUC\n  unit: mg*h/L\n  file: exposures.csv\n"
                              "  dose_column: DOSE\n  exposure_column: AUC\n")
    spec = load_spec(write(tmp_path, table_spec))
    assert not spec.simulated
    result = spec.run()
    assert result.n == 2 and list(result.table[result.column("p50")]) == [5.0, 10.0]
    with pytest.raises(PbpkInputError) as info:
        load_spec(write(tmp_path, table_spec.replace("values: [10, 20]", "values: [10, 30]"), "other.yaml"))
    assert info.value.field == "exposure.file" and "none at 30" in str(info.value)


def test_unknown_spec_names_suggest_the_bundled_ones():
    with pytest.raises(PbpkInputError, match="nemtabrutinib-kemal-2026"):
        load_spec("nemtabrutinib-kemal")
