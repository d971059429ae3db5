"""Unit tests of memli.physics: contact, filament, ionic, microstructure, trigger."""
import math

import numpy as np
import pytest

from memli.errors import MemliError
from memli.physics import contact, filament, ionic
from memli.physics.microstructure import (make_polycrystal, modulus_pa, property_maps,
                                          surface_potential_v)
from memli.physics.trigger import TriggerModel, default_trigger_model, truncated_normal_min


@pytest.fixture(scope="module")
def poly():
    return make_polycrystal(10e-6, n_grains=150, seed=7)


# -- contact --------------------------------------------------------------------------
def test_effective_modulus_limits():
    # identical bodies: E* = E / (2 (1 - nu^2)); rigid tip: E* = E / (1 - nu^2); exact math
    assert math.isclose(contact.effective_modulus_pa(100e9, 0.3, 100e9, 0.3),
                        100e9 / (2 * (1 - 0.09)), rel_tol=1e-12)  # float round-off only
    assert math.isclose(contact.effective_modulus_pa(100e9, 0.3), 100e9 / 0.91, rel_tol=1e-12)


@pytest.mark.parametrize("e_star", [30e9, 60e9, 150e9, 400e9])
def test_hertz_inverse_round_trip(e_star):
    a = contact.hertz_area_m2(400e-9, 20e-9, e_star)
    # closed-form inverses: agreement to float round-off (1e-12)
    assert math.isclose(contact.hertz_e_star_for_area_pa(a, 400e-9, 20e-9), e_star, rel_tol=1e-12)
    assert math.isclose(contact.hertz_force_for_area_n(a, 20e-9, e_star), 400e-9, rel_tol=1e-12)


def test_hertz_scaling_and_errors():
    # A ~ P^(2/3): doubling the force multiplies the area by 2^(2/3) (exact, round-off)
    a1 = contact.hertz_area_m2(100e-9, 20e-9, 60e9)
    a2 = contact.hertz_area_m2(200e-9, 20e-9, 60e9)
    assert math.isclose(a2 / a1, 2 ** (2 / 3), rel_tol=1e-12)
    with pytest.raises(MemliError, match="force_n"):
        contact.hertz_area_m2(-1.0, 20e-9, 60e9)


# -- filament and ionic -----------------------------------------------------------------
def test_filament_round_trip():
    g = filament.filament_geometry(116.0, 300e-6, 1.1e7)
    # R(radius(R)) = R exactly up to round-off
    assert math.isclose(filament.resistance_for_radius_ohm(g.radius_m, 300e-6, 1.1e7), 116.0,
                        rel_tol=1e-12)
    assert g.diameter_m == 2 * g.radius_m
    with pytest.raises(MemliError):
        filament.filament_geometry(0.0)


def test_ionic_scalings():
    # column ~ A, spreading ~ sqrt(A); both linear in V (exact formulas, round-off tol)
    c1 = ionic.ionic_current_column_a(-10, 30e-18)
    c4 = ionic.ionic_current_column_a(-10, 120e-18)
    s1 = ionic.ionic_current_spreading_a(-10, 30e-18)
    s4 = ionic.ionic_current_spreading_a(-10, 120e-18)
    assert math.isclose(c4 / c1, 4.0, rel_tol=1e-12)
    assert math.isclose(s4 / s1, 2.0, rel_tol=1e-12)
    assert math.isclose(ionic.ionic_current_column_a(-5, 30e-18) / c1, 0.5, rel_tol=1e-12)
    est = ionic.ionic_estimates()
    assert set(est["assumptions"]) == {"column", "spreading"}


# -- microstructure -------------------------------------------------------------------
def test_seeded_microstructure_is_reproducible():
    a = make_polycrystal(10e-6, n_grains=60, seed=3)
    b = make_polycrystal(10e-6, n_grains=60, seed=3)
    c = make_polycrystal(10e-6, n_grains=60, seed=4)
    assert np.array_equal(a.seeds_m, b.seeds_m)
    assert not np.array_equal(a.seeds_m, c.seeds_m)
    p = a.random_points_m(100, 1)
    assert np.array_equal(a.distance_to_gb_m(p), b.distance_to_gb_m(p))


def test_grain_areas_tile_the_box(poly):
    # the Voronoi cells partition the periodic box: sum of areas = box^2 (round-off)
    assert math.isclose(poly.grain_areas_m2().sum(), poly.box_m ** 2, rel_tol=1e-9)
    # mean grain area = pi/4 D^2 by construction of the seed density
    assert math.isclose(poly.grain_areas_m2().mean(), math.pi / 4 * (10e-6) ** 2, rel_tol=1e-9)


def test_gb_length_per_area_matches_poisson_voronoi():
    # Poisson-Voronoi: L_A = 2 sqrt(density) (Meijering 1953); 400 grains -> ~2 % noise,
    # tolerance 6 %
    pc = make_polycrystal(10e-6, n_grains=400, seed=11, lloyd_iterations=0)
    lam = 1.0 / (math.pi / 4 * (10e-6) ** 2)
    assert abs(pc.gb_length_per_area_per_m() / (2 * math.sqrt(lam)) - 1) < 0.06


def test_distance_is_zero_on_boundaries(poly):
    seg = poly.gb_segments_m()
    mid = seg.mean(axis=1)
    # points on a GB: distance 0 up to round-off of coordinates ~1e-4 m * 1e-16
    assert poly.distance_to_gb_m(mid).max() < 1e-15


def test_exact_distance_matches_raster_edt(poly):
    r = poly.raster(0.0, 0.0, 40e-6, 200)
    edt = poly.raster_distance_edt_m(r["labels"], r["pixel_m"])
    x, y = np.meshgrid(r["x_m"], r["y_m"])
    edge = np.minimum.reduce([x, y, 40e-6 - x, 40e-6 - y])
    inside = r["distance_m"] < edge - 2 * r["pixel_m"]     # GB visible inside the window
    err = np.abs(edt - r["distance_m"])[inside] / r["pixel_m"]
    # the raster GB mask is one pixel wide and offset by up to a pixel: tolerance 2 px
    assert err.max() < 2.0
    assert err.mean() < 0.7


def test_lloyd_narrows_grain_sizes():
    # centroidal relaxation reduces the area CV (Poisson-Voronoi ~0.53)
    cv0 = make_polycrystal(n_grains=200, seed=2, lloyd_iterations=0).area_cv()
    cv2 = make_polycrystal(n_grains=200, seed=2, lloyd_iterations=2).area_cv()
    assert cv2 < 0.75 * cv0


def test_property_profiles():
    # exact end values of the profiles (round-off), paper's Fig. 4 inputs
    assert math.isclose(float(modulus_pa(0.0)), 120e9, rel_tol=1e-12)
    assert math.isclose(float(modulus_pa(1e-6)), 145e9, rel_tol=1e-9)
    assert math.isclose(float(surface_potential_v(0.0)), -10e-3, rel_tol=1e-12)
    assert abs(float(surface_potential_v(5e-6))) < 1e-12


def test_property_maps_have_gb_contrast(poly):
    m = property_maps(poly, size_m=1e-6, n_px=96, seed=1)
    d = m["distance_m"]
    # instrument noise 3 GPa / 1 mV, averaged over many pixels: 2 GPa / 1 mV tolerances
    assert abs(m["modulus_pa"][d < 4e-9].mean() - 120e9) < 2e9
    assert abs(m["modulus_pa"][d > 100e-9].mean() - 145e9) < 2e9
    assert m["surface_potential_v"][d < 4e-9].mean() < -8e-3
    for k in ("topography_m", "modulus_pa", "surface_potential_v"):
        assert m[k].shape == (96, 96)


# -- trigger ---------------------------------------------------------------------------
def test_calibration_anchors():
    m = TriggerModel.calibrated(-0.12, -12.0)
    # calibration is closed-form: anchors reproduced to round-off
    assert math.isclose(float(m.median_v(0.0)), -0.12, rel_tol=1e-9)
    assert math.isclose(float(m.median_v(20e-6)), -12.0, rel_tol=1e-9)
    with pytest.raises(MemliError):
        TriggerModel.calibrated(-1.0, -0.5)


def test_trigger_rises_monotonically_with_distance():
    m = default_trigger_model()
    d = np.linspace(0, 1e-6, 2001)
    assert np.all(np.diff(-m.median_v(d)) >= -1e-12)  # |V| non-decreasing (round-off)


def test_trigger_probabilities_near_and_far():
    """Issue 4 acceptance: P(trigger within -1 V) >= 0.9 at d < 50 nm, <= 0.05 at d > 150 nm."""
    m = default_trigger_model()
    near = np.linspace(0, 50e-9, 26)
    far = np.linspace(150e-9, 2e-6, 40)
    assert m.p_trigger_within(near, -1.0).min() >= 0.9
    assert m.p_trigger_within(far, -1.0).max() <= 0.05
    # and by sampling (20000 draws: binomial se <= 0.0035)
    rng = np.random.default_rng(0)
    dn = rng.uniform(0, 50e-9, 20000)
    df = rng.uniform(150e-9, 2e-6, 20000)
    assert (m.sample_v(dn, rng) >= -1.0).mean() >= 0.9
    assert (m.sample_v(df, rng) >= -1.0).mean() <= 0.05


def test_interior_rarely_triggers_within_limit():
    m = default_trigger_model()
    p = float(m.p_trigger_within(10e-6, -10.0))
    assert 0.02 < p < 0.25     # "rarely at all within -10 V"
    # those that do trigger do so below about -8 V (truncated scatter)
    assert float(m.bias_v(10e-6, -m.z_max)) < -8.0


@pytest.mark.parametrize("n", [1, 10, 300])
def test_order_statistic_matches_explicit_minimum(n):
    rng = np.random.default_rng(n)
    zmax = 2.5
    z = rng.standard_normal((4000, n))
    while np.any(np.abs(z) > zmax):          # rejection sampling of the truncated normal
        bad = np.abs(z) > zmax
        z[bad] = rng.standard_normal(bad.sum())
    explicit = z.min(axis=1)
    fast = truncated_normal_min(np.full(4000, n), rng.uniform(size=4000), zmax)
    # two independent samples of 4000: means agree within 5 combined standard errors
    se = math.sqrt(explicit.var() / 4000 + fast.var() / 4000)
    assert abs(explicit.mean() - fast.mean()) < 5 * se + 1e-3
    assert abs(explicit.std() - fast.std()) < 0.1 * explicit.std() + 0.01


# -- properties ------------------------------------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(force=st.floats(1e-10, 1e-5), radius=st.floats(1e-9, 1e-6), e_star=st.floats(1e9, 1e12))
def test_hertz_inverse_property(force, radius, e_star):
    a = contact.hertz_area_m2(force, radius, e_star)
    # closed-form inverse: relative round-off of a few ulp through the cube root
    assert math.isclose(contact.hertz_e_star_for_area_pa(a, force, radius), e_star, rel_tol=1e-9)


@settings(max_examples=30, deadline=None)
@given(n=st.floats(1, 1e12), u=st.floats(1e-12, 1 - 1e-12))
def test_order_statistic_is_bounded_and_monotone(n, u):
    z1 = float(truncated_normal_min(n, u, 2.5))
    z2 = float(truncated_normal_min(2 * n, u, 2.5))
    # bounded by the truncation, and more flaws never give a higher minimum
    assert -2.5 <= z2 <= z1 + 1e-12 <= 2.5 + 1e-12
