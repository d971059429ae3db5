"""Cycle segmentation, compliance and noise-floor detection, per-cycle criteria."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from memli.data.analysis import analyse, cycle_table
from memli.data.segment import count_cycles, detect_compliance, detect_noise_floor, \
    segment_cycles


def lobe(vpeak, n):
    up = np.linspace(0, vpeak, n + 1)
    return np.concatenate([up, up[-2::-1]])


def toy(n_cycles, vmin=-0.5, vmax=0.5, n=10, set_first=True):
    """Toy bistable cell (HRS 1 Mohm, LRS 1 kohm, SET at -0.3 V, RESET at +0.3 V)."""
    vs = []
    for _ in range(n_cycles):
        a, b = lobe(vmin, n), lobe(vmax, n)[1:]
        vs.append(np.concatenate([a, b] if set_first else [b, a]))
    v = np.concatenate(vs)
    i = np.empty_like(v)
    s = 0
    for k, x in enumerate(v):
        s = 1 if x <= -0.3 else (0 if x >= 0.3 else s)
        i[k] = x / (1e3 if s else 1e6)
    return v, i


@settings(max_examples=40, deadline=None)
@given(n_cycles=st.integers(1, 12), n=st.integers(3, 40),
       vmin=st.floats(-2.0, -0.35), vmax=st.floats(0.35, 2.0),
       set_first=st.booleans(), noise=st.floats(0, 0.004), seed=st.integers(0, 99))
def test_segmentation_recovers_cycle_count(n_cycles, n, vmin, vmax, set_first, noise, seed):
    v, _ = toy(n_cycles, vmin, vmax, n, set_first)
    # voltage noise below the 2 % zero band must not create extra lobes
    v = v + np.random.default_rng(seed).normal(0, noise * min(-vmin, vmax), v.size)
    assert count_cycles(v) == n_cycles


def test_polarity_option_and_labels():
    v, i = toy(4)
    cyc = segment_cycles(v)
    assert cyc.min() == 0 and cyc.max() == 3
    rows = cycle_table(v, i, cyc, polarity="negative_set")
    assert all(-0.3 <= r["v_set"] <= -0.25 for r in rows)
    # with the opposite convention, the positive lobe is "SET": current falls there, so no
    # SET is found and the negative lobe's rise is not a RESET
    rows_p = cycle_table(v, i, cyc, polarity="positive_set")
    assert all(r["v_set"] is None and r["v_reset"] is None for r in rows_p)


@pytest.mark.parametrize("criterion", ["slope", "jump", "threshold"])
def test_criteria_locate_the_toy_switch(criterion):
    v, i = toy(3, n=20)
    rows = cycle_table(v, i, segment_cycles(v), criterion=criterion, i_threshold_a=1e-5)
    for r in rows:
        # the switch lies between the samples at 0.275 and 0.30 V (step 0.025 V)
        assert -0.30 <= r["v_set"] <= -0.275 + 1e-12
        assert 0.275 - 1e-12 <= r["v_reset"] <= 0.30
        assert r["on_off"] == pytest.approx(1e3, rel=1e-9)  # exact ohmic toy


def test_compliance_detected():
    v, i = toy(3, n=25)
    i_cc = np.clip(i, -1e-4, 1e-4)
    cc, mask = detect_compliance(v, i_cc)
    assert cc == pytest.approx(1e-4, rel=1e-12)
    assert mask.sum() > 10
    assert detect_compliance(v, i)[0] is None


def test_noise_floor_detected():
    rng = np.random.default_rng(1)
    v, i = toy(3, n=40)
    i = i * 1e-6 + rng.normal(0, 1e-12, v.size)   # HRS 1e12 ohm: mostly below 1 pA noise
    fl = detect_noise_floor(v, i)
    # the floor estimate is a noise percentile: within a factor 3 of the 1 pA sd
    assert 3e-13 < fl < 3e-12


def test_analyse_tuple_input():
    v, i = toy(5)
    an = analyse((v, i))
    assert an.n_cycles == 5
    s = an.summary()
    assert set(s["cycles"][0]) == {"index", "v_set", "v_reset", "r_hrs_ohm", "r_lrs_ohm",
                                   "on_off"}


def test_agrees_with_core_metrics_on_simulation():
    """Against memli.data.metrics.cycle_metrics on a noise-free simulated tip sweep."""
    from memli.data.metrics import cycle_metrics
    from memli.sim import Waveform, simulate
    w = Waveform.triangle(-0.25, 1.0, 3, dv_v=5e-3)
    r = simulate("llzo_tip", w)
    a = cycle_metrics(r.v_source, r.i, r.cycle)
    b = cycle_table(r.v_source, r.i, r.cycle)
    for x, y in zip(a, b):
        # both report the midpoint of the steepest step: equal to within one 5 mV step
        assert y["v_set"] == pytest.approx(x["v_set"], abs=5.1e-3)
        assert y["v_reset"] == pytest.approx(x["v_reset"], abs=5.1e-3)
        # log-log line fit vs log-conductance interpolation at 0.1 V: within 5 %
        assert y["r_hrs_ohm"] == pytest.approx(x["r_hrs_ohm"], rel=0.05)
        assert y["r_lrs_ohm"] == pytest.approx(x["r_lrs_ohm"], rel=0.05)


def test_cycle_metrics_unknown_polarity_is_a_data_error():
    from memli.data.metrics import cycle_metrics
    from memli.errors import DataError
    with pytest.raises(DataError, match="polarity: 'sideways'; expected 'negative_set'"):
        cycle_metrics([0.0, 1.0], [0.0, 1e-3], [0, 0], polarity="sideways")
