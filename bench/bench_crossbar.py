"""Crossbar DC read and transient programming: memli vs scipy spsolve and ngspice.

DC: 1 ohm word/bit-line segments, ideal driver and sense (0 ohm), cells log-uniform
between 10 kohm and 1 Mohm, inputs uniform in 0-0.2 V (seeded).  memli's time is the
whole ``dc_linear`` call (matrix assembly, factorisations of the lines, coarse grid,
PCG to a relative residual of 1e-13); spsolve's time is ``spsolve`` alone on the same
line-form matrix (SuperLU, COLAMD); ngspice's time is ``ngspice -b`` on the same
resistor network (process start and deck parsing included, ~0.05 s).  Bit-line
currents of the three are compared at every size where the baseline ran.

Sizes: default N = 64..1024 (spsolve to 256, ngspice to 64); ``--quick`` N = 64..256
(spsolve to 128, ngspice 32); ``--full`` N = 64..2048 with spsolve until one run exceeds
60 s (or the next size is predicted to take more than 4x that) and ngspice until one run
hits its 60 s timeout (ngspice's N = 32 time is mostly process start, so an
extrapolated exponent would stop it too early: N = 128 takes about 26 s).  Baseline
runs longer than 10 s are timed once (noted).

Transient: a v/3 write of the centre cell of an N x N llzo_tip array with three
1 ms, -0.3 V pulses (1 ms gaps): memli's ``program`` vs ngspice ``.tran`` on the same
deck (exported memli subcircuit per cell), N = 8 and 64 (ngspice at 64 only with
``--full``).  ngspice is stopped at 60 s; then the ratio shown is a lower bound.
"""
from __future__ import annotations

import statistics
import time
import tracemalloc

import numpy as np

from bench import median_time as _median

LIMIT_S = 60.0


def _baseline(fn, est_s=None):
    """(median time, note): 5 runs after a warm-up, or a single run when slow."""
    t0 = time.perf_counter()
    out = fn()
    t1 = time.perf_counter() - t0
    if t1 > 10.0:
        return t1, "baseline timed once (single run > 10 s)", out
    ts = [t1]
    for _ in range(5):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts[1:]), None, out


def _problem(n, seed=0):
    rng = np.random.default_rng(seed)
    g = 10 ** rng.uniform(-6, -4, (n, n))
    v = rng.uniform(0, 0.2, n)
    return g, v


def _exponent(ns, ts):
    ns, ts = np.asarray(ns, float), np.asarray(ts, float)
    ok = np.isfinite(ts) & (ts > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(ns[ok]), np.log(ts[ok]), 1)[0])


def run_dc(quick=False, full=False):
    import scipy.sparse.linalg as spla

    from memli.circuits.crossbar import dc_linear
    from memli.circuits.netlist import (crossbar_netlist, ngspice_bitline_currents,
                                        run_ngspice_op)
    from memli.circuits.network import Network, Terminals, Wires
    from memli.circuits.crossbar import Crossbar
    if quick:
        sizes, sp_max, ng_max = (64, 128, 256), 128, 32
    elif full:
        sizes, sp_max, ng_max = (64, 128, 256, 512, 1024, 2048), 10 ** 9, 10 ** 9
    else:
        sizes, sp_max, ng_max = (64, 128, 256, 512, 1024), 256, 64
    ng_sizes = [32] + [n for n in sizes if n <= ng_max] if ng_max >= 32 else []
    rows = []
    t_me, t_sp, t_ng = {}, {}, {}
    sp_stopped = ng_stopped = False
    for n in sorted(set(sizes) | set(ng_sizes)):
        g, v = _problem(n)
        res = {}
        t_me[n] = _median(lambda: res.__setitem__("me", dc_linear(g, v, 1.0, 1.0)))
        me = res["me"]
        note = [f"PCG {me.info.iterations} it, residual {me.info.residual:.1e}"]
        tsp = None
        if n in sizes and n <= sp_max and not sp_stopped:
            net = Network(g, Wires(1, 1, 0, 0), Terminals.make(n, n, v))
            A, f = net.sparse_system()
            A = A.tocsc()
            tsp, sp_note, x = _baseline(lambda: spla.spsolve(A, f))
            nm = n * n
            i_sp = (g * (x[:nm] - x[nm:]).reshape(n, n)).sum(axis=0)
            err = np.max(np.abs(i_sp - me.i_out_a)) / np.max(np.abs(i_sp))
            note.append(f"|I - I_spsolve| / max I = {err:.1e}")
            if sp_note:
                note.append(sp_note)
            t_sp[n] = tsp
            if tsp > LIMIT_S:
                sp_stopped = True
            elif full and n in sizes and tsp * 8 > 4 * LIMIT_S:   # next size: >4x the limit
                sp_stopped = True
        if n in sizes:
            rows.append((f"crossbar DC 1 ohm lines (baseline scipy spsolve)", n, tsp, t_me[n],
                         "; ".join(note)))
        if n in ng_sizes and not ng_stopped:
            xb = Crossbar(conductance=g, wires=Wires(1, 1, 0, 0))
            deck = crossbar_netlist(xb, v, cell="resistor")
            box = {}

            def ng():
                box["op"] = run_ngspice_op(deck, timeout_s=LIMIT_S)
            try:
                tng, ng_note, _ = _baseline(ng)
                i_ng = ngspice_bitline_currents(box["op"], n)
                err = np.max(np.abs(i_ng - me.i_out_a)) / np.max(np.abs(i_ng))
                nn = [f"|I - I_ngspice| / max I = {err:.1e}"] + ([ng_note] if ng_note else [])
                t_ng[n] = tng
            except Exception as e:  # noqa: BLE001  (timeout: report and stop growing N)
                tng, nn = None, [f"ngspice did not finish: {str(e).splitlines()[0][:80]}"]
                ng_stopped = True
            rows.append(("crossbar DC 1 ohm lines (baseline ngspice -b)", n, tng, t_me[n],
                         "; ".join(nn)))
    # growth exponents and peak memory at the largest size
    big = max(sizes)
    g, v = _problem(big)
    tracemalloc.start()
    dc_linear(g, v, 1.0, 1.0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    exps = (f"time ~ N^p: memli p = {_exponent(list(t_me), list(t_me.values())):.2f}, "
            f"spsolve p = {_exponent(list(t_sp), list(t_sp.values())):.2f}, "
            f"ngspice p = {_exponent(list(t_ng), list(t_ng.values())):.2f}; "
            f"peak numpy memory of memli at N = {big}: {peak / 2**20:.0f} MiB "
            f"(G and V included, {2 * big * big / 1e6:.1f} M unknowns)")
    rows.append(("crossbar DC growth exponents", f"{min(sizes)}-{big}", None, None, exps))
    return rows


def run_transient(quick=False, full=False):
    from memli.circuits.crossbar import Crossbar
    from memli.circuits.netlist import crossbar_transient_deck, run_ngspice_op
    from memli.circuits.network import Wires
    from memli.circuits.writes import program, pulse_train
    rows = []
    sizes = (16,) if quick else ((8, 64) if not full else (8, 16, 64))
    for n in sizes:
        def make():
            xb = Crossbar.from_card("llzo_tip", n, n, wires=Wires(1, 1, 0, 0), rng=0)
            return xb, pulse_train(n, n, (n // 2, n // 2), -0.3, 1e-3, 3, "v/3", gap_s=1e-3)
        box = {}

        def me():
            xb, pul = make()
            program(xb, pul)
            box["x"] = xb.states[0, n // 2, n // 2]
        t_me = _median(me)
        tng, note = None, ""
        if not quick and (full or n <= 16):
            xb, pul = make()
            c = n // 2
            deck = crossbar_transient_deck(xb, pul, saves=[f"v(xc_{c}_{c}.xs_x)"])
            t0 = time.perf_counter()
            try:
                op = run_ngspice_op(deck, timeout_s=LIMIT_S)
                tng = time.perf_counter() - t0
                note = (f"timed once; selected-cell state x: ngspice "
                        f"{op.get(f'v(xc_{c}_{c}.xs_x)', float('nan')):.6f}, memli "
                        f"{box['x']:.6f}")
            except Exception:  # noqa: BLE001  (timeout)
                note = (f"ngspice did not finish within {LIMIT_S:.0f} s: ratio > "
                        f"{LIMIT_S / t_me:.0f}x")
        rows.append(("crossbar programming llzo_tip, 3 pulses v/3 (baseline ngspice .tran)",
                     n, tng, t_me, note))
    return rows


def coverage(quick: bool = False, full: bool = False) -> str:
    """What this run measures against the issue's targets (printed as a note)."""
    if full:
        return ("--full: measures the issue's targets: DC at N = 2048, peak memory at "
                "N = 2048, and 64 x 64 programming against ngspice .tran (60 s limit)")
    return (("--quick" if quick else "default") + ": a quicker subset (DC to N = "
            + ("256" if quick else "1024") + ", peak memory at that N, programming vs "
            "ngspice " + ("not run" if quick else "at 8 x 8 only") + "); `python -m bench "
            "--full` measures the issue's N = 2048, 64 x 64 transient-vs-ngspice and "
            "peak-memory targets")


def run(quick: bool = False, full: bool = False):
    return (run_dc(quick, full) + run_transient(quick, full)
            + [("crossbar bench coverage", "full" if full else ("quick" if quick
                                                               else "default"),
                None, None, coverage(quick, full))])
