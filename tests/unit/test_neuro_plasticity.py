"""Plasticity from the li_filament device: pulse trains and the STDP window."""
import numpy as np
import pytest

from memli.neuro.plasticity import potentiation_depression, stdp_window


@pytest.fixture(scope="module")
def tip_stdp():
    return stdp_window("llzo_tip")


def test_stdp_sign_flips_with_spike_order(tip_stdp):
    r = tip_stdp
    dg = r.dg_pairing
    causal, anti = dg[r.dt_s > 0], dg[r.dt_s < 0]
    # the closest pairs change G by >= 3 % (well above the 1e-5 simulator tolerance)
    assert causal[np.argmin(r.dt_s[r.dt_s > 0])] > 0.03     # post after pre: potentiation
    assert anti[np.argmax(r.dt_s[r.dt_s < 0])] < -0.03      # post before pre: depression


def test_stdp_magnitude_decays_with_dt(tip_stdp):
    r = tip_stdp
    for side in (r.dt_s > 0, r.dt_s < 0):
        dt = np.abs(r.dt_s[side])
        mag = np.abs(r.dg_pairing[side])[np.argsort(dt)]
        # the causal branch saturates (x reaches 1) for the closest pairs: compare from
        # the peak on; non-increasing within 0.01 of G0, the size of the residual left by
        # subtracting the unpaired baseline once the spikes no longer overlap (|dt| > 2 ms)
        k = int(np.argmax(mag))
        assert np.all(np.diff(mag[k:]) <= 0.01)
        assert mag[-1] < 0.2 * mag[k]                         # decays to < 20 % of its peak


def test_pad_loses_plasticity():
    tip = potentiation_depression("llzo_tip", n_dep=10, n_pot=10)
    pad = potentiation_depression("llzo_pad_500um", n_dep=10, n_pot=10)
    gt, gp = tip.g_siemens, pad.g_siemens
    assert np.all(np.diff(gt[:11]) < 0) and np.all(np.diff(gt[10:]) > 0)
    assert gt[0] / gt[10] > 3                 # tip: ten RESET pulses cut G by > 3x
    # pad: dead lithium (d ~ 1) after conditioning keeps G within 5 % whatever the pulses
    assert np.ptp(gp) / gp.max() < 0.05
    assert pad.x[pad.state_names.index("d"), -1] > 0.9
