"""Crossbar figures: IR-drop heat maps, output error vs array size, write traces.

matplotlib is imported lazily through :mod:`memli.plotting` (Agg backend).
"""
from __future__ import annotations

import numpy as np

from ..plotting import GENERATED_NOTE, _plt, save_figure


def heatmap(a, path, title: str, label: str, cmap: str = "viridis", generated=True):
    """Heat map of an (n, m) array: rows = word lines, columns = bit lines."""
    plt = _plt()
    a = np.asarray(a, dtype=float)
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    im = ax.imshow(a, cmap=cmap, aspect="auto", interpolation="nearest")
    fig.colorbar(im, ax=ax, label=label)
    ax.set_xlabel("bit line j (sensed at the bottom, row n-1)")
    ax.set_ylabel("word line i (driven at column 0)")
    ax.set_title(title + (f"\n{GENERATED_NOTE}" if generated else ""), fontsize=9)
    return save_figure(fig, path)


def error_vs_size(sizes, errors, path, title: str, label: str = "max |I - I_ideal| / max I_ideal"):
    """Relative output error of a read against array size (log-log)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    ax.loglog(sizes, np.maximum(np.abs(errors), 1e-300), "o-")
    ax.set_xlabel("array size n = m")
    ax.set_ylabel(label)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title + f"\n{GENERATED_NOTE}", fontsize=9)
    return save_figure(fig, path)


def write_traces(t_s, x, i_a, labels, state_name: str, path, title: str):
    """State and current of recorded cells over a pulse train."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True)
    for k, lab in enumerate(labels):
        a1.plot(t_s, x[:, k], label=lab)
        a2.semilogy(t_s, np.maximum(np.abs(i_a[:, k]), 1e-18), label=lab)
    a1.set_ylabel(state_name)
    a2.set_ylabel("|I cell| [A]")
    a2.set_xlabel("time [s]")
    a1.legend(fontsize=7)
    a1.set_title(title + f"\n{GENERATED_NOTE}", fontsize=9)
    return save_figure(fig, path)


def stable_fraction(x, ys: dict, path, title: str, xlabel: str, mark=None):
    """Fraction of tips switching stably vs a swept quantity, one curve per series.

    ``mark``: optional ``(x, label)`` drawn as a dotted vertical line (e.g. the filament
    diameter on a pitch axis), in the units of ``x``.
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    for lab, y in ys.items():
        ax.semilogx(x, y, "o-", label=lab)
    if mark is not None:
        ax.axvline(mark[0], color="k", ls=":", lw=0.8)
        ax.text(mark[0], 0.97, " " + mark[1], transform=ax.get_xaxis_transform(),
                fontsize=7, va="top")
    from matplotlib.ticker import NullFormatter
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of tips switching stably")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title + f"\n{GENERATED_NOTE}", fontsize=9)
    return save_figure(fig, path)
