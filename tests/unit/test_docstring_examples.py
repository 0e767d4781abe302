"""The runnable examples in every module's docstrings stay true.

The modules are found by walking the installed package, so a new module cannot be
forgotten.
"""

import doctest
import importlib
import pkgutil

import pytest

import pbpk

MODULES = sorted(info.name for info in pkgutil.walk_packages(pbpk.__path__, "pbpk."))


def test_the_walk_finds_every_subpackage():
    assert {"pbpk.core.units", "pbpk.engine.rosenbrock", "pbpk.cli", "pbpk.qualification.report"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
