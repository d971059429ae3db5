"""Smooth building blocks for model equations.

Model files use only these helpers and ordinary sympy arithmetic (``exp``, ``log``,
``sqrt``, powers) so that every backend sees an expression that is continuous with a
continuous first derivative: Newton iterations in a circuit simulator need that.
``Piecewise``, ``sign``, ``Abs``, ``Max`` and ``Min`` are rejected by
:func:`memli.models.base.check_smooth`.

Three primitives are sympy functions with their own derivative; each backend prints
them (``memli.codegen``):

``softplus(z)``   = log(1 + exp(z)), evaluated without overflow.
``logistic(z)``   = 1 / (1 + exp(-z)), derivative logistic(z) (1 - logistic(z)).
``limexp(z)``     = exp(z) for z <= LIMEXP_Z, continued linearly (value and slope
                    continuous) above, so that rates cannot overflow (McAndrew et al.,
                    JEDS 2015, on limited exponentials).

Everything else here is a composition of those and is printed through them.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

#: limexp is exp(z) up to this argument and linear beyond it
LIMEXP_Z = 40.0
_E_LIM = math.exp(LIMEXP_Z)


class logistic(sp.Function):
    """Logistic sigmoid 1/(1+exp(-z)), a smooth step from 0 to 1."""

    nargs = 1

    def fdiff(self, argindex=1):
        # s (1 - s) written so that it does not round to 0 once s rounds to 1
        return logistic(self.args[0]) * logistic(-self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_real


class softplus(sp.Function):
    """log(1 + exp(z)): a smooth max(z, 0)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return logistic(self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_real


class limexp_slope(sp.Function):
    """Derivative of :class:`limexp`: exp(min(z, LIMEXP_Z))."""

    nargs = 1

    def fdiff(self, argindex=1):
        # second derivative; exact below the limit, which is where models operate
        return limexp_slope(self.args[0])


class limexp(sp.Function):
    """Limited exponential: exp(z) below LIMEXP_Z, linear continuation above."""

    nargs = 1

    def fdiff(self, argindex=1):
        return limexp_slope(self.args[0])

    def _eval_is_real(self):
        return self.args[0].is_real


PRIMITIVES = (logistic, softplus, limexp, limexp_slope)


# ---------------------------------------------------------------- compositions
def smooth_step(z, width=1):
    """0 for z << -width, 1 for z >> width (logistic of z/width)."""
    return logistic(z / width)


def smooth_pos(z, width):
    """Smooth max(z, 0) with transition width ``width`` (same unit as z)."""
    return width * softplus(z / width)


def smooth_max(a, b, width):
    """Smooth max(a, b)."""
    return b + smooth_pos(a - b, width)


def smooth_min(a, b, width):
    """Smooth min(a, b)."""
    return a - smooth_pos(a - b, width)


def smooth_abs(z, eps):
    """sqrt(z^2 + eps^2): |z| without a kink at 0."""
    return sp.sqrt(z * z + eps * eps)


def smooth_clip(z, lo, hi, width):
    """Clip z to [lo, hi] with rounded corners of size ``width``."""
    return smooth_min(smooth_max(z, lo, width), hi, width)


from scipy.special import expit as _expit  # noqa: E402

# ---------------------------------------------------------------- numpy versions
def np_logistic(z):
    # scipy's expit: 1 / (1 + exp(-z)) without overflow, full relative precision in both
    # tails (within 2 ulp of exp(min(z,0)) / (1 + exp(-|z|))), one ufunc pass
    return _expit(np.asarray(z, dtype=float))


def np_softplus(z):
    return np.logaddexp(0.0, z)


def np_limexp(z):
    z = np.asarray(z, dtype=float)
    zc = np.minimum(z, LIMEXP_Z)
    return np.exp(zc) * (1.0 + np.maximum(z - LIMEXP_Z, 0.0))


def np_limexp_slope(z):
    return np.exp(np.minimum(z, LIMEXP_Z))


NUMPY_IMPL = {
    "logistic": np_logistic,
    "softplus": np_softplus,
    "limexp": np_limexp,
    "limexp_slope": np_limexp_slope,
}

#: C implementations (static inline functions), used by memli.codegen.c_
C_IMPL = f"""
static inline double m_logistic(double z) {{
    if (z >= 0) {{ double e = exp(-z); return 1.0 / (1.0 + e); }}
    double e = exp(z); return e / (1.0 + e);
}}
static inline double m_softplus(double z) {{
    return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z));
}}
static inline double m_limexp(double z) {{
    return z <= {LIMEXP_Z!r} ? exp(z) : {_E_LIM!r} * (1.0 + z - {LIMEXP_Z!r});
}}
static inline double m_limexp_slope(double z) {{
    return z <= {LIMEXP_Z!r} ? exp(z) : {_E_LIM!r};
}}
"""

#: plain-formula definitions (for printers of languages with user functions,
#: e.g. SPICE ``.func``): name -> (argument, body in exp/log/ternary)
FORMULAS = {
    "logistic": ("z", "1/(1+exp(-z))"),
    "softplus": ("z", "(z > 0 ? z + log(1+exp(-z)) : log(1+exp(z)))"),
    "limexp": ("z", f"(z <= {LIMEXP_Z!r} ? exp(z) : {_E_LIM!r}*(1+z-{LIMEXP_Z!r}))"),
}
