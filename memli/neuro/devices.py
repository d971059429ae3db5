"""Many devices at once: vectorised state integration under applied voltages.

Crossbar training and plasticity protocols apply the same (or per-device) voltage
to thousands of devices.  Calling the device simulator per cell would be slow, so
:class:`DeviceArray` integrates the states of all devices together with the shared
implicit stepper of :mod:`memli.sim.stepper` (backward Euler, Newton per device on
the model's analytic Jacobians, local error control).  Any model in the registry works.
"""
from __future__ import annotations

import numpy as np

from ..cards import Card, load_card
from ..errors import WaveformError

__all__ = ["DeviceArray", "as_card"]


def as_card(card) -> Card:
    """A Card from a Card, a bundled card name or a path."""
    return card if isinstance(card, Card) else load_card(card)


class DeviceArray:
    """States and parameters of ``n`` devices of one model.

    Parameters
    ----------
    card : Card or str
        Nominal device card.
    n : int
        Number of devices.
    variability : float
        Relative device-to-device spread.  The card's own ``variability`` block
        scaled by ``variability_scale`` is applied first (:meth:`Card.sample`);
        on top of it every rate constant and resistance (parameters whose name
        ends in ``_per_s`` or ``_ohm``) gets a lognormal spread of this sd, and
        every threshold voltage (names starting ``v_`` and ending ``_v``) a normal
        spread of ``variability * |value|``; values are then clipped to the
        parameters' bounds.  0 gives identical devices.
    rng : numpy.random.Generator or int, optional
        Random source (seeded for reproducible arrays).
    variability_scale : float
        Multiplier of the card's own variability block (default 1 when
        ``variability > 0``, else 0).
    x0 : array_like, optional
        Initial states, shape (n_states,) or (n_states, n); default the model's init.
    params : mapping, optional
        Parameter overrides applied to every device (SI).
    """

    def __init__(self, card, n: int, variability: float = 0.0, rng=None,
                 variability_scale: float | None = None, x0=None, params=None):
        card = as_card(card)
        if params:
            card = card.with_values(**params)
        self.card = card
        self.model = card.model
        self.numeric = card.model.numeric
        self.n = int(n)
        rng = np.random.default_rng(rng)
        if variability_scale is None:
            variability_scale = 1.0 if variability > 0 else 0.0
        p = np.array(card.sample(self.n, rng, variability_scale), dtype=float)
        if p.ndim == 1:
            p = np.repeat(p[:, None], self.n, axis=1)
        if variability > 0:
            for k, name in enumerate(self.model.param_names):
                if name.endswith("_per_s") or name.endswith("_ohm"):
                    p[k] *= np.exp(rng.normal(0.0, variability, self.n))
                elif name.startswith("v_") and name.endswith("_v"):
                    p[k] += rng.normal(0.0, variability, self.n) * np.abs(p[k])
            # a spread never takes a parameter outside its declared bounds (a threshold
            # of the wrong sign is not a device)
            for k, prm in enumerate(self.model.params.values()):
                p[k] = np.clip(p[k], prm.bounds[0], prm.bounds[1])
        self.p = p
        ns = self.model.n_states
        lo = np.array([s.bounds[0] for s in self.model.states], dtype=float)
        hi = np.array([s.bounds[1] for s in self.model.states], dtype=float)
        self._lo, self._hi = lo[:, None], hi[:, None]
        self.last_stats: dict = {}
        if x0 is None:
            x0 = self.model.initial_state()
        x = np.asarray(x0, dtype=float)
        if x.ndim == 1:
            x = np.repeat(x.reshape(ns, 1), self.n, axis=1)
        self.x = np.array(x, dtype=float).reshape(ns, self.n)

    # -- reading ------------------------------------------------------------------
    def current(self, v_v, idx=None) -> np.ndarray:
        """Device currents, A, at device voltages ``v_v`` (scalar or per device)."""
        p, x = (self.p, self.x) if idx is None else (self.p[:, idx], self.x[:, idx])
        return self.numeric.current(v_v, x, p)

    def conductance(self, read_v: float = 0.1, idx=None) -> np.ndarray:
        """Chord conductance ``I(V_read) / V_read``, S."""
        return self.current(read_v, idx) / read_v

    def state(self, name: str) -> np.ndarray:
        return self.x[self.model.state_names.index(name)]

    def copy(self) -> "DeviceArray":
        new = object.__new__(DeviceArray)
        new.__dict__.update(self.__dict__)
        new.p, new.x = self.p.copy(), self.x.copy()
        return new

    # -- writing ------------------------------------------------------------------
    def pulse(self, v_v, width_s: float, n_steps: int = 40, mask=None,
              rtol: float | None = None) -> None:
        """Hold device voltages ``v_v`` for ``width_s`` (rectangular pulse).

        Integrated by the shared implicit stepper (:mod:`memli.sim.stepper`: backward
        Euler, Newton per device on the model's analytic Jacobian, local error control
        per device); states are kept in their bounds.

        Parameters
        ----------
        v_v : float or ndarray (n,)
            Device voltage, V (positive terminal vs negative terminal).
        width_s : float
            Duration, s.
        n_steps : int
            First step is ``width_s / n_steps`` (the stepper adapts it).
        mask : ndarray of bool (n,), optional
            Only these devices are integrated (the others see 0 V and are left as
            they are; use it for cells outside a write).
        rtol : float, optional
            Local error tolerance relative to each state's range (default
            :data:`memli.sim.stepper.RTOL`).

        Raises
        ------
        ConvergenceError
            When a device cannot be integrated to the tolerance.
        """
        from ..sim import stepper
        if not width_s > 0:
            raise WaveformError(f"pulse width must be > 0 s, got {width_s!r}")
        idx = slice(None) if mask is None else np.flatnonzero(mask)
        v = np.broadcast_to(np.asarray(v_v, dtype=float), (self.n,))[idx]
        if v.size == 0:
            return
        lo, hi, span = stepper.state_limits(self.model)
        x, stats = stepper.integrate_fixed_bias(
            self.numeric, v, self.x[:, idx], self.p[:, idx], float(width_s), lo, hi, span,
            rtol=stepper.RTOL if rtol is None else rtol, h0_s=width_s / max(int(n_steps), 1),
            where=f"pulse on {self.card.name}")
        self.x[:, idx] = x
        self.last_stats = stats

    def waveform(self, t_s, v_v, steps_per_segment: int = 4) -> None:
        """Follow a piecewise-constant voltage ``v_v[k]`` on ``[t_s[k], t_s[k+1])``.

        ``v_v`` has shape (len(t_s) - 1,) (same for all devices) or
        (len(t_s) - 1, n) (per device).
        """
        t = np.asarray(t_s, dtype=float)
        v = np.asarray(v_v, dtype=float)
        for k in range(t.size - 1):
            self.pulse(v[k], t[k + 1] - t[k], n_steps=steps_per_segment)
