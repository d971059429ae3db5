"""Linear ion drift memristor with Joglekar, Biolek or Prodromakis windows [strukov2008].

A film of thickness ``d_m`` holds a doped (low-resistance) layer of width w; the
normalised state ``x = w / D`` in [0, 1] sets the memristance as two resistors in
series [strukov2008, eq. 1]::

    R(x) = r_on_ohm * x + r_off_ohm * (1 - x),        I = V / R(x)

and the dopants drift with the current [strukov2008, eq. 2], shaped by a window
function F(x, i)::

    dx/dt = mu_v_m2_per_v_s * r_on_ohm / d_m**2 * i * F(x, i)

``F`` mixes three classic windows linearly with non-negative weights (a card sets
one weight to 1 and the others to 0 to select a window):

* Joglekar [joglekar2009]:  F_J = 1 - (2x - 1)^(2p)
* Biolek [biolek2009]:      F_B = 1 - (x - stp(-i))^(2p), stp the unit step.  The
  step only chooses which bound the window closes at (x = 1 while the current
  raises x, x = 0 while it lowers x).  It is written here as a split of the current,
  i = i+ - i-, with i+ = i_eps softplus(i / i_eps) and i- = i_eps softplus(-i / i_eps):
  ``i F_B`` becomes ``i+ (1 - x^(2p)) - i- (1 - (1 - x)^(2p))``, identical to
  Biolek's window for |i| >> i_eps_a, smooth at i = 0; a factor i^2 / (i^2 + i_eps^2)
  removes the drift ln(2) k i_eps_a the split would leave at zero bias.
* Prodromakis [prodromakis2011]:  F_P = j (1 - ((x - 1/2)^2 + 3/4)^p)

Real powers of a base that may be negative or zero are written (z^2 + e)^p with
e = 1e-300, so that the power and its derivative stay finite at z = 0 (x = 1/2 for
Joglekar, x = 0 or 1 for Biolek); e is below the resolution of 1.0 in double
precision, so every window is exactly zero at the bound it closes and the
equations keep x in [0, 1] by themselves.

References: [strukov2008] eqs. 1-2; [joglekar2009]; [biolek2009]; [prodromakis2011].
"""
from ..models.base import ModelBuilder, V
from .smooth import softplus

b = ModelBuilder("linear_drift", doc=__doc__.splitlines()[0],
                 citations=("strukov2008", "joglekar2009", "biolek2009", "prodromakis2011"))

#: offset that keeps (z^2 + e)^p differentiable at z = 0 (see module docstring)
_EVEN_EPS = 1e-300


def _even_pow(z, p):
    """|z|^(2p) for real p >= 1, finite with a finite derivative at z = 0."""
    return (z * z + _EVEN_EPS) ** p


# -- resistance and drift ---------------------------------------------------------
r_on_ohm = b.param("r_on_ohm", 100.0, (1.0, 1e4),
                   "resistance of the fully doped film (x = 1)", citation="biolek2009")
r_off_ohm = b.param("r_off_ohm", 16e3, (1e4, 1e8),
                    "resistance of the undoped film (x = 0)", citation="biolek2009")
d_m = b.param("d_m", 10e-9, (5e-9, 1e-7), "film thickness D", citation="strukov2008")
mu_v_m2_per_v_s = b.param("mu_v_m2_per_v_s", 1e-14, (1e-16, 1e-13),
                          "dopant (oxygen-vacancy) mobility mu_v", citation="strukov2008")
# -- windows ----------------------------------------------------------------------
p_window = b.param("p_window", 2.0, (1.0, 20.0),
                   "window exponent p (Joglekar, Biolek and Prodromakis)", log=False)
j_prodromakis = b.param("j_prodromakis", 1.0, (0.1, 10.0),
                        "scale j of the Prodromakis window", log=False)
w_joglekar = b.param("w_joglekar", 1.0, (0.0, 1.0), "weight of the Joglekar window")
w_biolek = b.param("w_biolek", 0.0, (0.0, 1.0), "weight of the Biolek window")
w_prodromakis = b.param("w_prodromakis", 0.0, (0.0, 1.0), "weight of the Prodromakis window")
i_eps_a = b.param("i_eps_a", 1e-10, (1e-12, 1e-8),
                  "current scale of the smooth step in the Biolek window")

x = b.state("x", 0.1, (0.0, 1.0), "doped fraction of the film, w / D")

r = r_on_ohm * x + r_off_ohm * (1 - x)
i = V / r
k = mu_v_m2_per_v_s * r_on_ohm / d_m ** 2          # 1/(A s)

f_joglekar = 1 - _even_pow(2 * x - 1, p_window)
f_prodromakis = j_prodromakis * (1 - ((x - 0.5) ** 2 + 0.75) ** p_window)
i_plus = i_eps_a * softplus(i / i_eps_a)
i_minus = i_eps_a * softplus(-i / i_eps_a)
# i+ = i- = i_eps ln 2 at i = 0; the factor i^2 / (i^2 + i_eps^2) (1 for |i| >> i_eps)
# removes that zero-bias drift so the state holds at V = 0
biolek_drive = (i_plus * (1 - _even_pow(x, p_window))
                - i_minus * (1 - _even_pow(1 - x, p_window))) * i ** 2 / (i ** 2 + i_eps_a ** 2)

MODEL = b.build(
    current=i,
    rates={x: k * (i * (w_joglekar * f_joglekar + w_prodromakis * f_prodromakis)
                   + w_biolek * biolek_drive)},
    passive=True,
    default_card="linear_drift_joglekar",
    roles={"r_lrs": "r_on_ohm", "r_hrs": "r_off_ohm"},
    set_polarity="positive_set",
    # the state the device was left in before a record starts is fitted (memli.fit)
    initial_states=("x",),
    variant=('Strukov et al. 2008 linear ion drift; the Joglekar, Biolek and Prodromakis '
             "windows mixed by card weights; Biolek's current-direction step written as a "
             'softplus split of the current (smooth over i_eps_a) and powers as (z^2 + '
             '1e-300)^p.'),
    stimulus=("sine", (1.0, 1.0, 3)),
    switching="smooth",
)
