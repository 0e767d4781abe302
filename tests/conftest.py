"""Shared fixtures: the reference adults and bundled compounds are built once per session; an edited copy of
the physiology database for bad-input tests."""

from __future__ import annotations

import shutil

import pytest

from pbpk.compound import load_compound
from pbpk.core.datafiles import data_dir
from pbpk.physiology import reference_individual


@pytest.fixture(scope="session")
def male():
    return reference_individual("male")


@pytest.fixture(scope="session")
def female():
    return reference_individual("female")


@pytest.fixture(scope="session")
def compound():
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_compound(name)
        return cache[name]

    return get


@pytest.fixture
def edited_physiology(tmp_path):
    """``edit(file, old, new)``: a copy of ``physiology_db`` with ``old`` replaced by ``new`` in ``file`` (once)."""

    def edit(file: str, old: str, new: str):
        folder = tmp_path / "physiology"
        if not folder.exists():
            shutil.copytree(data_dir("physiology_db"), folder)
        path = folder / file
        text = path.read_text()
        assert text.count(old) == 1, f"{old!r} is not once in {file}"
        path.write_text(text.replace(old, new))
        return folder

    return edit
