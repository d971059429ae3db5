"""Figures of measured / generated cycles, as papers show them (matplotlib, Agg, lazy).

Every figure of generated data says so in its title.
"""
from __future__ import annotations

import numpy as np

from ..plotting import _plt, save_figure


def _title(an, what):
    return f"{what} (GENERATED data)" if an.generated else what


def plot_iv(an, path, max_cycles: int = 60):
    """Overlaid log|I|-V of the cycles (colour = cycle index)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.2))
    n = max(an.n_cycles, 1)
    cmap = plt.get_cmap("viridis")
    step = max(1, n // max_cycles)
    for k in range(0, n, step):
        m = an.cycle == k
        ax.semilogy(an.v_v[m], np.maximum(np.abs(an.i_a[m]), an.noise_floor_a / 10), lw=0.8,
                    color=cmap(k / max(n - 1, 1)))
    ax.axhline(an.noise_floor_a, color="0.5", ls=":", lw=0.8, label="noise floor")
    if an.compliance_a:
        ax.axhline(an.compliance_a, color="r", ls="--", lw=0.8, label="compliance")
    ax.set_xlabel("V (V)")
    ax.set_ylabel("|I| (A)")
    ax.set_title(_title(an, f"I-V, {an.n_cycles} cycles"))
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_endurance(an, path):
    """R_HRS and R_LRS at the read voltage against cycle number."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    idx = np.array([c["index"] for c in an.cycles])
    ax.semilogy(idx, an.column("r_hrs_ohm"), "o", ms=3, label="HRS")
    ax.semilogy(idx, an.column("r_lrs_ohm"), "s", ms=3, label="LRS")
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"R at {an.read_voltage_v:g} V (ohm)")
    ax.set_title(_title(an, "Endurance"))
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)


def _cdf(ax, a, label, logx=False):
    a = np.sort(a[np.isfinite(a)])
    if not a.size:
        return
    y = (np.arange(a.size) + 0.5) / a.size
    ax.plot(a, 100 * y, ".-", ms=3, lw=0.8, label=label)
    if logx and a[0] > 0:
        if a[-1] <= a[0]:                       # one value: give the log axis a span
            ax.set_xlim(a[0] / 2, a[0] * 2)
        ax.set_xscale("log")


def plot_cdf(an, path):
    """Cumulative distributions of V_set/V_reset and R_HRS/R_LRS."""
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.8))
    _cdf(a1, an.column("v_set"), "V_set")
    _cdf(a1, an.column("v_reset"), "V_reset")
    a1.set_xlabel("V (V)")
    a1.set_ylabel("cumulative probability (%)")
    a1.legend()
    _cdf(a2, an.column("r_hrs_ohm"), "HRS", logx=True)
    _cdf(a2, an.column("r_lrs_ohm"), "LRS", logx=True)
    a2.set_xlabel("R (ohm)")
    a2.legend()
    fig.suptitle(_title(an, "Cycle-to-cycle distributions"))
    fig.tight_layout()
    return save_figure(fig, path)


def plot_fit_overlay(t_v_i_meas, i_fit, cycle, path, title, floor_a, max_cycles=6):
    """Measured vs fitted log|I|-V for a few cycles."""
    plt = _plt()
    v, i = t_v_i_meas
    fig, ax = plt.subplots(figsize=(6, 4.2))
    cycles = np.unique(cycle[cycle >= 0])
    pick = cycles[np.linspace(0, cycles.size - 1, min(max_cycles, cycles.size)).astype(int)] \
        if cycles.size else []
    cmap = plt.get_cmap("tab10")
    for n, k in enumerate(pick):
        m = cycle == k
        ax.semilogy(v[m], np.maximum(np.abs(i[m]), floor_a / 10), ".", ms=2,
                    color=cmap(n % 10), alpha=0.6)
        ax.semilogy(v[m], np.maximum(np.abs(i_fit[m]), floor_a / 10), "-", lw=1,
                    color=cmap(n % 10), label=f"cycle {k}")
    ax.set_xlabel("V (V)")
    ax.set_ylabel("|I| (A)")
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_params_hist(samples: dict, path, title):
    """Histograms of per-cycle fitted parameters."""
    plt = _plt()
    names = list(samples)
    n = max(len(names), 1)
    fig, axs = plt.subplots(1, n, figsize=(3 * n, 3), squeeze=False)
    for ax, k in zip(axs[0], names):
        ax.hist(samples[k], bins=15)
        ax.set_title(k, fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return save_figure(fig, path)
