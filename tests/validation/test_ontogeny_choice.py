"""``run_case(..., ontogeny=)`` and ``pbpk validate --ontogeny``: the children of pediatric studies mature by the
named enzyme ontogeny set, and every output says which set it was."""

from __future__ import annotations

import json

import pytest

from pbpk.cli import main
from pbpk.physiology.ontogeny import enzyme_activity
from pbpk.qualification.case_run import run_case
from pbpk.qualification.cases import load_case

INFANTS = "alfentanil-iv-goresky-1987-infants"  # CYP3A4 is ~all of alfentanil's clearance


def test_children_mature_by_the_named_set_and_clearance_follows_cyp3a4():
    """Goresky 1987 infants (0.52 y): CYP3A4 at 0.43 of adult (PK-Sim 7.3) or above adult (Upreti 2016, in vivo).
    The hepatic clearance rises with the activity but by less (well-stirred liver: flow limits it)."""
    case = load_case(INFANTS)
    default, upreti = run_case(case), run_case(case, "upreti_2016")
    assert (default.ontogeny, upreti.ontogeny) == ("pksim_7_3", "upreti_2016")
    activities = []
    for result, name in ((default, "pksim_7_3"), (upreti, "upreti_2016")):
        person = result.simulations[0].individual
        assert person.ontogeny_set == name
        expected = enzyme_activity("CYP3A4", case.population.age, ontogeny=name)
        assert person.hepatic_activity["CYP3A4"] == pytest.approx(expected, rel=1e-9)
        activities.append(expected)
    assert activities[1] > 2 * activities[0]
    change = upreti.predicted["CL"] / default.predicted["CL"]
    assert 1.0 < change < activities[1] / activities[0]


def test_an_adult_case_has_no_ontogeny_set():
    assert run_case(load_case("alfentanil-iv-meistelman-1987-adults"), "upreti_2016").ontogeny is None


def test_validate_names_the_set_in_json_and_text(capsys):
    assert main(["validate", "--cases", INFANTS, "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["ontogeny"] == "pksim_7_3"
    main(["validate", "--cases", "alfentanil-iv-*", "--ontogeny", "johnson_2006", "--quiet"])
    assert "enzyme ontogeny johnson_2006" in capsys.readouterr().out


def test_an_unknown_set_is_refused_with_the_sets_listed(capsys):
    assert main(["validate", "--cases", INFANTS, "--ontogeny", "simcyp"]) != 0
    err = capsys.readouterr().err
    assert "--ontogeny" in err and "'simcyp'" in err and "pksim_7_3, johnson_2006, upreti_2016" in err
