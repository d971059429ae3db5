"""Tip-to-film arrays: film Green's function, cross-talk, thresholds from the microstructure."""
import numpy as np
import pytest

from memli.circuits import tipfilm as tf
from memli.errors import DataError


def test_slab_green_function_limits():
    sigma, L = 5e-2, 300e-6
    r = np.array([1e-7, 1e-6])
    # r << L: point source on a half-space, 1/(2 pi sigma r); images add O(r/L) = 3e-3
    np.testing.assert_allclose(tf.slab_green_ohm(r, sigma, L), 1 / (2 * np.pi * sigma * r),
                               rtol=5e-3)
    # r >> L: the grounded back electrode screens the potential (exponential decay)
    # the image and modal series agree where they meet (r = L/4): 1e-6 relative
    lo, hi = tf.slab_green_ohm(np.array([L / 4, L / 4 * (1 + 1e-9)]), sigma, L)
    assert lo == pytest.approx(hi, rel=1e-6)
    far = tf.slab_green_ohm(np.array([5e-3]), sigma, L)[0]
    assert 0 <= far < 1e-3 / (2 * np.pi * sigma * 5e-3)


def test_crosstalk_conductance_is_symmetric_and_decays_with_distance():
    pos = np.array([[0, 0], [1e-6, 0], [3e-6, 0], [30e-6, 0]])
    g = tf.crosstalk_conductance(pos, 3e-9, 5e-2, 300e-6)
    assert np.allclose(g, g.T, rtol=1e-10) and np.all(g >= 0) and np.all(np.diag(g) == 0)
    assert g[0, 1] > g[0, 2] > g[0, 3]


def test_dc_obeys_kirchhoff_and_common_electrode_couples_tips():
    pos = tf.grid_positions(3, 2e-6)
    arr = tf.tip_array("llzo_tip", pos, seed=1, r_lead_ohm=10.0, r_common_ohm=20.0)
    arr.states[0] = 0.0
    arr.states[0, 4] = 1.0                      # one bridged filament (116 ohm)
    op = arr.dc(np.full(9, -0.05))
    # all tip currents return through the common electrode: KCL to 1e-12 relative
    assert op.v_common == pytest.approx(20.0 * op.i_dev.sum(), rel=1e-9)
    np.testing.assert_allclose(op.i_drive, (op.i_dev + (np.diag(arr.g_cross.sum(1))
                                                         - arr.g_cross) @ op.v_tip),
                               rtol=1e-9, atol=1e-18)
    # atol: rounding of the dense solve, ~1e-16 x 0.1 S (lead) x 0.05 V = 5e-19 A
    # the bridged tip's current shifts the potential seen by every other tip
    assert abs(op.v_common) > 1e-3
    lone = tf.tip_array("llzo_tip", pos, seed=1, r_lead_ohm=10.0, r_common_ohm=0.0)
    lone.states[0] = arr.states[0]
    assert lone.dc(np.full(9, -0.05)).v_common == 0.0


def test_threshold_follows_distance_to_grain_boundary():
    pos = tf.grid_positions(5, 3e-6)
    arr = tf.tip_array("llzo_tip", pos, grain_size_m=2e-6, seed=2, r_common_ohm=0.0,
                       variability_scale=0.0)
    res = tf.cycle(arr, -0.3, 1.0, 5e-3, 1, -0.05)
    d = arr.gb_distance_m
    on_off = res["on_off"][0]
    # [lu_yang] Fig. 3c: tips within ~100 nm of a GB trigger, farther ones hardly do
    assert np.all(on_off[d < 60e-9] > 10) and np.all(on_off[d > 200e-9] < 2)
    assert (d < 60e-9).any() and (d > 200e-9).any()


def test_tips_closer_than_a_filament_are_not_counted_stable():
    r = tf.stable_fraction(pitch_m=0.3e-6, grain_size_m=2e-6, n_side=3, cycles=1)
    assert r["isolated"] == 0.0 and r["fraction"] == 0.0
    r = tf.stable_fraction(pitch_m=3e-6, grain_size_m=2e-6, n_side=3, cycles=1)
    assert r["isolated"] == 1.0 and 0.0 <= r["fraction"] == r["switching"] <= 1.0


def test_bad_positions_rejected():
    with pytest.raises(DataError, match="expected \\(K, 2\\)"):
        tf.tip_array("llzo_tip", np.zeros((0, 2)))
