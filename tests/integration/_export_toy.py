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
