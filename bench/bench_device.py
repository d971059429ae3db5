"""Device simulator: memli (generated C, BDF2) vs scipy's solve_ivp (Radau with the
generated numpy Jacobian) on the same llzo_tip triangular sweeps."""
from __future__ import annotations

import numpy as np

from bench import median_time


def _scipy(card, wf):
    from scipy.integrate import solve_ivp
    nm, p = card.model.numeric, card.vector
    vs = lambda t: np.interp(t, wf.t_s, wf.v_v)
    sol = solve_ivp(lambda t, x: nm.rates(vs(t), x, p), (wf.t_s[0], wf.t_s[-1]),
                    card.model.initial_state(), method="Radau", t_eval=wf.t_s, rtol=1e-5,
                    atol=1e-8, jac=lambda t, x: nm.evaluate(vs(t), x, p).df_dx)
    return nm.current(wf.v_v, sol.y, p)


def run(quick: bool = False):
    from memli.cards import load_card
    from memli.sim import Waveform, simulate
    card = load_card("llzo_tip")
    rows = []
    for n in ((2, 200) if quick else (5, 20, 200)):
        wf = Waveform.triangle(-0.2, 1.0, n)
        t_memli = median_time(lambda: simulate(card, wf))
        t_base = median_time(lambda: _scipy(card, wf), repeat=1 if n > 20 else 3) \
            if n <= 20 else None
        rows.append(("device sim llzo_tip cycles (scipy Radau baseline)", n, t_base, t_memli))
    return rows
