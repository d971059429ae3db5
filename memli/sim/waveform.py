"""Stimulus waveforms.  Every waveform is piecewise linear (PWL) in time.

The simulator returns one sample per PWL point, so a waveform's points are also
the output grid: ``dv_v`` (sweeps) and ``points_per_cycle`` (sines) set the
resolution of the returned I-V curves.  Internal time steps adapt between points.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import WaveformError


@dataclass
class Waveform:
    """PWL voltage source.

    Attributes
    ----------
    t_s : ndarray
        Strictly increasing times, s.
    v_v : ndarray
        Source voltage at ``t_s``, V.
    cycle : ndarray of int
        Cycle index (0-based) of each point, -1 where the waveform has no cycles.
    kind : str
        'triangle', 'sine', 'pulses', 'pwl'.
    info : dict
        The constructor's arguments (for summaries).
    """

    t_s: np.ndarray
    v_v: np.ndarray
    cycle: np.ndarray
    kind: str = "pwl"
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.t_s = np.asarray(self.t_s, dtype=float)
        self.v_v = np.asarray(self.v_v, dtype=float)
        self.cycle = np.asarray(self.cycle, dtype=int)
        if self.t_s.ndim != 1 or self.t_s.shape != self.v_v.shape or self.t_s.size < 2:
            raise WaveformError("waveform: t and v must be 1-D arrays of equal length >= 2")
        if not (np.all(np.isfinite(self.t_s)) and np.all(np.isfinite(self.v_v))):
            raise WaveformError("waveform: times and voltages must be finite")
        bad = np.nonzero(np.diff(self.t_s) <= 0)[0]
        if bad.size:
            raise WaveformError(f"waveform: time must increase strictly; point {bad[0] + 1} "
                                f"(t = {self.t_s[bad[0] + 1]:g} s) does not")

    @property
    def n_cycles(self) -> int:
        return int(self.cycle.max()) + 1 if self.cycle.size and self.cycle.max() >= 0 else 0

    # ------------------------------------------------------------------ builders
    @classmethod
    def triangle(cls, vmin_v: float, vmax_v: float, cycles: int, rate_v_per_s: float = 1.0,
                 dv_v: float = 2e-3) -> "Waveform":
        """Bipolar triangular sweeps: each cycle 0 -> vmin -> 0 -> vmax -> 0.

        For li_filament (bias of the WE vs Li/Li+) the negative half is SET and the
        positive half RESET.

        Parameters
        ----------
        vmin_v, vmax_v : float
            Turning voltages, V (vmin < 0 < vmax).
        cycles : int
            Number of cycles (>= 1).
        rate_v_per_s : float
            Sweep rate, V/s.
        dv_v : float
            Voltage spacing of the output points, V.
        """
        if not (vmin_v < 0 < vmax_v):
            raise WaveformError(f"sweep: need VMIN < 0 < VMAX, got {vmin_v:g} V, {vmax_v:g} V")
        if int(cycles) < 1:
            raise WaveformError(f"sweep: cycles must be >= 1, got {cycles}")
        if not rate_v_per_s > 0 or not dv_v > 0:
            raise WaveformError("sweep: rate and dv must be positive")
        legs = [(0.0, vmin_v), (vmin_v, 0.0), (0.0, vmax_v), (vmax_v, 0.0)]
        one = [np.array([0.0])]
        for a, b in legs:
            n = max(2, int(math.ceil(abs(b - a) / dv_v)))
            one.append(np.linspace(a, b, n + 1)[1:])
        vc = np.concatenate(one)
        per = len(vc) - 1
        cycles = int(cycles)
        v = np.concatenate([vc] + [vc[1:]] * (cycles - 1))
        dt = np.abs(np.diff(v)) / rate_v_per_s
        t = np.concatenate([[0.0], np.cumsum(dt)])
        cyc = np.concatenate([[0], np.repeat(np.arange(cycles), per)])
        return cls(t, v, cyc, "triangle",
                   {"vmin_v": vmin_v, "vmax_v": vmax_v, "cycles": cycles,
                    "rate_v_per_s": rate_v_per_s, "dv_v": dv_v})

    @classmethod
    def sine(cls, amplitude_v: float, freq_hz: float, cycles: int,
             points_per_cycle: int = 400, offset_v: float = 0.0) -> "Waveform":
        """v = offset + A sin(2 pi f t), ``cycles`` periods."""
        if not freq_hz > 0 or int(cycles) < 1 or points_per_cycle < 8:
            raise WaveformError("sine: need freq > 0, cycles >= 1, points_per_cycle >= 8")
        n = int(cycles) * int(points_per_cycle)
        t = np.arange(n + 1) / (freq_hz * points_per_cycle)
        v = offset_v + amplitude_v * np.sin(2 * np.pi * freq_hz * t)
        cyc = np.minimum(np.floor(t * freq_hz - 1e-9).astype(int), int(cycles) - 1)
        cyc[0] = 0
        return cls(t, v, cyc, "sine", {"amplitude_v": amplitude_v, "freq_hz": freq_hz,
                                       "cycles": int(cycles)})

    @classmethod
    def pulses(cls, v_pulse_v, width_s: float, period_s: float, n: int | None = None,
               rise_s: float | None = None, v_base_v: float = 0.0,
               points_per_pulse: int = 20) -> "Waveform":
        """Trapezoidal pulse train.

        ``v_pulse_v`` is a scalar (``n`` identical pulses) or a sequence (one amplitude
        per pulse).  Each pulse: rise, flat top ``width_s``, fall, then base level until
        the period ends.  ``cycle`` holds the pulse index.
        """
        amps = np.atleast_1d(np.asarray(v_pulse_v, dtype=float))
        if amps.size == 1 and n is not None:
            amps = np.repeat(amps, int(n))
        if rise_s is None:
            rise_s = width_s / 20
        if not (width_s > 0 and rise_s > 0 and period_s >= width_s + 2 * rise_s):
            raise WaveformError("pulses: need width > 0, rise > 0, period >= width + 2 rise")
        ts, vs, cs = [0.0], [v_base_v], [0]
        for k, a in enumerate(amps):
            t0 = k * period_s
            top = np.linspace(t0 + rise_s, t0 + rise_s + width_s, max(2, points_per_pulse))
            seg_t = list(top) + [t0 + 2 * rise_s + width_s]
            seg_v = [a] * top.size + [v_base_v]
            if t0 + period_s > seg_t[-1] * (1 + 1e-12):
                seg_t.append(t0 + period_s)
                seg_v.append(v_base_v)
            ts.extend(seg_t)
            vs.extend(seg_v)
            cs.extend([k] * len(seg_t))
        return cls(np.array(ts), np.array(vs), np.array(cs), "pulses",
                   {"n": int(amps.size), "width_s": width_s, "period_s": period_s})

    @classmethod
    def pwl(cls, t_s, v_v, cycle=None) -> "Waveform":
        t_s = np.asarray(t_s, dtype=float)
        cyc = np.full(t_s.shape, -1) if cycle is None else cycle
        return cls(t_s, v_v, cyc, "pwl")

    @classmethod
    def from_csv(cls, path) -> "Waveform":
        """PWL from a CSV file with two columns: time (s), voltage (V); optional header."""
        path = Path(path)
        if not path.exists():
            raise WaveformError(f"{path}: no such file")
        ts, vs = [], []
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for lineno, row in enumerate(csv.reader(fh), start=1):
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                cells = [c.strip() for c in row if c.strip() != ""]
                if len(cells) < 2:
                    raise WaveformError(f"{path}:{lineno}: expected 2 columns (t_s, v_v), "
                                        f"found {len(cells)}")
                try:
                    t, v = float(cells[0]), float(cells[1])
                except ValueError:
                    if not ts:      # header line
                        continue
                    raise WaveformError(f"{path}:{lineno}: {cells[:2]} are not numbers; "
                                        "expected time in s, voltage in V") from None
                if not (math.isfinite(t) and math.isfinite(v)):
                    raise WaveformError(f"{path}:{lineno}: non-finite value")
                if ts and t <= ts[-1]:
                    raise WaveformError(f"{path}:{lineno}: time {t:g} s does not increase")
                ts.append(t)
                vs.append(v)
        if len(ts) < 2:
            raise WaveformError(f"{path}: need at least 2 points, found {len(ts)}")
        return cls.pwl(ts, vs)
