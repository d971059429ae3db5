"""The numbers README.md prints, asserted (each test names its README row).

README's table "The Li-filament model in numbers" gives memli's own simulation results
(1 V/s triangular sweeps, read at 0.1 V) to two or three significant digits; each test
here checks that the simulated value rounds to the printed one (``rounds_to``: within
half a unit of the last printed digit), so the README cannot drift from the model.
The paper-side tolerances are tested in test_li_filament_acceptance.py.  Rows that are
timings are printed by `make bench` instead (bench/bench_device.py).
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from memli.sim import Waveform, simulate
from memli.sim.endurance import endurance

READ_V = 0.1


def rounds_to(x: float, printed: str) -> bool:
    """``x`` is within half a unit of the last digit of ``printed`` ('5.8e4': 500)."""
    half = 0.5 * 10.0 ** Decimal(printed).as_tuple().exponent
    return abs(x - float(printed)) <= half * (1 + 1e-9)


def test_rounds_to():
    assert rounds_to(58207.4, "5.8e4") and not rounds_to(58600.0, "5.8e4")
    assert rounds_to(-0.1149, "-0.115") and not rounds_to(-0.1156, "-0.115")


def test_tip_200_cycles_on_off_5p8e4_steady_and_lrs_116_ohm():
    """README: 'tip, -0.2/+1 V, 200 cycles | 5.8e4 on every cycle, steady to 0.1 %' and
    'LRS | 116.0 ohm'."""
    ms = simulate("llzo_tip", Waveform.triangle(-0.2, 1.0, 200)).metrics(READ_V)
    on_off = np.array([m["on_off"] for m in ms], float)
    r_lrs = np.array([m["r_lrs_ohm"] for m in ms], float)
    assert len(ms) == 200
    assert all(rounds_to(x, "5.8e4") for x in on_off)
    assert np.ptp(on_off) / np.mean(on_off) < 1e-3          # "steady to 0.1 %"
    assert all(rounds_to(r, "116.0") for r in r_lrs)


def test_tip_on_off_vs_sweep_rate():
    """README: 'tip on/off vs sweep rate (10 cycles) | 0.1 V/s: 5.3e5, 1 V/s: 5.8e4,
    10 V/s: 1.7e3 (SET incomplete at -0.2 V: LRS 426 ohm)'."""
    last = {rate: simulate("llzo_tip", Waveform.triangle(-0.2, 1.0, 10, rate_v_per_s=rate))
            .metrics(READ_V)[-1] for rate in (0.1, 1.0, 10.0)}
    for rate, on_off in ((0.1, "5.3e5"), (1.0, "5.8e4"), (10.0, "1.7e3")):
        assert rounds_to(last[rate]["on_off"], on_off), (rate, last[rate]["on_off"])
    assert rounds_to(last[10.0]["r_lrs_ohm"], "426")


def test_tip_025_window_set_voltage_moves_from_minus_0115_to_minus_019():
    """README: 'tip, +-0.25 V: SET voltage | -0.115 V -> -0.19 V by cycle 8'."""
    ms = simulate("llzo_tip", Waveform.triangle(-0.25, 0.25, 10)).metrics(READ_V)
    v_set = np.array([m["v_set"] for m in ms], float)
    assert rounds_to(v_set[0], "-0.115") and rounds_to(v_set[7], "-0.19")
    assert np.all(np.diff(v_set[:8]) < 0)                   # moves monotonically to it


def test_fresh_tip_on_a_gb_and_in_a_grain():
    """README: 'fresh tip on a GB / in a grain | -0.115 V / -12.1 V (none within -9 V)'."""
    gb = simulate("llzo_tip", Waveform.triangle(-0.5, 0.25, 1)).metrics(READ_V)[0]
    assert rounds_to(gb["v_set"], "-0.115")
    grain = simulate("llzo_tip", Waveform.triangle(-13.0, 0.25, 1),
                     params={"gb_distance_m": 1e-6}).metrics(READ_V)[0]
    assert rounds_to(grain["v_set"], "-12.1")


def test_pad_500um_on_off_1p07():
    """README: '500 um pad | on/off 1.07' (first cycle; later cycles lower)."""
    ms = simulate("llzo_pad_500um", Waveform.triangle(-0.2, 1.0, 3)).metrics(READ_V)
    on_off = [m["on_off"] for m in ms]
    assert rounds_to(on_off[0], "1.07")
    assert all(x < on_off[0] for x in on_off[1:])


@pytest.mark.parametrize("card, cycles", [("llzo_tip", None), ("llzo_w_probe", "3.7e4"),
                                          ("llzo_pad_200um", "8"), ("llzo_pad_500um", "1")])
def test_cycles_before_on_off_below_10(card, cycles):
    """README: 'cycles before on/off < 10 | tip > 1e6, W probe 3.7e4, 200 um pad 8,
    500 um pad 1'."""
    r = endurance(card, max_cycles=1_000_000)
    if cycles is None:
        assert r.cycles_to_failure is None and r.max_cycles == 1_000_000   # "> 1e6"
    else:
        assert rounds_to(r.cycles_to_failure, cycles)


def test_verify_tolerances_are_the_readme_ones():
    """README step 4: 'must agree within 1 % (LRS), 0.02 decade (HRS) and 10 mV'."""
    from memli.simulators.verify import TOLERANCES
    assert TOLERANCES["max_rel_err_lrs"] == 0.01
    assert TOLERANCES["max_abs_log10_err_hrs"] == 0.02
    assert TOLERANCES["dv_set"] == 0.010 and TOLERANCES["dv_reset"] == 0.010


def test_retention_and_read_disturb_numbers():
    """README: 'retention: LRS/HRS 1e4 s at 0 V | 0 % change, every LLZO card' and
    'read disturb: 1e6 reads of 1 us at -0.05 V | tip LRS 0.036 %, HRS 1e-4 %'."""
    from memli.sim.retention import retention
    for card in ("llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um",
                 "llzo_full_face"):
        r = retention(card, hold_s=1e4)
        assert all(row["hold"]["rel_change"] == 0.0 for row in r.rows.values()), card
        if card == "llzo_tip":
            assert r.read_voltage_v == -0.05
            lrs, hrs = r.rows["lrs"]["read"]["rel_change"], r.rows["hrs"]["read"]["rel_change"]
            assert rounds_to(lrs * 100, "0.036")                     # per cent
            assert rounds_to(hrs * 100, "1e-4")


def test_large_crossbar_of_tips_loses_most_read_current():
    """README step 5: 'the tip's ~116 ohm LRS loses most of a large array's read current
    to IR drop' (the demo's 64 x 64 map: cells the model itself, random LRS/HRS, 1 ohm
    wire segments, 0.1 V on every row)."""
    from memli.cards import load_card
    from memli.demo import FULL, random_crossbar_read
    n = FULL.xbar_map_size
    rr = random_crossbar_read(load_card("llzo_tip"), n)
    assert n == 64
    assert 1 - rr.i_out_a.sum() / rr.i_ideal_a.sum() > 0.5           # "most"


def test_demo_sizes_are_the_readme_ones():
    """README steps 3 and 6 (and docs/demo.md): the fit uses the first 20 cycles; the
    tip-to-film array is 8 x 8 tips."""
    from memli.demo import FULL
    assert FULL.fit_cycles == 20 and FULL.tipfilm_side == 8


def test_bundled_dataset_is_labelled_generated_with_its_instrument_effects():
    """README 'The demo': the bundled tip dataset is GENERATED with a 1 pA floor and a
    1 mA compliance, labelled so; extract finds both back from the data alone."""
    from memli.data.analysis import analyse
    from memli.data.loaders import load
    from memli.demo import BUNDLED_TIP
    data = load(BUNDLED_TIP)
    assert data.generated
    an = analyse(data, read_voltage_v=READ_V)
    assert an.n_cycles == 200
    assert an.compliance_a == pytest.approx(1e-3, rel=1e-6)   # clipped exactly by synth
    # floor: the 1 pA of the card plus its noise; detection within a factor 2 of it
    assert 0.5e-12 <= an.noise_floor_a <= 2e-12
