"""Exposure–response (PK/PD) models on PBPK or popPK concentrations, and virtual dose ranging.

One concept per module (``docs/pd.md``):

* :mod:`~pbpk.pd.direct`: Emax, sigmoid Emax (Hill) and inhibitory effect models;
* :mod:`~pbpk.pd.effect_compartment`: the effect-site concentration, exact for a profile linear between samples;
* :mod:`~pbpk.pd.indirect_response`: Dayneka, Garg & Jusko 1993 models I–IV;
* :mod:`~pbpk.pd.tumour_growth`: Claret et al. 2009 tumour growth inhibition, week-8 change in size;
* :mod:`~pbpk.pd.logistic`: probability of response or toxicity as a function of exposure;
* :mod:`~pbpk.pd.exposure`: exposures of virtual patients from a closed-form popPK model;
* :mod:`~pbpk.pd.dose_ranging` and :mod:`~pbpk.pd.dose_ranging_figure`: per dose P(response) and
  P(toxicity) with intervals, the MTD and the OBD, table and figure;
* :mod:`~pbpk.pd.spec`: dose-ranging spec files (``pd_models/``), read by ``pbpk pd``.

The layer sits between ``ddi`` and ``mipd``: it imports only :mod:`pbpk.core` (and numpy, scipy,
pandas, matplotlib), so concentrations from any source can drive it.
"""
