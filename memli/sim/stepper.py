"""One vectorised implicit stepper for the states of many devices, with local error control.

Used wherever memli advances the states of many devices at once: device arrays under
pulses (:mod:`memli.neuro.devices`), crossbar programming (:mod:`memli.circuits.writes`)
and tip arrays (:mod:`memli.circuits.tipfilm`).  Single-device waveforms keep the
compiled BDF2 integrator of :mod:`memli.sim.device`; both control the local error
against the states' ranges.

Method: backward Euler, solved per device by Newton on the model's analytic Jacobian
(``model.numeric.evaluate``), states kept within their declared bounds.  The local
error of a step is ``(I - h J)^-2 h/2 (f_new - f_old)`` (:func:`filtered_error`: the
backward-Euler vs trapezoid difference, filtered so that a stiff state saturating
within the step is not taken for an error), measured in units of ``rtol * range +
atol``; a step is accepted when that is <= 1, and the next step is
``h * clip(0.9 / sqrt(err), 0.2, 5)``.  The accepted state is corrected by that
estimate (local extrapolation, :data:`EXTRAPOLATE`): for slow states this is the
trapezoidal rule, second order, so a cell that creeps partly through its switching over
many steps keeps its accuracy (3x3 V/3 write: 3e-5 against ngspice instead of 3e-3);
for stiff states the filtered correction vanishes and the step stays backward Euler.  A Newton iteration that does not converge rejects the step (the step shrinks);
at the smallest step ``hmin_s`` a converged backward-Euler step is taken even if its
error estimate is not met (counted as ``forced`` in the statistics: a transient faster
than ``hmin_s`` is over within the step, and backward Euler is L-stable), while a Newton
failure there raises :class:`memli.errors.ConvergenceError`, naming the time, the device
and its voltage - failures are never accepted silently.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConvergenceError

#: default tolerances: local error per step relative to each state's range (1e-4: the
#: 16 x 16 crossbar write then agrees with ngspice to 2e-9 in every state), and absolute
RTOL = 1e-4
ATOL = 1e-12
#: keep the step corrected by its (filtered) error estimate: the trapezoidal rule for
#: slow states (second order), backward Euler for stiff ones
EXTRAPOLATE = True
#: Newton iterations per backward-Euler stage
NEWTON_MAX = 12


def state_limits(model):
    """(lo, hi, span) arrays (n_states,) of a model's state bounds."""
    lo = np.array([s.bounds[0] for s in model.states], float)
    hi = np.array([s.bounds[1] for s in model.states], float)
    span = hi - lo
    span[~np.isfinite(span) | (span <= 0)] = 1.0
    return lo, hi, span


def backward_euler(num, v, x0, p, h, lo, hi, f0=None, tol=1e-10, return_eval=False):
    """Solve ``x = x0 + h f(v, x)`` for every device.

    ``x0`` (ns, ...) states, ``v`` device voltages broadcastable to ``x0.shape[1:]``,
    ``p`` parameters (np, ...), ``h`` scalar or per-device array.  Returns
    ``(x, f(x), converged mask)`` (and the evaluation at ``x`` with
    ``return_eval``).  Newton stops when no state moves by more than ``tol`` (in its
    own units, states being O(1)).
    """
    ns = x0.shape[0]
    shp = x0.shape[1:]
    lo_ = lo.reshape((ns,) + (1,) * len(shp))
    hi_ = hi.reshape((ns,) + (1,) * len(shp))
    h = np.broadcast_to(np.asarray(h, float), shp)
    if f0 is None:
        f0 = num.evaluate(v, x0, p).f
    x = np.clip(x0 + h * f0, lo_, hi_)             # explicit predictor
    eye = np.eye(ns)
    ok = np.zeros(shp, bool)
    ev = None
    for _ in range(NEWTON_MAX):
        ev = num.evaluate(v, x, p)
        res = x - x0 - h * ev.f                                        # (ns, ...)
        jac = eye - h[..., None, None] * np.moveaxis(ev.df_dx, (0, 1), (-2, -1))
        with np.errstate(all="ignore"):
            dx = np.linalg.solve(jac, np.moveaxis(res, 0, -1)[..., None])[..., 0]
        dx = np.moveaxis(dx, -1, 0)
        dx = np.where(np.isfinite(dx), dx, np.inf)
        xn = np.clip(x - dx, lo_, hi_)
        step = np.abs(xn - x).max(axis=0)
        x = np.where(np.isfinite(xn), xn, x)
        ok = step <= tol
        if ok.all():
            break
    ev = num.evaluate(v, x, p)
    ok = ok & np.all(np.isfinite(ev.f), axis=0)
    return (x, ev.f, ok, ev) if return_eval else (x, ev.f, ok)


def scaled_norm(dx, span, rtol=RTOL, atol=ATOL):
    """Per-device size of ``dx`` (ns, ...) in units of ``rtol span + atol`` (max over
    states; inf where not finite)."""
    ns = dx.shape[0]
    sc = (rtol * span + atol).reshape((ns,) + (1,) * (dx.ndim - 1))
    with np.errstate(all="ignore"):
        e = np.abs(dx) / sc
    e = np.where(np.isfinite(e), e, np.inf)
    return e.max(axis=0)


def step(num, v, x0, p, h, lo, hi, span, rtol=RTOL, atol=ATOL, f0=None):
    """One error-controlled backward-Euler step of ``h`` at fixed voltages ``v``.

    Returns ``(x, f(x), err, ev)``: the new state, its rates, the per-device error norm
    (inf where Newton failed) and the model evaluation at the new state.
    """
    h = np.asarray(h, float)
    if f0 is None:
        f0 = num.evaluate(v, x0, p).f
    x1, f1, ok, ev = backward_euler(num, v, x0, p, h, lo, hi, f0, return_eval=True)
    e = filtered_error(ev, h, f0, f1)
    err = scaled_norm(e, span, rtol, atol)
    if EXTRAPOLATE:
        ns = x0.shape[0]
        x1 = np.clip(x1 - e, lo.reshape((ns,) + (1,) * (x0.ndim - 1)),
                     hi.reshape((ns,) + (1,) * (x0.ndim - 1)))
    return x1, f1, np.where(ok, err, np.inf), ev


def filtered_error(ev, h, f_old, f_new):
    """Local error of a backward-Euler step, ``(I - h J)^-2 h/2 (f_new - f_old)``.

    ``h/2 (f_new - f_old)`` is the leading error term (backward Euler against the
    trapezoidal rule); filtering it twice by ``(I - h J)^-1`` (J at the new state)
    keeps it right for stiff states: a state that saturates within the step (rate
    ``k (1 - x)``, ``h k >> 1``) gets ``1 / (2 h k)``, the true error, where the plain
    difference would give 1/2 (Shampine's filtering of error estimates for stiff
    problems).
    """
    ns = f_new.shape[0]
    h = np.asarray(h, float)
    m = np.eye(ns) - h[..., None, None] * np.moveaxis(ev.df_dx, (0, 1), (-2, -1))
    r = np.moveaxis(0.5 * h * (f_new - f_old), 0, -1)[..., None]
    with np.errstate(all="ignore"):
        e = np.linalg.solve(m, np.linalg.solve(m, r))[..., 0]
    return np.moveaxis(e, -1, 0)


def next_step(h, err):
    """Step-size update from the error norm (0.9 / sqrt(err), within [0.2, 5] x h)."""
    with np.errstate(divide="ignore"):
        fac = np.where(err > 0, 0.9 / np.sqrt(np.maximum(err, 1e-300)), 5.0)
    return h * np.clip(fac, 0.2, 5.0)


def integrate_fixed_bias(num, v, x, p, duration_s: float, lo, hi, span, rtol=RTOL,
                         atol=ATOL, h0_s=None, hmin_s=None, max_steps: int = 1_000_000,
                         where: str = "devices"):
    """Advance every device by ``duration_s`` at its own fixed voltage ``v``.

    Each device takes its own adaptive steps (vectorised over the devices still
    running).  ``x`` (ns, m), ``v`` (m,), ``p`` (np, m).  Returns ``(x, stats)``.

    Raises
    ------
    ConvergenceError
        A device's step falls below ``hmin_s`` (default 1e-24 of the duration: the
        thresholded kinetics of a large electrode switch within ~1e-21 s).
    """
    x = np.array(x, float)
    m = x.shape[1]
    v = np.broadcast_to(np.asarray(v, float), (m,)).copy()
    t = np.zeros(m)
    h = np.full(m, duration_s / 10 if h0_s is None else min(h0_s, duration_s))
    hmin = duration_s * 1e-24 if hmin_s is None else hmin_s
    steps = rejected = n_forced = 0
    while True:
        act = np.flatnonzero(t < duration_s * (1 - 1e-12))
        if act.size == 0:
            break
        steps += 1
        if steps > max_steps:
            raise ConvergenceError(f"{where}: more than {max_steps} steps in a "
                                   f"{duration_s:g} s pulse")
        ha = np.minimum(h[act], duration_s - t[act])
        # smallest step: hmin, or what still advances t in double precision
        hlo = np.maximum(hmin, 4e-16 * t[act])
        xa, pa, va = x[:, act], p[:, act], v[act]
        xn, _, err, _ = step(num, va, xa, pa, ha, lo, hi, span, rtol, atol)
        # at the smallest step a converged backward-Euler step is taken even when the
        # error estimate is not met (L-stable; a transient faster than hmin is over)
        forced = np.isfinite(err) & (err > 1.0) & (ha <= hlo * (1 + 1e-9))
        acc = (err <= 1.0) | forced
        n_forced += int(forced.sum())
        rejected += int((~acc).sum())
        x[:, act[acc]] = xn[:, acc]
        t[act[acc]] += ha[acc]
        hn = np.where(np.isfinite(err), next_step(ha, err), 0.25 * ha)
        hn = np.where(forced, 4.0 * ha, hn)
        h[act] = np.maximum(np.where(acc, hn, np.minimum(hn, 0.5 * ha)), hlo)
        bad = (~acc) & (ha <= hlo * (1 + 1e-9))
        if bad.any():
            k = act[np.flatnonzero(bad)[0]]
            raise ConvergenceError(
                f"{where}: Newton did not converge at the smallest step ({hmin:.3g} s) at "
                f"t = {t[k]:.6g} s of a {duration_s:g} s pulse (device {k}, {v[k]:.6g} V); "
                "the states could not be integrated")
    return x, {"steps": steps, "rejected": rejected, "forced": n_forced}
