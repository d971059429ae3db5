"""Exact input-output map of a linear crossbar read, by row-by-row Schur elimination.

A read drives word line ``i`` with ``v[i]`` (through the driver resistance, or pinned)
and senses every bit line at its row-``n-1`` end.  The bit-line currents are linear in
the inputs, ``I = v T``; the transfer matrix ``T`` (n, m) in A/V holds the whole read.
Solving ``n`` unit inputs (one PCG solve each) gives it; this module gets it directly
from the line form of the nodal matrix (:class:`memli.circuits.network.Network`):

for each row ``i`` (top to bottom) the word line is eliminated exactly (a tridiagonal
solve, ``w_i = Tw_i^-1 (f_w,i + C_i b_i)``), which leaves a dense ``m x m`` block on the
bit-line nodes of the row; the previous row's bit-line nodes are then eliminated
through the bit-line segments, ``S_i = K_i - E S_{i-1}^-1 E``, carrying the right-hand
sides of the rows above as an ``m x i`` matrix.  At the last row the sense currents
follow from Kirchhoff's current law at the sense end.  The cost is ``O(n m^3 + n^2 m^2)``
flops in dense LAPACK/BLAS (Cholesky of each SPD Schur complement), against ``n``
iterative solves of ``2 n m`` unknowns: for tiles up to a few hundred lines it is the
faster way to read a batch of at least ``n`` inputs.

Every Schur complement of the symmetric positive definite nodal matrix is again SPD, so
the Cholesky factorisations need no pivoting and are backward stable (G. H. Golub,
C. F. Van Loan, *Matrix Computations*, 4th ed., 2013, sec. 4.2).
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import blas, lapack

from ..errors import ConvergenceError
from . import kernels
from .solver import _WordLines

#: widest frontier (bit lines) for which :func:`transfer_matrix` is used by default
MAX_COLS = 512


def supported(net) -> bool:
    """True when :func:`transfer_matrix` applies to ``net``: the coupled line form,
    at least 2 x 2 cells, no floating line, bit lines sensed at 0 V."""
    t = net.term
    return (net.mode == "lines" and net.n >= 2 and net.m >= 2
            and not t.wl_float.any() and not t.bl_float.any() and not np.any(t.v_bl))


def _chol(S, row):
    L, info = lapack.dpotrf(S, lower=1, clean=1)
    if info != 0:
        raise ConvergenceError(
            f"crossbar transfer matrix: the Schur complement at row {row} is not positive "
            "definite (a negative device conductance?); use the iterative reads.")
    return L


def _inverse_lower(L):
    """Lower triangle of the inverse from a lower Cholesky factor (the upper triangle
    holds zeros or garbage: only the lower one is read afterwards)."""
    X, info = lapack.dpotri(L, lower=1, overwrite_c=1)
    if info != 0:
        raise ConvergenceError("crossbar transfer matrix: a Schur complement is singular; "
                               "use the iterative reads.")
    return X


def transfer_matrix(net) -> np.ndarray:
    """Transfer matrix T (n, m), A/V, of ``net`` (a :class:`Network` in line form):
    the bit-line currents of a read with word-line inputs ``v`` are ``v @ T``.

    Raises
    ------
    ValueError
        When ``net`` is not :func:`supported`.
    ConvergenceError
        When a Schur complement is not positive definite (negative conductances).
    """
    from threadpoolctl import threadpool_limits
    from .network import Terminals
    if not supported(net):
        raise ValueError("transfer_matrix: needs a coupled crossbar (non-zero wire "
                         "resistances), at least 2 x 2 cells, no floating line, bit lines "
                         "at 0 V")
    n, m = net.n, net.m
    s = net._sys
    dw, ow, db, ob, c = s.dw, s.ow, s.db, s.ob, s.c
    term = net.term
    try:
        net.term = Terminals.make(n, m, np.ones(n))
        f1w, f1b = net.rhs()          # row i: the right-hand side of a unit input on line i
    finally:
        net.term = term
    diag = np.arange(m)
    tw = s.tw.f if getattr(s, "tw", None) is not None else _WordLines(dw, ow).f
    R = np.zeros((m, n), order="F")   # frontier right-hand sides, one column per input
    Z = np.empty((m, m + 1))
    with threadpool_limits(1):        # small dense blocks: one thread is fastest
        for i in range(n):
            # word line i eliminated: Z = Tw_i^-1 [C_i | f1w_i] (its LDL^T factors)
            Z[...] = 0.0
            Z[diag, diag] = c[i]
            Z[:, m] = f1w[i]
            kernels.ldl_line_solve_k(tw, i, Z)
            K = -c[i][:, None] * Z[:, :m]          # bit-line block after the word line
            K[diag, diag] += db[i]
            r_i = f1b[i] + c[i] * Z[:, m]
            if i == 0:
                S = K
                R[:, 0] = r_i
                continue
            e = ob[i - 1]                        # -g of the segments to row i - 1
            Sinv = _inverse_lower(_chol(S, i - 1))      # lower triangle only
            if i == n - 1:
                prev = (Sinv.copy(), R[:, :i].copy(), e)
            S = K - (e[:, None] * Sinv) * e[None, :]     # lower triangle is what counts
            R[:, :i] = -e[:, None] * blas.dsymm(1.0, Sinv, R[:, :i], side=0, lower=1)
            R[:, i] = r_i
        Sl = _inverse_lower(_chol(S, n - 1))
        b_last = blas.dsymm(1.0, Sl, R, side=0, lower=1)              # (m, n) per input
        z_last = Z
    g_wl, g_bl, g_s, g_t = net._g
    pb = net.pin_b
    T = np.empty((n, m))
    if (~pb).any():                             # sensed through a resistance
        T[:, ~pb] = (g_t[~pb, None] * b_last[~pb]).T
    if pb.any():                                # pinned sense: KCL at the pinned node
        Sinv_p, R_p, e = prev
        # row n-2: b = S^-1 (R - E b_last); input n-1 has no right-hand side above
        rp = np.concatenate([R_p, np.zeros((m, 1))], axis=1) - e[:, None] * b_last
        b_prev = blas.dsymm(1.0, Sinv_p, rp, side=0, lower=1)
        # word line n-1: w = Tw^-1 (f1w v + C b); only input n-1 drives it directly
        w_last = (z_last[:, :m] @ b_last)
        w_last[:, n - 1] += z_last[:, m]
        g = net.c
        T[:, pb] = (g_bl * b_prev[pb] + g[-1, pb][:, None] * w_last[pb]).T
    return T
