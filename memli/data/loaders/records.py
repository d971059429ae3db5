"""Result records of the loaders: one :class:`Sweep` per sweep run, :class:`IVData` for all."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Sweep:
    """One sweep run (a block, a sheet, a file or one value of a cycle column), SI units.

    Attributes
    ----------
    v_v : ndarray
        Device voltage, V.
    i_a : ndarray
        Current into the device's positive terminal, A.
    t_s : ndarray or None
        Time, s (None when the file has no time column).
    source : str
        ``file`` or ``file:Sheet`` or ``file:line`` where the sweep starts.
    label : float or None
        Value of the file's cycle/sweep column (or the experiment number of a wide
        layout's column), if it has one.
    file : str
        The input file.
    run : int or None
        Run or cycle number read from the sheet or file name (``Run12``, ``set_12``).
    side : {'set', 'reset', None}
        What the sheet or file name says the sweep is.
    """

    v_v: np.ndarray
    i_a: np.ndarray
    t_s: np.ndarray | None
    source: str
    label: float | None = None
    file: str = ""
    run: int | None = None
    side: str | None = None
    sheet: str | None = None

    @property
    def polarity(self) -> str:
        """'neg', 'pos' or 'both': the sign(s) of the voltage this sweep visits."""
        vmax = float(np.max(np.abs(self.v_v))) or 1.0
        neg = bool(np.any(self.v_v < -0.05 * vmax))
        pos = bool(np.any(self.v_v > 0.05 * vmax))
        return "both" if neg and pos else ("neg" if neg else "pos")


@dataclass
class IVData:
    """Sweeps loaded from one or several inputs, in cycle order, with their provenance.

    ``meta`` holds ``files`` (path, sha256), ``generated`` (True if any input says it
    was generated), ``columns`` (what each role was read from and its unit),
    ``comments`` and ``notes`` (e.g. how SET/RESET files were paired).
    """

    sweeps: list
    meta: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.sweeps)

    @property
    def generated(self) -> bool:
        return bool(self.meta.get("generated"))

    def arrays(self, sweep_rate_v_per_s: float = 1.0):
        """Concatenate all sweeps: ``(t_s, v_v, i_a, sweep_index)``.

        Sweeps without a time column get one from the voltage steps at
        ``sweep_rate_v_per_s`` (V/s); sweeps whose times restart are shifted so that
        time increases.
        """
        ts, vs, is_, ks = [], [], [], []
        t_end = 0.0
        for k, s in enumerate(self.sweeps):
            if s.t_s is None:
                dv = np.abs(np.diff(s.v_v, prepend=s.v_v[0]))
                step = np.where(dv > 0, dv, np.median(dv[dv > 0]) if np.any(dv > 0) else 1e-3)
                t = np.cumsum(step / sweep_rate_v_per_s) - step[0] / sweep_rate_v_per_s
            else:
                t = np.asarray(s.t_s, float)
            if ts:
                dt = float(np.median(np.diff(t))) if len(t) > 1 else 1e-3
                if t[0] <= t_end:
                    t = t - t[0] + t_end + max(dt, 1e-12)
            ts.append(t)
            vs.append(s.v_v)
            is_.append(s.i_a)
            ks.append(np.full(len(t), k))
            t_end = float(t[-1])
        return (np.concatenate(ts), np.concatenate(vs), np.concatenate(is_),
                np.concatenate(ks))

    @property
    def has_time(self) -> bool:
        return all(s.t_s is not None for s in self.sweeps)
