"""Fit every model to the same data and rank them; evidence on the device type.

Each model starts from the data (:mod:`memli.fit.start`) in the data's polarity.  The
ranking puts fits whose verdict is not ``poor`` first, ordered by the Bayesian
information criterion (BIC, residuals in decades, free parameters counted after
screening).  Poor fits follow, ordered by how far they miss the verdict's "fair" limits
(:func:`miss_score`: median log10 error over 0.2 decade plus the larger switching-
voltage RMSE over 0.15 V), since the BIC of two fits that both miss says little about
which reproduces the switching; fits that failed come last.

Device-type evidence: when the best model declares ``switching = "smooth"`` (gradual,
no threshold), or when several electrode areas are given and R_LRS scales with
1/area (log-log slope within 0.3 of -1), the device looks interface-type (homogeneous
switching over the electrode) rather than filamentary (a local filament, R_LRS
independent of the area).
"""
from __future__ import annotations

import math
import time

import numpy as np

from ..errors import MemliError

#: keys of one ranking entry, in order (``memli fit --model all --json``)
RANK_KEYS = ("model", "median_abs_log10_error", "v_set_rmse", "v_reset_rmse", "n_free", "aic",
             "bic", "fit_s")


def fit_all(fd, models=None, progress=None, **kw) -> dict:
    """``{model: FitResult or MemliError}`` for every model (default: the registry)."""
    from ..models.base import registry
    from .core import fit
    names = list(models or registry())
    out = {}
    for n, m in enumerate(names):
        t0 = time.perf_counter()
        try:
            out[m] = fit(fd, model=m, **kw)
        except MemliError as e:          # one model failing does not stop the ranking
            e.elapsed_s = time.perf_counter() - t0
            out[m] = e
        if progress:
            progress("models", n + 1, len(names))
    return out


def _finite(x):
    return float(x) if x is not None and math.isfinite(x) else None


def ranking(results: dict) -> list:
    """Ranking entries (see :data:`RANK_KEYS`, plus ``quality``), best first."""
    rows = []
    for m, res in results.items():
        if isinstance(res, Exception):
            rows.append({"model": m, "median_abs_log10_error": None, "v_set_rmse": None,
                         "v_reset_rmse": None, "n_free": None, "aic": None, "bic": None,
                         "fit_s": getattr(res, "elapsed_s", None), "quality": "failed",
                         "error": str(res)})
            continue
        mt = res.metrics
        rows.append({"model": m, "median_abs_log10_error": _finite(mt["median_abs_log10_error"]),
                     "v_set_rmse": _finite(mt["v_set_rmse"]),
                     "v_reset_rmse": _finite(mt["v_reset_rmse"]), "n_free": res.n_free,
                     "aic": _finite(res.aic), "bic": _finite(res.bic), "fit_s": res.elapsed_s,
                     "quality": res.verdict.get("quality"),
                     "model_used": res.card.model.name})

    def key(r):
        q = {"good": 0, "fair": 0, "poor": 1}.get(r["quality"], 2)
        if q == 1:
            return (q, miss_score(r), r["bic"] if r["bic"] is not None else math.inf)
        return (q, r["bic"] if r["bic"] is not None else math.inf, 0.0)
    return sorted(rows, key=key)


def miss_score(row) -> float:
    """How far a fit misses the verdict's "fair" limits (memli.fit.verdict.LIMITS):
    median abs log10 error / 0.2 decade + max(V_set RMSE, V_reset RMSE) / 0.15 V; a
    switching voltage the fit does not reproduce counts as the limit itself."""
    from .verdict import LIMITS
    med_lim, v_lim = LIMITS["median_abs_log10_error"][1], LIMITS["v_rmse"][1]
    med = row.get("median_abs_log10_error")
    if med is None:
        return math.inf
    vs = [x if x is not None else v_lim for x in (row.get("v_set_rmse"),
                                                  row.get("v_reset_rmse"))]
    return med / med_lim + max(vs) / v_lim


def device_type(results: dict, rank: list, areas_r_lrs=None) -> dict:
    """``{"type": "interface"|"filamentary"|"unknown", "evidence": [...]}``.

    ``areas_r_lrs``: list of (area_m2, median R_LRS in ohm), one per file.
    """
    from ..models.base import get_model
    evidence = []
    kind = "unknown"
    best = next((r for r in rank if r["quality"] != "failed"), None)
    if best is not None:
        m = get_model(best["model"])
        if m.switching == "smooth":
            kind = "interface"
            evidence.append(f"the best model, {m.name}, switches smoothly without a threshold "
                            "(gradual, homogeneous switching)")
        else:
            kind = "filamentary"
            evidence.append(f"the best model, {m.name}, switches at thresholds (abrupt, "
                            "filament-like)")
    pts = [(a, r) for a, r in (areas_r_lrs or []) if a and r and a > 0 and r > 0]
    if len({a for a, _ in pts}) >= 2:
        x = np.log10([a for a, _ in pts])
        y = np.log10([r for _, r in pts])
        slope = float(np.polyfit(x, y, 1)[0])
        if abs(slope + 1) <= 0.3:
            kind = "interface"
            evidence.append(f"R_LRS scales with 1/area (log-log slope {slope:.2f} over "
                            f"{len(pts)} files)")
        elif abs(slope) <= 0.3:
            if kind == "unknown":
                kind = "filamentary"
            evidence.append(f"R_LRS does not depend on the area (log-log slope {slope:.2f}): "
                            "a local filament")
        else:
            evidence.append(f"R_LRS vs area: log-log slope {slope:.2f} (neither 0 nor -1)")
    out = {"type": kind, "evidence": evidence}
    if kind == "interface":
        out["statement"] = ("the device looks interface-type (switching over the whole "
                            "electrode) rather than filamentary")
    return out
