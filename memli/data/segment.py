"""Segmentation of I-V records into cycles and branches; compliance and noise floor.

A *lobe* is a maximal run of samples of one voltage polarity (samples with
``|V| < zero_frac * max|V|`` join their neighbours).  A cycle holds one SET lobe and
one RESET lobe; which polarity SETs is an option (default the paper's convention
[lu_yang]: negative bias SETs).  Each lobe has a forward branch (|V| rising up to the
turning point) and a return branch.  Sweep boundaries given by the loader (files,
sheets) always end a lobe.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import DataError

POLARITIES = ("negative_set", "positive_set")


@dataclass
class Lobe:
    """Samples ``start:stop`` of one polarity; ``turn`` is the index of max |V|."""

    start: int
    stop: int
    sign: int
    turn: int


def _check_polarity(polarity: str) -> int:
    if polarity == "auto":
        return -1
    if polarity not in POLARITIES:
        raise DataError(f"--polarity {polarity}: expected auto, {', '.join(POLARITIES)}")
    return -1 if polarity == "negative_set" else 1


def lobes(v, sweep=None, zero_frac: float = 0.02, min_points: int = 3) -> list[Lobe]:
    """Split ``v`` into single-polarity lobes (see module docstring)."""
    v = np.asarray(v, float)
    n = v.size
    if n == 0:
        return []
    vmax = float(np.max(np.abs(v))) or 1.0
    s = np.sign(v) * (np.abs(v) > zero_frac * vmax)
    # near-zero samples take the sign of the nearest non-zero sample before them
    filled = s.copy()
    last = 0
    for k in range(n):
        if filled[k] == 0:
            filled[k] = last
        else:
            last = filled[k]
    first_nz = np.flatnonzero(filled)
    if first_nz.size == 0:
        return []
    filled[: first_nz[0]] = filled[first_nz[0]]
    cuts = set(np.flatnonzero(np.diff(filled) != 0) + 1)
    if sweep is not None:
        sw = np.asarray(sweep)
        cuts |= set(np.flatnonzero(np.diff(sw) != 0) + 1)
    edges = [0, *sorted(cuts), n]
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        if b - a < min_points:
            continue
        seg = np.abs(v[a:b])
        if seg.max() <= zero_frac * vmax:
            continue
        sign = int(np.sign(np.sum(v[a:b])) or 1)
        out.append(Lobe(a, b, sign, a + int(np.argmax(seg))))
    return out


def segment_cycles(v, sweep=None, polarity: str = "negative_set",
                   zero_frac: float = 0.02) -> np.ndarray:
    """Cycle index per sample (-1 for samples in no cycle).

    A cycle starts with the first lobe's polarity and holds one lobe of each polarity
    (the usual 0 -> SET -> 0 -> RESET -> 0 sweep, or RESET first).  Consecutive lobes of
    the same polarity (e.g. two SET sweeps in a row) each start a new cycle.
    """
    _check_polarity(polarity)
    v = np.asarray(v, float)
    cyc = np.full(v.size, -1, int)
    lb = lobes(v, sweep, zero_frac)
    if not lb:
        return cyc
    first = lb[0].sign
    k = -1
    prev = None
    for lo in lb:
        if lo.sign == first or prev is None or prev.sign == lo.sign:
            k += 1
        # the cycle also owns the near-zero samples between lobes
        cyc[lo.start:lo.stop] = k
        prev = lo
    # fill the gaps (samples dropped as too short / near zero) with the previous cycle
    last = -1
    for j in range(v.size):
        if cyc[j] >= 0:
            last = cyc[j]
        elif last >= 0:
            cyc[j] = last
    return cyc


def count_cycles(v, sweep=None, polarity="negative_set") -> int:
    c = segment_cycles(v, sweep, polarity)
    return int(c.max()) + 1 if c.size and c.max() >= 0 else 0


# ---------------------------------------------------------------------------------------
def detect_compliance(v, i, rel_tol: float = 0.01, min_frac: float = 0.01,
                      min_points: int = 3):
    """Compliance current (A) if the current sits flat at a top level, else None.

    Per current sign, the level holding the most samples within ``rel_tol`` among the
    top |I| values is a limit when at least ``min_points`` samples (and ``min_frac`` of
    the samples of that sign) sit there, at least ``min_points`` of them in a row, spread
    over a voltage range (the current does not follow V there), and no more than 2 % of
    the samples lie clearly above it (spikes).

    Returns
    -------
    (compliance_a or None, mask of samples at the limit)
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    mask = np.zeros(v.size, bool)
    best = None
    vmax = float(np.abs(v).max()) if v.size else 1.0
    for sgn in (-1, 1):
        sel = np.flatnonzero(np.sign(i) == sgn)
        if sel.size < min_points:
            continue
        a = np.abs(i[sel])
        srt = np.sort(a)
        top = srt[-1]
        cands = np.unique(srt[int(0.8 * srt.size):])
        if cands.size > 300:
            cands = cands[np.linspace(0, cands.size - 1, 300).astype(int)]
        lo = np.searchsorted(srt, cands * (1 - rel_tol), "left")
        hi = np.searchsorted(srt, cands * (1 + rel_tol), "right")
        cnt = hi - lo
        k = int(np.flatnonzero(cnt == cnt.max())[-1])
        level = float(cands[k])
        near = (a >= level * (1 - rel_tol)) & (a <= level * (1 + rel_tol))
        above = a > level * (1 + 3 * rel_tol)
        if near.sum() < max(min_points, min_frac * sel.size) or above.sum() > 0.02 * sel.size \
                or level < 0.5 * top:
            continue
        vv = np.abs(v[sel][near])
        if (vv.max() - vv.min()) <= 0.02 * (vmax or 1.0):
            continue
        # a plateau: consecutive samples at the level
        idx = sel[near]
        runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
        if max(len(r) for r in runs) < min_points:
            continue
        mask[idx] = True
        level = float(np.median(a[near]))
        best = level if best is None else max(best, level)
    return best, mask


def detect_compliance_by_sign(v, i) -> dict:
    """Compliance current per voltage polarity, A: ``{+1: a, -1: a}`` (a side without a
    plateau is absent).  Instruments usually limit the SET side only."""
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    out = {}
    for s in (1, -1):
        side = np.sign(v) == s
        if side.sum() < 5:
            continue
        cc, _ = detect_compliance(v[side], i[side])
        if cc:
            out[s] = float(cc)
    return out


def compliance_mask(v, i, by_sign: dict, rel_tol: float = 0.02) -> np.ndarray:
    """Samples at the compliance of their voltage polarity."""
    v = np.asarray(v, float)
    m = np.zeros(v.size, bool)
    for s, a in by_sign.items():
        m |= (np.sign(v) == s) & (np.abs(i) >= (1 - rel_tol) * a)
    return m


def detect_noise_floor(v, i, zero_frac: float = 0.05):
    """Instrument noise floor, A: the |I| level below which currents stop following V.

    Currents at |V| above ``zero_frac * max|V|`` are examined; the samples within a
    factor 3 of the 2nd percentile of |I| form the floor if they span a wide voltage
    range (at least 20 % of max|V|) without rising with it.  The floor is then the
    90th percentile of those samples (or the quantisation step if readings are
    quantised to exact zeros).  Without such a plateau, samples at exactly 0 V give an
    estimate (twice their median |I|) only when it is within 10x of the 20th percentile
    of the sweep's currents: an offset or an LRS branch crossing 0 V is not a floor.  Otherwise a
    tenth of the smallest nonzero |I| is returned (every point is signal).
    """
    v = np.asarray(v, float)
    i = np.abs(np.asarray(i, float))
    vmax = float(np.abs(v).max()) or 1.0
    at_zero = i[np.abs(v) <= 1e-9 * vmax]
    floor, found = _floor_from_sweep(v, i, zero_frac, vmax)
    zero_floor = 0.0
    if at_zero.size >= 3:
        z = 2.0 * float(np.median(at_zero))
        off = i[np.abs(v) > zero_frac * vmax]
        off = off[off > 0]
        if z > 0 and (not off.size or z <= 10 * float(np.percentile(off, 20))):
            zero_floor = z
    if found:
        return max(floor, zero_floor)
    return zero_floor if zero_floor > 0 else floor


def estimate_offset(v, i, sweep=None):
    """Current offset, A, read where the voltage crosses 0 V: ``(offset, spread, n)``.

    Currents at exact 0 V (one reading per run of such samples) and interpolated at
    sign changes are collected; the offset is their median and the spread 1.48 x their
    median absolute deviation.
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    # each run of samples at exactly 0 V is one reading (a dwell must not outvote the
    # crossings), and so is each sign change
    z = np.flatnonzero(v == 0.0)
    vals = [float(np.median(i[r])) for r in np.split(z, np.flatnonzero(np.diff(z) > 1) + 1)
            if r.size]
    s = np.sign(v)
    nz = np.flatnonzero(s != 0)
    k = nz[:-1][(s[nz[:-1]] * s[nz[1:]]) < 0]
    k2 = nz[1:][(s[nz[:-1]] * s[nz[1:]]) < 0]
    adjacent = k2 == k + 1
    k, k2 = k[adjacent], k2[adjacent]
    if sweep is not None:
        sw = np.asarray(sweep)
        keep = sw[k] == sw[k2]
        k, k2 = k[keep], k2[keep]
    w = v[k] / (v[k] - v[k2])
    vals += list(i[k] + w * (i[k2] - i[k]))
    vals = np.asarray(vals, float)
    vals = vals[np.isfinite(vals)]
    if vals.size < 2:
        return 0.0, math.inf, int(vals.size)
    med = float(np.median(vals))
    spread = 1.4826 * float(np.median(np.abs(vals - med)))
    return med, spread, int(vals.size)


def lobe_hysteresis(v, i, lo, floor=0.0, extreme=False):
    """Decades by which the return branch of a lobe conducts more than its forward
    branch at the same |V| (median over 20-80 % of the lobe's |V|), or None without a
    return branch.  Positive for a SET lobe, negative for a RESET lobe."""
    f = slice(lo.start, lo.turn + 1)
    r = slice(lo.turn, lo.stop)
    av_f, av_r = np.abs(v[f]), np.abs(v[r])
    if av_f.size < 3 or av_r.size < 3:
        return None
    vmax = float(av_f.max())
    if av_r.min() > 0.5 * vmax:
        return None
    grid = np.linspace(0.05 * vmax, 0.95 * vmax, 37) if extreme else \
        np.linspace(0.2 * vmax, 0.8 * vmax, 13)
    grid = grid[(grid >= av_r.min()) & (grid >= av_f.min())]
    if grid.size < 2:
        return None
    fl = max(floor, 1e-18)
    of, orr = np.argsort(av_f, kind="stable"), np.argsort(av_r, kind="stable")
    lf = np.interp(grid, av_f[of], np.log10(np.maximum(np.abs(i[f])[of], fl)))
    lr = np.interp(grid, av_r[orr], np.log10(np.maximum(np.abs(i[r])[orr], fl)))
    d = lr - lf
    if extreme:         # the largest difference of either sign (robust: 10/90 %)
        hi, lo_ = float(np.percentile(d, 90)), float(np.percentile(d, 10))
        return hi if abs(hi) >= abs(lo_) else lo_
    return float(np.median(d))


def detect_polarity(v, i, sweep=None, by_sign=None, floor=0.0):
    """``(polarity, evidence)``: the side whose lobes come back conducting more (the
    current rose abruptly there), else the side with compliance, else the default.

    ``evidence`` is a JSON-ready dict: per side the number of lobes, the median
    hysteresis in decades (return over forward branch at equal |V|), the largest jump
    of |I| between consecutive forward samples (decades) and the compliance (A or None);
    ``decided_by`` says which of them decided (``hysteresis``, ``jump``, ``compliance``
    or ``default``).
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    by_sign = detect_compliance_by_sign(v, i) if by_sign is None else by_sign
    side = {1: {"lobes": 0, "h": [], "jump": []}, -1: {"lobes": 0, "h": [], "jump": []}}
    fl = max(floor, 1e-18)
    for lo in lobes(v, sweep):
        side[lo.sign]["lobes"] += 1
        h = lobe_hysteresis(v, i, lo, floor)
        if h is not None:
            side[lo.sign]["h"].append(h)
        li = np.log10(np.maximum(np.abs(i[lo.start:lo.turn + 1]), fl))
        if li.size >= 3:
            d = np.diff(li)
            side[lo.sign]["jump"].append(float(d.max() + d.min()))
    ev = {}
    for s, name in ((-1, "negative"), (1, "positive")):
        d = side[s]
        ev[name] = {"lobes": d["lobes"],
                    "hysteresis_decades": float(np.median(d["h"])) if d["h"] else None,
                    "jump_decades": float(np.median(d["jump"])) if d["jump"] else None,
                    "compliance_a": by_sign.get(s)}
    hn, hp = ev["negative"]["hysteresis_decades"], ev["positive"]["hysteresis_decades"]
    pol, how = None, "default"
    if hn is not None or hp is not None:
        diff = (hp or 0.0) - (hn or 0.0)
        if abs(diff) > 0.3:
            pol, how = ("positive_set" if diff > 0 else "negative_set"), "hysteresis"
    if pol is None:
        jn, jp = ev["negative"]["jump_decades"], ev["positive"]["jump_decades"]
        if jn is not None or jp is not None:
            diff = (jp or 0.0) - (jn or 0.0)
            if abs(diff) > 0.5:
                pol, how = ("positive_set" if diff > 0 else "negative_set"), "jump"
    if pol is None and len(by_sign) == 1:
        pol, how = ("positive_set" if 1 in by_sign else "negative_set"), "compliance"
    if pol is None:
        pol = "negative_set"
    ev["decided_by"] = how
    return pol, ev


def _floor_from_sweep(v, i, zero_frac, vmax):
    # a plateau at the largest current is compliance, not a floor
    sel = (np.abs(v) > zero_frac * vmax) & (i < 0.9 * i.max())
    a = i[sel]
    av = np.abs(v[sel])
    nz = a[a > 0]
    if nz.size == 0:
        return 1e-15, False
    n_zero = int((a == 0).sum())
    lo = float(np.percentile(nz, 2))
    cand = (a <= 3 * lo)
    span = (av[cand].max() - av[cand].min()) if cand.any() else 0.0
    if cand.sum() >= max(10, 0.02 * a.size) and span >= 0.2 * vmax:
        # currents at the floor do not grow with |V|: compare low and high |V| halves
        c_av, c_a = av[cand], a[cand]
        pos = c_a > 0
        slope = np.polyfit(np.log(c_av[pos]), np.log(c_a[pos]), 1)[0] if pos.sum() > 3 else 0
        if abs(slope) < 0.3:
            floor = float(np.percentile(c_a, 90))
            if n_zero > 0.01 * a.size:
                floor = max(floor, float(nz.min()))
            return floor, True
    if n_zero > 0.01 * a.size:
        return float(nz.min()), True        # quantised readings: the step is the floor
    return float(nz.min()) / 10, False
