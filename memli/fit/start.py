"""Start values from the data, so that a fit does not depend on a good start card.

1. **Polarity.** A model SETs at the voltage sign of its own convention
   (``Model.set_polarity``); when the data SET at the other sign the model is used with
   its terminals swapped (:meth:`memli.models.base.Model.reversed`).
2. **Roles.** Each model declares which parameters play the measured switching voltages
   and resistances (``roles`` in its file).  Thresholds start at the median extracted
   V_set / V_reset (as a signed voltage or as a magnitude, whichever the parameter's
   bounds admit), resistances (ohm) at the median R_LRS / R_HRS.  Role parameters in
   other units (e.g. current scales) are calibrated on the simulated current.
3. **Scan.** Every free parameter is scanned once, in turn, over a few multiples of its
   start value (decades for log parameters) and, for linear parameters, a few points
   across its range; the best point starts the least-squares fit.
   The card's values are the fallback wherever the data say nothing.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..cards import Card
from .problem import FitData, Problem, param_bounds


def data_summary(fd: FitData, read_voltage_v: float = 0.1) -> dict:
    """Medians of the extracted per-cycle V_set, V_reset (V), R_LRS, R_HRS (ohm) and the
    per-cycle table itself (``cycles``), with the data's polarity."""
    from .verdict import _table
    rows = _table(fd, fd.i_a, fd.polarity, read_voltage_v, smooth=False)
    out = {"cycles": rows}
    for key, role in (("v_set", "v_set"), ("v_reset", "v_reset"), ("r_lrs_ohm", "r_lrs"),
                      ("r_hrs_ohm", "r_hrs")):
        vals = [r[key] for r in rows if r.get(key) is not None and math.isfinite(r[key])]
        out[role] = float(np.median(vals)) if vals else None
    return out


def oriented(card: Card, polarity: str) -> Card:
    """``card`` with its model's terminals swapped when the model SETs at the other side."""
    if card.model.set_polarity in (None, polarity):
        return card
    extra = dict(card.extra)
    extra["polarity"] = polarity
    return dataclasses.replace(card, model=card.model.reversed(), extra=extra,
                               name=card.name)


def _inside(card, k, val, margin=1e-6):
    lo, hi = param_bounds(card, k)
    span = hi - lo
    return float(min(max(val, lo + margin * span), hi - margin * span))


def role_values(card: Card, summary: dict) -> dict:
    """Start values of the card's role parameters from the data summary (see module
    docstring); resistance roles in units other than ohm are left to
    :func:`calibrate_scale`."""
    sgn = -1.0 if card.model.is_reversed else 1.0      # data frame -> model frame
    vals = {}
    for role, names in card.model.roles.items():
        obs = summary.get(role)
        if obs is None or not math.isfinite(obs):
            continue
        for k in names:
            p = card.model.params[k]
            if p.instance:
                continue
            lo, hi = param_bounds(card, k)
            if role.startswith("v_"):
                v = sgn * obs
                # a signed threshold, or a magnitude when the bounds are one-signed
                val = v if lo <= v <= hi else (abs(v) if lo >= 0 else -abs(v))
            elif p.unit == "ohm":
                val = obs
            else:
                continue
            vals[k] = _inside(card, k, val)
    return vals


def calibrate_scale(card: Card, fd: FitData, summary: dict, sim) -> dict:
    """Resistance-role parameters not in ohm (current scales): multiplied or divided by
    the median ratio of measured to simulated current, whichever brings the simulation
    closer.  ``sim(card) -> (i_sim, cost)``."""
    names = [k for role in ("r_lrs", "r_hrs") for k in card.model.roles.get(role, ())
             if card.model.params[k].unit != "ohm" and not card.model.params[k].instance]
    if not names or summary.get("r_lrs") is None:
        return {}
    i_sim, cost0 = sim(card)
    above = (np.abs(fd.i_a) > 3 * fd.floor_a) & (np.abs(i_sim) > 0)
    if above.sum() < 5:
        return {}
    ratio = 10 ** float(np.median(np.log10(np.abs(fd.i_a[above]))
                                  - np.log10(np.abs(i_sim[above]))))
    best, best_cost = {}, cost0
    for f in (ratio, 1 / ratio):
        trial = {k: _inside(card, k, card.values[k] * f) for k in names}
        _, c = sim(dataclasses.replace(card, values={**card.values, **trial}))
        if c < best_cost:
            best, best_cost = trial, c
    return best


def scan(prob: Problem, u0, budget: int = 120, progress=None):
    """One coordinate pass over the free parameters (see module docstring); returns the
    best ``u`` found and its cost."""
    u = prob.inside(np.array(u0, float))
    best = prob.cost(u)
    lo, hi = prob.u_bounds()
    used = 1
    for j in range(len(u)):
        if used >= budget:
            break
        if prob.islog[j]:
            points = [u[j] + s for s in (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)]
        else:
            # multiples of the start value, and points across the range (weights, shapes)
            points = [u[j] * (1 + s) for s in (-0.5, -0.25, 0.25, 0.5, 1.0)]
            if math.isfinite(hi[j] - lo[j]):
                points += [lo[j] + f * (hi[j] - lo[j]) for f in (0.02, 0.25, 0.5, 0.75, 0.98)]
        cand = None
        for x in points:
            t = u.copy()
            t[j] = x
            if not lo[j] < t[j] < hi[j] or x == u[j]:
                continue
            c = prob.cost(t)
            used += 1
            if c < best:
                best, cand = c, t
        if cand is not None:
            u = cand
        if progress:
            progress("start scan", j + 1, len(u))
    return u, best


def perturb(card: Card, names=None, low: float = 2.0, high: float = 5.0, seed: int = 0,
            name: str | None = None) -> Card:
    """A copy of ``card`` with every parameter in ``names`` (default: the card's vary and
    role parameters) multiplied or divided (at random) by a factor drawn in
    [``low``, ``high``]; signed thresholds keep their sign; values are clipped to the
    bounds.  For checking that fits do not depend on starting at the answer."""
    from .problem import fit_parameters
    rng = np.random.default_rng(seed)
    names = [k for k in (names or fit_parameters(card)) if k in card.model.params]
    vals = {}
    for k in names:
        f = float(rng.uniform(low, high))
        f = f if rng.random() < 0.5 else 1.0 / f
        v = card.values[k]
        vals[k] = _inside(card, k, v * f if v != 0 else 0.1 * f)
    return card.with_values(name=name or f"{card.name}_perturbed", **vals)
