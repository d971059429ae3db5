"""A model that exists only in the test suite: the exporters must handle it unchanged."""
from memli.models.base import ModelBuilder, V
from memli.models.smooth import limexp

b = ModelBuilder("toy_export", doc="Toy memristor used by the exporter tests")
r_on_ohm = b.param("r_on_ohm", 1e3, (10.0, 1e5), "ON resistance")
r_off_ohm = b.param("r_off_ohm", 1e5, (1e3, 1e7), "OFF resistance")
k_per_s = b.param("k_per_s", 20.0, (1e-3, 1e4), "switching rate at threshold")
v_th_v = b.param("v_th_v", 0.6, (0.1, 2.0), "switching threshold magnitude")
v0_v = b.param("v0_v", 0.05, (0.01, 0.5), "voltage scale of the rate")
x = b.state("x", 0.2, (0.0, 1.0), "normalised state")
MODEL = b.build(
    current=V / (r_on_ohm * x + r_off_ohm * (1 - x)),
    rates={x: k_per_s * (limexp((V - v_th_v) / v0_v) * (1 - x)
                         - limexp((-V - v_th_v) / v0_v) * x)})

# a dimensional state (metres, bounds [0, 10 nm]): exercises the state scaling of the
# printers (node potential = w / 1e-8 m)
b2 = ModelBuilder("toy_export_scaled", doc="Toy memristor with a state in metres")
g_on_siemens = b2.param("g_on_siemens", 1e-3, (1e-6, 1e-1), "conductance at w = d_m")
g_off_siemens = b2.param("g_off_siemens", 1e-5, (1e-8, 1e-3), "conductance at w = 0")
d_m = b2.param("d_m", 1e-8, (1e-9, 1e-8), "film thickness")
u_m_per_s = b2.param("u_m_per_s", 2e-7, (1e-12, 1e-3), "front speed at threshold")
v_th2_v = b2.param("v_th_v", 0.5, (0.1, 2.0), "switching threshold magnitude")
v02_v = b2.param("v0_v", 0.05, (0.01, 0.5), "voltage scale of the rate")
w_m = b2.state("w_m", 2e-9, (0.0, 1e-8), "doped-front position", unit="m")
MODEL_SCALED = b2.build(
    current=V * (g_off_siemens + (g_on_siemens - g_off_siemens) * w_m / d_m),
    rates={w_m: u_m_per_s * (limexp((V - v_th2_v) / v02_v) * (1 - w_m / d_m)
                             - limexp((-V - v_th2_v) / v02_v) * w_m / d_m)})
