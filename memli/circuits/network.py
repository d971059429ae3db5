"""Nodal equations of a crossbar with resistive lines, for given device conductances.

Convention (used everywhere in :mod:`memli.circuits`): word line ``i`` is driven at
its column-0 end by a source ``v_wl[i]`` through ``r_source_ohm``; bit line ``j``
ends at its row-(n-1) end in a terminal at ``v_bl[j]`` (0 V: the virtual ground of
a sense amplifier) through ``r_sense_ohm``; the other ends are open.  Cell ``(i, j)``
sits between word-line node ``w[i, j]`` and bit-line node ``b[i, j]``; a word line
has ``m - 1`` segments of ``r_wl_ohm`` between neighbouring cells, a bit line
``n - 1`` segments of ``r_bl_ohm``.  A device voltage is ``w - b`` and its current
flows from the word line into the bit line.  A floating line has no termination.

A zero terminal resistance pins the end node (Dirichlet row, kept symmetric); a zero
segment resistance merges the line into one node, which is solved directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
import scipy.sparse.linalg as spla

from ..errors import DataError
from .solver import RTOL, LineSystem, SolveInfo


@dataclass
class Wires:
    """Line and termination resistances of a crossbar (ohm; 0 allowed, inf not).

    Attributes
    ----------
    r_wl_ohm : float
        Word-line segment resistance between neighbouring cells.
    r_bl_ohm : float
        Bit-line segment resistance between neighbouring cells.
    r_source_ohm : float
        Word-line driver output resistance (column-0 end).
    r_sense_ohm : float
        Bit-line sense (or driver) resistance (row-(n-1) end).
    """

    r_wl_ohm: float = 0.0
    r_bl_ohm: float = 0.0
    r_source_ohm: float = 0.0
    r_sense_ohm: float = 0.0

    def check(self):
        bad = [f"{k} = {v!r}" for k, v in vars(self).items()
               if not (np.isfinite(v) and v >= 0)]
        if bad:
            raise DataError(f"wire resistances: {', '.join(bad)}; expected finite values "
                            ">= 0 ohm")


def _as_vec(v, n, name):
    a = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    if not np.all(np.isfinite(a)):
        raise DataError(f"{name}: contains NaN or inf; expected finite voltages in V")
    return a


@dataclass
class Terminals:
    """Line drive: word-line source voltages, bit-line terminal voltages, floating masks."""

    v_wl: np.ndarray
    v_bl: np.ndarray
    wl_float: np.ndarray
    bl_float: np.ndarray

    @classmethod
    def make(cls, n, m, v_wl, v_bl=0.0, wl_float=None, bl_float=None):
        return cls(_as_vec(v_wl, n, "v_wl"), _as_vec(v_bl, m, "v_bl"),
                   np.zeros(n, bool) if wl_float is None else np.asarray(wl_float, bool),
                   np.zeros(m, bool) if bl_float is None else np.asarray(bl_float, bool))


class Network:
    """The linear(ised) crossbar: conductances ``c`` (n, m) in S plus line data.

    ``solve(i_src)`` returns node voltages for device companion currents ``i_src``
    (A, flowing from word line to bit line in parallel with ``c``), i.e. the device
    law ``I = c * (w - b) + i_src``.
    """

    def __init__(self, c: np.ndarray, wires: Wires, term: Terminals, **solver_kw):
        c = np.asarray(c, dtype=float)
        self.n, self.m = n, m = c.shape
        self.c, self.wires, self.term = c, wires, term
        w = wires
        # pinned ends
        self.pin_w = (w.r_source_ohm == 0) & ~term.wl_float            # (n,)
        self.pin_b = (w.r_sense_ohm == 0) & ~term.bl_float             # (m,)
        w_zero = w.r_wl_ohm == 0 and m > 1
        b_zero = w.r_bl_ohm == 0 and n > 1
        self.w_fixed = bool(self.pin_w.all()) and (w.r_wl_ohm == 0 or m == 1)
        self.b_fixed = bool(self.pin_b.all()) and (w.r_bl_ohm == 0 or n == 1)
        if self.w_fixed and self.b_fixed:
            self.mode = "decoupled"
        elif self.w_fixed and not b_zero:
            self.b_fixed = False
            self.mode = "decoupled"
        elif self.b_fixed and not w_zero:
            self.w_fixed = False
            self.mode = "decoupled"
        elif not w_zero and not b_zero:
            self.w_fixed = self.b_fixed = False
            self.mode = "lines"
        else:
            self.w_fixed = self.b_fixed = False
            self.mode = "merged"
        self.solver_kw = solver_kw
        self._sys = None
        if self.mode == "lines":
            self._sys = self._line_system()

    # -- line form ----------------------------------------------------------------
    def _line_system(self):
        n, m, c, w, t = self.n, self.m, self.c, self.wires, self.term
        g_wl = 1.0 / w.r_wl_ohm if m > 1 else 0.0
        g_bl = 1.0 / w.r_bl_ohm if n > 1 else 0.0
        g_s = np.where(t.wl_float, 0.0, 1.0 / w.r_source_ohm if w.r_source_ohm else 0.0)
        g_t = np.where(t.bl_float, 0.0, 1.0 / w.r_sense_ohm if w.r_sense_ohm else 0.0)
        dw = c.copy()
        if m > 1:
            dw[:, :-1] += g_wl
            dw[:, 1:] += g_wl
        dw[:, 0] += g_s
        db = c.copy()
        if n > 1:
            db[:-1] += g_bl
            db[1:] += g_bl
        db[-1, :] += g_t
        ow = np.full((n, m - 1), -g_wl)
        ob = np.full((n - 1, m), -g_bl)
        cc = c.copy()
        # pinned nodes: symmetric Dirichlet rows scaled like their neighbours
        self.scale_w = max(g_wl, float(c.max(initial=0.0)), 1e-12)
        self.scale_b = max(g_bl, float(c.max(initial=0.0)), 1e-12)
        pw, pb = self.pin_w, self.pin_b
        dw[pw, 0] = self.scale_w
        if m > 1:
            ow[pw, 0] = 0.0
        cc[pw, 0] = 0.0
        db[-1, pb] = self.scale_b
        if n > 1:
            ob[-1, pb] = 0.0
        cc[-1, pb] = 0.0
        self._dw, self._ow, self._db, self._ob, self._cc = dw, ow, db, ob, cc
        self._g = (g_wl, g_bl, g_s, g_t)
        return LineSystem(dw, ow, db, ob, cc, **self.solver_kw)

    def rhs(self, i_src=None):
        """Right-hand side of the line form for companion currents ``i_src``."""
        n, m, t = self.n, self.m, self.term
        g_wl, g_bl, g_s, g_t = self._g
        fw = np.zeros((n, m))
        fb = np.zeros((n, m))
        fw[:, 0] += g_s * t.v_wl
        fb[-1, :] += g_t * t.v_bl
        if i_src is not None:
            fw -= i_src
            fb += i_src
        pw, pb = self.pin_w, self.pin_b
        # move pinned values to the right-hand side
        vw = np.where(pw, t.v_wl, 0.0)
        vb = np.where(pb, t.v_bl, 0.0)
        if m > 1:
            fw[:, 1] += np.where(pw, g_wl * vw, 0.0)
        fb[:, 0] += np.where(pw, self.c[:, 0] * vw, 0.0)
        if n > 1:
            fb[-2, :] += np.where(pb, g_bl * vb, 0.0)
        fw[-1, :] += np.where(pb, self.c[-1, :] * vb, 0.0)
        fw[pw, 0] = self.scale_w * t.v_wl[pw]
        fb[-1, pb] = self.scale_b * t.v_bl[pb]
        return fw, fb

    # -- solving ------------------------------------------------------------------
    def solve(self, i_src=None, rtol: float = RTOL, x0=None):
        """Node voltages ``(w, b)`` (n, m) in V and a :class:`SolveInfo`."""
        if self._sys is not None:
            fw, fb = self.rhs(i_src)
            return self._sys.solve(fw, fb, rtol=rtol, x0=x0)
        if self.w_fixed or self.b_fixed:
            return self._solve_decoupled(i_src)
        return self._solve_merged(i_src)

    def _solve_decoupled(self, i_src):
        """One family pinned everywhere: the other family's lines are independent."""
        from .solver import _Tridiag
        n, m, c, t, wr = self.n, self.m, self.c, self.term, self.wires
        isrc = np.zeros((n, m)) if i_src is None else i_src
        if self.w_fixed and self.b_fixed:
            w = np.repeat(t.v_wl[:, None], m, axis=1)
            b = np.repeat(t.v_bl[None, :], n, axis=0)
            return w, b, SolveInfo(0, 0.0, 0.0, "decoupled")
        if self.w_fixed:
            w = np.repeat(t.v_wl[:, None], m, axis=1)
            g_bl = 1.0 / wr.r_bl_ohm if n > 1 else 0.0
            g_t = np.where(t.bl_float, 0.0, 1.0 / wr.r_sense_ohm if wr.r_sense_ohm else 0.0)
            db = c.copy()
            if n > 1:
                db[:-1] += g_bl
                db[1:] += g_bl
            db[-1] += g_t
            ob = np.full((n - 1, m), -g_bl)
            f = c * w + isrc
            f[-1] += g_t * t.v_bl
            pb = self.pin_b
            if pb.any():
                s = max(g_bl, float(c.max(initial=0.0)), 1e-12)
                db[-1, pb] = s
                if n > 1:
                    ob[-1, pb] = 0.0
                    f[-2, pb] += g_bl * t.v_bl[pb]
                f[-1, pb] = s * t.v_bl[pb]
            b = _Tridiag(db.T, ob.T).solve(f.T).T
            return w, b, SolveInfo(0, 0.0, 0.0, "decoupled")
        b = np.repeat(t.v_bl[None, :], n, axis=0)
        g_wl = 1.0 / wr.r_wl_ohm if m > 1 else 0.0
        g_s = np.where(t.wl_float, 0.0, 1.0 / wr.r_source_ohm if wr.r_source_ohm else 0.0)
        dw = c.copy()
        if m > 1:
            dw[:, :-1] += g_wl
            dw[:, 1:] += g_wl
        dw[:, 0] += g_s
        ow = np.full((n, m - 1), -g_wl)
        f = c * b - isrc
        f[:, 0] += g_s * t.v_wl
        pw = self.pin_w
        if pw.any():
            s = max(g_wl, float(c.max(initial=0.0)), 1e-12)
            dw[pw, 0] = s
            if m > 1:
                ow[pw, 0] = 0.0
                f[pw, 1] += g_wl * t.v_wl[pw]
            f[pw, 0] = s * t.v_wl[pw]
        w = _Tridiag(dw, ow).solve(f)
        return w, b, SolveInfo(0, 0.0, 0.0, "decoupled")

    def _solve_merged(self, i_src):
        A, f, fixed_val, wid, bid = merged_matrix(self.c, self.wires, self.term, i_src)
        x = spla.spsolve(A.tocsc(), f) if A.shape[0] else np.zeros(0)
        res = np.linalg.norm(f - A @ x) / max(np.linalg.norm(f), 1e-300)
        allv = np.concatenate([x, fixed_val])
        return (allv[wid], allv[bid], SolveInfo(0, float(res), 0.0, "direct"))

    def sparse_system(self, i_src=None):
        """The line-form matrix (CSR) and right-hand side, for reference solvers."""
        if self._sys is None:
            raise DataError("this crossbar has pinned or merged lines; no line-form matrix")
        fw, fb = self.rhs(i_src)
        return self._sys.sparse(), np.concatenate([fw.ravel(), fb.ravel()])


def merged_matrix(c, wires: Wires, term: Terminals, i_src=None):
    """Nodal matrix with zero-resistance segments merged and pinned nodes eliminated.

    Returns ``(A, f, fixed_values, w_index, b_index)``: unknown node ``k`` has index
    ``k``; pinned nodes have indices ``>= A.shape[0]`` into ``fixed_values``.
    """
    n, m = c.shape
    wr, t = wires, term
    # node labels before pinning
    if wr.r_wl_ohm == 0 and m > 1:
        wl = np.repeat(np.arange(n)[:, None], m, axis=1)
    else:
        wl = np.arange(n * m).reshape(n, m)
    base = wl.max() + 1
    if wr.r_bl_ohm == 0 and n > 1:
        bl = base + np.repeat(np.arange(m)[None, :], n, axis=0)
    else:
        bl = base + np.arange(n * m).reshape(n, m)
    total = bl.max() + 1
    fixed = np.full(total, np.nan)
    for i in range(n):
        if not t.wl_float[i] and wr.r_source_ohm == 0:
            fixed[wl[i, 0]] = t.v_wl[i]
    for j in range(m):
        if not t.bl_float[j] and wr.r_sense_ohm == 0:
            fixed[bl[-1, j]] = t.v_bl[j]
    is_fixed = ~np.isnan(fixed)
    unk = np.nonzero(~is_fixed)[0]
    fx = np.nonzero(is_fixed)[0]
    new = np.empty(total, int)
    new[unk] = np.arange(len(unk))
    new[fx] = len(unk) + np.arange(len(fx))
    nu = len(unk)
    fixed_val = fixed[fx]
    # branch list: (a, b, g); ground terminals use node -1 with a source voltage
    A_rows, A_cols, A_vals = [], [], []
    f = np.zeros(nu)

    def branch(a, b_, g):
        a, b_, g = (np.asarray(z).ravel() for z in (a, b_, g))
        keep = a != b_
        a, b_, g = new[a[keep]], new[b_[keep]], g[keep]
        for p, q in ((a, b_), (b_, a)):
            ok = p < nu
            A_rows.append(p[ok])
            A_cols.append(p[ok])
            A_vals.append(g[ok])
            okq = ok & (q < nu)
            A_rows.append(p[okq])
            A_cols.append(q[okq])
            A_vals.append(-g[okq])
            okf = ok & (q >= nu)
            np.add.at(f, p[okf], g[okf] * fixed_val[q[okf] - nu])

    def source(a, g, v):
        a, g, v = (np.asarray(z).ravel() for z in (a, g, v))
        a = new[a]
        ok = a < nu
        A_rows.append(a[ok])
        A_cols.append(a[ok])
        A_vals.append(g[ok])
        np.add.at(f, a[ok], (g * v)[ok])

    branch(wl, bl, c)
    if m > 1 and wr.r_wl_ohm > 0:
        branch(wl[:, :-1], wl[:, 1:], np.full((n, m - 1), 1 / wr.r_wl_ohm))
    if n > 1 and wr.r_bl_ohm > 0:
        branch(bl[:-1], bl[1:], np.full((n - 1, m), 1 / wr.r_bl_ohm))
    if wr.r_source_ohm > 0:
        drv = ~t.wl_float
        source(wl[drv, 0], np.full(drv.sum(), 1 / wr.r_source_ohm), t.v_wl[drv])
    if wr.r_sense_ohm > 0:
        drv = ~t.bl_float
        source(bl[-1, drv], np.full(drv.sum(), 1 / wr.r_sense_ohm), t.v_bl[drv])
    if i_src is not None:
        a, b_ = new[wl.ravel()], new[bl.ravel()]
        s = np.asarray(i_src, float).ravel()
        np.add.at(f, a[a < nu], -s[a < nu])
        np.add.at(f, b_[b_ < nu], s[b_ < nu])
    A = sps.coo_matrix((np.concatenate(A_vals), (np.concatenate(A_rows),
                                                 np.concatenate(A_cols))), shape=(nu, nu))
    return A.tocsr(), f, fixed_val, new[wl], new[bl]
