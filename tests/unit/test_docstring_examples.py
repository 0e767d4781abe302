"""The runnable examples in the public docstrings stay true."""

import doctest
import importlib

import pytest

MODULES = ["pbpk.errors", "pbpk.units", "pbpk.records", "pbpk.ionization", "pbpk.datafiles", "pbpk.compound",
           "pbpk.physiology", "pbpk.distribution", "pbpk.clearance", "pbpk.topology", "pbpk.parameters",
           "pbpk.dosing", "pbpk.solve", "pbpk.validation", "pbpk.protein_binding", "pbpk.ontogeny",
           "pbpk.pediatrics", "pbpk.pregnancy",
           "pbpk.virtual_population"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
