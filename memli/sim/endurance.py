"""Endurance: per-cycle metrics over many cycles, with cycle skipping.

Degradation in memristor models is slow compared with one switching cycle, so the
state after cycle n+K is well predicted by extrapolating the per-cycle change of
the states measured over consecutive simulated cycles (envelope following;
Petzold, SIAM J. Numer. Anal. 18, 1981 [petzold1981]).  :func:`endurance` simulates cycles
one by one while the on/off ratio or the states change quickly, and jumps ahead
when they change slowly, limiting each jump so that no state moves by more than
``max_state_step`` of its range and log10(on/off) by more than ``max_log_step``.
After every jump, two cycles are simulated: the first lets the fast states relax,
the second measures the cycle.  ``jump=False`` simulates every cycle.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .device import _as_card, simulate
from .waveform import Waveform


@dataclass
class EnduranceResult:
    """Measured cycles of an endurance run.

    ``cycles`` are 1-based cycle numbers that were simulated (others were skipped);
    ``on_off``, ``r_hrs_ohm``, ``r_lrs_ohm``, ``v_set``, ``v_reset`` per measured
    cycle (NaN where undefined); ``cycles_to_failure`` is the first cycle whose on/off
    falls below ``fail_on_off`` (interpolated inside a skipped stretch), or None if it
    did not happen within ``max_cycles`` (censored).  ``simulated`` counts the cycles
    actually simulated.
    """

    card: str
    cycles: np.ndarray
    on_off: np.ndarray
    r_hrs_ohm: np.ndarray
    r_lrs_ohm: np.ndarray
    v_set: np.ndarray
    v_reset: np.ndarray
    cycles_to_failure: int | None
    max_cycles: int
    fail_on_off: float
    simulated: int
    final_state: np.ndarray = field(default=None)


def _num(v):
    return float("nan") if v is None else float(v)


def endurance(card, vmin_v: float = -0.2, vmax_v: float = 1.0, max_cycles: int = 1000,
              rate_v_per_s: float = 1.0, dv_v: float = 4e-3, read_voltage_v: float = 0.1,
              fail_on_off: float = 10.0, params=None, compliance_a=None,
              r_series_ohm: float = 0.0, jump: bool = True, max_state_step: float = 0.01,
              max_log_step: float = 0.05, stop_at_failure: bool = True,
              progress=None) -> EnduranceResult:
    """Run up to ``max_cycles`` triangular cycles and track the on/off ratio.

    Parameters are those of :func:`memli.sim.simulate` and
    :meth:`memli.sim.Waveform.triangle`; ``progress(done, total)`` is called after
    each simulated cycle.
    """
    card = _as_card(card)
    if params:
        card = card.with_values(**params)
    model = card.model
    one = Waveform.triangle(vmin_v, vmax_v, 1, rate_v_per_s=rate_v_per_s, dv_v=dv_v)
    rng = np.array([s.bounds[1] - s.bounds[0] for s in model.states], dtype=float)
    rng[~np.isfinite(rng) | (rng <= 0)] = 1.0
    lo = np.array([s.bounds[0] for s in model.states])
    hi = np.array([s.bounds[1] for s in model.states])
    state = model.initial_state()
    rows = []          # (cycle number, metrics dict)
    n = 0
    simulated = 0
    failure = None
    prev_state = None
    prev_log = None

    def run_one(s):
        nonlocal simulated
        res = simulate(card, one, x0=s, compliance_a=compliance_a, r_series_ohm=r_series_ohm)
        simulated += 1
        if progress:
            progress(min(n, max_cycles), max_cycles)
        m = res.metrics(read_voltage_v)[0]
        return res.final_state(), m

    def log_onoff(m):
        return math.log10(m["on_off"]) if m["on_off"] and m["on_off"] > 0 else None

    last_jump = 0
    while n < max_cycles:
        new_state, m = run_one(state)
        n += 1
        rows.append((n, m))
        lg = log_onoff(m)
        failed = m["on_off"] is None or m["on_off"] < fail_on_off
        if failed and failure is None:
            failure = n
            if last_jump and len(rows) >= 3:
                # failure happened inside the skipped stretch: interpolate log on/off
                n0, m0 = rows[-3]
                l0 = log_onoff(m0)
                if l0 is not None and lg is not None and l0 > lg:
                    target = math.log10(fail_on_off)
                    frac = (l0 - target) / (l0 - lg)
                    failure = int(round(n0 + frac * (n - n0)))
            if stop_at_failure:
                state = new_state
                break
        delta = None if prev_state is None or last_jump else new_state - state
        dlog = None if (prev_log is None or lg is None or last_jump) else lg - prev_log
        prev_state, prev_log = state, lg
        state = new_state
        last_jump = 0
        if not jump or delta is None:
            continue
        rel = np.max(np.abs(delta) / rng) if delta.size else 0.0
        k_state = max_state_step / rel if rel > 0 else math.inf
        k_log = max_log_step / abs(dlog) if dlog else math.inf
        k = int(min(k_state, k_log, max_cycles - n - 2))
        if k >= 3:
            state = np.clip(state + k * delta, lo, hi)
            n += k
            last_jump = k
    cyc = np.array([r[0] for r in rows])
    get = lambda key: np.array([_num(r[1][key]) for r in rows])
    return EnduranceResult(card=card.name, cycles=cyc, on_off=get("on_off"),
                           r_hrs_ohm=get("r_hrs_ohm"), r_lrs_ohm=get("r_lrs_ohm"),
                           v_set=get("v_set"), v_reset=get("v_reset"),
                           cycles_to_failure=failure, max_cycles=max_cycles,
                           fail_on_off=fail_on_off, simulated=simulated, final_state=state)
