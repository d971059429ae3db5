"""Segmentation of I-V records into cycles and branches; compliance and noise floor.

A *lobe* is a maximal run of samples of one voltage polarity (samples with
``|V| < zero_frac * max|V|`` join their neighbours).  A cycle holds one SET lobe and
one RESET lobe; which polarity SETs is an option (default the paper's convention
[lu_yang]: negative bias SETs).  Each lobe has a forward branch (|V| rising up to the
turning point) and a return branch.  Sweep boundaries given by the loader (files,
sheets) always end a lobe.
"""
from __future__ import annotations

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
    if polarity not in POLARITIES:
        raise DataError(f"polarity {polarity!r}; expected one of {list(POLARITIES)}")
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
    """Compliance current (A) if the current sits flat at its maximum, else None.

    The limit is declared when at least ``min_points`` samples (and ``min_frac`` of the
    samples of that polarity) lie within ``rel_tol`` of the largest |I| of a polarity,
    spread over a voltage range (the current does not follow V there).

    Returns
    -------
    (compliance_a or None, mask of samples at the limit)
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    mask = np.zeros(v.size, bool)
    best = None
    for sgn in (-1, 1):
        sel = np.sign(i) == sgn
        if sel.sum() < min_points:
            continue
        a = np.abs(i[sel])
        top = a.max()
        near = a >= top * (1 - rel_tol)
        vv = np.abs(v[sel][near])
        if near.sum() >= max(min_points, min_frac * sel.sum()) and \
                (vv.max() - vv.min()) > 0.02 * (np.abs(v).max() or 1.0):
            mask[np.flatnonzero(sel)[near]] = True
            best = top if best is None else max(best, top)
    return best, mask


def detect_noise_floor(v, i, zero_frac: float = 0.05):
    """Instrument noise floor, A: the |I| level below which currents stop following V.

    Currents at |V| above ``zero_frac * max|V|`` are examined; the samples within a
    factor 3 of the 2nd percentile of |I| form the floor if they span a wide voltage
    range (at least 20 % of max|V|) without rising with it.  The floor is then the
    90th percentile of those samples (or the quantisation step if readings are
    quantised to exact zeros).  Samples at exactly 0 V, where a passive cell carries no
    current, give a second estimate (twice their median |I|).  Without either, the
    function returns a tenth of the smallest nonzero |I| (every point is signal).
    """
    v = np.asarray(v, float)
    i = np.abs(np.asarray(i, float))
    vmax = float(np.abs(v).max()) or 1.0
    at_zero = i[np.abs(v) <= 1e-9 * vmax]
    zero_floor = 0.0
    if at_zero.size >= 3:
        # at exactly 0 V a passive device carries no current: what is read there is noise
        # (median |N(0, s)| = 0.674 s, so twice the median is about 1.35 s)
        zero_floor = 2.0 * float(np.median(at_zero))
    floor, found = _floor_from_sweep(v, i, zero_frac, vmax)
    if found:
        return max(floor, zero_floor)
    return zero_floor if zero_floor > 0 else floor


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
