"""Population kinds are registry entries: the text, anchors and sampling ask the entry, never the kind's name."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import pbpk.populations
from pbpk.core.errors import PbpkInputError
from pbpk.physiology import reference_individual
from pbpk.populations.kinds import (
    AGE,
    PEDIATRIC,
    REGISTRY,
    Kind,
    adult_scaling,
    population_kind,
)
from pbpk.populations.sampling import anchor_table, anchors, parse_population, sample
from pbpk.populations.variability import adult_size


def test_the_registry_lists_exactly_adult_pediatric_pregnancy_renal_and_hepatic():
    assert list(REGISTRY) == ["adult", "pediatric", "pregnancy", "renal", "hepatic"]
    assert all(isinstance(kind, Kind) and kind.name == name for name, kind in REGISTRY.items())


def test_an_unknown_kind_lists_the_kinds_and_suggests_the_nearest():
    with pytest.raises(PbpkInputError, match='one of adult, pediatric, pregnancy, renal, hepatic.*Did you mean "pregnancy"'):
        parse_population("pregnancey: week 30")


def test_no_module_branches_on_the_kind_name():
    folder = Path(pbpk.populations.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.kind\s*(==|!=|in\b|not\b)", text), path.name
        assert not re.search(r"(==|!=|\bin)\s*\(?[\"'](adult|pediatric|pregnancy|renal|hepatic)[\"']", text), path.name


def _halve_cyp3a4(covariates, rng):
    return {"CYP3A4": np.full(len(covariates["age"]), 0.5)}


def _elderly(calls: list) -> Kind:
    """A kind the package does not know: two anchors per sex, its own body size, an extra and a column."""
    def person(age, sex, spec, body):
        calls.append(("person", float(age), sex))
        return reference_individual(sex)

    def size(data, female, age, ref_height, ref_weight, rng):
        calls.append(("size", len(female)))
        return adult_size(data, female, age, ref_height, ref_weight, rng)

    return Kind("elderly", "older adults", '"elderly: 70-80 y"', AGE, limits=(65.0, 100.0), default=(65.0, 90.0),
                person=person, grid=lambda low, high: np.array([low, high]), ethnic_body=True, size=size, scaling=adult_scaling,
                extras=(_halve_cyp3a4,), columns=(("years", "age"),))


def test_a_registered_kind_parses_builds_anchors_and_samples_through_its_entry(monkeypatch):
    calls: list = []
    monkeypatch.setitem(REGISTRY, "elderly", _elderly(calls))
    spec = parse_population("elderly: 70-80 y, japanese")
    assert (spec.kind, spec.ages, spec.ethnicity) == ("elderly", (70.0, 80.0), "japanese")
    assert parse_population("elderly").ages == (65.0, 90.0)
    with pytest.raises(PbpkInputError, match="within 65-100 years"):
        parse_population("elderly: 50-70 y")
    with pytest.raises(PbpkInputError, match="option"):
        parse_population("elderly: week 30")
    people = anchors(spec)
    assert [(sex, float(point)) for sex, point, _ in people] == [("male", 70.0), ("male", 80.0), ("female", 70.0),
                                                                 ("female", 80.0)]
    assert [c for c in calls if c[0] == "person"] == [("person", 70.0, "male"), ("person", 80.0, "male"),
                                                      ("person", 70.0, "female"), ("person", 80.0, "female")]
    table = anchor_table(people)
    subjects = sample(spec, 300, 4, table)
    assert ("size", 300) in calls
    assert np.all((subjects.age >= 70) & (subjects.age <= 80)) and np.all(subjects.week == 0)
    nearest = np.where(subjects.age < 75, 70.0, 80.0)
    assert np.array_equal(table.points[subjects.anchor], nearest)
    assert np.array_equal(table.female[subjects.anchor], subjects.female)
    covariates = subjects.covariates()
    assert np.array_equal(covariates["years"], subjects.age)

    monkeypatch.setitem(REGISTRY, "elderly", replace(population_kind("elderly"), extras=(), columns=()))
    plain = sample(spec, 300, 4, table)
    assert np.array_equal(subjects.enzyme_factor["CYP3A4"], 0.5 * plain.enzyme_factor["CYP3A4"])
    assert np.array_equal(subjects.weight, plain.weight) and "years" not in plain.covariates()


def test_a_copy_of_an_entry_under_another_name_gives_the_same_subjects(monkeypatch):
    monkeypatch.setitem(REGISTRY, "children", replace(PEDIATRIC, name="children"))
    ours, theirs = (sample(parse_population(f"{name}: 0.5-3 y"), 200, 6) for name in ("children", "pediatric"))
    assert ours.covariates().equals(theirs.covariates())
    assert all(np.array_equal(ours.mass_factor[t], theirs.mass_factor[t]) for t in ours.mass_factor)


@pytest.mark.parametrize("text", ["adult: week 30", "pediatric: weeks 20-30", "pregnancy: week 30, 25-35 y"])
def test_each_kind_reads_only_its_own_range_words(text):
    with pytest.raises(PbpkInputError, match="option"):
        parse_population(text)
