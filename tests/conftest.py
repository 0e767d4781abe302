"""Shared fixtures: the reference adults and bundled compounds are built once per session."""

from __future__ import annotations

import pytest

from pbpk.compound import load_compound
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
