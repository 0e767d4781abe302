"""The one absolute-tolerance rule of the integrator.

Each state's absolute tolerance is a small fraction of the amount that sets its scale:
the total dose (µmol) of the compound the state belongs to — by default ``rtol × 10⁻³``
of it, so the error control resolves a thousandth of the relative tolerance of the dose.
A state of a compound that is not dosed (a perpetrator left out of a control phase, a
metabolite) takes 1 µmol as its scale. AUC states (µmol·h/L) use the same number.

Examples
--------
>>> absolute_tolerance(np.array([250.0, 0.0]), 1e-8).tolist()
[2.5e-09, 1.0000000000000001e-11]
"""

from __future__ import annotations

import numpy as np

#: Default absolute tolerance as a fraction of (rtol × dose scale).
ATOL_FRACTION = 1e-3
#: Scale (µmol) of a state whose compound is not dosed.
UNDOSED_SCALE = 1.0


def absolute_tolerance(scale: np.ndarray, rtol: float, fraction: float | None = None) -> np.ndarray:
    """Absolute tolerance per state (and per subject, for a 2-D ``scale``).

    ``scale`` is each state's dose scale in µmol (0 where its compound is not dosed);
    ``fraction`` replaces the default ``rtol × 10⁻³`` (an absolute tolerance given as a
    fraction of the dose).
    """
    scale = np.where(scale > 0, scale, UNDOSED_SCALE)
    return scale * rtol * ATOL_FRACTION if fraction is None else scale * fraction
