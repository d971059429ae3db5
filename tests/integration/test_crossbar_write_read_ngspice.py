"""Issue 14 acceptance: a 16 x 16 crossbar write-then-read transient, memli vs ngspice.

Identical llzo_tip cells (variability off), 1 ohm wire segments, LRS on the diagonal and
HRS elsewhere (states reached by cycling the card); a V/2 SET write of the corner cell
(0, 15) at -0.3 V for 1 ms, then every row read at -0.05 V (other lines at 0 V).
ngspice runs the same deck (exported subcircuits, gear, RELTOL 1e-5) and reads its own
final states with .op.  Limits of the issue: states within 1e-4, read currents within
0.5 %.
"""
import time

import numpy as np
import pytest

from memli.circuits.crossbar import Crossbar
from memli.circuits.netlist import (crossbar_netlist, crossbar_transient_deck,
                                    ngspice_bitline_currents, run_ngspice_op)
from memli.circuits.network import Wires
from memli.circuits.writes import pattern_states, program, pulse_train, read_rows


def write_read_case(n: int = 16, card: str = "llzo_tip"):
    xb = Crossbar.from_card(card, n, n, wires=Wires(1, 1, 0, 0), rng=0,
                            variability_scale=0.0)
    xb.states = pattern_states(card, n, n, "diagonal")
    return xb, pulse_train(n, n, (0, n - 1), -0.3, 1e-3, 1, "v/2")


def run_both(n: int = 16):
    xb, pulses = write_read_case(n)
    x0 = xb.states.copy()
    names = xb.model.state_names
    saves = [f"v(xc_{i}_{j}.xs_{k})" for k in names for i in range(n) for j in range(n)]
    t = time.perf_counter()
    op = run_ngspice_op(crossbar_transient_deck(xb, pulses, saves=saves))
    ng_states = np.array([op[s] for s in saves]).reshape(len(names), n, n)
    xng, _ = write_read_case(n)
    xng.states = ng_states
    ng_i = []
    for i in range(n):
        v_wl = np.zeros(n)
        v_wl[i] = -0.05
        ng_i.append(ngspice_bitline_currents(
            run_ngspice_op(crossbar_netlist(xng, v_wl, 0.0, cell="frozen")), n))
    t_ng = time.perf_counter() - t
    t = time.perf_counter()
    res = program(xb, pulses)
    me_i = read_rows(xb, -0.05)
    t_me = time.perf_counter() - t
    return {"x0": x0, "memli_states": xb.states, "ngspice_states": ng_states,
            "memli_read_a": me_i, "ngspice_read_a": np.array(ng_i), "memli_s": t_me,
            "ngspice_s": t_ng, "steps": res.steps}


@pytest.mark.slow
def test_16x16_write_then_read_matches_ngspice():
    r = run_both(16)
    x0, xm, xn = r["x0"], r["memli_states"], r["ngspice_states"]
    assert x0[0, 0, 15] < 0.7 and xm[0, 0, 15] > 0.99          # the corner cell SET
    assert np.abs(xm - xn).max() <= 1e-4                         # issue: 1e-4
    rel = np.abs(r["memli_read_a"] / r["ngspice_read_a"] - 1)
    assert rel.max() <= 5e-3                                     # issue: 0.5 %
    print(f"\nmax state diff {np.abs(xm - xn).max():.3g}, read {rel.max():.3g}, memli "
          f"{r['memli_s']:.2f} s ({r['steps']} steps), ngspice {r['ngspice_s']:.1f} s")
    # speed (memli >= 20x faster than ngspice) is a bench row: bench/bench_li_crossbar.py
