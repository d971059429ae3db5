"""All plotting (matplotlib imported lazily, Agg backend).  Figures are written atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .fsio import publish_mode

GENERATED_NOTE = "generated (simulated), not measured"


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path) -> Path:
    """Save ``fig`` to ``path`` atomically (temp file + rename) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        publish_mode(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        _plt().close(fig)
    return path


def plot_iv_cycles(v, i, cycle, path, title="", generated=True, floor_a=1e-15):
    """log10|I| vs V with cycles colour-coded (viridis, early = dark)."""
    plt = _plt()
    v, i, cycle = np.asarray(v), np.asarray(i), np.asarray(cycle)
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    cyc = np.unique(cycle[cycle >= 0])
    cmap = plt.get_cmap("viridis")
    n = max(len(cyc), 1)
    for k, c in enumerate(cyc):
        m = cycle == c
        ax.semilogy(v[m], np.maximum(np.abs(i[m]), floor_a), lw=0.8, color=cmap(k / n))
    if len(cyc) > 1:
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(1, len(cyc)))
        fig.colorbar(sm, ax=ax, label="cycle")
    ax.set_xlabel("bias V (WE vs Li/Li$^+$) [V]")
    ax.set_ylabel("|I| [A]")
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title + (f"\n{GENERATED_NOTE}" if generated else ""), fontsize=9)
    return save_figure(fig, path)


def plot_cycle_metrics(metrics, path, title="", generated=True):
    """HRS/LRS and SET/RESET voltages vs cycle number."""
    plt = _plt()
    idx = np.array([m["index"] + 1 for m in metrics])
    g = lambda k: np.array([np.nan if m[k] is None else m[k] for m in metrics], dtype=float)
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.4, 6), sharex=True)
    a1.semilogy(idx, g("r_hrs_ohm"), "o-", ms=3, label="R$_{HRS}$")
    a1.semilogy(idx, g("r_lrs_ohm"), "s-", ms=3, label="R$_{LRS}$")
    a1.set_ylabel("resistance at read [ohm]")
    a1.legend()
    a1.grid(True, which="both", alpha=0.3)
    a2.plot(idx, g("v_set"), "v-", ms=3, label="V$_{SET}$")
    a2.plot(idx, g("v_reset"), "^-", ms=3, label="V$_{RESET}$")
    a2.set_xlabel("cycle")
    a2.set_ylabel("switching voltage [V]")
    a2.legend()
    a2.grid(True, alpha=0.3)
    a1.set_title(title + (f"\n{GENERATED_NOTE}" if generated else ""), fontsize=9)
    return save_figure(fig, path)


def plot_endurance(results, path, title="", fail_on_off=10.0):
    """on/off vs cycle for several endurance results (log-log)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for r in results:
        lab = r.card + (f" (fails at {r.cycles_to_failure})" if r.cycles_to_failure
                        else f" (> {r.max_cycles})")
        ax.loglog(r.cycles, np.maximum(r.on_off, 1.0), "o-", ms=2.5, label=lab)
    ax.axhline(fail_on_off, color="k", ls=":", lw=0.8)
    ax.set_xlabel("cycle")
    ax.set_ylabel("on/off at read voltage")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title + f"\n{GENERATED_NOTE}", fontsize=9)
    return save_figure(fig, path)
