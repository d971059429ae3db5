"""Fast exact solver for the nodal equations of a resistive crossbar.

The network of an ``n x m`` crossbar has two families of nodes: word-line nodes
``w[i, j]`` (line ``i`` runs along ``j``) and bit-line nodes ``b[i, j]`` (line ``j``
runs along ``i``), coupled cell by cell through the (linearised) device conductance
``c[i, j]``.  Its nodal matrix is::

        | Tw   -C |
    A = |         |      Tw: one tridiagonal block per word line (incl. device diagonal)
        | -C   Tb |      Tb: one tridiagonal block per bit line,  C = diag(c)

and it is symmetric positive definite whenever every device conductance is >= 0 and
every line reaches a fixed potential (driver or sense).

:class:`LineSystem` solves ``A x = f`` by the conjugate-gradient method
preconditioned with a multilevel V-cycle whose smoother is an exact block
Gauss-Seidel sweep over the two line families (each family is one long tridiagonal
system, factorised once with LAPACK ``dpttrf``) and whose coarse levels are the
Galerkin products ``P^T A P`` for piecewise-constant aggregation of ``k x k`` cells.
The coarse operator of a crossbar is again a crossbar (summed device conductances,
``k`` parallel wire segments), so the same code serves every level; the coarsest is
factorised directly.  Iterations stop when ``||f - A x||_2 <= rtol ||f||_2``; the
achieved relative residual is returned with the solution.

References
----------
Y. Saad, *Iterative Methods for Sparse Linear Systems*, 2nd ed., SIAM 2003, ch. 9
(preconditioned CG) and ch. 13 (multigrid, block relaxation).
P. Vanek, J. Mandel, M. Brezina, "Algebraic multigrid by smoothed aggregation",
Computing 56 (1996) 179-196 (aggregation coarse spaces).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla
from scipy.linalg import lapack

from ..errors import ConvergenceError

#: default relative residual tolerance of :meth:`LineSystem.solve`
RTOL = 1e-13


@dataclass
class SolveInfo:
    """What an iterative solve achieved.

    Attributes
    ----------
    iterations : int
        PCG iterations.
    residual : float
        Final relative residual ``||f - A x||_2 / ||f||_2``.
    rtol : float
        Tolerance that was requested.
    method : str
        ``"pcg-multilevel"``, ``"direct"`` or ``"decoupled"``.
    levels : int
        Number of levels of the multilevel preconditioner.
    """

    iterations: int
    residual: float
    rtol: float
    method: str
    levels: int = 1


class _Tridiag:
    """All lines of one family as one block-tridiagonal system (factorised once)."""

    def __init__(self, diag: np.ndarray, off: np.ndarray):
        # diag: (L, n) ; off: (L, n-1) coupling (matrix entries) along each line
        self.shape = diag.shape
        d = np.ascontiguousarray(diag, dtype=float).ravel()
        e = np.zeros_like(diag, dtype=float)
        e[:, :-1] = off
        e = e.ravel()[:-1]
        self.spd = True
        df, ef, info = lapack.dpttrf(d, e)
        if info != 0:
            self.spd = False
            dl, du = e.copy(), e.copy()
            self._lu = lapack.dgttrf(dl, d, du)
            if self._lu[-1] != 0:
                raise ConvergenceError(
                    f"crossbar line matrix is singular (LAPACK dgttrf info={self._lu[-1]}); "
                    "a line with no path to a driver or sense node and no device conductance. "
                    "Check for zero conductances on a whole line with infinite terminations.")
        else:
            self._f = (df, ef)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        r = np.ascontiguousarray(rhs, dtype=float).ravel()
        if self.spd:
            x, info = lapack.dpttrs(self._f[0], self._f[1], r)
        else:
            dl, d, du, du2, ipiv, _ = self._lu
            x, info = lapack.dgttrs(dl, d, du, du2, ipiv, r)
        return x.reshape(self.shape)


def _agg_sum(a: np.ndarray, axis: int, starts: np.ndarray) -> np.ndarray:
    return np.add.reduceat(a, starts, axis=axis)


class _Level:
    """One level: word-line / bit-line tridiagonals and the device coupling."""

    def __init__(self, dw, ow, db, ob, c):
        # dw (n, m) diagonal of word-line equations; ow (n, m-1) off-diagonal (<= 0)
        # db (n, m) diagonal of bit-line equations;  ob (n-1, m) off-diagonal (<= 0)
        # c  (n, m) device coupling (matrix entry is -c)
        self.dw, self.ow, self.db, self.ob, self.c = dw, ow, db, ob, c
        self.n, self.m = dw.shape
        self.size = 2 * self.n * self.m
        self.coarse: _Level | None = None
        self.direct = None
        self.rows = self.cols = None
        self.gamma = 1

    # -- operator --------------------------------------------------------------
    def matvec(self, w, b):
        yw = self.dw * w - self.c * b
        if self.m > 1:
            yw[:, :-1] += self.ow * w[:, 1:]
            yw[:, 1:] += self.ow * w[:, :-1]
        yb = self.db * b - self.c * w
        if self.n > 1:
            yb[:-1] += self.ob * b[1:]
            yb[1:] += self.ob * b[:-1]
        return yw, yb

    def sparse(self) -> sps.csr_matrix:
        """The level's matrix as scipy CSR (w nodes first, row-major; then b nodes)."""
        n, m = self.n, self.m
        nm = n * m
        idx = np.arange(nm).reshape(n, m)
        rows = [idx.ravel(), nm + idx.ravel(), idx.ravel(), nm + idx.ravel()]
        cols = [idx.ravel(), nm + idx.ravel(), nm + idx.ravel(), idx.ravel()]
        vals = [self.dw.ravel(), self.db.ravel(), -self.c.ravel(), -self.c.ravel()]
        if m > 1:
            a, bb = idx[:, :-1].ravel(), idx[:, 1:].ravel()
            rows += [a, bb]
            cols += [bb, a]
            vals += [self.ow.ravel(), self.ow.ravel()]
        if n > 1:
            a, bb = nm + idx[:-1].ravel(), nm + idx[1:].ravel()
            rows += [a, bb]
            cols += [bb, a]
            vals += [self.ob.ravel(), self.ob.ravel()]
        A = sps.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(2 * nm, 2 * nm))
        return A.tocsr()

    # -- setup -----------------------------------------------------------------
    def setup(self, k: int, coarsest: int, gamma: int = 1, top: bool = True):
        if self.size <= coarsest or (self.n <= 2 and self.m <= 2):
            self.direct = spla.splu(self.sparse().tocsc(), permc_spec="COLAMD")
            return
        self.tw = _Tridiag(self.dw, self.ow)
        self.tb = _Tridiag(self.db.T, self.ob.T)
        kr = k if self.n > 1 else 1
        kc = k if self.m > 1 else 1
        self.rows = np.arange(0, self.n, kr)
        self.cols = np.arange(0, self.m, kc)
        self.gamma = 1 if top else gamma
        self.coarse = self._galerkin()
        self.coarse.setup(k, coarsest, gamma, top=False)

    def _galerkin(self) -> "_Level":
        rs, cs = self.rows, self.cols
        n, m = self.n, self.m
        agg_c = np.arange(m) // (cs[1] if len(cs) > 1 else m)
        agg_r = np.arange(n) // (rs[1] if len(rs) > 1 else n)
        bsum = lambda a: _agg_sum(_agg_sum(a, 0, rs), 1, cs)  # noqa: E731
        c = bsum(self.c)
        # word lines: off-diagonals inside an aggregate add twice to its diagonal
        dw_full = self.dw.copy()
        ow_c = np.zeros((len(rs), max(len(cs) - 1, 0)))
        if m > 1:
            inside = agg_c[:-1] == agg_c[1:]
            ow_in = np.where(inside[None, :], self.ow, 0.0)
            dw_full[:, :-1] += ow_in
            dw_full[:, 1:] += ow_in
            if len(cs) > 1:
                bnd = np.nonzero(~inside)[0]
                ow_c = _agg_sum(self.ow[:, bnd], 0, rs)
        dw = bsum(dw_full)
        db_full = self.db.copy()
        ob_c = np.zeros((max(len(rs) - 1, 0), len(cs)))
        if n > 1:
            inside = agg_r[:-1] == agg_r[1:]
            ob_in = np.where(inside[:, None], self.ob, 0.0)
            db_full[:-1] += ob_in
            db_full[1:] += ob_in
            if len(rs) > 1:
                bnd = np.nonzero(~inside)[0]
                ob_c = _agg_sum(self.ob[bnd, :], 1, cs)
        db = bsum(db_full)
        return _Level(dw, ow_c, db, ob_c, c)

    def restrict(self, a):
        return _agg_sum(_agg_sum(a, 0, self.rows), 1, self.cols)

    def prolong(self, a):
        kr = self.rows[1] if len(self.rows) > 1 else self.n
        kc = self.cols[1] if len(self.cols) > 1 else self.m
        return np.repeat(np.repeat(a, kr, axis=0)[: self.n], kc, axis=1)[:, : self.m]

    # -- preconditioner ----------------------------------------------------------
    def vcycle(self, rw, rb):
        """Approximate A^{-1} (rw, rb): symmetric, so usable inside CG."""
        if self.direct is not None:
            x = self.direct.solve(np.concatenate([rw.ravel(), rb.ravel()]))
            nm = self.n * self.m
            return x[:nm].reshape(self.n, self.m), x[nm:].reshape(self.n, self.m)
        c = self.c
        # forward block Gauss-Seidel: word lines, then bit lines
        w = self.tw.solve(rw)
        b = self.tb.solve((rb + c * w).T).T
        # residual is now c*b on the word-line equations and zero on the bit lines
        r2w = self.restrict(c * b)
        zc = np.zeros_like(r2w)
        ew, eb = self.coarse.vcycle(r2w, zc)
        for _ in range(self.gamma - 1):
            # W-cycle: a second coarse pass on the coarse residual
            yw, yb = self.coarse.matvec(ew, eb)
            fw2, fb2 = self.coarse.vcycle(r2w - yw, zc - yb)
            ew += fw2
            eb += fb2
        w += self.prolong(ew)
        b += self.prolong(eb)
        yw, yb = self.matvec(w, b)
        sw, sb = rw - yw, rb - yb
        # backward sweep (the adjoint): bit lines, then word lines
        db = self.tb.solve(sb.T).T
        dw = self.tw.solve(sw + c * db)
        return w + dw, b + db

    def depth(self) -> int:
        return 1 + (self.coarse.depth() if self.coarse is not None else 0)


class LineSystem:
    """The crossbar nodal matrix in line form, ready to solve.

    Parameters
    ----------
    dw, ow, db, ob, c : ndarray
        Word-line diagonal (n, m) and off-diagonal (n, m-1) in S; bit-line diagonal
        (n, m) and off-diagonal (n-1, m) in S (off-diagonals are minus the segment
        conductances); device coupling ``c`` (n, m) in S.
    k : int
        Aggregation factor per direction between levels.
    coarsest : int
        Unknown count below which a level is factorised directly (SuperLU).
    """

    def __init__(self, dw, ow, db, ob, c, k: int = 4, coarsest: int = 6000, gamma: int = 1):
        self.top = _Level(*(np.asarray(a, dtype=float) for a in (dw, ow, db, ob, c)))
        self.top.setup(k, coarsest, gamma)
        self.n, self.m = self.top.n, self.top.m

    def matvec(self, w, b):
        return self.top.matvec(w, b)

    def sparse(self):
        return self.top.sparse()

    def solve(self, fw, fb, rtol: float = RTOL, maxiter: int = 200, x0=None):
        """Solve ``A (w, b) = (fw, fb)``; returns ``(w, b, SolveInfo)``.

        Raises
        ------
        ConvergenceError
            When the relative residual is still above ``rtol`` after ``maxiter``
            iterations (the message gives the residual reached).
        """
        top = self.top
        fnorm = np.sqrt(np.vdot(fw, fw) + np.vdot(fb, fb))
        if top.direct is not None:
            w, b = top.vcycle(fw, fb)
            yw, yb = top.matvec(w, b)
            res = np.sqrt(np.vdot(fw - yw, fw - yw) + np.vdot(fb - yb, fb - yb))
            return w, b, SolveInfo(0, float(res / fnorm) if fnorm else 0.0, rtol, "direct", 1)
        if fnorm == 0:
            z = np.zeros_like(fw)
            return z, z.copy(), SolveInfo(0, 0.0, rtol, "pcg-multilevel", top.depth())
        if x0 is None:
            w = np.zeros_like(fw)
            b = np.zeros_like(fb)
            rw, rb = fw.copy(), fb.copy()
        else:
            w, b = (np.array(a, dtype=float) for a in x0)
            yw, yb = top.matvec(w, b)
            rw, rb = fw - yw, fb - yb
        zw, zb = top.vcycle(rw, rb)
        pw, pb = zw.copy(), zb.copy()
        rz = np.vdot(rw, zw) + np.vdot(rb, zb)
        res = np.sqrt(np.vdot(rw, rw) + np.vdot(rb, rb)) / fnorm
        it = 0
        while res > rtol and it < maxiter:
            qw, qb = top.matvec(pw, pb)
            alpha = rz / (np.vdot(pw, qw) + np.vdot(pb, qb))
            w += alpha * pw
            b += alpha * pb
            rw -= alpha * qw
            rb -= alpha * qb
            it += 1
            res = np.sqrt(np.vdot(rw, rw) + np.vdot(rb, rb)) / fnorm
            if res <= rtol:
                break
            zw, zb = top.vcycle(rw, rb)
            rz_new = np.vdot(rw, zw) + np.vdot(rb, zb)
            beta = rz_new / rz
            rz = rz_new
            pw = zw + beta * pw
            pb = zb + beta * pb
        # true residual (the recursive one can drift below it)
        yw, yb = top.matvec(w, b)
        true = np.sqrt(np.vdot(fw - yw, fw - yw) + np.vdot(fb - yb, fb - yb)) / fnorm
        info = SolveInfo(it, float(true), rtol, "pcg-multilevel", top.depth())
        if true > max(rtol, 1e-15) * 100:
            raise ConvergenceError(
                f"crossbar solve: relative residual {true:.3g} after {it} PCG iterations; "
                f"expected <= {rtol:g}. Try a larger maxiter or check for negative "
                "device conductances (non-monotonic devices need the direct solver).")
        return w, b, info
