"""A verdict on every fit: per-cycle errors and ``quality`` good | fair | poor.

Per cycle: the RMS of ``log10 |I_meas| - log10 |I_fit|`` over the samples above three
times the noise floor and below the compliance of their polarity, and the errors of
the fitted V_set and V_reset against the extracted ones (same criterion, same
polarity).  The thresholds (also in docs/fitting.md):

========================================  ===========  ===========
criterion                                 good         fair
========================================  ===========  ===========
median abs log10 error (decades)          <= 0.10      <= 0.20
V_set RMSE, V_reset RMSE (V)              <= 0.05      <= 0.15
cycles whose switching the fit reproduces >= 90 %      >= 50 %
========================================  ===========  ===========

A fit that misses a "fair" limit is ``poor``.  Reasons name each limit missed.
"""
from __future__ import annotations

import math

import numpy as np

#: quality limits: (good, fair)
LIMITS = {"median_abs_log10_error": (0.10, 0.20), "v_rmse": (0.05, 0.15),
          "switch_fraction": (0.90, 0.50)}


def _table(fd, i, polarity, read_voltage_v):
    from ..data.analysis import cycle_table
    kw = dict(read_voltage_v=read_voltage_v, polarity=polarity, floor_a=fd.floor_a)
    crit = {k: v for k, v in getattr(fd, "criteria", {}).items() if v}
    try:
        return cycle_table(fd.v_v, i, fd.cycle, compliance_mask=fd.compliance_mask(),
                           compliance_a=fd.compliance_a, **kw, **crit)
    except TypeError:
        return cycle_table(fd.v_v, i, fd.cycle, **kw)


def per_cycle_errors(fd, i_fit, polarity=None, read_voltage_v: float = 0.1) -> dict:
    """Per-cycle ``rms_log10_error``, ``v_set_error``, ``v_reset_error`` (fit - data, V)
    and the overall ``median_abs_log10_error``, ``v_set_rmse``, ``v_reset_rmse``."""
    polarity = polarity or fd.polarity
    i_fit = np.asarray(i_fit, float)
    above = (np.abs(fd.i_a) > 3 * fd.floor_a) & ~fd.compliance_mask()
    err = (np.log10(np.maximum(np.abs(fd.i_a), 1e-300))
           - np.log10(np.maximum(np.abs(i_fit), max(fd.floor_a, 1e-300))))
    med = float(np.median(np.abs(err[above]))) if above.any() else None
    tm = _table(fd, fd.i_a, polarity, read_voltage_v)
    tf = _table(fd, i_fit, polarity, read_voltage_v)
    rows = []
    for a, b in zip(tm, tf):
        c = a["index"]
        m = above & (fd.cycle == c)
        row = {"cycle": c, "rms_log10_error":
               float(np.sqrt(np.mean(err[m] ** 2))) if m.any() else None}
        for key in ("v_set", "v_reset"):
            row[f"{key}_data"] = a[key]
            row[f"{key}_fit"] = b[key]
            row[f"{key}_error"] = (b[key] - a[key]) if a[key] is not None and \
                b[key] is not None else None
        rows.append(row)

    def rmse(key):
        d = [r[f"{key}_error"] for r in rows if r[f"{key}_error"] is not None]
        return float(np.sqrt(np.mean(np.square(d)))) if d else None

    def reproduced(key):
        want = [r for r in rows if r[f"{key}_data"] is not None]
        got = [r for r in want if r[f"{key}_fit"] is not None]
        return len(got), len(want)
    return {"median_abs_log10_error": med, "v_set_rmse": rmse("v_set"),
            "v_reset_rmse": rmse("v_reset"), "cycles": rows,
            "set_reproduced": reproduced("v_set"), "reset_reproduced": reproduced("v_reset")}


def quality_of(median, v_set_rmse, v_reset_rmse, set_rep=(0, 0), reset_rep=(0, 0)):
    """(quality, reasons) from the summary errors (see the module docstring)."""
    level = 0           # 0 good, 1 fair, 2 poor
    reasons = []

    def grade(value, limits, what, unit, higher_is_better=False):
        nonlocal level
        good, fair = limits
        if value is None:
            return
        bad_good = value < good if higher_is_better else value > good
        bad_fair = value < fair if higher_is_better else value > fair
        if bad_fair:
            level = 2
            reasons.append(f"{what} {value:.3g}{unit} {'<' if higher_is_better else '>'} "
                           f"{fair:g}{unit} (fair limit)")
        elif bad_good:
            level = max(level, 1)
            reasons.append(f"{what} {value:.3g}{unit} {'<' if higher_is_better else '>'} "
                           f"{good:g}{unit} (good limit)")

    if median is None:
        level = 2
        reasons.append("no measured current above the noise floor to compare")
    grade(median, LIMITS["median_abs_log10_error"], "median |log10 I error|", " decades")
    grade(v_set_rmse, LIMITS["v_rmse"], "V_set RMSE", " V")
    grade(v_reset_rmse, LIMITS["v_rmse"], "V_reset RMSE", " V")
    for (got, want), what in ((set_rep, "SET"), (reset_rep, "RESET")):
        if want:
            grade(got / want, LIMITS["switch_fraction"],
                  f"{what} reproduced in {got} of {want} switching cycles: fraction", "",
                  higher_is_better=True)
    return ("good", "fair", "poor")[level], reasons


def judge(result, read_voltage_v: float = 0.1) -> dict:
    """``{"quality", "reasons", "per_cycle"}`` of a :class:`memli.fit.core.FitResult`."""
    pc = per_cycle_errors(result.data, result.i_fit_a, result.data.polarity, read_voltage_v)
    q, reasons = quality_of(pc["median_abs_log10_error"], pc["v_set_rmse"],
                            pc["v_reset_rmse"], pc["set_reproduced"], pc["reset_reproduced"])
    if not result.success and q != "poor":
        reasons.append(f"optimiser stopped: {result.message}")
    return {"quality": q, "reasons": reasons, "per_cycle": pc["cycles"],
            "set_reproduced": list(pc["set_reproduced"]),
            "reset_reproduced": list(pc["reset_reproduced"])}


def finite_or_none(x):
    return x if x is not None and math.isfinite(x) else None
