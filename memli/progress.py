"""The one progress display of every long command.

``with progress_bar("train letters", quiet) as cb: run(..., progress=cb)``: a rich bar on
stderr (stdout stays clean for ``--json``), shown only when stderr is a terminal and
``--quiet`` is not given.  Every long-running function in memli takes the same callback::

    progress(done: int, total: int | None, info=None)

where ``info`` is optional extra text for the bar: a string, a number (shown with 3
significant digits) or a dict (shown as ``key value`` pairs).  ``fmt`` lets a command
word it (e.g. ``lambda acc: f"accuracy {100 * acc:.1f} %"``).
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

__all__ = ["progress_bar", "describe"]


def describe(info) -> str:
    """Default wording of a callback's ``info``."""
    if info is None:
        return ""
    if isinstance(info, dict):
        return ", ".join(f"{k.replace('_', ' ')} {describe(v)}" for k, v in info.items())
    if isinstance(info, float):
        return f"{info:.3g}"
    return str(info)


@contextmanager
def progress_bar(label: str, quiet: bool = False, fmt=None, transient: bool = False):
    """Yield a progress callback ``cb(done, total, info=None)`` (None when hidden).

    Parameters
    ----------
    label : str
        Text before the bar.
    quiet : bool
        Hide the bar (``--quiet``).
    fmt : callable, optional
        ``info -> str`` for the text after the bar (default :func:`describe`).
    transient : bool
        Remove the bar when done.
    """
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    prog = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True), transient=transient)
    tid = prog.add_task(label, total=None, info="")
    fmt = fmt or describe

    def cb(done, total=None, info=None):
        prog.update(tid, completed=done, total=total, info=fmt(info) if info is not None
                    else "")
    prog.start()
    try:
        yield cb
    finally:
        prog.stop()
