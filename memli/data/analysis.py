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
from .segment import POLARITIES, _check_polarity, compliance_mask, \
    detect_compliance_by_sign, detect_noise_floor, detect_polarity, estimate_offset, \
    lobe_hysteresis, lobes, segment_cycles

CRITERIA = ("slope", "jump", "threshold", "peak")
KEYS = ("index", "v_set", "v_reset", "r_hrs_ohm", "r_lrs_ohm", "on_off")
AREA_KEYS = ("area_m2", "ra_hrs_ohm_m2", "ra_lrs_ohm_m2", "j_max_a_per_m2")


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
    polarity_evidence: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    offset_a: float = 0.0
    compliance_by_sign: dict = field(default_factory=dict)
    set_criterion: str | None = None
    reset_criterion: str | None = None
    area: bool = False

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
        keys = KEYS + (AREA_KEYS if self.area else ())
        return {"n_cycles": self.n_cycles, "generated": self.generated,
                "read_voltage_v": self.read_voltage_v, "polarity": self.polarity,
                "polarity_evidence": self.polarity_evidence,
                "criterion": self.criterion,
                "set_criterion": self.set_criterion or self.criterion,
                "reset_criterion": self.reset_criterion or self.criterion,
                "compliance_a": self.compliance_a,
                "compliance_by_polarity_a": {
                    ("positive" if s > 0 else "negative"): a
                    for s, a in sorted(self.compliance_by_sign.items())},
                "noise_floor_a": self.noise_floor_a, "offset_a": self.offset_a,
                "warnings": list(self.warnings),
                "stats": {k: stats(k) for k in keys[1:] if k != "area_m2"},
                "cycles": [{k: c.get(k) for k in keys} for c in self.cycles]}


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


def _runmed(x, w):
    """Running median of odd width ``w`` (edges use the available samples)."""
    if w < 3 or x.size < w:
        return x
    h = w // 2
    pad = np.concatenate([np.full(h, x[0]), x, np.full(h, x[-1])])
    win = np.lib.stride_tricks.sliding_window_view(pad, w)
    return np.median(win, axis=1)


def _switch_v(v, i, lobe, floor, criterion, i_threshold_a, min_ratio, rising):
    """Switching voltage of one lobe by ``criterion`` (see module docstring), or None."""
    vv = v[lobe.start:lobe.stop]
    ii = np.abs(i[lobe.start:lobe.stop])
    if vv.size < 3:
        return None
    s = 1.0 if rising else -1.0
    av = np.abs(vv)
    vmax = float(av.max())
    ok = av > 0.03 * vmax                              # near 0 V, |I/V| means nothing
    L = np.log10(np.maximum(ii, 3 * floor))             # log current
    G = L - np.log10(np.maximum(av, 1e-300))            # log conductance
    n = vv.size
    w = 1
    if n > 40:                                          # dense captures: median filter
        w = int(min(11, max(3, (n // 60) | 1)))
        Ls = _runmed(L, w)
        Gs = Ls - np.log10(np.maximum(av, 1e-300))
    else:
        Ls, Gs = L, G

    def refine(k):
        """The steepest raw step within the filter width of smoothed step k."""
        if w == 1:
            return k
        lo_, hi_ = max(0, k - w), min(n - 2, k + w)
        dr = s * np.diff(G[lo_:hi_ + 2])
        okr = ok[lo_:hi_ + 1] & ok[lo_ + 1:hi_ + 2]
        dr = np.where(okr, dr, -np.inf)
        return lo_ + int(np.argmax(dr)) if np.isfinite(dr).any() else k
    f = lobe.turn - lobe.start                          # forward branch: 0..f
    fw = slice(0, f + 1) if f >= 2 else slice(0, n)
    idx = np.arange(n)[fw]
    # switching must change the conductance by min_ratio across the lobe
    Gf = np.where(ok, Gs, np.nan)
    d = s * np.diff(Gs)
    d[~(ok[1:] & ok[:-1])] = -np.inf
    dfw = d[: max(idx[-1], 1)]
    if not np.isfinite(dfw).any():
        return None
    k_best = int(np.argmax(dfw))
    before, after = Gf[: k_best + 1], Gf[k_best + 1:]
    before, after = before[np.isfinite(before)], after[np.isfinite(after)]
    if not (before.size and after.size):
        return None
    swing = (after.max() - before.min()) if rising else (before.max() - after.min())
    if swing < math.log10(min_ratio):
        return None
    if criterion == "jump":
        kr = refine(k_best)
        return float(0.5 * (vv[kr] + vv[kr + 1]))
    if criterion == "slope":
        fv = idx
        if fv.size >= 3:
            # log-conductance change per volt over steps of at least 1 % of max |V|
            stride = 1
            dv_med = float(np.median(np.abs(np.diff(av[fv])))) or vmax
            stride = int(max(1, min(fv.size // 4, round(0.01 * vmax / dv_med))))
            a0, a1 = fv[:-stride], fv[stride:]
            da = av[a1] - av[a0]
            dl = s * (Gs[a1] - Gs[a0])
            good = (da > 0) & ok[a0] & ok[a1]
            with np.errstate(divide="ignore", invalid="ignore"):
                sl = np.where(good, dl / np.where(da > 0, da, 1), -np.inf)
            if np.isfinite(sl).any() and np.max(sl) > 0:
                k = int(np.argmax(sl))
                j0, j1 = int(a0[k]), int(a1[k])
                # the steepest single step inside the chosen window
                sub = s * np.diff(Gs[j0:j1 + 1])
                jj = refine(j0 + int(np.argmax(sub)))
                return float(0.5 * (vv[jj] + vv[jj + 1]))
        kr = refine(k_best)
        return float(0.5 * (vv[kr] + vv[kr + 1]))
    if criterion == "peak":
        if rising:
            # SET: where |I| first reaches its top level (compliance onset)
            top = float(np.max(Ls[fw]))
            hit = np.flatnonzero(Ls[fw] >= top - math.log10(1.05))
            return float(vv[idx[hit[0]]])
        # RESET: the largest |I| before the drop (raw readings up to the drop)
        kd = refine(k_best)
        seg = np.arange(0, kd + 1)
        seg = seg[ok[seg]] if ok[seg].any() else seg
        kp = int(seg[np.argmax(L[seg])])
        return float(vv[kp])
    if criterion == "threshold":
        thr = math.log10(i_threshold_a)
        hit = np.flatnonzero(Ls >= thr) if rising else np.flatnonzero(
            (Ls <= thr) & (np.arange(Ls.size) > int(np.argmax(Ls))))
        if not hit.size or (rising and hit[0] == 0):
            return None
        k = int(hit[0])
        if k == 0:
            return float(vv[0])
        l0, l1 = Ls[k - 1], Ls[k]
        w = 0.5 if l1 == l0 else (thr - l0) / (l1 - l0)
        return float(vv[k - 1] + min(max(w, 0.0), 1.0) * (vv[k] - vv[k - 1]))
    raise DataError(f"--criterion {criterion}: expected one of {', '.join(CRITERIA)}")


def _check_criterion(c, opt="--criterion"):
    if c not in CRITERIA:
        raise DataError(f"{opt} {c}: expected one of {', '.join(CRITERIA)}")


def cycle_table(v, i, cycle, read_voltage_v=0.1, polarity="negative_set",
                criterion="slope", i_threshold_a=None, min_ratio=3.0, floor_a=None,
                compliance_mask=None, sweep=None, compliance_a=None, *,
                set_criterion=None, reset_criterion=None) -> list[dict]:
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
    criterion : {'slope', 'jump', 'threshold', 'peak'}
        Criterion of both sides unless ``set_criterion`` / ``reset_criterion`` say
        otherwise.
    i_threshold_a : float, optional
        Current threshold for ``criterion='threshold'``, A (default: geometric mean of the
        noise floor and the largest current).
    min_ratio : float
        Smallest current change counted as switching; a cycle whose on/off
        (r_hrs / r_lrs) is below it gets no v_set and no v_reset.
    floor_a : float, optional
        Noise floor, A (default: detected).
    """
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    cycle = np.asarray(cycle, int)
    s_set = _check_polarity(polarity)
    crit_set = set_criterion or criterion
    crit_reset = reset_criterion or criterion
    _check_criterion(criterion)
    _check_criterion(crit_set, "--set-criterion")
    _check_criterion(crit_reset, "--reset-criterion")
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
        fwd = {}
        hyst = {}
        for lo in lb:
            lo = type(lo)(lo.start + a, lo.stop + a, lo.sign, lo.turn + a)
            rising = lo.sign == s_set
            key_v = "v_set" if rising else "v_reset"
            key_r = "r_lrs_ohm" if rising else "r_hrs_ohm"
            if row[key_v] is None:
                row[key_v] = _switch_v(v, i, lo, floor, crit_set if rising else crit_reset,
                                       i_threshold_a, min_ratio, rising)
                hyst[key_v] = lobe_hysteresis(v, i, lo, floor, extreme=True)
            if row[key_r] is None and lo.turn + 1 < lo.stop:
                sl = slice(lo.turn, lo.stop)
                row[key_r] = _fit_read(v[sl], i[sl], read, floor, cc[sl], cc_a)
            # forward branch of the other state (HRS before SET, LRS before RESET)
            other = "r_hrs_ohm" if rising else "r_lrs_ohm"
            if other not in fwd and lo.turn > lo.start + 1:
                sl = slice(lo.start, lo.turn + 1)
                fwd[other] = _fit_read(v[sl], i[sl], read, floor, cc[sl], cc_a)
        for k in ("r_hrs_ohm", "r_lrs_ohm"):
            if row[k] is None and fwd.get(k):
                row[k] = fwd[k]
        if row["r_hrs_ohm"] and row["r_lrs_ohm"]:
            row["on_off"] = row["r_hrs_ohm"] / row["r_lrs_ohm"]
        lim = math.log10(min_ratio)
        if row["on_off"] is not None and row["on_off"] < min_ratio:
            row["v_set"] = row["v_reset"] = None       # no switching, no switching voltage
        for k, sgn in (("v_set", 1), ("v_reset", -1)):
            h = hyst.get(k)
            if row["on_off"] is None and row[k] is not None and h is not None and \
                    sgn * h < lim:
                row[k] = None                          # forward and return branches agree
        out.append(row)
    return out


def analyse(data, read_voltage_v: float = 0.1, polarity: str = "auto",
            criterion: str = "slope", i_threshold_a: float | None = None,
            min_ratio: float = 3.0, sweep_rate_v_per_s: float = 1.0, *,
            set_criterion: str | None = None, reset_criterion: str | None = None,
            offset: str = "auto", area_m2=None) -> Analysis:
    """Segment :class:`memli.data.loaders.IVData` (or ``(v, i)``) and tabulate each cycle.

    Parameters
    ----------
    polarity : {'auto', 'negative_set', 'positive_set'}
        Which voltage polarity SETs; ``auto`` decides from the data (the side whose
        current rises abruptly and stays up; compliance).  A given polarity that the
        data contradict gets a warning.
    offset : {'auto', 'none'}
        ``auto`` subtracts a current offset read at the 0 V crossings when the
        crossings agree on it.
    area_m2 : float or sequence of float, optional
        Device area, m^2 (one per input file, or one for all): adds ``ra_hrs_ohm_m2``,
        ``ra_lrs_ohm_m2`` and ``j_max_a_per_m2`` per cycle.
    """
    from .loaders import IVData
    if polarity not in ("auto", *POLARITIES):
        raise DataError(f"--polarity {polarity}: expected auto, negative_set or positive_set")
    if offset not in ("auto", "none"):
        raise DataError(f"--offset {offset}: expected auto or none")
    _check_criterion(criterion)
    for c, o in ((set_criterion, "--set-criterion"), (reset_criterion, "--reset-criterion")):
        if c is not None:
            _check_criterion(c, o)
    warnings = []
    file_of = None
    if isinstance(data, IVData):
        t, v, i, sw = data.arrays(sweep_rate_v_per_s)
        gen, meta = data.generated, dict(data.meta)
        warnings += list(meta.get("warnings", []))
        files = [s.file for s in data.sweeps]
        file_of = np.asarray([files[k] for k in sw], object)
    else:
        v, i = (np.asarray(a, float) for a in data[:2])
        t = np.arange(v.size, dtype=float)
        sw, gen, meta = None, False, {}
    if v.size < 3:
        src = ", ".join(f["path"] for f in meta.get("files", [])) or "data"
        raise DataError(f"{src}: only {v.size} sample(s); expected a sweep of at least 3 "
                        "points")
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(i))):
        raise DataError("the data hold non-finite voltages or currents")
    offset_a = 0.0
    if offset == "auto":
        off, spread, n = estimate_offset(v, i, sw)
        floor0 = detect_noise_floor(v, i)
        if n >= 3 and off != 0.0 and abs(off) > 3 * spread and abs(off) > 0.1 * floor0:
            offset_a = off
            i = i - off
            warnings.append(f"current offset {off:.3g} A (read at {n} zero crossings) "
                            "subtracted; --offset none keeps it")
    by_sign = detect_compliance_by_sign(v, i)
    floor = detect_noise_floor(v, i)
    det_pol, evidence = detect_polarity(v, i, sw, by_sign, floor)
    if polarity == "auto" and meta.get("polarity") in POLARITIES:
        pol = meta["polarity"]
        evidence["decided_by"] = "names"            # sheet/file names say SET and RESET
    elif polarity == "auto":
        pol = det_pol
        if evidence["decided_by"] == "default":
            warnings.append("polarity could not be told from the data (no hysteresis, jump "
                            "or one-sided compliance); negative_set assumed")
    else:
        pol = polarity
        evidence["decided_by"] = "given"
    cyc = segment_cycles(v, sw, pol)
    if cyc.max() < 0:
        raise DataError("no voltage excursion found (all |V| near zero); expected sweeps")
    s_set = -1 if pol == "negative_set" else 1
    cc_a = by_sign.get(s_set) or (max(by_sign.values()) if by_sign else None)
    cc_mask = compliance_mask(v, i, by_sign)
    rows = cycle_table(v, i, cyc, read_voltage_v, pol, criterion, i_threshold_a,
                       min_ratio, floor, cc_mask, sw, cc_a, set_criterion=set_criterion,
                       reset_criterion=reset_criterion)
    if polarity != "auto":
        oo = [r["on_off"] for r in rows if r["on_off"] is not None]
        bad = sum(o < 1 for o in oo)
        if oo and bad > len(oo) / 2:
            warnings.append(f"--polarity {polarity}: the data contradict it: on/off < 1 in "
                            f"{bad} of {len(oo)} cycles; try --polarity auto")
        if by_sign.get(-s_set) and not by_sign.get(s_set):
            warnings.append(f"--polarity {polarity}: compliance {by_sign[-s_set]:.3g} A is "
                            "in the RESET lobe; the data suggest the other polarity")
        if det_pol != polarity and evidence.get("decided_by") in ("given",) and \
                _decisive(evidence):
            warnings.append(f"--polarity {polarity}: the branches say {det_pol} "
                            "(hysteresis); check the terminal convention")
    area = _areas(area_m2, rows, cyc, file_of, meta)
    if area is not None:
        for r in rows:
            a_c = area.get(r["index"])
            m = cyc == r["index"]
            r["area_m2"] = a_c
            r["ra_hrs_ohm_m2"] = r["r_hrs_ohm"] * a_c if r["r_hrs_ohm"] else None
            r["ra_lrs_ohm_m2"] = r["r_lrs_ohm"] * a_c if r["r_lrs_ohm"] else None
            r["j_max_a_per_m2"] = float(np.abs(i[m]).max()) / a_c if m.any() else None
    an = Analysis(rows, t, v, i, cyc, cc_a, cc_mask, floor, abs(read_voltage_v), pol,
                  criterion, gen, meta)
    an.polarity_evidence = evidence
    an.warnings = warnings
    an.offset_a = offset_a
    an.compliance_by_sign = by_sign
    an.set_criterion = set_criterion or criterion
    an.reset_criterion = reset_criterion or criterion
    an.area = area is not None
    return an


def _decisive(ev):
    hn = ev["negative"]["hysteresis_decades"]
    hp = ev["positive"]["hysteresis_decades"]
    return hn is not None and hp is not None and abs(hp - hn) > 1.0


def _areas(area_m2, rows, cyc, file_of, meta):
    """Cycle index -> area, m^2 (one area, or one per input file in order)."""
    if area_m2 is None:
        return None
    areas = [float(a) for a in (area_m2 if isinstance(area_m2, (list, tuple)) else [area_m2])]
    for a in areas:
        if not (math.isfinite(a) and 0 < a < 1.0):
            raise DataError(f"--area {a:g}: expected a device area in m^2, 0 < A < 1 "
                            "(e.g. 1e-12 for 1 um x 1 um)")
    files = [f["path"] for f in meta.get("files", [])]
    if len(areas) not in (1, max(len(files), 1)):
        raise DataError(f"--area: {len(areas)} areas for {len(files)} input files; give one "
                        "area, or one per file in the order of the files")
    out = {}
    for r in rows:
        if len(areas) == 1 or file_of is None:
            out[r["index"]] = areas[0]
            continue
        k = int(np.flatnonzero(cyc == r["index"])[0])
        f = str(file_of[k])
        j = next((n for n, p in enumerate(files) if p == f or Path(p) == Path(f)), 0)
        out[r["index"]] = areas[j]
    return out


def cycles_csv(an: Analysis) -> str:
    """The per-cycle table as CSV text (units in the column names)."""
    buf = io.StringIO()
    if an.generated:
        buf.write("# per-cycle metrics of GENERATED data (not a measurement)\n")
    w = csv.writer(buf, lineterminator="\n")
    extra = AREA_KEYS if an.area else ()
    w.writerow(["cycle", "v_set_v", "v_reset_v", "r_hrs_ohm", "r_lrs_ohm", "on_off", *extra])
    for c in an.cycles:
        w.writerow([c["index"]] + ["" if c.get(k) is None else f"{c[k]:.6g}"
                                   for k in KEYS[1:] + extra])
    return buf.getvalue()


def write_outputs(an: Analysis, out_dir, force: bool = False, plots: bool = True) -> dict:
    """Write ``cycles.csv``, ``summary.json`` and plots into ``out_dir``; return paths."""
    from ..cards import write_text_atomic
    out = Path(out_dir)
    paths = {"cycles_csv": out / "cycles.csv", "summary_json": out / "summary.json"}
    if plots:
        paths.update({"iv_png": out / "iv.png", "endurance_png": out / "endurance.png",
                      "cdf_png": out / "cdf.png"})
    from ..outputs import OutputSet
    inputs = [f["path"] for f in an.meta.get("files", [])]
    outs = OutputSet(out, [p.name for p in paths.values()], force, inputs=inputs)
    with outs as st:
        write_text_atomic(st.path("cycles.csv"), cycles_csv(an))
        summ = an.summary()
        summ["inputs"] = an.meta.get("files", [])
        summ["notes"] = an.meta.get("notes", [])
        write_text_atomic(st.path("summary.json"), json.dumps(_clean(summ), indent=2) + "\n")
        if plots:
            from . import plots as P
            P.plot_iv(an, st.path("iv.png"))
            P.plot_endurance(an, st.path("endurance.png"))
            P.plot_cdf(an, st.path("cdf.png"))
    return {k: str(p) for k, p in paths.items()}


_clean = json_clean