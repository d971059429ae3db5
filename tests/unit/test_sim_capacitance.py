"""Issue 15 item 6 in memli's device simulator: the optional cell capacitance
``C = eps_r eps_0 area / thickness`` (memli.capacitance), terminal current I + C dV/dt."""
import numpy as np
import pytest

from memli.capacitance import EPS0_F_PER_M, capacitance_f, extra_params, geometry_names
from memli.cards import load_card
from memli.codegen import _export
from memli.errors import WaveformError
from memli.sim import Waveform, simulate


CARDS = ["llzo_tip", "vteam_default", "linear_drift_biolek", "yakopcic_default", "mms_default"]


def test_geometry_is_the_exports():
    """One lookup for both: the exporters' names and extra instance parameters."""
    for name in CARDS:
        card = load_card(name)
        info = _export.export_info(card)
        assert _export.cap_geometry(info) == geometry_names(card.model)
        assert info.cap_extra == extra_params(card.model)
    assert geometry_names(load_card("llzo_tip").model) == ("area_m2", "l_m")
    assert geometry_names(load_card("linear_drift_biolek").model) == ("cap_area_m2", "d_m")


def test_c_cell_f_from_the_card():
    """llzo_full_face (1.12 cm^2, 300 um) at eps_r 60: eps_r eps_0 A / L, to rounding."""
    card = load_card("llzo_full_face")
    want = 60.0 * EPS0_F_PER_M * card.values["area_m2"] / card.values["l_m"]
    assert capacitance_f(card.model, card.values, 60.0) == pytest.approx(want, rel=1e-15)
    res = simulate(card, Waveform.pwl([0.0, 1e-3], [0.0, 1e-3]), eps_r=60.0)
    assert res.c_cell_f == pytest.approx(want, rel=1e-15)
    vt = load_card("vteam_default")
    assert capacitance_f(vt.model, vt.values, 10.0) == pytest.approx(
        10.0 * EPS0_F_PER_M * 1e-12 / 1e-8, rel=1e-15)          # the exports' defaults
    assert capacitance_f(vt.model, vt.values, 10.0, cap_area_m2=2e-12,
                         cap_thickness_m=4e-8) == pytest.approx(
        10.0 * EPS0_F_PER_M * 2e-12 / 4e-8, rel=1e-15)


@pytest.mark.parametrize("kw,match", [
    ({"eps_r": -1.0}, "eps_r"), ({"eps_r": float("nan")}, "eps_r"),
    ({"eps_r": 2e6}, "eps_r"), ({"eps_r": 5.0, "cap_area_m2": 0.0}, "cap_area_m2"),
    ({"eps_r": 5.0, "cap_thickness_m": -1e-8}, "cap_thickness_m")])
def test_bad_capacitance_arguments(kw, match):
    wf = Waveform.pwl([0.0, 1.0], [0.0, 0.1])
    with pytest.raises(WaveformError, match=match):
        simulate("vteam_default", wf, **kw)


def test_own_geometry_refuses_cap_keywords():
    wf = Waveform.pwl([0.0, 1.0], [0.0, 0.1])
    with pytest.raises(WaveformError, match="has its own parameter 'area_m2'"):
        simulate("llzo_tip", wf, eps_r=5.0, cap_area_m2=1e-12)


def test_displacement_on_a_ramp_equals_c_dv_dt():
    """No series network: the device sees the source, so the states and the device current
    are those of the run without capacitance and the difference is C times the ramp's
    slope at every sample after the first (the first is the DC point: no displacement).
    llzo_full_face at eps_r 60 on a 0 -> 0.05 V -> 0 triangle, 1 ms each way."""
    card = load_card("llzo_full_face")
    t = np.linspace(0.0, 2e-3, 401)
    v = 0.05 * (1 - np.abs(t - 1e-3) / 1e-3)
    wf = Waveform.pwl(t, v)
    with_c = simulate(card, wf, eps_r=60.0)
    without = simulate(card, wf)
    c = with_c.c_cell_f
    slope = np.diff(v) / np.diff(t)                 # left derivative at samples 1..n-1
    disp = with_c.i - without.i
    assert np.array_equal(with_c.x, without.x)
    assert disp[0] == 0.0
    # rounding only: the device current (up to ~1e-3 A here) is subtracted in double
    # precision, so allow 1e-15 of it (1e-18 A) next to the ~1.0e-8 A displacement
    atol = 1e-15 * np.abs(without.i).max()
    assert np.allclose(disp[1:], c * slope, rtol=1e-12, atol=atol)
    assert np.abs(c * slope).min() > 1e3 * atol       # the check can fail


def test_displacement_through_a_series_resistor_is_the_rc_solution():
    """With a series resistor the device voltage is a dynamic node.  vteam in its HRS
    (1e5 ohm, linear below its 0.5 V thresholds), 100 ohm, C = 8.85 uF (tau ~ 0.88 ms)
    on a 0 -> 0.05 V ramp of 10 ms: the source current follows the linear RC solution
    ``vd = A t - A tau (1 - exp(-t/tau))``, ``A = s / (1 + rs G)``, ``tau = C / (1/rs +
    G)``.  Tolerance 1e-3 of the largest current: BDF2 at ~35 steps per time constant
    (the step is bounded by the sample spacing) gives ~1e-4."""
    card = load_card("vteam_default")
    rs, eps_r, area = 100.0, 100.0, 1e-4
    t = np.linspace(0.0, 1e-2, 401)
    s = 0.05 / t[-1]
    wf = Waveform.pwl(t, s * t)
    res = simulate(card, wf, eps_r=eps_r, cap_area_m2=area, r_series_ohm=rs)
    ref = simulate(card, wf, r_series_ohm=rs)
    g = ref.i[-1] / ref.v[-1]                      # the device's conductance, S
    c = res.c_cell_f
    assert c == pytest.approx(eps_r * EPS0_F_PER_M * area / 1e-8, rel=1e-15)
    a = s / (1 + rs * g)
    tau = c / (1 / rs + g)
    vd = a * t - a * tau * (1 - np.exp(-t / tau))
    i_rc = (s * t - vd) / rs
    assert np.abs(res.i - i_rc).max() < 1e-3 * np.abs(i_rc).max()
    assert np.abs(res.v - vd).max() < 1e-3 * 0.05
    # the capacitance matters: without it the current differs by C A (~90 %)
    assert np.abs(ref.i - i_rc).max() > 0.5 * np.abs(i_rc).max()


@pytest.mark.parametrize("name", CARDS)
def test_vanishing_capacitance_joins_the_path_without_it(name):
    """eps_r = 0 is the capacitance-free simulation (c_cell_f 0, the same samples as
    not passing it); a capacitance too small to matter (eps_r 1e-6: C ~ 1e-23 F or less)
    takes the dynamic-node path with a series resistor and must land on the same
    currents, within 5e-3 of the largest current: the two paths step differently, and at
    VTEAM's abrupt switching edge a sample moves by up to 1.8e-3 (measured)."""
    from memli.simulators.verify import default_waveform
    card = load_card(name)
    wf = default_waveform(card.model)
    for rs in (0.0, 10.0):
        base = simulate(card, wf, r_series_ohm=rs)
        zero = simulate(card, wf, r_series_ohm=rs, eps_r=0.0)
        assert zero.c_cell_f == 0.0
        assert np.array_equal(zero.i, base.i) and np.array_equal(zero.x, base.x)
        tiny = simulate(card, wf, r_series_ohm=rs, eps_r=1e-6)
        assert 0.0 < tiny.c_cell_f < 1e-20
        assert np.abs(tiny.i - base.i).max() <= 5e-3 * np.abs(base.i).max()
