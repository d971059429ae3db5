"""Properties of the crossbar solver on random arrays, wires and drives."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from memli.circuits.crossbar import Crossbar
from memli.circuits.network import Wires

res_ohm = st.one_of(st.just(0.0), st.floats(0.01, 100.0))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 90), m=st.integers(1, 90), seed=st.integers(0, 10 ** 6),
       r_wl=res_ohm, r_bl=res_ohm, r_s=res_ohm, r_t=res_ohm,
       float_frac=st.floats(0.0, 0.5))
def test_kcl_passivity_and_superposition(n, m, seed, r_wl, r_bl, r_s, r_t, float_frac):
    rng = np.random.default_rng(seed)
    g = 10 ** rng.uniform(-6, -3, (n, m))
    xb = Crossbar(conductance=g, wires=Wires(r_wl, r_bl, r_s, r_t))
    wf = rng.random(n) < float_frac
    wf[0] = False                      # at least one driven word line
    bf = rng.random(m) < float_frac
    bf[0] = False
    v1, v2 = rng.uniform(-0.2, 0.2, n), rng.uniform(-0.2, 0.2, n)
    r1 = xb.dc(v1, 0.0, wf, bf)
    r2 = xb.dc(v2, 0.0, wf, bf)
    r12 = xb.dc(v1 + v2, 0.0, wf, bf)
    scale = np.abs(g).max() * 0.4 * (n + m)
    # linear network: superposition holds to solver tolerance (1e-13 relative residual)
    np.testing.assert_allclose(r12.i_out_a, r1.i_out_a + r2.i_out_a, rtol=0,
                               atol=1e-9 * scale)
    # charge conservation: what the drivers deliver the sense terminals receive
    assert abs(r1.i_in_a.sum() - r1.i_out_a.sum()) <= 1e-9 * scale
    # no current on floating lines; KCL at every free node (when nodes are not merged)
    assert np.all(r1.i_out_a[bf] == 0) and np.all(r1.i_in_a[wf] == 0)
    if np.isfinite(r1.kcl_residual_a):
        assert r1.kcl_residual_a <= 1e-9 * scale
    # passivity: the array absorbs power (sum V_i I_i >= 0 with sense at 0 V)
    assert np.dot(v1, r1.i_in_a) >= -1e-12 * scale * 0.2
