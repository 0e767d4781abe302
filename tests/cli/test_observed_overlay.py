"""`--observed FILE` on `simulate` and `population` figures, and the observed-data reader's units and errors."""

from __future__ import annotations

import numpy as np
import pytest

from pbpk.cli import main
from pbpk.core.errors import PbpkInputError
from pbpk.simulation.observed import read_observed

MIDAZOLAM_MW = 325.77  # g/mol, compounds/midazolam.yaml


def levels(tmp_path, header: str = "time,concentration [ng/mL],spread", rows: str = "0.5,60,10\n2,30,6\n8,8,2\n"):
    path = tmp_path / "levels.csv"
    path.write_text(f"# hypothetical levels for the overlay test\n{header}\n{rows}", encoding="utf-8")
    return path


def test_units_convert_to_mg_per_l_mass_and_molar(tmp_path):
    mass = read_observed(levels(tmp_path))
    assert mass.values_in_mg_per_l(MIDAZOLAM_MW) == pytest.approx([0.06, 0.03, 0.008])
    assert mass.spread_in_mg_per_l(MIDAZOLAM_MW) == pytest.approx([0.01, 0.006, 0.002])
    molar = read_observed(levels(tmp_path, "time,concentration", "1,100\n"), unit="nmol/L")
    assert molar.values_in_mg_per_l(MIDAZOLAM_MW) == pytest.approx([100e-9 * MIDAZOLAM_MW * 1e3])


@pytest.mark.parametrize("header, rows, unit, message", [
    ("time,concentration", "1,5\n", None, "concentration [ng/mL]"),
    ("time,concentration [ng/mL]", "1,5\n", "mg/L", "one unit"),
    ("time,concentration", "1,5\n", "kg", "concentration unit such as"),
    ("time,level [ng/mL]", "1,5\n", None, "columns time"),
    ("time,concentration [ng/mL]", "1,5\n2,-1\n", None, "levels.csv:4"),
])
def test_bad_observed_files_name_the_file_field_and_expectation(tmp_path, header, rows, unit, message):
    with pytest.raises(PbpkInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_observed(levels(tmp_path, header, rows), unit=unit)


def test_simulate_draws_the_observed_levels(tmp_path):
    figure = tmp_path / "profile.png"
    assert main(["simulate", "midazolam", "--dose", "5 mg", "--route", "iv", "--plot", str(figure),
                 "--observed", str(levels(tmp_path))]) == 0
    assert figure.stat().st_size > 10_000


def test_population_draws_the_observed_levels(tmp_path):
    figure = tmp_path / "band.png"
    assert main(["population", "midazolam", "--population", "adult: 20-50 y", "--n", "20", "--dose", "5 mg",
                 "--route", "iv", "--plot", str(figure), "--observed", str(levels(tmp_path)), "--quiet"]) == 0
    assert figure.stat().st_size > 10_000


def test_observed_without_a_plot_is_refused(tmp_path, capsys):
    assert main(["simulate", "midazolam", "--dose", "5 mg", "--observed", str(levels(tmp_path))]) == 2
    assert "--plot" in capsys.readouterr().err


def test_the_overlay_is_on_the_axes(tmp_path):
    """The points drawn are the file's levels in mg/L at its times (not a decoration)."""
    from pbpk.compound import load_compound
    from pbpk.simulation.simulate import simulate

    simulation = simulate(load_compound("midazolam"), dose="5 mg", route="iv")
    figure = simulation.plot(None, scale="log", observed=read_observed(levels(tmp_path)))
    lines = [line for line in figure.axes[0].get_lines() if line.get_marker() == "o"]
    assert len(lines) == 1
    assert np.allclose(lines[0].get_xdata(), [0.5, 2, 8]) and np.allclose(lines[0].get_ydata(), [0.06, 0.03, 0.008])
