"""Per-cycle switching metrics from I-V samples (simulated or measured).

Conventions: the default polarity is the paper's [lu_yang]: negative bias SETs
(the filament grows), positive bias RESETs.  Within a cycle, the SET half is the
samples of SET polarity and the RESET half those of the other polarity; each half
has a forward branch (|V| rising) and a return branch (|V| falling).

* ``v_set``: where the conductance |I/V| rises fastest along the SET half, provided
  it rises by at least ``min_ratio`` over the half (else ``None``: no switching).
* ``v_reset``: where it falls fastest along the RESET half, with the same criterion.
* ``r_lrs_ohm``: |V/I| at the read voltage on the SET half's return branch.
* ``r_hrs_ohm``: |V/I| at the read voltage on the RESET half's return branch.
* ``on_off`` = r_hrs / r_lrs.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import DataError


def _interp_r(v, i, v_read):
    """|V/I| at |V| = v_read by interpolating log conductance in |V| along a branch."""
    av = np.abs(v)
    if av.size < 2 or v_read > av.max() or v_read < av.min():
        return None
    g = np.abs(i) / np.maximum(av, 1e-300)
    lg = np.log(np.maximum(g, 1e-300))
    order = np.argsort(av, kind="stable")
    val = float(np.exp(np.interp(v_read, av[order], lg[order])))
    return 1.0 / val if val > 0 else None


def _half_metrics(v, i, sgn, read, min_ratio, rising):
    """(v_switch, r_at_read_on_return) for one half-cycle (samples of sign ``sgn``)."""
    m = (np.sign(v) == sgn) & (np.abs(v) > 0)
    if m.sum() < 3:
        return None, None
    idx = np.nonzero(m)[0]
    # the half may be split if the cycle crosses zero several times: keep the longest run
    runs = np.split(idx, np.nonzero(np.diff(idx) > 1)[0] + 1)
    idx = max(runs, key=len)
    vh, ih = v[idx], i[idx]
    av = np.abs(vh)
    g = np.abs(ih) / av
    lg = np.log10(np.maximum(g, 1e-300))
    turn = int(np.argmax(av))
    r_ret = _interp_r(vh[turn:], ih[turn:], read) if turn < len(vh) - 1 else None
    d = np.diff(lg)
    if not rising:
        d = -d
    k = int(np.argmax(d))
    before, after = lg[: k + 1], lg[k + 1:]
    swing = (after.max() - before.min()) if rising else (before.max() - after.min())
    v_sw = None
    if swing >= math.log10(min_ratio) and d[k] > 0:
        v_sw = float(0.5 * (vh[k] + vh[k + 1]))
    return v_sw, r_ret


def cycle_metrics(v, i, cycle, read_voltage_v: float = 0.1, polarity: str = "negative_set",
                  min_ratio: float = 10.0) -> list[dict]:
    """Per-cycle SET/RESET voltages, LRS/HRS resistances and on/off ratio.

    Parameters
    ----------
    v, i : array_like
        Voltage (V) and current (A) samples in time order.
    cycle : array_like of int
        Cycle index of each sample (negative entries are ignored).
    read_voltage_v : float
        Magnitude of the read voltage, V.
    polarity : {'negative_set', 'positive_set'}
        Which bias polarity SETs the device (default: the paper's convention).
    min_ratio : float
        Smallest conductance change over a half-cycle counted as switching.

    Returns
    -------
    list of dict
        One dict per cycle with keys ``index, v_set, v_reset, r_hrs_ohm, r_lrs_ohm,
        on_off`` (``None`` where undefined).
    """
    v = np.asarray(v, dtype=float)
    i = np.asarray(i, dtype=float)
    cycle = np.asarray(cycle, dtype=int)
    if polarity not in ("negative_set", "positive_set"):
        raise DataError(f"polarity: {polarity!r}; expected 'negative_set' or 'positive_set'")
    s_set = -1.0 if polarity == "negative_set" else 1.0
    read = abs(float(read_voltage_v))
    out = []
    for c in np.unique(cycle[cycle >= 0]):
        m = cycle == c
        vs, is_ = v[m], i[m]
        v_set, r_lrs = _half_metrics(vs, is_, s_set, read, min_ratio, rising=True)
        v_reset, r_hrs = _half_metrics(vs, is_, -s_set, read, min_ratio, rising=False)
        on_off = (r_hrs / r_lrs) if (r_hrs and r_lrs) else None
        out.append({"index": int(c), "v_set": v_set, "v_reset": v_reset,
                    "r_hrs_ohm": r_hrs, "r_lrs_ohm": r_lrs, "on_off": on_off})
    return out
