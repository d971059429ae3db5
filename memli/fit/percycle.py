"""Per-cycle fits: each cycle fitted alone from the global fit's state at its start; the
spread of the results becomes the card's ``variability`` block."""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..errors import MemliError
from .problem import Problem


def fit_per_cycle(result, sim_res, names=None, max_cycles=None, progress=None,
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
            sens = [k for k in result.names if k in result.params and result.params[k].stderr]
            names = sens[:2]
    if not names:
        raise MemliError("per-cycle fit: no parameters to vary (give per_cycle=[...])")
    cycles = [int(c) for c in np.unique(fd.cycle[fd.cycle >= 0])]
    if max_cycles:
        cycles = cycles[:max_cycles]
    def one(c):
        idx = np.flatnonzero(fd.cycle == c)
        sl = slice(idx[0], idx[-1] + 1)
        sub = fd.slice(sl)
        prob = Problem(card, sub, names, result.settings["r_series_ohm"],
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
