"""Studies on Dask: the same crossbar Monte Carlo on a LocalCluster of 1 and of 2 worker
processes (baseline = 1 worker, memli = 2 workers; the ratio is the parallel speed-up).

Each cluster is started once (start-up excluded) and the study is run into a fresh
folder each time, so every run computes every chunk.  Run alone:
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


def _time_on(n_workers: int, study: dict, repeat: int) -> tuple[float, "object"]:
    from dask.distributed import LocalCluster
    from memli.studies import run_study
    from memli.studies.runner import read_table
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cl, \
            tempfile.TemporaryDirectory() as tmp:
        ts = []
        table = None
        for r in range(repeat + 1):            # run 0 is the warm-up (imports on workers)
            out = Path(tmp) / f"run{r}"
            t0 = time.perf_counter()
            s = run_study(study, out, scheduler=cl.scheduler_address, plots=False)
            dt = time.perf_counter() - t0
            assert s["status"] == "complete", s
            if r:
                ts.append(dt)
            table = read_table(out)
        return statistics.median(ts), table


def run(quick: bool = False):
    points = 200 if quick else 600
    repeat = 3 if quick else 5
    study = _study(points)
    t1, tab1 = _time_on(1, study, repeat)
    t2, tab2 = _time_on(2, study, repeat)
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
