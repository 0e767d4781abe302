"""DDI study files (``ddi/*.yaml``, format in ``docs/ddi-format.md``): load, simulate, compare, summarise.

A study names the victim and its perpetrators (compound files) with their
regimens on one clock (h after the first perpetrator dose), the population,
and the observed AUC and Cmax ratios with their statistic and source. The
study is simulated for each sex present as the reference adult at the study's
mean weight (as clinical cases are, :mod:`pbpk.qualification.cases`) and the ratios are
combined by a geometric mean weighted by the sex shares.

The honesty rules of the clinical qualification hold: a study whose key
appears in a compound value's ``fitted_to`` is *training* and must list those
values; summaries use the *test* studies. Predictions are compared by the
fold error and by the limits of Guest et al. 2011 (Drug Metab Dispos 39:170).

Examples
--------
>>> study = load_study("rifampicin-midazolam-iv-gorski-2003-osp179")
>>> sorted(study.observed)
['AUCR']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from pbpk.compound import load_compound
from pbpk.core import datafiles
from pbpk.core.errors import PbpkInputError
from pbpk.core.records import Record, load_yaml
from pbpk.ddi.dynamic import Arm, DdiResult, interaction, parse_window
from pbpk.qualification.case_run import study_person, training_values
from pbpk.qualification.cases import (
    NO_OVERRIDES,
    Population,
    Study,
    first_dose_is_rapid_iv,
    read_fold,
    read_population,
    read_regimen,
)
from pbpk.qualification.comparison import Compared, fold_summary
from pbpk.simulation.dosing import Regimen

RATIOS = ("AUCR", "CmaxR")
STATISTICS = ("geometric mean ratio", "ratio of means", "mean of ratios", "median ratio", "other")


@dataclass(frozen=True)
class RatioObservation:
    metric: str
    value: float
    statistic: str
    spread: str | None = None


@dataclass(frozen=True)
class StudyArm:
    compound: str
    regimen: Regimen


@dataclass(frozen=True)
class DdiStudy:
    """One clinical DDI study arm (see ``docs/ddi-format.md``)."""

    id: str
    file: str
    title: str
    study: Study
    population: Population
    victim: StudyArm
    perpetrators: tuple[StudyArm, ...]
    observed: Mapping[str, RatioObservation]
    window: tuple[float, float] | None  # None: AUC from the victim's last dose to infinity
    fitted_parameters: tuple[str, ...] = ()
    expected_within: Mapping[str, float] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class StudyResult(Compared):
    """Predicted and observed ratios of one study."""

    study: DdiStudy
    role: str  # "test" or "training"
    predicted: Mapping[str, float]
    observed: Mapping[str, float]
    results: tuple[DdiResult, ...]  # one per sex simulated
    weights: tuple[float, ...]

    @property
    def expected_within(self) -> Mapping[str, float]:
        return self.study.expected_within

    @property
    def ignored(self) -> tuple[str, ...]:
        return self.results[0].ignored

    @property
    def weighting(self) -> str:
        """How the study's ratios combine the sexes simulated, e.g. "geometric mean of male 50 %, female 50 %"."""
        arms = ", ".join(f"{r.treatment.individual.sex} {100 * w:.0f} %" for r, w in zip(self.results, self.weights))
        return f"geometric mean of {arms}" if len(self.results) > 1 else f"{arms} only"


# -- loading ------------------------------------------------------------------------------------
def load_study(name_or_path: str | Path) -> DdiStudy:
    """Read and validate a DDI study file (a path, or the id of a bundled study)."""
    path = datafiles.resolve("ddi", name_or_path)
    return _study(Record(load_yaml(path), datafiles.display_path(path)))


def load_studies(pattern: str | None = None) -> list[DdiStudy]:
    """Every bundled study, those whose id matches a glob (``"rifampicin-*"``), a file, a folder or a path glob."""
    return [load_study(path) for path in datafiles.matching_files("ddi", pattern, "studies")]


def _study(r: Record) -> DdiStudy:
    study_id = r.text("id")
    if Path(r.file).stem != study_id:
        raise r.error("id", study_id, f"the file name without .yaml ('{Path(r.file).stem}')",
                      "one study per file, named after its id")
    study = r.record("study")
    population = r.record("population")
    observed = r.record("observed")
    victim = r.record("victim")
    perpetrators = r.records("perpetrators")
    if not perpetrators:
        raise r.error("perpetrators", [], "at least one perpetrator")
    auc = r.raw("auc", required=False)
    try:
        window = parse_window(auc if auc is None or isinstance(auc, str) else [str(v) for v in auc])
    except PbpkInputError:
        raise r.error("auc", auc, "inf, or [start, end] in h on the study clock") from None
    result = DdiStudy(
        id=study_id,
        file=r.file,
        title=r.text("title"),
        study=Study(study.text("reference"), study.text("key"), study.text("source"), study.text("url", required=False)),
        population=read_population(population),
        victim=_arm(victim),
        perpetrators=tuple(_arm(p) for p in perpetrators),
        observed={name: _ratio(observed, name) for name in observed.keys()},  # noqa: SIM118 (a Record)
        window=window,
        fitted_parameters=tuple(r.raw("fitted_parameters", required=False) or ()),
        expected_within={name: read_fold(r, name, value, RATIOS)
                         for name, value in (r.raw("expected_within", required=False) or {}).items()},
        note=r.text("note", required=False),
    )
    for record in (study, population, observed):
        record.finish(hint=NO_OVERRIDES)
    r.finish(hint=NO_OVERRIDES)
    if not result.observed:
        raise r.error("observed", {}, "AUCR and/or CmaxR")
    if "CmaxR" in result.observed and first_dose_is_rapid_iv(result.victim.regimen):
        raise r.error("observed", "CmaxR", "no CmaxR for a victim given as an IV bolus or short infusion",
                      "the Cmax of a bolus depends on the first sampling time")
    unknown = set(result.expected_within) - set(result.observed)
    if unknown:
        raise r.error("expected_within", min(unknown), "metrics that are observed in this study")
    return result


def _arm(r: Record) -> StudyArm:
    arm = StudyArm(r.text("compound"), read_regimen(r))
    r.finish(hint=NO_OVERRIDES)
    return arm


def _ratio(observed: Record, name: str) -> RatioObservation:
    if name not in RATIOS:
        raise observed.error(name, name, f"one of {', '.join(RATIOS)}")
    r = observed.record(name)
    value = r.number("value", low=0, low_open=True)
    result = RatioObservation(name, float(value), r.text("statistic", choices=STATISTICS),
                              r.text("spread", required=False))
    r.finish()
    return result


# -- running --------------------------------------------------------------------------------------
def run_study(study: DdiStudy, ontogeny: str | None = None) -> StudyResult:
    """Simulate the study with and without perpetrators for each sex present; compare the ratios.

    ``ontogeny``: the enzyme ontogeny set of a pediatric study population (default: the database's default)."""
    victim = load_compound(study.victim.compound)
    perpetrators = [load_compound(p.compound) for p in study.perpetrators]
    fitted = sorted(name for compound in (victim, *perpetrators) for name in
                    (f"{compound.name}: {value}" for value in training_values(study, compound)))
    if fitted != sorted(study.fitted_parameters):
        raise PbpkInputError(study.file, "fitted_parameters", list(study.fitted_parameters),
                             f"the compound values fitted to study '{study.study.key}': {fitted or 'none'}",
                             "a study must declare the values fitted to it (honesty rule); copy the list")
    results, weights = [], []
    for sex, share in (("male", 1.0 - study.population.female_fraction), ("female", study.population.female_fraction)):
        if share <= 0:
            continue
        person = study_person(study.population, sex, ontogeny)
        results.append(interaction(Arm(victim, study.victim.regimen),
                                   [Arm(c, p.regimen) for c, p in zip(perpetrators, study.perpetrators)],
                                   person, window=study.window))
        weights.append(share)
    predicted = {}
    for metric in reported_ratios(study):
        values = [r.aucr if metric == "AUCR" else r.cmaxr for r in results]
        predicted[metric] = math.exp(sum(w * math.log(v) for w, v in zip(weights, values)))
    observed = {m: o.value for m, o in study.observed.items()}
    return StudyResult(study, "training" if fitted else "test", predicted, observed, tuple(results), tuple(weights))


def reported_ratios(study: DdiStudy) -> tuple[str, ...]:
    """AUCR, and CmaxR unless the victim's first dose is an IV bolus or a short infusion."""
    return RATIOS if not first_dose_is_rapid_iv(study.victim.regimen) else ("AUCR",)


def population_ratios(study: DdiStudy, n: int, *, seed: int = 1, population: str | None = None,
                      progress: bool = False) -> dict[str, dict[str, float]]:
    """Percentiles (5, 50, 95) of AUCR and CmaxR over ``n`` virtual adults of the study's sex mix
    (European unless ``population`` gives a population text such as ``"adult: japanese"``);
    ``progress``: a bar on stderr."""
    from pbpk.ddi.dynamic import population_interaction
    from pbpk.populations.sampling import parse_population

    if n < 2:
        raise PbpkInputError("ddi", "n", n, "at least 2 virtual subjects for percentiles")
    spec = parse_population(population or "adult")
    if population is None:
        spec = replace(spec, female_fraction=study.population.female_fraction)
    if study.population.age is not None or study.population.gestational_week:
        raise PbpkInputError(study.file, "population", study.population.description,
                             "an adult study for virtual-population DDI percentiles")
    victim = load_compound(study.victim.compound)
    perpetrators = [Arm(load_compound(p.compound), p.regimen) for p in study.perpetrators]
    ratios = population_interaction(Arm(victim, study.victim.regimen), perpetrators, spec, n, seed=seed,
                                    window=study.window, progress=progress)
    summary = {}
    for metric in reported_ratios(study):
        values = ratios[metric][np.isfinite(ratios[metric])]
        summary[metric] = {"n": len(values), **{f"p{q}": float(np.percentile(values, q)) for q in (5, 50, 95)}}
    return summary


# -- per arm and figure -------------------------------------------------------------------------------
def arm_metrics(result: StudyResult) -> list[dict]:
    """Per sex simulated: its share, the victim's AUC (with its interval) and Cmax alone and with the
    perpetrators (units given) and that arm's ratios; the study's ratios are their weighted geometric mean."""
    metrics = reported_ratios(result.study)
    arms = []
    for r, share in zip(result.results, result.weights):
        start, end = r.window
        interval = {"start_h": float(start), "end_h": None if math.isinf(end) else float(end),
                    "to_infinity": math.isinf(end)}
        peak = {**interval, "end_h": float(min(end, r.treatment.times[-1])), "to_infinity": False}  # simulated end
        phases = {}
        for phase, auc, cmax in (("victim_alone", r.auc_control, r.cmax_control),
                                 ("with_perpetrators", r.auc_treatment, r.cmax_treatment)):
            phases[phase] = {"AUC": {"value": auc, "unit": "mg*h/L", "interval": interval}}
            if "CmaxR" in metrics:
                phases[phase]["Cmax"] = {"value": cmax, "unit": "mg/L", "interval": peak}
        ratios = {"AUCR": r.aucr, **({"CmaxR": r.cmaxr} if "CmaxR" in metrics else {})}
        person = r.treatment.individual
        arms.append({"sex": person.sex, "body_weight_kg": float(person.body_weight.to("kg").magnitude),
                     "share": share, **phases, **ratios})
    return arms


def interval_text(interval: Mapping[str, float | bool | None]) -> str:
    """An interval of :func:`arm_metrics` on the study clock: "72-inf h" or "0-24 h"."""
    return f"{interval['start_h']:g}-{'inf' if interval['to_infinity'] else format(interval['end_h'], 'g')} h"


def study_figure(result: StudyResult, path: str | Path | None = None):
    """The first arm's profiles and enzyme course (:func:`pbpk.simulation.plots.ddi_profile`), titled with the arm
    it shows and the study's weighted ratios; saved to ``path`` if given; returns the figure."""
    typical = result.results[0]
    figure = typical.plot(None)
    person = typical.treatment.individual
    ratios = ", ".join(f"{m} {v:.2f}" for m, v in result.predicted.items())
    perpetrators = ", ".join(arm.compound for arm in result.study.perpetrators)
    figure.suptitle(f"{typical.victim.name} with {perpetrators}: figure shows the {person.sex} arm "
                    f"({person.body_weight.to('kg').magnitude:.0f} kg)\nstudy {ratios} ({result.weighting})",
                    fontsize=10)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=120)
    return figure


# -- summaries --------------------------------------------------------------------------------------
def summarise_studies(results: Iterable[StudyResult], role: str = "test") -> dict[str, dict[str, float]]:
    """Per ratio: number of studies, GMFE, fractions within 1.25-, 1.5- and 2-fold and within the Guest limits."""
    return fold_summary([r for r in results if r.role == role], RATIOS, "n_studies", guest=RATIOS)


__all__ = ["RATIOS", "DdiStudy", "StudyResult", "arm_metrics", "load_studies", "load_study", "run_study",
           "study_figure", "summarise_studies"]
