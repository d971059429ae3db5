"""Studies on Dask: the same crossbar Monte Carlo on a LocalCluster of 1 and of 2 worker
processes (baseline = 1 worker, memli = 2 workers; the ratio is the parallel speed-up).

Both clusters are started once (start-up excluded) and the runs alternate between them;
each run writes into a fresh folder, so every run computes every chunk.  Run alone:
``python -m bench.bench_studies``.
"""
from __future__ import annotations

import logging
import statistics
import tempfile
import time
from pathlib import Path


def _study(points: int) -> dict:
    return {"name": "bench_xbar_mc", "task": "crossbar_read", "seed": 1, "samples": points,
            "chunk_size": 20,
            "fixed": {"rows": 16, "cols": 16, "r_wl_ohm": 1.0, "r_bl_ohm": 1.0},
            "random": {"sigma_log": {"dist": "uniform", "low": 0.0, "high": 0.5}}}


def _times(study: dict, repeat: int):
    """Median wall times on a 1-worker and a 2-worker LocalCluster, runs interleaved
    (1, 2, 1, 2, ...) so that a drifting machine load hits both alike; and both tables."""
    from dask.distributed import LocalCluster
    from memli.studies import run_study
    from memli.studies.runner import read_table
    kw = dict(threads_per_worker=1, processes=True, dashboard_address=None,
              silence_logs=logging.CRITICAL)  # shutdown comm errors are noise
    with LocalCluster(n_workers=1, **kw) as c1, LocalCluster(n_workers=2, **kw) as c2, \
            tempfile.TemporaryDirectory() as tmp:
        ts = {1: [], 2: []}
        tables = {}
        for r in range(repeat + 1):            # run 0 is the warm-up (imports on workers)
            for n, cl in ((1, c1), (2, c2)):
                out = Path(tmp) / f"w{n}_run{r}"
                t0 = time.perf_counter()
                s = run_study(study, out, scheduler=cl.scheduler_address, plots=False)
                dt = time.perf_counter() - t0
                assert s["status"] == "complete" and s["workers"] == n, s
                if r:
                    ts[n].append(dt)
                tables[n] = read_table(out)
        return statistics.median(ts[1]), statistics.median(ts[2]), tables[1], tables[2]


def run(quick: bool = False):
    points = 200 if quick else 600
    repeat = 3 if quick else 5
    study = _study(points)
    t1, t2, tab1, tab2 = _times(study, repeat)
    same = tab1.equals(tab2)
    print(f"bench_studies: crossbar MC of {points} points (16x16): 1 worker {t1:.2f} s, "
          f"2 workers {t2:.2f} s, ratio {t1 / t2:.2f}x; tables identical: {same}")
    if not same:
        raise AssertionError("the study table differs between 1 and 2 workers")
    return [("study crossbar MC 16x16, 1 vs 2 dask workers", points, t1, t2,
             f"baseline = 1 worker, memli = 2 workers; median of {repeat}; tables identical")]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(str(x) for x in row))
