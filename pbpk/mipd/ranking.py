"""The ranking of dose options (``recommend``'s table): met at the MAP, PTA, how far the MAP misses the target,
toxicity, daily dose; one row per option with units in the column names."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pbpk.mipd.popmodel import PopulationModel

if TYPE_CHECKING:
    from pbpk.mipd.recommend import Regimen, Target


def ranked_table(model: PopulationModel, target: Target, options: tuple[Regimen, ...], values: np.ndarray,
                 met: np.ndarray, toxic: np.ndarray | None, *, has_draws: bool) -> pd.DataFrame:
    """One row per option, ranked as ``recommend``'s module docstring says: met at the MAP, PTA, ``miss``, toxicity
    probability, daily dose, option order; values (options × subjects) hold the MAP η in column 0."""
    amount, time = model.units["amount"], model.units["time"]
    unit = target.value_unit(model)
    posterior = slice(1, None)
    table = pd.DataFrame({
        "option": np.arange(len(options)),
        f"dose ({amount})": [o.dose for o in options],
        f"interval ({time})": [o.interval for o in options],
        f"infusion ({time})": [o.infusion for o in options],
        f"loading ({amount})": [np.nan if o.loading is None else o.loading for o in options],
        f"daily dose ({amount}/day)": [o.daily_dose for o in options],
        f"{target.kind} at MAP ({unit})": values[:, 0],
        "met at MAP": met[:, 0],
        "PTA": met[:, posterior].mean(axis=1) if has_draws else np.nan,
        "P(toxicity)": toxic[:, posterior].mean(axis=1) if has_draws and toxic is not None else np.nan,
    })
    table["_toxicity"] = table["P(toxicity)"].fillna(0.0)
    table["_miss"] = miss(values[:, 0], target)
    table = table.sort_values(["met at MAP", "PTA", "_miss", "_toxicity", f"daily dose ({amount}/day)", "option"],
                              ascending=[False, False, True, True, True, True], kind="stable")
    return table.drop(columns=["_toxicity", "_miss"]).reset_index(drop=True)


def miss(value: np.ndarray, target: Target) -> np.ndarray:
    """How far a value at the MAP lies outside the target's bounds: |log(value/bound)|, 0 inside (the ratio for
    positive values; the difference where a bound or the value is not positive)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        below = np.where((value > 0) & (target.low > 0), np.log(target.low / value), target.low - value)
        above = np.where((value > 0) & np.isfinite(target.high) & (target.high > 0), np.log(value / target.high),
                         value - target.high)
    return np.nan_to_num(np.maximum(np.maximum(below, above), 0.0), nan=np.inf, posinf=np.inf)
