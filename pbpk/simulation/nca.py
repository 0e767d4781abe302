"""Non-compartmental analysis of simulated profiles.

AUC comes from the model's integrated state (∫C dt), never from trapezoids:
after an IV bolus the venous spike makes trapezoids on an output grid
overestimate AUC badly (DESIGN §4). AUMC uses the integrated AUC as well,
AUMC(t) = t·AUC(t) − ∫₀ᵗ AUC(s) ds. The terminal rate constant λz comes from a
log-linear fit to the last points (the set of ≥ 3 points after Cmax with the
best adjusted R², as in standard NCA software); AUC∞ = AUC_last + C_last/λz.
Virtual populations, where a search per subject would cost more than the solve,
use the vectorised fit on the last three points (:func:`last_points_slopes`).
Every AUC∞ in pbpk comes from :func:`auc_to_infinity`; metrics over a window of the
clock (DDI phases, validation windows) from :func:`auc_within` and :func:`peak_within`.

Units: concentrations mg/L, time h, amounts mg (callers convert from µmol).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NCAResult:
    """NCA parameters. Values in mg/L, h, mg·h/L, L/h and L; None when not defined."""

    AUC_last: float
    AUC_inf: float | None
    AUMC_inf: float | None
    Cmax: float
    tmax: float
    C_last: float
    lambda_z: float | None
    t_half: float | None
    MRT: float | None
    CL: float | None
    Vss: float | None
    Vz: float | None
    extrapolated_fraction: float | None
    route: str
    dose: float
    F: float | None = None
    AUC_tau: float | None = None
    C_avg: float | None = None
    C_min: float | None = None
    CL_F: float | None = None  # oral: apparent clearance dose/AUC (CL then is that of a paired IV dose, if any)
    Vz_F: float | None = None

    UNITS = {"AUC_last": "mg*h/L", "AUC_inf": "mg*h/L", "AUMC_inf": "mg*h^2/L", "Cmax": "mg/L", "tmax": "h",
             "C_last": "mg/L", "lambda_z": "1/h", "t_half": "h", "MRT": "h", "CL": "L/h", "Vss": "L", "Vz": "L",
             "extrapolated_fraction": "", "dose": "mg", "F": "", "AUC_tau": "mg*h/L", "C_avg": "mg/L",
             "C_min": "mg/L", "CL_F": "L/h", "Vz_F": "L"}

    def as_dict(self) -> dict[str, dict[str, float | str] | str]:
        """``{name: {"value": ..., "unit": ...}}`` for JSON output (None values left out)."""
        out: dict[str, dict[str, float | str] | str] = {}
        for name, unit in self.UNITS.items():
            value = getattr(self, name)
            if value is not None:
                out[name] = {"value": float(value), "unit": unit}
        out["route"] = self.route
        return out


def terminal_slope(times: np.ndarray, concentrations: np.ndarray, *, min_points: int = 3,
                   last: int | None = None) -> tuple[float, int] | None:
    """λz (1/h) and the number of points used, or None when no decline can be fitted.

    ``last`` limits the search to the last ``last`` points (long, densely sampled profiles).

    >>> t = np.array([1.0, 2.0, 4.0, 8.0]); round(float(terminal_slope(t, 10 * np.exp(-0.3 * t))[0]), 12)
    0.3
    """
    if last is not None:
        times, concentrations = times[-last:], concentrations[-last:]
    positive = concentrations > 0
    t, c = times[positive], concentrations[positive]
    if len(t) < min_points:
        return None
    best: tuple[float, float, int] | None = None  # (adjusted R², λz, points)
    log_c = np.log(c)
    for points in range(min_points, len(t) + 1):
        x, y = t[-points:], log_c[-points:]
        slope, intercept = np.polyfit(x, y, 1)
        if slope >= 0:
            continue
        residual = y - (slope * x + intercept)
        total = np.sum((y - y.mean()) ** 2)
        r2 = 1.0 - np.sum(residual ** 2) / total if total > 0 else 1.0
        adjusted = 1.0 - (1.0 - r2) * (points - 1) / (points - 2)
        if best is None or adjusted >= best[0] - 1e-4:
            best = (adjusted, -slope, points)
    return (best[1], best[2]) if best is not None else None


def last_points_slopes(times: np.ndarray, concentrations: np.ndarray, points: int = 3) -> np.ndarray:
    """λz (1/h) per row of ``concentrations`` (subjects × times) from a log-linear fit to the last ``points``
    times; NaN where a concentration there is not positive."""
    tail = concentrations[:, -points:]
    positive = (tail > 0).all(axis=1)
    slope = np.full(len(concentrations), np.nan)
    slope[positive] = -np.polyfit(times[-points:], np.log(tail[positive]).T, 1)[0]
    return slope


def auc_within(times: np.ndarray, auc: np.ndarray, start: float, end: float) -> float:
    """AUC (mg·h/L) from ``start`` to ``end`` (h) from the integrated state ``auc`` (interpolated on ``times``)."""
    return float(np.interp(end, times, auc) - np.interp(start, times, auc))


def peak_within(times: np.ndarray, concentration: np.ndarray, start: float, end: float) -> tuple[float, float]:
    """Cmax within [start, end] on the output grid and its time counted from ``start`` (h)."""
    inside = (times >= start - 1e-9) & (times <= end + 1e-9)
    peak = int(np.argmax(concentration[inside]))
    return float(concentration[inside][peak]), float(times[inside][peak] - start)


def auc_to_infinity(auc_last, c_last, lambda_z):
    """AUC∞ = AUC_last + C_last/λz (mg·h/L; scalars or arrays)."""
    return auc_last + c_last / lambda_z


def analyse(times: np.ndarray, concentration: np.ndarray, auc: np.ndarray, auc_integral: np.ndarray, *,
            dose: float, route: str, last_dose_time: float = 0.0, interval: float | None = None,
            infusion_duration: float = 0.0) -> NCAResult:
    """NCA of a simulated plasma profile.

    Parameters
    ----------
    times, concentration
        Output grid (h) and plasma concentration (mg/L).
    auc, auc_integral
        The model's integrated states ∫C dt (mg·h/L) and ∫AUC dt (mg·h²/L).
    dose
        Dose per administration (mg).
    route
        ``iv``, ``infusion`` or ``oral`` (oral: ``CL_F`` and ``Vz_F``, apparent; ``CL`` and ``Vz`` left None).
    last_dose_time, interval
        For repeated dosing: start and length of the last dosing interval.
    infusion_duration
        Infusion length (h), to correct the MRT.
    """
    after = times >= last_dose_time - 1e-9
    t, c = times[after], concentration[after]
    peak = int(np.argmax(c))
    c_max, t_max = float(c[peak]), float(t[peak])
    fit = terminal_slope(t[peak + 1:], c[peak + 1:]) if peak + 1 < len(t) else None
    auc_last = float(auc[-1])
    t_last, c_last = float(times[-1]), float(concentration[-1])
    aumc_last = t_last * auc_last - float(auc_integral[-1])
    lambda_z = t_half = auc_inf = aumc_inf = mrt = cl = vss = vz = extrapolated = None
    if fit is not None:
        lambda_z = fit[0]
        t_half = math.log(2) / lambda_z
        auc_inf = auc_to_infinity(auc_last, c_last, lambda_z)
        aumc_inf = aumc_last + t_last * c_last / lambda_z + c_last / lambda_z ** 2
        extrapolated = (auc_inf - auc_last) / auc_inf
    auc_tau = c_avg = c_min = None
    if interval is not None:
        start = np.searchsorted(times, last_dose_time - 1e-9)
        end = np.searchsorted(times, last_dose_time + interval + 1e-9)
        window = slice(start, end)
        auc_tau = float(np.interp(last_dose_time + interval, times, auc) - np.interp(last_dose_time, times, auc))
        c_avg = auc_tau / interval
        c_min = float(concentration[window].min())
        cl = dose / auc_tau
    elif auc_inf is not None:
        cl = dose / auc_inf
        mrt = aumc_inf / auc_inf - infusion_duration / 2.0
        if route != "oral":
            vss = cl * mrt
        vz = cl / lambda_z
    def number(value):
        return None if value is None else float(value)

    apparent = route == "oral"  # dose/AUC is CL/F and λz-volume Vz/F; CL and Vz need an IV reference
    return NCAResult(number(auc_last), number(auc_inf), number(aumc_inf), c_max, t_max, c_last, number(lambda_z),
                     number(t_half), number(mrt), None if apparent else number(cl), number(vss),
                     None if apparent else number(vz), number(extrapolated), route, float(dose),
                     AUC_tau=number(auc_tau), C_avg=number(c_avg), C_min=number(c_min),
                     CL_F=number(cl) if apparent else None, Vz_F=number(vz) if apparent else None)
