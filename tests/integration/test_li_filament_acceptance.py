"""Issue 3 acceptance: the Li | LLZO | WE model reproduces the paper's switching facts [lu_yang].

Tolerances are those of the issue (they encode the paper's stated values and their
scatter); each simulation uses the default 1 V/s sweep and 2 mV output resolution,
so switching voltages are resolved to ~2 mV.
"""
import numpy as np
import pytest

from memli.sim import Waveform, simulate
from memli.sim.endurance import endurance


@pytest.fixture(scope="module")
def tip_200():
    res = simulate("llzo_tip", Waveform.triangle(-0.2, 1.0, 200))
    return res.metrics(read_voltage_v=0.1)


def test_tip_on_off_200_cycles(tip_200):
    on_off = np.array([m["on_off"] for m in tip_200[9:]], dtype=float)
    # paper: ~1e5 for 200 cycles (Fig. 4f, no sweep rate given); at 1 V/s within 3x of it
    assert np.all((on_off >= 3e4) & (on_off <= 3e5))
    assert on_off.max() / on_off.min() < 2.0            # steady within 2x, cycles 10-200


def test_tip_lrs_is_116_ohm(tip_200):
    r_lrs = np.array([m["r_lrs_ohm"] for m in tip_200], dtype=float)
    np.testing.assert_allclose(r_lrs, 116.0, rtol=0.05)   # issue: 116 ohm within 5 %


def test_tip_set_voltage_settles_within_025_window():
    ms = simulate("llzo_tip", Waveform.triangle(-0.25, 0.25, 50)).metrics(0.1)
    v_set = np.array([m["v_set"] for m in ms], dtype=float)
    assert np.all(np.isfinite(v_set))
    # moves over the first cycles (more than the 2 mV resolution), then settles
    assert abs(v_set[0] - v_set[9]) > 0.02
    assert np.ptp(v_set[20:50]) <= 0.006                 # 3 output steps of 2 mV
    med = np.median(v_set[9:50])
    assert -0.30 <= med <= -0.18                         # paper: ~-0.25 V
    assert all(m["v_reset"] is not None and m["on_off"] > 10 for m in ms)  # RESET every cycle


def test_fresh_tip_on_gb_triggers_at_minus_012():
    ms = simulate("llzo_tip", Waveform.triangle(-0.5, 0.25, 1)).metrics(0.1)
    assert ms[0]["v_set"] == pytest.approx(-0.12, abs=0.03)   # Fig. 2d


def test_fresh_tip_in_grain_interior_no_trigger_above_minus_9():
    wf = Waveform.triangle(-9.0, 0.25, 1, rate_v_per_s=10.0, dv_v=5e-3)
    res = simulate("llzo_tip", wf, params={"gb_distance_m": 1e-6})
    assert res.metrics(0.1)[0]["v_set"] is None
    assert res.state("x").max() < 0.2                    # filament never approached bridging
    assert np.abs(res.i).max() < 1e-12                   # below the ~1 pA instrument floor


def test_pad_500um_fails_from_first_cycle():
    ms = simulate("llzo_pad_500um", Waveform.triangle(-0.2, 1.0, 5)).metrics(0.1)
    assert all(m["on_off"] < 10 for m in ms)
    assert all(m["on_off"] < 2 for m in ms)             # RESET fails after the first SET


def test_cycles_to_failure_decrease_with_area():
    n = {}
    for name in ("llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um"):
        r = endurance(name, max_cycles=1_000_000)
        n[name] = r.cycles_to_failure or float("inf")      # None: held for max_cycles
    assert n["llzo_tip"] > n["llzo_w_probe"] > n["llzo_pad_200um"] > n["llzo_pad_500um"]
    assert n["llzo_tip"] == float("inf")                   # tip: stable (> 1e6 cycles)


def test_cycle_skipping_matches_cycle_by_cycle():
    kw = dict(max_cycles=3000, params={"k_deg_per_m2": 1e9})
    brute = endurance("llzo_w_probe", jump=False, **kw)
    fast = endurance("llzo_w_probe", **kw)
    assert fast.simulated < brute.simulated
    # 2 % : each jump moves no state by more than 1 % of its range
    assert fast.cycles_to_failure == pytest.approx(brute.cycles_to_failure, rel=0.02)


# -- issue 14: retention and read disturb -------------------------------------------------
LLZO = ["llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um", "llzo_full_face"]


@pytest.mark.parametrize("name", LLZO)
def test_retention_and_read_disturb_below_one_percent(name):
    """LRS and HRS (prepared by 10 cycles of -0.2..+1 V) held 1e4 s at 0 V, and read by
    1e6 pulses of 1 us at the default read voltage (-0.05 V), change by < 1 %."""
    from memli.sim.retention import retention
    r = retention(name)
    assert r.read_voltage_v == -0.05 and r.method == "lumped"
    for state, row in r.rows.items():
        assert row["hold"]["rel_change"] < 0.01, (state, row)
        assert row["read"]["rel_change"] < 0.01, (state, row)
    if name == "llzo_tip":           # the two states differ: it is a memory
        assert r.rows["hrs"]["r_ohm"] > 1e4 * r.rows["lrs"]["r_ohm"]


def test_read_at_the_stripping_threshold_would_disturb():
    """Why the default read voltage is not +0.1 V: there, the stripping drive erases the
    tip's LRS within the 1 s of cumulative reading (the test above would fail)."""
    from memli.sim.retention import retention
    r = retention("llzo_tip", read_voltage_v=0.1)
    assert r.rows["lrs"]["read"]["rel_change"] > 1.0


def test_lumped_read_train_matches_pulse_by_pulse():
    """1000 pulses of 1 us at -0.05 V simulated one by one (0 V between them) and as one
    1 ms pulse agree to 1e-6 in resistance: the gaps at 0 V change nothing."""
    from memli.sim.retention import retention
    a = retention("llzo_tip", read_pulses=1000)
    b = retention("llzo_tip", read_pulses=1000, explicit_max=0)
    assert a.method == "explicit" and b.method == "lumped"
    for k in ("lrs", "hrs"):
        assert a.rows[k]["read"]["r_ohm"] == pytest.approx(b.rows[k]["read"]["r_ohm"], rel=1e-6)


def test_simulate_cli_retention(tmp_path):
    import json
    import subprocess
    import sys
    out = tmp_path / "ret"
    r = subprocess.run([sys.executable, "-m", "memli", "simulate", "llzo_tip", "--retention",
                        "--hold", "1e4", "--read-pulses", "1000000", "--out", str(out),
                        "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["protocol"] == "retention" and s["read_voltage_v"] == -0.05
    assert s["max_rel_change"] < 0.01
    assert json.loads((out / "summary.json").read_text())["states"]["lrs"]["r_ohm"] > 100
    bad = subprocess.run([sys.executable, "-m", "memli", "simulate", "llzo_tip",
                          "--retention", "--read-pulses", "0", "--out", str(tmp_path / "b")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--read-pulses" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_on_off_vs_sweep_rate():
    """The paper gives no sweep rate for Fig. 4f.  memli's tip on/off after 10 cycles of
    -0.2..+1 V falls with the rate (slower sweeps strip further): 0.1 V/s above 1 V/s
    above 10 V/s, where the -0.2 V limit no longer completes the SET (LRS > 116 ohm).
    The numbers are in docs/li_filament.md."""
    oo, lrs = {}, {}
    for rate in (0.1, 1.0, 10.0):
        ms = simulate("llzo_tip", Waveform.triangle(-0.2, 1.0, 10, rate_v_per_s=rate)).metrics(0.1)
        oo[rate], lrs[rate] = ms[-1]["on_off"], ms[-1]["r_lrs_ohm"]
    assert oo[0.1] > 3 * oo[1.0] > 9 * oo[10.0]
    assert 3e4 <= oo[1.0] <= 3e5
    assert lrs[1.0] == pytest.approx(116.0, rel=0.05) and lrs[10.0] > 2 * 116.0
