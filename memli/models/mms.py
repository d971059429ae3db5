"""Generalized metastable switch (MSS) memristor [molter2016].

The device is a large collection of metastable switches, each either OFF
(conductance 1/r_off) or ON (1/r_on).  The state ``x`` in [0, 1] is the fraction of
switches in the ON state.  A switch crosses its barrier with a thermally activated
probability, so the mean-field state obeys [molter2016]::

    dx/dt = (P_on(V) (1 - x) - P_off(V) x) / tau
    P_on(V)  = logistic(beta (V - v_on))        (OFF -> ON)
    P_off(V) = logistic(-beta (V + v_off))      (ON -> OFF)
    beta     = q / (k_B T)

so both probabilities stay in [0, 1] and x stays in [0, 1].

Current: the memristive conductance G(x) = x / r_on + (1 - x) / r_off in parallel
with a Schottky-barrier diode, weighted by ``phi`` in [0, 1] [molter2016]::

    I = phi G(x) V + (1 - phi) (alpha_f (e^(beta_f V) - 1) - alpha_r (e^(-beta_r V) - 1))

The diode is written with the "- 1" terms (and limited exponentials), so that
I(0, x) = 0 and I V >= 0; the paper's alpha_f e^(beta_f V) - alpha_r e^(-beta_r V)
differs from it by the constant alpha_f - alpha_r, a zero-bias current that a
passive device does not carry.  ``phi = 1`` (the default) is the plain MSS model.

Volatile by design: at V = 0 both switching probabilities are nonzero
(``logistic(-beta v_on)`` and ``logistic(-beta v_off)``), so the state relaxes with time
constant ``tau_s`` towards ``P_on / (P_on + P_off)`` (0.5 for symmetric barriers).  That
is the thermally activated retention loss the metastable-switch picture describes; the
model is built with ``volatile=True`` and is the one model exempt from the zero-bias
retention property (docs/models.md).
"""
from ..models.base import ModelBuilder, V
from .smooth import limexp, logistic

b = ModelBuilder("mms", doc=__doc__.splitlines()[0], citations=("molter2016",))

#: elementary charge over Boltzmann constant, K/V (CODATA 2018, exact)
_Q_OVER_K = 1.602176634e-19 / 1.380649e-23

r_on_ohm = b.param("r_on_ohm", 500.0, (10.0, 1e6), "resistance with every switch ON")
r_off_ohm = b.param("r_off_ohm", 1500.0, (10.0, 1e8), "resistance with every switch OFF")
v_on_v = b.param("v_on_v", 0.27, (0.01, 2.0), "OFF -> ON barrier voltage (positive)")
v_off_v = b.param("v_off_v", 0.27, (0.01, 2.0),
                  "ON -> OFF barrier voltage (magnitude; acts at V = -v_off_v)")
tau_s = b.param("tau_s", 1e-2, (1e-7, 1.0), "switching time constant of one switch")
temperature_k = b.param("temperature_k", 298.5, (200.0, 450.0), "device temperature")
phi = b.param("phi", 1.0, (0.0, 1.0), "weight of the memristive path against the diode")
alpha_f_a = b.param("alpha_f_a", 1e-7, (1e-15, 1e-3), "diode forward saturation current")
beta_f_per_v = b.param("beta_f_per_v", 8.0, (0.0, 20.0), "diode forward exponent")
alpha_r_a = b.param("alpha_r_a", 1e-7, (1e-15, 1e-3), "diode reverse saturation current")
beta_r_per_v = b.param("beta_r_per_v", 8.0, (0.0, 20.0), "diode reverse exponent")

x = b.state("x", 0.0, (0.0, 1.0), "fraction of switches in the ON state")

beta = _Q_OVER_K / temperature_k                 # 1/V
p_on = logistic(beta * (V - v_on_v))
p_off = logistic(-beta * (V + v_off_v))
g = x / r_on_ohm + (1 - x) / r_off_ohm
i_diode = (alpha_f_a * (limexp(beta_f_per_v * V) - 1)
           - alpha_r_a * (limexp(-beta_r_per_v * V) - 1))

MODEL = b.build(
    current=phi * g * V + (1 - phi) * i_diode,
    rates={x: (p_on * (1 - x) - p_off * x) / tau_s},
    passive=True,
    default_card="mms_default",
    volatile=True,
    roles={"v_set": "v_on_v", "v_reset": "v_off_v", "r_lrs": "r_on_ohm",
           "r_hrs": "r_off_ohm"},
    set_polarity="positive_set",
    # the state the device was left in before a record starts is fitted (memli.fit)
    initial_states=("x",),
    variant=('Molter & Nugent 2016 generalized metastable switch: mean-field state, logistic '
             'switching probabilities, optional Schottky diode written with the -1 terms (zero '
             'current at 0 V); volatile by design (the state relaxes at 0 V).'),
    stimulus=("sine", (0.5, 10.0, 3)),
    switching="smooth",
)
