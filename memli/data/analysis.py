"""Per-cycle analysis of measured (or generated) I-V data.

Per cycle (see :mod:`memli.data.segment` for cycles, lobes and branches):

* ``v_set`` / ``v_reset``: the switching voltage on the SET / RESET lobe, by one of
  three criteria (``criterion``):

  - ``"slope"`` (default): where d log10|I| / d|V| is largest (SET) or most negative
    (RESET) along the lobe's forward branch;
  - ``"jump"``: where the ratio of consecutive currents |I_k+1 / I_k| is largest (SET) or
    smallest (RESET) anywhere in the lobe;
  - ``"threshold"``: where |I| first crosses ``i_threshold_a`` upwards (SET) or
    downwards (RESET).

  Currents below the noise floor are raised to it first, so noise cannot fake a jump;
  a lobe whose current changes by less than ``min_ratio`` has no switching (None).
* ``r_lrs_ohm``: |V/I| at the read voltage on the SET lobe's return branch (after SET);
  ``r_hrs_ohm``: on the RESET lobe's return branch (after RESET), as in
  :func:`memli.data.metrics.cycle_metrics`.  The current at the read voltage comes from
  a straight-line fit of log|I| against log|V| to the branch points within a factor 2
  of the read voltage (outliers beyond 3 MAD dropped, points at the floor or at
  compliance excluded when others remain): robust against noise and coarse sampling.
* ``on_off`` = r_hrs / r_lrs.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..fsio import json_clean
from ..errors import DataError
from .segment import _check_polarity, detect_compliance, detect_noise_floor, lobes, \
    segment_cycles

CRITERIA = ("slope", "jump", "threshold")
KEYS = ("index", "v_set", "v_reset", "r_hrs_ohm", "r_lrs_ohm", "on_off")


@dataclass
class Analysis:
    """Result of :func:`analyse`: per-cycle table plus what was detected."""

    cycles: list
    t_s: np.ndarray
    v_v: np.ndarray
    i_a: np.ndarray
    cycle: np.ndarray
    compliance_a: float | None
    compliance_mask: np.ndarray
    noise_floor_a: float
    read_voltage_v: float
    polarity: str
    criterion: str
    generated: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def n_cycles(self) -> int:
        return len(self.cycles)

    def column(self, key: str) -> np.ndarray:
        return np.array([np.nan if c[key] is None else c[key] for c in self.cycles], float)

    def summary(self) -> dict:
        """JSON-ready summary: ``cycles`` (keys as ``memli simulate --json``) and stats."""
        def stats(key):
            a = self.column(key)
            a = a[np.isfinite(a)]
            if not a.size:
                return None
            return {"median": float(np.median(a)), "p10": float(np.percentile(a, 10)),
                    "p90": float(np.percentile(a, 90)), "n": int(a.size)}
        return {"n_cycles": self.n_cycles, "generated": self.generated,
                "read_voltage_v": self.read_voltage_v, "polarity": self.polarity,
                "criterion": self.criterion, "compliance_a": self.compliance_a,
                "noise_floor_a": self.noise_floor_a,
                "stats": {k: stats(k) for k in KEYS[1:]},
                "cycles": [{k: c[k] for k in KEYS} for c in self.cycles]}


def _fit_read(v, i, v_read, floor, cc_mask, cc_a=None):
    """|V/I| at |V| = v_read from a robust log-log line through nearby branch points."""
    av = np.abs(v)
    ai = np.abs(i)
    if av.size < 2 or v_read > av.max() * 1.0001 or v_read < av.min() * 0.9999:
        return None
    win = (av >= v_read / 1.3) & (av <= v_read * 1.3) & (av > 0)
    if win.sum() < 4:
        order = np.argsort(np.abs(np.log(np.maximum(av, 1e-300) / v_read)))[:4]
        win = np.zeros(av.size, bool)
        win[order] = True
    good = win & (ai > 2 * floor) & ~cc_mask
    if cc_a:
        good &= ai < 0.8 * cc_a
    use = good if good.sum() >= 2 else win
    x = np.log(av[use])
    y = np.log(np.maximum(ai[use], floor))
    if x.size >= 3 and np.ptp(x) > 0:
        for _ in range(2):
            a, b = np.polyfit(x, y, 1)
            r = y - (a * x + b)
            mad = np.median(np.abs(r - np.median(r))) * 1.4826
            keep = np.abs(r) <= max(3 * mad, 1e-12)
            if keep.all() or keep.sum() < 3:
                break
            x, y = x[keep], y[keep]
        a, b = np.polyfit(x, y, 1)
        i_read = math.exp(a * math.log(v_read) + b)
    else:
        o = np.argsort(x)
        i_read = math.exp(float(np.interp(math.log(v_read), x[o], y[o])))
    return v_read / i_read if i_read > 0 else None


def _switch_v(v, i, lobe, floor, criterion, i_threshold_a, min_ratio, rising):
    vv = v[lobe.start:lobe.stop]
    ii = np.abs(i[lobe.start:lobe.stop])
    L = np.log10(np.maximum(ii, 3 * floor))          # log current (threshold criterion)
    G = L - np.log10(np.maximum(np.abs(vv), 1e-300))  # log conductance (slope, jump)
    s = 1.0 if rising else -1.0
    if L.size < 3:
        return None
    ok = np.abs(vv) > 0
    d = s * np.diff(G)
    d[~(ok[1:] & ok[:-1])] = -np.inf
    k_best = int(np.argmax(d))
    if criterion == "slope":
        f = lobe.turn - lobe.start
        if f >= 2:
            da = np.diff(np.abs(vv[: f + 1]))
            dl = s * np.diff(G[: f + 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                sl = np.where(da > 0, dl / np.where(da > 0, da, 1), -np.inf)
            if np.isfinite(sl).any() and np.max(sl) > 0:
                k_best = int(np.argmax(sl))
    # switching must change the current by min_ratio across the chosen point
    Gf = np.where(ok, G, np.nan)
    before, after = Gf[: k_best + 1], Gf[k_best + 1:]
    if not (np.isfinite(before).any() and np.isfinite(after).any()):
        return None
    before, after = before[np.isfinite(before)], after[np.isfinite(after)]
    swing = (after.max() - before.min()) if rising else (before.max() - after.min())
    if swing < math.log10(min_ratio):
        return None
    if criterion == "threshold":
        thr = math.log10(i_threshold_a)
        hit = np.flatnonzero(L >= thr) if rising else np.flatnonzero(
            (L <= thr) & (np.arange(L.size) > int(np.argmax(L))))
        if not hit.size or (rising and hit[0] == 0):
            return None
        k = int(hit[0])
        if k == 0:
            return float(vv[0])
        l0, l1 = L[k - 1], L[k]
        w = 0.5 if l1 == l0 else (thr - l0) / (l1 - l0)
        return float(vv[k - 1] + min(max(w, 0.0), 1.0) * (vv[k] - vv[k - 1]))
    return float(0.5 * (vv[k_best] + vv[k_best + 1]))


def cycle_table(v, i, cycle, read_voltage_v=0.1, polarity="negative_set",
                criterion="slope", i_threshold_a=None, min_ratio=10.0, floor_a=None,
                compliance_mask=None, sweep=None, compliance_a=None) -> list[dict]:
    """Per-cycle ``index, v_set, v_reset, r_hrs_ohm, r_lrs_ohm, on_off`` (None if undefined).

    Parameters
    ----------
    v, i : array_like
        Voltage (V) and current (A) in time order.
    cycle : array_like of int
        Cycle index per sample (-1: in no cycle), e.g. from :func:`segment_cycles`.
    read_voltage_v : float
        Read voltage magnitude, V.
    polarity : {'negative_set', 'positive_set'}
    criterion : {'slope', 'jump', 'threshold'}
    i_threshold_a : float, optional
        Current threshold for ``criterion='threshold'``, A (default: geometric mean of the
        noise floor and the largest current).
    min_ratio : float
        Smallest current change across the switching point counted as switching.
    floor_a : float, optional
        Noise floor, A (default: detected).
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    cycle = np.asarray(cycle, int)
    s_set = _check_polarity(polarity)
    if criterion not in CRITERIA:
        raise DataError(f"criterion {criterion!r}; expected one of {list(CRITERIA)}")
    floor = detect_noise_floor(v, i) if floor_a is None else float(floor_a)
    cc = np.zeros(v.size, bool) if compliance_mask is None else compliance_mask
    cc_a = compliance_a
    if i_threshold_a is None:
        i_threshold_a = math.sqrt(max(floor, 1e-15) * max(np.abs(i).max(), 1e-15))
    read = abs(float(read_voltage_v))
    out = []
    for c in np.unique(cycle[cycle >= 0]):
        idx = np.flatnonzero(cycle == c)
        a, b = idx[0], idx[-1] + 1
        lb = lobes(v[a:b], None if sweep is None else np.asarray(sweep)[a:b])
        row = {"index": int(c), "v_set": None, "v_reset": None, "r_hrs_ohm": None,
               "r_lrs_ohm": None, "on_off": None}
        for lo in lb:
            lo = type(lo)(lo.start + a, lo.stop + a, lo.sign, lo.turn + a)
            rising = lo.sign == s_set
            key_v = "v_set" if rising else "v_reset"
            key_r = "r_lrs_ohm" if rising else "r_hrs_ohm"
            if row[key_v] is None:
                row[key_v] = _switch_v(v, i, lo, floor, criterion, i_threshold_a, min_ratio,
                                       rising)
            if row[key_r] is None and lo.turn + 1 < lo.stop:
                sl = slice(lo.turn, lo.stop)
                row[key_r] = _fit_read(v[sl], i[sl], read, floor, cc[sl], cc_a)
        if row["r_hrs_ohm"] and row["r_lrs_ohm"]:
            row["on_off"] = row["r_hrs_ohm"] / row["r_lrs_ohm"]
        out.append(row)
    return out


def analyse(data, read_voltage_v: float = 0.1, polarity: str = "negative_set",
            criterion: str = "slope", i_threshold_a: float | None = None,
            min_ratio: float = 10.0, sweep_rate_v_per_s: float = 1.0) -> Analysis:
    """Segment :class:`memli.data.loaders.IVData` (or ``(v, i)``) and tabulate each cycle."""
    from .loaders import IVData
    if isinstance(data, IVData):
        t, v, i, sw = data.arrays(sweep_rate_v_per_s)
        gen, meta = data.generated, dict(data.meta)
    else:
        v, i = (np.asarray(a, float) for a in data[:2])
        t = np.arange(v.size, dtype=float)
        sw, gen, meta = None, False, {}
    if v.size < 2:
        raise DataError(f"only {v.size} sample(s); expected a sweep")
    cyc = segment_cycles(v, sw, polarity)
    if cyc.max() < 0:
        raise DataError("no voltage excursion found (all |V| near zero); expected sweeps")
    cc, cc_mask = detect_compliance(v, i)
    floor = detect_noise_floor(v, i)
    rows = cycle_table(v, i, cyc, read_voltage_v, polarity, criterion, i_threshold_a,
                       min_ratio, floor, cc_mask, sw, cc)
    return Analysis(rows, t, v, i, cyc, cc, cc_mask, floor, abs(read_voltage_v), polarity,
                    criterion, gen, meta)


def cycles_csv(an: Analysis) -> str:
    """The per-cycle table as CSV text (units in the column names)."""
    buf = io.StringIO()
    if an.generated:
        buf.write("# per-cycle metrics of GENERATED data (not a measurement)\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cycle", "v_set_v", "v_reset_v", "r_hrs_ohm", "r_lrs_ohm", "on_off"])
    for c in an.cycles:
        w.writerow([c["index"]] + ["" if c[k] is None else f"{c[k]:.6g}" for k in KEYS[1:]])
    return buf.getvalue()


def write_outputs(an: Analysis, out_dir, force: bool = False, plots: bool = True) -> dict:
    """Write ``cycles.csv``, ``summary.json`` and plots into ``out_dir``; return paths."""
    from ..cards import write_text_atomic
    out = Path(out_dir)
    paths = {"cycles_csv": out / "cycles.csv", "summary_json": out / "summary.json"}
    if plots:
        paths.update({"iv_png": out / "iv.png", "endurance_png": out / "endurance.png",
                      "cdf_png": out / "cdf.png"})
    existing = [str(p) for p in paths.values() if p.exists()]
    if existing and not force:
        raise DataError(f"{existing[0]}: exists; pass --force to overwrite")
    for f in an.meta.get("files", []):
        if Path(f["path"]).resolve().parent == out.resolve():
            raise DataError(f"{out}: is the folder of input {f['path']}; choose another --out "
                            "(inputs' folders are never written to)")
    write_text_atomic(paths["cycles_csv"], cycles_csv(an))
    summ = an.summary()
    summ["inputs"] = an.meta.get("files", [])
    summ["notes"] = an.meta.get("notes", [])
    write_text_atomic(paths["summary_json"], json.dumps(_clean(summ), indent=2) + "\n")
    if plots:
        from . import plots as P
        P.plot_iv(an, paths["iv_png"])
        P.plot_endurance(an, paths["endurance_png"])
        P.plot_cdf(an, paths["cdf_png"])
    return {k: str(p) for k, p in paths.items()}


_clean = json_clean