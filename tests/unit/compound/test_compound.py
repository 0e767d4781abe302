"""Bundled compound files load into typed, frozen objects with sources."""

import dataclasses

import pytest

from pbpk.compound import Compound, load_compound
from pbpk.core.datafiles import bundled_names, data_dir
from pbpk.core.errors import PbpkInputError

REQUIRED = ["midazolam", "alfentanil", "caffeine", "theophylline", "propranolol", "warfarin", "digoxin",
            "itraconazole", "rifampicin", "clarithromycin", "fluconazole", "vancomycin", "cefepime"]


def test_all_required_compounds_are_bundled():
    assert set(REQUIRED) <= set(bundled_names("compounds"))


@pytest.mark.parametrize("name", REQUIRED)
def test_bundled_compound_loads_with_sources(name):
    compound = load_compound(name)
    assert isinstance(compound, Compound)
    assert compound.name == name
    for cited in (compound.molecular_weight, compound.fu_plasma):
        assert cited.source.strip()
    for pathway in compound.clearance.hepatic:
        assert pathway.source.strip()
    for interaction in compound.interactions:
        assert interaction.source.strip()
    with pytest.raises(dataclasses.FrozenInstanceError):
        compound.name = "other"  # type: ignore[misc]


def test_midazolam_fields_and_units(compound):
    mdz = compound("midazolam")
    assert mdz.molecular_weight.value.to("g/mol").magnitude == pytest.approx(325.78)
    assert mdz.fu_plasma.value == 0.031
    assert mdz.binding_protein == "albumin"
    cyp3a4 = mdz.clearance.hepatic[0]
    assert cyp3a4.enzyme == "CYP3A4" and cyp3a4.system == "HLM"
    # Vmax/Km = 1300 pmol/min/mg / 4 umol/L = 325 uL/min/mg, back-calculated from an IV study and flagged so
    assert cyp3a4.clint_in_vitro_unbound.to("uL/min/mg").magnitude == pytest.approx(325)
    assert "Hohmann 2015" in mdz.fitted_values["clearance.hepatic[0] (CYP3A4)"]
    assert mdz.absorption.solubility.to("mg/mL").magnitude == pytest.approx(0.049)
    assert mdz.absorption.solubility_ph == 6.5


def test_interaction_constants_are_unbound(compound):
    rif = compound("rifampicin")
    induction = next(i for i in rif.interactions if i.type == "induction")
    assert induction.emax == 9
    # EC50 0.8 uM total x fu,inc 0.419 (Templeton 2011; Shou 2008)
    assert induction.ec50_u.to("umol/L").magnitude == pytest.approx(0.8 * 0.419)
    itz = compound("itraconazole")
    assert itz.interactions[0].ki_u.to("nmol/L").magnitude == pytest.approx(1.3)
    clarithro = compound("clarithromycin")
    mbi = next(i for i in clarithro.interactions if i.type == "mechanism_based")
    assert mbi.kinact.to("1/h").magnitude == pytest.approx(0.0423 * 60)  # Ito 2003: 0.0423 1/min
    assert mbi.KI_u.to("umol/L").magnitude == pytest.approx(41.4)  # K'app x fu_inc 1


def test_fitted_values_are_listed(compound):
    fitted = compound("alfentanil").fitted_values
    assert any("CYP3A4" in key for key in fitted)
    # CYP3A4 Vmax from Hohmann 2015 IV clearance; Fg from grapefruit-juice studies
    assert list(compound("midazolam").fitted_values) == ["clearance.hepatic[0] (CYP3A4)", "absorption"]
    assert compound("propranolol").fitted_values == {}


def test_logp_derived_from_logd_for_non_zwitterions(tmp_path):
    text = (
        'name: x\nmolecular_weight: {value: 300 g/mol, source: "s"}\n'
        'logD7.4: {value: 1.0, source: "s"}\npKa: [{value: 9.4, type: base, source: "s"}]\n'
        'fu_plasma: {value: 0.5, source: "s"}\nbinding_protein: albumin\n'
        'blood_plasma_ratio: {value: 1.0, source: "s"}\n'
    )
    path = tmp_path / "x.yaml"
    path.write_text(text)
    x = load_compound(path)
    assert x.log_p == pytest.approx(1.0 + 2.004321, abs=1e-6)  # log10(1 + 10^2)


def test_variants_via_replace(compound):
    mdz = compound("midazolam")
    other = dataclasses.replace(mdz, partition_method="schmitt")
    assert other.partition_method == "schmitt" and mdz.partition_method == "rodgers_rowland"


def test_kidney_failure_change_is_read_and_checked(tmp_path):
    """A pathway's fall in kidney disease: read with its source and listed among the fitted values; a fraction
    outside [0, 1] is refused naming the file, the field and the range."""
    vancomycin = load_compound("vancomycin")
    change = vancomycin.clearance.hepatic[0].kidney_failure
    assert change.anephric_fraction == 0.14 and "anephric" in change.source
    assert change.factor(0.0) == 0.14 and change.factor(1.0) == 1.0 and change.factor(0.5) == pytest.approx(0.57)
    assert "Vancocin" in vancomycin.fitted_values["clearance.hepatic[0].kidney_failure"]
    path = tmp_path / "v.yaml"
    path.write_text((data_dir("compounds") / "vancomycin.yaml").read_text().replace("anephric_fraction: 0.14",
                                                                               "anephric_fraction: 1.4"))
    with pytest.raises(PbpkInputError, match=r"v\.yaml.*kidney_failure\.anephric_fraction: got 1\.4; expected a number "
                                             r"in \[0, 1\]"):
        load_compound(path)
