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
from scipy.linalg import cho_factor, cho_solve

from ..errors import ConvergenceError
from . import kernels

#: default relative residual tolerance of :meth:`LineSystem.solve`
RTOL = 1e-13


#: cache budget of one block of vectors in :meth:`LineSystem.solve_many`, bytes
BLOCK_BYTES = 1 << 20

#: coarse grid points per direction (the coarse problem has 2 * nc^2 unknowns)
COARSE_POINTS = 48

#: coarse problems up to this many unknowns are factorised densely (Cholesky)
DENSE_COARSE = 512


@dataclass
class SolveInfo:
    """What a solve achieved.

    Attributes
    ----------
    iterations : int
        PCG iterations (0 for direct or decoupled solves).
    residual : float
        Final relative residual ``||f - A x||_2 / ||f||_2``.
    rtol : float
        Tolerance that was requested.
    method : str
        ``"pcg-lines"``, ``"banded"`` (LAPACK band Cholesky, small arrays),
        ``"direct"`` or ``"decoupled"``.
    levels : int
        1 (direct) or 2 (line relaxation + coarse grid).
    floor : float
        Rounding floor ``64 eps ||A|| ||x|| / ||f||`` of the relative residual; the
        solve succeeds when the residual is below ``max(rtol, floor)``.
    """

    iterations: int
    residual: float
    rtol: float
    method: str
    levels: int = 1
    floor: float = 0.0


#: a crossbar whose band Cholesky costs at most this many flops (~ unknowns x band^2) is
#: factorised directly (LAPACK dpbtrf); larger ones use PCG
BANDED_FLOPS = 1.2e7


class _Banded:
    """Direct solve of the line-form matrix as a band matrix (LAPACK ``dpbtrf``).

    Unknowns are interleaved cell by cell (``w`` then ``b`` of each cell) with the cells
    numbered along the shorter side, so the half bandwidth is ``2 min(n, m)``: a
    16 x 16 crossbar (512 unknowns, band 32) factorises in ~0.2 ms, far below a
    general sparse LU of the same matrix.
    """

    def __init__(self, dw, ow, db, ob, c):
        from scipy.linalg import lapack
        n, m = c.shape
        self.n, self.m = n, m
        self.rowmajor = m <= n               # cells numbered along rows (band 2m)
        if self.rowmajor:
            D1, D2, C = dw, db, c
            O1 = np.zeros((n, m))
            O1[:, :-1] = ow                   # w(i, j) - w(i, j+1): distance 2
            O2 = np.zeros((n, m))
            O2[:-1, :] = ob                   # b(i, j) - b(i+1, j): distance 2m
            far = m
            near_is_w = True
        else:                                 # cells numbered along columns (band 2n)
            D1, D2, C = dw.T, db.T, c.T
            O1 = np.zeros((m, n))
            O1[:-1, :] = ow.T                 # w(i, j) - w(i, j+1): distance 2n
            O2 = np.zeros((m, n))
            O2[:, :-1] = ob.T                 # b(i, j) - b(i+1, j): distance 2
            far = n
            near_is_w = False
        nc = n * m
        N = 2 * nc
        kd = max(2 * far, 2)
        ab = np.zeros((kd + 1, N), order="F")
        ab[0, 0::2] = D1.ravel()
        ab[0, 1::2] = D2.ravel()
        ab[1, 0::2] = -C.ravel()               # w(p) - b(p)
        if near_is_w:
            ab[2, 0::2] = O1.ravel()
            ab[2 * far, 1::2] = O2.ravel()
        else:
            ab[2, 1::2] = O2.ravel()
            ab[2 * far, 0::2] = O1.ravel()
        cb, info = lapack.dpbtrf(ab, lower=1)
        if info != 0:
            raise ConvergenceError(
                f"crossbar: the nodal matrix is not positive definite (band Cholesky pivot "
                f"{int(info)}); a line with no driver and no conducting cell, or a negative "
                "device conductance.")
        self.cb, self.kd, self._dpbtrs = cb, kd, lapack.dpbtrs

    def solve_many(self, FW, FB):
        """Solutions for right-hand sides FW, FB (k, n, m); returns W, B (k, n, m)."""
        k = FW.shape[0]
        n, m = self.n, self.m
        rhs = np.empty((n * m * 2, k))
        if self.rowmajor:
            rhs[0::2] = FW.reshape(k, -1).T
            rhs[1::2] = FB.reshape(k, -1).T
        else:
            rhs[0::2] = FW.transpose(0, 2, 1).reshape(k, -1).T
            rhs[1::2] = FB.transpose(0, 2, 1).reshape(k, -1).T
        x, info = self._dpbtrs(self.cb, rhs, lower=1)
        if self.rowmajor:
            W = x[0::2].T.reshape(k, n, m)
            B = x[1::2].T.reshape(k, n, m)
        else:
            W = x[0::2].T.reshape(k, m, n).transpose(0, 2, 1)
            B = x[1::2].T.reshape(k, m, n).transpose(0, 2, 1)
        return W, B


class _WordLines:
    """All word lines as one tridiagonal system along the flat row-major array."""

    def __init__(self, d, off):
        n, m = d.shape
        self.shape = (n, m)
        e = np.zeros((n, m))
        e[:, :-1] = off
        self.f = kernels.LDL(d, e.ravel()[:-1], 1, row_length=m)
        if self.f.bad >= 0:
            i, j = divmod(self.f.bad, m)
            raise ConvergenceError(
                f"crossbar: word line {i} is not positive definite at column {j}; a line "
                "with no driver and no conducting cell, or a negative device conductance. "
                "Use the direct solver for such networks.")

    def solve(self, r, inplace: bool = False):
        return self.f.solve(r, inplace).reshape(self.shape)


class _BitLines:
    """All bit lines (along axis 0 of the row-major array)."""

    def __init__(self, d, off):
        n, m = d.shape
        self.shape = (n, m)
        self.f = kernels.LDL(d, off, m)
        if self.f.bad >= 0:
            i, j = divmod(self.f.bad, m)
            raise ConvergenceError(
                f"crossbar: bit line {j} is not positive definite at row {i}; a line with "
                "no sense/driver and no conducting cell, or a negative device conductance.")

    def solve(self, r, inplace: bool = False):
        return self.f.solve(r, inplace).reshape(self.shape)


def _hats(n: int, nc_max: int):
    """Blocks and linear 'hat' interpolation from nc coarse points along a line of n.

    Returns (starts, sizes, centers, lo, wt0): block start indices and sizes, the
    integer coarse-point positions, and for each fine index the coarse point at or
    below it (``lo``) with its weight ``wt0`` (the point above gets ``1 - wt0``).
    """
    k = max(1, -(-n // nc_max))
    starts = np.arange(0, n, k)
    sizes = np.diff(np.append(starts, n))
    centers = starts + (sizes - 1) // 2
    nc = len(starts)
    i = np.arange(n)
    lo = np.clip(np.searchsorted(centers, i, side="right") - 1, 0, nc - 1)
    wt0 = np.ones(n)
    inside = (i > centers[0]) & (i < centers[-1])
    hi = np.minimum(lo + 1, nc - 1)
    span = np.where(inside, centers[hi] - centers[lo], 1)
    wt0 = np.where(inside, (centers[hi] - i) / span, 1.0)
    return starts, sizes, centers, lo, wt0


def _interp_matrix(lo, wt0, nc, dense: bool = False):
    """Hat interpolation (n, nc) from coarse points to a line of n: CSR, or an array."""
    n = len(lo)
    hi = np.minimum(lo + 1, nc - 1)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    cols = np.concatenate([lo, hi])
    vals = np.concatenate([wt0, 1.0 - wt0])
    if dense:
        P = np.zeros((n, nc))
        np.add.at(P, (rows, cols), vals)
        return P
    return sps.csr_matrix((vals, (rows, cols)), shape=(n, nc))


def _dense(P):
    return P if isinstance(P, np.ndarray) else P.toarray()


def _runs(*keys):
    """Start indices of runs of equal (non-decreasing) integer keys."""
    k = np.stack(keys)
    change = np.any(k[:, 1:] != k[:, :-1], axis=0)
    return np.concatenate([[0], np.nonzero(change)[0] + 1])


def _row_sums(a, starts, weight=None):
    """Sums of the rows of a (n, m) over the runs beginning at ``starts`` (rows weighted
    by ``weight`` (n,) when given): ``np.add.reduceat(a, starts, axis=0)``, run by run
    (numpy's reduceat along axis 0 is an order of magnitude slower on large arrays)."""
    ends = np.append(starts[1:], a.shape[0])
    out = np.empty((len(starts), a.shape[1]))
    for k, (s0, s1) in enumerate(zip(starts, ends)):
        if weight is None:
            np.add.reduce(a[s0:s1], axis=0, out=out[k])
        else:
            np.dot(weight[s0:s1], a[s0:s1], out=out[k])
    return out


class _Coarse:
    """Coarse space: word-line values interpolated linearly along j (constant over a
    block of rows), bit-line values linearly along i (constant over a block of
    columns); the Galerkin operator ``P^T A P`` is factorised directly."""

    def __init__(self, dw, ow, db, ob, c, nc_max):
        n, m = c.shape
        self.n, self.m = n, m
        rs, rsz, _, ilo, iwt = _hats(n, nc_max)
        cs, csz, _, jlo, jwt = _hats(m, nc_max)
        self.rs, self.rsz, self.cs, self.csz = rs, rsz, cs, csz
        nr, nc = len(rs), len(cs)
        self.nr, self.nc = nr, nc
        # small coarse grids: dense interpolation and a dense Cholesky (no sparse set-up)
        self.dense = 2 * nr * nc <= DENSE_COARSE
        self.phi = _interp_matrix(jlo, jwt, nc, self.dense)      # (m, nc): w along j
        self.psi = _interp_matrix(ilo, iwt, nr, self.dense)      # (n, nr): b along i
        self.phiT = self.phi.T if self.dense else self.phi.T.tocsr()
        self.psiT = self.psi.T if self.dense else self.psi.T.tocsr()
        self.blk = np.ascontiguousarray(np.repeat(np.arange(nr), rsz), dtype=np.int64)
        self.ilo = np.ascontiguousarray(ilo, dtype=np.int64)
        self.ihi = np.ascontiguousarray(np.minimum(ilo + 1, nr - 1), dtype=np.int64)
        self.iwt = np.ascontiguousarray(iwt, dtype=float)
        N = nr * nc
        idx = np.arange(N).reshape(nr, nc)              # coarse (I, J) -> I * nc + J
        rows, cols, vals = [], [], []

        def put(r, c_, v, sym=False):
            rows.append(r.ravel())
            cols.append(c_.ravel())
            vals.append(v.ravel())
            if sym:
                rows.append(c_.ravel())
                cols.append(r.ravel())
                vals.append(v.ravel())
        # word-line part: sum the lines of a row block, then project along j
        DW = _row_sums(dw, rs)                           # (nr, m)
        OW = _row_sums(ow, rs) if m > 1 else np.zeros((nr, 0))
        d, o = self._line_galerkin(DW, OW, _dense(self.phi))            # (nr, nc), (nr, nc-1)
        put(idx, idx, d)
        put(idx[:, :-1], idx[:, 1:], o, sym=True)
        # bit-line part: sum the lines of a column block, project along i
        DB = np.add.reduceat(db, cs, axis=1).T           # (nc, n)
        OB = np.add.reduceat(ob, cs, axis=1).T if n > 1 else np.zeros((nc, 0))
        d, o = self._line_galerkin(DB, OB, _dense(self.psi))            # (nc, nr), (nc, nr-1)
        put(N + idx.T, N + idx.T, d)
        put(N + idx.T[:, :-1], N + idx.T[:, 1:], o, sym=True)
        # coupling: rows grouped by (block I, hat lo), columns by (block J, hat lo)
        I_of_i = np.repeat(np.arange(nr), rsz)
        J_of_j = np.repeat(np.arange(nc), csz)
        gr = _runs(I_of_i, ilo)
        gc = _runs(J_of_j, jlo)
        S_all = _row_sums(c, gr)
        S0 = _row_sums(c, gr, iwt)
        for b_side, S in ((0, S0), (1, S_all - S0)):
            ib = np.minimum(ilo[gr] + b_side, nr - 1)
            for a_side, u in ((0, jwt), (1, 1.0 - jwt)):
                T = np.add.reduceat(S * u[None, :], gc, axis=1)          # (ngr, ngc)
                ja = np.minimum(jlo[gc] + a_side, nc - 1)
                rr = I_of_i[gr][:, None] * nc + ja[None, :]
                cc = N + ib[:, None] * nc + J_of_j[gc][None, :]
                put(rr, cc, -T, sym=True)
        rows, cols, vals = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
        self.size = 2 * N
        if self.dense:
            A = np.zeros((2 * N, 2 * N))
            np.add.at(A, (rows, cols), vals)
            self.cho = cho_factor(A, lower=True, check_finite=False)
            self.solve = lambda r: cho_solve(self.cho, r, check_finite=False)  # noqa: E731
        else:
            A = sps.coo_matrix((vals, (rows, cols)), shape=(2 * N, 2 * N)).tocsc()
            self.solve = spla.splu(A, permc_spec="MMD_AT_PLUS_A").solve
        self.A = A

    @staticmethod
    def _line_galerkin(D, O, P):
        """``P^T tridiag(D[L], O[L]) P`` for every line L, with P (n, k) the dense hat
        interpolation: the results are tridiagonal (a hat overlaps only its two
        neighbours, and the lines couple only adjacent points); returns their
        diagonals (L, k) and off-diagonals (L, k - 1)."""
        n = D.shape[1]
        diag = D @ (P * P)
        off = D @ (P[:, :-1] * P[:, 1:])
        if n > 1:
            diag += 2.0 * (O @ (P[:-1] * P[1:]))
            off += O @ (P[:-1, :-1] * P[1:, 1:] + P[1:, :-1] * P[:-1, 1:])
        return diag, off

    def prolong_from(self, X):
        """Coarse solve for a word-line residual already summed over row blocks, X
        (nr, m); returns the row-block arrays (EW, EB) (nr, m) from which the correction
        is interpolated."""
        R = (self.phiT @ X.T).T                                   # (nr, nc)
        N = self.nr * self.nc
        E = self.solve(np.concatenate([R.ravel(), np.zeros(N)]))
        W = E[:N].reshape(self.nr, self.nc)
        B = E[N:].reshape(self.nr, self.nc)
        EW = np.ascontiguousarray((self.phi @ W.T).T)             # (nr, m)
        EB = np.ascontiguousarray(np.repeat(B, self.csz, axis=1))  # (nr, m)
        return EW, EB


class LineSystem:
    """The crossbar nodal matrix in line form, ready to solve.

    Parameters
    ----------
    dw, ow, db, ob, c : ndarray
        Word-line diagonal (n, m) and off-diagonal (n, m-1) in S; bit-line diagonal
        (n, m) and off-diagonal (n-1, m) in S (off-diagonals are minus the segment
        conductances); device coupling ``c`` (n, m) in S.
    coarse_points : int, optional
        Coarse-grid points per direction (default: max(n, m) / 24, within 4 ... 48).
    direct_below : int
        Unknown count up to which the matrix is factorised directly (SuperLU).
    """

    def __init__(self, dw, ow, db, ob, c, coarse_points: int | None = None,
                 direct_below: int | None = None):
        f = lambda a: np.ascontiguousarray(a, dtype=float)  # noqa: E731
        self.dw, self.ow, self.db, self.ob, self.c = map(f, (dw, ow, db, ob, c))
        self.n, self.m = n, m = self.c.shape
        self.size = 2 * n * m
        self.direct = None
        self.band = None
        ew = np.zeros((n, m))
        ew[:, :-1] = self.ow
        self._ew = ew.ravel()[:-1]
        self._eb = np.ascontiguousarray(self.ob.ravel())
        kd = 2 * min(n, m)
        if direct_below is None:
            direct = self.size * kd * kd <= BANDED_FLOPS or n < 3 or m < 3
        else:
            direct = self.size <= direct_below or n < 3 or m < 3
        if direct:
            if kd <= 128:
                self.band = _Banded(self.dw, self.ow, self.db, self.ob, self.c)
            else:
                self.direct = spla.splu(self.sparse().tocsc(), permc_spec="COLAMD")
            return
        self.tw = _WordLines(self.dw, self.ow)
        self.tb = _BitLines(self.db, self.ob)
        if coarse_points is None:     # one coarse point per ~24 cells, 4 ... 48
            coarse_points = int(min(COARSE_POINTS, max(4, -(-max(n, m) // 24))))
        self.coarse = _Coarse(self.dw, self.ow, self.db, self.ob, self.c, coarse_points)

    @property
    def method(self) -> str:
        """``"banded"``, ``"direct"`` or ``"pcg-lines"``."""
        return "banded" if self.band is not None else (
            "direct" if self.direct is not None else "pcg-lines")

    # -- operator --------------------------------------------------------------
    def matvec(self, w, b):
        yw = np.empty((self.n, self.m))
        yb = np.empty((self.n, self.m))
        return kernels.matvec(self.n, self.m, self.dw, self._ew, self.db, self._eb, self.c,
                              np.ascontiguousarray(w, dtype=float),
                              np.ascontiguousarray(b, dtype=float), yw, yb)

    def sparse(self) -> sps.csr_matrix:
        """The matrix as scipy CSR (w nodes first, row-major; then b nodes)."""
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

    # -- preconditioner ----------------------------------------------------------
    def precondition(self, r, out=None):
        """Symmetric two-level preconditioner applied to r (2, n, m): block Gauss-Seidel
        over word then bit lines, coarse-grid correction, and the adjoint sweep (bit
        then word lines).  Returns z (2, n, m) (written into ``out`` when given).

        Each sweep solves a line family afresh from the other family's current values,
        ``w = Tw^-1 (r_w + c b)``, ``b = Tb^-1 (r_b + c w)`` (one fused pass per family);
        after the first two sweeps only the word-line equations have a residual,
        ``c b``, which is what the coarse grid sees."""
        c = self.c
        z = np.empty_like(r) if out is None else out
        w, b = z[0], z[1]
        tw, tb = self.tw.f, self.tb.f
        tw.solve_fx(r[0], out=w)
        tb.solve_fx(r[1], c, w, out=b)
        co = self.coarse
        EW, EB = co.prolong_from(kernels.cb_rowsum(co.blk, co.nr, c, b))
        kernels.prolong_add(co.blk, co.ilo, co.ihi, co.iwt, EW, EB, w, b, add=True)
        tb.solve_fx(r[1], c, w, out=b)
        tw.solve_fx(r[0], c, b, out=w)
        return z

    def _apply(self, x, out=None):
        y = np.empty_like(x) if out is None else out
        kernels.matvec(self.n, self.m, self.dw, self._ew, self.db, self._eb, self.c,
                       x[0], x[1], y[0], y[1])
        return y

    def solve(self, fw, fb, rtol: float = RTOL, maxiter: int = 100, x0=None):
        """Solve ``A (w, b) = (fw, fb)`` by PCG; returns ``(w, b, SolveInfo)``.

        Stops when ``||f - A x||_2 <= rtol ||f||_2`` (the true residual is recomputed
        at the end, CG restarts from it if the recursive residual drifted, and it is
        reported); when rounding makes ``rtol`` unreachable, the floor
        ``64 eps ||A|| ||x|| / ||f||`` is accepted instead (reported in SolveInfo).

        Raises
        ------
        ConvergenceError
            When the relative residual is still above ``rtol`` after ``maxiter``
            iterations (the message gives the residual reached).
        """
        n, m = self.n, self.m
        if getattr(self, "_sw", None) is None:     # work arrays kept between solves
            self._sw = [np.empty((2, n, m)) for _ in range(5)]
        f, r0, zw, pw, qw = self._sw

        f[0] = fw
        f[1] = fb
        fnorm = float(np.sqrt(kernels.dot(f, f)))
        if self.band is not None:
            W, B = self.band.solve_many(f[0][None], f[1][None])
            x = np.ascontiguousarray(np.stack([W[0], B[0]]))
            y = self._apply(x) - f
            res = float(np.sqrt(kernels.dot(y, y)))
            return x[0], x[1], SolveInfo(0, res / fnorm if fnorm else 0.0, rtol, "banded", 1)
        if self.direct is not None:
            x = self.direct.solve(f.ravel()).reshape(2, n, m)
            y = self._apply(x) - f
            res = float(np.sqrt(kernels.dot(y, y)))
            return x[0], x[1], SolveInfo(0, res / fnorm if fnorm else 0.0, rtol, "direct", 1)
        if fnorm == 0:
            return np.zeros((n, m)), np.zeros((n, m)), SolveInfo(0, 0.0, rtol, "pcg-lines", 2)
        x = np.zeros((2, n, m))
        if x0 is None:
            r = r0
            np.copyto(r, f)
        else:
            x[0], x[1] = x0
            r = f - self._apply(x)
        # rounding floor of the residual: eps * ||A|| * ||x|| / ||f|| (backward error)
        if getattr(self, "_anorm", None) is None:
            self._anorm = 2.0 * max(float(np.abs(self.dw).max()), float(np.abs(self.db).max()))
        anorm = self._anorm
        it = 0
        q = None
        for _restart in range(4):
            res = float(np.sqrt(kernels.dot(r, r))) / fnorm
            if res > rtol:
                z = self.precondition(r, out=zw)
                p = pw
                np.copyto(p, z)
                q = qw
                rz = kernels.dot(r, z)
                while it < maxiter:
                    pq = kernels.matvec_dot(n, m, self.dw, self._ew, self.db, self._eb,
                                            self.c, p[0], p[1], q[0], q[1])
                    alpha = rz / pq
                    rr = kernels.cg_step(alpha, p, q, x, r)
                    it += 1
                    res = float(np.sqrt(rr)) / fnorm
                    if res <= rtol:
                        break
                    z = self.precondition(r, out=z)
                    rz_new = kernels.dot(r, z)
                    kernels.cg_dir(rz_new / rz, z, p)
                    rz = rz_new
            if q is not None:                      # true residual (q is free here)
                q = self._apply(x, out=q)
                np.subtract(f, q, out=r)
            else:
                r = f - self._apply(x)
            true = float(np.sqrt(kernels.dot(r, r))) / fnorm
            floor = float(64 * np.finfo(float).eps * anorm
                          * np.sqrt(kernels.dot(x, x)) / fnorm)
            if true <= max(rtol, floor) or it >= maxiter:
                break
            # the recursive residual drifted below the true one: restart from x
        info = SolveInfo(it, true, rtol, "pcg-lines", 2, floor)
        if true > max(10 * rtol, floor):
            raise ConvergenceError(
                f"crossbar solve: relative residual {true:.3g} after {it} PCG iterations; "
                f"expected <= {rtol:g} (rounding floor {floor:.1e}). Try a larger maxiter "
                "or a looser rtol; networks with negative device conductances need the "
                "direct solver.")
        return x[0], x[1], info

    # -- many right-hand sides ----------------------------------------------------------
    def precondition_k(self, R, Z, work=None):
        """:meth:`precondition` for k residuals at once: R, Z (2, n, m, k)."""
        n, m = self.n, self.m
        k = R.shape[-1]
        c = self.c
        w, b = Z[0], Z[1]
        if work is None:
            work = (np.empty((n, m, k)), np.empty((n, m, k)))
        r2 = work[0]
        flat = lambda a: a.reshape(n * m, k)  # noqa: E731
        tw, tb = self.tw.f, self.tb.f
        kernels.ldl_solve_fx_k(tw, flat(R[0]), out=flat(w))
        kernels.ldl_solve_fx_k(tb, flat(R[1]), c, flat(w), out=flat(b))
        co = self.coarse
        nr, nc = co.nr, co.nc
        X = kernels.cb_rowsum_k(co.blk, nr, c, b, r2)       # word-line residual, block sums
        Rc = (co.phiT @ X.transpose(1, 0, 2).reshape(m, nr * k)).reshape(nc, nr, k)
        N = nr * nc
        rhs = np.zeros((2 * N, k))
        rhs[:N] = Rc.transpose(1, 0, 2).reshape(N, k)
        E = co.solve(rhs)
        Wc = E[:N].reshape(nr, nc, k)
        Bc = E[N:].reshape(nr, nc, k)
        EW = np.ascontiguousarray((co.phi @ Wc.transpose(1, 0, 2).reshape(nc, nr * k))
                                  .reshape(m, nr, k).transpose(1, 0, 2))      # (nr, m, k)
        EB = np.ascontiguousarray(np.repeat(Bc, co.csz, axis=1))              # (nr, m, k)
        kernels.prolong_add_k(co.blk, co.ilo, co.ihi, co.iwt, EW, EB, w, b)
        kernels.ldl_solve_fx_k(tb, flat(R[1]), c, flat(w), out=flat(b))
        kernels.ldl_solve_fx_k(tw, flat(R[0]), c, flat(b), out=flat(w))
        return Z

    def _apply_k(self, X, Y=None):
        Y = np.empty_like(X) if Y is None else Y
        kernels.matvec_k(self.n, self.m, self.dw, self._ew, self.db, self._eb, self.c,
                         X[0], X[1], Y[0], Y[1])
        return Y

    def solve_many(self, FW, FB, rtol: float = RTOL, maxiter: int = 100,
                   block: int | None = None):
        """Solve ``A (w, b) = (fw, fb)`` for many right-hand sides sharing one set-up.

        The line factorisations and the coarse-grid LU are made once (in the
        constructor); the right-hand sides are solved ``block`` at a time by PCG run
        in lockstep (every kernel works on all vectors of a block, innermost, so the
        matrix and the factors are read once per block per sweep; each vector keeps
        its own step lengths and stops at its own tolerance).  Small arrays use the
        band factorisation with all right-hand sides in one LAPACK call.

        Parameters
        ----------
        FW, FB : ndarray (k, n, m)
            Right-hand sides of the word- and bit-line equations.
        rtol : float
            Relative residual per vector (as in :meth:`solve`).
        block : int, optional
            Vectors per PCG block.  Default: as many as keep one block's vector
            arrays (2 n m block doubles) within :data:`BLOCK_BYTES`, i.e. in cache; a
            block of 1 runs the single-vector solver on the shared set-up.

        Returns
        -------
        W, B : ndarray (k, n, m)
        info : SolveInfo
            Largest iteration count and largest relative residual over the vectors.
        """
        FW = np.asarray(FW, dtype=float)
        FB = np.asarray(FB, dtype=float)
        k = FW.shape[0]
        n, m = self.n, self.m
        if FW.shape != (k, n, m) or FB.shape != (k, n, m):
            raise ValueError(f"solve_many: right-hand sides {FW.shape}, {FB.shape}; "
                             f"expected (k, {n}, {m}) each")
        if self.band is not None or self.direct is not None:
            if self.band is not None:
                W, B = self.band.solve_many(FW, FB)
            else:
                rhs = np.concatenate([FW.reshape(k, -1), FB.reshape(k, -1)], axis=1).T
                x = self.direct.solve(np.ascontiguousarray(rhs))
                W = x[:n * m].T.reshape(k, n, m)
                B = x[n * m:].T.reshape(k, n, m)
            W, B = np.ascontiguousarray(W), np.ascontiguousarray(B)
            F = np.stack([np.moveaxis(FW, 0, -1), np.moveaxis(FB, 0, -1)])
            X = np.stack([np.moveaxis(W, 0, -1), np.moveaxis(B, 0, -1)])
            Y = self._apply_k(np.ascontiguousarray(X)) - F
            fn = np.sqrt(kernels.dot_k(np.ascontiguousarray(F), np.ascontiguousarray(F)))
            rn = np.sqrt(kernels.dot_k(Y, Y))
            res = float(np.max(np.where(fn > 0, rn / np.where(fn > 0, fn, 1.0), 0.0),
                               initial=0.0))
            return W, B, SolveInfo(0, res, rtol, self.method, 1)
        if block is None:
            block = int(min(32, max(1, BLOCK_BYTES // (16 * n * m))))
        W = np.empty((k, n, m))
        B = np.empty((k, n, m))
        its, worst, floor_max = 0, 0.0, 0.0
        if block == 1:                   # large tiles: one vector at a time, in cache
            for j in range(k):
                W[j], B[j], inf = self.solve(FW[j], FB[j], rtol=rtol, maxiter=maxiter)
                its, worst = max(its, inf.iterations), max(worst, inf.residual)
                floor_max = max(floor_max, inf.floor)
            return W, B, SolveInfo(its, worst, rtol, "pcg-lines", 2, floor_max)
        ws = {}
        for s0 in range(0, k, block):
            s1 = min(k, s0 + block)
            F = np.empty((2, n, m, s1 - s0))
            F[0] = np.moveaxis(FW[s0:s1], 0, -1)
            F[1] = np.moveaxis(FB[s0:s1], 0, -1)
            X, it, res, floor = self._pcg_block(F, rtol, maxiter, ws)
            W[s0:s1] = np.moveaxis(X[0], -1, 0)
            B[s0:s1] = np.moveaxis(X[1], -1, 0)
            its, worst, floor_max = max(its, it), max(worst, res), max(floor_max, floor)
        return W, B, SolveInfo(its, worst, rtol, "pcg-lines", 2, floor_max)

    def _pcg_block(self, F, rtol, maxiter, ws=None):
        k = F.shape[-1]
        ws = {} if ws is None else ws
        if ws.get("k") != k:              # work arrays reused from block to block
            shp = (self.n, self.m, k)
            ws.update(k=k, Z=np.empty((2,) + shp), Q=np.empty((2,) + shp),
                      P=np.empty((2,) + shp), work=(np.empty(shp), np.empty(shp)))
        fnorm = np.sqrt(kernels.dot_k(F, F))
        fsafe = np.where(fnorm > 0, fnorm, 1.0)
        X = np.zeros_like(F)
        R = F.copy()
        anorm = 2.0 * max(float(np.abs(self.dw).max()), float(np.abs(self.db).max()))
        Z, Q, P, work = ws["Z"], ws["Q"], ws["P"], ws["work"]
        it = 0
        for _restart in range(4):
            res = np.sqrt(kernels.dot_k(R, R)) / fsafe
            active = res > rtol
            if active.any():
                self.precondition_k(R, Z, work)
                P[...] = Z
                rz = kernels.dot_k(R, Z)
                while it < maxiter:
                    self._apply_k(P, Q)
                    pq = kernels.dot_k(P, Q)
                    alpha = np.where(active & (pq > 0), rz / np.where(pq > 0, pq, 1.0), 0.0)
                    rr = kernels.cg_step_k(alpha, P, Q, X, R)
                    it += 1
                    res = np.sqrt(rr) / fsafe
                    active &= res > rtol
                    if not active.any():
                        break
                    self.precondition_k(R, Z, work)
                    rz_new = kernels.dot_k(R, Z)
                    beta = np.where(active & (rz != 0), rz_new / np.where(rz != 0, rz, 1.0),
                                    0.0)
                    kernels.cg_dir_k(beta, Z, P)
                    rz = rz_new
            R = F - self._apply_k(X)
            true = np.sqrt(kernels.dot_k(R, R)) / fsafe
            floor = 64 * np.finfo(float).eps * anorm * np.sqrt(kernels.dot_k(X, X)) / fsafe
            if np.all(true <= np.maximum(rtol, floor)) or it >= maxiter:
                break
        bad = true > np.maximum(10 * rtol, floor)
        if bad.any():
            j = int(np.argmax(np.where(bad, true, 0)))
            raise ConvergenceError(
                f"crossbar solve (batched): relative residual {true[j]:.3g} of right-hand "
                f"side {j} after {it} PCG iterations; expected <= {rtol:g}. Try a larger "
                "maxiter or a looser rtol.")
        return X, it, float(true.max(initial=0.0)), float(floor.max(initial=0.0))


def _Tridiag(d, off):
    """Tridiagonal systems along the last axis (used by the decoupled solves)."""
    return _WordLines(d, off)
