"""Li filament across an LLZO solid electrolyte under a working electrode [lu_yang].

The Li | LLZO | WE cell (WE: c-AFM tip, W probe, Au pad or full face; bias of the WE
vs Li/Li+) switches by growing a lithium filament through the electrolyte (SET, under
negative bias: Li plating) and stripping it back (RESET, positive bias).

States (all kept in [0, 1] by the equations themselves):

``x``  filament extent, normalised to the electrolyte thickness (0 none, 1 bridged).
``c``  conditioning: 0 for a pristine contact, tends to 1 as RESETs strip the
       filament back.  The first penetration nucleates on the fresh GB surface
       (trigger near -0.12 V, Fig. 2d of [lu_yang]); later SETs re-grow a stripped
       channel whose threshold settles (Fig. 4e) at ``v_set_cycled_v``.
``d``  degradation: normalised extent of lithium that RESET fails to strip (a
       "dead" parallel filament).  It accumulates in proportion to the lithium plated
       and to the WE area, so large electrodes lose their on/off quickly.

Current: an ionic path (1-D column sigma A / L, the HRS of a pristine cell) in parallel
with an electronic path through the filament, whose conductance rises as a logistic of
the extent (a tunnelling/percolation gap that closes as the filament bridges) and
equals exactly 1/r_on_ohm when x = 1 (116 ohm in [lu_yang]).

SET rate: plating kinetics, exponential in the overpotential beyond the threshold
(Butler-Volmer-like, cathodic branch only) [lu_yang, bard_faulkner].  The threshold
of a fresh contact rises from the GB value to the grain-interior value as the
distance of the WE from the nearest GB exceeds ~100 nm (Fig. 3c).
RESET rate: stripping is Faradaic, so it is proportional to the electronic current
the filament still carries (its normalised conductance) times a softplus drive
above the RESET threshold; it slows exponentially as the gap opens, which sets the
HRS (a partly stripped filament, not the pristine cell; see REFERENCE notes).
"""
from ..models.base import ModelBuilder, V
from ..physics import constants as K
from sympy import log

from .smooth import limexp, logistic, softplus

b = ModelBuilder("li_filament", doc=__doc__.splitlines()[0], citations=("lu_yang",))

# -- electronic and ionic conduction ---------------------------------------------
r_on_ohm = b.param("r_on_ohm", K.R_LRS_OHM, (1.0, 1e6),
                   "resistance of the bridged filament (x = 1), ohmic back-scan",
                   citation="lu_yang")
l_m = b.param("l_m", K.PELLET_THICKNESS_M, (1e-7, 1e-2), "electrolyte (pellet) thickness",
              citation="lu_yang")
sigma_ion_siemens_per_m = b.param("sigma_ion_siemens_per_m", K.SIGMA_ION_LLZO_SIEMENS_PER_M, (1e-8, 10.0),
                                  "ionic conductivity of LLZO (5e-4 S/cm)",
                                  citation="lu_yang")
gap_decay = b.param("gap_decay", 40.0, (5.0, 200.0),
                    "e-folds of filament conductance per unit of normalised extent "
                    "below x_bridge (gap conduction)")
x_bridge = b.param("x_bridge", 0.85, (0.3, 0.99),
                   "extent at which the filament conductance is half of its bridged value")
# -- SET (plating) ------------------------------------------------------------------
v_set_gb_v = b.param("v_set_gb_v", K.V_SET_GB_V, (-2.0, -0.01),
                     "SET threshold of a fresh contact on a grain boundary (cards: the "
                     "weakest-flaw Monte Carlo mean at the electrode's area)",
                     citation="lu_yang")
v_set_gi_v = b.param("v_set_gi_v", -12.1, (-30.0, -0.5),
                     "SET threshold of a fresh contact in a grain interior (tip: Monte Carlo "
                     "mean -12.1 V; the paper: below -9 V, rarely within -10 V)",
                     citation="lu_yang")
gb_range_m = b.param("gb_range_m", K.GB_RISE_DISTANCE_M, (1e-9, 1e-4),
                     "WE-to-GB distance at which the threshold rises abruptly",
                     citation="lu_yang")
gb_width_m = b.param("gb_width_m", 8e-9, (1e-10, 1e-5),
                     "width of that rise (logistic scale of the trigger model's GB zone)")
v_set_cycled_v = b.param("v_set_cycled_v", -0.20, (-5.0, -0.01),
                         "SET threshold once the contact is conditioned by cycling (assumed: "
                         "the paper's ~-0.25 V, capped by its -0.2 V sweep limit)")
v0_set_v = b.param("v0_set_v", 5e-3, (1e-4, 0.5),
                   "voltage scale of the plating rate (exponential slope)")
k_set_per_s = b.param("k_set_per_s", 600.0, (1e-6, 1e12),
                      "filament growth rate at the threshold")
# -- RESET (stripping) --------------------------------------------------------------
v_reset_v = b.param("v_reset_v", 0.1, (1e-3, 5.0), "stripping threshold")
v0_reset_v = b.param("v0_reset_v", 0.02, (1e-4, 1.0),
                     "voltage scale of the stripping drive (softplus width)")
k_reset_per_s = b.param("k_reset_per_s", 60.0, (1e-6, 1e12),
                        "stripping rate per unit drive at full filament conductance")
v_eq_v = b.param("v_eq_v", round(K.THERMAL_VOLTAGE_298K_V, 4), (1e-3, 0.2),
                 "width of the zero-bias blocking of both Faradaic drives: at the Li/Li+ "
                 "equilibrium (V = 0) plating and stripping stop (kT/e at 298 K)")
# -- history ------------------------------------------------------------------------
cond_gain = b.param("cond_gain", 1.5, (0.0, 100.0),
                    "conditioning per unit of normalised extent stripped")
k_deg_per_m2 = b.param("k_deg_per_m2", 1e7, (0.0, 1e14),
                       "unstripped-lithium fraction per unit extent plated, per m^2 of WE")
# -- instance -----------------------------------------------------------------------
area_m2 = b.instance("area_m2", K.TIP_AREA_M2, (1e-20, 1e-2),
                     "working-electrode contact area (tip: ~30 nm^2)", citation="lu_yang")
gb_distance_m = b.instance("gb_distance_m", 0.0, (0.0, 1e-2),
                           "distance from the WE to the nearest grain boundary "
                           "(0: the WE covers a GB)")

x = b.state("x", 0.0, (0.0, 1.0), "filament extent, fraction of the electrolyte thickness")
c = b.state("c", 0.0, (0.0, 1.0), "conditioning of the contact by SET cycles")
d = b.state("d", 0.0, (0.0, 1.0), "extent of unstripped (dead) lithium")


def _open(z):
    """Normalised electronic conductance of a filament of extent z (1 at z = 1)."""
    return logistic(gap_decay * (z - x_bridge))


s_bridged = b.named("s_bridged", _open(1))
a_x, a_d = b.named("a_x", _open(x)), b.named("a_d", _open(d))
g_elec = b.named("g_elec", (a_x + a_d - a_x * a_d) / (s_bridged * r_on_ohm))  # 1-(1-a_x)(1-a_d)
g_ion = b.named("g_ion", sigma_ion_siemens_per_m * area_m2 / l_m)

# fresh threshold: geometric interpolation between the GB and grain-interior values across
# the GB zone, the compact form of memli.physics.trigger (flaw size log-interpolated, so
# the Griffith threshold ~ c^-1/2 is geometric in the zone indicator)
s_gb = b.named("s_gb", logistic((gb_range_m - gb_distance_m) / gb_width_m))
v_fresh = b.named("v_fresh", v_set_gi_v * limexp(s_gb * log(v_set_gb_v / v_set_gi_v)))
v_th = b.named("v_th", v_fresh + c * (v_set_cycled_v - v_fresh))
# Faradaic drives vanish at the Li/Li+ equilibrium (V = 0): ``block`` is 0 there (to
# second order) and ~1 beyond a few v_eq; stripping also needs an anodic (V > 0) bias
block = b.named("block", V ** 2 / (V ** 2 + v_eq_v ** 2))
anodic = b.named("anodic", logistic(V / v_eq_v))
plating = b.named("plating", limexp((v_th - V) / v0_set_v))
drive = b.named("drive", softplus((V - v_reset_v) / v0_reset_v))
grow = b.named("grow", k_set_per_s * plating * block * (1 - x))
strip = b.named("strip", k_reset_per_s * drive * block * anodic * (a_x / s_bridged) * x)

MODEL = b.build(
    current=(g_ion + g_elec) * V,
    rates={
        x: grow - strip,
        c: cond_gain * strip * (1 - c),
        d: k_deg_per_m2 * area_m2 * grow * (1 - d),
    },
    passive=True,
    default_card="llzo_tip",
    # what the fitter starts from the data (memli.fit): switching voltages and LRS
    roles={"v_set": ("v_set_cycled_v", "v_set_gb_v"), "v_reset": "v_reset_v",
           "r_lrs": "r_on_ohm"},
    set_polarity="negative_set",
    # read on the plating side, 150 mV above the cycled SET threshold and far from the
    # stripping threshold (docs/li_filament.md, "Retention and read disturb")
    read_voltage_v=-0.05,
    # both switchings of the bundled tip cards: SET near -0.12 V, RESET near +0.1 V
    variant=("memli's own compact model of the Li | LLZO | tip filament device of [lu_yang] "
             '(that paper publishes no compact model): ionic column in parallel with a '
             'filament whose conductance is a logistic of its extent; plating (SET) and '
             'stripping (RESET) rates with limited exponentials and softplus drives; '
             'conditioning and degradation states.'),
    stimulus=("triangle", (-0.25, 0.25, 3, 1.0, 2e-3)),
    # partial RESET steps (depression) and SET steps (potentiation) of the tip cards
    # (chosen here: RESET is gradual, SET partial within a few mV of its threshold)
    pulses={"set_v": -0.185, "reset_v": 0.2, "width_s": 1e-4},
)
