"""Writing a crossbar: bias schemes, half-select disturb, sneak paths, pulse programming.

Bias schemes for writing cell ``(r, c)`` with ``v_write`` (word line ``r`` at
``v_write``, bit line ``c`` at 0 V):

``"v/2"``       unselected word and bit lines at ``v_write / 2``: half-selected cells
                (same row or column) see ``v_write / 2``, the others 0.
``"v/3"``       unselected word lines at ``v_write / 3``, unselected bit lines at
                ``2 v_write / 3``: every unselected cell sees ``v_write / 3`` in
                magnitude.
``"floating"``  unselected lines left open: sneak paths set their voltages.
``"ground"``    unselected lines at 0 V.

See e.g. A. Chen, IEEE TED 60 (2013) 1318 and J. Zhou et al., "Crossbar RRAM arrays:
selector device requirements during write operation", IEEE TED 61 (2014) 1369.

Transient programming (:func:`program`) integrates every cell's states by its own
model rates, vectorised over cells, with the shared implicit stepper of
:mod:`memli.sim.stepper` (backward Euler, Newton per cell, local error control that
includes the change of the cell voltages within a step); states are kept within their
declared bounds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError, WaveformError
from .crossbar import Crossbar, DCResult

SCHEMES = ("v/2", "v/3", "floating", "ground")


@dataclass
class Drive:
    """Terminal drive of the array for one pulse: voltages (V) and floating masks."""

    v_wl: np.ndarray
    v_bl: np.ndarray
    wl_float: np.ndarray
    bl_float: np.ndarray

    def kwargs(self):
        return dict(v_wl=self.v_wl, v_bl=self.v_bl, wl_float=self.wl_float,
                    bl_float=self.bl_float)


def scheme_drive(n: int, m: int, cell, v_write_v: float, scheme: str = "v/2") -> Drive:
    """Line voltages that write ``cell = (row, col)`` with ``v_write_v`` (V)."""
    r, c = cell
    if not (0 <= r < n and 0 <= c < m):
        raise DataError(f"cell {cell}: outside the {n} x {m} array")
    s = scheme.lower()
    if s not in SCHEMES:
        raise DataError(f"scheme {scheme!r}; expected one of {list(SCHEMES)}")
    v = float(v_write_v)
    wl = np.zeros(n)
    bl = np.zeros(m)
    wf = np.zeros(n, bool)
    bf = np.zeros(m, bool)
    if s == "v/2":
        wl[:] = v / 2
        bl[:] = v / 2
    elif s == "v/3":
        wl[:] = v / 3
        bl[:] = 2 * v / 3
    elif s == "floating":
        wf[:] = True
        bf[:] = True
        wf[r] = False
        bf[c] = False
    wl[r] = v
    bl[c] = 0.0
    return Drive(wl, bl, wf, bf)


@dataclass
class WriteReport:
    """Voltages during a write.

    ``v_selected_v``: across the selected cell; ``v_half_max_v``: largest magnitude on
    half-selected cells (selected row or column); ``v_unselected_max_v``: largest on the
    others; ``i_total_a``: current of the selected word line's driver;
    ``i_selected_a``: through the selected cell; ``i_sneak_a``: the driver current that
    does not pass the selected cell.
    """

    dc: DCResult
    v_selected_v: float
    v_half_max_v: float
    v_unselected_max_v: float
    i_selected_a: float
    i_total_a: float
    i_sneak_a: float
    scheme: str


def write_bias(xb: Crossbar, cell, v_write_v: float, scheme: str = "v/2") -> WriteReport:
    """DC voltages across the array while writing ``cell`` (no state change)."""
    d = scheme_drive(xb.n, xb.m, cell, v_write_v, scheme)
    dc = xb.dc(**d.kwargs())
    r, c = cell
    v = np.abs(dc.v_cell)
    half = np.zeros_like(v, bool)
    half[r, :] = True
    half[:, c] = True
    half[r, c] = False
    others = ~half
    others[r, c] = False
    i_sel = float(dc.i_cell[r, c])
    return WriteReport(dc, float(dc.v_cell[r, c]), float(v[half].max(initial=0.0)),
                       float(v[others].max(initial=0.0)), i_sel, float(dc.i_in_a[r]),
                       float(dc.i_in_a[r] - i_sel), scheme)


def sneak_read(xb: Crossbar, cell, v_read_v: float, scheme: str = "floating") -> dict:
    """Read one cell with the other lines biased by ``scheme``.

    Returns {"i_sensed_a": current into the selected bit line's sense amplifier,
    "i_cell_alone_a": the selected device alone at ``v_read_v`` (ideal wires, no
    other cells), "i_sneak_a": their difference, "rel_error"}.
    """
    r, c = cell
    d = scheme_drive(xb.n, xb.m, cell, v_read_v, scheme)
    dc = xb.dc(**d.kwargs())
    sub = Crossbar(xb.model, None if xb.params is None else xb.params[:, r:r + 1, c:c + 1],
                   None if xb.model is None else xb.states[:, r:r + 1, c:c + 1],
                   conductance=None if xb.g_fixed is None else xb.g_fixed[r:r + 1, c:c + 1],
                   selector=xb.selector)
    alone = float(sub.cell_law(np.full((1, 1), v_read_v))[0][0, 0])
    sensed = float(dc.i_out_a[c])
    return {"i_sensed_a": sensed, "i_cell_alone_a": alone, "i_sneak_a": sensed - alone,
            "rel_error": (sensed - alone) / alone if alone else float("inf"), "dc": dc}


# ------------------------------------------------------------------ transient
@dataclass
class Pulse:
    """One segment of a pulse train: a drive held for ``width_s`` seconds."""

    drive: Drive
    width_s: float


@dataclass
class ProgramResult:
    """States over a pulse train.

    ``t_s`` (k,) step times; ``x_cells`` (k, n_states, n_rec) states of the recorded
    cells; ``i_cells_a`` (k, n_rec) their currents; ``states_after`` (n_pulses,
    n_states, n, m) full state after each pulse; ``steps``, ``newton``: counts.
    """

    t_s: np.ndarray
    x_cells: np.ndarray
    i_cells_a: np.ndarray
    states_after: np.ndarray
    cells: list
    steps: int = 0
    rejected: int = 0
    extra: dict = field(default_factory=dict)


def pulse_train(n: int, m: int, cell, v_write_v: float, width_s: float, count: int,
                scheme: str = "v/2", gap_s: float = 0.0) -> list[Pulse]:
    """``count`` write pulses on ``cell`` with ``scheme``, separated by ``gap_s`` at 0 V."""
    if width_s <= 0 or count < 1:
        raise WaveformError(f"pulse train: width {width_s} s, count {count}; expected "
                            "width > 0 and count >= 1")
    on = scheme_drive(n, m, cell, v_write_v, scheme)
    off = scheme_drive(n, m, cell, 0.0, "ground")
    out = []
    for _ in range(count):
        out.append(Pulse(on, width_s))
        if gap_s > 0:
            out.append(Pulse(off, gap_s))
    return out


def program(xb: Crossbar, pulses: list[Pulse], record=None, dx_max: float | None = None,
            h0_s: float | None = None, max_steps: int = 200000, progress=None,
            rtol: float = 1e-12, state_rtol: float | None = None) -> ProgramResult:
    """Apply a pulse train to ``xb`` (its ``states`` are updated in place).

    Every step solves the network for the present states, advances all cell states
    together by the shared implicit stepper (:mod:`memli.sim.stepper`: backward Euler,
    Newton per cell) at those voltages, solves the network again at the new states and
    estimates the local error from the rates at both ends (so the change of the cell
    voltages within the step is under error control too).

    Parameters
    ----------
    record : list of (row, col), optional
        Cells whose states and currents are stored at every step.
    dx_max : float, optional
        Kept for callers of the former fixed-change stepper; ignored (the local error
        control sets the steps, and a state that switches abruptly may cross its whole
        range within one accurate step).
    rtol : float
        Relative tolerance of the network solves.
    state_rtol : float, optional
        Local error tolerance of the states, relative to their ranges (default
        :data:`memli.sim.stepper.RTOL`).
    progress : callable(fraction), optional

    Returns
    -------
    ProgramResult

    Raises
    ------
    ConvergenceError
        When the step falls below 1e-24 of a pulse width.
    """
    from ..errors import ConvergenceError
    from ..sim import stepper
    if xb.model is None or xb.model.n_states == 0:
        raise DataError("program: the crossbar has no device states to evolve")
    model = xb.model
    num = model.numeric
    lo, hi, span = stepper.state_limits(model)
    srtol = stepper.RTOL if state_rtol is None else float(state_rtol)
    record = list(record or [])
    rr = np.array([c[0] for c in record], int)
    cc = np.array([c[1] for c in record], int)
    ts, xs, iss = [], [], []
    after = []
    t = 0.0
    total = sum(p.width_s for p in pulses)
    steps = rejected = 0
    guess = None
    ns = model.n_states

    def solve(drive, states):
        nonlocal guess
        old = xb.states
        xb.states = states
        try:
            dc = xb.dc(**drive.kwargs(), x0=guess, rtol=rtol)
        finally:
            xb.states = old
        guess = (dc.w, dc.b)
        return dc, (dc.v_dev if dc.v_dev is not None else dc.v_cell)

    h = None
    for p in pulses:
        t_end = t + p.width_s
        h = min(h0_s or p.width_s / 50, p.width_s) if h is None else min(h, p.width_s)
        hmin = p.width_s * 1e-24
        dc, vdev = solve(p.drive, xb.states)
        f0 = None
        while t < t_end * (1 - 1e-14):
            h = min(h, t_end - t)
            xn, fv0, e_x, _ = stepper.step(num, vdev, xb.states, xb.params, h, lo, hi,
                                           span, srtol, f0=f0)
            err = float(np.max(e_x, initial=0.0))
            if err <= 1.0:
                # the step held the cell voltages of its start; their change within the
                # step, h (I - h J)^-1 (f(v_new, x) - f(v_old, x)), is error-controlled too
                dcn, vn = solve(p.drive, xn)
                ev = num.evaluate(vn, xn, xb.params)
                fn = ev.f
                jac = np.eye(ns) - h * np.moveaxis(ev.df_dx, (0, 1), (-2, -1))
                dv = np.moveaxis(h * (fn - fv0), 0, -1)[..., None]
                with np.errstate(all="ignore"):
                    e_v = np.moveaxis(np.linalg.solve(jac, dv)[..., 0], -1, 0)
                err = max(err, float(np.max(stepper.scaled_norm(e_v, span, srtol),
                                            initial=0.0)))
            hlo = max(hmin, 4e-16 * t)
            forced = np.isfinite(err) and err > 1.0 and h <= hlo * (1 + 1e-9)
            if forced:          # converged L-stable step at the smallest step (stepper doc)
                dcn, vn = solve(p.drive, xn)
                fn = num.evaluate(vn, xn, xb.params).f
            if err <= 1.0 or forced:
                if record:
                    ts.append(t)
                    xs.append(xb.states[:, rr, cc].copy())
                    iss.append(dc.i_cell[rr, cc].copy())
                xb.states = xn
                dc, vdev, f0 = dcn, vn, fn
                t += h
                steps += 1
                if steps > max_steps:
                    raise DataError(f"program: more than {max_steps} steps; use fewer pulses "
                                    "or a larger state_rtol")
                h = 4.0 * h if forced else float(stepper.next_step(h, err))
                if progress:
                    progress(min(t / total, 1.0))
            else:
                rejected += 1
                if h <= hlo * (1 + 1e-9):
                    raise ConvergenceError(
                        f"program: Newton did not converge at the smallest step "
                        f"({hmin:.3g} s) at t = {t:.6g} s (pulse of {p.width_s:g} s); the "
                        "cell states could not be integrated")
                h = float(stepper.next_step(h, err)) if np.isfinite(err) else 0.25 * h
                h = max(h, hlo)
        t = t_end
        after.append(xb.states.copy())
    if record:
        dc, _ = solve(pulses[-1].drive, xb.states)
        ts.append(t)
        xs.append(xb.states[:, rr, cc].copy())
        iss.append(dc.i_cell[rr, cc].copy())
    return ProgramResult(np.array(ts), np.array(xs).reshape(len(ts), ns, len(record)),
                         np.array(iss).reshape(len(ts), len(record)), np.array(after),
                         record, steps, rejected)


def disturb(xb: Crossbar, cell, v_write_v: float, width_s: float, count: int = 1,
            scheme: str = "v/2", dx_max: float | None = None) -> dict:
    """Write ``cell`` with a pulse train and report how the other cells moved.

    Returns {"dx_selected": change of the selected cell's first state,
    "dx_half_max": largest |change| among half-selected cells, "dx_other_max": among
    the rest, "states_before", "states_after", "result"}.
    """
    before = xb.states.copy()
    res = program(xb, pulse_train(xb.n, xb.m, cell, v_write_v, width_s, count, scheme),
                  record=[tuple(cell)], dx_max=dx_max)
    d = np.abs(xb.states - before).max(axis=0)
    r, c = cell
    half = np.zeros(d.shape, bool)
    half[r, :] = True
    half[:, c] = True
    half[r, c] = False
    oth = ~half
    oth[r, c] = False
    return {"dx_selected": float(xb.states[0, r, c] - before[0, r, c]),
            "dx_half_max": float(d[half].max(initial=0.0)),
            "dx_other_max": float(d[oth].max(initial=0.0)),
            "states_before": before, "states_after": xb.states.copy(), "result": res}


def read_rows(xb: Crossbar, v_read_v: float, rtol: float = 1e-12) -> np.ndarray:
    """Read the array row by row: word line ``i`` at ``v_read_v``, every other line at
    0 V; returns the bit-line (sense) currents, A, shape (n, m) (row i: read of row i).

    The reads are DC solves at the present states: a read at the model's read voltage
    does not move them (memli.sim.retention measures by how little).
    """
    out = np.empty((xb.n, xb.m))
    guess = None
    for i in range(xb.n):
        d = scheme_drive(xb.n, xb.m, (i, 0), v_read_v, "ground")
        dc = xb.dc(**d.kwargs(), x0=guess, rtol=rtol)
        guess = (dc.w, dc.b)
        out[i] = dc.i_out_a
    return out


PATTERNS = ("hrs", "lrs", "diagonal", "checkerboard")


def pattern_states(card, n: int, m: int, pattern: str = "diagonal") -> np.ndarray:
    """Initial states (n_states, n, m) of an array of ``card`` cells: the card's LRS on
    the cells of ``pattern`` and its HRS elsewhere.

    LRS and HRS are the states a device reaches by cycling with its characteristic
    sweep (:func:`memli.sim.retention.prepared_states`).  ``pattern``: ``hrs`` (none),
    ``lrs`` (all), ``diagonal`` (cells (i, i)), ``checkerboard`` ((i + j) even).
    """
    from ..sim.retention import prepared_states
    if pattern not in PATTERNS:
        raise DataError(f"initial pattern {pattern!r}; expected one of {list(PATTERNS)}")
    st = prepared_states(card)
    i, j = np.indices((n, m))
    on = {"hrs": np.zeros((n, m), bool), "lrs": np.ones((n, m), bool),
          "diagonal": i == j, "checkerboard": (i + j) % 2 == 0}[pattern]
    return np.where(on[None], st["lrs"][:, None, None], st["hrs"][:, None, None])
