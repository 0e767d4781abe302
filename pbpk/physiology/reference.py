"""The ICRP 89 reference adults, read from the physiology database (``physiology_db/``).

Examples
--------
>>> man = reference_individual("male")
>>> man.body_weight.to("kg")
<Quantity(73, 'kilogram')>
>>> round(man.portal_blood_flow.to("L/min").magnitude, 3)   # gut + stomach + spleen + pancreas
1.235
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pint

from pbpk.core.errors import PbpkInputError, did_you_mean
from pbpk.core.names import database_file, transporter_names
from pbpk.core.records import Record
from pbpk.physiology.individual import (
    ROLES,
    SEXES,
    AdultReference,
    Individual,
    Sex,
    Tissue,
    TissueComposition,
)


def reference_individual(sex: Sex = "male", *, database: str | Path | None = None) -> Individual:
    """The ICRP 89 reference adult man or woman, from ``physiology_db/``.

    ``database`` is another folder with the same files (for a customised
    physiology); by default the bundled ``physiology_db``. The person is built
    once per sex and folder (the files are read once per process by
    ``core.names.database_file``; a population builds hundreds of anchors from it).

    Raises
    ------
    PbpkInputError
        For an unknown sex, or a database file that fails validation.
    """
    if sex not in SEXES:
        raise PbpkInputError("reference_individual", "sex", sex, "male or female")
    return _read_reference(sex, Path(database).resolve() if database is not None else None)


@lru_cache(maxsize=16)
def _read_reference(sex: Sex, folder: Path | None) -> Individual:
    """``reference_individual`` built from the database files."""
    compositions = _compositions("tissue_composition.yaml", folder)
    reference = _database_record("adult_reference.yaml", folder)
    enzymes = _database_record("enzymes.yaml", folder)
    tissue_record = _database_record("tissues.yaml", folder)
    sources: dict[str, str] = {}

    age = reference.record("reference_age")
    sources["age"] = age.source()
    age_value = age.quantity("value", "year")
    age.finish()

    body = _sex_block(reference, "anthropometry", sex, {"body_weight": "kg", "height": "cm"}, sources)
    cardiac_output = _per_sex(reference, "cardiac_output", sex, "L/min", sources)
    urine_flow = _per_sex(reference, "urine_flow", sex, "mL/day", sources).to("L/h")
    blood = _sex_block(reference, "blood", sex, {"red_cell_volume": "L", "plasma_volume": "L"}, sources)
    arterial_fraction = _arterial_fraction(reference.record("blood_distribution"), sources)
    tissues = _tissues(reference, tissue_record, compositions, sex, cardiac_output, sources)
    proteins = _sex_block(reference, "plasma_proteins", sex,
                          {"albumin": "g/L", "alpha1_acid_glycoprotein": "g/L"}, sources)
    body_weight = body["body_weight"]
    gfr = _gfr(reference.record("glomerular_filtration"), body_weight, sources)
    reference.finish()

    liver, intestine, turnover = _enzymes(enzymes, sources)
    red_cells, plasma_volume = blood["red_cell_volume"].to("L"), blood["plasma_volume"].to("L")
    adult = AdultReference(
        haematocrit=float((red_cells / (red_cells + plasma_volume)).to("").magnitude),
        albumin=proteins["albumin"],
        alpha1_acid_glycoprotein=proteins["alpha1_acid_glycoprotein"],
        gfr=gfr,
        liver_weight=tissues["liver"].mass.to("g"),
        urine_flow=urine_flow,
        microsomal_protein_per_gram=liver["microsomal_protein_per_gram"],
    )
    return Individual(
        sex=sex,
        age=age_value,
        body_weight=body_weight.to("kg"),
        height=body["height"].to("cm"),
        cardiac_output=cardiac_output.to("L/h"),
        tissues=tissues,
        red_cell_volume=red_cells,
        plasma_volume=plasma_volume,
        arterial_blood_fraction=arterial_fraction,
        plasma=compositions["plasma"],
        red_blood_cells=compositions["red_blood_cells"],
        albumin=proteins["albumin"],
        alpha1_acid_glycoprotein=proteins["alpha1_acid_glycoprotein"],
        gfr=gfr,
        urine_flow=urine_flow,
        sources=sources,
        **liver,
        **intestine,
        enzyme_turnover=turnover,
        adult_reference=adult,
    )


def _database_record(name: str, folder: Path | None = None) -> Record:
    where = str(folder / name) if folder is not None else f"physiology_db/{name}"
    return Record(database_file(name, folder), where)


def _sex_block(record: Record, key: str, sex: Sex, units: dict[str, str],
               sources: dict[str, str]) -> dict[str, pint.Quantity]:
    """Read ``key: {source, male: {...}, female: {...}}``: the fields of one sex, each cited."""
    block = record.record(key)
    source = block.source()
    values = block.record(sex)
    quantities = {name: values.quantity(name, unit) for name, unit in units.items()}
    values.finish()
    block.finish(extra_known=[s for s in SEXES if s != sex])
    sources.update({name: source for name in units})
    return quantities


def _per_sex(record: Record, key: str, sex: Sex, unit: str, sources: dict[str, str]) -> pint.Quantity:
    sub = record.record(key)
    sources[key] = sub.source()
    value = sub.quantity(sex, unit)
    sub.finish(extra_known=list(SEXES))
    return value


def _compositions(name: str, folder: Path | None = None) -> dict[str, TissueComposition]:
    record = _database_record(name, folder)
    source = record.source()
    record.record("columns")
    table = record.record("tissues")
    compositions = {}
    for name in table.keys():
        row = table.record(name)
        fraction = {"low": 0, "high": 1}
        optional = {key: row.number(key, required=False, **fraction) for key in ("f_pl", "f_ew", "f_iw")}
        optional.update({key: row.number(key, required=False, low=0) for key in ("AR", "LR")})
        compositions[name] = TissueComposition(
            name=name,
            f_water=row.number("f_water", **fraction),
            f_lipids=row.number("f_lipids", **fraction),
            f_proteins=row.number("f_proteins", **fraction),
            f_n_l=row.number("f_n_l", **fraction),
            f_n_pl=row.number("f_n_pl", **fraction),
            f_a_pl=row.number("f_a_pl", **fraction),
            pH=row.number("pH", low=4, high=9),
            source=source,
            **optional,
        )
        row.finish()
    record.finish()
    return compositions


def _arterial_fraction(record: Record, sources: dict[str, str]) -> float:
    sources["arterial_blood_fraction"] = record.source()
    rows = record.record("rows")
    total = arterial = 0.0
    for name in rows.keys():
        row = rows.record(name)
        percent = row.number("percent", low=0, high=100)
        pool = row.text("pool", choices=("arterial", "venous"))
        row.text("note", required=False)
        row.finish()
        total += percent
        arterial += percent if pool == "arterial" else 0.0
    rows.finish()
    record.finish()
    if abs(total - 100.0) > 0.5:
        raise PbpkInputError(record.where("rows"), record.field("rows"), f"{total:g} %", "percentages summing to 100 %")
    return arterial / total


def _tissues(
    reference: Record,
    tissue_record: Record,
    compositions: Mapping[str, TissueComposition],
    sex: Sex,
    cardiac_output: pint.Quantity,
    sources: dict[str, str],
) -> dict[str, Tissue]:
    tissue_record.source()
    tissue_record.raw("transporters")
    definitions = tissue_record.record("tissues")
    masses = _rows_by_tissue(reference.record("organ_mass"), sex, "g", definitions.keys(), sources, "mass")
    percents = _rows_by_tissue(reference.record("blood_flow_percent"), sex, None, definitions.keys(), sources, "blood_flow")
    densities = reference.record("density")
    default_density = densities.cited("default", "g/mL")
    density_table = densities.record("tissues")
    tissues = {}
    for name in definitions.keys():
        definition = definitions.record(name)
        roles = tuple(definition.raw("roles"))
        for role in roles:
            if role not in ROLES:
                raise definition.error("roles", role, f"roles among {', '.join(ROLES)}")
        composition_name = definition.text("composition", choices=tuple(compositions))
        surrogate = definition.text("surrogate", required=False)
        optional = definition.boolean("optional", default=False)
        definition.finish()
        if name not in masses:
            if optional:
                continue
            raise PbpkInputError(reference.where("organ_mass"), "organ_mass.rows", name, f"a row assigned to tissue {name}")
        density = density_table.cited(name, "g/mL", required=False) or default_density
        sources[f"tissue.{name}.density"] = density.source
        mass = masses[name]
        percent = percents.get(name, 0.0)
        flow = cardiac_output * percent / 100.0 if "lung" not in roles else cardiac_output
        tissues[name] = Tissue(
            name=name,
            mass=mass.to("kg"),
            density=density.value,
            blood_flow=flow.to("L/h"),
            composition=compositions[composition_name],
            roles=frozenset(roles),
            surrogate_composition=surrogate,
        )
    definitions.finish()
    density_table.finish()
    densities.finish()
    tissue_record.finish()
    return tissues


def _rows_by_tissue(record: Record, sex: Sex, unit: str | None, tissues, sources: dict[str, str], what: str) -> dict:
    """Sum the rows of an ICRP table per model tissue."""
    source = record.source()
    rows = record.record("rows")
    totals: dict = {}
    for name in rows.keys():
        row = rows.record(name)
        value = row.quantity(sex, unit, positive=False) if unit else row.number(sex, low=0, high=100)
        for other in SEXES:
            if other != sex:
                row.raw(other)
        tissue = row.text("tissue", choices=tuple(tissues))
        row.text("note", required=False)
        row.finish()
        totals[tissue] = totals[tissue] + value if tissue in totals else value
        sources[f"tissue.{tissue}.{what}"] = source
    rows.finish()
    record.finish()
    return totals


def _gfr(record: Record, body_weight: pint.Quantity, sources: dict[str, str]) -> pint.Quantity:
    sources["gfr"] = record.source()
    mature = record.quantity("mature_gfr", "mL/min")
    reference_weight = record.quantity("reference_weight", "kg")
    exponent = record.number("allometric_exponent", low=0, high=1)
    record.finish()
    return (mature * (body_weight / reference_weight).to("").magnitude ** exponent).to("L/h")


def _enzymes(record: Record, sources: dict[str, str]):
    names = record.raw("names")
    liver = record.record("liver")
    mppgl = liver.cited("microsomal_protein_per_gram", "mg/g")
    hpgl = liver.cited("hepatocytes_per_gram", "cell/g")
    sources["microsomal_protein_per_gram"], sources["hepatocytes_per_gram"] = mppgl.source, hpgl.source
    hepatic = _abundances(liver.record("abundance"), "pmol/mg", names, sources, "hepatic")
    liver.finish()
    intestine = record.record("intestine")
    intestinal = _abundances(intestine.record("abundance"), "nmol", names, sources, "intestinal")
    qvilli = intestine.cited("villous_blood_flow", "L/h")
    area = intestine.cited("absorptive_area", "m^2")
    radius = intestine.cited("small_intestine_radius", "cm")
    transit = intestine.cited("small_intestine_transit_time", "h")
    compartments = intestine.cited("transit_compartments", low=1, high=50)
    sources["villous_blood_flow"], sources["intestinal_absorptive_area"] = qvilli.source, area.source
    sources["small_intestine_radius"], sources["small_intestine_transit_time"] = radius.source, transit.source
    sources["transit_compartments"] = compartments.source
    intestine.finish()
    turnover_record = record.record("turnover")
    sources["enzyme_turnover"] = turnover_record.source()
    turnover = {}
    for organ in ("liver", "intestine"):
        table = turnover_record.record(organ)
        turnover[organ] = {enzyme: table.quantity(enzyme, "1/h") for enzyme in _known_enzymes(table, names)}
        table.finish()
    turnover_record.finish()
    transporters = record.record("transporter_turnover")
    sources["transporter_turnover"] = transporters.source()
    for organ in ("liver", "intestine", "kidney"):
        table = transporters.record(organ)
        known = _known_enzymes(table, transporter_names(), "a transporter of tissues.yaml (transporters)")
        turnover.setdefault(organ, {}).update({name: table.quantity(name, "1/h") for name in known})
        table.finish()
    transporters.finish()
    record.finish()
    return (
        {"microsomal_protein_per_gram": mppgl.value, "hepatocytes_per_gram": hpgl.value, "hepatic_abundance": hepatic},
        {"intestinal_abundance": intestinal, "villous_blood_flow": qvilli.value.to("L/h"),
         "intestinal_absorptive_area": area.value, "small_intestine_radius": radius.value,
         "small_intestine_transit_time": transit.value, "transit_compartments": int(compartments.value)},
        turnover,
    )


def _abundances(table: Record, unit: str, names, sources: dict[str, str], where: str) -> dict[str, pint.Quantity]:
    values = {}
    for enzyme in _known_enzymes(table, names):
        cited = table.cited(enzyme, unit)
        values[enzyme] = cited.value
        sources[f"{where}_abundance.{enzyme}"] = cited.source
    table.finish()
    return values


def _known_enzymes(table: Record, names, expected: str = "an enzyme listed under names") -> list[str]:
    for enzyme in table.keys():
        if enzyme not in names:
            raise table.error(enzyme, enzyme, expected, did_you_mean(enzyme, names))
    return table.keys()
