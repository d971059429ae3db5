"""Tiles and solver sizes for memli analog: batched solves, small arrays, large arrays,
and a tile study on 1 vs 2 Dask workers.

Rows (all measured in this run, on the same seeded problems; cells log-uniform in
10 kohm-1 Mohm, 1 ohm segments, inputs uniform in 0-0.2 V):

* batched reads: per-vector cost over a batch of 256 inputs on a 256 x 256 tile
  (set-up included and shared), against one whole single read (``dc_linear``: set-up
  and PCG) -- the ratio is how many times cheaper a batched vector is; two rows:
  ``LineSystem.solve_many`` (blocked PCG, what batches smaller than the tile's rows use)
  and ``Tile.read`` (what a user's batch of >= rows inputs uses: the tile's transfer
  matrix by Schur elimination, then one matrix product);
* small arrays N = 16, 32, 64: ``dc_linear`` (whole call) against ``scipy spsolve`` on
  the same assembled matrix (assembly not timed for spsolve);
* N = 128, 256, 512, 1024, 2048: ``dc_linear`` against the reference solver of
  ``../shared/reference/crossbar`` (``fastline.pcg_fast_multigrid``, numba, one thread,
  set-up included; its own stopping test ``||r|| <= 1e-10 ||I_ideal||``; memli stops at
  ``||r|| <= 1e-13 ||f||``).  When numba is missing, its numpy twin
  ``structured.pcg_line_multigrid`` is timed instead (noted).  memli's convention has
  no lead segment, so the reference's first/last segment is passed as memli's driver
  and sense resistance;
* a 1000-point ``analog_tile`` study (random tile size 16/32, wire resistance, ADC bits;
  card oxide_10k) on a LocalCluster of 1 and of 2 workers (baseline 1 worker): the
  ratio is the parallel speed-up; the two tables must be identical.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

from bench import median_time

REF_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "crossbar"


def _problem(n, seed=0):
    rng = np.random.default_rng(seed)
    return 10 ** rng.uniform(-6, -4, (n, n)), rng.uniform(0, 0.2, n)


def run_batched(n: int = 256, batch: int = 256):
    from memli.analog.tiles import Tile
    from memli.circuits.crossbar import dc_linear
    from memli.circuits.network import Network, Terminals, Wires
    g, v = _problem(n)
    V = np.random.default_rng(1).uniform(0, 0.2, (batch, n))
    t_single = median_time(lambda: dc_linear(g, V[0], 1.0, 1.0))
    box = {}

    def batched():
        net = Network(g, Wires(1, 1, 0, 0), Terminals.make(n, n, 0.0))
        FW = np.empty((batch, n, n))
        FB = np.empty((batch, n, n))
        for k in range(batch):
            net.term = Terminals.make(n, n, V[k])
            FW[k], FB[k] = net.rhs()
        box["r"] = net._sys.solve_many(FW, FB)
    t_batch = median_time(batched, repeat=3)
    W, B, info = box["r"]
    i_b = (g * (W[0] - B[0])).sum(axis=0)
    i_s = dc_linear(g, V[0], 1.0, 1.0).i_out_a
    err = float(np.max(np.abs(i_b - i_s)) / np.max(np.abs(i_s)))
    rows = [(f"analog batched PCG solve {n}x{n}, per vector at batch {batch} (baseline "
             "one dc_linear read)", n, t_single, t_batch / batch,
             f"LineSystem.solve_many: batch of {batch} in {t_batch:.2f} s (median of 3), PCG "
             f"{info.iterations} it, worst residual {info.residual:.1e}; "
             f"|I_batch - I_single| / max I = {err:.1e}")]

    def tile_read():
        box["t"] = Tile(g, Wires(1, 1, 0, 0)).read(V)
    t_tile = median_time(tile_read, repeat=3)
    i_t = box["t"][0]
    err_t = float(np.max(np.abs(i_t - i_s)) / np.max(np.abs(i_s)))
    rows.append((f"analog tile read {n}x{n}, per vector at batch {batch} (baseline one "
                 "dc_linear read)", n, t_single, t_tile / batch,
                 f"Tile.read (set-up included; batch >= rows: transfer matrix by Schur "
                 f"elimination): batch of {batch} in {t_tile:.2f} s (median of 3); "
                 f"|I_tile - I_single| / max I = {err_t:.1e}; target ratio >= 5x"))
    return rows


def run_small():
    import scipy.sparse.linalg as spla
    from memli.circuits.crossbar import dc_linear
    from memli.circuits.network import Network, Terminals, Wires
    rows = []
    for n in (16, 32, 64):
        g, v = _problem(n)
        t_me = median_time(lambda: dc_linear(g, v, 1.0, 1.0), repeat=15)
        net = Network(g, Wires(1, 1, 0, 0), Terminals.make(n, n, v))
        A, f = net.sparse_system()
        A = A.tocsc()
        t_sp = median_time(lambda: spla.spsolve(A, f), repeat=15)
        me = dc_linear(g, v, 1.0, 1.0)
        x = spla.spsolve(A, f)
        i_sp = (g * (x[:n * n] - x[n * n:]).reshape(n, n)).sum(axis=0)
        err = np.max(np.abs(i_sp - me.i_out_a)) / np.max(np.abs(i_sp))
        rows.append(("analog small array dc_linear (baseline scipy spsolve)", n, t_sp, t_me,
                     f"memli method {me.info.method}; |I - I_spsolve| / max I = {err:.1e}; "
                     "median of 15"))
    return rows


def _reference():
    """(solve function, name) of the reference solver, or (None, reason)."""
    if not REF_DIR.is_dir():
        return None, f"reference solver not found at {REF_DIR}"
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")
    if str(REF_DIR) not in sys.path:
        sys.path.insert(0, str(REF_DIR))
    import crossbar_problem as cp
    try:
        import fastline
        return (cp, fastline.pcg_fast_multigrid, "fastline.pcg_fast_multigrid (numba, 1 "
                "thread)"), None
    except ImportError:
        import structured
        return (cp, structured.pcg_line_multigrid, "structured.pcg_line_multigrid (numpy; "
                "numba not installed)"), None


def run_large(sizes=(128, 256, 512, 1024, 2048)):
    from memli.circuits.crossbar import dc_linear
    ref, why = _reference()
    rows = []
    for n in sizes:
        if ref is None:
            rows.append(("analog large array dc_linear (baseline reference solver)", n, None,
                         None, why))
            continue
        cp, solve, name = ref
        xb = cp.make_crossbar(n, seed=0)
        G = 1.0 / xb.R
        rep = 5 if n <= 1024 else 3
        box = {}
        t_ref = median_time(lambda: box.__setitem__("ref", solve(xb)), repeat=rep)
        args = (G, xb.v_in, xb.r_wl, xb.r_bl, xb.r_wl + xb.r_source, xb.r_bl + xb.r_sense)
        # the reference stops at ||r|| <= 1e-10 ||I_ideal||; memli's test is relative to
        # ||f|| (f = the driver currents v / r_source): the same absolute residual
        rt = 1e-10 * float(np.linalg.norm(xb.v_in @ G)) / float(
            np.linalg.norm(xb.v_in / (xb.r_wl + xb.r_source)))
        t_eq = median_time(lambda: box.__setitem__("eq", dc_linear(*args, rtol=rt)),
                           repeat=rep)
        t_me = median_time(lambda: box.__setitem__("me", dc_linear(*args)), repeat=rep)
        i_ref = cp.bitline_currents_from_nodes(xb, box["ref"][1])
        err = float(np.max(np.abs(i_ref - box["me"].i_out_a)) / np.max(np.abs(i_ref)))
        rows.append(("analog large array dc_linear at the reference's tolerance (baseline "
                     "reference solver)", n, t_ref, t_eq,
                     f"{name}; median of {rep}; same absolute residual (memli rtol "
                     f"{rt:.1e}, {box['eq'].info.iterations} PCG it); memli at its default "
                     f"rtol 1e-13: {t_me:.3g} s ({box['me'].info.iterations} it); "
                     f"|I - I_ref| / max I = {err:.1e}"))
    return rows


def _burn(k: int) -> float:
    """A pure-Python CPU load (no I/O, no shared state): the machine check of run_study."""
    s = 0.0
    for i in range(2_000_000):
        s += (i % 7) * 0.5
    return s


def cpu_check(tasks: int = 16):
    """Wall time of ``tasks`` equal CPU-bound tasks on 1 and on 2 workers: the speed-up
    this machine can give right now (other processes on the cores lower it)."""
    import logging

    from dask.distributed import Client, LocalCluster
    kw = dict(threads_per_worker=1, processes=True, dashboard_address=None,
              silence_logs=logging.CRITICAL)  # shutdown comm errors are noise
    t = {}
    with LocalCluster(n_workers=1, **kw) as c1, LocalCluster(n_workers=2, **kw) as c2:
        for n, cl in ((1, c1), (2, c2)):
            with Client(cl) as c:
                c.gather(c.map(_burn, range(2), pure=False))
                t0 = time.perf_counter()
                c.gather(c.map(_burn, range(tasks), pure=False))
                t[n] = time.perf_counter() - t0
    return [("machine check: pure CPU tasks, 1 vs 2 dask workers", tasks, t[1], t[2],
             "the speed-up 2 workers can reach on this machine during this run")]


def run_study(quick: bool = False):
    from bench.bench_studies import _times
    points = 1000
    study = {"name": "bench_analog_tiles", "task": "analog_tile", "seed": 3,
             "samples": points, "chunk_size": 20,
             "fixed": {"card": "oxide_10k", "inputs": 32},
             "random": {"tile": {"dist": "choice", "values": [16, 32]},
                        "r_wire_ohm": {"dist": "uniform", "low": 0.0, "high": 4.0},
                        "adc_bits": {"dist": "choice", "values": [4, 6, 8]}}}
    repeat = 2 if quick else 3
    t1, t2, tab1, tab2 = _times(study, repeat)
    same = tab1.equals(tab2)
    print(f"bench_analog: tile study of {points} points: 1 worker {t1:.2f} s, 2 workers "
          f"{t2:.2f} s, ratio {t1 / t2:.2f}x; tables identical: {same}", file=sys.stderr)
    if not same:
        raise AssertionError("the tile study's table differs between 1 and 2 workers")
    return [("analog tile study, 1 vs 2 dask workers", points, t1, t2,
             f"baseline = 1 worker, memli = 2 workers; median of {repeat}; tables identical; "
             "target ratio >= 1.6x")]


def run(quick: bool = False, full: bool = False):
    rows = run_batched() + run_small()
    rows += run_large((128, 256, 1024) if quick else (128, 256, 512, 1024, 2048))
    rows += cpu_check() + run_study(quick)
    return rows


if __name__ == "__main__":
    t0 = time.perf_counter()
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    fn = {"batched": run_batched, "small": run_small, "large": run_large,
          "study": lambda: cpu_check() + run_study(), "all": run}[which]
    for row in fn():
        print(" | ".join(str(x) for x in row))
    print(f"[{time.perf_counter() - t0:.1f} s]")
