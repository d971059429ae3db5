"""Two-terminal selectors in series with a crossbar cell.

A selector is any memli model without states (declared in sympy like every device,
so its numpy code and Jacobians are generated).  :data:`SINH_SELECTOR` is the usual
symmetric tunnelling/threshold law ``I = i0 sinh(V / v0)`` (written with ``limexp``),
e.g. Burr et al., "Access devices for 3D crosspoint memory", J. Vac. Sci. Technol. B
32 (2014) 040802.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConvergenceError, ModelError
from ..models.base import ModelBuilder, V
from ..models.smooth import limexp

_b = ModelBuilder("sinh_selector", doc="symmetric sinh selector I = i0 sinh(V/v0)",
                  citations=())
_i0 = _b.param("i0_a", 1e-7, (1e-15, 1.0), "current scale of the selector")
_v0 = _b.param("v0_v", 0.1, (1e-3, 10.0), "voltage scale of the selector")
SINH_SELECTOR = _b.build(current=_i0 * (limexp(V / _v0) - limexp(-V / _v0)) / 2, rates={},
                         passive=True)


class Selector:
    """A stateless model and its parameters (mapping, or array (n_params, ...))."""

    def __init__(self, model=SINH_SELECTOR, params=None):
        if model.n_states:
            raise ModelError(f"selector model {model.name!r} has states "
                             f"{model.state_names}; a selector must be stateless")
        self.model = model
        self.params = model.numeric.params(params if params is not None else model.defaults())

    def current_and_conductance(self, v):
        return self.model.numeric.current_and_conductance(v, np.zeros((0,)), self.params)


def series_solve(selector: Selector, dev_fn, v, tol_v: float = 1e-13, maxiter: int = 100):
    """Split ``v`` (V) over a selector in series with a device, per cell.

    ``dev_fn(v_dev) -> (i, g)``.  Both elements must be passive and monotonic, so the
    device voltage lies between 0 and ``v``; safeguarded Newton (bisection fallback).

    Returns
    -------
    v_dev, i, g_eff : ndarray
        Device voltage (V), series current (A), series small-signal conductance (S).
    """
    v = np.asarray(v, dtype=float)
    lo = np.minimum(v, 0.0)
    hi = np.maximum(v, 0.0)
    vd = 0.5 * v
    for _ in range(maxiter):
        i_s, g_s = selector.current_and_conductance(v - vd)
        i_d, g_d = dev_fn(vd)
        f = i_s - i_d                       # decreasing in vd
        hi = np.where(f < 0, vd, hi)
        lo = np.where(f >= 0, vd, lo)
        den = g_s + g_d
        step = np.where(den > 0, f / np.where(den > 0, den, 1.0), 0.0)
        new = vd + step
        bad = ~((new > lo) & (new < hi)) | ~np.isfinite(new)
        new = np.where(bad, 0.5 * (lo + hi), new)
        done = np.max(np.abs(new - vd), initial=0.0) <= tol_v
        vd = new
        if done:
            break
    else:
        raise ConvergenceError("selector/device series split did not converge within "
                               f"{maxiter} iterations; check that both are monotonic")
    i_s, g_s = selector.current_and_conductance(v - vd)
    i_d, g_d = dev_fn(vd)
    g = np.where(g_s + g_d > 0, g_s * g_d / np.where(g_s + g_d > 0, g_s + g_d, 1.0), 0.0)
    return vd, i_d, g
