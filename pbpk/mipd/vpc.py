"""Visual predictive check: a population model's prediction bands over observed profiles.

Each replicate simulates every subject once (its covariates and doses, η from Ω, ε from
σ) at the observed times; the 5th, 50th and 95th percentiles across subjects are taken
per time and replicate, and the figure shades the 90 % interval of each percentile over
the replicates, with the observed percentiles as lines (Bergstrand et al. 2011, AAPS J
13:143; the observed "data" of a PBPK-derived prior are the PBPK population's profiles).
The figure's second panel, when npde are given, shows them over time with the N(0, 1)
5th, 50th and 95th percentiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from pbpk.core.errors import PbpkInputError
from pbpk.mipd.individual_fits import Design
from pbpk.mipd.npde import NPDE
from pbpk.mipd.popmodel import PopulationModel

PERCENTILES = (5.0, 50.0, 95.0)
#: Interval of the simulated percentiles shaded in the figure (fractions).
BAND = (0.05, 0.95)


@dataclass(frozen=True)
class VPC:
    """Observed percentiles (percentile × time) and the simulated ones (replicate × percentile × time)."""

    times: np.ndarray
    observed: np.ndarray
    simulated: np.ndarray
    unit: str
    time_unit: str

    def outside(self) -> np.ndarray:
        """Per percentile, the fraction of times whose observed value lies outside the simulated band."""
        low, high = np.quantile(self.simulated, BAND, axis=0)
        return np.mean((self.observed < low) | (self.observed > high), axis=1)

    def plot(self, path: str | None = None, *, title: str = "", npde: NPDE | None = None):
        """The VPC (log concentration scale) and, with ``npde``, the npde over time; saved to ``path``."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        panels = 2 if npde is not None else 1
        figure, axes = plt.subplots(1, panels, figsize=(6.4 * panels, 4.6), squeeze=False)
        axis = axes[0, 0]
        keep = (self.observed[1] > 0) & (self.times > 0)
        low, middle, high = np.quantile(self.simulated, (BAND[0], 0.5, BAND[1]), axis=0)
        for k, percentile in enumerate(PERCENTILES):
            outer = percentile != 50
            colour = "tab:blue" if outer else "tab:red"
            axis.fill_between(self.times[keep], low[k, keep], high[k, keep], color=colour, alpha=0.25, linewidth=0,
                              label=None if k == 2 else f"prior {'P5, P95' if outer else 'P50'}: "
                              f"{100 * (BAND[1] - BAND[0]):.0f} % interval")
            axis.plot(self.times[keep], self.observed[k, keep], color="black", linestyle="--" if outer else "-",
                      linewidth=1.2, label=None if k == 2 else f"observed {'P5, P95' if outer else 'P50'}")
            axis.plot(self.times[keep], middle[k, keep], color=colour, linewidth=0.6)
        positive = self.observed[:, keep][self.observed[:, keep] > 0]
        if positive.size:
            axis.set_ylim(max(positive.min(), positive.max() * 1e-3) / 2, positive.max() * 2)
        axis.set_yscale("log")
        axis.set_xlabel(f"time [{self.time_unit}]")
        axis.set_ylabel(f"concentration [{self.unit}]")
        axis.set_title(title or "visual predictive check")
        axis.legend(fontsize=7, loc="lower left")
        if npde is not None:
            axis = axes[0, 1]
            t = np.broadcast_to(npde.times, npde.values.shape)
            seen = np.isfinite(npde.values)
            axis.scatter(t[seen], npde.values[seen], s=3, alpha=0.25, color="tab:gray")
            for z in (-1.645, 0.0, 1.645):
                axis.axhline(z, color="tab:blue", linestyle="-" if z == 0 else "--", linewidth=0.8)
            columns = np.any(seen, axis=0)
            for q, style in ((0.05, "--"), (0.5, "-"), (0.95, "--")):
                axis.plot(npde.times[columns], np.nanquantile(npde.values[:, columns], q, axis=0), color="black",
                          linestyle=style, linewidth=1.2)
            axis.set_xlabel(f"time [{self.time_unit}]")
            axis.set_ylabel("npde")
            axis.set_title("npde (black: P5, P50, P95; blue: N(0, 1))")
        figure.tight_layout()
        if path is not None:
            figure.savefig(path, dpi=120)
        return figure


def vpc(model: PopulationModel, observations: np.ndarray, design: Design, covariates: Mapping[str, np.ndarray], *,
        amount_scale: np.ndarray | None = None, replicates: int = 100, seed: int = 0,
        at_dose_time: str = "before") -> VPC:
    """The VPC of ``observations`` (subjects × ``design.times``, the model's analyte unit) under ``model``.

    ``at_dose_time``: whether the observations at a dose time were taken "before" or "after" the dose.
    """
    observations = np.asarray(observations, dtype=float)
    if observations.ndim != 2 or observations.shape[1] != design.times.size:
        raise PbpkInputError("vpc", "observations", observations.shape, f"subjects × {design.times.size} times")
    if replicates < 20:
        raise PbpkInputError("vpc", "replicates", replicates, "at least 20 simulated replicates")
    rng = np.random.default_rng(seed)
    error = model.errors["parent"]
    missing = ~np.isfinite(observations)  # the simulations leave out what was not observed
    observed = np.nanpercentile(observations, PERCENTILES, axis=0)
    simulated = np.empty((replicates, len(PERCENTILES), design.times.size))
    for r in range(replicates):
        prediction = model.predict(design.doses, design.times, covariates, model.sample_eta(len(observations), rng),
                                   amount_scale=amount_scale, at_dose_time=at_dose_time)
        simulated[r] = np.nanpercentile(np.where(missing, np.nan, error.sample(prediction.concentration(), rng)),
                                        PERCENTILES, axis=0)
    return VPC(design.times, observed, simulated, model.analytes["parent"], model.units["time"])
