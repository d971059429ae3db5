"""Figures of the neuromorphic demos (matplotlib via :mod:`memli.plotting`, Agg)."""
from __future__ import annotations

import numpy as np

from ..plotting import GENERATED_NOTE, _plt, save_figure

__all__ = ["plot_pulses", "plot_stdp", "plot_lif", "plot_training", "plot_sweep"]


def _note(ax):
    ax.text(0.99, 0.01, GENERATED_NOTE, transform=ax.transAxes, ha="right", va="bottom",
            fontsize=7, color="0.4")


def plot_pulses(results, path, title="conductance vs pulse number"):
    """``results``: list of :class:`memli.neuro.plasticity.PulseResult` (one per card)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for r in results:
        ax.semilogy(r.pulse, r.g_siemens, "o-", ms=3, label=r.card_name)
    ax.set_xlabel("pulse number")
    ax.set_ylabel("conductance at read (S)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    _note(ax)
    return save_figure(fig, path)


def plot_stdp(results, path, pairing=True, title="STDP window"):
    """``results``: list of :class:`memli.neuro.plasticity.StdpResult`."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for r in results:
        y = r.dg_pairing if pairing else r.dg_rel
        ax.plot(r.dt_s * 1e3, 100 * y, "o-", ms=3, label=r.card_name)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(0, color="0.6", lw=0.8)
    ax.set_xlabel("t_post - t_pre (ms)")
    ax.set_ylabel(("pairing-induced " if pairing else "") + "dG / G0 (%)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.set_title(title)
    ax.legend(fontsize=8)
    _note(ax)
    return save_figure(fig, path)


def plot_lif(memli_res, ngspice_res, path, title="synapse + LIF neuron"):
    """Input, membrane voltage and latch of memli's run (and ngspice's, if given)."""
    plt = _plt()
    fig, axs = plt.subplots(3, 1, figsize=(6.4, 6.0), sharex=True)
    t = memli_res.t_s * 1e3
    axs[0].plot(t, memli_res.v_in_v, color="k")
    axs[0].set_ylabel("V_in (V)")
    axs[1].plot(t, memli_res.v_m_v * 1e3, label="memli")
    axs[2].plot(t, memli_res.x[0], label="memli")
    if ngspice_res is not None:
        axs[1].plot(ngspice_res["t_s"] * 1e3, ngspice_res["v_m_v"] * 1e3, "--",
                    label="ngspice")
        if ngspice_res.get("x") is not None:
            axs[2].plot(ngspice_res["t_s"] * 1e3, ngspice_res["x"], "--", label="ngspice")
    for s in memli_res.spikes_s:
        axs[1].axvline(s * 1e3, color="r", lw=0.6, alpha=0.5)
    axs[1].set_ylabel("V_m (mV)")
    axs[2].set_ylabel(f"synapse {memli_res.state_names[0]}")
    axs[2].set_xlabel("time (ms)")
    axs[1].legend(fontsize=8)
    axs[0].set_title(title)
    _note(axs[2])
    return save_figure(fig, path)


def plot_training(summaries, path, title="in-situ training"):
    """Train/test accuracy per epoch; ``summaries`` from :func:`run_training`."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for s in summaries:
        ep = np.arange(1, len(s["train_history"]) + 1)
        line, = ax.plot(ep, 100 * np.array(s["train_history"]), "-", label=f"{s['card']} train")
        if s["test_history"]:
            ax.plot(ep, 100 * np.array(s["test_history"]), "--", color=line.get_color(),
                    label=f"{s['card']} test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 102)
    ax.set_title(title)
    ax.legend(fontsize=8)
    _note(ax)
    return save_figure(fig, path)


def plot_sweep(sweep, path, xlabel=None, logx=None, title=None):
    """Test accuracy (mean +- sd over seeds) versus the swept setting."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    vals = sweep["values"]
    numeric = all(isinstance(v, (int, float)) for v in vals)
    x = np.asarray(vals, float) if numeric else np.arange(len(vals))
    ax.errorbar(x if numeric else x, 100 * np.asarray(sweep["mean"]),
                yerr=100 * np.asarray(sweep["std"]), fmt="o-", capsize=3)
    if not numeric:
        ax.set_xticks(x)
        ax.set_xticklabels(vals, rotation=20, fontsize=8)
    if logx or (logx is None and numeric and min(vals) > 0 and max(vals) / min(vals) > 50):
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or sweep["name"])
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 102)
    ax.set_title(title or f"accuracy vs {sweep['name']}")
    _note(ax)
    return save_figure(fig, path)
