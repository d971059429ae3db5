"""Fitting a model to a pulse-response table by simulating the pulse protocol.

The residual of pulse ``k`` is ``log10 G_sim,k - log10 G_meas,k`` (decades), with
``G`` the read conductance after the pulse (:func:`memli.data.pulses.simulate_pulses`:
the protocol of the table, trapezoid pulses then a read plateau).  The SET side is the
sign of the pulses after which the conductance rises most; a model whose own
convention is the other side is used with its terminals swapped.  Parameter scaling,
Jacobians and uncertainties are those of the I-V fit (:mod:`memli.fit.problem`,
:mod:`memli.fit.uncertainty`).
"""
from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ..cards import Card
from ..errors import ConvergenceError, MemliError
from .problem import Problem, fit_parameters, one_blas_thread, param_scaling
from .uncertainty import covariance


def pulse_polarity(table) -> str:
    """``positive_set`` when the conductance rises after positive pulses (more than after
    negative ones), else ``negative_set``."""
    dg = np.diff(np.log10(np.maximum(table.g_siemens, 1e-300)))
    a = table.amplitude_v[1:]
    up_pos = float(np.mean(dg[a > 0])) if np.any(a > 0) else 0.0
    up_neg = float(np.mean(dg[a < 0])) if np.any(a < 0) else 0.0
    if np.any(a > 0) and np.any(a < 0):
        return "positive_set" if up_pos >= up_neg else "negative_set"
    sign = 1 if np.any(a > 0) else -1
    up = up_pos if sign > 0 else up_neg
    return "positive_set" if (sign > 0) == (up >= 0) else "negative_set"


class PulseProblem(Problem):
    """Residuals (decades) of the simulated read conductance against a pulse table."""

    def __init__(self, card: Card, table, names, x0=None, rtol=1e-6, workers=2):
        from ..data.pulses import protocol_waveform
        self.card = card
        self.model = card.model
        self.table = table
        self.names = list(names)
        self.rtol = rtol
        self.workers = workers
        self.x0 = x0
        self.t, self.v, self.reads = protocol_waveform(table)
        self.y = np.log10(np.maximum(table.g_siemens, 1e-300))
        self.lo, self.hi, self.scale, self.islog = [], [], [], []
        for k in self.names:
            lo, hi, scale, islog = param_scaling(card, k)
            self.islog.append(islog)
            self.scale.append(scale)
            self.lo.append(lo)
            self.hi.append(hi)
        self.nfev = 0
        self._rmemo, self._jmemo = {}, {}

    def conductance(self, u):
        from ..sim import Waveform, simulate
        res = simulate(self.card_at(u), Waveform.pwl(self.t, self.v), x0=self.x0,
                       rtol=self.rtol)
        self.nfev += 1
        return np.abs(res.i[self.reads]) / abs(self.table.read_voltage_v)

    def resid(self, u):
        key = np.asarray(u, float).tobytes()
        if key in self._rmemo:
            return self._rmemo[key].copy()
        try:
            r = np.log10(np.maximum(self.conductance(u), 1e-300)) - self.y
            if not np.all(np.isfinite(r)):
                r = np.full(self.y.size, 10.0)
        except ConvergenceError:
            r = np.full(self.y.size, 10.0)
        if len(self._rmemo) > 8:
            self._rmemo.pop(next(iter(self._rmemo)))
        self._rmemo[key] = r
        return r.copy()


@dataclass
class PulseFitResult:
    """Outcome of :func:`fit_pulses` (parameters as in :class:`memli.fit.core.FitResult`)."""

    card: Card
    start_card: Card
    params: dict
    names: list
    g_fit_siemens: np.ndarray
    data: object
    chisqr: float
    redchi: float
    nfev: int
    success: bool
    message: str
    elapsed_s: float
    metrics: dict = field(default_factory=dict)
    verdict: dict = field(default_factory=dict)

    def report(self) -> str:
        lines = ["[[Model]]", f"    {self.card.model.name} (start card {self.start_card.name})",
                 "[[Data]]", f"    {self.data.source}: {len(self.data)} pulses, read at "
                 f"{self.data.read_voltage_v:g} V" + (" (GENERATED)" if self.data.generated
                                                      else ""),
                 "[[Fit Statistics]]", f"    # function evals   = {self.nfev}",
                 f"    chi-square         = {self.chisqr:.6g} (decades^2)",
                 f"    median abs error   = {self.metrics['median_abs_log10_error']:.4g} "
                 "decades", f"    quality            = {self.verdict.get('quality')}"]
        lines += [f"      - {r}" for r in self.verdict.get("reasons", [])]
        lines.append("[[Variables]]")
        lines += [p.line() for p in self.params.values() if p.vary]
        return "\n".join(lines)


def fit_pulses(table, model=None, card=None, params=None, polarity="auto", x0=None,
               max_nfev: int = 40, workers: int = 2, progress=None) -> PulseFitResult:
    """Fit a model to a :class:`memli.data.pulses.PulseTable` (see the module docstring).

    Parameters
    ----------
    table : PulseTable
    model, card : str or Card
        As in :func:`memli.fit.fit`.
    params : list of str, optional
        Parameters to fit (default: the card's ``vary`` ones that change the simulated
        conductance of this protocol).
    x0 : mapping, optional
        Initial states of the device before the first pulse.
    """
    from scipy.optimize import least_squares

    from .core import ParamResult, _start_card
    from .start import oriented
    from .verdict import quality_of
    t0 = time.perf_counter()
    if polarity == "auto":
        polarity = pulse_polarity(table)
    base = _start_card(model, card)
    start = oriented(base, polarity)
    names = fit_parameters(start, params, roles=False)
    with one_blas_thread():
        prob = PulseProblem(start, table, names, x0=x0, workers=workers)
        u0 = prob.inside(prob.to_u([start.values[k] for k in names]))
        r0 = prob.resid(u0)
        J0 = prob.jac(u0, r0)
        norms = np.linalg.norm(J0, axis=0)
        keep = [k for k, n in zip(names, norms) if n > 1e-4 * max(norms.max(), 1e-30)]
        if not keep:
            raise MemliError(f"pulse fit: none of {names} changes the simulated conductance")
        if keep != names:
            prob = PulseProblem(start, table, keep, x0=x0, workers=workers)
            u0 = prob.inside(prob.to_u([start.values[k] for k in keep]))
        lo, hi = prob.u_bounds()
        sol = least_squares(prob.resid, u0, jac=lambda u: prob.jac(u), bounds=(lo, hi),
                            method="trf", x_scale="jac", max_nfev=max_nfev, xtol=1e-8,
                            ftol=1e-8)
        u = sol.x
        r = prob.resid(u)
        J = prob.jac(u, r)
        cov_u, why, s2 = covariance(J, r, len(u), sol.active_mask, prob.names)
    dp = prob.dp_du(u)
    pv = prob.to_p(u)
    out = {}
    for k, p in start.model.params.items():
        if k in prob.names:
            j = prob.names.index(k)
            se = math.sqrt(cov_u[j, j]) * abs(dp[j]) if np.isfinite(cov_u[j, j]) and \
                cov_u[j, j] >= 0 else None
            out[k] = ParamResult(k, float(pv[j]), start.values[k], p.unit, True, se, why[j],
                                 (prob.lo[j], prob.hi[j]))
        else:
            out[k] = ParamResult(k, start.values[k], start.values[k], p.unit, False)
    fitted = dataclasses.replace(start, values={**start.values, **{k: out[k].value
                                                                   for k in prob.names}},
                                 name=f"{base.name}_pulse_fit")
    fitted.generated = bool(table.generated or start.generated)
    fitted.extra = {**start.extra, "polarity": polarity,
                    "fit": {"data": table.source, "kind": "pulse response"}}
    g_fit = prob.conductance(u)
    med = float(np.median(np.abs(r)))
    q, reasons = quality_of(med, None, None)
    res = PulseFitResult(fitted, base, out, prob.names, g_fit, table, float(r @ r), s2,
                         prob.nfev, bool(sol.success), str(sol.message),
                         time.perf_counter() - t0, {"median_abs_log10_error": med},
                         {"quality": q, "reasons": reasons})
    return res
