"""Crossbar network and fast solver: exactness against a direct solve and closed forms."""
import json
import subprocess

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from memli.circuits import kernels
from memli.circuits.crossbar import Crossbar, dc_linear, ideal_vmm, kcl_residual
from memli.circuits.network import Network, Terminals, Wires
from memli.circuits.solver import RTOL
from memli.errors import DataError


def _random(n, m, seed):
    rng = np.random.default_rng(seed)
    return 10 ** rng.uniform(-5, -4 + 0 * 1, (n, m)) * rng.uniform(0.01, 1, (n, m)), \
        rng.uniform(0, 0.2, n)


@pytest.mark.parametrize("n,m,wires", [
    (70, 90, Wires(1, 1, 0, 0)),
    (96, 64, Wires(2.5, 0.7, 30, 12)),
    (40, 200, Wires(1, 3, 0, 50)),
])
def test_fast_solver_matches_spsolve_on_the_same_matrix(n, m, wires):
    g, v = _random(n, m, n * m)
    net = Network(g, wires, Terminals.make(n, m, v))
    assert net.mode == "lines"
    w, b, info = net.solve()
    # the solve's contract: rtol, or the rounding floor when rtol lies below it
    assert info.method == "pcg-lines" and info.residual <= max(RTOL, info.floor)
    A, f = net.sparse_system()
    x = spla.spsolve(A.tocsc(), f)
    nm = n * m
    i_fast = (g * (w - b)).sum(axis=0)
    i_ref = (g * (x[:nm] - x[nm:]).reshape(n, m)).sum(axis=0)
    # 1e-9 relative: the accuracy target for bit-line currents vs a direct solve
    assert np.max(np.abs(i_fast - i_ref)) <= 1e-9 * np.max(np.abs(i_ref))


def test_iterations_stay_flat_with_size():
    its = []
    for n in (64, 128, 256):
        g, v = _random(n, n, 7)
        its.append(Network(g, Wires(1, 1, 0, 0), Terminals.make(n, n, v)).solve()[2].iterations)
    assert max(its) <= 8, its   # two-level preconditioner: N-independent count


def test_zero_wire_resistance_gives_exactly_gt_v():
    g, v = _random(33, 21, 1)
    res = dc_linear(g, v, 0.0, 0.0, 0.0, 0.0)
    # exact up to the rounding of one dot product per column
    np.testing.assert_allclose(res.i_out_a, ideal_vmm(g, v), rtol=1e-14, atol=0)


def test_single_row_matches_closed_form_ladder():
    m, gw, gc, vin = 300, 1.0 / 2.0, 1e-3, 0.15
    res = dc_linear(np.full((1, m), gc), [vin], 2.0, 1.0, 0.0, 0.0)
    theta = np.arccosh(1 + gc / (2 * gw))
    j = np.arange(m)
    v = vin * np.cosh(theta * (m - 0.5 - j)) / np.cosh(theta * (m - 0.5))
    # direct solve of a 300-node ladder: agreement to rounding (1e-12 relative)
    np.testing.assert_allclose(res.i_out_a, gc * v, rtol=1e-12)


def test_single_column_matches_closed_form_ladder():
    n, gb, gc, vin = 250, 1.0 / 3.0, 2e-3, 0.1
    res = dc_linear(np.full((n, 1), gc), np.full(n, vin), 1.0, 3.0, 0.0, 0.0)
    theta = np.arccosh(1 + gc / (2 * gb))
    i = np.arange(n)
    u = vin * np.cosh(theta * (i + 0.5)) / np.cosh(theta * (n - 0.5))
    np.testing.assert_allclose(res.i_out_a, [gc * u.sum()], rtol=1e-12)


@pytest.mark.parametrize("wires", [Wires(1, 1, 0, 0), Wires(1.5, 2, 20, 7)])
def test_kirchhoff_current_law_at_every_node(wires):
    g, v = _random(80, 70, 3)
    xb = Crossbar(conductance=g, wires=wires)
    res = xb.dc(v)
    scale = np.max(np.abs(res.i_cell)) * 80
    # solver tolerance 1e-13 relative residual: imbalance < 1e-11 of the largest line current
    assert res.kcl_residual_a <= 1e-11 * scale
    # the bit-line currents equal the current the sense nodes receive
    assert np.allclose(res.i_out_a.sum(), res.i_in_a.sum(), rtol=1e-12)


def mna_bitline_currents(g, v, wires):
    """Independent dense modified-nodal-analysis reference: zero resistances become
    0 V sources (as in SPICE), bit-line currents are the sense sources' currents."""
    n, m = g.shape
    nodes = {}

    def node(name):
        return nodes.setdefault(name, len(nodes))

    res, src = [], []
    for i in range(n):
        for j in range(m):
            res.append((node(f"w{i},{j}"), node(f"b{i},{j}"), g[i, j]))
    for i in range(n):
        for j in range(m - 1):
            a, b = node(f"w{i},{j}"), node(f"w{i},{j + 1}")
            (res.append((a, b, 1 / wires.r_wl_ohm)) if wires.r_wl_ohm else src.append((a, b, 0.0)))
        a = node(f"w{i},0")
        if wires.r_source_ohm:
            res.append((node(f"in{i}"), a, 1 / wires.r_source_ohm))
            a = node(f"in{i}")
        src.append((a, -1, v[i]))
    sense = []
    for j in range(m):
        for i in range(n - 1):
            a, b = node(f"b{i},{j}"), node(f"b{i + 1},{j}")
            (res.append((a, b, 1 / wires.r_bl_ohm)) if wires.r_bl_ohm else src.append((a, b, 0.0)))
        a = node(f"b{n - 1},{j}")
        if wires.r_sense_ohm:
            res.append((a, node(f"t{j}"), 1 / wires.r_sense_ohm))
            a = node(f"t{j}")
        sense.append(len(src))
        src.append((a, -1, 0.0))
    N, K = len(nodes), len(src)
    A = np.zeros((N + K, N + K))
    rhs = np.zeros(N + K)
    for a, b, gg in res:
        A[a, a] += gg
        A[b, b] += gg
        A[a, b] -= gg
        A[b, a] -= gg
    for k, (a, b, vv) in enumerate(src):
        A[a, N + k] += 1
        A[N + k, a] += 1
        if b >= 0:
            A[b, N + k] -= 1
            A[N + k, b] -= 1
        rhs[N + k] = vv
    x = np.linalg.solve(A, rhs)
    return x[N + np.array(sense)]     # current from the node into the source = into ground


@pytest.mark.parametrize("wires", [Wires(0, 1, 0, 0), Wires(1, 0, 0, 5), Wires(0, 0, 5, 5),
                                   Wires(0, 2, 3, 0), Wires(1, 2, 3, 4), Wires(0, 0, 0, 0)])
def test_zero_segment_resistances_against_dense_mna(wires):
    g, v = _random(12, 9, 5)
    res = Crossbar(conductance=g, wires=wires).dc(v)
    ref = mna_bitline_currents(g, v, wires)
    # dense LU of a ~400-unknown MNA matrix: agreement to 1e-10 relative
    np.testing.assert_allclose(res.i_out_a, ref, rtol=1e-10)


def test_floating_lines_carry_no_current():
    g, v = _random(10, 8, 2)
    xb = Crossbar(conductance=g, wires=Wires(1, 1, 0, 0))
    wf = np.zeros(10, bool)
    wf[3] = True
    bf = np.zeros(8, bool)
    bf[5] = True
    res = xb.dc(v, 0.0, wl_float=wf, bl_float=bf)
    assert res.i_out_a[5] == 0 and res.i_in_a[3] == 0
    # KCL: cell currents of a floating line sum to zero (no termination); 1e-15 A floor
    assert abs(res.i_cell[3].sum()) < 1e-15 and abs(res.i_cell[:, 5].sum()) < 1e-15
    term = Terminals.make(10, 8, v, 0.0, wf, bf)
    assert kcl_residual(res, xb.wires, term) < 1e-15


def test_c_kernels_match_numpy_fallback():
    if not kernels.compiled():
        pytest.fail("C kernels did not compile (gcc missing?)")
    g, v = _random(64, 64, 9)
    net = Network(g, Wires(1, 1, 0, 0), Terminals.make(64, 64, v))
    w1, b1, i1 = net.solve()
    x = np.random.default_rng(1).random((2, 64, 64))
    z1 = net._sys.precondition(x)
    X = np.ascontiguousarray(np.stack([x, -x, 0.5 * x], axis=-1))     # batched: k = 3
    Z1 = net._sys.precondition_k(X, np.empty_like(X))
    lib = kernels._LIB["lib"]
    try:
        kernels._LIB["lib"] = None
        net2 = Network(g, Wires(1, 1, 0, 0), Terminals.make(64, 64, v))
        w2, b2, i2 = net2.solve()
        z2 = net2._sys.precondition(x)
        Z2 = net2._sys.precondition_k(X, np.empty_like(X))
    finally:
        kernels._LIB["lib"] = lib
    assert np.max(np.abs(Z1 - Z2)) <= 1e-9 * np.max(np.abs(Z1))
    # same algorithm, different summation order: agreement to 1e-12 V, same iterations,
    # and the same preconditioner (1e-9 relative: rounding through 4 line solves)
    assert np.max(np.abs(w1 - w2)) < 1e-12 and np.max(np.abs(b1 - b2)) < 1e-12
    assert i1.iterations == i2.iterations
    assert np.max(np.abs(z1 - z2)) <= 1e-9 * np.max(np.abs(z1))


def test_preconditioner_ignores_what_its_output_buffers_held():
    """The fused sweeps overwrite their outputs: buffers full of NaN (or anything)
    before the call must give the same z as fresh ones, single and batched."""
    g, v = _random(40, 24, 5)
    net = Network(g, Wires(1, 1, 0, 0), Terminals.make(40, 24, v), direct_below=0)
    s = net._sys
    x = np.random.default_rng(2).random((2, 40, 24))
    z_fresh = s.precondition(x)
    z_nan = s.precondition(x, out=np.full((2, 40, 24), np.nan))
    assert np.array_equal(z_fresh, z_nan)
    X = np.ascontiguousarray(np.stack([x, 2 * x], axis=-1))      # (2, n, m, 2)
    Z = s.precondition_k(X, np.full(X.shape, np.nan))
    # the batched kernels sum in another order: 1e-12 relative
    assert np.all(np.isfinite(Z))
    assert np.max(np.abs(Z[..., 0] - z_fresh)) <= 1e-12 * np.max(np.abs(z_fresh))
    assert np.max(np.abs(Z[..., 1] - 2 * z_fresh)) <= 2e-12 * np.max(np.abs(z_fresh))


@pytest.mark.parametrize("g,v,msg", [
    (np.ones((3, 3)) * 1e-5, np.ones(4), "expected 3"),
    (-np.ones((3, 3)), np.ones(3), "negative"),
    (np.full((3, 3), np.nan), np.ones(3), "non-finite"),
    (np.zeros((0, 3)), np.ones(0), "empty"),
    (np.ones(3), np.ones(3), "2-D"),
])
def test_bad_inputs_raise_clear_errors(g, v, msg):
    with pytest.raises(DataError, match=msg):
        dc_linear(g, v, 1.0, 1.0)


def test_negative_wire_resistance_rejected():
    with pytest.raises(DataError, match="r_wl_ohm"):
        dc_linear(np.ones((2, 2)), np.ones(2), -1.0, 1.0)


def _cli(*args, cwd, capsys, monkeypatch):
    from memli.cli import main
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as e:
        main(["crossbar", *args])
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, e.value.code, out.out, out.err)


def test_cli_dc_json_and_errors(tmp_path, capsys, monkeypatch):
    kw = dict(cwd=tmp_path, capsys=capsys, monkeypatch=monkeypatch)
    g, v = _random(20, 10, 4)
    np.save(tmp_path / "G.npy", g)
    np.save(tmp_path / "V.npy", v)
    np.save(tmp_path / "bad.npy", -g)
    np.save(tmp_path / "V5.npy", v[:5])
    p = _cli("dc", "--conductance", "G.npy", "--vin", "V.npy", "--r-wl", "1", "--r-bl", "1",
             "--r-sense", "2", "--out", "I.npy", "--json", **kw)
    assert p.returncode == 0, p.stderr
    d = json.loads(p.stdout)
    assert {"n", "m", "solve_s", "i_out_a"} <= set(d) and (d["n"], d["m"]) == (20, 10)
    ref = dc_linear(g, v, 1, 1, 0, 2).i_out_a
    np.testing.assert_allclose(np.load(tmp_path / "I.npy"), ref, rtol=1e-12)
    np.testing.assert_allclose(d["i_out_a"], ref, rtol=1e-12)
    for args in (["--conductance", "bad.npy", "--vin", "V.npy"],
                 ["--conductance", "G.npy", "--vin", "V5.npy"],
                 ["--conductance", "missing.npy", "--vin", "V.npy"]):
        p = _cli("dc", *args, "--r-wl", "1", "--r-bl", "1", "--out", "J.npy", **kw)
        assert p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr
    p = _cli("dc", "--conductance", "G.npy", "--vin", "V.npy", "--r-wl", "1", "--r-bl", "1",
             "--out", "I.npy", **kw)
    assert p.returncode == 2 and "--force" in p.stderr
