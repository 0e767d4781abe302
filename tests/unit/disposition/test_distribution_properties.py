"""Properties of the Kp methods over random drugs (hypothesis)."""

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from pbpk.compound.ionization import PKa
from pbpk.disposition.distribution import METHODS, DrugPartitionInputs
from pbpk.physiology import reference_individual

MAN = reference_individual("male")
COMPOSITIONS = [t.composition for t in MAN.tissues.values()]

drugs = st.builds(
    lambda log_p, pkas, fu, extra_rbc: DrugPartitionInputs(
        log_p, tuple(pkas), fu, 1 - MAN.haematocrit + MAN.haematocrit * fu * (1 + extra_rbc), MAN.haematocrit),
    log_p=st.floats(-3, 5),
    pkas=st.lists(st.builds(PKa, st.floats(1, 12), st.sampled_from(["acid", "base"]), st.just("")), max_size=2),
    fu=st.floats(0.01, 1.0),
    extra_rbc=st.floats(0.5, 20),
)


@settings(max_examples=200, deadline=None)
@given(drug=drugs, method=st.sampled_from(sorted(METHODS)))
def test_kp_is_positive_and_finite(drug, method):
    """Every accepted input gives a finite positive Kp; the one refusal allowed is Rodgers & Rowland's for a
    strong base whose B:P leaves no red-cell binding to calibrate (it must then say so)."""
    for composition in COMPOSITIONS:
        try:
            kp = METHODS[method](composition, drug, MAN.plasma, MAN.red_blood_cells)
        except ValueError as error:
            assert method == "rodgers_rowland" and "leaves no red-cell binding" in str(error)
            return
        assert math.isfinite(kp) and kp > 0


@settings(max_examples=100, deadline=None)
@given(log_p=st.floats(-2, 4), fu=st.floats(0.05, 1.0), method=st.sampled_from(sorted(METHODS)))
def test_adipose_kp_of_a_neutral_drug_rises_with_lipophilicity(log_p, fu, method):
    adipose = MAN.tissues["adipose"].composition
    low = DrugPartitionInputs(log_p, (), fu, 1.0, MAN.haematocrit)
    high = DrugPartitionInputs(log_p + 0.5, (), fu, 1.0, MAN.haematocrit)
    kp = METHODS[method]
    assert kp(adipose, high, MAN.plasma, MAN.red_blood_cells) > kp(adipose, low, MAN.plasma, MAN.red_blood_cells)
