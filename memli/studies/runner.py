"""Run a study on dask.distributed: chunked, resumable, loss-free, deterministic.

Layout of an output folder::

    DIR/study.json              the study as run (+ its hash): a resumed run must match it
    DIR/chunks/chunk_00012.parquet   one file per finished chunk, written atomically
    DIR/failures.json           chunks whose task failed (retried by the next run)
    DIR/results.parquet, DIR/results.csv   the tidy table, once every chunk is there
    DIR/plot_<y>_vs_<x>.png     the study's [[plot]] figures
    DIR/summary.json            what the last run did

The table has one row per point: ``point``, ``seed`` (the task seed of the row), every
input parameter (the registered task's defaults, replaced by the study's grid, random
and fixed values, plus any card-parameter overrides), the task's outputs, and ``error`` (empty when the row
succeeded, else ``"ExceptionType: message"``; outputs are NaN then).  A row's values
depend only on the study and the point index, so the table is the same whatever the
number of workers and whether the study was interrupted and resumed.

Chunks are computed on the workers in groups (about four groups per worker, one dask
task each, :func:`group_chunks`) and sent back to this process, which writes them
(temporary file + ``os.replace``), so a worker needs no shared file system and a
killed run leaves only complete chunk files behind.
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
import traceback
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from ..fsio import write_text_atomic  # noqa: F401  (no sympy import in workers)

from .spec import Study, StudyError, load_study
from .tasks import get_task

CHUNK_DIR = "chunks"


# -- worker side ---------------------------------------------------------------------------
def run_chunk(study_dict: dict, k: int) -> pd.DataFrame:
    """Compute chunk ``k`` of a study (runs on a worker).  Never raises for a bad row."""
    from .spec import study_from_dict
    return _chunk(study_from_dict(study_dict), k)


def run_chunks(study_dict: dict, ks) -> list:
    """Compute several chunks in one worker call: ``[(k, table), ...]``.

    One dask task per group of chunks keeps the scheduler's per-task cost (and the
    study's parsing) off short chunks, so that adding workers speeds a study up.
    """
    from .spec import study_from_dict
    study = study_from_dict(study_dict)
    return [(k, _chunk(study, k)) for k in ks]


def group_chunks(todo, n_workers: int, per_worker: int = 4) -> list:
    """Split chunk indices into about ``per_worker`` groups per worker (in order)."""
    todo = list(todo)
    if not todo:
        return []
    size = max(1, -(-len(todo) // (per_worker * max(1, n_workers))))
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def _chunk(study, k: int) -> pd.DataFrame:
    task = get_task(study.task)
    rows = []
    for p in study.chunk_range(k):
        inputs, seed = study.point(p)
        row = {"point": p, "seed": seed, **task.defaults, **inputs}
        try:
            out = task(dict(inputs), seed)
            if not isinstance(out, dict):
                raise StudyError(f"task {study.task} returned {type(out).__name__}; "
                                 "expected a dict of outputs")
            clash = [c for c in out if c in row or c == "error"]
            if clash:
                raise StudyError(f"task {study.task}: output name(s) {clash} clash with "
                                 "input columns")
            row.update({c: np.nan for c in task.outputs})
            row.update(out)
            row["error"] = ""
        except (Exception, SystemExit) as e:  # noqa: BLE001  (recorded, study goes on)
            row.update({c: np.nan for c in task.outputs})
            msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
            row["error"] = f"{type(e).__name__}: {msg}"[:500]
        rows.append(row)
    return pd.DataFrame(rows)


# -- files -------------------------------------------------------------------------------------
def chunk_path(out_dir: Path, k: int) -> Path:
    return Path(out_dir) / CHUNK_DIR / f"chunk_{k:05d}.parquet"


def _write_parquet_atomic(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def finished_chunks(study: Study, out_dir) -> set[int]:
    """Indices of chunks already on disk (complete files only: they are written atomically)."""
    d = Path(out_dir) / CHUNK_DIR
    if not d.is_dir():
        return set()
    done = set()
    for f in d.glob("chunk_*.parquet"):
        try:
            k = int(f.stem.split("_")[1])
        except (IndexError, ValueError):
            continue
        if 0 <= k < study.n_chunks:
            done.add(k)
    return done


def read_table(out_dir, study: Study | None = None) -> pd.DataFrame:
    """Concatenate the chunk files in point order (the study's table so far)."""
    out_dir = Path(out_dir)
    if study is None:
        study = load_study(json.loads((out_dir / "study.json").read_text())["study"])
    frames = [pd.read_parquet(chunk_path(out_dir, k)) for k in sorted(finished_chunks(
        study, out_dir))]
    if not frames:
        return pd.DataFrame()
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values("point", kind="stable").reset_index(drop=True)


def _prepare(study: Study, out: Path, force: bool) -> None:
    manifest = out / "study.json"
    if manifest.exists():
        try:
            old = json.loads(manifest.read_text())
        except (OSError, json.JSONDecodeError):
            old = {}
        if old.get("hash") != study.hash():
            if not force:
                raise StudyError(
                    f"{out}: holds results of another study ({old.get('name', '?')}, hash "
                    f"{old.get('hash', '?')}; this one is {study.hash()}); use another --out "
                    "or pass --force to discard them")
            shutil.rmtree(out / CHUNK_DIR, ignore_errors=True)
            for f in ("results.parquet", "results.csv", "failures.json", "summary.json"):
                (out / f).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    # leftovers of an interrupted atomic write
    for tmp in (out / CHUNK_DIR).glob(".*.tmp") if (out / CHUNK_DIR).is_dir() else ():
        tmp.unlink(missing_ok=True)
    write_text_atomic(manifest, json.dumps({"name": study.name, "hash": study.hash(),
                                            "study": study.to_dict()}, indent=2,
                                           sort_keys=True, default=str) + "\n")


# -- cluster ---------------------------------------------------------------------------------------
def default_workers() -> int:
    """Worker processes of the default LocalCluster: one per available core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (non-Linux)
        return max(1, os.cpu_count() or 1)


class _Cluster:
    """A dask Client on a new LocalCluster (processes) or an existing scheduler."""

    def __init__(self, scheduler: str | None, workers: int | None):
        from dask.distributed import Client, LocalCluster
        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as e:
                raise StudyError(f"--scheduler {scheduler}: cannot connect ({e}); expected a "
                                 "running dask scheduler, e.g. `dask scheduler` printing "
                                 "tcp://HOST:8786") from None
            if workers:
                self.client.wait_for_workers(workers, timeout=60)
        else:
            n = workers or default_workers()
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.n_workers = len(self.client.scheduler_info().get("workers", {}))

    def close(self):
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


_ADDRESS = re.compile(r"^([a-z][a-z0-9+.-]*://)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):"
                      r"([0-9]{1,5})$")


def check_scheduler(scheduler: str | None) -> None:
    """A scheduler address must be ``[PROTOCOL://]HOST:PORT`` or ``"synchronous"``."""
    if scheduler is None or scheduler == "synchronous":
        return
    m = _ADDRESS.match(scheduler)
    if not m or not 0 < int(m.group(3)) < 65536:
        raise StudyError(f"--scheduler {scheduler!r}: not a scheduler address; expected "
                         "tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786, printed by `dask "
                         "scheduler`) or 'synchronous'")


def _check_inputs(study: Study) -> None:
    """Unknown task or input names, or out-of-range values, fail the study before it runs."""
    from .tasks import invalid_values, unknown_inputs
    task = get_task(study.task)
    cards = []
    if "card" in study.grid:
        cards = list(study.grid["card"])
    elif "card" in study.fixed:
        cards = [study.fixed["card"]]
    elif "card" in study.random and study.random["card"]["dist"] == "choice":
        cards = list(study.random["card"]["values"])
    bad = unknown_inputs(task, study.input_names, [str(c) for c in cards])
    if bad:
        from difflib import get_close_matches
        allowed = list(task.defaults)
        hints = [f"{k!r}" + (f" (did you mean {m[0]!r}?)" if (m := get_close_matches(
            k, allowed, n=1)) else "") for k in bad]
        raise StudyError(f"{study.source}: task {task.name} does not take input(s) "
                         f"{', '.join(hints)}; it takes {', '.join(allowed)}"
                         + (f", {task.extra_inputs}" if task.extra_inputs else "")
                         + " (memli study tasks lists them)")
    problems = invalid_values(task, study.fixed, study.grid, study.random)
    if problems:
        raise StudyError(f"{study.source}: " + "; ".join(problems))


# -- driver -------------------------------------------------------------------------------------------
def run_study(study, out_dir, scheduler: str | None = None, workers: int | None = None,
              progress=None, force: bool = False, stop_after: int | None = None,
              plots: bool = True) -> dict:
    """Run (or resume) a study; returns the summary dict (also written to summary.json).

    Parameters
    ----------
    study : Study, dict or path
        The study (see :mod:`memli.studies.spec`).
    out_dir : path
        Output folder; an existing folder of the same study is resumed.
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running dask scheduler; ``None`` starts a LocalCluster
        of ``workers`` processes (default one per core); ``"synchronous"`` computes in
        this process without dask (debugging).
    workers : int, optional
        LocalCluster size, or the number of workers to wait for on a scheduler.
    progress : callable, optional
        ``progress(done_chunks, total_chunks, info)`` after each chunk (``info`` has
        ``points_done``, ``failed_points``, ``computed``).
    force : bool
        Discard results of a different study in ``out_dir``.
    stop_after : int, optional
        Stop after writing this many chunks in this run (the rest stays to resume).
    plots : bool
        Write the study's figures when the table is complete.

    Returns
    -------
    dict
        ``name, task, status ("complete" | "incomplete" | "stopped"), points, chunks,
        computed_chunks, reused_chunks, failed_chunks, failed_points, workers, table,
        csv, plots, elapsed_s``.
    """
    t0 = time.perf_counter()
    study = load_study(study)
    check_scheduler(scheduler)
    _check_inputs(study)
    out = Path(out_dir)
    _prepare(study, out, force)
    done = finished_chunks(study, out)
    todo = [k for k in range(study.n_chunks) if k not in done]
    reused = len(done)
    failures = []
    computed = 0
    failed_points = 0
    stopped = False
    n_workers = 0
    spec = study.to_dict()

    def after_chunk(k, df):
        nonlocal computed, failed_points
        _write_parquet_atomic(df, chunk_path(out, k))
        done.add(k)
        computed += 1
        failed_points += int((df["error"] != "").sum())
        if progress:
            progress(len(done), study.n_chunks,
                     {"points_done": min(len(done) * study.chunk_size, study.n_points),
                      "failed_points": failed_points, "computed": computed})

    if progress:
        progress(len(done), study.n_chunks, {"points_done": min(
            len(done) * study.chunk_size, study.n_points), "failed_points": 0, "computed": 0})
    if todo and scheduler == "synchronous":
        n_workers = 1
        for k in todo:
            try:
                after_chunk(k, run_chunk(spec, k))
            except Exception as e:  # noqa: BLE001
                failures.append({"chunk": k, "error": f"{type(e).__name__}: {e}",
                                 "traceback": traceback.format_exc(limit=5)})
            if stop_after and computed >= stop_after:
                stopped = True
                break
    elif todo:
        from dask.distributed import as_completed
        cl = _Cluster(scheduler, workers)
        n_workers = cl.n_workers
        try:
            token = uuid.uuid4().hex[:8]
            futs = {cl.client.submit(run_chunks, spec, ks, pure=False, retries=1,
                                     key=f"memli-study-{study.hash()}-{ks[0]:05d}-{token}"): ks
                    for ks in group_chunks(todo, n_workers)}
            ac = as_completed(futs)
            for fut in ac:
                ks = futs[fut]
                if fut.status == "finished":
                    for k, df in fut.result():
                        after_chunk(k, df)
                        if stop_after and computed >= stop_after:
                            break
                else:
                    exc = fut.exception()
                    for k in ks:
                        failures.append({"chunk": k, "error": f"{type(exc).__name__}: {exc}",
                                         "traceback": "".join(traceback.format_exception(
                                             exc, limit=5))})
                fut.release()
                if stop_after and computed >= stop_after:
                    stopped = True
                    remaining = [f for f in futs if not f.done()]
                    if remaining:
                        cl.client.cancel(remaining)
                    break
        finally:
            cl.close()
    write_text_atomic(out / "failures.json", json.dumps(failures, indent=2) + "\n")
    complete = len(done) == study.n_chunks
    summary = {"name": study.name, "task": study.task, "hash": study.hash(),
               "status": "complete" if complete else ("stopped" if stopped else "incomplete"),
               "points": study.n_points, "chunks": study.n_chunks,
               "computed_chunks": computed, "reused_chunks": reused,
               "failed_chunks": [f["chunk"] for f in failures], "failed_points": None,
               "workers": n_workers, "table": None, "csv": None, "plots": []}
    if complete:
        table = read_table(out, study)
        summary["failed_points"] = int((table["error"] != "").sum())
        _write_parquet_atomic(table, out / "results.parquet")
        write_text_atomic(out / "results.csv", table.to_csv(index=False))
        summary["table"] = str(out / "results.parquet")
        summary["csv"] = str(out / "results.csv")
        if plots and study.plots:
            from .plots import plot_study
            for p in study.plots:
                summary["plots"].append(str(plot_study(table, p, out, study)))
    summary["elapsed_s"] = time.perf_counter() - t0
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    return summary
