"""Bad input, class by class (issue: foundation, point 8).

Each error names the file, the field, the value found and what was expected.
The compound files are variants of the bundled midazolam file.
"""

from __future__ import annotations

import pytest
import yaml

from pbpk.compound import load_compound
from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.physiology import reference_individual


@pytest.fixture()
def midazolam_text() -> str:
    return (data_dir("compounds") / "midazolam.yaml").read_text(encoding="utf-8")


def load_variant(tmp_path, text: str):
    path = tmp_path / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    return load_compound(path)


def expect_error(tmp_path, text: str, *fragments: str) -> str:
    with pytest.raises(PbpkInputError) as err:
        load_variant(tmp_path, text)
    message = str(err.value)
    assert "variant.yaml" in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def test_missing_required_field(tmp_path, midazolam_text):
    text = "\n".join(line for line in midazolam_text.splitlines() if not line.startswith("fu_plasma:"))
    expect_error(tmp_path, text, "fu_plasma: got nothing", 'Add the required field "fu_plasma"')


def test_unknown_field_with_did_you_mean(tmp_path, midazolam_text):
    text = midazolam_text.replace("binding_protein: albumin", "binding_protein: albumin\nmolecular_wieght: 3")
    expect_error(tmp_path, text, "molecular_wieght", 'Did you mean "molecular_weight"?', "Unknown fields are not ignored")


def test_wrong_dimension_for_a_clearance(tmp_path, midazolam_text):
    text = midazolam_text.replace("  renal:\n    filtration: true", "  renal:\n    filtration: true\n    secretion: 5 mg")
    expect_error(tmp_path, text, "clearance.renal.secretion", "got '5 mg'", "volume / time", "It has units of mass")


def test_fu_outside_unit_interval(tmp_path, midazolam_text):
    text = midazolam_text.replace("fu_plasma: {value: 0.031,", "fu_plasma: {value: 3.1,")
    expect_error(tmp_path, text, "fu_plasma.value", "got 3.1", "in (0, 1]", "If this is percent unbound, divide by 100")
    text = midazolam_text.replace("fu_plasma: {value: 0.031,", "fu_plasma: {value: 0,")
    expect_error(tmp_path, text, "fu_plasma.value", "got 0")


def test_negative_clearance(tmp_path, midazolam_text):
    text = midazolam_text.replace("Km: 4 umol/L", "Km: -4 umol/L")
    expect_error(tmp_path, text, "clearance.hepatic[0].Km", "got '-4 umol/L'", "positive")


def test_negative_organ_volume_in_physiology(edited_physiology):
    folder = edited_physiology("adult_reference.yaml", "liver:                   {male: 1800 g",
                               "liver:                   {male: -1800 g")
    with pytest.raises(PbpkInputError) as err:
        reference_individual("male", database=folder)
    message = str(err.value)
    assert "adult_reference.yaml:" in message and "organ_mass.rows.liver.male" in message and "-1800 g" in message


def test_unknown_enzyme(tmp_path, midazolam_text):
    text = midazolam_text.replace("enzyme: CYP3A4", "enzyme: CYP3A44")
    expect_error(tmp_path, text, "clearance.hepatic[0].enzyme", "CYP3A44", 'Did you mean "CYP3A4"?')


def test_unknown_tissue(tmp_path, midazolam_text):
    text = midazolam_text + 'measured_kp:\n  livr: {value: 2.0, source: "test"}\n'
    expect_error(tmp_path, text, "measured_kp.livr", 'Did you mean "liver"?')


def test_kp_scale_must_be_positive(tmp_path, midazolam_text):
    text = midazolam_text + 'kp_scale: {value: -0.4, source: "test"}\n'
    expect_error(tmp_path, text, "kp_scale", "-0.4")


def test_malformed_yaml(tmp_path, midazolam_text):
    text = midazolam_text.replace("binding_protein: albumin", "binding_protein: [albumin")
    expect_error(tmp_path, text, "expected valid YAML")


def test_yaml_tags_are_refused_and_nothing_executes(tmp_path, midazolam_text):
    marker = tmp_path / "executed"
    text = midazolam_text.replace("binding_protein: albumin",
                                  f"binding_protein: !!python/object/apply:os.system ['touch {marker}']")
    expect_error(tmp_path, text, "YAML tags are not allowed")
    assert not marker.exists()


def test_duplicate_key(tmp_path, midazolam_text):
    text = midazolam_text + "name: midazolam again\n"
    expect_error(tmp_path, text, 'duplicate key "name"')


def test_zwitterion_without_logp(tmp_path, compound):
    data = yaml.safe_load((data_dir("compounds") / "rifampicin.yaml").read_text())
    del data["logP"]
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(PbpkInputError, match="logP for a zwitterion"):
        load_compound(path)


def test_urine_flow_reabsorption_needs_a_fraction_below_one(tmp_path):
    """Passive reabsorption is calibrated on the adult fraction; 1 (no reabsorption) cannot be calibrated."""
    data = yaml.safe_load((data_dir("compounds") / "theophylline.yaml").read_text(encoding="utf-8"))
    data["clearance"]["renal"]["gfr_fraction"] = 1.0
    path = tmp_path / "theophylline.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PbpkInputError, match=r"gfr_fraction.*between 0 and 1 \(exclusive\)"):
        load_compound(str(path))
    data["clearance"]["renal"]["gfr_fraction"], data["clearance"]["renal"]["reabsorption"] = 0.12, "active"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PbpkInputError, match="reabsorption.*constant, urine_flow"):
        load_compound(str(path))
