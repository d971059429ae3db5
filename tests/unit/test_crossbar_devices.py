"""Crossbars of memli devices: any registered model, a toy model, selectors, writes."""
import numpy as np
import pytest

from memli.cards import default_card, load_card
from memli.circuits.crossbar import Crossbar
from memli.circuits.network import Wires
from memli.circuits.selector import Selector
from memli.circuits.writes import (disturb, program, pulse_train, scheme_drive, sneak_read,
                                   write_bias)
from memli.models.base import ModelBuilder, V, registry
from memli.models.smooth import limexp, logistic

# a toy nonlinear device with one state: I = g(x) * i0 sinh(V / v0)-like, SET above v_th
_b = ModelBuilder("toy_xbar", doc="toy nonlinear memristor for crossbar tests")
_gl = _b.param("g_lo_siemens", 1e-6, (1e-12, 1.0), "conductance scale at x = 0")
_gh = _b.param("g_hi_siemens", 1e-4, (1e-12, 1.0), "conductance scale at x = 1")
_v0 = _b.param("v0_v", 0.15, (1e-3, 10.0), "nonlinearity voltage")
_k = _b.param("k_per_s", 1e3, (1e-6, 1e9), "switching rate scale")
_vt = _b.param("v_th_v", 0.6, (0.01, 5.0), "switching threshold")
_x = _b.state("x", 0.0, (0.0, 1.0), "normalised state")
TOY = _b.build(
    current=(_gl + (_gh - _gl) * _x) * _v0 * (limexp(V / _v0) - limexp(-V / _v0)) / 2,
    rates={_x: _k * (logistic((V - _vt) / 0.02) * (1 - _x) - logistic((-V - _vt) / 0.02) * _x)},
)


def _read_checks(xb, v):
    rr = xb.read(v)
    scale = np.max(np.abs(rr.dc.i_cell)) * max(xb.n, xb.m)
    # KCL to solver tolerance (1e-13 relative residual, Newton to 1e-9 V)
    assert rr.dc.kcl_residual_a <= 1e-9 * scale + 1e-18
    assert np.all(np.isfinite(rr.i_out_a))
    return rr


@pytest.mark.parametrize("name", sorted(registry()))
def test_every_registered_model_reads_in_a_crossbar(name):
    model = registry()[name]
    xb = Crossbar.from_card(default_card(model), 9, 11, wires=Wires(2, 3, 5, 7), rng=0)
    rng = np.random.default_rng(1)
    for k, s in enumerate(model.states):
        xb.states[k] = rng.uniform(s.bounds[0], s.bounds[1], (9, 11))
    rr = _read_checks(xb, rng.uniform(0, 0.2, 9))
    # with ideal wires the read equals the ideal sum of cell currents (exact to rounding)
    xb.wires = Wires()
    rr0 = xb.read(xb_v := rng.uniform(0, 0.2, 9))
    np.testing.assert_allclose(rr0.i_out_a, rr0.i_ideal_a, rtol=1e-12, atol=1e-25)
    assert xb_v.shape == (9,) and rr.dc.info.residual <= 1e-13


def test_bundled_cards_sample_variability_per_cell():
    card = load_card("llzo_tip")
    xb = Crossbar.from_card(card, 6, 7, rng=3)
    for k in card.variability:
        i = card.model.param_names.index(k)
        assert np.std(xb.params[i]) > 0, k     # one draw per cell
    xb0 = Crossbar.from_card(card, 6, 7, rng=3, variability_scale=0.0)
    assert np.all(xb0.params == card.vector[:, None, None])


def test_toy_nonlinear_model_newton_converges_and_matches_small_signal_limit():
    xb = Crossbar(TOY, {"v0_v": 0.15}, shape=(30, 25), wires=Wires(1, 1, 0, 0))
    xb.states[0] = np.random.default_rng(0).uniform(0, 1, (30, 25))
    rr = _read_checks(xb, np.random.default_rng(2).uniform(0, 0.5, 30))
    assert rr.dc.newton_iterations >= 2        # nonlinear: more than one solve
    # at tiny inputs the device is linear with G = g(x): compare to a conductance array
    v = np.full(30, 1e-6)
    lin = Crossbar(conductance=xb.small_signal_conductance(0.0), wires=xb.wires).read(v)
    np.testing.assert_allclose(xb.read(v).i_out_a, lin.i_out_a, rtol=1e-8)  # O((v/v0)^2)


def test_series_selector_splits_the_voltage_consistently():
    xb = Crossbar(TOY, None, shape=(12, 10), wires=Wires(1, 1, 0, 0),
                  selector=Selector(params={"i0_a": 1e-6, "v0_v": 0.05}))
    xb.states[0] = 1.0
    res = xb.dc(np.full(12, 0.8))
    i_sel, _ = xb.selector.current_and_conductance(res.v_cell - res.v_dev)
    # same current through selector and device: series split solved to 1e-13 V
    np.testing.assert_allclose(i_sel, res.i_cell, rtol=1e-9)
    assert np.all(np.abs(res.v_dev) < np.abs(res.v_cell))


@pytest.mark.parametrize("scheme,half,other", [("v/2", 0.5, 0.0), ("v/3", 1 / 3, 1 / 3),
                                               ("ground", 1.0, 0.0)])
def test_write_scheme_voltages_with_ideal_wires(scheme, half, other):
    xb = Crossbar(conductance=np.full((5, 6), 1e-5))
    wr = write_bias(xb, (2, 3), 0.9, scheme)
    # ideal wires: exactly the scheme's fractions of V (1e-12 V rounding)
    assert wr.v_selected_v == pytest.approx(0.9, abs=1e-12)
    assert wr.v_half_max_v == pytest.approx(half * 0.9, abs=1e-12)
    assert wr.v_unselected_max_v == pytest.approx(other * 0.9, abs=1e-12)


def test_floating_scheme_sneak_path_read():
    g = np.full((4, 4), 1e-4)
    g[1, 1] = 1e-6                              # selected cell in HRS, others LRS
    xb = Crossbar(conductance=g)
    s = sneak_read(xb, (1, 1), 0.2, "floating")
    # classic 3-cell sneak path (Chen 2013): 3 x 3 LRS network in series-parallel
    assert s["i_cell_alone_a"] == pytest.approx(2e-7)
    assert s["i_sneak_a"] > 10 * s["i_cell_alone_a"]
    d = scheme_drive(4, 4, (1, 1), 0.2, "floating")
    assert d.wl_float.sum() == 3 and d.bl_float.sum() == 3


def test_program_switches_selected_cell_and_keeps_states_in_bounds():
    xb = Crossbar(TOY, None, shape=(6, 6), wires=Wires(1, 1, 0, 0))
    res = program(xb, pulse_train(6, 6, (2, 3), 1.0, 2e-2, 1, "v/3"), record=[(2, 3), (2, 0)])
    assert xb.states[0, 2, 3] > 0.99           # selected: 1.0 V > v_th
    assert np.max(np.delete(xb.states[0].ravel(), 2 * 6 + 3)) < 1e-3   # V/3 = 0.33 V < v_th
    assert np.all((xb.states >= 0) & (xb.states <= 1))
    assert res.x_cells.shape[1:] == (1, 2) and np.all(np.diff(res.t_s) > 0)


def test_half_select_disturb_under_v2():
    xb = Crossbar(TOY, None, shape=(5, 5), wires=Wires(1, 1, 0, 0))
    d = disturb(xb, (0, 0), 1.4, 2e-2, scheme="v/2")     # V/2 = 0.7 V > v_th: disturbs
    assert d["dx_selected"] > 0.99 and d["dx_half_max"] > 0.5 and d["dx_other_max"] < 1e-6


def test_transient_of_one_cell_matches_the_device_simulator():
    from memli.sim import Waveform, simulate
    card = default_card(TOY)
    xb = Crossbar(TOY, card.values, shape=(1, 1))
    width = 3e-3
    program(xb, pulse_train(1, 1, (0, 0), 0.62, width, 1, "ground"), dx_max=0.005)
    wf = Waveform.pwl([0.0, 1e-9, width - 1e-9, width], [0.0, 0.62, 0.62, 0.0])
    res = simulate(TOY, wf, params=card.values)
    # state after the pulse: Rosenbrock-Euler with dx <= 0.005 per step vs the device
    # simulator (rtol 1e-4); 0.02 absolute covers the first-order step error
    assert xb.states[0, 0, 0] == pytest.approx(res.x[0, -1], abs=0.02)
