"""Fitting memli models to I-V data by simulating the measured voltage waveform.

The same code fits every model in the registry: the device simulator
(:func:`memli.sim.simulate`, generated from the model's sympy equations and their
Jacobians) runs the measured source voltage, and
:func:`scipy.optimize.least_squares` adjusts the chosen parameters.

Residuals (one per sample), in decades::

    r_k = w_k * (log10 sqrt(I_sim^2 + f^2) - log10 sqrt(I_meas^2 + f^2))

with ``f`` the detected noise floor: currents below it carry no information and
contribute nothing unless the model predicts them above it.  When the data show a
compliance plateau the simulation uses the same compliance (the simulator's
limiter, with a series resistance ``r_series_ohm``), so the plateau is fitted, not
ignored.

Parameters are scaled: ``u = log10(p)`` for parameters declared ``log`` (wide
ranges), ``u = p / |p0|`` otherwise; bounds come from the card (or the model).
Uncertainties follow from the Jacobian at the solution as in lmfit / Levenberg-
Marquardt practice: ``cov = s^2 (J^T J)^-1`` with ``s^2`` the reduced chi-square,
mapped back through the scaling.  A parameter whose error cannot be estimated says
why: ``at boundary`` or ``singular`` (the data do not constrain it).

References
----------
M. Newville et al., LMFIT: Non-Linear Least-Squares Minimization, doi:10.5281/zenodo.11813.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ..cards import Card, load_card
from ..errors import ConvergenceError, DataError, MemliError

LN10 = math.log(10.0)


# ---------------------------------------------------------------------------------------
@dataclass
class FitData:
    """What a fit needs from a dataset (SI): times, source voltage, current, cycles."""

    t_s: np.ndarray
    v_v: np.ndarray
    i_a: np.ndarray
    cycle: np.ndarray
    floor_a: float
    compliance_a: float | None
    generated: bool = False
    files: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @classmethod
    def from_ivdata(cls, data, polarity="negative_set", sweep_rate_v_per_s=1.0):
        """Segment and characterise a :class:`memli.data.loaders.IVData`."""
        from ..data.segment import detect_compliance, detect_noise_floor, segment_cycles
        t, v, i, sw = data.arrays(sweep_rate_v_per_s)
        notes = list(data.meta.get("notes", []))
        if not data.has_time:
            notes.append(f"no time column: times rebuilt from a sweep rate of "
                         f"{sweep_rate_v_per_s:g} V/s")
        t = _strictly_increasing(t)
        cyc = segment_cycles(v, sw, polarity)
        cc, _ = detect_compliance(v, i)
        floor = detect_noise_floor(v, i)
        return cls(t, v, i, cyc, floor, cc, data.generated, data.meta.get("files", []), notes)

    @classmethod
    def from_arrays(cls, t_s, v_v, i_a, cycle=None, floor_a=None, compliance_a="detect",
                    polarity="negative_set"):
        from ..data.segment import detect_compliance, detect_noise_floor, segment_cycles
        t, v, i = (np.asarray(a, float) for a in (t_s, v_v, i_a))
        cyc = segment_cycles(v, None, polarity) if cycle is None else np.asarray(cycle, int)
        cc = detect_compliance(v, i)[0] if compliance_a == "detect" else compliance_a
        fl = detect_noise_floor(v, i) if floor_a is None else float(floor_a)
        return cls(_strictly_increasing(t), v, i, cyc, fl, cc)

    def select_cycles(self, cycles) -> "FitData":
        """A contiguous sub-range of cycles (states are carried from sample 0)."""
        m = np.isin(self.cycle, list(cycles))
        idx = np.flatnonzero(m)
        sl = slice(idx[0], idx[-1] + 1)
        return FitData(self.t_s[sl], self.v_v[sl], self.i_a[sl], self.cycle[sl],
                       self.floor_a, self.compliance_a, self.generated, self.files,
                       self.notes)


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
class ParamResult:
    """One parameter after a fit (lmfit-like)."""

    name: str
    value: float
    init: float
    unit: str
    vary: bool
    stderr: float | None = None
    why_no_stderr: str | None = None
    bounds: tuple = (None, None)
    correl: dict = field(default_factory=dict)
    stderr_bootstrap: float | None = None

    def line(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        if not self.vary:
            return f"    {self.name}: {self.value:.6g}{u} (fixed)"
        if self.stderr is not None and math.isfinite(self.stderr):
            rel = abs(self.stderr / self.value) * 100 if self.value else float("inf")
            bs = "" if self.stderr_bootstrap is None else \
                f" [bootstrap +/- {self.stderr_bootstrap:.3g}]"
            return (f"    {self.name}: {self.value:.6g} +/- {self.stderr:.3g} ({rel:.2f}%)"
                    f"{u} (init = {self.init:.6g}){bs}")
        return (f"    {self.name}: {self.value:.6g}{u} +/- ? (init = {self.init:.6g}; "
                f"error not estimated: {self.why_no_stderr})")


@dataclass
class FitResult:
    """Outcome of :func:`fit`: parameters, statistics, fitted current and the new card."""

    card: Card
    start_card: Card
    params: dict
    names: list
    corr: np.ndarray | None
    i_fit_a: np.ndarray
    data: FitData
    n_points: int
    chisqr: float
    redchi: float
    nfev: int
    success: bool
    message: str
    elapsed_s: float
    metrics: dict = field(default_factory=dict)
    per_cycle: dict | None = None
    settings: dict = field(default_factory=dict)

    def report(self, min_correl: float = 0.1) -> str:
        """lmfit-style text report."""
        d = self.data
        lines = ["[[Model]]", f"    {self.card.model.name} (start card {self.start_card.name})",
                 "[[Data]]"]
        for f in d.files:
            lines.append(f"    {f['path']} (sha256 {f['sha256'][:12]})")
        if d.generated:
            lines.append("    GENERATED data (not a measurement)")
        lines.append(f"    noise floor {d.floor_a:.3g} A; compliance "
                     f"{'none' if not d.compliance_a else f'{d.compliance_a:.3g} A'}; "
                     f"{int(d.cycle.max()) + 1 if d.cycle.size else 0} cycles")
        lines += ["[[Fit Statistics]]",
                  f"    # fitting method   = least_squares (trf), {self.settings.get('loss')}"
                  " loss",
                  f"    # function evals   = {self.nfev}",
                  f"    # data points      = {self.n_points}",
                  f"    # variables        = {len(self.names)}",
                  f"    chi-square         = {self.chisqr:.6g} (decades^2)",
                  f"    reduced chi-square = {self.redchi:.6g}",
                  f"    success            = {self.success} ({self.message})",
                  f"    time               = {self.elapsed_s:.2f} s"]
        for k, val in self.metrics.items():
            lines.append(f"    {k:<18} = {val if val is None else f'{val:.4g}'}")
        lines.append("[[Variables]]")
        for p in self.params.values():
            lines.append(p.line())
        pairs = []
        for a in range(len(self.names)):
            for b in range(a + 1, len(self.names)):
                c = self.corr[a, b] if self.corr is not None else float("nan")
                if math.isfinite(c) and abs(c) >= min_correl:
                    pairs.append((abs(c), f"    C({self.names[a]}, {self.names[b]}) = {c:+.4f}"))
        lines.append(f"[[Correlations]] (unreported correlations are < {min_correl:.3f})")
        lines += [p for _, p in sorted(pairs, reverse=True)] or ["    (none)"]
        if self.per_cycle:
            pc = self.per_cycle
            lines.append(f"[[Per-cycle fits]] ({pc['n_ok']} of {pc['n_cycles']} cycles; "
                         f"{pc.get('n_outliers', 0)} outlying cycles left out)")
            for k, spec in pc["variability"].items():
                if k == "corr":
                    continue
                lines.append(f"    {k}: {spec['dist']}, sd = {spec['sd']:.4g}"
                             f"{' (of ln)' if spec['dist'] == 'lognormal' else ''}")
        for n in d.notes:
            lines.append(f"    note: {n}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
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


class _Problem:
    def __init__(self, card: Card, data: FitData, names, r_series_ohm, rtol, workers,
                 x0=None, progress=None, max_points=None):
        from ..sim import Waveform
        self.card = card
        self.model = card.model
        self.data = data
        self.names = list(names)
        self.r_series_ohm = r_series_ohm
        self.rtol = rtol
        self.workers = workers
        self.x0 = x0
        self.progress = progress
        self.keep = thin_samples(data.v_v, max_points)
        self.wave = Waveform.pwl(data.t_s[self.keep], data.v_v[self.keep])
        f = max(data.floor_a, 1e-18)
        self.f2 = f * f
        self.y = 0.5 * np.log10(data.i_a[self.keep] ** 2 + self.f2)
        self.lo, self.hi, self.scale, self.islog = [], [], [], []
        for k in self.names:
            p = self.model.params[k]
            lo, hi = p.bounds
            b = card.meta.get(k, {}).get("bounds")
            if b:
                lo, hi = max(lo, float(b[0])), min(hi, float(b[1]))
            v0 = card.values[k]
            islog = bool(p.log) and lo > 0
            self.islog.append(islog)
            self.scale.append(1.0 if islog else (abs(v0) if v0 != 0 else (hi - lo)))
            self.lo.append(lo)
            self.hi.append(hi)
        self.nfev = 0
        self._rmemo, self._jmemo = {}, {}     # simulations already run, by parameters

    # parameter transforms --------------------------------------------------------
    def to_u(self, vals):
        return np.array([math.log10(v) if lg else v / s
                         for v, lg, s in zip(vals, self.islog, self.scale)])

    def to_p(self, u):
        return np.array([10 ** x if lg else x * s for x, lg, s in zip(u, self.islog, self.scale)])

    def u_bounds(self):
        return self.to_u(self.lo), self.to_u(self.hi)

    def dp_du(self, u):
        p = self.to_p(u)
        return np.array([pp * LN10 if lg else s for pp, lg, s in zip(p, self.islog, self.scale)])

    # model ---------------------------------------------------------------------
    def current(self, u):
        from ..sim import simulate
        p = self.to_p(u)
        vals = {k: float(np.clip(x, lo, hi)) for k, x, lo, hi in
                zip(self.names, p, self.lo, self.hi)}
        # values are clipped to the bounds above, so a shallow copy of the card will do
        # (Card.with_values deep-copies the model's sympy expressions on every call)
        card = dataclasses.replace(self.card, values={**self.card.values, **vals})
        res = simulate(card, self.wave, x0=self.x0, r_series_ohm=self.r_series_ohm,
                       compliance_a=self.data.compliance_a, rtol=self.rtol)
        self.nfev += 1
        return res.i, res

    def resid(self, u):
        key = np.asarray(u, float).tobytes()
        if key in self._rmemo:
            return self._rmemo[key].copy()
        try:
            i, _ = self.current(u)
            r = 0.5 * np.log10(i ** 2 + self.f2) - self.y
        except ConvergenceError:
            r = np.full(self.y.size, 10.0)
        if len(self._rmemo) > 8:
            self._rmemo.pop(next(iter(self._rmemo)))
        self._rmemo[key] = r
        return r.copy()

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


def _one_blas_thread():
    """Limit BLAS to one thread: the small SVDs of the optimiser are ~40x slower when
    BLAS threads compete with the simulation threads on a few cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def fit_parameters(card: Card, explicit=None) -> list:
    """Default parameters to fit: the card's ``vary`` ones (not instance parameters)."""
    if explicit:
        bad = [k for k in explicit if k not in card.model.params]
        if bad:
            raise MemliError(f"--params: {bad} not parameters of {card.model.name}."
                             + card.model.suggest(bad[0]))
        return list(explicit)
    out = []
    for k, p in card.model.params.items():
        vary = card.meta.get(k, {}).get("vary", not p.instance)
        if vary and not p.instance:
            out.append(k)
    return out


def _covariance(J, r, n_free, active, names):
    """(cov_u or None, reasons per parameter) from the Jacobian at the solution."""
    m, n = J.shape
    why = [None] * n
    for j in range(n):
        if active[j] != 0:
            why[j] = "at boundary"
    dof = max(m - n_free, 1)
    s2 = float(r @ r) / dof
    free = [j for j in range(n) if why[j] is None]
    cov = np.full((n, n), np.nan)
    if not free:
        return cov, why, s2
    Jf = J[:, free]
    U, S, Vt = np.linalg.svd(Jf, full_matrices=False)
    tol = S.max() * max(m, n) * 1e-10 if S.size else 0
    if S.size and S.min() <= tol:
        # the null-space direction names the unconstrained parameters
        for k in np.flatnonzero(S <= tol):
            for jj in np.flatnonzero(np.abs(Vt[k]) > 0.3):
                why[free[jj]] = "singular (the data do not constrain it)"
        keep = [free[jj] for jj in range(len(free)) if why[free[jj]] is None]
        if not keep:
            return cov, why, s2
        return _sub_cov(J, r, keep, n, why, s2)
    Sinv2 = 1.0 / S ** 2
    c = (Vt.T * Sinv2) @ Vt * s2
    for a, ja in enumerate(free):
        for b, jb in enumerate(free):
            cov[ja, jb] = c[a, b]
    return cov, why, s2


def _sub_cov(J, r, keep, n, why, s2):
    cov = np.full((n, n), np.nan)
    Jk = J[:, keep]
    try:
        c = np.linalg.inv(Jk.T @ Jk) * s2
    except np.linalg.LinAlgError:
        for j in keep:
            why[j] = "singular (the data do not constrain it)"
        return cov, why, s2
    for a, ja in enumerate(keep):
        for b, jb in enumerate(keep):
            cov[ja, jb] = c[a, b]
    return cov, why, s2


def fit(data, *args, **kwargs) -> "FitResult":
    with _one_blas_thread():
        return _fit(data, *args, **kwargs)


def _fit(data, model=None, card=None, params=None, r_series_ohm: float | None = None,
        loss: str = "linear", rtol: float = 1e-6, max_nfev: int = 60, workers: int = 2,
        per_cycle: bool | list = False, max_cycles_per_cycle_fit: int | None = None,
        progress=None, screen: float = 1e-4, polarity="negative_set", ftol: float = 1e-6,
        xtol: float = 1e-6, max_points: int | None = 200000, bootstrap: int = 0,
        seed: int = 0, refresh_jac: int = 3,
        read_voltage_v: float = 0.1, sweep_rate_v_per_s: float = 1.0) -> FitResult:
    """Fit a memli model to I-V data (global fit over all cycles; optional per-cycle fits).

    Parameters
    ----------
    data : IVData or FitData
        Measured (or generated) data; see :mod:`memli.data.loaders`.
    model : str, optional
        Model id (``li_filament``, ``vteam``...); default the start card's.
    card : Card or str, optional
        Start card (default: the model's default card, else its defaults).
    params : list of str, optional
        Parameters to fit (default: the card's ``vary`` parameters).  Parameters with
        no effect on the data at the start (|dr/du| below ``screen`` times the largest)
        are held fixed and reported so.
    r_series_ohm : float, optional
        Series resistance of the setup, ohm (default 10 ohm when the data show
        compliance, else 0; the simulator's compliance limiter needs a finite value).
    loss : str
        ``least_squares`` loss (``linear`` gives the textbook covariance).
    rtol : float
        Simulator tolerance (tight: the finite-difference Jacobian must not see the
        adaptive step selection).
    max_nfev : int
        Iteration limit of the optimiser.
    workers : int
        Threads for the finite-difference Jacobian columns (the simulator releases the
        GIL).
    per_cycle : bool or list of str
        Also fit each cycle (list: which parameters; True: the card's ``variability``
        names, else the two most sensitive) and store the spread in ``variability``.
    progress : callable, optional
        ``progress(stage, done, total)``.
    ftol, xtol : float
        Relative tolerances on the cost and the scaled parameters (least_squares).
    max_points : int, optional
        Fit on at most about this many samples (all turning points kept, the others
        thinned evenly); the reported fit and metrics use every sample.
    bootstrap : int
        Number of block-bootstrap refits (0: none); see :func:`_bootstrap`.
    refresh_jac : int
        Recompute the finite-difference Jacobian every this many accepted steps and
        update it by Broyden's rank-one formula in between (1: always recompute).  The
        uncertainties always use a fresh Jacobian at the solution.
    seed : int
        Random seed of the bootstrap.

    Returns
    -------
    FitResult
    """
    from scipy.optimize import least_squares
    from ..data.loaders import IVData
    t_start = time.perf_counter()
    fd = FitData.from_ivdata(data, polarity, sweep_rate_v_per_s) if isinstance(data, IVData) \
        else data
    if fd.cycle.size < 3:
        raise DataError("fit: fewer than 3 samples")
    start = _start_card(model, card)
    names = fit_parameters(start, params)
    if not names:
        raise MemliError(f"fit: no parameter of {start.name} is marked vary; pass params=[...] "
                         "(CLI: --params a,b)")
    rs = (10.0 if fd.compliance_a else 0.0) if r_series_ohm is None else float(r_series_ohm)
    prob = _Problem(start, fd, names, rs, rtol, workers, progress=progress,
                    max_points=max_points)
    u0 = prob.to_u([start.values[k] for k in names])
    lo, hi = prob.u_bounds()
    # strictly inside the bounds (trf requires it), before any simulation so that the
    # screening simulations are reused as the optimiser's first Jacobian
    u0 = np.clip(u0, lo + 1e-9 * (hi - lo), hi - 1e-9 * (hi - lo))
    try:
        r0 = prob.resid(u0)
    except MemliError:
        raise
    J0 = prob.jac(u0, r0)
    norms = np.linalg.norm(J0, axis=0)
    fixed_noeffect = [k for k, nn in zip(names, norms) if not nn > screen * max(norms.max(), 1e-30)]
    if fixed_noeffect:
        keep = [k for k in names if k not in fixed_noeffect]
        if not keep:
            raise MemliError(f"fit: none of {names} changes the simulated current of these data;"
                             " choose other parameters (--params)")
        nfev0 = prob.nfev
        prob = _Problem(start, fd, keep, rs, rtol, workers, progress=progress,
                        max_points=max_points)
        prob.nfev = nfev0
        lo, hi = prob.u_bounds()
        u0 = np.clip(prob.to_u([start.values[k] for k in keep]), lo + 1e-9 * (hi - lo),
                     hi - 1e-9 * (hi - lo))
        # the same simulations serve the reduced problem at the start point
        prob._rmemo[u0.tobytes()] = r0
        prob._jmemo[u0.tobytes()] = J0[:, [names.index(k) for k in keep]]
    # keep the start strictly inside the bounds (trf requires it)
    it = {"n": 0}

    last = {"u": None, "J": None, "r": None, "age": 0}

    def jac(u):
        # a full finite-difference Jacobian every ``refresh_jac`` accepted steps, Broyden
        # rank-one updates (no simulations) in between
        it["n"] += 1
        if progress:
            progress("global fit", it["n"], max_nfev)
        r = prob.resid(u)
        if last["J"] is not None and last["age"] + 1 < refresh_jac:
            du, dr = u - last["u"], r - last["r"]
            nn = float(du @ du)
            J = last["J"] + np.outer(dr - last["J"] @ du, du) / nn if nn > 0 else last["J"]
            last["age"] += 1
        else:
            J = prob.jac(u, r)
            last["age"] = 0
        last.update(u=u.copy(), J=J, r=r)
        return J

    sol = least_squares(prob.resid, u0, jac=jac, bounds=(lo, hi), method="trf", loss=loss,
                        x_scale="jac", max_nfev=max_nfev, xtol=xtol, ftol=ftol)
    u = sol.x
    r = prob.resid(u)
    J = prob.jac(u, r)
    cov_u, why, s2 = _covariance(J, r, len(u), sol.active_mask, prob.names)
    # residuals along a sweep are serially correlated (model error, smooth noise): scale
    # the covariance by (1 + rho) / (1 - rho), rho = lag-1 autocorrelation, i.e. count
    # the effective number of independent residuals
    rho = float(np.corrcoef(r[1:], r[:-1])[0, 1]) if r.size > 3 and np.std(r) > 0 else 0.0
    rho = min(max(rho, 0.0), 0.95)
    cov_u = cov_u * (1 + rho) / (1 - rho)
    dp = prob.dp_du(u)
    pvals = prob.to_p(u)
    out = {}
    corr = np.full((len(u), len(u)), np.nan)
    for a in range(len(u)):
        for b in range(len(u)):
            if np.isfinite(cov_u[a, b]) and cov_u[a, a] > 0 and cov_u[b, b] > 0:
                corr[a, b] = cov_u[a, b] / math.sqrt(cov_u[a, a] * cov_u[b, b])
    for k, p in start.model.params.items():
        if k in prob.names:
            j = prob.names.index(k)
            se = math.sqrt(cov_u[j, j]) * abs(dp[j]) if np.isfinite(cov_u[j, j]) and \
                cov_u[j, j] >= 0 else None
            out[k] = ParamResult(k, float(pvals[j]), start.values[k], p.unit, True, se, why[j],
                                 (prob.lo[j], prob.hi[j]))
        elif k in fixed_noeffect:
            out[k] = ParamResult(k, start.values[k], start.values[k], p.unit, True, None,
                                 "singular (no effect on these data; held at init)")
        else:
            out[k] = ParamResult(k, start.values[k], start.values[k], p.unit, False)
    new_vals = {k: pr.value for k, pr in out.items()}
    full = _Problem(start, fd, prob.names, rs, rtol, 1)     # every sample, for the outputs
    i_fit, res = full.current(u)
    fitted = _fitted_card(start, new_vals, out, fd)
    m = int(np.count_nonzero(np.isfinite(r)))    # residuals used by the optimiser
    result = FitResult(fitted, start, out, prob.names, corr, i_fit, fd, m, float(r @ r), s2,
                       prob.nfev, bool(sol.success), str(sol.message),
                       0.0, settings={"loss": loss, "r_series_ohm": rs, "rtol": rtol,
                                      "residual_lag1_autocorrelation": rho})
    result.metrics = goodness(fd, i_fit, polarity, read_voltage_v)
    if bootstrap:
        sds = _bootstrap(prob, u, lo, hi, int(bootstrap), seed, progress)
        for k, sd in zip(prob.names, sds):
            out[k].stderr_bootstrap = sd
        result.settings["bootstrap"] = int(bootstrap)
    if per_cycle:
        pc_names = per_cycle if isinstance(per_cycle, (list, tuple)) else None
        result.per_cycle = fit_per_cycle(result, res, pc_names, max_cycles_per_cycle_fit,
                                         progress=progress, workers=workers)
        fitted.variability = result.per_cycle["variability"]
    result.elapsed_s = time.perf_counter() - t_start
    return result


def _bootstrap(prob: _Problem, u, lo, hi, n: int, seed: int = 0, progress=None):
    """Block-bootstrap standard errors (in parameter units) of the fitted parameters.

    Blocks are whole cycles (contiguous runs of ~5 % of the samples when there are
    fewer than 5 cycles), drawn with replacement; each draw reweights the residuals by
    how often its block was drawn, and the fit restarts from the solution (5 Jacobians
    at most).  Resampling blocks keeps the serial correlation within a sweep.
    """
    from scipy.optimize import least_squares
    rng = np.random.default_rng(seed)
    cyc = prob.data.cycle[prob.keep]
    ids = np.unique(cyc[cyc >= 0])
    if ids.size >= 5:
        block = np.searchsorted(ids, np.where(cyc >= 0, cyc, ids[0]))
    else:
        nb = 20
        block = (np.arange(cyc.size) * nb) // max(cyc.size, 1)
    nblk = int(block.max()) + 1
    draws = []
    for b in range(n):
        w = np.bincount(rng.integers(0, nblk, nblk), minlength=nblk)[block].astype(float)
        sw = np.sqrt(w)
        try:
            sol = least_squares(lambda x: sw * prob.resid(x), u, bounds=(lo, hi),
                                jac=lambda x: sw[:, None] * prob.jac(x), method="trf",
                                x_scale="jac", max_nfev=5, ftol=1e-6, xtol=1e-6)
            draws.append(prob.to_p(sol.x))
        except MemliError:
            pass
        if progress:
            progress("bootstrap", b + 1, n)
    if len(draws) < 2:
        return [None] * len(u)
    return [float(x) for x in np.std(np.array(draws), axis=0, ddof=1)]


fit.__doc__ = _fit.__doc__


def _start_card(model, card) -> Card:
    from ..cards import bundled_cards, default_card
    from ..models.base import get_model
    if card is not None:
        c = load_card(card)
        if model and c.model.name != model:
            raise MemliError(f"--card {c.name} is for model {c.model.name!r}, not {model!r}")
        return c
    if model is None:
        raise MemliError("fit: give a model (--model NAME) or a start card (--card)")
    mdl = get_model(model)
    if mdl.default_card and mdl.default_card in bundled_cards():
        return load_card(mdl.default_card)
    return default_card(mdl)


def goodness(fd: FitData, i_fit, polarity="negative_set", read_voltage_v=0.1) -> dict:
    """Median |log10 I_meas - log10 I_fit| above the floor; V_set / V_reset RMSE, V."""
    from ..data.analysis import cycle_table
    above = np.abs(fd.i_a) > 3 * fd.floor_a
    if fd.compliance_a:
        above &= np.abs(fd.i_a) < 0.99 * fd.compliance_a
    err = np.abs(np.log10(np.maximum(np.abs(fd.i_a[above]), 1e-300))
                 - np.log10(np.maximum(np.abs(i_fit[above]), 1e-300)))
    med = float(np.median(err)) if err.size else None
    kw = dict(read_voltage_v=read_voltage_v, polarity=polarity, floor_a=fd.floor_a)
    tm = cycle_table(fd.v_v, fd.i_a, fd.cycle, **kw)
    tf = cycle_table(fd.v_v, i_fit, fd.cycle, **kw)

    def rmse(key):
        d = [a[key] - b[key] for a, b in zip(tm, tf) if a[key] is not None and b[key] is not None]
        return float(np.sqrt(np.mean(np.square(d)))) if d else None
    return {"median_abs_log10_error": med, "v_set_rmse": rmse("v_set"),
            "v_reset_rmse": rmse("v_reset")}


def _fitted_card(start: Card, vals, out, fd: FitData) -> Card:
    import memli
    c = start.with_values(name=f"{start.name}_fit", **vals)
    today = _dt.date.today().isoformat()
    data_ref = [{"path": f["path"], "sha256": f["sha256"]} for f in fd.files]
    for k, pr in out.items():
        if pr.vary and pr.stderr is not None or (pr.vary and pr.why_no_stderr):
            meta = dict(c.meta.get(k, {}))
            prov = {"kind": "fit", "data": data_ref, "date": today,
                    "memli_version": getattr(memli, "__version__", "?"),
                    "stderr": pr.stderr, "init": pr.init}
            if pr.stderr is None:
                prov["note"] = f"error not estimated: {pr.why_no_stderr}"
            meta["provenance"] = prov
            c.meta[k] = meta
    c.generated = bool(fd.generated or start.generated)
    c.description = (f"Fitted by memli fit to {', '.join(Path_(f['path']) for f in fd.files)}"
                     f"{' (GENERATED data)' if fd.generated else ''}; start card {start.name}.")
    c.extra = dict(c.extra)
    c.extra["fit"] = {"data": data_ref, "date": today, "start_card": start.name,
                      "memli_version": getattr(memli, "__version__", "?")}
    return c


def Path_(p):
    from pathlib import Path
    return Path(p).name


# ---------------------------------------------------------------------------------------
def fit_per_cycle(result: FitResult, sim_res, names=None, max_cycles=None, progress=None,
                  max_nfev: int = 20, workers: int = 2) -> dict:
    """Fit each cycle separately (from the global fit's state at its start).

    Returns ``{"names", "values" (n_cycles_ok, n), "n_ok", "n_cycles", "variability"}``
    where ``variability`` is a card block: per parameter ``dist`` (lognormal for log
    parameters, sd of ln; normal otherwise, sd in the parameter's unit) and ``corr``
    (names, matrix) when two or more parameters vary.
    """
    from scipy.optimize import least_squares
    card = result.card
    fd = result.data
    if names is None:
        # cycle-to-cycle entries only: "scope": "device" spreads (e.g. the fresh-contact
        # threshold) do not vary from cycle to cycle and cannot be fitted per cycle
        names = [k for k, spec in card.variability.items()
                 if k != "corr" and spec.get("scope", "cycle") == "cycle"] or []
        names = [k for k in names if k in card.model.params]
        if not names:
            sens = [k for k in result.names if result.params[k].stderr]
            names = sens[:2]
    if not names:
        raise MemliError("per-cycle fit: no parameters to vary (give per_cycle=[...])")
    cycles = [int(c) for c in np.unique(fd.cycle[fd.cycle >= 0])]
    if max_cycles:
        cycles = cycles[:max_cycles]
    def one(c):
        idx = np.flatnonzero(fd.cycle == c)
        sl = slice(idx[0], idx[-1] + 1)
        sub = FitData(fd.t_s[sl], fd.v_v[sl], fd.i_a[sl], fd.cycle[sl], fd.floor_a,
                      fd.compliance_a)
        prob = _Problem(card, sub, names, result.settings["r_series_ohm"],
                        result.settings["rtol"], 1, x0=sim_res.x[:, idx[0]])
        lo, hi = prob.u_bounds()
        span = hi - lo
        u0 = np.clip(prob.to_u([card.values[k] for k in names]), lo + 1e-9 * span,
                     hi - 1e-9 * span)
        try:
            sol = least_squares(prob.resid, u0, jac=lambda u: prob.jac(u), bounds=(lo, hi),
                                method="trf", x_scale="jac", max_nfev=max_nfev, ftol=1e-6,
                                xtol=1e-6)
        except MemliError:
            return c, None
        if sol.active_mask.any():          # at a bound: not a usable sample
            return c, None
        return c, prob.to_p(sol.x)

    vals, ok = [], []
    # cycles are independent: run them on ``workers`` threads (the simulator releases
    # the GIL)
    with ThreadPoolExecutor(max(1, workers)) as ex:
        for n, (c, val) in enumerate(ex.map(one, cycles)):
            if val is not None:
                vals.append(val)
                ok.append(c)
            if progress:
                progress("per-cycle fits", n + 1, len(cycles))
    vals = np.array(vals).reshape(len(ok), len(names))
    # drop outlying cycles (badly constrained or failed fits, e.g. the pristine first
    # cycle): beyond 5 scaled MADs of the median in any parameter (log for log params)
    zz = np.array([[math.log(x) if card.model.params[k].log and x > 0 else x
                    for x, k in zip(row, names)] for row in vals]).reshape(vals.shape)
    n_out = 0
    if len(ok) >= 5:
        med = np.median(zz, axis=0)
        mad = 1.4826 * np.median(np.abs(zz - med), axis=0)
        good = np.all(np.abs(zz - med) <= 5 * np.maximum(mad, 1e-300), axis=1)
        n_out = int((~good).sum())
        vals, ok = vals[good], [c for c, g in zip(ok, good) if g]
    var = {}
    if len(ok) >= 3:
        z = np.empty_like(vals)
        for j, k in enumerate(names):
            if card.model.params[k].log and np.all(vals[:, j] > 0):
                z[:, j] = np.log(vals[:, j])
                var[k] = {"dist": "lognormal", "sd": float(np.std(z[:, j], ddof=1))}
            else:
                z[:, j] = vals[:, j]
                var[k] = {"dist": "normal", "sd": float(np.std(z[:, j], ddof=1))}
            var[k]["provenance"] = "fit: per-cycle"
        if len(names) >= 2:
            cm = np.corrcoef(z.T)
            cm = np.where(np.isfinite(cm), cm, 0.0)
            np.fill_diagonal(cm, 1.0)
            var["corr"] = {"names": list(names), "matrix": cm.round(6).tolist()}
    return {"names": list(names), "values": vals, "cycles": ok, "n_ok": len(ok),
            "n_cycles": len(cycles), "n_outliers": n_out, "variability": var}
