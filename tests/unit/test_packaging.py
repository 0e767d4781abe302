"""The data folders ship with the package: a non-editable install can load them."""

from pathlib import Path

import pbpk
from pbpk.core.datafiles import bundled_names, data_dir


def test_data_folders_are_found():
    assert len(bundled_names("compounds")) >= 13
    assert (data_dir("physiology_db") / "adult_reference.yaml").is_file()
    assert len(bundled_names("validation_cases")) >= 30


def test_installed_package_carries_its_data():
    package = Path(pbpk.__file__).resolve().parent
    if "site-packages" in package.parts:  # installed (CI runs a non-editable install)
        assert data_dir("compounds").is_relative_to(package)
        assert data_dir("physiology_db").is_relative_to(package)
        assert data_dir("validation_cases").is_relative_to(package)
