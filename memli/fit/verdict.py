"""A verdict on every fit: per-cycle errors and ``quality`` good | fair | poor.

Per cycle: the RMS of ``log10 |I_meas| - log10 |I_fit|`` over the samples above three
times the noise floor and below the compliance of their polarity, and the errors of
the fitted V_set and V_reset against the extracted ones.  Both traces go through the
same extraction (criterion, polarity, floor, compliance) after the same smoothing: the
log conductance is averaged over a window of w samples along each monotonic run of the
voltage, w chosen from the measured data's own noise (:func:`smoothing_window`), so that
noise does not move the measured switching point while the noise-free simulation's
stays put.  When both traces put a switching voltage within one window of the same end
of the analysed range (gradual switching from the start of a branch, or still switching
at the turn) there is no threshold to compare and the cycle's error is 0.  The thresholds (also in docs/fitting.md):

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


#: target noise of the smoothed log conductance, decades (1 % in current): the metric's
#: smoothing window is as wide as the data's own noise needs to come down to it
SMOOTH_TARGET_DEC = 0.004
#: widest smoothing window, samples
SMOOTH_MAX = 21


def _segments(v):
    """(start, stop) of the runs of ``v`` that are monotonic and of one sign."""
    v = np.asarray(v, float)
    if v.size < 3:
        return [(0, v.size)]
    d = np.sign(np.diff(v))
    cuts = np.flatnonzero((d[1:] != d[:-1]) | (np.sign(v[1:-1]) != np.sign(v[2:]))) + 1
    edges = [0, *cuts.tolist(), v.size]
    return list(zip(edges[:-1], edges[1:]))


def _log_g(v, i, floor):
    """log10 conductance (decades; current clipped at the floor) and the samples where it
    means something (|V| above 3 % of the largest, as in the extraction)."""
    av = np.abs(v)
    ok = av > 0.03 * max(float(av.max()) if av.size else 0.0, 1e-30)
    g = np.log10(np.maximum(np.abs(i), max(floor, 1e-300))) - np.log10(np.maximum(av, 1e-300))
    return g, ok


def smoothing_window(fd) -> int:
    """Width (odd, samples) of the running mean that the verdict applies to the log
    conductance of both the measured and the simulated trace before extracting V_set and
    V_reset: wide enough that the data's sample-to-sample noise (robust scatter of the
    second differences of log G over samples above three times the floor) averages down
    to :data:`SMOOTH_TARGET_DEC`; 1 for noise-free data; at most :data:`SMOOTH_MAX` and a
    quarter of the shortest monotonic run."""
    w = getattr(fd, "metric_window", None)
    if w:
        return int(w)
    v, i = fd.v_v, fd.i_a
    g, ok = _log_g(v, i, fd.floor_a)
    ok &= np.abs(i) > 3 * max(fd.floor_a, 1e-300)
    d2 = []
    runs = []
    for a, b in _segments(v):
        runs.append(b - a)
        m = ok[a:b]
        x = g[a:b]
        if b - a >= 5:
            dd = x[2:] - 2 * x[1:-1] + x[:-2]
            mm = m[2:] & m[1:-1] & m[:-2]
            d2.append(dd[mm])
    d2 = np.concatenate(d2) if d2 else np.array([])
    w = 1
    if d2.size >= 20:
        sigma = 1.4826 * float(np.median(np.abs(d2 - np.median(d2)))) / math.sqrt(6.0)
        w = int(math.ceil((sigma / SMOOTH_TARGET_DEC) ** 2))
        long_runs = [r for r in runs if r >= 5]
        cap = min(SMOOTH_MAX, max(1, min(long_runs) // 4)) if long_runs else 1
        w = max(1, min(w, cap))
    w = w if w % 2 else w + 1 if w > 1 else 1
    try:
        fd.metric_window = w
    except AttributeError:
        pass
    return w


def smoothed(fd, i, w=None) -> np.ndarray:
    """``i`` with its log conductance averaged over ``w`` samples (default
    :func:`smoothing_window`) within each monotonic run of the voltage (windows shrink
    at the run's ends; samples near 0 V are kept as they are)."""
    i = np.asarray(i, float)
    w = smoothing_window(fd) if w is None else int(w)
    if w <= 1:
        return i
    v = fd.v_v
    g, ok = _log_g(v, i, fd.floor_a)
    out = np.log10(np.maximum(np.abs(i), max(fd.floor_a, 1e-300)))
    lv = np.log10(np.maximum(np.abs(v), 1e-300))
    ker = np.ones(w)
    for a, b in _segments(v):
        m = ok[a:b]
        if m.sum() < 3:
            continue
        x = np.where(m, g[a:b], 0.0)
        gs = np.convolve(x, ker, mode="same") / np.maximum(
            np.convolve(m.astype(float), ker, mode="same"), 1.0)
        out[a:b] = np.where(m, gs + lv[a:b], out[a:b])
    sg = np.sign(i)
    return np.where(sg == 0, 1.0, sg) * 10 ** out


def _table(fd, i, polarity, read_voltage_v, smooth=True):
    from ..data.analysis import cycle_table
    if smooth:
        i = smoothed(fd, i)
    kw = dict(read_voltage_v=read_voltage_v, polarity=polarity, floor_a=fd.floor_a)
    crit = {k: v for k, v in getattr(fd, "criteria", {}).items() if v}
    try:
        return cycle_table(fd.v_v, i, fd.cycle, compliance_mask=fd.compliance_mask(),
                           compliance_a=fd.compliance_a, **kw, **crit)
    except TypeError:
        return cycle_table(fd.v_v, i, fd.cycle, **kw)


def _edge(fd, cycle, v_sw, w):
    """``"low"`` / ``"high"`` when the switching voltage ``v_sw`` of ``cycle`` lies within
    one smoothing window (plus one step) of the low end of the analysed range (3 % of
    the side's largest |V|) or of the turning point; else ``""``."""
    m = fd.cycle == cycle
    v = fd.v_v[m]
    side = np.abs(v[np.sign(v) == np.sign(v_sw)])
    if side.size < 3 or v_sw == 0:
        return ""
    steps = np.abs(np.diff(v))
    steps = steps[steps > 0]
    dv = float(np.median(steps)) if steps.size else 0.0
    zone = (w + 1) * dv
    vmax = float(side.max())
    if abs(v_sw) <= 0.03 * vmax + zone:
        return "low"
    if abs(v_sw) >= vmax - zone:
        return "high"
    return ""


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
    w = smoothing_window(fd)
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
            if row[f"{key}_error"] is not None:
                ea, eb = _edge(fd, c, a[key], w), _edge(fd, c, b[key], w)
                if ea and ea == eb:
                    # both put the switching at the same end of the analysed range:
                    # gradual switching, no threshold to compare (they agree)
                    row[f"{key}_error"] = 0.0
                    row[f"{key}_gradual"] = True
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
