"""Safe YAML loading and record validation."""

import pytest

from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml


def write(tmp_path, text, name="x.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lines_are_remembered_for_messages(tmp_path):
    data = load_yaml(write(tmp_path, "a: 1\nb:\n  c: 2\n"))
    record = Record(data, "x.yaml")
    sub = record.record("b")
    with pytest.raises(PbpkInputError, match=r"^x\.yaml:3: b\.c: got 2; expected a number in \[0, 1\]"):
        sub.number("c", low=0, high=1)


def test_duplicate_keys_are_refused(tmp_path):
    with pytest.raises(PbpkInputError, match=r"x\.yaml:2.*duplicate key \"a\" \(first on line 1\)"):
        load_yaml(write(tmp_path, "a: 1\na: 2\n"))


def test_python_tags_do_not_execute(tmp_path):
    marker = tmp_path / "pwned"
    text = f"a: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(PbpkInputError, match="YAML tags are not allowed"):
        load_yaml(write(tmp_path, text))
    assert not marker.exists()


def test_malformed_yaml_names_file_and_line(tmp_path):
    with pytest.raises(PbpkInputError, match=r"x\.yaml:2: got .*expected valid YAML"):
        load_yaml(write(tmp_path, "a: [1, 2\nb: 3\n"))


def test_missing_file():
    with pytest.raises(PbpkInputError, match="expected an existing YAML file"):
        load_yaml("does/not/exist.yaml")


def test_unknown_field_with_did_you_mean():
    record = Record({"fu_plasma": 0.5, "fu_plsma": 0.3}, "x.yaml")
    record.number("fu_plasma")
    with pytest.raises(PbpkInputError, match=r'fu_plsma.*Did you mean "fu_plasma"\?'):
        record.finish()


def test_cited_value_needs_source():
    record = Record({"logP": {"value": 2.0}}, "x.yaml")
    with pytest.raises(PbpkInputError, match="source"):
        record.cited("logP")
    record = Record({"logP": 2.0}, "x.yaml")
    with pytest.raises(PbpkInputError, match="Every value needs its source"):
        record.cited("logP")


def test_string_number_gets_a_hint():
    record = Record({"fu": "0.5"}, "x.yaml")
    with pytest.raises(PbpkInputError, match="without quotes"):
        record.number("fu")
