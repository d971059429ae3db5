"""Uncertainties of fitted parameters: covariance from the Jacobian at the solution and
block-bootstrap standard errors.

``cov = s^2 (J^T J)^-1`` with ``s^2`` the reduced chi-square (lmfit / Levenberg-Marquardt
practice), in the scaled variables ``u``; a parameter whose error cannot be estimated
says why: ``at boundary`` or ``singular`` (the data do not constrain it).

References
----------
M. Newville et al., LMFIT: Non-Linear Least-Squares Minimization, doi:10.5281/zenodo.11813.
"""
from __future__ import annotations

import numpy as np

from ..errors import MemliError
from .problem import Problem


def covariance(J, r, n_free, active, names):
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


def bootstrap(prob: Problem, u, lo, hi, n: int, seed: int = 0, progress=None):
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
