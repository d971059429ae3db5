"""Conductance range, achievable levels, programming and drift of a card's device.

Nothing here is assumed about the device: the card's model is driven with voltage
pulses (one device: the device simulator :func:`memli.sim.simulate`; many cells:
:class:`memli.neuro.devices.DeviceArray`, both integrating the model's own rates) and
read at ``read_v`` (chord conductance ``I(V_read) / V_read``).

:func:`characterise` finds, for any card,

1. the SET polarity (the sign whose pulses raise the conductance) and the smallest
   amplitude of a ladder that fully SETs within ``max_pulses`` pulses, and likewise
   the RESET amplitude from the SET state: ``g_max`` and ``g_min``;
2. a gentle SET amplitude (the smallest fraction of the full one that still spans the
   range in ``max_pulses`` pulses), and the ladder of conductances after each gentle
   pulse from ``g_min``: the levels one can program.  Two levels closer than
   ``min_step_rel`` of the range are one level (a write-verify loop cannot tell them
   apart), so a device that switches abruptly shows few levels.

:func:`program` writes target conductances into many cells by write-verify (gentle
SET pulses while below target - tolerance, gentle RESET pulses while above target +
tolerance), each cell with its own parameters (device-to-device spread) and, with
``c2c > 0``, every pulse with freshly drawn rate and threshold parameters
(cycle-to-cycle spread).  :func:`hold` integrates the programmed cells at 0 V for a
time: the retention drift is whatever the model's rates give.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..neuro.devices import DeviceArray, as_card

#: cards bundled with the analog package (e.g. the oxide-like ``oxide_10k``)
CARDS_DIR = Path(__file__).resolve().parent / "cards"


def analog_card(ref):
    """A Card from a Card, a path, a bundled card name, or a card of :data:`CARDS_DIR`."""
    from ..cards import Card, load_card
    from ..errors import CardError
    if isinstance(ref, Card):
        return ref
    try:
        return load_card(ref)
    except CardError:
        own = CARDS_DIR / f"{ref}.json"
        if own.is_file():
            return load_card(own)
        raise


#: pulse amplitudes tried, V (either polarity)
AMPLITUDES_V = (0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0)


@dataclass
class DeviceProfile:
    """What programming a card's device gives.

    Attributes
    ----------
    card_name : str
    read_v : float
        Read voltage, V.
    g_min_siemens, g_max_siemens : float
        Conductance after a full RESET / full SET, S.
    set_v, reset_v : float
        Full SET and RESET pulse amplitudes (signed), V.
    gentle_set_v, gentle_reset_v : float
        Write-verify pulse amplitudes (signed), V.
    width_s : float
        Pulse width, s.
    ladder_siemens : ndarray
        Conductance after each gentle SET pulse from the RESET state, S.
    levels_siemens : ndarray
        Distinct programmable levels (ladder points at least ``min_step_rel`` of the
        range apart), ascending, S.
    level_states : ndarray (n_states, n_levels)
        Device state of each level.
    reset_state : ndarray (n_states,)
    ladder_states : ndarray (n_states, len(ladder))
        Device state after each gentle pulse.
    """

    card_name: str
    read_v: float
    g_min_siemens: float
    g_max_siemens: float
    set_v: float
    reset_v: float
    gentle_set_v: float
    gentle_reset_v: float
    width_s: float
    ladder_siemens: np.ndarray
    levels_siemens: np.ndarray
    level_states: np.ndarray
    reset_state: np.ndarray
    ladder_states: np.ndarray = None
    card: object = field(default=None, repr=False)

    @property
    def n_levels(self) -> int:
        return int(len(self.levels_siemens))

    def summary(self) -> dict:
        return {"card": self.card_name, "read_v": self.read_v,
                "g_min_siemens": self.g_min_siemens, "g_max_siemens": self.g_max_siemens,
                "on_off": self.g_max_siemens / self.g_min_siemens,
                "levels": self.n_levels, "set_v": self.set_v, "reset_v": self.reset_v,
                "gentle_set_v": self.gentle_set_v, "gentle_reset_v": self.gentle_reset_v,
                "width_s": self.width_s}


def _g(dev: DeviceArray, read_v: float) -> np.ndarray:
    return np.abs(dev.conductance(read_v))


def _train(dev: DeviceArray, v: float, count: int, width_s: float, read_v: float,
           steps: int = 10):
    """Apply ``count`` pulses; conductance after each (count,) for one device."""
    out = np.empty(count)
    for k in range(count):
        dev.pulse(v, width_s, n_steps=steps)
        out[k] = _g(dev, read_v)[0]
    return out


def characterise(card, read_v: float = 0.1, width_s: float = 1e-4, max_pulses: int = 32,
                 min_step_rel: float = 0.01) -> DeviceProfile:
    """Program one nominal device of ``card`` with pulses: range and levels.

    Parameters
    ----------
    card : Card or str
    read_v : float
        Read voltage, V (> 0).
    width_s : float
        Pulse width, s.
    max_pulses : int
        Pulses per full SET / RESET, and length of the gentle-pulse ladder.
    min_step_rel : float
        Smallest separation of two programmable levels, relative to the range.

    Raises
    ------
    DataError
        When no pulse of either polarity up to 3 V changes the conductance by 10 %.
    """
    if not read_v > 0:
        raise DataError(f"read voltage {read_v!r}: expected > 0 V")
    if isinstance(card, (str, Path)):          # named cards: loaded and hashed once
        ck = (str(card), float(read_v), float(width_s), int(max_pulses), float(min_step_rel))
        if ck not in _CACHE:
            _CACHE[ck] = characterise(analog_card(card), read_v, width_s, max_pulses,
                                      min_step_rel)
        return _CACHE[ck]
    card = analog_card(card)
    key = (card.name, card.hash(), float(read_v), float(width_s), int(max_pulses),
           float(min_step_rel))
    if key in _CACHE:
        return _CACHE[key]
    err = None
    for w in (width_s, width_s * 100, width_s * 1e4):   # slow devices need longer pulses
        try:
            prof = _characterise(card, read_v, w, max_pulses, min_step_rel)
            _CACHE[key] = prof
            return prof
        except DataError as e:
            err = e
    raise err


_CACHE: dict = {}


class _One:
    """One nominal device driven by the device simulator (:func:`memli.sim.simulate`, the
    model's compiled stepper): a pulse train of ``count`` equal pulses is one constant
    segment sampled at every pulse end."""

    def __init__(self, card, read_v):
        self.card, self.read_v = card, read_v
        self.p = card.vector[:, None]

    def g(self, x):
        x = np.asarray(x, float).reshape(self.card.model.n_states, -1)
        return np.abs(self.card.model.numeric.current(self.read_v, x, self.p)) / self.read_v

    def train(self, x0, v, width_s, count):
        """States after each of ``count`` pulses of ``v`` (V) and ``width_s`` (s):
        (n_states, count)."""
        from ..sim import Waveform, simulate
        rise = 1e-3 * width_s
        t = np.concatenate([[0.0], rise + width_s * np.arange(0, count + 1)])
        vv = np.concatenate([[0.0], np.full(count + 1, float(v))])
        wf = Waveform(t, vv, np.full(t.size, -1))
        res = simulate(self.card, wf, x0=np.asarray(x0, float))
        return res.x[:, 2:]


def _characterise(card, read_v, width_s, max_pulses, min_step_rel):
    one = _One(card, read_v)
    x_init = card.model.initial_state()
    g0 = one.g(x_init)[0]
    best = None                       # (log gain, sign, amplitude, state)
    for sign in (-1.0, 1.0):
        for a in AMPLITUDES_V:
            xs = one.train(x_init, sign * a, width_s * max_pulses, 1)[:, -1]
            gain = np.log(one.g(xs)[0] / g0)
            if best is None or gain > best[0] * 1.05 + 1e-12:
                best = (gain, sign, a, xs)
            if gain > 0 and best[1] == sign and best[2] < a and gain < best[0] * 1.05:
                break
    if best is None or best[0] < np.log(1.1):
        raise DataError(f"card {card.name}: no pulse of either polarity up to "
                        f"{AMPLITUDES_V[-1]} V and {width_s * max_pulses:g} s raises the "
                        f"conductance at {read_v} V by 10 %; expected a switching device")
    _, s_set, a_set, x_set = best
    set_v = s_set * a_set
    g_max = one.g(x_set)[0]
    # RESET: the other polarity, smallest amplitude that brings G near its minimum
    worst = None
    for a in AMPLITUDES_V:
        xs = one.train(x_set, -s_set * a, width_s * max_pulses, 1)[:, -1]
        loss = np.log(g_max / one.g(xs)[0])
        if worst is None or loss > worst[0] * 1.05 + 1e-12:
            worst = (loss, a, xs)
        elif loss > 0:
            break
    _, a_reset, x_reset = worst
    reset_v = -s_set * a_reset
    g_min = one.g(x_reset)[0]
    if not g_max > g_min * 1.05:
        raise DataError(f"card {card.name}: after RESET pulses the conductance "
                        f"({g_min:.3g} S) is not below the SET conductance ({g_max:.3g} S)")
    # gentle SET: the smallest fraction of the full amplitude (1, 0.7, 0.5, 0.4) whose
    # pulse train still reaches 90 % of the range (linear in G) within max_pulses
    gentle, ladder, states = None, None, None
    for frac in (1.0, 0.7, 0.5, 0.4):
        st = np.concatenate([x_reset[:, None], one.train(x_reset, s_set * a_set * frac,
                                                          width_s, max_pulses)], axis=1)
        lad = one.g(st)
        ok = lad[-1] - g_min >= 0.9 * (g_max - g_min)
        if ladder is None or ok:
            gentle, ladder, states = a_set * frac, lad, st
        if not ok:
            break
    # gentle RESET for write-verify corrections: likewise, from the SET state down
    gentle_reset = a_reset
    for frac in (1.0, 0.7, 0.5, 0.4, 0.3, 0.2):
        xs = one.train(x_set, -s_set * a_reset * frac, width_s * max_pulses, 1)[:, -1]
        if g_max - one.g(xs)[0] < 0.9 * (g_max - g_min):
            break
        gentle_reset = a_reset * frac
    levels, keep = [], []
    step = min_step_rel * (g_max - g_min)
    for k in np.argsort(ladder, kind="stable"):
        if not levels or ladder[k] - levels[-1] >= step:
            levels.append(ladder[k])
            keep.append(k)
    return DeviceProfile(card.name, float(read_v), float(g_min), float(max(g_max, ladder.max())),
                         float(set_v), float(reset_v), float(s_set * gentle),
                         float(-s_set * gentle_reset), float(width_s), ladder,
                         np.array(levels), states[:, keep], x_reset.copy(), states, card)


def _pulse(dev: DeviceArray, v_v, width_s, n_steps: int, mask) -> None:
    """:meth:`DeviceArray.pulse` with a pulse width per device (s): backward Euler in
    ``n_steps`` steps of ``width_s / n_steps``, Newton on the model's Jacobian."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return
    v = np.broadcast_to(np.asarray(v_v, dtype=float), (dev.n,))[idx]
    h = (np.broadcast_to(np.asarray(width_s, dtype=float), (dev.n,))[idx] / n_steps)[None]
    x = dev.x[:, idx].copy()
    p = dev.p[:, idx]
    eye = np.eye(x.shape[0])[None]
    for _ in range(n_steps):
        xo = x.copy()
        for _it in range(8):
            ev = dev.numeric.evaluate(v, x, p)
            res = x - xo - h * ev.f
            jac = eye - h.T[:, :, None] * np.moveaxis(ev.df_dx, -1, 0)
            dx = np.linalg.solve(jac, res.T[..., None])[..., 0].T
            x = np.clip(x - dx, dev._lo, dev._hi)
            if np.all(np.abs(dx) <= 1e-10 + 1e-8 * np.abs(x)):
                break
    dev.x[:, idx] = x


def _spread(dev: DeviceArray, rng, sd: float) -> np.ndarray:
    """Parameters with a fresh lognormal spread ``sd`` on rates and normal on thresholds."""
    p = dev.p.copy()
    for k, name in enumerate(dev.model.param_names):
        if name.endswith("_per_s"):
            p[k] *= np.exp(rng.normal(0.0, sd, dev.n))
        elif name.startswith("v_") and name.endswith("_v"):
            p[k] += rng.normal(0.0, sd, dev.n) * np.abs(p[k])
    return p


def cells(profile: DeviceProfile, n: int, variability: float = 0.0, rng=None,
          x0=None) -> DeviceArray:
    """``n`` devices of the profile's card (device spread ``variability``: the card's own
    variability block plus :class:`DeviceArray`'s generic spread), in state ``x0``
    (default: the RESET state)."""
    return DeviceArray(profile.card, n, variability=variability, rng=rng,
                       x0=profile.reset_state if x0 is None else x0)


def program(profile: DeviceProfile, targets_siemens, variability: float = 0.0,
            c2c: float = 0.0, rng=None, tol_rel: float = 0.01, max_pulses: int = 48):
    """Write-verify ``targets_siemens`` (any shape) into fresh cells.

    Each cell starts in the state the nominal device reaches with the gentle-pulse
    count nearest its target (the coarse write), then write-verify corrects it with
    gentle SET / RESET pulses whose width halves at every change of direction, until
    it is within ``tol_rel`` of the range or ``max_pulses`` verify steps have passed.

    Returns ``(g_siemens, devices)``: the conductances reached (same shape) and the
    :class:`DeviceArray` of the cells (flattened), for :func:`hold`.
    """
    rng = np.random.default_rng(rng)
    t = np.asarray(targets_siemens, dtype=float)
    tf = t.ravel()
    start = np.abs(tf[:, None] - profile.ladder_siemens[None, :]).argmin(axis=1)
    dev = cells(profile, t.size, variability, rng, x0=profile.ladder_states[:, start])
    tol = tol_rel * (profile.g_max_siemens - profile.g_min_siemens)
    p_dev = dev.p
    width = np.full(tf.size, profile.width_s)      # halved at every change of direction
    last = np.zeros(tf.size)
    for _ in range(max_pulses):
        g = _g(dev, profile.read_v)
        lo = g < tf - tol
        hi = g > tf + tol
        act = lo | hi
        if not act.any():
            break
        direction = np.where(lo, 1.0, np.where(hi, -1.0, 0.0))
        flip = act & (last != 0) & (direction != last)
        width[flip] = np.maximum(width[flip] * 0.5, profile.width_s / 64)
        last = np.where(act, direction, last)
        v = np.where(lo, profile.gentle_set_v, profile.gentle_reset_v)
        if c2c > 0:
            dev.p = _spread(dev, rng, c2c)
        _pulse(dev, v, width, 4, act)
        dev.p = p_dev
    return _g(dev, profile.read_v).reshape(t.shape), dev


def hold(dev: DeviceArray, time_s: float, read_v: float, steps_per_decade: int = 4):
    """Integrate the cells at 0 V for ``time_s`` (log-spaced backward-Euler steps from
    1 us); returns the conductances afterwards, S."""
    if time_s > 0:
        t0 = min(1e-6, time_s)
        edges = np.unique(np.concatenate([[0.0], np.geomspace(t0, time_s, max(2, int(
            steps_per_decade * max(1.0, np.log10(time_s / t0))) + 1))]))
        for h in np.diff(edges):
            dev.pulse(0.0, float(h), n_steps=1)
    return _g(dev, read_v)
