"""VTEAM: voltage threshold adaptive memristor [kvatinsky2015].

The state moves only when the voltage exceeds one of two thresholds,
``v_off_v > 0`` (towards OFF) and ``v_on_v < 0`` (towards ON) [kvatinsky2015]::

    dw/dt = k_off (v / v_off - 1)^alpha_off f_off(w)    for v > v_off
          = 0                                            for v_on < v < v_off
          = k_on  (v / v_on - 1)^alpha_on  f_on(w)      for v < v_on

Here the state is normalised, ``x = (w - w_on) / (w_off - w_on)`` in [0, 1]
(0: ON, 1: OFF), the rates ``k_off_per_s`` and ``k_on_per_s`` are magnitudes in
1/s (the paper's k_on is negative), and the thresholds are smooth: the positive
part (v / v_off - 1)_+ is written ``(v_smooth / v_off) softplus((v - v_off) /
v_smooth)``, which is exponentially small (~exp(-(v_off - v) / v_smooth)) below the
threshold and equal to the paper's drive a few ``v_smooth_v`` above it.  The
windows close exactly at the bound they drive towards,
f_off(x) = 1 - x^(2p) and f_on(x) = 1 - (1 - x)^(2p) (Biolek-type [biolek2009];
the paper's own windows only approach zero), so x stays in [0, 1].

I-V [kvatinsky2015]: a mix (weight ``w_exp_iv``) of the linear
R = r_on + (r_off - r_on) x and the exponential R = r_on exp(lambda x), with
lambda = ln(r_off / r_on) so that both reach r_off at x = 1; I = V / R.
"""
from ..models.base import ModelBuilder, V
from .smooth import softplus

b = ModelBuilder("vteam", doc=__doc__.splitlines()[0], citations=("kvatinsky2015",))

#: keep (z^2 + e)^p and (drive + floor)^alpha differentiable where z or drive is 0;
#: 1e-300 vanishes against 1.0, so the windows are exactly 0 at their bounds
_EVEN_EPS = 1e-300
_DRIVE_FLOOR = 1e-30

r_on_ohm = b.param("r_on_ohm", 1e3, (1.0, 1e6), "resistance in the ON state (x = 0)")
r_off_ohm = b.param("r_off_ohm", 1e5, (10.0, 1e8), "resistance in the OFF state (x = 1)")
w_exp_iv = b.param("w_exp_iv", 0.0, (0.0, 1.0),
                   "weight of the exponential I-V (0: linear, 1: exponential)")
v_off_v = b.param("v_off_v", 0.5, (0.1, 3.0), "OFF threshold (positive)")
v_on_v = b.param("v_on_v", -0.5, (-3.0, -0.1), "ON threshold (negative)")
k_off_per_s = b.param("k_off_per_s", 300.0, (1e-2, 1e4),
                      "OFF rate of the normalised state at one threshold-unit of drive")
k_on_per_s = b.param("k_on_per_s", 300.0, (1e-2, 1e4),
                     "ON rate magnitude of the normalised state at one threshold-unit of "
                     "drive")
alpha_off = b.param("alpha_off", 3.0, (1.0, 4.0), "OFF drive exponent")
alpha_on = b.param("alpha_on", 3.0, (1.0, 4.0), "ON drive exponent")
v_smooth_v = b.param("v_smooth_v", 5e-3, (1e-3, 2e-2),
                     "width of the smoothed threshold corner")
p_window = b.param("p_window", 2.0, (1.0, 20.0), "window exponent p", log=False)

x = b.state("x", 1.0, (0.0, 1.0), "normalised state (0: ON, r_on; 1: OFF, r_off)")

r_lin = r_on_ohm + (r_off_ohm - r_on_ohm) * x
r_exp = r_on_ohm * (r_off_ohm / r_on_ohm) ** x
r = (1 - w_exp_iv) * r_lin + w_exp_iv * r_exp

# the softplus corners leave a tail below threshold; ``block`` (0 at V = 0 to second
# order, 1 - (v_smooth/V)^2 beyond threshold) removes it at zero bias, so the state holds
block = V ** 2 / (V ** 2 + v_smooth_v ** 2)
drive_off = (v_smooth_v / v_off_v) * softplus((V - v_off_v) / v_smooth_v)
drive_on = (v_smooth_v / -v_on_v) * softplus((v_on_v - V) / v_smooth_v)
f_off = 1 - (x * x + _EVEN_EPS) ** p_window
f_on = 1 - ((1 - x) * (1 - x) + _EVEN_EPS) ** p_window

MODEL = b.build(
    current=V / r,
    rates={x: block * (k_off_per_s * (drive_off + _DRIVE_FLOOR) ** alpha_off * f_off
                       - k_on_per_s * (drive_on + _DRIVE_FLOOR) ** alpha_on * f_on)},
    passive=True,
    default_card="vteam_default",
    roles={"v_set": "v_on_v", "v_reset": "v_off_v", "r_lrs": "r_on_ohm",
           "r_hrs": "r_off_ohm"},
    set_polarity="negative_set",
    # the state the device was left in before a record starts is fitted (memli.fit)
    initial_states=("x",),
    variant=('Kvatinsky et al. 2015 VTEAM with the state normalised to [0, 1]; thresholds '
             'smoothed by softplus over v_smooth_v; Biolek-type windows 1 - x^(2p) and 1 - '
             "(1-x)^(2p) (closing exactly at the bounds) instead of the paper's; a V^2/(V^2 + "
             'v_smooth^2) factor stops the sub-threshold tail at 0 V.'),
    stimulus=("sine", (1.0, 10.0, 3)),
)
