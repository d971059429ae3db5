"""The paper's numbers [lu_yang] reproduced by memli.physics, with the discrepancies.

Source: Lu, Yang et al., "Mapping the Nanoscopic Filament Growth Kinetics in Lithium
Solid Electrolytes" (SIAT), cited as [lu_yang]; the worked numbers are listed in
REFERENCE.md of the project.  Each test names where the number is stated.  Where the
paper's own arithmetic does not close, the test holds memli's value and the size of
the discrepancy, so a change in either shows up here.
"""
import math

import numpy as np
import pytest

from memli.physics import contact, filament, ionic
from memli.physics.electrode_mc import ELECTRODES, drops_stats, summarize
from memli.physics.microstructure import make_polycrystal
from memli.physics.trigger import default_trigger_model

NM2 = 1e-18


# -- Methods, "Calculation of the contact area" -------------------------------------------
def test_hertz_area_with_the_papers_inputs_is_68_nm2():
    """[lu_yang] Methods: A = pi (3 P r / (4 E*))^(2/3), P = 400 nN, r = 20 nm, E* ~ 60 GPa,
    "~30 nm^2".  The formula gives 67.7 nm^2 (issue 4: 68 +- 2 nm^2)."""
    a = contact.hertz_area_m2(400e-9, 20e-9, 60e9)
    assert abs(a / NM2 - 68.0) <= 2.0
    # discrepancy with the stated 30 nm^2: factor 2.26 (+- 0.01, rounding of 67.7/30)
    assert abs(a / contact.PAPER_AREA_M2 - 2.256) < 0.01


def test_e_star_needed_for_the_stated_30_nm2_is_203_gpa():
    """The stated 30 nm^2 needs E* = 3 P r / (4 a^3) = 203 GPa, 3.4x the stated 60 GPa,
    or a load of 118 nN at 60 GPa."""
    e = contact.hertz_e_star_for_area_pa(30 * NM2, 400e-9, 20e-9)
    assert abs(e / 1e9 - 203.3) < 0.5       # closed form; 0.5 GPa covers the rounding
    p = contact.hertz_force_for_area_n(30 * NM2, 20e-9, 60e9)
    assert abs(p / 1e-9 - 118.0) < 0.5


def test_area_with_e_star_150_gpa_is_37_nm2():
    """REFERENCE.md: E* ~ 150 GPa gives 37 nm^2."""
    assert abs(contact.hertz_area_m2(400e-9, 20e-9, 150e9) / NM2 - 36.7) < 0.5


def test_pt_tip_on_llzo_from_both_moduli():
    """Pt (168 GPa, nu 0.38; handbook) on LLZO (145 GPa [lu_yang] Fig. 4, nu 0.257 ref. 52):
    E* = 86.7 GPa, A = 53.0 nm^2; at a GB (120 GPa) E* = 77.7 GPa, A = 57.0 nm^2.
    Neither the paper's E* (60 GPa) nor its area (30 nm^2) follows from the moduli."""
    c = contact.paper_contact_case()
    assert abs(c["e_star_pt_gi_pa"] / 1e9 - 86.7) < 0.1   # 0.1 GPa: rounding of the quote
    assert abs(c["area_pt_gi_m2"] / NM2 - 53.0) < 0.1
    assert abs(c["e_star_pt_gb_pa"] / 1e9 - 77.7) < 0.1
    assert abs(c["area_pt_gb_m2"] / NM2 - 57.0) < 0.1


# -- Fig. 2d text: filament size ---------------------------------------------------------
def test_filament_geometry_from_116_ohm():
    """[lu_yang] Fig. 2d: R = 116 ohm, sigma(Li) = 1.1e5 S/cm, L = 300 um (Methods).
    A = L / (sigma R) = 0.235 um^2, radius 274 nm, diameter 547 nm (issue 4: +-3, +-6 nm)."""
    g = filament.filament_geometry(116.0, 300e-6, 1.1e7)
    assert abs(g.area_m2 / 1e-12 - 0.235) < 0.001
    assert abs(g.radius_m / 1e-9 - 274) <= 3
    assert abs(g.diameter_m / 1e-9 - 547) <= 6


def test_papers_300_nm_diameter_matches_the_radius():
    """The paper writes "diameter ~300 nm": within 10 % of the radius (274 nm), while the
    diameter (547 nm) is 1.82x it."""
    g = filament.filament_geometry()
    stated = filament.PAPER_DIAMETER_STATED_M
    assert abs(g.radius_m / stated - 1) < 0.10
    assert abs(g.diameter_m / stated - 1.824) < 0.01


# -- Fig. 2 text: ionic current before penetration --------------------------------------
def test_ionic_column_estimate_is_0p05_pa():
    """1-D column sigma A V / L, 30 nm^2, 5e-4 S/cm, 300 um, -10 V: 5e-14 A (issue 4: 10 %).
    The paper's 2e-2 pA is 0.4x this."""
    est = ionic.ionic_estimates(-10.0, 30 * NM2, 300e-6, 5e-2)
    assert abs(abs(est["ionic_current_column_a"]) / 5e-14 - 1) < 0.10
    assert abs(est["paper_over_column"] - 0.4) < 1e-9          # exact ratio of the inputs
    assert "confined" in est["assumptions"]["column"]


def test_ionic_spreading_estimate_is_nanoamps():
    """Disk spreading resistance 1/(4 sigma a), a = sqrt(A/pi) = 3.09 nm: R = 1.62 GOhm,
    I = 6.2 nA at -10 V: of the order of nA, 3e5 times the paper's 2e-2 pA."""
    est = ionic.ionic_estimates()
    i = abs(est["ionic_current_spreading_a"])
    assert 1e-9 <= i <= 1e-8
    assert abs(i / 6.18e-9 - 1) < 0.01
    assert "half-space" in est["assumptions"]["spreading"]


# -- Figs. 2d-e and 3c: trigger bias vs place -------------------------------------------
def test_trigger_bias_on_gb_and_in_grains():
    """[lu_yang] Fig. 2d: -0.12 V on a GB; Fig. 2e: interior triggers < -9 V and rarely
    within -10 V; abstract: "hundredfold" difference."""
    m = default_trigger_model()
    gi = m.sample_v(np.full(20000, 10e-6), 0)
    triggered = gi[gi >= -10.0]
    assert 0.02 < len(triggered) / len(gi) < 0.25                   # "rarely"
    assert abs(triggered.mean() + 9.5) < 0.3                        # observed ~-9.5 V
    assert 80 <= float(m.median_v(10e-6) / m.median_v(0.0)) <= 120  # "hundredfold"


def test_trigger_rises_abruptly_at_100_nm():
    """[lu_yang] Fig. 3c: abrupt rise at ~100 nm; beyond it hardly any trigger within -10 V."""
    m = default_trigger_model()
    d = np.linspace(0, 300e-9, 3001)
    rise = float(np.interp(1.0, -m.median_v(d), d))
    assert abs(rise - 100e-9) < 10e-9
    assert float(m.p_trigger_within(200e-9, -10.0)) < 0.15


# -- Fig. 3d: electrode size ---------------------------------------------------------------
def test_trigger_scatter_settles_at_the_grain_size():
    """[lu_yang] Fig. 3d: bias and scatter fall with WE size and settle at >= ~10 um,
    when a WE almost surely covers a GB."""
    poly = make_polycrystal(10e-6, n_grains=300, seed=0)
    m = default_trigger_model()
    st = {k: summarize(drops_stats(poly, m, a, n=6000, rng=1)) for k, a in ELECTRODES.items()}
    assert st["square_10um"]["p_cover"] > 0.99
    assert st["tip"]["p_cover"] < 0.01
    assert st["square_10um"]["std_v"] * 5 <= st["tip"]["std_v"]
    assert st["full_face"]["std_v"] < 1e-3
    assert abs(st["full_face"]["mean_v"] - st["pad_200um"]["mean_v"]) < 1e-3
