"""A crossbar tile of fixed conductances read by many input vectors at once.

Word line ``i`` is driven with ``v[i]`` (V) through the driver resistance, bit lines
end in virtual grounds through the sense resistance (the wiring convention of
:mod:`memli.circuits.network`).  The read returns every bit line's current (A).

Reads share one set-up: the nodal matrix is factorised once (band Cholesky for small
tiles, line factorisations and coarse grid for large ones,
:class:`memli.circuits.solver.LineSystem`) and the inputs are solved together
(:meth:`LineSystem.solve_many`).  The read is linear in the inputs, so when there are
more inputs than rows the tile's transfer matrix ``T`` (``I = v T``) is formed once and
every input costs a matrix product; ``T`` comes from a row-by-row Schur elimination of
the nodal matrix (:mod:`memli.circuits.transfer`) for tiles from about 25 x 25 up to 512
bit lines, from one (band or iterative) solve per row otherwise.
"""
from __future__ import annotations

import time

import numpy as np

from ..circuits import transfer
from ..circuits.crossbar import check_conductance
from ..circuits.network import Network, Terminals, Wires
from ..circuits.solver import RTOL
from ..errors import DataError


#: band-factorised tiles with at most this many cells form their transfer matrix by
#: one band solve of all unit inputs (below ~25 x 25 it beats the Schur elimination)
SCHUR_MIN_CELLS = 640


class Tile:
    """Conductances ``g_siemens`` (rows, cols) on lines of ``wires``.

    Attributes
    ----------
    solve_s : float
        Wall time spent in solves so far, s.
    solves : int
        Right-hand sides solved so far (unit inputs of a transfer matrix included).
    """

    def __init__(self, g_siemens, wires: Wires | None = None, rtol: float = RTOL):
        self.g = check_conductance(g_siemens, "tile conductance")
        self.rows, self.cols = self.g.shape
        self.wires = wires or Wires()
        self.wires.check()
        self.rtol = rtol
        self.solve_s = 0.0
        self.solves = 0
        self._net = None
        self._T = None

    @property
    def ideal_wires(self) -> bool:
        w = self.wires
        return w.r_wl_ohm == 0 and w.r_bl_ohm == 0 and w.r_source_ohm == 0 \
            and w.r_sense_ohm == 0

    def _network(self):
        if self._net is None:
            t0 = time.perf_counter()
            self._net = Network(self.g, self.wires, Terminals.make(self.rows, self.cols, 0.0))
            self.solve_s += time.perf_counter() - t0
        return self._net

    def _solve_exact(self, V):
        """Bit-line currents (k, cols) of inputs V (k, rows), one solve per input."""
        net = self._network()
        n, m = self.rows, self.cols
        k = V.shape[0]
        t0 = time.perf_counter()
        if net.mode == "lines":
            # bit lines at 0 V: row i of the right-hand side is v[i] times the row of an
            # all-ones drive (driver, pinned-node and coupling terms are all per row)
            net.term = Terminals.make(n, m, np.ones(n))
            f1w, f1b = net.rhs()
            FW = V[:, :, None] * f1w[None]
            FB = V[:, :, None] * f1b[None]
            W, B, _ = net._sys.solve_many(FW, FB, rtol=self.rtol)
            I = np.einsum("ij,kij->kj", self.g, W - B)
        else:
            I = np.empty((k, m))
            for j in range(k):
                net.term = Terminals.make(n, m, V[j])
                w, b, _ = net.solve(rtol=self.rtol)
                I[j] = (self.g * (w - b)).sum(axis=0)
        self.solve_s += time.perf_counter() - t0
        self.solves += k
        return I

    def transfer(self) -> np.ndarray:
        """Transfer matrix T (rows, cols), A/V: bit-line currents ``I = v T``."""
        if self._T is None:
            if self.ideal_wires:
                self._T = self.g.copy()
            else:
                net = self._network()
                # tiles of up to ~25 x 25 cells: one band solve of all rows is faster
                small = net.mode == "lines" and net._sys.band is not None \
                    and self.rows * self.cols <= SCHUR_MIN_CELLS
                if transfer.supported(net) and self.cols <= transfer.MAX_COLS and not small:
                    t0 = time.perf_counter()
                    self._T = transfer.transfer_matrix(net)
                    self.solve_s += time.perf_counter() - t0
                    self.solves += self.rows
                else:
                    self._T = self._solve_exact(np.eye(self.rows))
        return self._T

    def read(self, V) -> np.ndarray:
        """Bit-line currents (k, cols) in A for word-line inputs V (k, rows) in V."""
        V = np.atleast_2d(np.asarray(V, dtype=float))
        if V.shape[1] != self.rows:
            raise DataError(f"tile read: inputs have {V.shape[1]} values; expected "
                            f"{self.rows} (one per word line, V)")
        if self.ideal_wires:
            return V @ self.g
        if self._T is not None or V.shape[0] >= self.rows:
            return V @ self.transfer()
        return self._solve_exact(V)
