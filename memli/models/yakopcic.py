"""Yakopcic generalized memristive device model [yakopcic2011, yakopcic2013].

I-V [yakopcic2011, yakopcic2013]: a tunnelling-like sinh conduction scaled by the state::

    I = a1 x sinh(b V)   (V >= 0),      I = a2 x sinh(b V)   (V < 0)

made smooth by blending a1 and a2 with logistic(V / v_eps); sinh is written with
limited exponentials, so I(0, x) = 0 and I V >= 0.

Threshold function g(V) [yakopcic2011]::

    g = Ap (e^V - e^Vp)      V > Vp
      = -An (e^-V - e^Vn)    V < -Vn
      = 0                    otherwise

Each branch is written e^Vp (e^(u+) - 1) with u+ = v_eps softplus((V - Vp) / v_eps), the
smooth positive part of V - Vp; it is never negative and exponentially small below
the threshold.  (V in the exponent is read in volts, as in the paper.)

State motion f(x) [yakopcic2013]: with s+ the smooth positive part of
x - xp (width ``x_eps``), ``f_p = exp(-alphap s+) (1 - s+ / (1 - xp))``, which equals the
paper's e^(-alphap (x - xp)) wp(x, xp) for x >= xp and 1 below; likewise f_n mirrors
it around x = 1 - xn.  f_p closes at x = 1 and f_n at x = 0 (slightly negative there,
i.e. pointing inwards), so x stays in [0, 1].

dx/dt = eta g(V) f(x) [yakopcic2011], where f is f_p when eta V > 0 and f_n
otherwise.  ``eta`` in [-1, 1] (the paper uses +-1) is written as the weights
(1 + eta)/2 and (1 - eta)/2 of the two direction conventions.
"""
from ..models.base import ModelBuilder, V
from .smooth import limexp, logistic, softplus

b = ModelBuilder("yakopcic", doc=__doc__.splitlines()[0],
                 citations=("yakopcic2011", "yakopcic2013"))

a1_a = b.param("a1_a", 0.17, (1e-8, 10.0), "I-V scale for V >= 0", citation="yakopcic2011")
a2_a = b.param("a2_a", 0.17, (1e-8, 10.0), "I-V scale for V < 0", citation="yakopcic2011")
b_per_v = b.param("b_per_v", 0.05, (1e-3, 10.0), "curvature of the sinh I-V",
                  citation="yakopcic2011")
vp_v = b.param("vp_v", 0.16, (0.0, 3.0), "positive switching threshold",
               citation="yakopcic2011")
vn_v = b.param("vn_v", 0.15, (0.0, 3.0), "magnitude of the negative switching threshold",
               citation="yakopcic2011")
ap_per_s = b.param("ap_per_s", 4000.0, (1.0, 1e5), "state motion magnitude above Vp",
                   citation="yakopcic2011")
an_per_s = b.param("an_per_s", 4000.0, (1.0, 1e5), "state motion magnitude below -Vn",
                   citation="yakopcic2011")
xp = b.param("xp", 0.3, (0.0, 0.95), "state beyond which positive motion decays",
             citation="yakopcic2011")
xn = b.param("xn", 0.5, (0.0, 0.95), "1 - state below which negative motion decays",
             citation="yakopcic2011")
alphap = b.param("alphap", 1.0, (0.0, 20.0), "decay rate of positive motion",
                 citation="yakopcic2011")
alphan = b.param("alphan", 5.0, (0.0, 20.0), "decay rate of negative motion",
                 citation="yakopcic2011")
eta = b.param("eta", 1.0, (-1.0, 1.0), "direction of state motion relative to the voltage",
              citation="yakopcic2011")
v_eps_v = b.param("v_eps_v", 2e-3, (1e-4, 2e-2),
                  "width of the smoothed thresholds and of the a1/a2 blend")
x_eps = b.param("x_eps", 1e-3, (1e-4, 2e-2), "width of the smoothed window corners")

x = b.state("x", 0.11, (0.0, 1.0), "state variable (conducting fraction)")


def _sinh(z):
    return (limexp(z) - limexp(-z)) / 2


def _pos(z, w):
    return w * softplus(z / w)


a = a2_a + (a1_a - a2_a) * logistic(V / v_eps_v)
current = a * x * _sinh(b_per_v * V)

# the smooth positive part leaves a tail below threshold; ``block`` (0 at V = 0 to
# second order, ~1 beyond a few v_eps) removes it at zero bias, so the state holds
block = V ** 2 / (V ** 2 + v_eps_v ** 2)
g_p = ap_per_s * limexp(vp_v) * (limexp(_pos(V - vp_v, v_eps_v)) - 1) * block
g_n = an_per_s * limexp(vn_v) * (limexp(_pos(-V - vn_v, v_eps_v)) - 1) * block

# 1 - s/(1 - xp) rewritten with softplus(z) - z = softplus(-z), so that the window is
# exactly <= 0 at its closing bound despite round-off
s_p = _pos(x - xp, x_eps)
s_n = _pos(1 - xn - x, x_eps)
f_p = limexp(-alphap * s_p) * ((1 - x) - x_eps * softplus((xp - x) / x_eps)) / (1 - xp)
f_n = limexp(-alphan * s_n) * (x - x_eps * softplus((x + xn - 1) / x_eps)) / (1 - xn)

up = (1 + eta) / 2
down = (1 - eta) / 2

MODEL = b.build(
    current=current,
    rates={x: up * (g_p * f_p - g_n * f_n) + down * (g_n * f_p - g_p * f_n)},
    passive=True,
    default_card="yakopcic_default",
    # a1/a2 scale the current (conductance-like): the fitter calibrates them on the LRS
    roles={"v_set": "vp_v", "v_reset": "vn_v", "r_lrs": ("a1_a", "a2_a")},
    set_polarity="positive_set",
    # the state the device was left in before a record starts is fitted (memli.fit)
    initial_states=("x",),
    variant=('Yakopcic et al. 2011/2013 with thresholds, the a1/a2 blend and the window '
             'corners smoothed (softplus/logistic over v_eps_v = 2 mV and x_eps); near the '
             'thresholds currents move by 0.6-1 % against the published piecewise equations; '
             'sinh written with limited exponentials.'),
    stimulus=("sine", (1.0, 100.0, 3)),
)
