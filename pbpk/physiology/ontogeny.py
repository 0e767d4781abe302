"""Ontogeny: how kidney filtration, microsomal protein, plasma proteins and enzymes mature.

The functions and their sources are in ``physiology_db/ontogeny.yaml``. Every
function here returns a value *relative to the adult* and equals 1 from the
adult age on (``adult_from`` in ``physiology_db/pediatric.yaml``), so that a
child built with them meets the reference adult without a jump.

* GFR maturation on postmenstrual age (Rhodin et al. 2009).
* MPPGL in children, age-independent relative to the adult (Leeder et al. 2022).
* Albumin and α1-acid glycoprotein (Johnson et al. 2006).
* Enzyme activity per mg microsomal protein (liver) or per intestine, by a
  named set of functions (``pksim_7_3`` by default; ``johnson_2006``, ``upreti_2016`` in vivo).
  An enzyme a set lacks takes the function of the set's stated ``fallback`` (with a
  warning for a set other than the default); an enzyme in no set does not mature.

Examples
--------
>>> from pbpk.core.units import Quantity
>>> round(gfr_maturation(Quantity(92, "week")), 3)         # 1 year after term birth
0.903
>>> round(enzyme_activity("CYP3A4", Quantity(1, "year")), 2)      # PK-Sim 7.3, term birth
0.68
>>> round(enzyme_activity("CYP3A4", Quantity(1, "year"), ontogeny="johnson_2006"), 2)
0.78
>>> enzyme_activity("CYP3A4", Quantity(30, "year"))
1.0
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pint

from pbpk.core.datafiles import data_dir
from pbpk.core.errors import PbpkInputError
from pbpk.core.names import UNNAMED_SECRETION, enzyme_names, transporter_names
from pbpk.core.records import Record, load_yaml

ORGANS = ("liver", "intestine")
WEEKS_PER_YEAR = 365.25 / 7.0


@dataclass(frozen=True)
class ExponentialMaturation:
    """A renal function at fixed body weight, from immature a to mature c (Hayton 2000).

    F(PNA)/c = 1 − (1 − a/c)·exp(−ln 2 · PNA / ``half_life``); ``mature_to_immature`` is c/a.
    """

    half_life: pint.Quantity
    mature_to_immature: float

    def at(self, postnatal_age: pint.Quantity) -> float:
        """Fraction of the mature level at a postnatal age."""
        halves = (postnatal_age / self.half_life).to("").magnitude
        return 1.0 - (1.0 - 1.0 / self.mature_to_immature) * math.exp(-math.log(2.0) * halves)


@dataclass(frozen=True)
class Maturation:
    """One enzyme's maturation on postnatal age (years) or postmenstrual age (weeks).

    ``basis="pna"``: F(A) = offset + amplitude·Aⁿ/(k + Aⁿ), A = postnatal age in years;
    with ``decline`` = (after, c0, c1, c2, c3), F(A) = c0 + c1·exp(c2·(A − after − c3))
    beyond ``after`` years (Upreti & Wahlström's in-vivo overshoot and return).
    ``basis="pma"``: F(P) = Pⁿ/(k + Pⁿ), P = postmenstrual age in weeks and k = P50ⁿ; a
    declining enzyme (``amplitude`` = −1) has F = 1 − Pⁿ/(k + Pⁿ) + offset (PK-Sim).
    """

    offset: float
    amplitude: float
    k: float
    n: float
    decline: tuple[float, float, float, float, float] | None = None
    basis: str = "pna"
    geosd_n: float = 1.0  # between-subject geometric SDs of n and of P50 (PK-Sim, ``basis="pma"``)
    geosd_pma50: float = 1.0

    def varied(self, postmenstrual_weeks: np.ndarray, z_n: np.ndarray, z_pma50: np.ndarray) -> np.ndarray:
        """F with each subject's n·geosd_nᶻ and P50·geosd_pma50ᶻ over the typical F, at the same ages."""
        n = self.n * self.geosd_n ** z_n
        k = (self.k ** (1.0 / self.n) * self.geosd_pma50 ** z_pma50) ** n
        return self._of_pma(postmenstrual_weeks, n, k) / self._of_pma(postmenstrual_weeks, self.n, self.k)

    def _of_pma(self, weeks, n, k):
        """PK-Sim Hill function of postmenstrual age (declining form for ``amplitude`` < 0)."""
        power = weeks ** n
        fraction = power / (k + power)
        return self.offset + 1.0 - fraction if self.amplitude < 0 else fraction

    def __call__(self, postnatal_years: float, postmenstrual_weeks: float) -> float:
        if self.basis == "pma":
            return self._of_pma(postmenstrual_weeks, self.n, self.k)
        if self.decline is not None and postnatal_years > self.decline[0]:
            after, c0, c1, c2, c3 = self.decline
            return c0 + c1 * math.exp(c2 * (postnatal_years - after - c3))
        power = postnatal_years ** self.n
        return self.offset + self.amplitude * power / (self.k + power)


@dataclass(frozen=True)
class OntogenySet:
    """A named set of enzyme maturation functions, with its source and optional cap (years)."""

    name: str
    source: str
    functions: dict[str, dict[str, Maturation]]
    cap: float | None = None
    fallback: str | None = None  # the set whose functions stand in for enzymes this one lacks


@dataclass(frozen=True)
class OntogenyData:
    term_gestation: pint.Quantity
    adult_age: pint.Quantity
    gfr_tm50: pint.Quantity
    gfr_hill: float
    secretion_maturation: tuple[ExponentialMaturation, ExponentialMaturation]  # Hayton 2000: secretion, filtration
    maturing_secretion: tuple[str, ...]  # renal secretion transporters on that function, and UNNAMED_SECRETION
    hepatic_transporters: dict[str, Maturation]  # liver transporter protein on postnatal age (Prasad 2016)
    mppgl_coefficients: tuple[float, ...]
    child_mppgl_ratio: float
    albumin: tuple[float, float]
    agp: tuple[float, float, float]
    sets: dict[str, OntogenySet]
    default_set: str
    sources: dict[str, str]


def gfr_maturation(postmenstrual_age: pint.Quantity, database: str | Path | None = None) -> float:
    """Fraction of mature GFR at a postmenstrual age: PMAʰ/(TM50ʰ + PMAʰ) (Rhodin et al. 2009)."""
    data = ontogeny_data(database)
    pma = postmenstrual_age.to("week").magnitude
    tm50 = data.gfr_tm50.to("week").magnitude
    return pma ** data.gfr_hill / (tm50 ** data.gfr_hill + pma ** data.gfr_hill)


def secretion_maturation(postnatal_age: pint.Quantity, database: str | Path | None = None) -> float:
    """Tubular secretion's maturity over filtration's at a postnatal age (Hayton 2000; 1 when mature).

    Each is 1 − (1 − a/c)·exp(−ln 2 · PNA / t½) at fixed weight: secretion t½ 3.8 months, c/a 1.8;
    filtration 7.9 months, 3.1. The ratio is 1.72 at birth and 1.42 at 6 months.
    """
    secretion, filtration = ontogeny_data(database).secretion_maturation
    return secretion.at(postnatal_age) / filtration.at(postnatal_age)


def secretion_maturities(postnatal_age: pint.Quantity, database: str | Path | None = None) -> dict[str, float]:
    """A child's renal secretion maturity over filtration per transporter (``UNNAMED_SECRETION``: none named),
    relative to the adult at ``adult_from``; transporters not listed have no function."""
    data = ontogeny_data(database)
    ratio = secretion_maturation(postnatal_age, database) / secretion_maturation(data.adult_age, database)
    return dict.fromkeys(data.maturing_secretion, ratio)


def microsomal_protein_ratio(age: pint.Quantity, database: str | Path | None = None) -> float:
    """A child's MPPGL relative to the adult at ``adult_from``: a constant (Leeder et al. 2022 DMD 50:24)."""
    data = ontogeny_data(database)
    return 1.0 if age.to("year").magnitude >= data.adult_age.to("year").magnitude else data.child_mppgl_ratio


def albumin_ratio(age: pint.Quantity, database: str | Path | None = None) -> float:
    """Plasma albumin relative to the adult (Johnson et al. 2006; age in days)."""
    data = ontogeny_data(database)
    return _relative(_albumin, age, data)


def agp_ratio(age: pint.Quantity, database: str | Path | None = None) -> float:
    """Plasma α1-acid glycoprotein relative to the adult (Johnson et al. 2006; age in days)."""
    data = ontogeny_data(database)
    return _relative(_agp, age, data)


def enzyme_activity(enzyme: str, age: pint.Quantity, organ: str = "liver", *, ontogeny: str | None = None,
                    gestational_age: pint.Quantity | None = None, database: str | Path | None = None) -> float:
    """Activity of ``enzyme`` in ``organ`` at a postnatal age, relative to the adult.

    ``ontogeny`` names a set in ``ontogeny.yaml`` (default: its ``default``);
    ``gestational_age`` at birth (default term) matters for functions of
    postmenstrual age. An enzyme the set lacks takes the function of its
    ``fallback`` set (with a warning unless the set is the default, whose
    fallbacks are part of it); an enzyme in no set does not mature (1).
    A set with a ``cap`` (Upreti 2016: 10 y) uses its functions up to the cap and
    then falls linearly to the adult value at the adult age; other sets are
    divided by their value at the adult age.
    """
    data = ontogeny_data(database)
    if organ not in ORGANS:
        raise PbpkInputError("enzyme_activity", "organ", organ, f"one of {', '.join(ORGANS)}")
    name = _set_name(data, ontogeny)
    used = ontogeny_set_for(enzyme, organ, name, database)
    if used is None:
        return 1.0
    if used != name and name != data.default_set:  # the default set's fallbacks are part of the documented default
        warnings.warn(f"ontogeny set {name!r} has no {organ} function for {enzyme}; using set {used!r}, its stated "
                      "fallback (physiology_db/ontogeny.yaml)", stacklevel=2)
    return _activity(data, used, enzyme, organ, age, gestational_age)


def hepatic_transporter_activities(age: pint.Quantity, database: str | Path | None = None) -> dict[str, float]:
    """Hepatic transporter protein per gram of liver at a postnatal age, relative to the adult at ``adult_from``
    (Prasad 2016; every enzyme set shares them); transporters not listed have no function."""
    data = ontogeny_data(database)
    years, adult = age.to("year").magnitude, data.adult_age.to("year").magnitude
    if years >= adult:
        return dict.fromkeys(data.hepatic_transporters, 1.0)
    term = data.term_gestation.to("week").magnitude
    return {name: _over_adult(function, years, term, data) for name, function in data.hepatic_transporters.items()}


def enzyme_activities(organ: str, age: pint.Quantity, *, ontogeny: str | None = None,
                      gestational_age: pint.Quantity | None = None, database: str | Path | None = None
                      ) -> tuple[dict[str, float], dict[str, str]]:
    """Activities of every enzyme any set matures in ``organ`` (as :func:`enzyme_activity`, without warnings).

    Also returns, for each enzyme ``ontogeny`` lacks, the fallback set its function comes from.
    """
    data = ontogeny_data(database)
    name = _set_name(data, ontogeny)
    activities: dict[str, float] = {}
    stand_ins: dict[str, str] = {}
    for enzyme in sorted({e for chosen in data.sets.values() for e in chosen.functions.get(organ, {})}):
        used = ontogeny_set_for(enzyme, organ, name, database)
        if used is None:
            continue
        activities[enzyme] = _activity(data, used, enzyme, organ, age, gestational_age)
        if used != name:
            stand_ins[enzyme] = used
    return activities, stand_ins


def ontogeny_set_for(enzyme: str, organ: str, ontogeny: str, database: str | Path | None = None) -> str | None:
    """The set whose function gives ``enzyme`` in ``organ``: ``ontogeny`` or, if it lacks one, its fallbacks in turn.

    None if no set on that chain has a function for the enzyme.
    """
    data = ontogeny_data(database)
    name: str | None = ontogeny
    seen: set[str] = set()
    while name is not None and name not in seen:
        if enzyme in data.sets[name].functions.get(organ, {}):
            return name
        seen.add(name)
        name = data.sets[name].fallback
    return None


def _set_name(data: OntogenyData, ontogeny: str | None, where: str = "ontogeny", field: str = "set") -> str:
    """``ontogeny`` (default: the database's default set), checked against the sets; an error names ``where`` and
    ``field`` (the caller's option)."""
    name = ontogeny or data.default_set
    if name not in data.sets:
        raise PbpkInputError(where, field, ontogeny, f"one of {', '.join(data.sets)} (physiology_db/ontogeny.yaml)")
    return name


def _activity(data: OntogenyData, set_name: str, enzyme: str, organ: str, age: pint.Quantity,
              gestational_age: pint.Quantity | None) -> float:
    """Activity relative to the adult by the function ``set_name`` has for ``enzyme``."""
    chosen = data.sets[set_name]
    function = chosen.functions[organ][enzyme]
    years, adult = age.to("year").magnitude, data.adult_age.to("year").magnitude
    if years >= adult:
        return 1.0
    birth = (gestational_age if gestational_age is not None else data.term_gestation).to("week").magnitude
    if chosen.cap is None:
        return _over_adult(function, years, birth, data)
    if years <= chosen.cap:
        return function(years, birth + years * WEEKS_PER_YEAR)
    at_cap = function(chosen.cap, birth + chosen.cap * WEEKS_PER_YEAR)
    return at_cap + (1.0 - at_cap) * (years - chosen.cap) / (adult - chosen.cap)


def _over_adult(function: Maturation, years: float, birth_weeks: float, data: OntogenyData) -> float:
    """``function`` at postnatal ``years`` of a child born at ``birth_weeks``, over its value in the term-born adult
    at ``adult_from``."""
    adult, term = data.adult_age.to("year").magnitude, data.term_gestation.to("week").magnitude
    return function(years, birth_weeks + years * WEEKS_PER_YEAR) / function(adult, term + adult * WEEKS_PER_YEAR)


def maturation_variability(enzyme: str, age_years: np.ndarray, z_n: np.ndarray, z_pma50: np.ndarray,
                           organ: str = "liver", *, database: str | Path | None = None) -> np.ndarray:
    """Each child's activity of ``enzyme`` relative to the typical child of the same age (default set).

    The Hill exponent and the postmenstrual age at half maturation vary log-normally
    between children with the geometric SDs fitted with the PK-Sim Ontogeny Database
    7.3 functions (``z_n``, ``z_pma50``: standard normal draws per child; term birth).
    1 for enzymes without such a function, and → 1 in adults, where both curves are mature.
    """
    data = ontogeny_data(database)
    function = data.sets[data.default_set].functions.get(organ, {}).get(enzyme)
    if function is None or function.basis != "pma":
        return np.ones(len(age_years))
    weeks = data.term_gestation.to("week").magnitude + np.asarray(age_years, dtype=float) * WEEKS_PER_YEAR
    return function.varied(weeks, np.asarray(z_n, dtype=float), np.asarray(z_pma50, dtype=float))


def varying_enzymes(organ: str = "liver", database: str | Path | None = None) -> tuple[str, ...]:
    """Enzymes of the default set whose maturation varies between children (a geometric SD > 1)."""
    data = ontogeny_data(database)
    return tuple(name for name, f in data.sets[data.default_set].functions.get(organ, {}).items()
                 if f.basis == "pma" and (f.geosd_n > 1.0 or f.geosd_pma50 > 1.0))


def ontogeny_sets(database: str | Path | None = None) -> tuple[str, ...]:
    """Names of the enzyme ontogeny sets in the database."""
    return tuple(ontogeny_data(database).sets)


def ontogeny_set_name(ontogeny: str | None, database: str | Path | None = None, *, where: str = "ontogeny",
                      field: str = "set") -> str:
    """The set ``ontogeny`` names, or the database's default set for None (an unknown name is an error naming
    ``where`` and ``field``)."""
    return _set_name(ontogeny_data(database), ontogeny, where, field)


# -- the functions as published -------------------------------------------------------------------
def _relative(function, age: pint.Quantity, data: OntogenyData) -> float:
    adult = data.adult_age
    if age.to("year").magnitude >= adult.to("year").magnitude:
        return 1.0
    return function(age, data) / function(adult, data)


def _albumin(age: pint.Quantity, data: OntogenyData) -> float:
    a, b = data.albumin
    return a * math.log(max(age.to("day").magnitude, 1.0)) + b


def _agp(age: pint.Quantity, data: OntogenyData) -> float:
    fmax, k, n = data.agp
    days = age.to("day").magnitude
    return fmax * days ** n / (k ** n + days ** n)


# -- reading ontogeny.yaml -------------------------------------------------------------------------
@cache
def ontogeny_data(database: str | Path | None = None) -> OntogenyData:
    """The ontogeny database (read once per folder)."""
    folder = Path(database) if database is not None else data_dir("physiology_db")
    where = str(folder / "ontogeny.yaml") if database is not None else "physiology_db/ontogeny.yaml"
    r = Record(load_yaml(folder / "ontogeny.yaml"), where)
    sources: dict[str, str] = {}
    term = r.cited("term_gestation", "week")
    gfr = r.record("gfr_maturation")
    sources["gfr_maturation"] = gfr.source()
    tm50, hill = gfr.quantity("tm50", "week"), gfr.number("hill", low=0, low_open=True)
    gfr.finish()
    renal = r.record("secretion_maturation")
    sources["secretion_maturation"] = renal.source()
    secretion_maturation = (_exponential(renal.record("secretion")), _exponential(renal.record("filtration")))
    listed = renal.raw("transporters", expected="a list of renal secretion transporters")
    known = transporter_names()
    if not isinstance(listed, list) or not all(isinstance(t, str) and t in known for t in listed):
        raise renal.error("transporters", listed, f"a list of transporters from {', '.join(known)}")
    sources["secretion_maturation.transporters"] = renal.source("transporters_source")
    renal.finish()
    transporters = r.record("hepatic_transporter_ontogeny")
    sources["hepatic_transporter_ontogeny"] = transporters.source()
    liver = transporters.record("liver")
    hepatic_transporters = {}
    for name in liver.keys():
        if name not in known:
            raise liver.error(name, name, f"a transporter from {', '.join(known)}")
        hepatic_transporters[name] = _maturation(liver.record(name))
        if hepatic_transporters[name].basis != "pna":
            raise liver.error(name, "pma50", "a function of postnatal age (fbirth, fmax, age50, n)")
    liver.finish()
    transporters.finish()
    mppgl = r.record("microsomal_protein")
    sources["microsomal_protein"] = mppgl.source()
    coefficients = tuple(_numbers(mppgl, "coefficients"))
    mppgl.finish()
    children = r.record("microsomal_protein_in_children")
    sources["microsomal_protein_in_children"] = children.source()
    child_mppgl = children.number("relative_to_adult", low=0, low_open=True)
    children.finish()
    proteins = r.record("plasma_proteins")
    sources["plasma_proteins"] = proteins.source()
    albumin = proteins.record("albumin")
    albumin_ab = (albumin.number("a"), albumin.number("b"))
    albumin.finish()
    agp = proteins.record("alpha1_acid_glycoprotein")
    agp_params = (agp.number("fmax", low=0, low_open=True), agp.number("k", low=0, low_open=True),
                  agp.number("n", low=0, low_open=True))
    agp.finish()
    proteins.text("unit_note", required=False)
    proteins.finish()
    enzymes = r.record("enzyme_ontogeny")
    default = enzymes.text("default")
    table = enzymes.record("sets")
    sets = {name: _ontogeny_set(name, table.record(name)) for name in table.keys()}
    table.finish()
    if default not in sets:
        raise enzymes.error("default", default, f"one of the sets ({', '.join(sets)})")
    for name, chosen in sets.items():
        if chosen.fallback is not None and (chosen.fallback not in sets or chosen.fallback == name):
            raise enzymes.error(f"sets.{name}.fallback", chosen.fallback, f"another set ({', '.join(sets)})")
    enzymes.finish()
    r.finish()
    return OntogenyData(term.value, _adult_age(folder), tm50, hill, secretion_maturation, (*listed, UNNAMED_SECRETION),
                        hepatic_transporters, coefficients, child_mppgl, albumin_ab, agp_params, sets, default, sources)


def _exponential(r: Record) -> ExponentialMaturation:
    maturation = ExponentialMaturation(r.quantity("half_life", "month"), r.number("mature_to_immature", low=1))
    r.finish()
    return maturation


def _adult_age(folder: Path) -> pint.Quantity:
    r = Record(load_yaml(folder / "pediatric.yaml"), "physiology_db/pediatric.yaml")
    return r.cited("adult_from", "year").value


def _numbers(r: Record, key: str) -> list[float]:
    values = r.raw(key, expected="a list of numbers")
    if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise r.error(key, values, "a list of numbers")
    return [float(v) for v in values]


def _ontogeny_set(name: str, r: Record) -> OntogenySet:

    source = r.source()
    cap = r.quantity("cap", "year", required=False)
    fallback = r.text("fallback", required=False)
    r.text("fallback_note", required=False)
    functions: dict[str, dict[str, Maturation]] = {}
    for organ in ORGANS:
        block = r.record(organ, required=False)
        if block is None:
            continue
        functions[organ] = {}
        for enzyme in block.keys():
            if enzyme not in enzyme_names():
                raise block.error(enzyme, enzyme, "an enzyme listed in physiology_db/enzymes.yaml")
            functions[organ][enzyme] = _maturation(block.record(enzyme))
        block.finish()
    r.finish()
    return OntogenySet(name, source, functions, None if cap is None else cap.to("year").magnitude, fallback)


def _maturation(r: Record) -> Maturation:
    """One of the notations of ontogeny.yaml (see its header) as a :class:`Maturation`."""
    n = r.number("n", low=0, low_open=True)
    r.text("note", required=False)
    keys = r.keys()
    if "pma50" in keys:
        pma50 = r.quantity("pma50", "week").to("week").magnitude
        declining = r.boolean("declining", default=False)
        offset = r.number("offset", required=declining, low=0) or 0.0
        geosd_n = r.number("geosd_n", required=False, low=1) or 1.0
        geosd_pma50 = r.number("geosd_pma50", required=False, low=1) or 1.0
        r.finish()
        return Maturation(offset, -1.0 if declining else 1.0, pma50 ** n, n, basis="pma", geosd_n=geosd_n,
                          geosd_pma50=geosd_pma50)
    if "age50" in keys:
        fbirth, fmax = r.number("fbirth", low=0), r.number("fmax", low=0)
        age50 = r.quantity("age50", "year").to("year").magnitude
        decline = r.record("decline", required=False)
        terms = None
        if decline is not None:
            terms = (decline.quantity("after", "year").to("year").magnitude,
                     *(decline.number(c) for c in ("c0", "c1", "c2", "c3")))
            decline.finish()
        r.finish()
        return Maturation(fbirth, fmax - fbirth, age50 ** n, n, terms)
    maturation = Maturation(r.number("offset", low=0), r.number("amplitude", low=0, low_open=True),
                            r.number("k", low=0, low_open=True), n)
    r.finish()
    return maturation


__all__ = ["gfr_maturation", "secretion_maturation", "secretion_maturities", "hepatic_transporter_activities",
           "microsomal_protein_ratio", "albumin_ratio", "agp_ratio", "enzyme_activity",
           "enzyme_activities", "ontogeny_set_for",
           "maturation_variability", "varying_enzymes", "ontogeny_sets", "ontogeny_set_name", "Maturation"]
