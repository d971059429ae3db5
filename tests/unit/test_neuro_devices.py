"""Vectorised device integration (memli.neuro.devices) against the device simulator."""
import numpy as np
import pytest

from memli.cards import default_card, load_card
from memli.models.base import ModelBuilder, V, registry
from memli.models.smooth import logistic
from memli.neuro.devices import DeviceArray
from memli.sim import Waveform, simulate

_b = ModelBuilder("toy_neuro", doc="toy memristor for the neuro tests")
_g0 = _b.param("g_off_siemens", 1e-6, (1e-12, 1.0), "conductance at x = 0")
_g1 = _b.param("g_on_siemens", 1e-3, (1e-12, 1.0), "conductance at x = 1")
_k = _b.param("k_per_s", 1e4, (1e-6, 1e9), "switching rate")
_vt = _b.param("v_th_v", 0.5, (0.01, 5.0), "threshold")
_x = _b.state("x", 0.0, (0.0, 1.0), "state")
TOY = _b.build(current=(_g0 + (_g1 - _g0) * _x) * V,
               rates={_x: _k * (logistic((V - _vt) / 0.02) * (1 - _x)
                                - logistic((-V - _vt) / 0.02) * _x)})


def _pulse_ends(card, amp, width, n, x0):
    wf = Waveform.pulses(amp, width, 3 * width, n=n, rise_s=width / 1000)
    r = simulate(card, wf, x0=x0)
    return np.array([r.x[:, r.cycle == k][:, -1] for k in range(n)])


@pytest.mark.parametrize("amp", [0.2, -0.19])
def test_pulses_match_the_device_simulator(amp):
    card = load_card("llzo_tip")
    x0 = np.array([0.99, 0.79, 0.0]) if amp > 0 else np.array([0.66, 0.78, 0.0])
    ref = _pulse_ends(card, amp, 1e-4, 8, x0)
    da = DeviceArray(card, 3, x0=x0)
    got = []
    for _ in range(8):
        da.pulse(amp, 1e-4, n_steps=8)
        da.pulse(0.0, 2e-4, n_steps=2)
        got.append(da.x[:, 0].copy())
    # backward Euler with 8 steps per pulse vs adaptive BDF at rtol 1e-5: the extent
    # agrees within 3e-3 (first-order error of ~0.1 per pulse increments)
    np.testing.assert_allclose(np.array(got)[:, 0], ref[:, 0], atol=3e-3)
    # all three identical devices stay identical (vectorisation is per device)
    assert np.ptp(da.x, axis=1).max() == 0.0


def test_toy_model_and_registry_models_integrate():
    da = DeviceArray(default_card(TOY), 4, x0=[0.0])
    da.pulse(np.array([1.0, 0.3, -1.0, 0.0]), 1e-3)
    x = da.x[0]
    assert x[0] > 0.99 and x[1] < 1e-3 and x[2] < 1e-12  # stays at its lower bound
    for name, model in sorted(registry().items()):
        arr = DeviceArray(default_card(model), 5, x0=None)
        arr.pulse(0.5, 1e-6, n_steps=4)
        assert np.all(np.isfinite(arr.x)), name
        lo = np.array([s.bounds[0] for s in model.states])[:, None]
        hi = np.array([s.bounds[1] for s in model.states])[:, None]
        assert np.all(arr.x >= lo) and np.all(arr.x <= hi), name


def test_variability_spreads_and_is_seeded():
    a = DeviceArray("llzo_tip", 200, variability=0.05, rng=1)
    b = DeviceArray("llzo_tip", 200, variability=0.05, rng=1)
    assert np.array_equal(a.p, b.p)
    k = a.model.param_names.index("k_reset_per_s")
    # lognormal card spread 0.3 plus 0.05: sd of log within 20 % of sqrt(0.3^2+0.05^2)
    sd = np.std(np.log(a.p[k]))
    assert abs(sd - np.hypot(0.3, 0.05)) < 0.2 * np.hypot(0.3, 0.05)
    z = DeviceArray("llzo_tip", 3, variability=0.0)
    assert np.ptp(z.p, axis=1).max() == 0.0
