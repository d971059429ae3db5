"""`memli study`: run parameter grids and Monte Carlo studies on Dask."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def _chunks(info) -> str:
    failed = info.get("failed_points", 0)
    return (f"chunks  {info.get('points_done', 0)} points"
            + (f", {failed} failed" if failed else ""))


def register(app: typer.Typer):
    study_app = typer.Typer(no_args_is_help=True, help="Run what-if studies (grids, Monte "
                            "Carlo) on Dask.\n\nExample:  memli study run "
                            "studies/crossbar_read_mc.toml --out out/xbar_mc")
    app.add_typer(study_app, name="study")

    @study_app.command("run")
    def run_cmd(
        study: Path = typer.Argument(..., help="study file (TOML), see studies/*.toml"),
        out: Path = typer.Option(..., "--out", help="output folder (resumed if it holds "
                                 "the same study)"),
        scheduler: Optional[str] = typer.Option(
            None, "--scheduler", help="tcp://HOST:PORT of a running dask scheduler "
            "(default: a local cluster of worker processes; 'synchronous': in this "
            "process, without Dask)"),
        workers: Optional[int] = typer.Option(
            None, "--workers", min=1, help="local worker processes (default: one per core); "
            "with --scheduler, wait for this many workers"),
        force: bool = typer.Option(False, "--force", help="discard results of a different "
                                   "study in --out"),
        stop_after: Optional[int] = typer.Option(
            None, "--stop-after", min=1, help="stop after this many chunks (resume later)"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Run (or resume) a study and write its table, plots and summary to --out.

        Results are written per chunk, atomically: an interrupted run resumes where it
        stopped, a failed row is recorded with its error, and the table (results.parquet,
        results.csv: every input, the row's seed, the outputs) is the same on 1 or N
        workers. Exit code 1 if some rows or chunks failed.

        Examples:

          memli study run studies/crossbar_read_mc.toml --out out/xbar_mc --json

          memli study run studies/crossbar_read_mc.toml --scheduler tcp://10.0.0.5:8786 --out out/xbar_mc
        """
        from ..cli import emit_json
        from ..studies import load_study, run_study
        from ..outputs import guard
        # existing results are resumed (or discarded with --force) by run_study; here only
        # the rules every command follows: --out is a folder and no input is an output
        guard([out / f for f in ("results.parquet", "results.csv", "failures.json",
                                 "summary.json", "study.json")], [study], force=True,
              folder=out)
        s = load_study(study)
        from ..progress import progress_bar
        with progress_bar(f"study {s.name}", quiet, _chunks) as cb:
            summary = run_study(s, out, scheduler=scheduler, workers=workers, progress=cb,
                                force=force, stop_after=stop_after)
        if json_:
            emit_json(summary)
        else:
            typer.echo(f"{summary['name']}: {summary['status']}, {summary['points']} points in "
                       f"{summary['chunks']} chunks ({summary['computed_chunks']} computed, "
                       f"{summary['reused_chunks']} reused) on {summary['workers']} workers, "
                       f"{summary['elapsed_s']:.1f} s", err=True)
            if summary["table"]:
                typer.echo(summary["table"])
        bad = summary["failed_chunks"] or summary["failed_points"]
        if bad:
            typer.echo(f"memli: {len(summary['failed_chunks'])} chunk(s) and "
                       f"{summary['failed_points'] or 0} row(s) failed; see "
                       f"{out}/failures.json and the 'error' column", err=True)
            raise SystemExit(1)

    @study_app.command("tasks")
    def tasks_cmd(json_: bool = typer.Option(False, "--json", help="print as JSON")):
        """List the registered study tasks, their inputs (with defaults) and outputs.

        Example:

          memli study tasks
        """
        from ..cli import emit_json
        from ..studies import TASKS
        rows = {t.name: {"doc": t.doc, "inputs": t.defaults, "outputs": list(t.outputs),
                         "also": t.extra_inputs} for t in TASKS.values()}
        if json_:
            emit_json(rows)
            return
        for name, r in rows.items():
            typer.echo(f"{name}: {r['doc']}")
            typer.echo("  inputs:  " + ", ".join(f"{k}={v!r}" for k, v in r["inputs"].items()))
            if r["also"]:
                typer.echo(f"           + {r['also']}")
            typer.echo("  outputs: " + ", ".join(r["outputs"]))
