"""Exposure matching: the dose that gives a target population the exposure of a reference regimen.

``match_doses(compound, "adult", "5 mg", ["pediatric: 0.5-2 y", "pediatric: 2-6 y"])``
simulates the reference population on its regimen, takes the median of the
exposure metric (AUC, Cmax or trough concentration), and for each target
population finds the dose (per kg) whose median matches it: d ← d·target/median,
repeated with the same subjects (same seed) until within 1 % — one step when the
kinetics are linear, a few when they saturate.

For a repeated regimen (``every``) the metrics are taken at steady state over
the last dosing interval (AUC_τ, Cmax, trough at the end of the interval); for
a single dose AUC is AUC∞.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from pbpk.compound import Compound
from pbpk.core.errors import PbpkInputError
from pbpk.core.units import parse_quantity
from pbpk.populations.run import simulate_virtual_population
from pbpk.simulation.dosing import as_regimen, is_per_body_weight, parse_amount

METRICS = ("AUC", "Cmax", "Ctrough")
TOLERANCE = 0.01
MAX_ITERATIONS = 8


def match_doses(compound: Compound, reference: str, reference_dose: str, targets: Sequence[str], *,
                route: str = "iv", infusion_time: str | None = None, every: str | None = None, doses: int = 1,
                metric: str = "AUC", n: int = 500, seed: int = 0, kinetics: str = "michaelis_menten",
                progress: bool = False) -> pd.DataFrame:
    """A table: per population (reference first), the dose per kg and per subject, and the metric's percentiles.

    ``progress``: a bar on stderr, one step per population (its iterations shown beside it).
    """
    if metric not in METRICS:
        raise PbpkInputError("dose-match", "metric", metric, f"one of {', '.join(METRICS)}")
    if metric == "Ctrough" and every is None:
        raise PbpkInputError("dose-match", "metric", metric, "a repeated regimen (every) for a trough concentration")
    if not targets:
        raise PbpkInputError("dose-match", "target", None, "at least one target population")
    column, until = _metric_column(metric, every, doses)

    def run(population: str, dose: str):
        regimen = as_regimen(None, dose, route, infusion_time, every, doses, where="dose-match")
        result = simulate_virtual_population(compound, population, n, regimen=regimen, until=until, seed=seed,
                                             kinetics=kinetics, keep_profiles=False)
        values = result.subjects[column].to_numpy()
        finite = values[np.isfinite(values)]
        if len(finite) < n // 2:
            raise PbpkInputError("dose-match", "metric", metric, f"a {metric} that most subjects' profiles define",
                                 "extend the regimen or choose another metric")
        return result, finite

    with tqdm(total=1 + len(targets), unit="population", desc="dose-match", disable=not progress,
              file=sys.stderr) as bar:
        bar.set_postfix_str(reference)
        reference_result, reference_values = run(reference, reference_dose)
        bar.update()
        target = float(np.median(reference_values))
        per_kg = _per_kg(reference_dose, reference_result)
        rows = [_row(reference, "reference", per_kg, reference_result, reference_values, target, 0)]
        for population in targets:
            dose = per_kg
            for iteration in range(1, MAX_ITERATIONS + 1):
                bar.set_postfix_str(f"{population}, iteration {iteration}")
                result, values = run(population, f"{dose:.6g} mg/kg")
                ratio = float(np.median(values)) / target
                if abs(ratio - 1.0) <= TOLERANCE:
                    break
                dose /= ratio
            else:
                raise PbpkInputError("dose-match", "target", population, f"a dose matching the reference {metric} "
                                     f"within {TOLERANCE:.0%} in {MAX_ITERATIONS} iterations")
            rows.append(_row(population, "target", dose, result, values, target, iteration))
            bar.update()
    return pd.DataFrame(rows)


def _metric_column(metric: str, every: str | None, doses: int) -> tuple[str, str | None]:
    if every is None:
        return {"AUC": "AUC_inf [mg*h/L]", "Cmax": "Cmax [mg/L]"}[metric], None
    tau = parse_quantity(every, "h", where="dose-match", field="every", example="12 h").to("h").magnitude
    until = f"{tau * doses} h"  # the grid ends one interval after the last dose
    return {"AUC": "AUC_last_dose [mg*h/L]", "Cmax": "Cmax [mg/L]", "Ctrough": "C_last [mg/L]"}[metric], until


def _per_kg(dose: str, result) -> float:
    amount = parse_amount(dose, where="dose-match", field="reference-dose")
    if is_per_body_weight(amount):
        return float(amount.to("mg/kg").magnitude)
    return float(amount.to("mg").magnitude / np.median(result.subjects["weight [kg]"]))


def _row(population: str, role: str, per_kg: float, result, values: np.ndarray, target: float,
         iterations: int) -> dict:
    weight = float(np.median(result.subjects["weight [kg]"]))
    return {"population": population, "role": role, "dose [mg/kg]": per_kg,
            "median weight [kg]": weight, "dose at median weight [mg]": per_kg * weight,
            "P5": float(np.percentile(values, 5)), "P50": float(np.median(values)),
            "P95": float(np.percentile(values, 95)), "median / reference": float(np.median(values)) / target,
            "iterations": iterations, "subjects": result.n}


__all__ = ["match_doses", "METRICS"]
