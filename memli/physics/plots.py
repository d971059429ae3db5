"""Figures of the LLZO physics (matplotlib imported lazily, Agg backend).

Every function takes data computed elsewhere in :mod:`memli.physics`, draws one figure
and returns it; :func:`save` writes it atomically and closes it.  Every figure shows a
generated (Voronoi) microstructure or a Monte Carlo on one, and says so in its title
(:data:`memli.plotting.GENERATED_NOTE`).
"""
from __future__ import annotations

import numpy as np


def _plt():
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    return plt


def _generated(title: str = "") -> str:
    from ..plotting import GENERATED_NOTE
    return f"{title}\n{GENERATED_NOTE}" if title else GENERATED_NOTE


def save(fig, path) -> None:
    """Save ``fig`` (PNG) to ``path`` atomically (temp file + rename) and close it."""
    from ..plotting import save_figure
    save_figure(fig, path)


def _nice_length(x_m: float) -> float:
    """A 1-2-5 length of about ``x_m``."""
    e = 10 ** np.floor(np.log10(x_m))
    for f in (1, 2, 5, 10):
        if f * e >= x_m:
            return f * e
    return 10 * e


def _fmt_len(x_m: float) -> str:
    if x_m >= 1e-3:
        return f"{x_m * 1e3:g} mm"
    if x_m >= 1e-6:
        return f"{x_m * 1e6:g} µm"
    return f"{x_m * 1e9:g} nm"


def add_scale_bar(ax, extent_m, color: str = "white") -> None:
    """Draw a scale bar of about a fifth of the image width (lower left)."""
    x0, x1, y0, y1 = extent_m
    bar = _nice_length((x1 - x0) / 5)
    xs = x0 + 0.05 * (x1 - x0)
    ys = y0 + 0.06 * (y1 - y0)
    ax.plot([xs, xs + bar], [ys, ys], color=color, lw=3, solid_capstyle="butt")
    ax.text(xs + bar / 2, ys + 0.03 * (y1 - y0), _fmt_len(bar), color=color,
            ha="center", va="bottom", fontsize=8)


def afm_maps(maps: dict, title: str = ""):
    """Topography, modulus and surface-potential maps side by side, AFM-style."""
    plt = _plt()
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    ext = maps["extent_m"]
    panels = [("topography_m", 1e9, "height (nm)", "afmhot"),
              ("modulus_pa", 1e-9, "Young's modulus (GPa)", "viridis"),
              ("surface_potential_v", 1e3, "surface potential (mV)", "coolwarm")]
    for ax, (key, scale, label, cmap) in zip(axes, panels):
        im = ax.imshow(maps[key] * scale, origin="lower", extent=ext, cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        add_scale_bar(ax, ext)
        fig.colorbar(im, ax=ax, shrink=0.85, label=label)
    fig.suptitle(_generated(title))
    return fig


def grain_map(poly, window_m: float | None = None, n_px: int = 300):
    """Grain labels with the GB network and the distance-to-GB field."""
    plt = _plt()
    w = window_m or min(poly.box_m, 6 * poly.grain_size_m)
    r = poly.raster(0.0, 0.0, w, n_px)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    ext = r["extent_m"]
    axes[0].imshow((r["labels"] * 0.6180339887) % 1.0, origin="lower", extent=ext,
                   cmap="tab20")
    from matplotlib.collections import LineCollection
    seg = poly.gb_segments_m()
    near = (seg.min(axis=1) < w + poly.grain_size_m).all(axis=1) & \
        (seg.max(axis=1) > -poly.grain_size_m).all(axis=1)
    axes[0].add_collection(LineCollection(seg[near], colors="k", linewidths=0.6))
    axes[0].set_xlim(ext[0], ext[1])
    axes[0].set_ylim(ext[2], ext[3])
    axes[0].set_title(_generated(f"Voronoi grains (mean size {poly.grain_size_m * 1e6:g} µm)"))
    im = axes[1].imshow(r["distance_m"] * 1e6, origin="lower", extent=ext, cmap="magma")
    fig.colorbar(im, ax=axes[1], shrink=0.85, label="distance to nearest GB (µm)")
    axes[1].set_title(_generated("distance-to-GB field"))
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        add_scale_bar(ax, ext)
    return fig


def trigger_vs_distance(model, d_m, samples_d_m=None, samples_v=None):
    """Median trigger bias with a 5-95 % band vs distance to GB; MC samples as dots."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    lo = model.bias_v(d_m, -1.645)
    hi = model.bias_v(d_m, 1.645)
    ax.fill_between(d_m * 1e9, -lo, -hi, color="C0", alpha=0.25, label="5-95 % (one flaw)")
    ax.plot(d_m * 1e9, -model.median_v(d_m), "C0-", label="median")
    if samples_d_m is not None:
        trig = samples_v >= model.limit_v
        ax.plot(samples_d_m[trig] * 1e9, -samples_v[trig], "k.", ms=3, label="MC: triggered")
        ax.plot(samples_d_m[~trig] * 1e9, np.full((~trig).sum(), -model.limit_v), "x",
                color="C3", ms=4, label="MC: no trigger within -10 V")
    ax.axhline(-model.limit_v, color="C3", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_xlabel("distance from tip to nearest GB (nm)")
    ax.set_ylabel("|triggering bias| (V)")
    ax.legend(fontsize=8)
    ax.set_title(_generated("trigger bias vs distance to a GB (Monte Carlo)"), fontsize=9)
    return fig


def trigger_vs_size(rows: list, brute: list | None = None, named: dict | None = None):
    """Mean +- std of the triggering bias vs electrode size (sqrt of area), log x."""
    plt = _plt()
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.4, 6.4), sharex=True)
    s = np.array([r["size_m"] for r in rows])
    m = np.array([r["mean_v"] for r in rows])
    sd = np.array([r["std_v"] for r in rows])
    ax.errorbar(s * 1e6, m, yerr=sd, fmt="o-", ms=3, capsize=2, label="statistics (mean ± std)")
    if brute:
        ax.errorbar([b["size_m"] * 1e6 for b in brute], [b["mean_v"] for b in brute],
                    yerr=[b["std_v"] for b in brute], fmt="s", mfc="none", color="C1",
                    capsize=2, label="brute force")
    ax.axhline(-10.0, color="C3", ls="--", lw=1, label="-10 V limit")
    ax.set_xscale("log")
    ax.set_title(_generated("electrode drops on a Voronoi polycrystal (Monte Carlo)"),
                 fontsize=9)
    ax.set_ylabel("triggering bias (V)")
    ax.legend(fontsize=8)
    ax2.plot(s * 1e6, [r["p_cover"] for r in rows], "o-", ms=3, label="statistics")
    if brute:
        ax2.plot([b["size_m"] * 1e6 for b in brute], [b["p_cover"] for b in brute], "s",
                 mfc="none", color="C1", label="brute force")
    for name, a in (named or {}).items():
        ax2.axvline(np.sqrt(a) * 1e6, color="0.7", lw=0.8)
        ax2.text(np.sqrt(a) * 1e6, 0.02, name, rotation=90, fontsize=7, va="bottom")
    ax2.set_ylabel("P(electrode covers a GB)")
    ax2.set_xlabel("electrode size sqrt(area) (µm)")
    ax2.legend(fontsize=8)
    return fig
