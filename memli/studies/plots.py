"""Figures of a study's table (matplotlib via :mod:`memli.plotting`, Agg, lazy)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..plotting import GENERATED_NOTE, _plt, save_figure
from .spec import StudyError


def plot_study(table: pd.DataFrame, spec: dict, out_dir, study) -> Path:
    """One ``[[plot]]`` request: ``y`` vs ``x`` (optionally one series per ``by`` value).

    ``kind = "scatter"`` (default) draws every successful row and, for 20 or more
    rows, the mean in bins of ``x``; ``kind = "line"`` draws the mean and standard
    deviation of ``y`` at each distinct ``x``.  ``logx`` / ``logy`` set log axes.
    """
    x, y, by = spec["x"], spec["y"], spec.get("by")
    miss = [c for c in (x, y, by) if c and c not in table.columns]
    if miss:
        raise StudyError(f"study {study.name}: plot asks for column(s) {miss}; the table has "
                         f"{list(table.columns)}")
    ok = table[table["error"] == ""] if "error" in table else table
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    groups = [(None, ok)] if not by else list(ok.groupby(by, sort=True))
    kind = spec.get("kind", "scatter")
    for key, g in groups:
        lab = None if key is None else f"{by} = {key}"
        xs = g[x].to_numpy(float)
        ys = g[y].to_numpy(float)
        if kind == "line":
            stats = g.groupby(x)[y].agg(["mean", "std"]).reset_index()
            ax.errorbar(stats[x], stats["mean"], yerr=stats["std"].fillna(0.0), marker="o",
                        ms=3, capsize=2, label=lab)
            continue
        pts = ax.plot(xs, ys, ".", ms=3, alpha=0.35, label=lab)
        if xs.size >= 20:
            edges = np.unique(np.quantile(xs, np.linspace(0, 1, 11)))
            if edges.size >= 3:
                idx = np.clip(np.digitize(xs, edges[1:-1]), 0, edges.size - 2)
                cx = [xs[idx == b].mean() for b in range(edges.size - 1) if np.any(idx == b)]
                cy = [np.nanmean(ys[idx == b]) for b in range(edges.size - 1)
                      if np.any(idx == b)]
                ax.plot(cx, cy, "-", lw=1.6, color=pts[0].get_color())
    if spec.get("logx"):
        ax.set_xscale("log")
        xv = np.unique(ok[x].to_numpy(float))
        if 1 < xv.size <= 12:
            ax.set_xticks(xv)
            ax.set_xticklabels([f"{v:g}" for v in xv])
            ax.minorticks_off()
    if spec.get("logy"):
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(True, which="both", alpha=0.3)
    if by:
        ax.legend(fontsize=8)
    n_err = int((table["error"] != "").sum()) if "error" in table else 0
    ax.set_title(f"study {study.name}: {len(ok)} rows" + (f" ({n_err} failed)" if n_err else "")
                 + f"\n{GENERATED_NOTE}", fontsize=9)
    return save_figure(fig, Path(out_dir) / f"plot_{y}_vs_{x}.png")
