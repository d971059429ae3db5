"""The transfer matrix of a crossbar read by Schur elimination (memli.circuits.transfer)
against a direct sparse solve of the same nodal equations."""
import numpy as np
import pytest
import scipy.sparse.linalg as spla

from memli.analog.tiles import Tile
from memli.circuits import transfer
from memli.circuits.network import Network, Terminals, Wires


def _currents_spsolve(g, wires, v):
    n, m = g.shape
    net = Network(g, wires, Terminals.make(n, m, v), direct_below=10**9)
    A, f = net.sparse_system()
    x = spla.spsolve(A.tocsc(), f)
    w, b = x[:n * m].reshape(n, m), x[n * m:].reshape(n, m)
    return (g * (w - b)).sum(axis=0)


@pytest.mark.parametrize("n,m,wires,scale", [
    (2, 2, Wires(1, 1, 0, 0), 1.0),
    (7, 5, Wires(1, 2, 0, 0), 1.0),            # pinned drivers and sense
    (5, 7, Wires(1, 2, 3, 4), 1.0),            # driver and sense resistances
    (30, 20, Wires(2, 1, 0, 5), 100.0),        # low-resistance cells: large IR drop
    (20, 30, Wires(0.5, 3, 10, 0), 1.0),
    (96, 64, Wires(1, 1, 0, 0), 10.0),
])
def test_transfer_matrix_matches_a_direct_sparse_solve(n, m, wires, scale):
    """Both are direct methods on the same SPD matrix: the currents of random inputs
    agree to 1e-11 of the largest current (rounding of a few hundred eliminations)."""
    rng = np.random.default_rng(n * 100 + m)
    g = scale * 10 ** rng.uniform(-6, -4, (n, m))
    T = transfer.transfer_matrix(Network(g, wires, Terminals.make(n, m, 0.0)))
    for _ in range(3):
        v = rng.uniform(-0.2, 0.2, n)
        i_ref = _currents_spsolve(g, wires, v)
        assert np.max(np.abs(v @ T - i_ref)) <= 1e-11 * np.max(np.abs(i_ref))


def test_transfer_matrix_tends_to_g_linearly_as_wires_vanish():
    """IR drop is first order in the wire resistance r: |T - g| / r must be the same
    (within 1 %) from r = 1e-3 to 1e-6 ohm, i.e. T -> g with no rounding floor down to
    deviations of 1e-9 of the largest conductance."""
    rng = np.random.default_rng(3)
    g = 10 ** rng.uniform(-6, -4, (12, 9))
    dev = []
    for r in (1e-3, 1e-4, 1e-5, 1e-6):
        T = transfer.transfer_matrix(Network(g, Wires(r, r, r, r), Terminals.make(12, 9, 0.0)))
        dev.append(np.max(np.abs(T - g)) / g.max() / r)
    assert np.allclose(dev, dev[0], rtol=0.01)


def test_unsupported_networks_are_refused_and_tiles_fall_back():
    g = np.full((6, 6), 1e-5)
    floating = Network(g, Wires(1, 1, 0, 0),
                       Terminals.make(6, 6, 0.0, wl_float=np.arange(6) == 2))
    assert not transfer.supported(floating)
    with pytest.raises(ValueError, match="floating"):
        transfer.transfer_matrix(floating)
    assert not transfer.supported(Network(g, Wires(1, 1, 0, 0),
                                          Terminals.make(6, 6, 0.0, v_bl=0.1)))


def test_tile_batch_read_agrees_with_single_reads():
    """A batch of at least `rows` inputs goes through T; it must agree with reads of
    one vector at a time (PCG or band solves) to 1e-9, the analog acceptance bound."""
    rng = np.random.default_rng(5)
    g = 10 ** rng.uniform(-6, -4, (80, 72))
    V = rng.uniform(0, 0.2, (100, 80))
    batch = Tile(g, Wires(1, 1, 0, 0)).read(V)
    single = Tile(g, Wires(1, 1, 0, 0))
    one = np.array([single.read(V[k:k + 1])[0] for k in range(0, 100, 9)])
    assert np.max(np.abs(batch[::9] - one)) <= 1e-9 * np.max(np.abs(one))
