"""Batched (multi right-hand side) crossbar solves and the small-array band path."""
import numpy as np
import pytest
import scipy.sparse.linalg as spla

from memli.circuits import kernels
from memli.circuits.network import Network, Terminals, Wires


def _rhs(net, V):
    n, m = net.n, net.m
    FW, FB = np.empty((len(V), n, m)), np.empty((len(V), n, m))
    for k, v in enumerate(V):
        net.term = Terminals.make(n, m, v)
        FW[k], FB[k] = net.rhs()
    return FW, FB


@pytest.mark.parametrize("n,m,wires,method", [
    (70, 90, Wires(1, 1, 0, 0), "pcg-lines"),
    (96, 64, Wires(2.5, 0.7, 30, 12), "pcg-lines"),
    (12, 40, Wires(1, 2, 5, 0), "banded"),
    (30, 9, Wires(1, 1, 0, 0), "banded"),
    (2, 7, Wires(1, 1, 1, 1), "banded"),
])
def test_batched_solve_matches_spsolve_per_vector(n, m, wires, method):
    rng = np.random.default_rng(n * m)
    g = 10 ** rng.uniform(-6, -4, (n, m))
    net = Network(g, wires, Terminals.make(n, m, 0.0))
    V = rng.uniform(0, 0.2, (7, n))
    FW, FB = _rhs(net, V)
    W, B, info = net._sys.solve_many(FW, FB, block=3)      # 3 blocks, the last partial
    assert info.method == method and info.residual <= 1e-12
    A = net._sys.sparse().tocsc()
    nm = n * m
    for k in range(len(V)):
        x = spla.spsolve(A, np.concatenate([FW[k].ravel(), FB[k].ravel()]))
        i_ref = (g * (x[:nm] - x[nm:]).reshape(n, m)).sum(axis=0)
        i_b = (g * (W[k] - B[k])).sum(axis=0)
        # 1e-9 relative: the agreement target with a direct sparse solve
        assert np.max(np.abs(i_b - i_ref)) <= 1e-9 * np.max(np.abs(i_ref))


def test_batched_equals_single_solves():
    rng = np.random.default_rng(5)
    g = 10 ** rng.uniform(-6, -4, (64, 48))
    net = Network(g, Wires(1, 1, 0, 0), Terminals.make(64, 48, 0.0))
    FW, FB = _rhs(net, rng.uniform(0, 0.2, (5, 64)))
    W, B, _ = net._sys.solve_many(FW, FB)
    for k in range(5):
        w, b, _ = net._sys.solve(FW[k], FB[k])
        # both stop at rtol 1e-13 on the same system: agreement far below 1e-10
        np.testing.assert_allclose(W[k], w, rtol=1e-10, atol=1e-14)


def test_small_arrays_use_the_band_factorisation():
    g = np.full((16, 16), 1e-4)
    net = Network(g, Wires(1, 1, 0, 0), Terminals.make(16, 16, 0.1))
    assert net._sys.method == "banded"
    big = Network(np.full((64, 64), 1e-4), Wires(1, 1, 0, 0), Terminals.make(64, 64, 0.1))
    assert big._sys.method == "pcg-lines"


def test_k_kernels_match_the_numpy_versions():
    rng = np.random.default_rng(0)
    a, b = rng.random((50, 3)), rng.random((50, 3))
    # plain sums of 50 products: rounding only
    np.testing.assert_allclose(kernels.dot_k(a, b), (a * b).sum(axis=0), rtol=1e-13)
