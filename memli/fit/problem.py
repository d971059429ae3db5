"""The fitting problem: the data a fit needs and the residuals of a card against them.

:class:`FitData` holds a record in SI units (times, source voltage, current, cycle
index) with what was detected in it: noise floor, the polarity that SETs the device
and the current compliance *per polarity* (instruments usually limit the SET side
only).  :func:`simulate_record` runs a card over the record's own voltage waveform
with that compliance, and :class:`Problem` turns parameter vectors into residuals
(one per sample, in decades)::

    r_k = log10 sqrt(I_sim^2 + f^2) - log10 sqrt(I_meas^2 + f^2)

with ``f`` the detected noise floor.  Parameters are scaled: ``u = log10(p)`` for
parameters declared ``log``, ``u = p / |p0|`` otherwise; bounds come from the card (or
the model).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..cards import Card
from ..errors import ConvergenceError, MemliError

LN10 = math.log(10.0)
POLARITIES = ("negative_set", "positive_set")


def set_sign(polarity: str) -> int:
    """-1 for ``negative_set``, +1 for ``positive_set``."""
    return -1 if polarity == "negative_set" else 1


# ---------------------------------------------------------------------------------------
@dataclass
class FitData:
    """What a fit needs from a dataset (SI): times, source voltage, current, cycles.

    ``compliance_by_sign`` maps the sign of the voltage (+1, -1) to the compliance
    current detected on that side, A (absent: no compliance there); ``compliance_a``
    is the largest of them (None without compliance).  ``polarity`` is the side that
    SETs the device (``negative_set`` or ``positive_set``) and ``polarity_source``
    says where it came from (``given``, ``detected``, ``default``).
    """

    t_s: np.ndarray
    v_v: np.ndarray
    i_a: np.ndarray
    cycle: np.ndarray
    floor_a: float
    compliance_a: float | None
    generated: bool = False
    files: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    polarity: str = "negative_set"
    polarity_source: str = "default"
    compliance_by_sign: dict = field(default_factory=dict)
    area_m2: float | None = None
    #: switching-voltage criteria of the extraction (``criterion``, ``set_criterion``,
    #: ``reset_criterion``), used for the fit's metrics too
    criteria: dict = field(default_factory=dict)
    #: width of the verdict's smoothing window, samples (memli.fit.verdict; None: not
    #: yet computed from the data)
    metric_window: int | None = None

    def __post_init__(self):
        if self.compliance_a and not self.compliance_by_sign:
            self.compliance_by_sign = {1: float(self.compliance_a), -1: float(self.compliance_a)}
        if self.compliance_by_sign and not self.compliance_a:
            self.compliance_a = max(self.compliance_by_sign.values())

    @classmethod
    def from_ivdata(cls, data, polarity="auto", sweep_rate_v_per_s=1.0):
        """Segment and characterise a :class:`memli.data.loaders.IVData`."""
        t, v, i, sw = data.arrays(sweep_rate_v_per_s)
        notes = list(data.meta.get("notes", []))
        if not data.has_time:
            notes.append(f"no time column: times rebuilt from a sweep rate of "
                         f"{sweep_rate_v_per_s:g} V/s")
        fd = cls.from_arrays(t, v, i, polarity=polarity, sweep=sw)
        fd.generated = bool(data.generated)
        fd.files = list(data.meta.get("files", []))
        fd.notes = notes + fd.notes
        if data.meta.get("polarity") in POLARITIES and polarity == "auto":
            fd = fd.with_polarity(data.meta["polarity"], "detected", sw)
        return fd

    @classmethod
    def from_arrays(cls, t_s, v_v, i_a, cycle=None, floor_a=None, compliance_a="detect",
                    polarity="auto", sweep=None):
        """From arrays (SI).  ``polarity`` ``auto`` detects the SET side from the data
        (:func:`detect_polarity`); ``compliance_a`` ``detect`` finds it per polarity."""
        from ..data.segment import detect_noise_floor, segment_cycles
        t, v, i = (np.asarray(a, float) for a in (t_s, v_v, i_a))
        if compliance_a == "detect":
            by_sign = detect_compliance_by_sign(v, i)
        elif compliance_a:
            by_sign = {1: float(compliance_a), -1: float(compliance_a)}
        else:
            by_sign = {}
        fl = detect_noise_floor(v, i) if floor_a is None else float(floor_a)
        src = "given"
        notes = []
        if polarity == "auto":
            polarity, evidence = detect_polarity(v, i, by_sign, sweep)
            src = "detected" if evidence else "default"
            if evidence:
                notes.append(f"polarity {polarity} ({evidence})")
        cyc = segment_cycles(v, sweep, polarity) if cycle is None else np.asarray(cycle, int)
        if compliance_a == "detect":
            by_sign = set_side_compliance(by_sign, polarity)
        cc = max(by_sign.values()) if by_sign else None
        return cls(_strictly_increasing(t), v, i, cyc, fl, cc, notes=notes, polarity=polarity,
                   polarity_source=src, compliance_by_sign=by_sign)

    @classmethod
    def from_analysis(cls, an, data=None, polarity_given: bool = False) -> "FitData":
        """From :func:`memli.data.analysis.analyse` (the extraction's polarity, offset-
        corrected current, cycles, floor and per-polarity compliance), so that the fit
        and ``memli extract`` agree on the data."""
        by_sign = {int(k): float(a) for k, a in
                   (getattr(an, "compliance_by_sign", None) or {}).items() if a}
        if not by_sign and an.compliance_a:
            by_sign = {1: float(an.compliance_a), -1: float(an.compliance_a)}
        by_sign = set_side_compliance(by_sign, an.polarity)
        ev = getattr(an, "polarity_evidence", {}) or {}
        src = "given" if polarity_given else (
            "detected" if ev.get("decided_by") not in (None, "default") else "default")
        notes = list((data.meta.get("notes", []) if data is not None else []))
        notes += [f"warning: {w}" for w in getattr(an, "warnings", [])]
        if getattr(an, "offset_a", 0.0):
            notes.append(f"current offset {an.offset_a:.3g} A subtracted (0 V crossings)")
        fd = cls(_strictly_increasing(an.t_s), np.asarray(an.v_v, float),
                 np.asarray(an.i_a, float), np.asarray(an.cycle, int),
                 float(an.noise_floor_a), max(by_sign.values()) if by_sign else None,
                 bool(an.generated), list(an.meta.get("files", [])), notes,
                 an.polarity, src, by_sign)
        fd.criteria = {"set_criterion": getattr(an, "set_criterion", None),
                       "reset_criterion": getattr(an, "reset_criterion", None),
                       "criterion": getattr(an, "criterion", "slope")}
        return fd

    def with_polarity(self, polarity: str, source: str = "given", sweep=None) -> "FitData":
        from ..data.segment import segment_cycles
        return dataclasses.replace(self, polarity=polarity, polarity_source=source,
                                   cycle=segment_cycles(self.v_v, sweep, polarity))

    @property
    def n_cycles(self) -> int:
        return int(self.cycle.max()) + 1 if self.cycle.size and self.cycle.max() >= 0 else 0

    def select_cycles(self, cycles) -> "FitData":
        """A contiguous sub-range of cycles (states are carried from sample 0)."""
        m = np.isin(self.cycle, list(cycles))
        idx = np.flatnonzero(m)
        sl = slice(idx[0], idx[-1] + 1)
        return self.slice(sl)

    def slice(self, sl) -> "FitData":
        return dataclasses.replace(self, t_s=self.t_s[sl], v_v=self.v_v[sl], i_a=self.i_a[sl],
                                   cycle=self.cycle[sl])

    def compliance_mask(self) -> np.ndarray:
        """Samples at the compliance of their polarity."""
        m = np.zeros(self.v_v.size, bool)
        for s, a in self.compliance_by_sign.items():
            m |= (np.sign(self.v_v) == s) & (np.abs(self.i_a) >= 0.98 * a)
        return m


def set_side_compliance(by_sign: dict, polarity: str) -> dict:
    """Compliance per side, keeping a RESET-side level only when it equals the SET-side
    one within 5 % (one instrument setting for both sides) or the SET side has none: a
    lower flat top on the RESET side is the RESET current peak, not a limit."""
    s = set_sign(polarity)
    out = dict(by_sign)
    if s in out and -s in out and abs(out[-s] / out[s] - 1) > 0.05:
        del out[-s]
    return out


def detect_compliance_by_sign(v, i) -> dict:
    """Compliance current per voltage polarity, A: ``{+1: a, -1: a}`` (sides without a
    compliance plateau are absent)."""
    from ..data import segment
    if hasattr(segment, "detect_compliance_by_sign"):
        return {int(k): float(a) for k, a in segment.detect_compliance_by_sign(v, i).items()}
    from ..data.segment import detect_compliance
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    out = {}
    for s in (1, -1):
        side = np.sign(v) == s
        if side.sum() < 5:
            continue
        try:
            cc, mask = detect_compliance(v[side], i[side])
        except Exception:       # noqa: BLE001 - a detector failure means: no compliance
            cc = None
        if cc:
            out[s] = float(cc)
    return out


def detect_polarity(v, i, compliance_by_sign=None, sweep=None):
    """(polarity, evidence): the side where the current rises and stays up.

    On each polarity, the return branch of a lobe is compared with its forward branch at
    the same |V| (mean log ratio over 5-95 % of the lobe's amplitude): a SET lobe comes
    back conducting more, a RESET lobe less.  Compliance on one side only counts as evidence for that side.  Without
    clear evidence the paper's convention (negative_set) is returned with evidence ''.
    """
    from ..data.segment import lobes
    v = np.asarray(v, float)
    i = np.abs(np.asarray(i, float))
    score = {1: [], -1: []}
    for lo in lobes(v, sweep):
        f = slice(lo.start, lo.turn + 1)
        r = slice(lo.turn, lo.stop)
        av_f, av_r = np.abs(v[f]), np.abs(v[r])
        if av_f.size < 3 or av_r.size < 3:
            continue
        vmax = av_f.max()
        grid = np.linspace(0.05 * vmax, 0.95 * vmax, 19)
        of, orr = np.argsort(av_f), np.argsort(av_r)
        lf = np.interp(grid, av_f[of], np.log10(np.maximum(i[f][of], 1e-18)))
        lr = np.interp(grid, av_r[orr], np.log10(np.maximum(i[r][orr], 1e-18)))
        score[lo.sign].append(float(np.mean(lr - lf)))
    med = {s: (float(np.median(x)) if x else 0.0) for s, x in score.items()}
    diff = med[1] - med[-1]
    cc = compliance_by_sign or {}
    if abs(diff) > 0.1:
        pol = "positive_set" if diff > 0 else "negative_set"
        return pol, (f"return-branch current above forward by {med[1]:+.2f} decades at "
                     f"V > 0, {med[-1]:+.2f} at V < 0")
    if len(cc) == 1:
        s = next(iter(cc))
        return ("positive_set" if s > 0 else "negative_set"), "compliance on that side only"
    return "negative_set", ""


def _strictly_increasing(t):
    t = np.asarray(t, float).copy()
    d = np.diff(t)
    if np.all(d > 0):
        return t
    eps = max(float(np.median(np.abs(d[d > 0]))) * 1e-6 if np.any(d > 0) else 1e-9, 1e-15)
    for k in range(1, t.size):
        if t[k] <= t[k - 1]:
            t[k] = t[k - 1] + eps
    return t


# ---------------------------------------------------------------------------------------
@dataclass
class RecordSim:
    """Simulated current (A) and states (n_states, n) at every sample of a record."""

    i: np.ndarray
    x: np.ndarray


def simulate_record(card: Card, t_s, v_v, x0=None, r_series_ohm: float = 0.0,
                    compliance_by_sign: dict | None = None, rtol: float = 1e-6) -> RecordSim:
    """Simulate ``card`` over a PWL source, compliance applied per polarity.

    With the same compliance on both sides (or none) this is one call of
    :func:`memli.sim.simulate`; otherwise the record is cut where the source voltage
    enters or leaves a side with compliance and the pieces are simulated in turn, each
    starting from the previous one's final state.
    """
    from ..sim import Waveform, simulate
    t = np.asarray(t_s, float)
    v = np.asarray(v_v, float)
    cc = {int(k): float(a) for k, a in (compliance_by_sign or {}).items() if a}
    vals = set(cc.values())
    if not cc or (len(cc) == 2 and len(vals) == 1):
        res = simulate(card, Waveform.pwl(t, v), x0=x0, r_series_ohm=r_series_ohm,
                       compliance_a=next(iter(vals)) if cc else None, rtol=rtol)
        return RecordSim(res.i, res.x)
    # side of each sample (zeros join the previous side)
    s = np.sign(v).astype(int)
    for k in range(1, s.size):
        if s[k] == 0:
            s[k] = s[k - 1]
    lim = np.array([cc.get(int(x), 0.0) for x in s])
    cuts = np.flatnonzero(np.diff(lim) != 0) + 1
    edges = [0, *cuts.tolist(), t.size - 1]
    i_out = np.empty(t.size)
    x_out = None
    state = x0
    for a, b in zip(edges[:-1], edges[1:]):
        if b <= a:
            continue
        sl = slice(a, b + 1)
        c = lim[a] if lim[a] > 0 else None
        res = simulate(card, Waveform.pwl(t[sl], v[sl]), x0=state, r_series_ohm=r_series_ohm,
                       compliance_a=c, rtol=rtol)
        if x_out is None:
            x_out = np.empty((res.x.shape[0], t.size))
        i_out[sl] = res.i
        x_out[:, sl] = res.x
        state = res.final_state()
    return RecordSim(i_out, x_out)


def thin_samples(v, max_points=None) -> np.ndarray:
    """Indices of at most ~``max_points`` samples: every turning point of ``v`` (so the
    piecewise-linear source is unchanged for sweeps) plus evenly spaced others."""
    n = len(v)
    if not max_points or n <= max_points:
        return np.arange(n)
    d = np.sign(np.diff(v))
    turns = np.flatnonzero(d[1:] != d[:-1]) + 1
    step = max(1, int(math.ceil(n / max_points)))
    idx = np.union1d(np.union1d(np.arange(0, n, step), turns), [0, n - 1])
    return idx.astype(int)


def param_bounds(card: Card, name: str) -> tuple:
    """(lo, hi) of a parameter: the model's bounds narrowed by the card's."""
    p = card.model.params[name]
    lo, hi = p.bounds
    b = card.meta.get(name, {}).get("bounds")
    if b:
        lo, hi = max(lo, float(b[0])), min(hi, float(b[1]))
    return lo, hi


def param_scaling(card: Card, name: str) -> tuple:
    """(lo, hi, scale, islog) of a fitted parameter: bounds (:func:`param_bounds`),
    log-scaled when the model says so and the range is positive, else scaled by its
    start value (or its range when that is 0)."""
    lo, hi = param_bounds(card, name)
    v0 = card.values[name]
    islog = bool(card.model.params[name].log) and lo > 0
    return lo, hi, (1.0 if islog else (abs(v0) if v0 != 0 else (hi - lo))), islog


#: prefix of a fitted initial state among the fitted names (``init:x``: the value of
#: state ``x`` when the record starts)
INIT = "init:"


def is_init(name: str) -> bool:
    return name.startswith(INIT)


def x0_dict(model, x0) -> dict:
    """Initial states as ``{state: value}`` (None: the model's)."""
    names = [st.name for st in model.states]
    if x0 is None:
        return {st.name: float(st.init) for st in model.states}
    if isinstance(x0, dict):
        out = {st.name: float(st.init) for st in model.states}
        out.update({k: float(v) for k, v in x0.items()})
        return out
    return dict(zip(names, map(float, np.asarray(x0, float).ravel())))


class Problem:
    """Residuals (decades) of a card's simulation against :class:`FitData`, as a function
    of scaled parameters ``u`` (see the module docstring).  A name ``init:<state>`` is
    the state's value when the record starts (linear, within the state's bounds)."""

    def __init__(self, card: Card, data: FitData, names, r_series_ohm, rtol, workers,
                 x0=None, progress=None, max_points=None):
        self.card = card
        self.model = card.model
        self.data = data
        self.names = list(names)
        self.r_series_ohm = r_series_ohm
        self.rtol = rtol
        self.workers = workers
        self.x0 = x0
        self.x0_map = x0_dict(card.model, x0)
        states = {st.name: st for st in card.model.states}
        self.progress = progress
        self.keep = thin_samples(data.v_v, max_points)
        self.t = data.t_s[self.keep]
        self.v = data.v_v[self.keep]
        f = max(data.floor_a, 1e-18)
        self.f2 = f * f
        self.y = 0.5 * np.log10(data.i_a[self.keep] ** 2 + self.f2)
        self.lo, self.hi, self.scale, self.islog = [], [], [], []
        for k in self.names:
            if is_init(k):
                st = states[k[len(INIT):]]
                lo, hi = st.bounds
                self.islog.append(False)
                self.scale.append(hi - lo if hi > lo else 1.0)
                self.lo.append(lo)
                self.hi.append(hi)
                continue
            lo, hi, scale, islog = param_scaling(card, k)
            self.islog.append(islog)
            self.scale.append(scale)
            self.lo.append(lo)
            self.hi.append(hi)
        self.nfev = 0
        self._rmemo, self._jmemo = {}, {}     # simulations already run, by parameters
        self._lock = threading.Lock()

    # parameter transforms --------------------------------------------------------
    def to_u(self, vals):
        return np.array([math.log10(v) if lg else v / s
                         for v, lg, s in zip(vals, self.islog, self.scale)])

    def to_p(self, u):
        return np.array([10 ** x if lg else x * s for x, lg, s in zip(u, self.islog, self.scale)])

    def u_bounds(self):
        return self.to_u(self.lo), self.to_u(self.hi)

    def inside(self, u):
        """``u`` moved strictly inside the bounds (the trust-region solver needs it)."""
        lo, hi = self.u_bounds()
        span = hi - lo
        return np.clip(u, lo + 1e-9 * span, hi - 1e-9 * span)

    def dp_du(self, u):
        p = self.to_p(u)
        return np.array([pp * LN10 if lg else s for pp, lg, s in zip(p, self.islog, self.scale)])

    def start_u(self, card: Card | None = None, x0=None):
        """Scaled start vector: ``card``'s values (default the problem's card) and the
        initial states ``x0`` (default the problem's)."""
        card = card or self.card
        xm = self.x0_map if x0 is None else x0_dict(self.model, x0)
        return self.to_u([xm[k[len(INIT):]] if is_init(k) else card.values[k]
                          for k in self.names])

    def card_at(self, u) -> Card:
        p = self.to_p(u)
        vals = {k: float(np.clip(x, lo, hi)) for k, x, lo, hi in
                zip(self.names, p, self.lo, self.hi) if not is_init(k)}
        # values are clipped to the bounds above, so a shallow copy of the card will do
        return dataclasses.replace(self.card, values={**self.card.values, **vals})

    def x0_at(self, u):
        """Initial states at ``u`` (the problem's ``x0`` when none is fitted)."""
        if not any(is_init(k) for k in self.names):
            return self.x0
        p = self.to_p(u)
        xm = dict(self.x0_map)
        for k, x, lo, hi in zip(self.names, p, self.lo, self.hi):
            if is_init(k):
                xm[k[len(INIT):]] = float(np.clip(x, lo, hi))
        return xm

    # model ---------------------------------------------------------------------
    def current(self, u, every_sample: bool = False):
        """Simulated current (A) at the fitted samples (or every sample) and the run."""
        d = self.data
        t, v = (d.t_s, d.v_v) if every_sample else (self.t, self.v)
        res = simulate_record(self.card_at(u), t, v, self.x0_at(u), self.r_series_ohm,
                              d.compliance_by_sign, self.rtol)
        self.nfev += 1
        return res.i, res

    def resid(self, u):
        key = np.asarray(u, float).tobytes()
        with self._lock:            # Jacobian columns call this from several threads
            hit = self._rmemo.get(key)
        if hit is not None:
            return hit.copy()
        try:
            i, _ = self.current(u)
            r = 0.5 * np.log10(i ** 2 + self.f2) - self.y
            if not np.all(np.isfinite(r)):
                r = np.full(self.y.size, 10.0)
        except ConvergenceError:
            r = np.full(self.y.size, 10.0)
        with self._lock:
            while len(self._rmemo) > 8:
                self._rmemo.pop(next(iter(self._rmemo)))
            self._rmemo[key] = r
        return r.copy()

    def cost(self, u) -> float:
        r = self.resid(u)
        return float(r @ r)

    def jac(self, u, r0=None, h=2e-3):
        key = np.asarray(u, float).tobytes()
        if key in self._jmemo:
            return self._jmemo[key].copy()
        J = self._jac(u, r0, h)
        self._jmemo.clear()
        self._jmemo[key] = J
        return J.copy()

    def _jac(self, u, r0=None, h=2e-3):
        if r0 is None:
            r0 = self.resid(u)
        lo, hi = self.u_bounds()

        def col(j):
            du = h * max(1.0, abs(u[j])) if not self.islog[j] else h
            up = u.copy()
            if up[j] + du > hi[j]:
                du = -du
            up[j] += du
            return (self.resid(up) - r0) / du

        if self.workers > 1:
            with ThreadPoolExecutor(self.workers) as ex:
                cols = list(ex.map(col, range(len(u))))
        else:
            cols = [col(j) for j in range(len(u))]
        return np.column_stack(cols)


#: the name the benches and older code use
_Problem = Problem


def one_blas_thread():
    """Limit BLAS to one thread: the small SVDs of the optimiser are ~40x slower when
    BLAS threads compete with the simulation threads on a few cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def fit_parameters(card: Card, explicit=None, roles: bool = True) -> list:
    """Default parameters to fit: the card's ``vary`` ones (not instance parameters),
    plus, with ``roles``, the parameters the model declares for switching voltages and
    resistances (free by default: the data constrain them)."""
    if explicit:
        states = {st.name for st in card.model.states}
        bad = [k for k in explicit if k not in card.model.params
               and not (is_init(k) and k[len(INIT):] in states)]
        if bad:
            raise MemliError(f"--param: {bad} not parameters of {card.model.name} (an "
                             f"initial state is init:<state>, states {sorted(states)})."
                             + card.model.suggest(bad[0]))
        return list(explicit)
    out = []
    for k, p in card.model.params.items():
        vary = card.meta.get(k, {}).get("vary", not p.instance)
        if vary and not p.instance:
            out.append(k)
    if roles:
        for names in card.model.roles.values():
            for k in names:
                if k not in out and not card.model.params[k].instance:
                    out.append(k)
        out += [INIT + k for k in getattr(card.model, "initial_states", ())]
    return out
