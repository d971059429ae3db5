"""Studies on a real dask LocalCluster (two worker processes): kill, resume, same table.

Acceptance of the studies issue: a 1,000-point Monte Carlo of crossbar read error vs
device variability runs on the local cluster; killed (SIGKILL) half-way and
restarted, it finishes without recomputing the chunks already written, and its final
table equals an uninterrupted run's (here computed in-process, i.e. on one worker,
which also checks that the table does not depend on the number of workers).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from memli.studies import load_study, run_study

STUDY_TOML = """
name = "xbar_mc_test"
task = "crossbar_read"
seed = 11
samples = 1000
chunk_size = 25

[fixed]
rows = 12
cols = 12
r_lrs_ohm = 1e4
r_hrs_ohm = 1e6
r_wl_ohm = 2.0
r_bl_ohm = 2.0

[random]
sigma_log = {dist = "uniform", low = 0.0, high = 0.5}

[[plot]]
x = "sigma_log"
y = "read_error_rel_rms"
"""


def _memli(*args):
    return [sys.executable, "-m", "memli", *map(str, args)]


def test_monte_carlo_killed_resumed_equals_uninterrupted(tmp_path):
    toml = tmp_path / "study.toml"
    toml.write_text(STUDY_TOML)
    study = load_study(toml)
    assert study.n_points == 1000 and study.n_chunks == 40
    out = tmp_path / "run"
    chunks = out / "chunks"

    # 1. start on a LocalCluster of 2 processes; SIGKILL the whole process group once a
    #    few chunks are on disk (the client and its workers die without any clean-up)
    proc = subprocess.Popen(_memli("study", "run", toml, "--out", out, "--workers", 2,
                                   "--quiet"),
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < 90:
            if len(list(chunks.glob("chunk_*.parquet"))) >= 8 or proc.poll() is not None:
                break
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    before = {f.name: (f.stat().st_ino, f.stat().st_mtime_ns)
              for f in chunks.glob("chunk_*.parquet")}
    assert 8 <= len(before) < study.n_chunks, "kill must land half-way"
    assert not (out / "results.parquet").exists()

    # 2. restart the same command: only the missing chunks are computed
    res = subprocess.run(_memli("study", "run", toml, "--out", out, "--workers", 2,
                                "--quiet", "--json"), capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    summary = json.loads(res.stdout)
    assert summary["status"] == "complete"
    assert summary["workers"] == 2
    assert summary["reused_chunks"] == len(before)
    assert summary["computed_chunks"] == study.n_chunks - len(before)
    assert summary["failed_points"] == 0 and summary["failed_chunks"] == []
    after = {f.name: (f.stat().st_ino, f.stat().st_mtime_ns)
             for f in chunks.glob("chunk_*.parquet")}
    assert {k: after[k] for k in before} == before, "finished chunks were rewritten"
    assert Path(summary["plots"][0]).stat().st_size > 0
    resumed = pd.read_parquet(summary["table"])

    # 3. uninterrupted reference, one worker (this process): exactly the same table
    ref_summary = run_study(study, tmp_path / "ref", scheduler="synchronous", plots=False)
    reference = pd.read_parquet(ref_summary["table"])
    assert len(resumed) == 1000
    assert list(resumed["point"]) == list(range(1000))
    # exact equality: every row is a deterministic function of (study, point index)
    pd.testing.assert_frame_equal(resumed, reference, check_exact=True)
    # the CSV copy holds the same numbers (repr round trip, rtol 0)
    csv = pd.read_csv(summary["csv"], keep_default_na=False)
    assert (csv["read_error_rel_rms"].to_numpy() ==
            reference["read_error_rel_rms"].to_numpy()).all()
    # sanity of the physics: the error grows with variability (Spearman > 0.8; the
    # variability term dominates the 2-ohm wires of a 12 x 12 array)
    rho = reference[["sigma_log", "read_error_rel_rms"]].corr(method="spearman").iloc[0, 1]
    assert rho > 0.8
    # solved to the network solver's tolerance
    assert reference["solver_residual"].max() < 1e-10
