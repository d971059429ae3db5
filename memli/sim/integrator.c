/* Device simulator core: one memristor driven by a piecewise-linear voltage source
 * through an optional series resistance and a smooth current compliance.
 *
 * Unknowns per step: the state vector x (NS entries) and, when a series network is
 * present, the device voltage vd.  Variable-step BDF2 (A-stable, for the stiff switching
 * kinetics) with Newton on the analytic Jacobians generated from the model's sympy
 * equations (memli_eval, prepended to this file), adaptive steps from a local-error
 * estimate h/2 |f(t+h) - f(t)| per state, scaled by rtol * (state range).
 *
 * The source network: i_src(u) = u / rs                          (no compliance)
 *                     i_src(u) = ic * tanh(u / (ic * rs))           (compliance ic)
 * with u = vs - vd; the compliance is a smooth limiter that behaves as rs at small
 * currents and saturates at +-ic.
 *
 * Optional cell capacitance c (F) across the device: the terminal current is
 * I(vd, x) + c dvd/dt.  Without a series network vd is the source voltage and dvd/dt
 * the slope of the current PWL segment.  With one, vd becomes a dynamic unknown,
 * c dvd/dt = i_src(vs - vd) - I(vd, x), integrated by the same BDF2 as the states and
 * under the same error control (tolerance rtol * the source's voltage span).  c = 0
 * keeps vd algebraic (KCL solved at every step), exactly as without capacitance.
 */
#include <math.h>
#include <string.h>

#define NO (2 + 3 * NS + NS * NS)
#define NU (NS + 1)

typedef struct { double rs, ic, c; int series, dyn; } Net;

static double src_i(const Net *n, double u, double *g) {
    if (n->ic > 0) {
        double s = n->ic * n->rs, th = tanh(u / s);
        *g = (1.0 - th * th) / n->rs;
        return n->ic * th;
    }
    *g = 1.0 / n->rs;
    return u / n->rs;
}

/* Gaussian elimination with partial pivoting, A is n x n row-major; b overwritten */
static int lin_solve(int n, double *A, double *b) {
    for (int c = 0; c < n; c++) {
        int piv = c; double best = fabs(A[c * n + c]);
        for (int r = c + 1; r < n; r++) if (fabs(A[r * n + c]) > best) { best = fabs(A[r * n + c]); piv = r; }
        if (!(best > 0) || !isfinite(best)) return -1;
        if (piv != c) {
            for (int k = 0; k < n; k++) { double t = A[c * n + k]; A[c * n + k] = A[piv * n + k]; A[piv * n + k] = t; }
            double t = b[c]; b[c] = b[piv]; b[piv] = t;
        }
        for (int r = c + 1; r < n; r++) {
            double m = A[r * n + c] / A[c * n + c];
            if (m == 0) continue;
            for (int k = c; k < n; k++) A[r * n + k] -= m * A[c * n + k];
            b[r] -= m * b[c];
        }
    }
    for (int r = n - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < n; k++) s -= A[r * n + k] * b[k];
        b[r] = s / A[r * n + r];
    }
    return 0;
}

static void clip_state(double *x) {
    for (int k = 0; k < NS; k++) {
        if (x[k] < X_LO[k]) x[k] = X_LO[k];
        if (x[k] > X_HI[k]) x[k] = X_HI[k];
    }
}

/* solve KCL for vd with the state fixed */
static int solve_vd(const double *x, double vs, const double *p, const Net *net, double *vd, double *out) {
    if (!net->series) { *vd = vs; memli_eval(vs, x, p, out); return 0; }
    for (int it = 0; it < 200; it++) {
        double g, is;
        memli_eval(*vd, x, p, out);
        is = src_i(net, vs - *vd, &g);
        double F = out[0] - is, dF = out[1 + NS] + g;
        if (!(dF > 0)) dF = g;
        double dv = F / dF;
        if (dv > 0.5) dv = 0.5; else if (dv < -0.5) dv = -0.5;
        *vd -= dv;
        if (fabs(dv) <= 1e-12 + 1e-10 * fabs(*vd)) { memli_eval(*vd, x, p, out); return 0; }
    }
    return -1;
}

/* one backward-Euler step of size h from state x; xn, vd hold the initial guess.
 * With a dynamic device voltage (net->dyn) vd obeys c (vd - vd0) = h (i_src - I). */
static int be_step(const double *x, double vd0, double vs, double h, const double *p,
                   const Net *net, const double *tolk, double *xn, double *vd, double *out) {
    const int n = NS + (net->series ? 1 : 0);
    double A[NU * NU], r[NU];
    for (int it = 0; it < 50; it++) {
        double v = net->series ? *vd : vs;
        memli_eval(v, xn, p, out);
        for (int k = 0; k < NS; k++) {
            r[k] = xn[k] - x[k] - h * out[1 + k];
            for (int c = 0; c < NS; c++)
                A[k * n + c] = (k == c ? 1.0 : 0.0) - h * out[2 + 3 * NS + k * NS + c];
            if (net->series) A[k * n + NS] = -h * out[2 + 2 * NS + k];
        }
        if (net->series && net->dyn) {
            double g, is = src_i(net, vs - v, &g);
            r[NS] = net->c * (v - vd0) + h * (out[0] - is);
            for (int c = 0; c < NS; c++) A[NS * n + c] = h * out[2 + NS + c];
            A[NS * n + NS] = net->c + h * (out[1 + NS] + g);
        } else if (net->series) {
            double g, is = src_i(net, vs - v, &g);
            r[NS] = out[0] - is;
            for (int c = 0; c < NS; c++) A[NS * n + c] = out[2 + NS + c];
            A[NS * n + NS] = out[1 + NS] + g;
        }
        if (lin_solve(n, A, r)) return -1;
        int done = 1;
        for (int k = 0; k < NS; k++) {
            if (!isfinite(r[k])) return -1;
            xn[k] -= r[k];
            if (fabs(r[k]) > 1e-3 * tolk[k]) done = 0;
        }
        clip_state(xn);
        if (net->series) {
            double dv = r[NS];
            if (!isfinite(dv)) return -1;
            if (dv > 0.5) dv = 0.5; else if (dv < -0.5) dv = -0.5;
            *vd -= dv;
            if (fabs(dv) > 1e-10 + 1e-8 * fabs(*vd)) done = 0;
        }
        if (done) {
            memli_eval(net->series ? *vd : vs, xn, p, out);
            return 0;
        }
    }
    return -1;
}

/* Run the simulation.  Output samples at the PWL breakpoints t[0..nt-1].
 * Variable-step BDF2 (backward Euler for the first step after the start):
 *   x_{n+1} = a x_n - b x_{n-1} + g h f(x_{n+1}),  w = h_n / h_{n-1},
 *   a = (1+w)^2/(1+2w), b = w^2/(1+2w), g = (1+w)/(1+2w).
 * Local error: difference between the corrector and the quadratic predictor
 * through the last three accepted points, divided by 3 (constant-step BDF2 error
 * constant 2/9 over the predictor's 1), per state against rtol * range.
 * stats: [0] accepted steps, [1] rejected (error), [2] Newton failures, [3] failing sample.
 * Returns 0 on success, -1 when the step size fell below hmin. */
int memli_run(int nt, const double *t, const double *vs, const double *p, const double *x0,
              double rs, double ic, double cap, double rtol, double hmax, double hmin,
              double *vd_out, double *i_out, double *x_out, int *stats) {
    Net net = {rs, ic, cap, (rs > 0 || ic > 0) ? 1 : 0, 0};
    net.dyn = net.series && cap > 0;
    /* the device voltage's error tolerance: rtol of the source's span (1 V if flat) */
    double vlo = vs[0], vhi = vs[0];
    for (int k = 1; k < nt; k++) { if (vs[k] < vlo) vlo = vs[k]; if (vs[k] > vhi) vhi = vs[k]; }
    const double tolv = rtol * (vhi > vlo ? vhi - vlo : 1.0);
    double vdm1 = 0, vdm2 = 0, dvd_old = 0;   /* device-voltage history (net.dyn) */
    enum { M = NS > 0 ? NS : 1 };
    double x[M], xn[M], xm1[M], xm2[M], cst[M], f_old[M], tolk[M];
    double out[NO];
    double vd = vs[0], h, tm1 = 0, tm2 = 0, tnow = t[0], vs_now = vs[0];
    int hist = 0;                 /* number of previous accepted points available */
    memset(stats, 0, 4 * sizeof(int));
    for (int k = 0; k < NS; k++) {
        x[k] = x0[k];
        tolk[k] = rtol * (X_HI[k] - X_LO[k]);
        if (!(tolk[k] > 0)) tolk[k] = rtol;
    }
    clip_state(x);
    if (solve_vd(x, vs[0], p, &net, &vd, out)) { stats[3] = 0; return -1; }
    for (int k = 0; k < NS; k++) { f_old[k] = out[1 + k]; x_out[k * nt] = x[k]; }
    vd_out[0] = vd; i_out[0] = out[0];
    double i_cur = out[0];
    h = t[1] - t[0];
    if (hmax > 0 && h > hmax) h = hmax;
    for (int s = 0; s + 1 < nt; s++) {
        const double ts = t[s], te = t[s + 1], slope = (vs[s + 1] - vs[s]) / (te - ts);
        if (hmax > 0 && h > hmax) h = hmax;
        while (te - tnow > 1e-14 * (fabs(te) + 1e-30)) {
            double hh = h;
            if (tnow + 1.05 * hh >= te) hh = te - tnow;
            const double vsn = (tnow + hh >= te) ? vs[s + 1] : vs[s] + slope * (tnow + hh - ts);
            double vdn = vsn;
            if (net.series) {
                /* initial guess: in compliance the device voltage stays put; otherwise it
                 * follows the source with the same drop across the series network */
                const double u_old = vs_now - vd;
                int limited = net.ic > 0 && fabs(u_old) > 2.0 * net.ic * net.rs;
                vdn = limited ? vd : vsn - u_old;
            }
            double geff = 1.0, cst_vd = vd;
            if (hist >= 1) {
                const double w = hh / (tnow - tm1);
                const double a = (1 + w) * (1 + w) / (1 + 2 * w), b = w * w / (1 + 2 * w);
                geff = (1 + w) / (1 + 2 * w);
                for (int k = 0; k < NS; k++) cst[k] = a * x[k] - b * xm1[k];
                cst_vd = a * vd - b * vdm1;
            } else {
                for (int k = 0; k < NS; k++) cst[k] = x[k];
            }
            for (int k = 0; k < NS; k++) xn[k] = x[k];
            if (be_step(cst, cst_vd, vsn, geff * hh, p, &net, tolk, xn, &vdn, out)) {
                stats[2]++;
                h = 0.25 * hh;
                if (h < hmin) { stats[3] = s; return -1; }
                continue;
            }
            double err = 0;
            const double tn1 = tnow + hh;
            for (int k = 0; k < NS; k++) {
                double e;
                if (hist >= 2) {
                    /* quadratic (Lagrange) predictor through (tm2, xm2), (tm1, xm1), (tnow, x) */
                    const double l0 = (tn1 - tm1) * (tn1 - tnow) / ((tm2 - tm1) * (tm2 - tnow));
                    const double l1 = (tn1 - tm2) * (tn1 - tnow) / ((tm1 - tm2) * (tm1 - tnow));
                    const double l2 = (tn1 - tm2) * (tn1 - tm1) / ((tnow - tm2) * (tnow - tm1));
                    const double xp = l0 * xm2[k] + l1 * xm1[k] + l2 * x[k];
                    e = fabs(xn[k] - xp) / 3.0 / tolk[k];
                } else {
                    e = 0.5 * hh * fabs(out[1 + k] - f_old[k]) / tolk[k];
                }
                if (e > err) err = e;
            }
            const double dvd_new = net.dyn ? (vdn - cst_vd) / (geff * hh) : 0.0;
            if (net.dyn) {
                double e;
                if (hist >= 2) {
                    const double l0 = (tn1 - tm1) * (tn1 - tnow) / ((tm2 - tm1) * (tm2 - tnow));
                    const double l1 = (tn1 - tm2) * (tn1 - tnow) / ((tm1 - tm2) * (tm1 - tnow));
                    const double l2 = (tn1 - tm2) * (tn1 - tm1) / ((tnow - tm2) * (tnow - tm1));
                    e = fabs(vdn - (l0 * vdm2 + l1 * vdm1 + l2 * vd)) / 3.0 / tolv;
                } else {
                    e = 0.5 * hh * fabs(dvd_new - dvd_old) / tolv;
                }
                if (e > err) err = e;
            }
            if (err > 1.0 && hh > hmin) {
                stats[1]++;
                double fac = 0.9 * pow(err, -1.0 / 3.0);
                h = hh * (fac < 0.1 ? 0.1 : fac);
                if (h < hmin) h = hmin;
                continue;
            }
            stats[0]++;
            for (int k = 0; k < NS; k++) { xm2[k] = xm1[k]; xm1[k] = x[k]; }
            tm2 = tm1; tm1 = tnow;
            tnow = tn1;
            vs_now = vsn;
            if (hist < 2) hist++;
            vdm2 = vdm1; vdm1 = vd;
            vd = vdn;
            dvd_old = dvd_new;
            /* terminal current: device current plus c dvd/dt (the BDF2 derivative, or
             * the segment's slope when vd is the source voltage) */
            i_cur = out[0];
            if (cap > 0) i_cur += cap * (net.dyn ? dvd_new : slope);
            for (int k = 0; k < NS; k++) { x[k] = xn[k]; f_old[k] = out[1 + k]; }
            double fac = err > 1e-12 ? 0.9 * pow(err, -1.0 / 3.0) : 2.0;
            if (fac > 2.0) fac = 2.0;       /* BDF2 zero-stability needs w < 1 + sqrt(2) */
            if (fac < 0.2) fac = 0.2;
            h = (hh < h ? h : hh) * fac;
            if (h > 2.0 * hh) h = 2.0 * hh;
            if (hmax > 0 && h > hmax) h = hmax;
        }
        if (tnow != te) tnow = te;
        vd_out[s + 1] = vd; i_out[s + 1] = i_cur;
        for (int k = 0; k < NS; k++) x_out[k * nt + s + 1] = x[k];
    }
    return 0;
}
