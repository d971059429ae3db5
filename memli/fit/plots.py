"""Figures of fits (matplotlib imported lazily by :mod:`memli.plotting`): measured vs
fitted log|I|-V with both branches of both lobes (the HRS branch is drawn down to the
noise floor, which is shown), the ranking's overlays side by side, and conductance vs
pulse number for pulse fits."""
from __future__ import annotations

import numpy as np

from ..plotting import _plt, save_figure


def _draw(ax, d, i_fit, max_cycles=6, title=""):
    cyc = d.cycle
    cycles = np.unique(cyc[cyc >= 0])
    pick = cycles[np.linspace(0, cycles.size - 1, min(max_cycles, cycles.size)).astype(int)] \
        if cycles.size else []
    cmap = _plt().get_cmap("tab10")
    # the lowest level drawn: below the floor the data carry no information, but nothing
    # above it (the HRS branch) is clipped
    low = max(d.floor_a, 1e-18) / 3
    for n, k in enumerate(pick):
        m = cyc == k
        ax.semilogy(d.v_v[m], np.maximum(np.abs(d.i_a[m]), low), ".", ms=2,
                    color=cmap(n % 10), alpha=0.5)
        ax.semilogy(d.v_v[m], np.maximum(np.abs(i_fit[m]), low), "-", lw=1,
                    color=cmap(n % 10), label=f"cycle {k}")
    ax.axhline(d.floor_a, color="0.5", ls=":", lw=0.8, label="noise floor")
    for s, a in d.compliance_by_sign.items():
        ax.plot([0, s * np.abs(d.v_v).max()], [a, a], color="0.3", ls="--", lw=0.8)
    ax.set_xlabel("V (V)")
    ax.set_ylabel("|I| (A)")
    ax.set_title(title, fontsize=9)


def plot_overlay(res, path):
    """Measured (dots) vs fitted (lines) log|I|-V of a few cycles, both branches."""
    plt = _plt()
    gen = " (GENERATED data)" if res.data.generated else ""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    q = (res.verdict or {}).get("quality")
    _draw(ax, res.data, res.i_fit_a, title=f"{res.card.model.name}: measured (dots) vs fit "
          f"(lines){gen}" + (f"; quality {q}" if q else ""))
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_ranking(results: dict, rank: list, path, generated=False):
    """One overlay per model, side by side, in ranking order."""
    plt = _plt()
    ok = [r for r in rank if not isinstance(results.get(r["model"]), Exception)]
    n = max(len(ok), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axs = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax in axs.flat:
        ax.set_visible(False)
    for k, (ax, r) in enumerate(zip(axs.flat, ok)):
        ax.set_visible(True)
        res = results[r["model"]]
        med = r["median_abs_log10_error"]
        _draw(ax, res.data, res.i_fit_a, max_cycles=3,
              title=f"#{k + 1} {r['model']} ({r['quality']}), "
              f"{'n/a' if med is None else f'{med:.3f}'} dec")
    if generated:
        fig.suptitle("GENERATED data (not a measurement)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_pulses(res, path):
    """Measured (dots) and fitted (line) read conductance vs pulse number."""
    plt = _plt()
    d = res.data
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    n = np.arange(1, d.g_siemens.size + 1)
    ax.plot(n, d.g_siemens, ".", ms=3, label="measured")
    ax.plot(n, res.g_fit_siemens, "-", lw=1.2, label=f"fit: {res.card.model.name}")
    ax.set_xlabel("pulse number")
    ax.set_ylabel("read conductance (S)")
    if np.all(d.g_siemens > 0) and d.g_siemens.max() / d.g_siemens.min() > 20:
        ax.set_yscale("log")
    gen = " (GENERATED data)" if d.generated else ""
    ax.set_title(f"pulse response{gen}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)
