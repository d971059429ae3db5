"""The single-definition guard: a model defined only in this file runs through every
backend (numpy, device simulator, Verilog-A and SPICE printers, real simulators,
fitter, crossbar) with no change anywhere else in memli."""
import numpy as np
import pytest
import sympy as sp

from memli.cards import default_card
from memli.models.base import ModelBuilder, V
from memli.models.smooth import limexp, logistic

b = ModelBuilder("toy_tanh", doc="Toy memristor defined in a test file.")
g_on_siemens = b.param("g_on_siemens", 1e-3, (1e-6, 1e-1), "ON conductance")
g_off_siemens = b.param("g_off_siemens", 1e-5, (1e-8, 1e-3), "OFF conductance")
k_per_s = b.param("k_per_s", 50.0, (1e-2, 1e4), "switching rate at threshold")
v_th_v = b.param("v_th_v", 0.5, (0.1, 2.0), "switching threshold magnitude")
v0_v = b.param("v0_v", 0.05, (0.01, 0.5), "rate voltage scale")
w = b.state("w", 0.0, (0.0, 1.0), "fraction switched ON")
TOY = b.build(
    current=(g_off_siemens + (g_on_siemens - g_off_siemens) * w) * V,
    rates={w: k_per_s * (limexp((V - v_th_v) / v0_v) * (1 - w)
                         - limexp((-V - v_th_v) / v0_v) * w)},
)


def test_toy_numpy_and_jacobian():
    ev = TOY.numeric.evaluate(np.array([0.3, -0.7]), np.array([[0.5, 0.2]]), TOY.param_vector())
    np.testing.assert_allclose(ev.i, [0.3 * (1e-5 + 0.5 * (1e-3 - 1e-5)),
                                      -0.7 * (1e-5 + 0.2 * (1e-3 - 1e-5))], rtol=1e-12)
    assert ev.df_dx.shape == (1, 1, 2)


def test_toy_device_simulator_switches_and_is_pinched():
    from memli.sim import Waveform, simulate
    res = simulate(TOY, Waveform.sine(1.0, 1.0, 2))
    assert res.state("w").max() > 0.99 and res.state("w").min() < 0.05
    zero = np.isclose(res.v_source, 0.0, atol=1e-12)
    assert np.all(np.abs(res.i[zero]) < 1e-15)         # pinched loop: I(0) = 0 exactly


def test_toy_verilog_a_and_spice_text():
    from memli.codegen.spice import subckt_text
    from memli.codegen.verilog_a import module_text
    va = module_text(TOY)
    sp_ = subckt_text(TOY)
    for name in TOY.param_names:
        assert name in va and name in sp_
    assert "module memli_toy_tanh" in va and ".subckt memli_toy_tanh" in sp_


def test_toy_verifies_in_ngspice_and_vacask():
    from memli.sim import Waveform
    from memli.verify import verify
    rep = verify(TOY, Waveform.sine(1.0, 1.0, 2, points_per_cycle=200))
    assert rep.passed, rep.summary()
    assert rep.metrics["ngspice"]["converged"] and rep.metrics["vacask"]["converged"]


def test_toy_in_a_crossbar_matches_kcl_and_ideal_limit():
    from memli.circuits.crossbar import Crossbar, ideal_vmm
    from memli.circuits.network import Wires
    n, m = 6, 4
    states = np.random.default_rng(0).uniform(0, 1, (1, n, m))
    vin = np.linspace(0.05, 0.2, n)
    xb = Crossbar(TOY, TOY.defaults(), states=states, shape=(n, m),
                  wires=Wires(r_wl_ohm=1e-6, r_bl_ohm=1e-6))
    g = (1e-5 + (1e-3 - 1e-5) * states[0])
    # near-ideal wires: bit-line currents equal G^T V (rtol 1e-5: 1 uohm segments vs kohm cells)
    np.testing.assert_allclose(xb.read(vin).i_out_a, ideal_vmm(g, vin), rtol=1e-5)


def test_toy_fit_recovers_rate_parameter():
    from memli.fit.core import FitData, fit
    from memli.sim import Waveform, simulate
    truth = default_card(TOY).with_values(k_per_s=120.0)
    wf = Waveform.sine(1.0, 1.0, 2, points_per_cycle=200)
    res = simulate(truth, wf)
    fd = FitData.from_arrays(wf.t_s, wf.v_v, res.i, cycle=wf.cycle, floor_a=1e-12,
                             compliance_a=None)
    out = fit(fd, card=default_card(TOY), params=["k_per_s"])
    # noise-free generated data: the fit returns the truth to 1 % (solver tolerances)
    assert out.params["k_per_s"].value == pytest.approx(120.0, rel=0.01)
