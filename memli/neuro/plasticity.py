"""Synaptic plasticity from the device equations: pulse trains and STDP windows.

Two protocols, applied to any card through the device simulator
(:func:`memli.sim.simulate`):

* identical pulses (:func:`pulse_train`, :func:`potentiation_depression`):
  conductance read after every pulse; for li_filament negative pulses (SET,
  plating) potentiate, positive pulses (RESET, stripping) depress;
* spike pairs (:func:`stdp_window`): pre- and post-synaptic spikes of the same
  shape are applied to the two terminals (device voltage ``V = s(t - t_pre) -
  s(t - t_post)``); a spike is a short positive peak followed by a negative,
  exponentially decaying tail, so a single spike stays below both switching
  thresholds and only the overlap of the two crosses one of them: post after pre
  (``dt > 0``) gives a large negative overlap (SET, potentiation), post before pre
  a large positive one (RESET, depression), and the overlap shrinks as ``|dt|``
  grows (the scheme of [linares2011]; the window of [bi_poo1998]).

References
----------
.. [bi_poo1998] G. Bi, M. Poo, "Synaptic modifications in cultured hippocampal
   neurons", J. Neurosci. 18, 10464 (1998), doi:10.1523/JNEUROSCI.18-24-10464.1998.
.. [linares2011] B. Linares-Barranco, T. Serrano-Gotarredona et al., "On spike-timing-
   dependent-plasticity, memristive devices, and building a self-learning visual
   cortex", Front. Neurosci. 5, 26 (2011), doi:10.3389/fnins.2011.00026.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import WaveformError
from .devices import as_card

__all__ = ["PulseResult", "conductance", "conditioned_state", "pulse_train",
           "potentiation_depression", "SpikeShape", "stdp_window", "StdpResult",
           "PRE_SPIKE", "POST_SPIKE"]


def conductance(card, x, read_v: float = 0.1) -> np.ndarray:
    """Chord conductance ``I(read_v, x) / read_v``, S (``x``: (n_states, ...))."""
    card = as_card(card)
    return card.model.numeric.current(read_v, np.asarray(x, float), card.vector) / read_v


def conditioned_state(card, cycles: int = 3, vmin_v: float = -0.25, vmax_v: float = 0.25,
                      rate_v_per_s: float = 1.0, set_last: bool = True) -> np.ndarray:
    """States after ``cycles`` triangular sweeps (and a final SET half-sweep).

    The sweeps condition a fresh contact (li_filament: the SET threshold moves from
    the pristine to the cycled value); ``set_last`` ends in the LRS so a pulse
    protocol can start with depression.
    """
    from ..sim import Waveform, simulate
    card = as_card(card)
    res = simulate(card, Waveform.triangle(vmin_v, vmax_v, cycles, rate_v_per_s))
    x = res.x[:, -1]
    if set_last:
        # one more SET half-sweep: 0 -> vmin -> 0
        t = np.abs(vmin_v) / rate_v_per_s
        w = Waveform.pwl([0.0, t, 2 * t], [0.0, vmin_v, 0.0])
        x = simulate(card, w, x0=x).x[:, -1]
    return x


@dataclass
class PulseResult:
    """Conductance after each pulse (index 0: before the first pulse)."""

    pulse: np.ndarray
    v_pulse_v: np.ndarray
    g_siemens: np.ndarray
    x: np.ndarray
    state_names: list
    card_name: str


def pulse_train(card, v_pulse_v, width_s: float, n: int | None = None, x0=None,
                period_s: float | None = None, read_v: float = 0.1,
                params=None) -> PulseResult:
    """Apply a train of rectangular pulses; read the conductance after each.

    Parameters
    ----------
    card : Card or str
    v_pulse_v : float or sequence
        Pulse amplitude(s), V (device voltage; li_filament: < 0 SET, > 0 RESET).
    width_s : float
        Flat-top width, s (edges: width / 20).
    n : int, optional
        Number of pulses when ``v_pulse_v`` is a scalar.
    x0 : array_like, optional
        Initial states (default: the model's init).
    period_s : float, optional
        Pulse period, s (default 3 x width).
    read_v : float
        Read voltage of the conductance, V.
    params : mapping, optional
        Parameter overrides.

    Returns
    -------
    PulseResult
    """
    from ..sim import Waveform, simulate
    card = as_card(card)
    if params:
        card = card.with_values(**params)
    period_s = period_s or 3 * width_s
    wf = Waveform.pulses(v_pulse_v, width_s, period_s, n, rise_s=width_s / 20)
    res = simulate(card, wf, x0=x0)
    npulse = int(wf.cycle.max()) + 1
    x0a = res.x[:, 0]
    xs = [x0a] + [res.x[:, np.flatnonzero(res.cycle == k)[-1]] for k in range(npulse)]
    xs = np.array(xs).T
    amps = np.atleast_1d(np.asarray(v_pulse_v, float))
    if amps.size == 1:
        amps = np.repeat(amps, npulse)
    return PulseResult(np.arange(npulse + 1), np.concatenate([[0.0], amps]),
                       conductance(card, xs, read_v), xs, list(card.model.state_names),
                       card.name)


def potentiation_depression(card, n_dep: int = 20, n_pot: int = 20,
                            v_reset_v: float | None = None, v_set_v: float | None = None,
                            width_s: float | None = None, x0=None, read_v: float = 0.1,
                            params=None, cycles: int = 3) -> PulseResult:
    """``n_dep`` identical depressing pulses, then ``n_pot`` potentiating ones.

    Starts from ``x0`` or from :func:`conditioned_state` (LRS after ``cycles``
    sweeps; more cycles = an older device).
    Pulse amplitudes and width default to the pulse conditions the card's model
    declares (``pulses=`` in its file; li_filament: RESET +0.2 V, SET -0.185 V,
    100 us: RESET is gradual, SET is partial only within a few mV of the cycled
    threshold).
    """
    card = as_card(card)
    declared = getattr(card.model, "pulses", {}) or {}
    missing = [k for k, v in (("reset_v", v_reset_v), ("set_v", v_set_v),
                              ("width_s", width_s)) if v is None and k not in declared]
    if missing:
        from ..errors import MemliError
        raise MemliError(f"model {card.model.name} declares no pulse conditions "
                         f"({', '.join(missing)}); give them explicitly")
    v_reset_v = declared["reset_v"] if v_reset_v is None else v_reset_v
    v_set_v = declared["set_v"] if v_set_v is None else v_set_v
    width_s = declared["width_s"] if width_s is None else width_s
    if params:
        card = card.with_values(**params)
    if x0 is None:
        x0 = conditioned_state(card, cycles=cycles)
    amps = [v_reset_v] * n_dep + [v_set_v] * n_pot
    return pulse_train(card, amps, width_s, x0=x0, read_v=read_v)


@dataclass
class SpikeShape:
    """A spike: a positive peak then a negative exponential tail.

    ``s(t) = a_peak_v`` for ``0 <= t < t_peak_s``; ``-a_tail_v exp(-(t - t_peak_s) /
    tau_tail_s)`` for ``t >= t_peak_s``; 0 before.  Voltages in V, times in s.
    """

    a_peak_v: float = 0.1
    t_peak_s: float = 100e-6
    a_tail_v: float = 0.1
    tau_tail_s: float = 1e-3
    length_s: float = 5e-3

    def __call__(self, t):
        t = np.asarray(t, float)
        tail = -self.a_tail_v * np.exp(-np.clip(t - self.t_peak_s, 0, None) / self.tau_tail_s)
        return np.where(t < 0, 0.0, np.where(t < self.t_peak_s, self.a_peak_v,
                                             np.where(t < self.length_s, tail, 0.0)))


@dataclass
class StdpResult:
    dt_s: np.ndarray
    dg_siemens: np.ndarray
    g0_siemens: float
    single_pre_dg_siemens: float
    single_post_dg_siemens: float
    dg_unpaired_siemens: float
    card_name: str

    @property
    def dg_rel(self) -> np.ndarray:
        """Raw relative change ``dG / G0``."""
        return self.dg_siemens / self.g0_siemens

    @property
    def dg_pairing(self) -> np.ndarray:
        """Timing-dependent relative change: (raw - unpaired) / G0."""
        return (self.dg_siemens - self.dg_unpaired_siemens) / self.g0_siemens


def _pair_waveform(pre: SpikeShape, post: SpikeShape, dt_s: float, dt_grid_s: float):
    """Device voltage ``pre(t - t_pre) - post(t - t_post)``, ``t_post - t_pre = dt_s``."""
    t_pre = max(0.0, -dt_s) + dt_grid_s
    t_post = t_pre + dt_s
    t_end = max(t_pre + pre.length_s, t_post + post.length_s) + dt_grid_s
    edges = np.array([t_pre, t_pre + pre.t_peak_s, t_pre + pre.length_s,
                      t_post, t_post + post.t_peak_s, t_post + post.length_s])
    t = np.union1d(np.arange(0.0, t_end, dt_grid_s),
                   np.concatenate([edges - 1e-9, edges + 1e-9]))
    t = t[(t >= 0) & (t <= t_end)]
    return t, pre(t - t_pre) - post(t - t_post)


#: pre-synaptic spike (applied to the device's + terminal)
PRE_SPIKE = SpikeShape(a_peak_v=0.09, t_peak_s=100e-6, a_tail_v=0.12, tau_tail_s=1e-3)
#: post-synaptic spike (applied to the - terminal)
POST_SPIKE = SpikeShape(a_peak_v=0.12, t_peak_s=100e-6, a_tail_v=0.09, tau_tail_s=1e-3)


def stdp_window(card, dt_s=None, pre: SpikeShape | None = None,
                post: SpikeShape | None = None, x0=None,
                read_v: float = 0.1, params=None, dt_grid_s: float = 10e-6,
                cycles: int = 3) -> StdpResult:
    """Conductance change after one pre/post spike pair versus ``dt = t_post - t_pre``.

    Parameters
    ----------
    card : Card or str
    dt_s : array_like, optional
        Spike-time differences, s (default: +-0.1 ms .. +-4 ms).
    pre, post : SpikeShape, optional
        Spike shapes (default :data:`PRE_SPIKE`, :data:`POST_SPIKE`).  They differ
        because li_filament's thresholds are asymmetric (SET about -0.2 V, sharp;
        RESET about +0.1 V, soft): each lone spike keeps the device voltage within
        -0.12 V .. +0.09 V, the causal overlap reaches -0.24 V (SET), the
        anti-causal one +0.18 V (RESET).  RESET is soft (its drive is a softplus
        20 mV wide), so the lone spikes still depress a little: the result holds
        that baseline (the same two spikes, not overlapping) separately.
    x0 : array_like, optional
        Initial states (default: mid-range li_filament state, from
        :func:`conditioned_state` followed by RESET pulses to about a tenth of the
        LRS conductance).
    read_v : float
    params : mapping, optional
    dt_grid_s : float
        Sampling of the piecewise-linear waveform, s.
    cycles : int
        Conditioning sweeps before the default ``x0`` (device age).

    Returns
    -------
    StdpResult
        ``dg_siemens`` per ``dt`` (raw change), the change caused by the same two
        spikes when they do not overlap (``dg_unpaired_siemens``) and by each lone
        spike; ``dg_pairing`` = raw - unpaired is the timing-dependent part.
    """
    from ..sim import Waveform, simulate
    card = as_card(card)
    if params:
        card = card.with_values(**params)
    pre = pre or PRE_SPIKE
    post = post or POST_SPIKE
    length = min(pre.length_s, post.length_s)
    if dt_s is None:
        d = np.array([0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.8, 2.5, 3.5]) * 1e-3
        dt_s = np.concatenate([-d[::-1], d])
    dt_s = np.asarray(dt_s, float)
    if np.any(np.abs(dt_s) >= length):
        raise WaveformError(f"stdp: |dt| must be below the spike length {length:g} s")
    if x0 is None:
        x0 = conditioned_state(card, cycles=cycles)
        x0 = pulse_train(card, 0.2, 1e-4, n=6, x0=x0).x[:, -1]
    g0 = float(conductance(card, x0, read_v))
    out = []
    for dt in dt_s:
        t, v = _pair_waveform(pre, post, float(dt), dt_grid_s)
        res = simulate(card, Waveform.pwl(t, v), x0=x0)
        out.append(float(conductance(card, res.x[:, -1], read_v)) - g0)

    def lone(spike, sign):
        t = np.arange(0.0, spike.length_s + 2 * dt_grid_s, dt_grid_s)
        res = simulate(card, Waveform.pwl(t, sign * spike(t - dt_grid_s)), x0=x0)
        return float(conductance(card, res.x[:, -1], read_v)) - g0

    t, v = _pair_waveform(pre, post, 1.2 * max(pre.length_s, post.length_s), dt_grid_s)
    res = simulate(card, Waveform.pwl(t, v), x0=x0)
    unpaired = float(conductance(card, res.x[:, -1], read_v)) - g0
    return StdpResult(dt_s, np.array(out), g0, lone(pre, 1.0), lone(post, -1.0), unpaired,
                      card.name)
