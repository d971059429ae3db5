"""Generated numpy evaluation equals sympy's own evaluation of the same expressions, for
every registered model, at random points within the parameter and state bounds."""
import numpy as np
import pytest
import sympy as sp

from memli.models import registry
from memli.models.smooth import LIMEXP_Z, limexp, limexp_slope, logistic, softplus


def _sympy_numeric(expr, subs):
    """Evaluate with mpmath through sympy (independent of the numpy printer)."""
    val = expr.xreplace(subs)
    val = val.replace(lambda e: isinstance(e, logistic), lambda e: 1 / (1 + sp.exp(-e.args[0])))
    val = val.replace(lambda e: isinstance(e, softplus), lambda e: sp.log(1 + sp.exp(e.args[0])))
    val = val.replace(lambda e: isinstance(e, limexp),
                      lambda e: sp.Piecewise((sp.exp(e.args[0]), e.args[0] <= LIMEXP_Z),
                                             (sp.exp(LIMEXP_Z) * (1 + e.args[0] - LIMEXP_Z),
                                              True)))
    val = val.replace(lambda e: isinstance(e, limexp_slope),
                      lambda e: sp.exp(sp.Min(e.args[0], LIMEXP_Z)))
    return float(val.evalf(30))


def _random_point(model, rng):
    p = {}
    for name, par in model.params.items():
        lo, hi = par.bounds
        p[name] = float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if par.log else \
            float(rng.uniform(lo, hi))
        p[name] = 0.5 * (p[name] + par.default)     # stay in a physically sensible region
    x = [float(rng.uniform(*s.bounds)) for s in model.states]
    return p, x


@pytest.mark.parametrize("name", sorted(registry()))
def test_numpy_equals_sympy(name):
    model = registry()[name]
    rng = np.random.default_rng(1)
    for _ in range(5):
        p, x = _random_point(model, rng)
        v = float(rng.uniform(-1.0, 1.0))
        subs = {model.v: v, **{s.symbol: xv for s, xv in zip(model.states, x)},
                **{model.params[k].symbol: val for k, val in p.items()}}
        ev = model.numeric.evaluate(v, np.array(x), p)
        # rtol 1e-9: double precision through CSE-reordered arithmetic vs 30-digit mpmath
        assert ev.i == pytest.approx(_sympy_numeric(model.current, subs), rel=1e-9, abs=1e-30)
        for k, f in enumerate(model.rates):
            assert ev.f[k] == pytest.approx(_sympy_numeric(f, subs), rel=1e-9, abs=1e-30)
        assert ev.di_dv == pytest.approx(
            _sympy_numeric(model.jacobian_exprs["di_dv"], subs), rel=1e-9, abs=1e-30)


@pytest.mark.parametrize("name", sorted(registry()))
def test_numpy_broadcasts_over_devices(name):
    model = registry()[name]
    n = 7
    p = np.repeat(model.param_vector()[:, None], n, axis=1)
    x = np.repeat(model.initial_state()[:, None], n, axis=1)
    v = np.linspace(-0.5, 0.5, n)
    ev = model.numeric.evaluate(v, x, p)
    assert ev.i.shape == (n,) and ev.df_dx.shape == (model.n_states, model.n_states, n)
    for k in range(n):
        one = model.numeric.evaluate(v[k], x[:, k], p[:, k])
        assert ev.i[k] == pytest.approx(float(one.i), rel=1e-12, abs=1e-300)
