"""Inner loops of the crossbar solver: compiled C when a compiler is present, numpy else.

The kernels are a fused matrix-vector product of the line-form crossbar matrix and
LDL^T factorisation / solves of the word-line (stride 1) and bit-line (stride m)
tridiagonal systems.  The C source is compiled once and cached by
:func:`memli.codegen.c_.load_library`; ``MEMLI_NO_C=1`` forces the numpy versions.
"""
from __future__ import annotations

import ctypes
import os

import numpy as np

_SRC = r"""
#pragma GCC optimize ("O3")
#include <stddef.h>
/* y = A x for the crossbar in line form, arrays row-major (n, m).
   ew: word-line off-diagonal, flat, length n*m-1 (0 between rows);
   eb: bit-line off-diagonal, (n-1, m). */
void xb_matvec(long n, long m, const double *dw, const double *ew, const double *db,
               const double *eb, const double *c, const double *w, const double *b,
               double *yw, double *yb)
{
    long nm = n * m;
    for (long k = 0; k < nm; k++) {
        double cw = c[k] * (w[k] - b[k]);
        double sw = (dw[k] - c[k]) * w[k] + cw;
        if (k + 1 < nm) sw += ew[k] * w[k + 1];
        if (k > 0) sw += ew[k - 1] * w[k - 1];
        yw[k] = sw;
        double sb = (db[k] - c[k]) * b[k] - cw;
        if (k + m < nm) sb += eb[k] * b[k + m];
        if (k >= m) sb += eb[k - m] * b[k - m];
        yb[k] = sb;
    }
}

/* matvec that also returns x.(A x) (both families) */
double xb_matvec_dot(long n, long m, const double *dw, const double *ew, const double *db,
                     const double *eb, const double *c, const double *w, const double *b,
                     double *yw, double *yb)
{
    long nm = n * m;
    double s0 = 0.0, s1 = 0.0;
    for (long k = 0; k < nm; k++) {
        double cw = c[k] * (w[k] - b[k]);
        double sw = (dw[k] - c[k]) * w[k] + cw;
        if (k + 1 < nm) sw += ew[k] * w[k + 1];
        if (k > 0) sw += ew[k - 1] * w[k - 1];
        yw[k] = sw;
        double sb = (db[k] - c[k]) * b[k] - cw;
        if (k + m < nm) sb += eb[k] * b[k + m];
        if (k >= m) sb += eb[k - m] * b[k - m];
        yb[k] = sb;
        s0 += w[k] * sw;
        s1 += b[k] * sb;
    }
    return s0 + s1;
}

/* LDL^T of tridiagonal systems with diagonal d and off-diagonal e, where element k is
   coupled to k + stride.  len = total elements; e has len - stride entries.
   On return d holds 1/D and e holds L. Returns the index of the first non-positive
   pivot, or -1. */
long xb_ldl_factor(long len, long stride, double *d, double *e)
{
    for (long k = 0; k < len; k++) {
        if (k >= stride) {
            long p = k - stride;
            double l = e[p] * d[p];      /* d[p] already holds 1/D[p] */
            d[k] -= l * e[p];
            e[p] = l;
        }
        if (!(d[k] > 0.0)) return k;
        d[k] = 1.0 / d[k];
    }
    return -1;
}

/* CG step: x += a p; r -= a q; returns r.r */
double xb_cg_step(long len, double a, const double *p, const double *q, double *x, double *r)
{
    double s0 = 0.0, s1 = 0.0;
    long k = 0;
    for (; k + 2 <= len; k += 2) {
        x[k] += a * p[k];
        x[k + 1] += a * p[k + 1];
        double r0 = r[k] - a * q[k], r1 = r[k + 1] - a * q[k + 1];
        r[k] = r0;
        r[k + 1] = r1;
        s0 += r0 * r0;
        s1 += r1 * r1;
    }
    for (; k < len; k++) {
        x[k] += a * p[k];
        double rk = r[k] - a * q[k];
        r[k] = rk;
        s0 += rk * rk;
    }
    return s0 + s1;
}

double xb_dot(long len, const double *a, const double *b)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    long k = 0;
    for (; k + 4 <= len; k += 4) {
        s0 += a[k] * b[k];
        s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2];
        s3 += a[k + 3] * b[k + 3];
    }
    for (; k < len; k++) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
}

/* p = z + beta p */
void xb_cg_dir(long len, double beta, const double *z, double *p)
{
    for (long k = 0; k < len; k++) p[k] = z[k] + beta * p[k];
}

/* coarse-grid prolongation added in place:
   w[i, j] += EW[blk[i], j]       (EW: word-line correction interpolated along j, (nr, m))
   b[i, j] += w0[i] EB[lo[i], j] + (1 - w0[i]) EB[hi[i], j]   (EB: (nr, m), const in j-block) */
void xb_prolong_add(long n, long m, const long *blk, const long *lo, const long *hi,
                    const double *w0, const double *EW, const double *EB, double *w, double *b,
                    long add)
{
    for (long i = 0; i < n; i++) {
        const double *ew = EW + blk[i] * m, *e0 = EB + lo[i] * m, *e1 = EB + hi[i] * m;
        double a = w0[i], c = 1.0 - w0[i];
        double *wi = w + i * m, *bi = b + i * m;
        if (add) {
            for (long j = 0; j < m; j++) {
                wi[j] += ew[j];
                bi[j] += a * e0[j] + c * e1[j];
            }
        } else {
            for (long j = 0; j < m; j++) {
                wi[j] = ew[j];
                bi[j] = a * e0[j] + c * e1[j];
            }
        }
    }
}

/* ---- many right-hand sides: vectors stored (len, k), element (p, r) at p*k + r ---- */
void xb_matvec_k(long n, long m, long k, const double *dw, const double *ew,
                 const double *db, const double *eb, const double *c, const double *w,
                 const double *b, double *yw, double *yb)
{
    long nm = n * m;
    for (long p = 0; p < nm; p++) {
        double d1 = dw[p] - c[p], d2 = db[p] - c[p], cp = c[p];
        double el = p > 0 ? ew[p - 1] : 0.0, er = p + 1 < nm ? ew[p] : 0.0;
        double bu = p >= m ? eb[p - m] : 0.0, bd = p + m < nm ? eb[p] : 0.0;
        const double *wp = w + p * k, *bp = b + p * k;
        const double *wl = p > 0 ? wp - k : wp, *wr = p + 1 < nm ? wp + k : wp;
        const double *bu_ = p >= m ? bp - m * k : bp, *bd_ = p + m < nm ? bp + m * k : bp;
        double *ywp = yw + p * k, *ybp = yb + p * k;
        for (long r = 0; r < k; r++) {
            double cw = cp * (wp[r] - bp[r]);
            ywp[r] = d1 * wp[r] + cw + er * wr[r] + el * wl[r];
            ybp[r] = d2 * bp[r] - cw + bd * bd_[r] + bu * bu_[r];
        }
    }
}

/* out[r] = sum_p a[p, r] b[p, r] (local accumulators: k <= 64 columns at a time) */
void xb_dot_k(long len, long k, const double *restrict a, const double *restrict b,
              double *restrict out)
{
    for (long c0 = 0; c0 < k; c0 += 64) {
        long kk = k - c0 < 64 ? k - c0 : 64;
        double acc[64];
        for (long r = 0; r < kk; r++) acc[r] = 0.0;
        for (long p = 0; p < len; p++) {
            const double *ap = a + p * k + c0, *bp = b + p * k + c0;
            for (long r = 0; r < kk; r++) acc[r] += ap[r] * bp[r];
        }
        for (long r = 0; r < kk; r++) out[c0 + r] = acc[r];
    }
}

/* x += a p; r -= a q per column; rr[col] = r.r */
void xb_cg_step_k(long len, long k, const double *restrict a, const double *restrict p,
                  const double *restrict q, double *restrict x, double *restrict r,
                  double *restrict rr)
{
    for (long c0 = 0; c0 < k; c0 += 64) {
        long kk = k - c0 < 64 ? k - c0 : 64;
        double acc[64], al[64];
        for (long c = 0; c < kk; c++) { acc[c] = 0.0; al[c] = a[c0 + c]; }
        for (long i = 0; i < len; i++) {
            const double *pi = p + i * k + c0, *qi = q + i * k + c0;
            double *xi = x + i * k + c0, *ri = r + i * k + c0;
            for (long c = 0; c < kk; c++) {
                xi[c] += al[c] * pi[c];
                double v = ri[c] - al[c] * qi[c];
                ri[c] = v;
                acc[c] += v * v;
            }
        }
        for (long c = 0; c < kk; c++) rr[c0 + c] = acc[c];
    }
}

/* p = z + beta p per column */
void xb_cg_dir_k(long len, long k, const double *beta, const double *z, double *p)
{
    for (long i = 0; i < len; i++) {
        const double *zi = z + i * k;
        double *pi = p + i * k;
        for (long c = 0; c < k; c++) pi[c] = zi[c] + beta[c] * pi[c];
    }
}

/* r2 = c * b (per cell, k columns) and X[blk[i], j, :] += r2[i, j, :] (X zeroed here) */
void xb_cb_rowsum_k(long n, long m, long k, long nb, const long *blk, const double *c,
                    const double *b, double *r2, double *X)
{
    for (long q = 0; q < nb * m * k; q++) X[q] = 0.0;
    for (long i = 0; i < n; i++) {
        double *xo = X + blk[i] * m * k;
        for (long j = 0; j < m; j++) {
            long p = i * m + j;
            double cp = c[p];
            const double *bp = b + p * k;
            double *rp = r2 + p * k, *xp = xo + j * k;
            for (long r = 0; r < k; r++) {
                double v = cp * bp[r];
                rp[r] = v;
                xp[r] += v;
            }
        }
    }
}

/* Fused line solves of the symmetric Gauss-Seidel sweeps: y = T^{-1} (f + c x), with x
   NULL meaning y = T^{-1} f.  Element k is coupled to k + stride (factors of
   xb_ldl_factor).  y may be f itself, never x. */
void xb_ldl_solve_fx(long len, long stride, const double *invd, const double *l,
                     const double *f, const double *c, const double *x, double *y)
{
    long s = stride, first = stride < len ? stride : len;
    if (s > 1 && len % s == 0) {
        /* bit lines: row by row, each row's elements independent (vectorised) */
        long rows = len / s;
        for (long k = 0; k < first; k++) y[k] = x ? f[k] + c[k] * x[k] : f[k];
        for (long i = 1; i < rows; i++) {
            double *restrict yr = y + i * s;
            const double *restrict yp = y + (i - 1) * s;
            const double *fr = f + i * s;          /* may be y itself */
            const double *restrict lr = l + (i - 1) * s;
            if (x) {
                const double *restrict cr = c + i * s, *restrict xr = x + i * s;
                for (long j = 0; j < s; j++) yr[j] = fr[j] + cr[j] * xr[j] - lr[j] * yp[j];
            } else {
                for (long j = 0; j < s; j++) yr[j] = fr[j] - lr[j] * yp[j];
            }
        }
        {
            double *restrict yr = y + (rows - 1) * s;
            const double *restrict ir = invd + (rows - 1) * s;
            for (long j = 0; j < s; j++) yr[j] *= ir[j];
        }
        for (long i = rows - 2; i >= 0; i--) {
            double *restrict yr = y + i * s;
            const double *restrict yn = y + (i + 1) * s;
            const double *restrict ir = invd + i * s, *restrict lr = l + i * s;
            for (long j = 0; j < s; j++) yr[j] = yr[j] * ir[j] - lr[j] * yn[j];
        }
        return;
    }
    if (x) {
        for (long k = 0; k < first; k++) y[k] = f[k] + c[k] * x[k];
        for (long k = s; k < len; k++) y[k] = f[k] + c[k] * x[k] - l[k - s] * y[k - s];
    } else {
        for (long k = 0; k < first; k++) y[k] = f[k];
        for (long k = s; k < len; k++) y[k] = f[k] - l[k - s] * y[k - s];
    }
    long k0 = len - s < 0 ? 0 : len - s;
    for (long k = len - 1; k >= k0; k--) y[k] *= invd[k];
    for (long k = k0 - 1; k >= 0; k--) y[k] = y[k] * invd[k] - l[k] * y[k + s];
}

/* xb_ldl_solve_fx for k right-hand sides stored (len, k); c and the factors per element */
void xb_ldl_solve_fx_k(long len, long stride, long k, const double *invd, const double *l,
                       const double *f, const double *c, const double *x, double *y)
{
    for (long p = 0; p < len; p++) {
        double cp = x ? c[p] : 0.0, lp = p >= stride ? l[p - stride] : 0.0;
        const double *fp = f + p * k, *xp = x ? x + p * k : f + p * k;
        double *yp = y + p * k;
        if (p < stride) {                  /* no coupling above: y may hold garbage */
            if (x) for (long r = 0; r < k; r++) yp[r] = fp[r] + cp * xp[r];
            else for (long r = 0; r < k; r++) yp[r] = fp[r];
            continue;
        }
        const double *yq = y + (p - stride) * k;
        if (x) for (long r = 0; r < k; r++) yp[r] = fp[r] + cp * xp[r] - lp * yq[r];
        else for (long r = 0; r < k; r++) yp[r] = fp[r] - lp * yq[r];
    }
    long p0 = len - stride < 0 ? 0 : len - stride;
    for (long p = len - 1; p >= p0; p--) {
        double sc = invd[p];
        double *yp = y + p * k;
        for (long r = 0; r < k; r++) yp[r] *= sc;
    }
    for (long p = p0 - 1; p >= 0; p--) {
        double sc = invd[p], lp = l[p];
        double *yp = y + p * k;
        const double *yq = y + (p + stride) * k;
        for (long r = 0; r < k; r++) yp[r] = yp[r] * sc - lp * yq[r];
    }
}

/* out[blk[i], j] = sum over the rows i of block blk[i] of c[i, j] b[i, j]
   (out (nb, m) is zeroed here): the word-line residual c b restricted to row blocks */
void xb_cb_rowsum(long n, long m, long nb, const long *blk, const double *c,
                  const double *b, double *out)
{
    for (long q = 0; q < nb * m; q++) out[q] = 0.0;
    for (long i = 0; i < n; i++) {
        double *o = out + blk[i] * m;
        const double *ci = c + i * m, *bi = b + i * m;
        for (long j = 0; j < m; j++) o[j] += ci[j] * bi[j];
    }
}

/* Word-line LDL^T solves y = T^{-1} (f + c x) (x may be NULL; y may be f, never x),
   8 rows at a time through a small transposed buffer (the 8 rows are m doubles apart:
   walking them in place would make 8 streams that collide in the cache when m is a
   power of two).  Factors are stored per block of 8 rows as (block, j, r):
   invdB[(b*m + j)*8 + r]; rows past n are padding. */
void xb_ldl_solve_rows8_fx(long n, long m, const double *invdB, const double *lB,
                           const double *f, const double *c, const double *x, double *y,
                           double *buf)
{
    long nb = (n + 7) / 8;
    for (long b = 0; b < nb; b++) {
        long i0 = b * 8, rows = n - i0 < 8 ? n - i0 : 8;
        const double *iv = invdB + b * m * 8, *ll = lB + b * m * 8;
        for (long r = 0; r < 8; r++) {
            if (r < rows) {
                const double *fr = f + (i0 + r) * m;
                if (x) {
                    const double *cr = c + (i0 + r) * m, *xr = x + (i0 + r) * m;
                    for (long j = 0; j < m; j++) buf[j * 8 + r] = fr[j] + cr[j] * xr[j];
                } else {
                    for (long j = 0; j < m; j++) buf[j * 8 + r] = fr[j];
                }
            } else {
                for (long j = 0; j < m; j++) buf[j * 8 + r] = 0.0;
            }
        }
        for (long j = 1; j < m; j++) {
            double *bj = buf + j * 8;
            const double *bp = bj - 8, *lp = ll + (j - 1) * 8;
            for (long r = 0; r < 8; r++) bj[r] -= lp[r] * bp[r];
        }
        {
            double *bj = buf + (m - 1) * 8;
            const double *ivj = iv + (m - 1) * 8;
            for (long r = 0; r < 8; r++) bj[r] *= ivj[r];
        }
        for (long j = m - 2; j >= 0; j--) {
            double *bj = buf + j * 8;
            const double *bn = bj + 8, *lj = ll + j * 8, *ivj = iv + j * 8;
            for (long r = 0; r < 8; r++) bj[r] = bj[r] * ivj[r] - lj[r] * bn[r];
        }
        for (long r = 0; r < rows; r++) {
            double *yr = y + (i0 + r) * m;
            for (long j = 0; j < m; j++) yr[j] = buf[j * 8 + r];
        }
    }
}

/* xb_prolong_add (add = 1) for k columns: EW, EB (nr, m, k); w, b (n, m, k) */
void xb_prolong_add_k(long n, long m, long k, const long *blk, const long *lo,
                      const long *hi, const double *w0, const double *EW, const double *EB,
                      double *w, double *b)
{
    long mk = m * k;
    for (long i = 0; i < n; i++) {
        const double *ew = EW + blk[i] * mk, *e0 = EB + lo[i] * mk, *e1 = EB + hi[i] * mk;
        double a = w0[i], a1 = 1.0 - w0[i];
        double *wi = w + i * mk, *bi = b + i * mk;
        for (long q = 0; q < mk; q++) {
            wi[q] += ew[q];
            bi[q] += a * e0[q] + a1 * e1[q];
        }
    }
}

"""

_LIB = {"lib": None, "tried": False}


def _lib():
    if _LIB["tried"]:
        return _LIB["lib"]
    _LIB["tried"] = True
    if os.environ.get("MEMLI_NO_C"):
        return None
    try:
        from ..codegen.c_ import load_library
        lib = load_library(_SRC, "crossbar")
    except Exception:  # noqa: BLE001  (no compiler: numpy fallback)
        return None
    d = ctypes.c_void_p          # arrays passed as their data address (checked in _p)
    L = ctypes.c_long
    lp = ctypes.c_void_p
    lib.xb_matvec.argtypes = [L, L] + [d] * 9
    lib.xb_matvec.restype = None
    lib.xb_ldl_factor.argtypes = [L, L, d, d]
    lib.xb_ldl_factor.restype = L
    lib.xb_matvec_dot.argtypes = [L, L] + [d] * 9
    lib.xb_matvec_dot.restype = ctypes.c_double
    lib.xb_cg_step.argtypes = [L, ctypes.c_double, d, d, d, d]
    lib.xb_cg_step.restype = ctypes.c_double
    lib.xb_prolong_add.argtypes = [L, L, lp, lp, lp, d, d, d, d, d, L]
    lib.xb_prolong_add.restype = None
    lib.xb_dot.argtypes = [L, d, d]
    lib.xb_dot.restype = ctypes.c_double
    lib.xb_cg_dir.argtypes = [L, ctypes.c_double, d, d]
    lib.xb_cg_dir.restype = None
    lib.xb_matvec_k.argtypes = [L, L, L] + [d] * 9
    lib.xb_matvec_k.restype = None
    lib.xb_dot_k.argtypes = [L, L, d, d, d]
    lib.xb_dot_k.restype = None
    lib.xb_cg_step_k.argtypes = [L, L, d, d, d, d, d, d]
    lib.xb_cg_step_k.restype = None
    lib.xb_cg_dir_k.argtypes = [L, L, d, d, d]
    lib.xb_cg_dir_k.restype = None
    lib.xb_cb_rowsum_k.argtypes = [L, L, L, L, lp, d, d, d, d]
    lib.xb_cb_rowsum_k.restype = None
    lib.xb_ldl_solve_fx.argtypes = [L, L, d, d, d, d, d, d]
    lib.xb_ldl_solve_fx.restype = None
    lib.xb_ldl_solve_fx_k.argtypes = [L, L, L, d, d, d, d, d, d]
    lib.xb_ldl_solve_fx_k.restype = None
    lib.xb_cb_rowsum.argtypes = [L, L, L, lp, d, d, d]
    lib.xb_cb_rowsum.restype = None
    lib.xb_ldl_solve_rows8_fx.argtypes = [L, L, d, d, d, d, d, d, d]
    lib.xb_ldl_solve_rows8_fx.restype = None
    lib.xb_prolong_add_k.argtypes = [L, L, L, lp, lp, lp, d, d, d, d, d]
    lib.xb_prolong_add_k.restype = None
    _LIB["lib"] = lib
    return lib


def compiled() -> bool:
    """True when the C kernels are in use."""
    return _lib() is not None


def _p(a):
    if not (a.flags.c_contiguous and a.dtype == np.float64):
        raise ValueError("crossbar kernel: arrays must be C-contiguous float64")
    return a.__array_interface__["data"][0]


def matvec(n, m, dw, ew, db, eb, c, w, b, yw, yb):
    """yw, yb (preallocated, C-contiguous) = A (w, b)."""
    lib = _lib()
    if lib is not None:
        lib.xb_matvec(n, m, _p(dw), _p(ew), _p(db), _p(eb), _p(c), _p(w), _p(b),
                      _p(yw), _p(yb))
        return yw, yb
    np.multiply(dw, w, out=yw)
    yw -= c * b
    np.multiply(db, b, out=yb)
    yb -= c * w
    wf, bf, ywf, ybf = w.ravel(), b.ravel(), yw.ravel(), yb.ravel()
    if m > 1:
        ywf[:-1] += ew * wf[1:]
        ywf[1:] += ew * wf[:-1]
    if n > 1:
        ebf = eb.ravel()
        ybf[:-m] += ebf * bf[m:]
        ybf[m:] += ebf * bf[:-m]
    return yw, yb


def cg_step(a, p, q, x, r) -> float:
    """x += a p; r -= a q (in place, C-contiguous); returns r.r."""
    lib = _lib()
    if lib is not None:
        return float(lib.xb_cg_step(x.size, float(a), _p(p), _p(q), _p(x), _p(r)))
    x += a * p
    r -= a * q
    return float(np.vdot(r, r))


def _pl(a):
    if not (a.flags.c_contiguous and a.dtype == np.int64):
        raise ValueError("crossbar kernel: index arrays must be C-contiguous int64")
    return a.__array_interface__["data"][0]


def prolong_add(blk, lo, hi, w0, EW, EB, w, b, add: bool = True):
    """w (+)= EW[blk]; b (+)= w0 EB[lo] + (1 - w0) EB[hi] (rows), in place."""
    n, m = w.shape
    lib = _lib()
    if lib is not None:
        lib.xb_prolong_add(n, m, _pl(blk), _pl(lo), _pl(hi), _p(w0), _p(EW), _p(EB),
                           _p(w), _p(b), int(add))
        return
    if not add:
        w[...] = 0.0
        b[...] = 0.0
    w += EW[blk]
    b += w0[:, None] * EB[lo] + (1.0 - w0)[:, None] * EB[hi]


def dot(a, b) -> float:
    """Single-threaded dot product of two C-contiguous float64 arrays."""
    lib = _lib()
    if lib is not None:
        return float(lib.xb_dot(a.size, _p(a), _p(b)))
    return float(np.vdot(a, b))


def cg_dir(beta, z, p):
    """p = z + beta p (in place)."""
    lib = _lib()
    if lib is not None:
        lib.xb_cg_dir(p.size, float(beta), _p(z), _p(p))
        return p
    p *= beta
    p += z
    return p


def matvec_dot(n, m, dw, ew, db, eb, c, w, b, yw, yb) -> float:
    """:func:`matvec` that also returns ``w.yw + b.yb``."""
    lib = _lib()
    if lib is not None:
        return float(lib.xb_matvec_dot(n, m, _p(dw), _p(ew), _p(db), _p(eb), _p(c), _p(w),
                                       _p(b), _p(yw), _p(yb)))
    matvec(n, m, dw, ew, db, eb, c, w, b, yw, yb)
    return float(np.vdot(w, yw) + np.vdot(b, yb))


def _fma_np(c, x, f, out):
    """``out = c x + f`` in numpy (the no-compiler path of the fused line solves): c holds
    one factor per row of the (len, k) views of x, f and out (k = 1 for one vector);
    ``out`` may be f."""
    cc = np.reshape(c, (-1, 1))
    o, xv, fv = (a.reshape(cc.shape[0], -1) for a in (out, x, f))
    if out is f:
        o += cc * xv
    else:
        np.multiply(cc, xv, out=o)
        o += fv
    return out


class LDL:
    """Tridiagonal systems coupling element k with k + stride (flat array of length len).

    ``stride = 1`` with zero couplings between rows: all word lines; ``stride = m``:
    all bit lines of a row-major (n, m) array.
    """

    def __init__(self, d, e, stride: int, row_length: int | None = None):
        self.row_length = row_length      # stride 1 with independent rows of this length
        d = np.array(d, dtype=float, order="C", copy=True).ravel()
        e = np.array(e, dtype=float, order="C", copy=True).ravel()
        self.len, self.stride = len(d), stride
        lib = _lib()
        if lib is not None:
            bad = lib.xb_ldl_factor(self.len, stride, _p(d), _p(e))
        else:
            bad = -1
            s = stride
            n = self.len // s if s > 1 else self.len
            if s > 1:
                D = d.reshape(n, s)
                E = e.reshape(n - 1, s)
                for i in range(n):
                    if i:
                        li = E[i - 1] * D[i - 1]
                        D[i] -= li * E[i - 1]
                        E[i - 1] = li
                    if not np.all(D[i] > 0):
                        bad = i * s
                        break
                    D[i] = 1.0 / D[i]
            else:
                from scipy.linalg import lapack
                dd, ee, info = lapack.dpttrf(d, e)        # D and the multipliers of L
                if info != 0:
                    bad = abs(int(info)) - 1
                else:
                    d, e = 1.0 / dd, ee
        self.bad = int(bad)
        self.invd, self.l = d, e

    def _lrow_full(self):
        """Multipliers padded to ``len`` (stride-1 systems; row ends hold 0)."""
        if getattr(self, "_lrow", None) is None:
            self._lrow = np.concatenate([self.l, np.zeros(self.len - len(self.l))])
        return self._lrow

    def solve(self, r, inplace: bool = False):
        """Solution for right-hand side ``r`` (any shape with len elements): a new array,
        or ``r`` itself overwritten when ``inplace`` (C-contiguous float64 only)."""
        if inplace and not (r.flags.c_contiguous and r.dtype == np.float64):
            raise ValueError("LDL.solve(inplace=True) needs a C-contiguous float64 array")
        y = r if inplace else np.array(r, dtype=float, order="C", copy=True)
        lib = _lib()
        if lib is not None:
            return self.solve_fx(y, out=y)
        s = self.stride
        yf = y.reshape(-1)
        if s > 1:
            Y = yf.reshape(-1, s)
            L = self.l.reshape(-1, s)
            for i in range(1, Y.shape[0]):
                Y[i] -= L[i - 1] * Y[i - 1]
            yf *= self.invd
            for i in range(Y.shape[0] - 2, -1, -1):
                Y[i] -= L[i] * Y[i + 1]
        else:
            from scipy.linalg import lapack
            # numpy has no fast scalar recurrence: LAPACK's solve from the L D L^T factors
            x, _ = lapack.dpttrs(1.0 / self.invd, self.l, yf)
            yf[:] = x
        return y


    def _blocks8(self):
        """Factors per block of 8 rows, (block, j, r) (stride-1 row systems)."""
        if getattr(self, "_blk8", None) is None:
            m = self.row_length
            n = self.len // m
            nb = -(-n // 8)
            iv = np.ones((nb * 8, m))
            iv[:n] = self.invd.reshape(n, m)
            ll = np.zeros((nb * 8, m))
            ll[:n] = self._lrow_full().reshape(n, m)
            self._blk8 = (np.ascontiguousarray(iv.reshape(nb, 8, m).transpose(0, 2, 1)),
                          np.ascontiguousarray(ll.reshape(nb, 8, m).transpose(0, 2, 1)),
                          np.empty(8 * m))
        return self._blk8

    def solve_fx(self, f, c=None, x=None, out=None):
        """``T^{-1} (f + c x)`` (``T^{-1} f`` when x is None) in one pass over the arrays;
        all C-contiguous float64 of ``len`` elements; written into ``out`` (may be f,
        never x) or a new array."""
        y = np.empty(np.shape(f)) if out is None else out
        lib = _lib()
        if lib is not None:
            xp = None if x is None else _p(x)
            cp = None if x is None else _p(c)
            if self.stride == 1 and self.row_length:
                m = self.row_length
                ivb, lb, buf = self._blocks8()
                lib.xb_ldl_solve_rows8_fx(self.len // m, m, _p(ivb), _p(lb), _p(f), cp, xp,
                                          _p(y), _p(buf))
            else:
                lib.xb_ldl_solve_fx(self.len, self.stride, _p(self.invd), _p(self.l), _p(f),
                                    cp, xp, _p(y))
            return y
        if x is None:
            if y is not f:
                y[...] = f
        else:
            _fma_np(c, x, f, y)
        return self.solve(y, inplace=True)

# -- many right-hand sides: arrays (..., k) with the right-hand sides innermost ------------
def matvec_k(n, m, dw, ew, db, eb, c, w, b, yw, yb):
    """:func:`matvec` for ``k`` vectors at once: w, b, yw, yb are (n, m, k)."""
    k = w.shape[-1]
    lib = _lib()
    if lib is not None:
        lib.xb_matvec_k(n, m, k, _p(dw), _p(ew), _p(db), _p(eb), _p(c), _p(w), _p(b),
                        _p(yw), _p(yb))
        return yw, yb
    cc = c[..., None]
    yw[...] = dw[..., None] * w - cc * b
    yb[...] = db[..., None] * b - cc * w
    wf, bf = w.reshape(n * m, k), b.reshape(n * m, k)
    ywf, ybf = yw.reshape(n * m, k), yb.reshape(n * m, k)
    if n * m > 1:
        ywf[:-1] += ew[:, None] * wf[1:]
        ywf[1:] += ew[:, None] * wf[:-1]
    if n > 1:
        ebf = eb.reshape(-1)[:, None]
        ybf[:-m] += ebf * bf[m:]
        ybf[m:] += ebf * bf[:-m]
    return yw, yb


def ldl_solve_k(f: "LDL", y):
    """Solve in place for the ``k`` right-hand sides of y (len, k) (C-contiguous)."""
    k = y.shape[-1]
    lib = _lib()
    l = f._lrow_full() if f.stride == 1 else f.l
    if lib is not None:
        lib.xb_ldl_solve_fx_k(f.len, f.stride, k, _p(f.invd), _p(l), _p(y), None, None,
                              _p(y))
        return y
    s = f.stride
    Y = y.reshape(-1, k)
    if s == 1:
        from scipy.linalg import lapack
        x, _ = lapack.dpttrs(1.0 / f.invd, f.l, Y)
        Y[...] = x
        return y
    Y3 = Y.reshape(-1, s, k)
    L = f.l.reshape(-1, s, 1)
    for i in range(1, Y3.shape[0]):
        Y3[i] -= L[i - 1] * Y3[i - 1]
    Y *= f.invd[:, None]
    for i in range(Y3.shape[0] - 2, -1, -1):
        Y3[i] -= L[i] * Y3[i + 1]
    return y


def dot_k(a, b):
    """Column dot products of two (..., k) arrays: (k,)."""
    k = a.shape[-1]
    lib = _lib()
    if lib is not None:
        out = np.empty(k)
        lib.xb_dot_k(a.size // k, k, _p(a), _p(b), _p(out))
        return out
    return np.einsum("ik,ik->k", a.reshape(-1, k), b.reshape(-1, k))


def cg_step_k(alpha, p, q, x, r):
    """x += alpha p; r -= alpha q column by column (in place); returns r.r per column."""
    k = p.shape[-1]
    alpha = np.ascontiguousarray(alpha, dtype=float)
    lib = _lib()
    if lib is not None:
        rr = np.empty(k)
        lib.xb_cg_step_k(p.size // k, k, _p(alpha), _p(p), _p(q), _p(x), _p(r), _p(rr))
        return rr
    x += alpha * p
    r -= alpha * q
    return dot_k(r, r)


def cg_dir_k(beta, z, p):
    """p = z + beta p column by column (in place)."""
    k = p.shape[-1]
    beta = np.ascontiguousarray(beta, dtype=float)
    lib = _lib()
    if lib is not None:
        lib.xb_cg_dir_k(p.size // k, k, _p(beta), _p(z), _p(p))
        return p
    p *= beta
    p += z
    return p


def cb_rowsum_k(blk, nblocks, c, b, r2):
    """r2 = c[..., None] * b (in place) and its sums over row blocks: (nblocks, m, k)."""
    n, m, k = b.shape
    lib = _lib()
    X = np.empty((nblocks, m, k))
    if lib is not None:
        lib.xb_cb_rowsum_k(n, m, k, nblocks, _pl(blk), _p(c), _p(b), _p(r2), _p(X))
        return X
    np.multiply(c[..., None], b, out=r2)
    X[...] = 0.0
    np.add.at(X, blk, r2)
    return X


def ldl_solve_fx_k(f: "LDL", F, c=None, X=None, out=None):
    """:meth:`LDL.solve_fx` for the ``k`` right-hand sides of F (len, k)-shaped arrays
    (C-contiguous; c per element, (len,)); ``out`` may be F, never X."""
    k = F.shape[-1]
    Y = np.empty(F.shape) if out is None else out
    lib = _lib()
    l = f._lrow_full() if f.stride == 1 else f.l
    if lib is not None:
        lib.xb_ldl_solve_fx_k(f.len, f.stride, k, _p(f.invd), _p(l), _p(F),
                              None if X is None else _p(c), None if X is None else _p(X),
                              _p(Y))
        return Y
    if X is None:
        if Y is not F:
            Y[...] = F
    else:
        _fma_np(c, X, F, Y)
    ldl_solve_k(f, Y.reshape(f.len, k))
    return Y


def cb_rowsum(blk, nblocks, c, b):
    """Sums of ``c * b`` (n, m) over the rows of each row block: (nblocks, m)."""
    n, m = b.shape
    out = np.empty((nblocks, m))
    lib = _lib()
    if lib is not None:
        lib.xb_cb_rowsum(n, m, nblocks, _pl(blk), _p(c), _p(b), _p(out))
        return out
    out[...] = 0.0
    np.add.at(out, blk, c * b)
    return out


def prolong_add_k(blk, lo, hi, w0, EW, EB, w, b):
    """:func:`prolong_add` (adding) for (n, m, k) arrays w, b and (nr, m, k) EW, EB."""
    n, m, k = w.shape
    lib = _lib()
    if lib is not None:
        lib.xb_prolong_add_k(n, m, k, _pl(blk), _pl(lo), _pl(hi), _p(w0), _p(EW), _p(EB),
                             _p(w), _p(b))
        return
    a0 = w0[:, None, None]
    w += EW[blk]
    b += a0 * EB[lo] + (1.0 - a0) * EB[hi]


def ldl_line_solve_k(f: "LDL", line: int, Y):
    """Solve in place with the factors of line ``line`` of a row system (``stride 1``,
    ``row_length`` m) for the right-hand sides of Y (m, k) (C-contiguous)."""
    m = f.row_length
    k = Y.shape[1]
    invd = f.invd[line * m:(line + 1) * m]
    l = f._lrow_full()[line * m:(line + 1) * m]
    lib = _lib()
    if lib is not None:
        lib.xb_ldl_solve_fx_k(m, 1, k, _p(invd), _p(l), _p(Y), None, None, _p(Y))
        return Y
    from scipy.linalg import lapack
    x, _ = lapack.dpttrs(1.0 / invd, l[:-1], Y)
    Y[...] = x
    return Y
