"""Patient records in NONMEM's data format (CSV), read into one ``Subject`` per ID for MAP estimation.

Conventions (NONMEM Users Guide, Part V "Data Items", and Part VI "PREDPP"):

* Columns are matched without regard to case; ``rename`` maps other names (``{"AMT_mg": "AMT"}``).
  ID and TIME are required, AMT and DV when doses or observations are given; ``.`` or an empty
  cell is a missing value. Times are ≥ 0 and do not decrease within an ID; an ID's records are
  contiguous. A sample before the first dose is allowed, as in NONMEM (its prediction is 0).
* EVID 0 is an observation (unless MDV = 1 or DV is missing), 1 a dose, 2 a record that only
  carries covariates, 3 a reset and 4 a reset and dose (Part V, "EVID"; Part VI, "Reset events"): every
  compartment is set to 0 at the record's time (running infusions stop) and, with EVID 4, the record's dose is then
  given (``Subject.resets``). A sample at a reset time sees the state before the reset, as a sample at a dose time
  sees the amount before the dose, so an earlier record at that time may not be a dose (it would be wiped out), and
  no ADDL dose of an earlier record may fall at or after a reset. Without EVID a record with AMT > 0 is a dose.
* A dose lasts AMT/RATE (RATE > 0) or DUR. RATE −1 and −2 (Part V, "RATE"; Part VI, "Modeled rate and
  duration") take the infusion's rate ``Rn`` or duration ``Dn`` from the model's code, n the CMT number of the
  dose compartment (a model that does not assign it is refused); with a bioavailability F a modelled rate
  gives F·AMT at Rn, a modelled duration F·AMT over Dn. ADDL additional doses follow every II.
* SS (Part V, "SS data item") on a dose record with II > 0 and AMT > 0 says that doses of AMT (bolus or
  infusion) have been given every II for ever, the record's dose being the last of them
  (``Subject.steady_states``; ``steady_state.steady_state``); its ADDL doses follow. SS=1 resets the system
  to that steady state: what earlier records gave is zeroed out, their pending ADDL doses (at or after the
  record's time) and running infusions are cancelled, and a sample at the record's time sees the
  steady-state trough. SS=3 is SS=1 (it differs only in NONMEM's numerical SS routines' starting
  values; ours is exact). SS=2 adds the steady-state amounts to what the earlier records left
  (superposition, linear models only). SS with II = 0 (a constant infusion) and an infusion longer
  than II are refused.
* CMT numbers the structure's compartments as PREDPP's ADVANs do: depot 1, central 2, peripherals
  3, 4 for a model with absorption (ADVAN2/4/12); central 1, peripherals 2, 3 without (ADVAN1/3/11);
  a metabolite compartment follows them. CMT missing or 0 is the default: doses into the depot (oral
  models) or central, samples in central (the parent). A sample in the metabolite compartment is a
  metabolite concentration (in the metabolite's unit, with its own residual error).
* Censoring (Beal 2001, M3): a BLQ (or CENS) column = 1 marks a sample below the LLOQ column's value
  (mapbayr's convention; DV is then ignored). Without a BLQ column, a sample with DV < LLOQ (the
  LLOQ column, else the ``lloq`` argument) is censored (PKPDmap's convention).
* Covariates are the model's covariate columns. One that changes within an ID is kept per record
  time and carried backward (NOCB) as NONMEM does: PREDPP advances the system from the previous
  event time to a record's time with the parameters computed from that record, so over
  (tⱼ₋₁, tⱼ] the covariate has the value on the record at tⱼ (the first record at that time).
* Occasions (inter-occasion variability; NONMEM's OCC data item, read in $PK as ``IF(OCC.EQ.k)``): for a model
  with IOV (``PopulationModel.iov``) an OCC column gives each record's occasion number, a whole number on every
  record that does not decrease within an ID. Occasion k starts at the time of the first record carrying it and
  lasts until the first record of the next occasion (``Subject.occasions``, the start times), so everything at or
  after that time — a dose, a sample (even one whose own OCC is the previous occasion, recorded at the same time:
  it sees the amount before the dose but occasion k's κ), an infusion still running — has occasion k's κ. This
  differs from NONMEM's NOCB of $PK, where occasion k's κ would already advance the system over the interval that
  ends at its first record. Two occasions may not start at the same time (the first would hold no time). A model
  with IOV read without an OCC column makes every ID one occasion, from its first record (its κ is estimated with
  η; only their sum is informed by the data). A model without IOV ignores an OCC column.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.popmodel import PopulationModel
from pbpk.mipd.solve import Dose

#: Data items read as numbers (besides the covariates).
ITEMS = ("ID", "TIME", "AMT", "RATE", "DUR", "DV", "EVID", "MDV", "CMT", "SS", "II", "ADDL", "BLQ", "CENS", "LLOQ")


@dataclass(frozen=True)
class SteadyDose:
    """A steady-state dose record: ``dose`` (at ``dose.time``) the last of doses every ``interval``.

    ``added`` is SS=2 (the steady state added to the state the earlier records left); otherwise SS=1 or 3
    (the system reset to it).
    """

    dose: Dose
    interval: float
    added: bool = False

    @property
    def time(self) -> float:
        return self.dose.time


@dataclass(frozen=True)
class Subject:
    """One ID's doses, samples and covariates, in the model's units.

    ``censored`` marks samples below ``lloq`` (NaN where none); ``analytes`` names each sample's analyte
    ("parent" unless given). ``covariates`` holds a number for a covariate constant within the ID, or an
    array over ``record_times`` (the ID's distinct record times, increasing), carried backward (NOCB)
    between them. ``steady_states`` are the SS dose records, by time. ``resets`` are the increasing times
    of EVID 3 and 4 records, where every compartment is set to 0 (after the samples and before the doses
    at that time). ``occasions`` are the increasing start times of occasions 1..K (model time unit; module
    docstring), each holding the times up to the next start, the first also any earlier time; empty: no occasions
    (κ = 0, not estimated).
    """

    id: str
    doses: tuple[Dose, ...]
    times: np.ndarray
    observations: np.ndarray
    censored: np.ndarray
    lloq: np.ndarray
    covariates: Mapping[str, float | np.ndarray]
    record_times: np.ndarray
    steady_states: tuple[SteadyDose, ...] = ()
    resets: np.ndarray = field(default_factory=lambda: np.empty(0))
    analytes: np.ndarray | None = None
    occasions: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        if self.analytes is None:
            object.__setattr__(self, "analytes", np.full(np.size(self.times), "parent", dtype=object))
        starts = np.asarray(self.occasions, dtype=float)
        if starts.ndim != 1 or not np.all(np.isfinite(starts)) or np.any(np.diff(starts) <= 0):
            raise PbpkInputError(f"subject {self.id}", "occasions", np.ravel(starts).tolist()[:10],
                                 "the start times of occasions 1..K, finite and increasing")
        object.__setattr__(self, "occasions", starts)

    @property
    def time_varying(self) -> bool:
        return any(np.ndim(value) > 0 for value in self.covariates.values())

    def covariates_at(self, time: float) -> dict[str, float]:
        """Covariate values in force just before ``time`` (NOCB: the first record at or after it)."""
        k = min(int(np.searchsorted(self.record_times, time, side="left")), self.record_times.size - 1)
        return {name: float(value[k]) if np.ndim(value) else float(value) for name, value in self.covariates.items()}

    def samples(self, keep: np.ndarray) -> dict[str, np.ndarray]:
        """The sample fields (times, observations, censored, lloq, analytes) where ``keep``, for ``replace``."""
        return {name: getattr(self, name)[keep] for name in ("times", "observations", "censored", "lloq", "analytes")}

    def at_times(self, times: np.ndarray, analyte: str = "parent") -> Subject:
        """The subject with unobserved samples of ``analyte`` at ``times`` instead of its own (profiles, bands)."""
        times = np.asarray(times, dtype=float)
        return replace(self, times=times, observations=np.full(times.size, np.nan),
                       censored=np.zeros(times.size, dtype=bool), lloq=np.full(times.size, np.nan),
                       analytes=np.full(times.size, analyte, dtype=object))


def read_records(path: str | Path, model: PopulationModel, *, rename: Mapping[str, str] | None = None,
                 lloq: float | None = None) -> dict[str, Subject]:
    """Subjects of a NONMEM-style CSV file, by ID in the order of the file."""
    path = Path(path)
    if not path.is_file():
        raise PbpkInputError(str(path), "", "no such file", "a CSV file of NONMEM-style records")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise PbpkInputError(str(path), "", "an empty file", "a header line and records")
    header = [(rename or {}).get(name.strip(), name.strip()) for name in rows[0]]
    wanted = ITEMS + model.covariate_names + (("OCC",) if model.kappa_names else ())
    columns = {name.upper(): k for k, name in enumerate(header) if name.upper() in (w.upper() for w in wanted)}
    for name in ("ID", "TIME") + tuple(c.upper() for c in model.covariate_names):
        if name not in columns:
            raise PbpkInputError(f"{path}:1", name, ", ".join(header), f"a column {name}",
                                 "rename a column with rename={'yours': 'NAME'}")
    records, order = {}, []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        record = {name: _number(row, k, f"{path}:{line}", header[k]) for name, k in columns.items()}
        record["LINE"] = line
        key = row[columns["ID"]].strip()
        if key in records and order[-1] != key:
            raise PbpkInputError(f"{path}:{line}", header[columns["ID"]], key,
                                 "the records of each ID together", "sort the file by ID")
        if key not in records:
            records[key] = []
            order.append(key)
        records[key].append(record)
    return {key: _subject(key, records[key], model, str(path), lloq) for key in order}


def _number(row: list[str], k: int, where: str, column: str) -> float:
    text = row[k].strip() if k < len(row) else ""
    if text in ("", "."):
        return np.nan
    try:
        return float(text)
    except ValueError:
        raise PbpkInputError(where, column, text, "a number, or . for a missing value") from None


def _subject(key: str, records: list[dict], model: PopulationModel, path: str, lloq: float | None) -> Subject:
    """One ID's records checked and turned into doses, samples and covariates."""
    numbers = model.structure.numbers
    default_dose = model.structure.dose_compartments[0]
    doses, samples, previous, steady, resets = [], [], 0.0, [], []
    censoring = "BLQ" if "BLQ" in records[0] else "CENS" if "CENS" in records[0] else ""
    for r in records:
        where = f"{path}:{r['LINE']}"
        time = r["TIME"]
        if not (np.isfinite(time) and time >= 0):
            raise PbpkInputError(where, "TIME", time, "a time ≥ 0")
        if time < previous:
            raise PbpkInputError(where, "TIME", time, f"a time ≥ {previous:g}, the previous record's",
                                 "sort each ID's records by time")
        previous = time
        evid = r.get("EVID", np.nan)
        if not np.isfinite(evid):
            evid = 1.0 if r.get("AMT", 0) > 0 else 0.0
        if evid not in (0, 1, 2, 3, 4):
            raise PbpkInputError(where, "EVID", evid, "0 (observation), 1 (dose), 2 (other), 3 (reset) or 4 "
                                 "(reset and dose)")
        if evid in (3, 4):
            _check_reset(where, time, doses)
            resets.append(time)
        cmt = r.get("CMT", np.nan)
        cmt = 0 if not np.isfinite(cmt) else cmt
        if cmt != 0 and cmt not in numbers:
            raise PbpkInputError(where, "CMT", cmt, ", ".join(f"{k} ({n})" for k, n in numbers.items()))
        if evid in (1, 4):
            given = _doses(r, where, numbers.get(int(cmt), default_dose), model)
            ss = np.nan_to_num(r.get("SS", 0))
            if ss in (1, 3):  # a reset to the steady state: earlier records' pending doses are cancelled
                doses = [dose for dose in doses if dose.time < time]
                steady = [s for s in steady if s.time < time]
            if ss:
                steady.append(SteadyDose(given[0], float(r["II"]), added=ss == 2))
            doses += given
        elif evid == 0 and r.get("MDV", 0) != 1 and (np.isfinite(r.get("DV", np.nan)) or r.get(censoring) == 1):
            samples.append(_sample(r, where, censoring, lloq) + (_analyte(numbers, cmt, where),))
    times = np.unique([r["TIME"] for r in records])
    first = [next(r for r in records if r["TIME"] == t) for t in times]
    covariates = {}
    for name in model.covariate_names:
        values = np.array([r[name.upper()] for r in first])
        bad = next((r for r in first if not np.isfinite(r[name.upper()])), None)
        if bad is not None:
            raise PbpkInputError(f"{path}:{bad['LINE']}", name, None, f"a value of {name} on every record")
        covariates[name] = float(values[0]) if np.all(values == values[0]) else values
    sample = np.array([row[:4] for row in samples], dtype=float).reshape(-1, 4)
    return Subject(key, tuple(sorted(doses, key=lambda d: d.time)), sample[:, 0], sample[:, 1],
                   sample[:, 2].astype(bool), sample[:, 3], covariates, times, tuple(steady), np.unique(resets),
                   np.array([row[4] for row in samples], dtype=object),
                   _occasions(records, path) if model.kappa_names else np.empty(0))


def _occasions(records: list[dict], path: str) -> np.ndarray:
    """Start times of an ID's occasions: the time of the first record of each OCC number (module docstring)."""
    if "OCC" not in records[0]:
        return np.array([records[0]["TIME"]])
    starts, previous = [], None
    for r in records:
        where, occasion = f"{path}:{r['LINE']}", r["OCC"]
        if not (np.isfinite(occasion) and occasion == np.round(occasion)):
            raise PbpkInputError(where, "OCC", occasion, "a whole occasion number on every record")
        if previous is not None and occasion < previous:
            raise PbpkInputError(where, "OCC", occasion, f"an occasion ≥ {previous:g}, the previous record's",
                                 "occasion numbers do not decrease within an ID")
        if occasion != previous:
            if starts and r["TIME"] == starts[-1]:
                raise PbpkInputError(where, "OCC", occasion, f"a first record after {r['TIME']:g}, where occasion "
                                     f"{previous:g} starts (it would hold no time)")
            starts.append(r["TIME"])
        previous = occasion
    return np.array(starts)


def _analyte(numbers: dict[int, str], cmt: float, where: str) -> str:
    """The analyte a sample in compartment ``cmt`` measures (0: the parent, in central)."""
    compartment = numbers.get(int(cmt), "central")
    if compartment not in ("central", "metabolite"):
        observable = ", ".join(f"{k} ({n})" for k, n in numbers.items() if n in ("central", "metabolite"))
        raise PbpkInputError(where, "CMT", cmt, f"0 or {observable}: concentrations are modelled in central (the "
                             "parent) and in the metabolite compartment")
    return "parent" if compartment == "central" else "metabolite"


def _check_reset(where: str, time: float, doses: list[Dose]) -> None:
    """Refuse a reset at or before a dose of an earlier record (see the module docstring)."""
    late = [dose.time for dose in doses if dose.time >= time]
    if late:
        raise PbpkInputError(where, "TIME", time, f"a reset after every earlier record's dose (one at {late[0]:g})",
                             "put the dose after the reset record, or end its ADDL doses before the reset")


def _doses(r: dict, where: str, compartment: str, model: PopulationModel) -> list[Dose]:
    """The dose of a record, and its ADDL additional doses every II (SS checked, see the module docstring)."""
    structure = model.structure
    amount = r.get("AMT", np.nan)
    if not (np.isfinite(amount) and amount >= 0):
        raise PbpkInputError(where, "AMT", amount, "an amount ≥ 0 on a dose record")
    if compartment not in structure.dose_compartments:
        raise PbpkInputError(where, "CMT", compartment, " or ".join(structure.dose_compartments))
    rate, duration = np.nan_to_num(r.get("RATE", 0)), np.nan_to_num(r.get("DUR", 0))
    modelled = {-1.0: "rate", -2.0: "duration"}.get(float(rate), "") if rate < 0 else ""
    if rate < 0 and not modelled:
        raise PbpkInputError(where, "RATE", rate, "a rate ≥ 0, or −1 (modelled rate) or −2 (modelled duration)")
    name = Dose(0.0, 0.0, compartment, modelled=modelled).parameter(structure)
    if modelled and name not in model.code.assigned:
        raise PbpkInputError(where, "RATE", rate, f"a model whose code assigns {name} for RATE={rate:g} (the modelled "
                             f"{modelled} of doses into {compartment}): {model.name} does not")
    if duration < 0:
        raise PbpkInputError(where, "DUR", duration, "a duration ≥ 0")
    duration = amount / rate if rate > 0 else duration
    extra, every = int(np.nan_to_num(r.get("ADDL", 0))), np.nan_to_num(r.get("II", 0))
    if extra < 0 or (extra > 0 and every <= 0):
        raise PbpkInputError(where, "ADDL", extra, "ADDL ≥ 0, and II > 0 with ADDL > 0")
    ss = np.nan_to_num(r.get("SS", 0))
    if ss not in (0, 1, 2, 3):
        raise PbpkInputError(where, "SS", ss, "0 (no steady state), 1 or 3 (reset to it) or 2 (added to it)")
    if ss and not structure.linear:
        raise PbpkInputError(where, "SS", ss, "0 with Michaelis–Menten elimination",
                             "a steady state is computed for linear models only: give the doses")
    if ss and not (every > 0 and amount > 0 and duration <= every):
        raise PbpkInputError(where, "II", every, f"II > 0 and ≥ the infusion's duration ({duration:g}) with "
                             f"SS={ss:g} and AMT > 0", "a constant infusion at steady state (II=0) is not supported "
                             "yet")
    return [Dose(float(r["TIME"] + k * every), float(amount), compartment, float(duration) * (not modelled), modelled)
            for k in range(extra + 1)]


def _sample(r: dict, where: str, censoring: str, lloq: float | None) -> tuple[float, float, float, float]:
    """(time, DV, censored, LLOQ) of an observation record."""
    limit = r.get("LLOQ", np.nan)
    limit = lloq if not np.isfinite(limit) and lloq is not None else limit
    censored = r.get(censoring) == 1 if censoring else bool(np.isfinite(limit) and r["DV"] < limit)
    if censored and not (np.isfinite(limit) and limit > 0):
        raise PbpkInputError(where, "LLOQ", limit, "a positive LLOQ for a censored sample")
    return r["TIME"], r.get("DV", np.nan), float(censored), limit
