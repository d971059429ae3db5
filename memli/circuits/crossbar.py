"""Crossbar arrays of any memli device: read / vector-matrix multiply with IR drop.

An ``n x m`` array of cells (per-cell parameters and states) on resistive word and
bit lines; the wiring convention is in :mod:`memli.circuits.network`.  Device laws
come only from the model's generated numpy code (``model.numeric``): linear devices
are solved in one linear solve, nonlinear ones by Newton's method on the node
voltages with the generated conductance ``dI/dV`` (companion model per cell).

References
----------
A. Chen, "A comprehensive crossbar array model with solutions for line resistance
and nonlinear device characteristics", IEEE Trans. Electron Devices 60 (2013)
1318-1326 (nodal formulation of crossbars with line resistance).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError, DataError
from .network import Network, Terminals, Wires
from .selector import Selector, series_solve
from .solver import RTOL, SolveInfo

#: conductance floor used in the Newton matrix for cells with dI/dV <= 0 (S)
G_FLOOR_SIEMENS = 1e-15


_KINDS = {"c": "complex", "O": "object (non-numeric)", "U": "text", "S": "bytes",
          "b": "boolean", "V": "structured", "M": "datetime", "m": "timedelta"}


def real_array(a, name: str, expected: str) -> np.ndarray:
    """``a`` as a float array; DataError naming ``name`` unless its values are real numbers.

    Integer and floating dtypes pass; complex, object, text, boolean and other dtypes
    raise (a complex value would otherwise lose its imaginary part silently).
    """
    a = np.asarray(a)
    if a.dtype.kind not in "iuf":
        raise DataError(f"{name}: {_KINDS.get(a.dtype.kind, 'non-numeric')} values (dtype "
                        f"{a.dtype}); expected real numbers ({expected})")
    return a.astype(float, copy=False)


def check_conductance(g, name: str = "conductance") -> np.ndarray:
    """Validate an (n, m) conductance matrix in S; DataError listing the problems."""
    g = real_array(g, name, "conductances in S")
    if g.ndim != 2:
        raise DataError(f"{name}: shape {g.shape}; expected a 2-D (n, m) array in S")
    if g.size == 0:
        raise DataError(f"{name}: empty array {g.shape}; expected n >= 1 and m >= 1")
    if np.isfinite(g.min(initial=0.0)) and g.min(initial=0.0) >= 0 and np.isfinite(g.sum()):
        return g                          # fast path: one or two passes
    probs = []
    nan = np.argwhere(~np.isfinite(g))
    if len(nan):
        probs.append(f"{len(nan)} non-finite value(s), first at (row, col) = "
                     f"{tuple(int(k) for k in nan[0])}")
    neg = np.argwhere(np.isfinite(g) & (g < 0))
    if len(neg):
        i, j = neg[0]
        probs.append(f"{len(neg)} negative value(s), first {g[i, j]:g} S at (row, col) = "
                     f"({int(i)}, {int(j)})")
    if probs:
        raise DataError(f"{name}: {'; '.join(probs)}; expected finite conductances >= 0 S")
    return g


def check_inputs(v, n: int, name: str = "vin") -> np.ndarray:
    """Validate word-line input voltages (V): ``n`` finite real values or one scalar."""
    v = real_array(v, name, "voltages in V")
    v = v.ravel() if v.ndim else np.full(n, float(v))
    if v.shape != (n,):
        raise DataError(f"{name}: {v.shape[0]} value(s); expected {n} (one per word line, V)")
    if not np.all(np.isfinite(v)):
        raise DataError(f"{name}: contains NaN or inf; expected finite voltages in V")
    return v


@dataclass
class DCResult:
    """Operating point of a crossbar.

    Attributes
    ----------
    w, b : ndarray (n, m)
        Word-line and bit-line node voltages, V.
    v_cell : ndarray (n, m)
        Voltage across each cell (``w - b``), V.
    i_cell : ndarray (n, m)
        Current through each cell, word line to bit line, A.
    i_out_a : ndarray (m,)
        Current into each bit-line terminal (sense amplifier), A.
    i_in_a : ndarray (n,)
        Current delivered by each word-line driver, A.
    info : SolveInfo
        Linear solver report of the last Newton iteration.
    newton_iterations : int
    kcl_residual_a : float
        Largest current imbalance at any free node, A (computed on first access).
    """

    w: np.ndarray
    b: np.ndarray
    v_cell: np.ndarray
    i_cell: np.ndarray
    i_out_a: np.ndarray
    i_in_a: np.ndarray
    info: SolveInfo
    newton_iterations: int = 0
    v_dev: np.ndarray | None = None
    wires: Wires | None = None
    term: Terminals | None = None

    @property
    def kcl_residual_a(self) -> float:
        if not hasattr(self, "_kcl"):
            self._kcl = (kcl_residual(self, self.wires, self.term)
                         if self.wires is not None else float("nan"))
        return self._kcl


@dataclass
class ReadResult:
    """Vector-matrix multiply with and without IR drop.

    ``i_ideal_a`` is what ideal wires give (``G^T V`` for linear cells, or the sum of
    each cell's current at its full applied voltage); ``rel_error`` is
    ``(i_out - i_ideal) / max|i_ideal|``; ``ir_drop_v`` is the per-cell loss of
    voltage ``(V_i - V_bl_j) - v_cell``.
    """

    dc: DCResult
    i_ideal_a: np.ndarray
    rel_error: np.ndarray
    ir_drop_v: np.ndarray
    solve_s: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def i_out_a(self):
        return self.dc.i_out_a


class Crossbar:
    """An ``n x m`` array of devices on resistive lines.

    Parameters
    ----------
    model : memli Model or None
        Device model; ``None`` for fixed conductances given by ``conductance``.
    params : ndarray (n_params, n, m) or mapping
        Per-cell parameters in ``model.param_names`` order (SI), or one mapping for
        all cells.
    states : ndarray (n_states, n, m), optional
        Per-cell states (default: the model's initial state).
    wires : Wires
        Line and termination resistances (ohm).
    conductance : ndarray (n, m), optional
        Fixed cell conductances in S when ``model`` is None.
    selector : Selector, optional
        Stateless device in series with every cell.
    shape : (int, int), optional
        Array size when ``params`` is a mapping.
    """

    def __init__(self, model=None, params=None, states=None, wires: Wires | None = None,
                 conductance=None, selector: Selector | None = None, shape=None,
                 card=None):
        self.model = model
        self.card = card
        self.wires = wires or Wires()
        self.wires.check()
        self.selector = selector
        if model is None:
            if conductance is None:
                raise DataError("Crossbar: give a device model or a conductance matrix")
            self.g_fixed = check_conductance(conductance)
            self.n, self.m = self.g_fixed.shape
            self.params = None
            self.states = np.zeros((0, self.n, self.m))
            return
        self.g_fixed = None
        if params is None or not isinstance(params, np.ndarray) or np.ndim(params) == 1:
            if shape is None:
                raise DataError("Crossbar: give shape=(n, m) with a single parameter set")
            n, m = shape
            if n < 1 or m < 1:
                raise DataError(f"Crossbar: shape {shape}; expected n >= 1 and m >= 1")
            pv = model.numeric.params(params if params is not None else model.defaults())
            params = np.broadcast_to(pv.reshape(-1, 1, 1), (len(pv), n, m)).copy()
        params = np.asarray(params, dtype=float)
        if params.ndim != 3 or params.shape[0] != len(model.param_names):
            raise DataError(f"Crossbar: params shape {params.shape}; expected "
                            f"({len(model.param_names)}, n, m) in {model.param_names} order")
        self.params = params
        self.n, self.m = params.shape[1:]
        if self.n < 1 or self.m < 1:
            raise DataError(f"Crossbar: array shape {(self.n, self.m)}; expected n, m >= 1")
        if states is None:
            states = np.broadcast_to(model.initial_state().reshape(-1, 1, 1),
                                     (model.n_states, self.n, self.m)).copy()
        states = np.asarray(states, dtype=float)
        if states.shape != (model.n_states, self.n, self.m):
            raise DataError(f"Crossbar: states shape {states.shape}; expected "
                            f"({model.n_states}, {self.n}, {self.m})")
        self.states = states

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_card(cls, card, n: int, m: int, wires: Wires | None = None, rng=None,
                  variability_scale: float = 1.0, states=None, selector=None,
                  overrides: dict | None = None):
        """Devices sampled from ``card.variability`` (``Card.sample``), one per cell."""
        from ..cards import load_card
        card = load_card(card)
        if overrides:
            card = card.with_values(**overrides)
        if n < 1 or m < 1:
            raise DataError(f"crossbar size {n} x {m}; expected n, m >= 1")
        p = card.sample(n * m, rng, scale=variability_scale).reshape(-1, n, m)
        return cls(card.model, p, states=states, wires=wires, selector=selector, card=card)

    # -- device law ---------------------------------------------------------------
    def _dev(self, v):
        """(i, g) of the memristive element alone at device voltage v (n, m)."""
        if self.g_fixed is not None:
            return self.g_fixed * v, self.g_fixed
        return self.model.numeric.current_and_conductance(v, self.states, self.params)

    def cell_law(self, v):
        """Cell current (A), conductance dI/dV (S) and device voltage at cell voltage v."""
        if self.selector is None:
            i, g = self._dev(v)
            return i, g, v
        vd, i, g = series_solve(self.selector, self._dev, v)
        return i, g, vd

    @property
    def linear(self) -> bool:
        return self.selector is None and (self.g_fixed is not None or self._is_linear())

    def _is_linear(self):
        import sympy as sp
        key = "_linear_cache"
        if not hasattr(self.model, "__dict__"):
            return False
        cache = getattr(self.model, key, None)
        if cache is None:
            # structural test only (``equals`` can take seconds); a linear law whose
            # second derivative does not simplify to 0 just takes one more Newton step
            cache = sp.diff(self.model.current, self.model.v, 2) == 0
            try:
                setattr(self.model, key, cache)
            except AttributeError:
                pass
        return cache

    # -- DC operating point ---------------------------------------------------------
    def dc(self, v_wl, v_bl=0.0, wl_float=None, bl_float=None, rtol: float = RTOL,
           vtol_v: float = 1e-9, max_newton: int = 60, dv_max_v: float = 0.5,
           x0=None) -> DCResult:
        """Node voltages and currents for word-line drive ``v_wl`` (n,) and bit-line
        terminal voltages ``v_bl`` (m,), V.  Floating lines have no termination.

        Linear cells take one solve; otherwise Newton iterates until the largest
        change of a cell voltage is below ``vtol_v`` (steps longer than
        ``dv_max_v`` are shortened).

        Raises
        ------
        ConvergenceError
            Newton did not converge within ``max_newton`` iterations.
        """
        n, m = self.n, self.m
        term = Terminals.make(n, m, check_inputs(v_wl, n, "v_wl"),
                              check_inputs(v_bl, m, "v_bl"), wl_float, bl_float)
        fixed = self.g_fixed is not None
        if x0 is not None:
            w, b = (np.array(a, float) for a in x0)
        elif not fixed:
            w = np.repeat(np.where(term.wl_float, 0.0, term.v_wl)[:, None], m, axis=1)
            b = np.repeat(np.where(term.bl_float, 0.0, term.v_bl)[None, :], n, axis=0)
        it = 0
        guess = None if x0 is None else (w, b)     # warm start of the linear solver
        while True:
            if fixed:                               # fixed conductances: one linear solve
                v, gc, i_src = None, self.g_fixed, None
            else:
                v = w - b
                i, g, _ = self.cell_law(v)
                gc = np.maximum(g, G_FLOOR_SIEMENS)
                i_src = i - gc * v
            net = Network(gc, self.wires, term)
            w_new, b_new, info = net.solve(i_src, rtol=rtol, x0=guess)
            if self.linear:
                w, b = w_new, b_new
                break
            dv = (w_new - b_new) - v
            big = np.max(np.abs(dv), initial=0.0)
            s = 1.0 if big <= dv_max_v else dv_max_v / big
            w = w + s * (w_new - w)
            b = b + s * (b_new - b)
            it += 1
            guess = None
            if s == 1.0 and big <= vtol_v * (1 + np.max(np.abs(v), initial=0.0)):
                break
            if it >= max_newton:
                raise ConvergenceError(
                    f"crossbar Newton: largest cell-voltage update {big:.3g} V after {it} "
                    f"iterations; expected <= {vtol_v:g} V. Try a larger max_newton or "
                    "smaller input voltages.")
        v = w - b
        i, g, vdev = self.cell_law(v)
        return DCResult(w, b, v, i, self._i_out(i, term), self._i_in(i, term), info, it,
                        v_dev=vdev, wires=self.wires, term=term)

    def _i_out(self, i_cell, term):
        # every bit line is open at row 0, so its terminal carries the column's current
        return np.where(term.bl_float, 0.0, i_cell.sum(axis=0))

    def _i_in(self, i_cell, term):
        # every word line is open at column m-1, so its driver carries the row's current
        return np.where(term.wl_float, 0.0, i_cell.sum(axis=1))

    # -- read / VMM -----------------------------------------------------------------
    def read(self, v_in, rtol: float = RTOL, **kw) -> ReadResult:
        """Vector-matrix multiply: inputs ``v_in`` (n,) V on the word lines, bit lines at
        0 V virtual ground; returns bit-line currents with and without IR drop."""
        import time
        v_in = check_inputs(v_in, self.n)
        t0 = time.perf_counter()
        dc = self.dc(v_in, 0.0, rtol=rtol, **kw)
        dt = time.perf_counter() - t0
        v_ideal = np.repeat(v_in[:, None], self.m, axis=1)
        i_ideal_cell, _, _ = self.cell_law(v_ideal)
        i_ideal = i_ideal_cell.sum(axis=0)
        scale = np.max(np.abs(i_ideal), initial=0.0)
        rel = (dc.i_out_a - i_ideal) / (scale if scale > 0 else 1.0)
        return ReadResult(dc, i_ideal, rel, v_ideal - dc.v_cell, dt)

    def small_signal_conductance(self, v=0.0):
        """Cell conductance dI/dV (S) at cell voltage ``v`` (the read conductance map)."""
        return self.cell_law(np.broadcast_to(np.asarray(v, float), (self.n, self.m)))[1]


def kcl_residual(res: DCResult, wires: Wires, term: Terminals) -> float:
    """Largest Kirchhoff current-law imbalance (A) over the free nodes.

    Needs positive segment resistances (merged lines have no per-cell node); returns
    NaN otherwise.  Pinned end nodes (zero terminal resistance) are excluded: their
    source supplies whatever current flows.
    """
    n, m = res.w.shape
    if (m > 1 and wires.r_wl_ohm == 0) or (n > 1 and wires.r_bl_ohm == 0):
        return float("nan")
    w, b, i = res.w, res.b, res.i_cell
    kw = -i.copy()
    if m > 1:
        seg = (w[:, 1:] - w[:, :-1]) / wires.r_wl_ohm     # into node j from node j+1
        kw[:, :-1] += seg
        kw[:, 1:] -= seg
    kb = i.copy()
    if n > 1:
        seg = (b[1:] - b[:-1]) / wires.r_bl_ohm
        kb[:-1] += seg
        kb[1:] -= seg
    free_w = np.ones((n, m), bool)
    free_b = np.ones((n, m), bool)
    if wires.r_source_ohm > 0:
        drv = ~term.wl_float
        kw[drv, 0] += (term.v_wl[drv] - w[drv, 0]) / wires.r_source_ohm
    else:
        free_w[~term.wl_float, 0] = False
    if wires.r_sense_ohm > 0:
        drv = ~term.bl_float
        kb[-1, drv] += (term.v_bl[drv] - b[-1, drv]) / wires.r_sense_ohm
    else:
        free_b[-1, ~term.bl_float] = False
    return float(max(np.max(np.abs(kw[free_w]), initial=0.0),
                     np.max(np.abs(kb[free_b]), initial=0.0)))


def ideal_vmm(g, v_in) -> np.ndarray:
    """``G^T V``: bit-line currents (A) with ideal wires, G (n, m) in S, V (n,) in V."""
    return np.asarray(g, float).T @ np.asarray(v_in, float)


def dc_linear(g, v_in, r_wl_ohm: float, r_bl_ohm: float, r_source_ohm: float = 0.0,
              r_sense_ohm: float = 0.0, rtol: float = RTOL) -> DCResult:
    """Bit-line currents of a fixed-conductance crossbar (the ``memli crossbar dc`` core)."""
    g = check_conductance(g)
    v_in = check_inputs(v_in, g.shape[0])
    xb = Crossbar(conductance=g, wires=Wires(r_wl_ohm, r_bl_ohm, r_source_ohm, r_sense_ohm))
    return xb.dc(v_in, 0.0, rtol=rtol)
