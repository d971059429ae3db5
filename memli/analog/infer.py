"""A trained network read out on crossbar tiles of a card's devices.

Each dense layer ``y = act(x W + b)`` is mapped onto tiles of ``tile x tile`` cells:

* ``scheme="differential"``: output ``j`` uses a column pair,
  ``G+ = g_min + (g_max - g_min) max(W, 0) / w_max`` and ``G-`` likewise for ``-W``;
  the sense amplifiers take ``I+ - I-``;
* ``scheme="reference"``: one column per output,
  ``G = g_min + (g_max - g_min) (W / w_max + 1) / 2``, and one reference column per
  tile at the mid conductance; outputs are ``I_j - I_ref``.

Inputs are scaled to ``[0, 1]`` by the layer's input range (from the float network
on the same inputs), converted by a DAC to ``[0, read_v]`` on the word lines (signed
inputs take two reads, positive and negative parts), the tiles are solved exactly
(:class:`memli.analog.tiles.Tile`), each tile's differential currents go through an
ADC (range: the largest ideal current of that tile on the batch), and the partial
sums of the row tiles, the bias and the activation are digital.

Non-idealities (:data:`NONIDEALITIES`), each switchable:

``wires``        word/bit-line segment, driver and sense resistances (exact solve)
``levels``       conductances snapped to the device's programmable levels
``variability``  device-to-device spread (card block + generic spread), write-verify
``c2c``          cycle-to-cycle spread: every programming pulse redraws rates/thresholds
``faults``       stuck-at-on (g_max) and stuck-at-off (g_min) cells, by rate
``drift``        retention: the programmed states held at 0 V for ``drift_s`` by the model
``read_noise``   relative Gaussian noise of each cell current on every read
``dac``, ``adc`` converter bits (16 bits count as ideal) and ADC range
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from ..circuits.network import Wires
from ..errors import DataError
from . import devices as dv
from .mapping import forward
from .tiles import Tile

NONIDEALITIES = ("wires", "levels", "variability", "c2c", "faults", "drift", "read_noise",
                 "dac", "adc")

#: converter resolution that counts as ideal (bits)
IDEAL_BITS = 16

_FIELDS = {"wires": ("r_wire_ohm", "r_driver_ohm", "r_sense_ohm"), "levels": ("levels",),
           "variability": ("variability",), "c2c": ("c2c",),
           "faults": ("stuck_on", "stuck_off"), "drift": ("drift_s",),
           "read_noise": ("read_noise",), "dac": ("dac_bits",),
           "adc": ("adc_bits", "adc_range")}


@dataclass
class AnalogConfig:
    """Tile mapping and non-idealities (SI units).

    Attributes
    ----------
    tile : int
        Tile size (rows = columns), cells.
    scheme : str
        ``"differential"`` or ``"reference"``.
    read_v : float
        Word-line voltage of a full-scale input, V (also the read voltage of the levels).
    r_wire_ohm, r_driver_ohm, r_sense_ohm : float
        Line segment, driver and sense resistances, ohm.
    levels : bool
        Snap conductances to the device's programmable levels.
    variability, c2c : float
        Device-to-device and cycle-to-cycle relative spread.
    stuck_on, stuck_off : float
        Fault rates (fraction of cells).
    drift_s : float
        Time between programming and reading, s.
    read_noise : float
        Relative sd of each cell current per read.
    dac_bits, adc_bits : int
    adc_range : float
        ADC full scale as a fraction of the largest ideal current of the tile on the
        batch (below 1 the largest currents clip, above 1 codes are wasted).
    seed : int
    """

    tile: int = 128
    scheme: str = "differential"
    read_v: float = 0.1
    r_wire_ohm: float = 1.0
    r_driver_ohm: float = 0.0
    r_sense_ohm: float = 0.0
    levels: bool = True
    variability: float = 0.0
    c2c: float = 0.0
    stuck_on: float = 0.0
    stuck_off: float = 0.0
    drift_s: float = 0.0
    read_noise: float = 0.0
    dac_bits: int = 8
    adc_bits: int = 8
    adc_range: float = 1.0
    seed: int = 0

    def check(self):
        probs = []
        if not (isinstance(self.tile, (int, np.integer)) and self.tile >= 2):
            probs.append(f"tile {self.tile!r}: expected a whole number >= 2 (cells)")
        if self.scheme not in ("differential", "reference"):
            probs.append(f"scheme {self.scheme!r}: expected differential or reference")
        if not (np.isfinite(self.read_v) and self.read_v > 0):
            probs.append(f"read_v {self.read_v!r}: expected > 0 V")
        for k in ("r_wire_ohm", "r_driver_ohm", "r_sense_ohm", "variability", "c2c",
                  "drift_s", "read_noise"):
            v = getattr(self, k)
            if not (np.isfinite(v) and v >= 0):
                probs.append(f"{k} {v!r}: expected a finite number >= 0")
        if not (np.isfinite(self.adc_range) and self.adc_range > 0):
            probs.append(f"adc_range {self.adc_range!r}: expected a number > 0")
        for k in ("stuck_on", "stuck_off"):
            v = getattr(self, k)
            if not (0 <= v <= 1):
                probs.append(f"{k} {v!r}: expected a rate in [0, 1]")
        if self.stuck_on + self.stuck_off > 1:
            probs.append("stuck_on + stuck_off > 1")
        for k in ("dac_bits", "adc_bits"):
            v = getattr(self, k)
            if not (float(v) == int(v) and 1 <= v <= 32):
                probs.append(f"{k} {v!r}: expected a whole number of bits in 1..32")
        if probs:
            raise DataError("analog settings: " + "; ".join(probs))
        return self

    def ideal(self) -> "AnalogConfig":
        """Every non-ideality off (zero wires, continuous levels, 16-bit converters)."""
        return replace(self, r_wire_ohm=0.0, r_driver_ohm=0.0, r_sense_ohm=0.0, levels=False,
                       variability=0.0, c2c=0.0, stuck_on=0.0, stuck_off=0.0, drift_s=0.0,
                       read_noise=0.0, dac_bits=IDEAL_BITS, adc_bits=IDEAL_BITS,
                       adc_range=1.0)

    def only(self, name: str) -> "AnalogConfig":
        """The ideal configuration with non-ideality ``name`` as set here."""
        if name not in _FIELDS:
            raise DataError(f"non-ideality {name!r}; expected one of {list(NONIDEALITIES)}")
        return replace(self.ideal(), **{k: getattr(self, k) for k in _FIELDS[name]})

    def active(self) -> list:
        """Non-idealities switched on."""
        ideal = self.ideal()
        return [n for n in NONIDEALITIES
                if any(getattr(self, k) != getattr(ideal, k) for k in _FIELDS[n])]


@dataclass
class AnalogResult:
    """Outcome of one analog read-out (see :func:`run_analog`)."""

    accuracy_float: float
    accuracy_analog: float
    breakdown: dict
    tiles: int
    inputs: int
    solve_s: float
    per_input_s: float
    device: dict
    config: dict
    tile_shapes: list = field(default_factory=list)
    predictions: np.ndarray | None = None

    def summary(self) -> dict:
        return {"accuracy_float": self.accuracy_float, "accuracy_analog": self.accuracy_analog,
                "breakdown": self.breakdown, "tiles": self.tiles, "inputs": self.inputs,
                "solve_s": self.solve_s, "per_input_s": self.per_input_s,
                "device": self.device, "config": self.config, "tile_shapes": self.tile_shapes}


def _quant(u, bits: int, signed: bool):
    """Uniform quantiser of u in [0, 1] (or [-1, 1] if signed) with 2^bits codes."""
    if bits >= IDEAL_BITS + 8:
        return u
    top = (2 ** (bits - 1) - 1) if signed else (2 ** bits - 1)
    lo = -1.0 if signed else 0.0
    return np.round(np.clip(u, lo, 1.0) * top) / top


class _MappedLayer:
    """One layer on tiles: target and programmed conductances of every tile."""

    def __init__(self, W, cfg: AnalogConfig, prof: dv.DeviceProfile):
        self.W = W
        self.n_in, self.n_out = W.shape
        self.w_max = float(np.max(np.abs(W))) or 1.0
        g0, g1 = prof.g_min_siemens, prof.g_max_siemens
        d = g1 - g0
        u = W / self.w_max
        self.blocks = []          # (row slice, out slice, target G (r, c))
        t = cfg.tile
        per = t // 2 if cfg.scheme == "differential" else t - 1
        for r0 in range(0, self.n_in, t):
            r1 = min(self.n_in, r0 + t)
            for c0 in range(0, self.n_out, per):
                c1 = min(self.n_out, c0 + per)
                uu = u[r0:r1, c0:c1]
                if cfg.scheme == "differential":
                    G = np.empty((r1 - r0, 2 * (c1 - c0)))
                    G[:, 0::2] = g0 + d * np.maximum(uu, 0)
                    G[:, 1::2] = g0 + d * np.maximum(-uu, 0)
                else:
                    G = np.empty((r1 - r0, c1 - c0 + 1))
                    G[:, :-1] = g0 + d * (uu + 1) / 2
                    G[:, -1] = g0 + d / 2
                self.blocks.append((slice(r0, r1), slice(c0, c1), G))
        self.scale = (2.0 if cfg.scheme == "reference" else 1.0) * self.w_max / d


def _program_all(targets, cfg: AnalogConfig, prof: dv.DeviceProfile, rng):
    """Conductances actually present at read time for the flat target array."""
    t = np.asarray(targets, float)
    g0, g1 = prof.g_min_siemens, prof.g_max_siemens
    lv = prof.levels_siemens
    if cfg.levels:
        idx = np.abs(t[:, None] - lv[None, :]).argmin(axis=1)
        t = lv[idx]
    identical = cfg.variability == 0 and cfg.c2c == 0
    if identical and cfg.levels:
        g = t.copy()
        if cfg.drift_s > 0:           # drift of each level's state, mapped to its cells
            dev = dv.DeviceArray(prof.card, len(lv), x0=prof.level_states)
            g = dv.hold(dev, cfg.drift_s, prof.read_v)[idx]
    elif identical and cfg.drift_s == 0:
        g = t.copy()                  # continuous, exact programming
    else:
        tol = 0.01 if cfg.levels else 0.004
        g, dev = dv.program(prof, t, cfg.variability, cfg.c2c, rng, tol_rel=tol)
        if cfg.drift_s > 0:
            g = dv.hold(dev, cfg.drift_s, prof.read_v)
    if cfg.stuck_on > 0 or cfg.stuck_off > 0:
        u = rng.random(t.size)
        g = np.where(u < cfg.stuck_on, g1, g)
        g = np.where((u >= cfg.stuck_on) & (u < cfg.stuck_on + cfg.stuck_off), g0, g)
    return g


def analog_forward(layers, x, cfg: AnalogConfig, prof: dv.DeviceProfile):
    """Last-layer outputs of the analog network, the number of tiles, solve time (s)."""
    cfg.check()
    rng = np.random.default_rng(cfg.seed)
    mapped = [_MappedLayer(L.w, cfg, prof) for L in layers]
    flat = np.concatenate([G.ravel() for m in mapped for (_, _, G) in m.blocks])
    g_all = _program_all(flat, cfg, prof, rng)
    wires = Wires(cfg.r_wire_ohm, cfg.r_wire_ohm, cfg.r_driver_ohm, cfg.r_sense_ohm)
    # input ranges from the float network on the same inputs (DAC calibration)
    h = np.asarray(x, float)
    ranges, hf = [], h
    for k, L in enumerate(layers):
        ranges.append(float(np.max(np.abs(hf))) or 1.0)
        hf = L.act(hf @ L.w + L.b)
    pos = 0
    solve_s, n_tiles = 0.0, 0
    for k, (L, m) in enumerate(zip(layers, mapped)):
        u = h / ranges[k]
        signed = bool(np.any(u < 0))
        phases = [(1.0, np.maximum(u, 0))] + ([(-1.0, np.maximum(-u, 0))] if signed else [])
        z = np.zeros((h.shape[0], m.n_out))
        for rs, cs, G in m.blocks:
            g = g_all[pos:pos + G.size].reshape(G.shape)
            pos += G.size
            tile = Tile(g, wires)
            n_tiles += 1
            part = np.zeros((h.shape[0], cs.stop - cs.start))
            for sgn, up in phases:
                v = _quant(up[:, rs], cfg.dac_bits, False) * cfg.read_v
                I = tile.read(v)
                if cfg.read_noise > 0:
                    sd = np.sqrt((v ** 2) @ (g ** 2))
                    I = I + cfg.read_noise * sd * rng.standard_normal(I.shape)
                ideal = v @ G
                if cfg.scheme == "differential":
                    Id, Ii = I[:, 0::2] - I[:, 1::2], ideal[:, 0::2] - ideal[:, 1::2]
                else:
                    Id, Ii = I[:, :-1] - I[:, -1:], ideal[:, :-1] - ideal[:, -1:]
                rng_a = (float(np.max(np.abs(Ii))) or 1.0) * cfg.adc_range
                Id = _quant(Id / rng_a, cfg.adc_bits, True) * rng_a
                part += sgn * Id
            solve_s += tile.solve_s
            z[:, cs] += part
        z = z * m.scale * ranges[k] / cfg.read_v + L.b
        h = z if k == len(layers) - 1 else L.act(z)
    return h, n_tiles, solve_s, [tuple(G.shape) for m in mapped for (_, _, G) in m.blocks]


def run_analog(layers, x, y, card, cfg: AnalogConfig | None = None, breakdown: bool = True,
               profile: dv.DeviceProfile | None = None) -> AnalogResult:
    """Accuracy of ``layers`` on inputs ``x`` (k, n_in), labels ``y`` (k,): float, analog
    with ``cfg``, and analog with each active non-ideality alone (``breakdown``)."""
    cfg = (cfg or AnalogConfig()).check()
    x = np.asarray(x, float)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[1] != layers[0].w.shape[0]:
        raise DataError(f"inputs: shape {x.shape}; expected (k, {layers[0].w.shape[0]})")
    if y.shape != (x.shape[0],):
        raise DataError(f"labels: shape {y.shape}; expected ({x.shape[0]},)")
    prof = profile or dv.characterise(card, read_v=cfg.read_v)
    acc_f = float(np.mean(np.argmax(forward(layers, x), axis=1) == y))
    out, n_tiles, solve_s, shapes = analog_forward(layers, x, cfg, prof)
    acc_a = float(np.mean(np.argmax(out, axis=1) == y))
    bd = {}
    if breakdown:
        for name in cfg.active():
            o, *_ = analog_forward(layers, x, cfg.only(name), prof)
            bd[name] = float(np.mean(np.argmax(o, axis=1) == y))
    return AnalogResult(acc_f, acc_a, bd, n_tiles, int(x.shape[0]), solve_s,
                        solve_s / max(1, x.shape[0]), prof.summary(), asdict(cfg), shapes,
                        np.argmax(out, axis=1))


def digits_mlp(hidden: int = 32, seed: int = 0):
    """(layers, x_test, y_test): an MLPClassifier trained on scikit-learn's digits
    (pixels scaled to [0, 1], stratified 75/25 split, seeded)."""
    return _digits(int(hidden), int(seed))


_DIGITS: dict = {}


def _digits(hidden, seed):
    key = (hidden, seed)
    if key not in _DIGITS:
        import warnings
        from sklearn.datasets import load_digits
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier
        from .mapping import from_sklearn
        d = load_digits()
        xtr, xte, ytr, yte = train_test_split(d.data / 16.0, d.target, test_size=0.25,
                                              random_state=seed, stratify=d.target)
        clf = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=120, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(xtr, ytr)
        _DIGITS[key] = (from_sklearn(clf, "digits MLP"), xte, yte, clf)
    return _DIGITS[key][:3]
