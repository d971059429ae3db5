"""Exported models in circuit simulators: a 16 x 16 crossbar transient in memli, ngspice
and VACASK.

The circuit: an N x N llzo_tip crossbar (device-to-device spread of the card, seed 0),
1 ohm word/bit-line segments, ideal drivers; a v/3 write of the centre cell with three
1 ms, -0.3 V pulses (1 ms gaps, 0.1 us edges).  memli's time is ``program`` (its own
network solver and state integrator); ngspice's is ``ngspice -b`` on the deck of
:func:`memli.circuits.netlist.crossbar_transient_deck` (exported subcircuit per cell,
process start and parsing included); VACASK's is ``vacask`` on the same circuit with
the OpenVAF-compiled module (compiled once before timing; process start included).
The row reports ngspice / VACASK (the issue's target: below 5) and both against memli,
the selected cell's final state in the three simulators and the largest difference of
any cell's final extent x between them (the accuracy the times are compared at:
ngspice reltol 1e-5, VACASK reltol 1e-6, the options of memli.simulators).
"""
from __future__ import annotations

import time

N = 16


def _setup(n):
    from memli.circuits.crossbar import Crossbar
    from memli.circuits.network import Wires
    from memli.circuits.writes import pulse_train
    xb = Crossbar.from_card("llzo_tip", n, n, wires=Wires(1, 1, 0, 0), rng=0)
    return xb, pulse_train(n, n, (n // 2, n // 2), -0.3, 1e-3, 3, "v/3", gap_s=1e-3)


def _timed(fn, repeat):
    import statistics
    out = fn()                       # warm-up (and the result)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def measure(n: int = N, repeat: int = 5) -> dict:
    """Times (s, medians of ``repeat`` runs after a warm-up) and final selected-cell states."""
    from memli.circuits.netlist import (crossbar_transient_deck,
                                        crossbar_transient_netlist_vacask, run_ngspice_op)
    from memli.circuits.writes import program
    from memli.simulators import vacask
    from memli.simulators.verify import osdi_for
    c = n // 2

    import numpy as np
    cells = [(i, j) for i in range(n) for j in range(n)]

    def me():
        xb, pul = _setup(n)
        program(xb, pul)
        return np.array([xb.states[0, i, j] for i, j in cells])

    xb, pul = _setup(n)
    saves = [f"v(xc_{i}_{j}.xs_x)" for i, j in cells]
    deck = crossbar_transient_deck(xb, pul, saves=saves)

    def ng():
        op = run_ngspice_op(deck)
        return np.array([op[k] for k in saves])

    osdi = osdi_for(xb.model)
    net = crossbar_transient_netlist_vacask(xb, pul, [osdi.name])

    def va():
        r = vacask.run(net, {osdi.name: osdi})["tran1"]
        return np.array([r[f"xc_{i}_{j}:xs_x"][-1] for i, j in cells])

    t_me, x_me = _timed(me, repeat)
    t_ng, x_ng = _timed(ng, repeat)
    t_va, x_va = _timed(va, repeat)
    k = cells.index((c, c))
    return {"n": n, "memli_s": t_me, "ngspice_s": t_ng, "vacask_s": t_va,
            "x_memli": float(x_me[k]), "x_ngspice": float(x_ng[k]),
            "x_vacask": float(x_va[k]),
            # final extent x of every cell (selected, half-selected, unselected)
            "max_dx_ngspice_vacask": float(np.max(np.abs(x_ng - x_va))),
            "max_dx_memli_vacask": float(np.max(np.abs(x_me - x_va))),
            "ngspice_over_vacask": t_ng / t_va}


def run(quick: bool = False, full: bool = False):
    r = measure(N, 3 if quick else 5)
    note = (f"ngspice/VACASK {r['ngspice_over_vacask']:.2f} (target < 5); VACASK "
            f"{r['vacask_s']:.3g} s (VACASK/memli {r['vacask_s'] / r['memli_s']:.2f}); "
            f"selected-cell x: memli {r['x_memli']:.6f}, ngspice {r['x_ngspice']:.6f}, "
            f"VACASK {r['x_vacask']:.6f}; max |x| difference over all cells: ngspice-VACASK "
            f"{r['max_dx_ngspice_vacask']:.1e}, memli-VACASK {r['max_dx_memli_vacask']:.1e}")
    return [("crossbar 16x16 transient llzo_tip, v/3 x3 (baseline ngspice; VACASK in note)",
             N, r["ngspice_s"], r["memli_s"], note)]


if __name__ == "__main__":   # pragma: no cover
    print(measure(N, 1))
