"""Vectorised numpy evaluation of a model, generated from its sympy equations.

All outputs (current, state rates and their analytic Jacobians) are produced by one
generated function with common-subexpression elimination across all of them.
"""
from __future__ import annotations

from typing import Mapping, NamedTuple

import numpy as np
import sympy as sp

from ..models import smooth



def _full(o, shape) -> np.ndarray:
    """A fresh float array of ``shape`` holding ``o`` (an output of a generated
    function: an array of that shape, a scalar, or an array that broadcasts)."""
    a = np.asarray(o, dtype=float)
    if a.shape == shape:
        return a.copy()
    if a.ndim == 0:
        return np.full(shape, float(a))
    return np.broadcast_to(a, shape).astype(float)

class Evaluation(NamedTuple):
    """Model outputs at (v, x, p).  Shapes: ``b`` is the broadcast shape of the inputs.

    i : (b)  current, A          f : (ns, b) state rates, state units per s
    di_dv : (b) S                di_dx : (ns, b) A per state unit
    df_dv : (ns, b) 1/(V s)      df_dx : (ns, ns, b) 1/s
    """

    i: np.ndarray
    f: np.ndarray
    di_dv: np.ndarray
    di_dx: np.ndarray
    df_dv: np.ndarray
    df_dx: np.ndarray


def _lambdify(args, exprs):
    return sp.lambdify(args, exprs, modules=[smooth.NUMPY_IMPL, "numpy"], cse=True)


class NumericModel:
    """Numpy functions generated from a :class:`memli.models.base.Model`.

    Parameters are passed as a mapping (name -> value) or as an array whose first
    axis follows ``model.param_names`` (extra axes broadcast against v: one device
    per element).  States are an array whose first axis follows ``model.state_names``.
    """

    def __init__(self, model):
        self.model = model
        self._xs = [s.symbol for s in model.states]
        self._ps = [p.symbol for p in model.params.values()]
        args = [model.v, *self._xs, *self._ps]
        j = model.jacobian_exprs
        ns = model.n_states
        self._n = ns
        flat_all = ([model.current] + list(model.rates) + [j["di_dv"]] + list(j["di_dx"])
                    + list(j["df_dv"]) + [e for row in j["df_dx"] for e in row])
        self._f_all = _lambdify(args, flat_all)
        self._f_i = _lambdify(args, [model.current])
        self._f_rates = _lambdify(args, list(model.rates) or [sp.Integer(0)])
        self._f_i_didv = _lambdify(args, [model.current, j["di_dv"]])

    # -- argument handling -------------------------------------------------------
    def params(self, p) -> np.ndarray:
        """Parameter array (first axis in declaration order) from a mapping or array."""
        if isinstance(p, Mapping):
            return self.model.param_vector(p)
        p = np.asarray(p, dtype=float)
        if p.shape[0] != len(self._ps):
            raise ValueError(f"{self.model.name}: expected {len(self._ps)} parameters "
                             f"({self.model.param_names}), got {p.shape[0]}")
        return p

    def _args(self, v, x, p):
        p = self.params(p)
        x = np.asarray(x, dtype=float)
        if self._n and x.shape[0] != self._n:
            raise ValueError(f"{self.model.name}: expected {self._n} states "
                             f"({self.model.state_names}), got {x.shape[0]}")
        return (np.asarray(v, dtype=float), *list(x)[: self._n], *list(p))

    @staticmethod
    def _bshape(args):
        shapes = {np.shape(a) for a in args}
        shapes.discard(())
        if len(shapes) <= 1:                  # the common case: scalars and one shape
            return shapes.pop() if shapes else ()
        return np.broadcast_shapes(*shapes)

    # -- evaluation --------------------------------------------------------------
    def current(self, v, x, p) -> np.ndarray:
        """Terminal current I(v, x, p) in A."""
        args = self._args(v, x, p)
        return np.broadcast_to(self._f_i(*args)[0], self._bshape(args)).astype(float)

    def current_and_conductance(self, v, x, p):
        """(I, dI/dV): current in A and small-signal conductance in S."""
        args = self._args(v, x, p)
        shape = self._bshape(args)
        i, g = self._f_i_didv(*args)
        return (np.broadcast_to(i, shape).astype(float), np.broadcast_to(g, shape).astype(float))

    def rates(self, v, x, p) -> np.ndarray:
        """State rates dx/dt, shape (n_states, broadcast shape), per second."""
        args = self._args(v, x, p)
        shape = self._bshape(args)
        if not self._n:
            return np.zeros((0,) + shape)
        out = self._f_rates(*args)
        return np.stack([np.broadcast_to(o, shape) for o in out]).astype(float)

    def evaluate(self, v, x, p) -> Evaluation:
        """Current, rates and all Jacobians in one pass (shared subexpressions)."""
        args = self._args(v, x, p)
        shape = self._bshape(args)
        out = [_full(o, shape) for o in self._f_all(*args)]
        n = self._n
        i, rest = out[0], out[1:]
        f, rest = rest[:n], rest[n:]
        di_dv, rest = rest[0], rest[1:]
        di_dx, rest = rest[:n], rest[n:]
        df_dv, rest = rest[:n], rest[n:]
        df_dx = rest
        st = (lambda a: np.stack(a) if a else np.zeros((0,) + shape))
        dfx = (np.stack([np.stack(df_dx[r * n:(r + 1) * n]) for r in range(n)])
               if n else np.zeros((0, 0) + shape))
        return Evaluation(i, st(f), di_dv, st(di_dx), st(df_dv), dfx)
