"""``python -m bench``: memli against a baseline, timed in one process on seeded inputs.

Every module ``bench/bench_*.py`` exposing ``run(quick=False)`` is run in name order;
``run`` returns rows ``(name, n, baseline_s, memli_s)`` (optionally a fifth element, a
note).  Times are medians of at least 5 runs after a warm-up unless a row's note says
otherwise; a baseline of ``None`` was not run at that size (too slow, or not
applicable).  Nothing here asserts an absolute time.

Options: ``--quick`` (smaller sizes), ``--full`` (largest sizes, slow baselines up to
their 60 s limit), ``--only SUBSTRING`` (modules whose name contains it).
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import platform
import sys
import time
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(x):
    if x is None:
        return "-"
    return f"{x:.4g}"


def discover(only: str | None = None):
    here = Path(__file__).resolve().parent
    if str(here.parent) not in sys.path:
        sys.path.insert(0, str(here.parent))
    mods = []
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        if only and only not in info.name:
            continue
        mods.append(importlib.import_module(f"bench.{info.name}"))
    return mods


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about a minute)")
    ap.add_argument("--full", action="store_true", help="all sizes; slow baselines up to 60 s")
    ap.add_argument("--only", default=None, help="run modules whose name contains this")
    a = ap.parse_args(argv)
    import os
    import numpy
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical cores); python "
          f"{platform.python_version()}, numpy {numpy.__version__}")
    rows = []
    for mod in discover(a.only):
        t0 = time.perf_counter()
        kw = {}
        params = inspect.signature(mod.run).parameters
        if "quick" in params:
            kw["quick"] = a.quick
        if "full" in params:
            kw["full"] = a.full
        try:
            out = mod.run(**kw)
        except Exception as e:  # noqa: BLE001  (one failing bench must not hide the rest)
            print(f"{mod.__name__}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            continue
        rows += list(out)
        print(f"[{mod.__name__}: {time.perf_counter() - t0:.1f} s]", file=sys.stderr)
    head = ("name", "n", "baseline s", "memli s", "ratio")
    table = []
    notes = []
    for r in rows:
        name, n, tb, tm = r[:4]
        ratio = (tb / tm) if (tb is not None and tm) else None
        table.append((str(name), str(n), _fmt(tb), _fmt(tm),
                      "-" if ratio is None else f"{ratio:.3g}x"))
        if len(r) > 4 and r[4]:
            notes.append(f"{name} n={n}: {r[4]}")
    widths = [max(len(h), *(len(t[k]) for t in table)) if table else len(h)
              for k, h in enumerate(head)]
    line = " | ".join(h.ljust(w) for h, w in zip(head, widths))
    print(line)
    print("-" * len(line))
    for t in table:
        print(" | ".join(c.ljust(w) for c, w in zip(t, widths)))
    for nline in notes:
        print("  * " + nline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
