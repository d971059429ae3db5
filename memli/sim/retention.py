"""Retention and read disturb of a device card, measured as a user would.

Protocol (:func:`retention`):

1. *Prepare* the two states by cycling the card with its characteristic sweep
   (``prep_sweep_v``, ``prep_cycles`` triangular cycles at 1 V/s): the LRS is the state
   when the source returns to 0 V after the SET half of the last cycle, the HRS the
   state at the end of it.
2. *Hold* each state at 0 V for ``hold_s`` seconds.
3. *Read* each (prepared) state with ``read_pulses`` rectangular pulses of ``width_s``
   at ``read_voltage_v``.  When the model is nonvolatile (its rates vanish at 0 V,
   which the property tests check for every bundled model), the gaps between pulses
   change nothing, so the train is integrated as one pulse of the summed width
   (``method = "lumped"``); up to ``explicit_max`` pulses are simulated one by one
   (``method = "explicit"``, the check of the lumped form).

The reported change is that of the chord resistance ``R = V_read / I(V_read, x)``,
``|R_after / R_before - 1|``, and of each state in units of its range.

Default read voltage: ``Model.read_voltage_v`` when the model declares one (li_filament:
-0.05 V, see docs/li_filament.md), else 0.1 V.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import WaveformError
from .device import _as_card, simulate
from .waveform import Waveform

#: read voltage used when a model declares none, V
FALLBACK_READ_V = 0.1


def default_read_voltage_v(model) -> float:
    """The model's declared read voltage (V), or :data:`FALLBACK_READ_V`."""
    v = getattr(model, "read_voltage_v", None)
    return FALLBACK_READ_V if v is None else float(v)


@dataclass
class RetentionResult:
    """Per prepared state (``"lrs"``, ``"hrs"``): resistances and state changes."""

    card: str
    read_voltage_v: float
    hold_s: float
    read_pulses: int
    width_s: float
    method: str
    rows: dict

    def as_dict(self) -> dict:
        return {"card": self.card, "read_voltage_v": self.read_voltage_v,
                "hold_s": self.hold_s, "read_pulses": self.read_pulses,
                "width_s": self.width_s, "read_method": self.method,
                "states": self.rows}

    def worst_change(self) -> float:
        """Largest relative resistance change over states and protocols."""
        return max(max(r["hold"]["rel_change"], r["read"]["rel_change"])
                   for r in self.rows.values())


def prepared_states(card, prep_sweep_v=(-0.2, 1.0), prep_cycles: int = 10,
                    rate_v_per_s: float = 1.0) -> dict:
    """LRS and HRS states (arrays) after ``prep_cycles`` sweeps (see module docstring)."""
    card = _as_card(card)
    wf = Waveform.triangle(prep_sweep_v[0], prep_sweep_v[1], prep_cycles,
                           rate_v_per_s=rate_v_per_s)
    res = simulate(card, wf)
    last = np.flatnonzero(wf.cycle == wf.cycle.max())
    v = wf.v_v[last]
    k_min = last[int(np.argmin(v))]
    after = np.flatnonzero((np.arange(wf.t_s.size) > k_min) & (wf.v_v >= 0.0))
    return {"lrs": res.x[:, after[0]].copy(), "hrs": res.x[:, -1].copy()}


def _resistance(card, x, v_read) -> float:
    i = card.model.numeric.current(v_read, np.asarray(x, float)[:, None],
                                   np.asarray(card.vector, float)[:, None])
    return float(v_read / np.asarray(i).ravel()[0])


def retention(card, hold_s: float = 1e4, read_pulses: int = 1_000_000,
              width_s: float = 1e-6, read_voltage_v: float | None = None,
              prep_sweep_v=(-0.2, 1.0), prep_cycles: int = 10,
              explicit_max: int = 2000, states=None) -> RetentionResult:
    """Hold and read-disturb the LRS and HRS of ``card`` (see module docstring).

    Parameters
    ----------
    hold_s : float
        Time at 0 V, s.
    read_pulses : int
        Number of read pulses.
    width_s : float
        Width of one read pulse, s.
    read_voltage_v : float, optional
        Read voltage, V (default: :func:`default_read_voltage_v`).
    states : dict name -> state array, optional
        States to test instead of the prepared LRS/HRS.

    Returns
    -------
    RetentionResult
    """
    card = _as_card(card)
    model = card.model
    if not (np.isfinite(hold_s) and hold_s > 0):
        raise WaveformError(f"hold time must be > 0 s, got {hold_s!r}")
    if int(read_pulses) < 1 or not (np.isfinite(width_s) and width_s > 0):
        raise WaveformError(f"read pulses: {read_pulses!r} pulses of {width_s!r} s; expected "
                            ">= 1 pulse of width > 0 s")
    v_read = default_read_voltage_v(model) if read_voltage_v is None else float(read_voltage_v)
    if not np.isfinite(v_read) or v_read == 0:
        raise WaveformError(f"read voltage must be finite and nonzero, got {v_read!r}")
    n = int(read_pulses)
    states = states if states is not None else prepared_states(card, prep_sweep_v, prep_cycles)
    span = np.array([s.bounds[1] - s.bounds[0] for s in model.states], float)
    method = "explicit" if n <= explicit_max else "lumped"
    rows = {}
    for name, x0 in states.items():
        x0 = np.asarray(x0, float)
        r0 = _resistance(card, x0, v_read)
        hold = simulate(card, Waveform.pwl([0.0, hold_s], [0.0, 0.0]), x0=x0).final_state()
        if method == "explicit":
            wf = Waveform.pulses(v_read, width_s, 2 * width_s, n)
        else:
            wf = Waveform.pwl([0.0, n * width_s], [v_read, v_read])
        read = simulate(card, wf, x0=x0).final_state()
        out = {"r_ohm": r0, "state": dict(zip(model.state_names, map(float, x0)))}
        for key, xe in (("hold", hold), ("read", read)):
            r = _resistance(card, xe, v_read)
            out[key] = {"r_ohm": r, "rel_change": abs(r / r0 - 1.0),
                        "max_state_change": float(np.max(np.abs(xe - x0) / span))}
        rows[name] = out
    return RetentionResult(card.name, v_read, float(hold_s), n, float(width_s), method, rows)
