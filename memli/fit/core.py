"""Fitting memli models to I-V data by simulating the measured voltage waveform.

The same code fits every model in the registry: the device simulator
(:func:`memli.sim.simulate`, generated from the model's sympy equations and their
Jacobians) runs the measured source voltage (:mod:`memli.fit.problem`: residuals in
decades, compliance per polarity), and :func:`scipy.optimize.least_squares` adjusts
the chosen parameters from start values taken from the data (:mod:`memli.fit.start`).
Uncertainties: :mod:`memli.fit.uncertainty`; per-cycle fits:
:mod:`memli.fit.percycle`; the fitted card: :mod:`memli.fit.cardout`; the verdict
on the fit (good / fair / poor): :mod:`memli.fit.verdict`.

References
----------
M. Newville et al., LMFIT: Non-Linear Least-Squares Minimization, doi:10.5281/zenodo.11813.
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..cards import Card, load_card
from ..errors import DataError, MemliError
from .cardout import fitted_card
from .percycle import fit_per_cycle
from .problem import (INIT, POLARITIES, FitData, Problem, _Problem,  # noqa: F401
                      fit_parameters, is_init, one_blas_thread, simulate_record,
                      thin_samples)
from .start import calibrate_scale, data_summary, oriented, role_values, scan
from .uncertainty import bootstrap as _bootstrap
from .uncertainty import covariance as _covariance


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
    verdict: dict = field(default_factory=dict)
    start_info: dict = field(default_factory=dict)

    @property
    def n_free(self) -> int:
        return len(self.names)

    @property
    def aic(self) -> float:
        """Akaike information criterion of the least-squares fit (Gaussian residuals):
        ``n ln(chi2 / n) + 2 k``."""
        n = max(self.n_points, 1)
        return n * math.log(max(self.chisqr, 1e-300) / n) + 2 * self.n_free

    @property
    def bic(self) -> float:
        """Bayesian information criterion: ``n ln(chi2 / n) + k ln n``."""
        n = max(self.n_points, 1)
        return n * math.log(max(self.chisqr, 1e-300) / n) + self.n_free * math.log(n)

    def report(self, min_correl: float = 0.1) -> str:
        """lmfit-style text report."""
        d = self.data
        lines = ["[[Model]]", f"    {self.card.model.name} (start card {self.start_card.name})",
                 "[[Data]]"]
        for f in d.files:
            lines.append(f"    {f['path']} (sha256 {f['sha256'][:12]})")
        if d.generated:
            lines.append("    GENERATED data (not a measurement)")
        cc = ", ".join(f"{a:.3g} A at V {'>' if s > 0 else '<'} 0"
                       for s, a in sorted(d.compliance_by_sign.items())) or "none"
        lines.append(f"    noise floor {d.floor_a:.3g} A; compliance {cc}; "
                     f"{d.n_cycles} cycles; SET polarity {d.polarity} "
                     f"({d.polarity_source})")
        if self.card.model.is_reversed:
            lines.append(f"    model used with terminals swapped ({self.card.model.name})")
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
        lines.append(f"    AIC / BIC          = {self.aic:.6g} / {self.bic:.6g}")
        if self.verdict:
            lines.append(f"    quality            = {self.verdict['quality']}")
            for why in self.verdict.get("reasons", []):
                lines.append(f"      - {why}")
        lines.append("[[Variables]]")
        for p in self.params.values():
            lines.append(p.line())
        for k, st in self.start_info.get("initial_state_fitted", {}).items():
            se = st.get("stderr")
            pm = f" +/- {se:.3g}" if se is not None and math.isfinite(se) else " +/- ?"
            lines.append(f"    state {k} at the record's start: {st['value']:.6g}{pm}")
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


def fit(data, *args, **kwargs) -> "FitResult":
    with one_blas_thread():
        return _fit(data, *args, **kwargs)


def _fit(data, model=None, card=None, params=None, r_series_ohm: float | None = None,
        loss: str = "linear", rtol: float = 1e-6, max_nfev: int = 60, workers: int = 2,
        per_cycle: bool | list = False, max_cycles_per_cycle_fit: int | None = None,
        progress=None, screen: float = 1e-4, polarity="auto", ftol: float = 1e-6,
        xtol: float = 1e-6, max_points: int | None = 200000, bootstrap: int = 0,
        seed: int = 0, refresh_jac: int = 3,
        read_voltage_v: float = 0.1, sweep_rate_v_per_s: float = 1.0,
        start: str = "data", restarts: int = 1, multistart: int = 2) -> FitResult:
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
        Parameters to fit (default: the card's ``vary`` parameters and the model's role
        parameters: switching thresholds and resistances).  Parameters with
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
    polarity : {'auto', 'negative_set', 'positive_set'}
        Side that SETs the device (``auto``: detected from the data).  A model whose own
        convention is the other side is used with its terminals swapped.
    start : {'data', 'card'}
        ``data``: role parameters start from the extracted V_set, V_reset, R_LRS, R_HRS
        and a one-pass scan of every free parameter precedes the least-squares fit
        (:mod:`memli.fit.start`); ``card``: from the card's values as they are.
    restarts : int
        With ``start='data'``: when the fit is still short of "good" after the
        multi-starts, scan again around the solution and restart from any better point,
        at most this many times.
    multistart : int
        With ``start='data'``: when the first least-squares fit is short of "good"
        (:mod:`memli.fit.verdict`), fit again from the start the data give (before the
        scan) and from the ``multistart - 1`` best of ``4 * multistart`` Latin-hypercube
        points around it (:func:`_latin_hypercube`); the fit with the best quality, then
        the lowest chi-square, is kept.  0: off.

    Returns
    -------
    FitResult
    """
    from scipy.optimize import least_squares
    from ..data.loaders import IVData
    t_start = time.perf_counter()
    if polarity not in ("auto", *POLARITIES):
        raise DataError(f"polarity {polarity!r}: expected auto, negative_set or positive_set")
    if isinstance(data, IVData):
        fd = FitData.from_ivdata(data, polarity, sweep_rate_v_per_s)
    else:
        fd = data
    if polarity != "auto" and fd.polarity != polarity:
        fd = fd.with_polarity(polarity, "given")
    if fd.cycle.size < 3:
        raise DataError("fit: fewer than 3 samples")
    _check_varies(fd)
    if start not in ("data", "card"):
        raise MemliError(f"start {start!r}: expected 'data' or 'card'")
    base = _start_card(model, card)
    start_card = oriented(base, fd.polarity)
    summ = data_summary(fd, read_voltage_v)
    info = {"polarity": fd.polarity, "model_used": start_card.model.name,
            "data": {k: summ.get(k) for k in ("v_set", "v_reset", "r_lrs", "r_hrs")},
            "from_data": {}}
    names = fit_parameters(start_card, params, roles=start == "data")
    if start == "data":
        # only parameters that are fitted move from the card's values
        vals = {k: v for k, v in role_values(start_card, summ).items() if k in names}
        if vals:
            start_card = start_card.with_values(**vals)
        info["from_data"] = vals
    if not names:
        raise MemliError(f"fit: no parameter of {start_card.name} is marked vary; pass "
                         "params=[...] (CLI: --param a,b)")
    rs = (10.0 if fd.compliance_a else 0.0) if r_series_ohm is None else float(r_series_ohm)
    x0_fit = None
    prob = Problem(start_card, fd, names, rs, rtol, workers, progress=progress,
                   max_points=max_points)
    # a record in which no free parameter changes the simulated current (a constant
    # current, a resistor) stops here, at the first Jacobian, before any search
    _check_sensitive(prob, prob.inside(prob.start_u()), screen)
    if start == "data":
        def sim(c):
            p = Problem(c, fd, names, rs, rtol, 1, max_points=max_points)
            i, _ = p.current(p.start_u(c), every_sample=True)
            r = 0.5 * np.log10(i ** 2 + p.f2) - 0.5 * np.log10(fd.i_a ** 2 + p.f2)
            return i, float(r @ r)
        scale = {k: v for k, v in calibrate_scale(start_card, fd, summ, sim).items()
                 if k in names}
        if scale:
            start_card = start_card.with_values(**scale)
            info["from_data"].update(scale)
        # the device's state when the record starts is unknown: the model's initial
        # state (a pristine device), the state one cycle of the same sweep leaves behind
        # (a cycled device) or, for the states the model declares, a grid over their
        # range; whichever fits the first cycle best starts the fit
        x0_fit, how = _start_state(start_card, fd, names, rs, rtol, max_points)
        if how:
            info["initial_state"] = how
        prob = Problem(start_card, fd, names, rs, rtol, workers, x0=x0_fit,
                       progress=progress, max_points=max_points)
        # the start from the data alone, before the scan: one of the multi-starts
        p_data = dict(zip(names, prob.to_p(prob.inside(prob.start_u()))))
        u_s, _ = scan(prob, prob.start_u(), progress=progress)
        scanned = dict(zip(names, prob.to_p(u_s)))
        info["scanned"] = {k: float(v) for k, v in scanned.items() if not is_init(k)
                           and not math.isclose(v, start_card.values[k], rel_tol=1e-9)}
        nfev0 = prob.nfev
        x0_fit = prob.x0_at(u_s)
        start_card = dataclasses.replace(start_card, values={**start_card.values, **{
            k: float(v) for k, v in scanned.items() if not is_init(k)}})
        prob = Problem(start_card, fd, names, rs, rtol, workers, x0=x0_fit,
                       progress=progress, max_points=max_points)
        prob.nfev = nfev0
    init_card = start_card
    u0 = prob.inside(prob.start_u())
    lo, hi = prob.u_bounds()
    r0 = prob.resid(u0)
    J0 = prob.jac(u0, r0)
    norms = np.linalg.norm(J0, axis=0)
    fixed_noeffect = [k for k, nn in zip(names, norms) if not nn > screen * max(norms.max(), 1e-30)]
    if fixed_noeffect:
        keep = [k for k in names if k not in fixed_noeffect]
        if not keep:
            raise MemliError(f"fit: none of {names} changes the simulated current of these data;"
                             " choose other parameters (--param)")
        nfev0 = prob.nfev
        prob = Problem(start_card, fd, keep, rs, rtol, workers, x0=x0_fit, progress=progress,
                       max_points=max_points)
        prob.nfev = nfev0
        lo, hi = prob.u_bounds()
        u0 = prob.inside(prob.start_u())
        # the same simulations serve the reduced problem at the start point
        prob._rmemo[u0.tobytes()] = r0
        prob._jmemo[u0.tobytes()] = J0[:, [names.index(k) for k in keep]]
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

    def lsq(u_start):
        last.update(u=None, J=None, r=None, age=0)
        return least_squares(prob.resid, prob.inside(u_start), jac=jac, bounds=(lo, hi),
                             method="trf", loss=loss, x_scale="jac", max_nfev=max_nfev,
                             xtol=xtol, ftol=ftol)

    def grade(u):
        """0 good, 1 fair, 2 poor (memli.fit.verdict) of the fit at ``u``."""
        from .verdict import quality_of
        i_try, _ = prob.current(u, every_sample=True)
        m_try = goodness(fd, i_try, fd.polarity, read_voltage_v)
        q = quality_of(m_try["median_abs_log10_error"], m_try["v_set_rmse"],
                       m_try["v_reset_rmse"])[0]
        return {"good": 0, "fair": 1}.get(q, 2)

    sol = lsq(u0)
    best = (grade(sol.x), sol.cost)
    if start == "data" and multistart and best[0] > 0:
        # a local minimum short of "good": least squares again from the start the data
        # give (before the scan) and from the best of a small Latin hypercube around it
        u_d = prob.inside(prob.to_u([p_data[k] for k in prob.names]))
        cands = _latin_hypercube(prob, u_d, 4 * multistart, seed)
        costs = [prob.cost(u_c) for u_c in cands]
        picks = [u_d] + [cands[j] for j in np.argsort(costs)[:max(multistart - 1, 0)]]
        info["multistart"] = {"candidates": len(cands) + 1, "fits": 0}
        for u_c in picks:
            sol2 = lsq(u_c)
            info["multistart"]["fits"] += 1
            g2 = (grade(sol2.x), sol2.cost)
            if g2 < best:
                sol, best = sol2, g2
            if best[0] == 0:
                break
    for _ in range(restarts if start == "data" else 0):
        # still short of "good": scan again around the solution and restart the
        # least-squares fit from any better point
        if best[0] == 0:
            break
        u_s, c_s = scan(prob, sol.x, progress=progress)
        if not c_s < 0.98 * 2 * sol.cost:
            break
        sol2 = lsq(u_s)
        g2 = (grade(sol2.x), sol2.cost)
        if g2 < best:
            sol, best = sol2, g2
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
    first = base.values if start == "data" else init_card.values
    for k, p in init_card.model.params.items():
        if k in prob.names:
            j = prob.names.index(k)
            se = math.sqrt(cov_u[j, j]) * abs(dp[j]) if np.isfinite(cov_u[j, j]) and \
                cov_u[j, j] >= 0 else None
            out[k] = ParamResult(k, float(pvals[j]), first[k], p.unit, True, se, why[j],
                                 (prob.lo[j], prob.hi[j]))
        elif k in fixed_noeffect:
            out[k] = ParamResult(k, init_card.values[k], first[k], p.unit, True, None,
                                 "singular (no effect on these data; held at init)")
        else:
            out[k] = ParamResult(k, init_card.values[k], first[k], p.unit, False)
    new_vals = {k: pr.value for k, pr in out.items()}
    i_fit, res = prob.current(u, every_sample=True)     # every sample, for the outputs
    fitted = fitted_card(init_card, new_vals, out, fd)
    # the fitted states at the record's start (declared initial states)
    x_start = prob.x0_at(u) if any(is_init(k) for k in prob.names) else {}
    init_state = {}
    for j, k in enumerate(prob.names):
        if is_init(k):
            se = math.sqrt(cov_u[j, j]) * abs(dp[j]) if np.isfinite(cov_u[j, j]) and \
                cov_u[j, j] >= 0 else None
            init_state[k[len(INIT):]] = {"value": float(x_start[k[len(INIT):]]),
                                         "stderr": se}
    if init_state:
        fitted.extra["initial_state"] = {k: v["value"] for k, v in init_state.items()}
        info["initial_state_fitted"] = init_state
    fitted.name = f"{base.name}_fit"
    m = int(np.count_nonzero(np.isfinite(r)))    # residuals used by the optimiser
    result = FitResult(fitted, base, out, prob.names, corr, i_fit, fd, m, float(r @ r), s2,
                       prob.nfev, bool(sol.success), str(sol.message),
                       0.0, settings={"loss": loss, "r_series_ohm": rs, "rtol": rtol,
                                      "residual_lag1_autocorrelation": rho, "start": start},
                       start_info=info)
    result.metrics = goodness(fd, i_fit, fd.polarity, read_voltage_v)
    from .verdict import judge
    result.verdict = judge(result, read_voltage_v)
    if bootstrap:
        sds = _bootstrap(prob, u, lo, hi, int(bootstrap), seed, progress)
        for k, sd in zip(prob.names, sds):
            if k in out:
                out[k].stderr_bootstrap = sd
        result.settings["bootstrap"] = int(bootstrap)
    if per_cycle:
        pc_names = per_cycle if isinstance(per_cycle, (list, tuple)) else None
        result.per_cycle = fit_per_cycle(result, res, pc_names, max_cycles_per_cycle_fit,
                                         progress=progress, workers=workers)
        fitted.variability = result.per_cycle["variability"]
    result.elapsed_s = time.perf_counter() - t_start
    return result


fit.__doc__ = _fit.__doc__


def _latin_hypercube(prob, u_c, n, seed=0):
    """``n`` points of a Latin hypercube (seeded) in scaled parameters around ``u_c``:
    +-1 decade for log parameters, +-50 % for linear ones (a quarter of the range when
    the centre is 0), +-30 % for switching-voltage roles, the whole range for initial
    states; clipped inside the bounds."""
    rng = np.random.default_rng(seed)
    lo, hi = prob.u_bounds()
    volt = {k for role in ("v_set", "v_reset") for k in prob.model.roles.get(role, ())}
    half = []
    for j, k in enumerate(prob.names):
        if is_init(k):
            half.append(None)
        elif prob.islog[j]:
            half.append(1.0)
        elif k in volt:
            half.append(0.3 * abs(u_c[j]) if u_c[j] else 0.1 * (hi[j] - lo[j]))
        else:
            half.append(0.5 * abs(u_c[j]) if u_c[j] else 0.25 * (hi[j] - lo[j]))
    d = len(u_c)
    q = (np.argsort(rng.random((n, d)), axis=0) + rng.random((n, d))) / n    # in [0, 1)
    pts = []
    for row in q:
        u = np.array(u_c, float).copy()
        for j, h in enumerate(half):
            if h is None:
                u[j] = lo[j] + row[j] * (hi[j] - lo[j])
            else:
                u[j] = u_c[j] + (2 * row[j] - 1) * h
        pts.append(prob.inside(u))
    return pts


def _check_varies(fd):
    """DataError when the measured current carries nothing to fit: below three times the
    noise floor everywhere, or the same value at every sample."""
    i = np.asarray(fd.i_a, float)
    files = ", ".join(str(f.get("path", "")) if isinstance(f, dict) else str(f)
                      for f in fd.files[:2]) or "data"
    fl = max(float(fd.floor_a), 0.0)
    if not np.any(np.abs(i) > 3 * fl) or float(np.ptp(i)) <= max(3 * fl, 1e-9 * float(
            np.max(np.abs(i)))):
        raise DataError(f"{files}: the current does not change with the voltage (constant "
                        f"at {float(np.median(i)):.3g} A, noise floor {fl:.3g} A); nothing "
                        "to fit")


def _check_sensitive(prob, u, screen):
    """MemliError when no free parameter changes the simulated current at ``u`` (one
    finite-difference Jacobian)."""
    J = prob.jac(u, prob.resid(u))
    norms = np.linalg.norm(J, axis=0)
    if not np.any(np.isfinite(norms) & (norms > 0)):
        files = ", ".join(str(f.get("path", f)) if isinstance(f, dict) else str(f)
                          for f in prob.data.files[:2])
        where = f"{files}: " if files else ""
        raise MemliError(f"{where}fit: none of the free parameters changes the simulated "
                         "current of these data (a constant or resistor-like current?); "
                         "nothing to fit")


def _start_state(card, fd, names, rs, rtol, max_points):
    """(initial states, how) that fit the record's first cycle best among the model's
    initial state, the state one sweep cycle leaves behind and, for each declared
    initial state (``init:<state>`` in ``names``), a grid over its range."""
    from .problem import x0_dict
    declared = [k[len(INIT):] for k in names if is_init(k)]
    ids = np.unique(fd.cycle[fd.cycle >= 0])
    sub = fd.select_cycles([ids[0]]) if ids.size >= 2 else fd
    params = [k for k in names if not is_init(k)]
    base = x0_dict(card.model, None)
    cands = [(None, "")]
    x_cycled = _cycled_state(card, fd, rs, rtol)
    if x_cycled is not None:
        cands.append((x_cycled, "cycled (one sweep cycle before the record)"))
    for st in card.model.states:
        if st.name not in declared:
            continue
        lo, hi = st.bounds
        for f in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 0.9, 0.999):
            cands.append(({**base, st.name: lo + f * (hi - lo)},
                          f"{st.name} = {lo + f * (hi - lo):.3g} (best on the first cycle)"))
    if len(cands) == 1:
        return None, ""
    best, how, c_best = None, "", math.inf
    for x0, label in cands:
        p = Problem(card, sub, params or names[:1], rs, rtol, 1, x0=x0,
                    max_points=max_points)
        c = p.cost(p.start_u())
        # the model's own state wins ties: another start must fit clearly better
        if c < (0.8 * c_best if x0 is not None else c_best):
            best, how, c_best = x0, label, c
    return best, how


def _cycled_state(card, fd, rs, rtol):
    """States after one cycle of the record's first sweep from the model's initial state
    (None when the record has no complete cycle or the simulation fails)."""
    ids = np.unique(fd.cycle[fd.cycle >= 0])
    if ids.size < 2:
        return None
    idx = np.flatnonzero(fd.cycle == ids[0])
    sl = slice(idx[0], idx[-1] + 1)
    try:
        res = simulate_record(card, fd.t_s[sl], fd.v_v[sl], None, rs, fd.compliance_by_sign,
                              rtol)
    except MemliError:
        return None
    return res.x[:, -1].copy()


def _start_card(model, card) -> Card:
    from ..cards import bundled_cards, default_card
    from ..models.base import get_model
    if card is not None:
        c = load_card(card)
        if model and c.model.base_name != model and c.model.name != model:
            raise MemliError(f"--card {c.name} is for model {c.model.name!r}, not {model!r}")
        return c
    if model is None:
        raise MemliError("fit: give a model (--model NAME) or a start card (--card)")
    mdl = get_model(model)
    if mdl.default_card and mdl.default_card in bundled_cards():
        return load_card(mdl.default_card)
    return default_card(mdl)


def goodness(fd: FitData, i_fit, polarity=None, read_voltage_v=0.1) -> dict:
    """Median |log10 I_meas - log10 I_fit| above the floor and below the compliance of
    each polarity; V_set / V_reset RMSE, V (cycles where both switch)."""
    from .verdict import per_cycle_errors
    pc = per_cycle_errors(fd, i_fit, polarity or fd.polarity, read_voltage_v)
    return {"median_abs_log10_error": pc["median_abs_log10_error"],
            "v_set_rmse": pc["v_set_rmse"], "v_reset_rmse": pc["v_reset_rmse"]}
