"""Fitting the Li-filament model to a GENERATED tip dataset: memli.fit vs a plain
scipy least_squares with serial 2-point finite differences on the same residuals.

Both start from the same perturbed llzo_tip card, fit the same parameters in the same
scaled variables with the same tolerances, simulator and difference step; memli adds
parallel Jacobian columns, Broyden updates between full Jacobians, reuse of the
simulations already run and parameter screening, and
it also computes the covariance at the solution (one more Jacobian), which the baseline
does not.  The
dataset: llzo_tip, 1000 samples per cycle (0 -> -0.25 -> 0 -> +1 -> 0 V at 1 V/s,
2.5 mV steps), 1 mA compliance, 1 pA floor, 2 % noise, no cycle-to-cycle variability.
"""
from __future__ import annotations

import time

import numpy as np

from bench import median_time

START = {"k_set_per_s": 1500.0, "v0_reset_v": 0.03, "k_reset_per_s": 30.0,
         "gap_decay": 35.0}
PARAMS = ["gap_decay", "x_bridge", "v0_set_v", "k_set_per_s", "v_reset_v", "v0_reset_v",
          "k_reset_per_s", "cond_gain"]


def _data(cycles):
    from memli.data import synth
    from memli.fit import FitData
    g = synth.generate("llzo_tip", cycles=cycles, dv_set_v=2.5e-3, dv_reset_v=2.5e-3,
                       variability=0, seed=11)
    return FitData.from_arrays(g.t_s, g.v_v, g.i_a, g.cycle)


def _baseline(fd, start):
    from scipy.optimize import least_squares
    from memli.fit.core import _Problem
    prob = _Problem(start, fd, PARAMS, 10.0, 1e-6, 1)
    lo, hi = prob.u_bounds()
    u0 = np.clip(prob.to_u([start.values[k] for k in PARAMS]), lo, hi)
    # diff_step 2e-3 (relative): scipy's default (~1e-8) would difference the simulator's
    # adaptive-step noise rather than the model and stop early at a poor fit
    sol = least_squares(prob.resid, u0, jac="2-point", bounds=(lo, hi), method="trf",
                        x_scale="jac", max_nfev=60 * (len(PARAMS) + 1), ftol=1e-6, xtol=1e-6,
                        diff_step=2e-3)
    return sol


def _memli(fd, start):
    from memli.fit import fit
    return fit(fd, card=start, params=PARAMS, workers=2)


def run(quick: bool = False):
    from memli.cards import load_card
    start = load_card("llzo_tip").with_values(**START)
    rows = []
    for n in ((5,) if quick else (5, 20, 200)):
        fd = _data(n)
        reps = 5 if n <= 5 else 1
        out = {}

        def run_memli():
            out["res"] = _memli(fd, start)

        def run_base():
            out["sol"] = _baseline(fd, start)
        t_m = median_time(run_memli, reps, warmup=reps > 1)
        res = out["res"]
        t_b, note_b = None, "baseline not run at this size"
        if n <= 20:
            t_b = median_time(run_base, reps, warmup=reps > 1)
            sol = out["sol"]
            note_b = (f"baseline chi-square {2 * sol.cost:.4g} after {sol.nfev} residual "
                      f"evaluations + {sol.njev} Jacobians ({sol.message})")
        how = f"median of {reps} runs after a warm-up" if reps > 1 else "single run each"
        rows.append(("fit llzo_tip cycles x 1000 points (scipy 2-point baseline)", n, t_b,
                     t_m, f"{how}; memli chi-square {res.chisqr:.4g}, median error "
                     f"{res.metrics['median_abs_log10_error']:.3g} decade, {res.nfev} "
                     f"simulations; {note_b}"))
    if not quick:
        rows.append(_rank_row())
    return rows


def _rank_row(cycles: int = 20):
    """`memli fit --model all` on 20 cycles x 5 models: GENERATED vteam ECM stand-in
    (memli.fit.synthetic: SET-side compliance, noise, floor), every model started from
    its bundled card and the data.  No baseline (no other tool ranks these models)."""
    from memli.fit import synthetic as S
    from memli.fit.rank import fit_all, ranking
    fd = S.generate("vteam", cycles=cycles, seed=3).fit_data()
    out = {}

    def run_rank():
        c0 = time.process_time()
        out["rank"] = ranking(fit_all(fd))
        out["cpu"] = time.process_time() - c0
    t = median_time(run_rank, 1, warmup=False)
    r = out["rank"]
    order = ", ".join(f"{x['model']} {x['quality']} {x['fit_s']:.1f} s" for x in r)
    return ("fit --model all (5 models) on vteam-generated cycles", cycles, None, t,
            f"single run, {out['cpu']:.0f} s CPU (all threads; wall time depends on other "
            f"jobs on the machine); best {r[0]['model']} (median error "
            f"{r[0]['median_abs_log10_error']:.3g} decade, V_set / V_reset rmse "
            f"{r[0]['v_set_rmse']} / {r[0]['v_reset_rmse']} V); ranking: {order}")
