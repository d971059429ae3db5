"""Pulse-response tables: pulse number, amplitude, width and the read current or
conductance after each pulse (potentiation/depression trains, incremental step pulses,
pulse-amplitude transfer curves), and GENERATED ones made by simulating a card.

A table is CSV with a header; columns are recognised by name (case-insensitive, units
in the name's suffix or in brackets):

=====================  ===================================================  =========
role                   accepted names                                       unit
=====================  ===================================================  =========
pulse number           pulse, n, number, pulse_number, #                    -
amplitude              amplitude, amplitude_v, v_pulse, vpulse, v_amp       V (mV)
width                  width, width_s, pulse_width, t_pulse                 s (ms, us, ns)
read conductance       g, g_s, g_siemens, conductance                       S (mS, uS, nS)
read current           i_read, i_read_a, read_current, iread                A (mA, uA, nA)
read voltage           v_read, v_read_v, read_voltage                       V
=====================  ===================================================  =========

One of conductance or read current is required; a read current needs the read
voltage (a column, or ``read_voltage_v``).  Lines starting with ``#`` are comments; a
``# GENERATED`` comment marks generated data.

The pulse protocol simulated for a table (:func:`protocol_waveform`): each pulse is a
trapezoid 0 -> amplitude -> 0 (edges ``edge_frac`` of the width), then a gap, a read
plateau at the read voltage (``read_width_s``), and a gap; the read current is taken
at the end of the plateau.

Command line (the bundled GENERATED tables)::

    python -m memli.data.pulses --bundled
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..units import PREFIX

_ROLES = {
    "pulse": ("pulse", "n", "number", "pulse_number", "#", "pulse_no", "index"),
    "amplitude": ("amplitude", "v_pulse", "vpulse", "v_amp", "amp", "pulse_amplitude"),
    "width": ("width", "pulse_width", "t_pulse", "tpulse", "duration"),
    "g": ("g", "conductance", "g_read"),
    "i_read": ("i_read", "read_current", "iread", "i"),
    "v_read": ("v_read", "read_voltage", "vread"),
}
#: header units (lower case) -> multiplier to SI; a lower-case 's' after a prefix is
#: seconds for the width and siemens for the conductance (the multiplier is the same)
_SCALE = {"": 1.0, "siemens": 1.0,
          **{p + base: PREFIX[p] for p in ("", "m", "u", "µ", "n") for base in "vsa"}}
_UNIT_OF = {"amplitude": "V", "width": "s", "g": "S", "i_read": "A", "v_read": "V",
            "pulse": ""}


@dataclass
class PulseTable:
    """A pulse-response table in SI units: one row per pulse."""

    pulse: np.ndarray
    amplitude_v: np.ndarray
    width_s: np.ndarray
    g_siemens: np.ndarray
    read_voltage_v: float = 0.1
    generated: bool = False
    source: str = ""
    meta: dict = field(default_factory=dict)

    def __len__(self):
        return int(self.pulse.size)

    def to_csv(self, path=None, header: str = "") -> str:
        buf = io.StringIO()
        if self.generated:
            buf.write("# GENERATED data (not a measurement)" + (f": {header}" if header else "")
                      + "\n")
        for k, v in self.meta.items():
            buf.write(f"# {k}: {v}\n")
        buf.write("pulse,amplitude_v,width_s,v_read_v,g_siemens\n")
        for n, a, w, g in zip(self.pulse, self.amplitude_v, self.width_s, self.g_siemens):
            buf.write(f"{int(n)},{a:.6g},{w:.6g},{self.read_voltage_v:.6g},{g:.6e}\n")
        text = buf.getvalue()
        if path is not None:
            from ..fsio import write_text_atomic
            write_text_atomic(path, text)
        return text


def _split(name: str):
    """(base name, unit scale or None, unit text) of a header cell."""
    n = name.strip().lower().replace(" ", "_")
    m = re.match(r"^(.*?)[_\s]*[\(\[]\s*([^\)\]]*)\s*[\)\]]$", n)
    if m:
        base, unit = m.group(1).strip("_"), m.group(2).strip().lower()
        return base, _SCALE.get(unit), unit
    for suf in ("siemens", "mv", "ms", "us", "ns", "ma", "ua", "na", "v", "s", "a"):
        if n.endswith("_" + suf):
            return n[: -len(suf) - 1], _SCALE[suf], suf
    return n, 1.0, ""


def _role(base: str):
    for role, names in _ROLES.items():
        if base in names:
            return role
    return None


def load_pulses(path, read_voltage_v: float | None = None) -> PulseTable:
    """Read a pulse-response table (see the module docstring).

    Raises
    ------
    DataError
        Naming the file and line, when a column is missing or a cell is not a number.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror})") from None
    lines = text.splitlines()
    generated = any(ln.lstrip().startswith("#") and "GENERATED" in ln.upper() for ln in lines)
    rows = [(k + 1, ln) for k, ln in enumerate(lines) if ln.strip() and not ln.lstrip()
            .startswith("#")]
    if not rows:
        raise DataError(f"{path}: no rows; expected a header and one row per pulse")
    sep = "\t" if "\t" in rows[0][1] else ("," if "," in rows[0][1] else ";"
                                           if ";" in rows[0][1] else None)
    head = [c.strip() for c in (rows[0][1].split(sep) if sep else rows[0][1].split())]
    cols = {}
    for j, h in enumerate(head):
        base, scale, unit = _split(h)
        role = _role(base)
        if role is None:
            continue
        if scale is None:
            raise DataError(f"{path}:{rows[0][0]}: column '{h}': unknown unit '{unit}'; expected "
                            f"a unit of {_UNIT_OF[role] or 'a count'}")
        cols.setdefault(role, (j, scale))
    missing = [r for r in ("amplitude", "width") if r not in cols]
    if "g" not in cols and "i_read" not in cols:
        missing.append("g (conductance) or i_read (read current)")
    if missing:
        raise DataError(f"{path}:{rows[0][0]}: missing column(s) {missing}; header is "
                        f"{head}. Names accepted: amplitude_v, width_s, g_siemens or i_read_a, "
                        "v_read_v (units also as 'amplitude (mV)')")
    data = {r: [] for r in cols}
    for ln_no, ln in rows[1:]:
        cells = [c.strip() for c in (ln.split(sep) if sep else ln.split())]
        for role, (j, scale) in cols.items():
            try:
                x = float(cells[j]) * scale
            except (IndexError, ValueError):
                raise DataError(f"{path}:{ln_no}: column '{head[j]}' is "
                                f"{cells[j] if j < len(cells) else 'missing'!r}; expected a "
                                f"number in {_UNIT_OF[role] or 'counts'}") from None
            if not math.isfinite(x):
                raise DataError(f"{path}:{ln_no}: column '{head[j]}' is not finite")
            data[role].append(x)
    n = len(data["amplitude"])
    if n < 3:
        raise DataError(f"{path}: {n} pulse row(s); expected at least 3")
    vr = read_voltage_v
    if vr is None and "v_read" in data:
        vr = float(np.median(data["v_read"]))
    if "g" in data:
        g = np.asarray(data["g"], float)
    else:
        if not vr:
            raise DataError(f"{path}: a read current needs the read voltage: add a v_read_v "
                            "column or pass --read-voltage")
        g = np.abs(np.asarray(data["i_read"], float)) / abs(vr)
    amp = np.asarray(data["amplitude"], float)
    if np.nanmax(np.abs(amp)) >= 100:
        raise DataError(f"{path}: pulse amplitudes reach {np.nanmax(np.abs(amp)):.3g} V; "
                        "expected volts (write the unit in the header, e.g. 'amplitude (mV)')")
    pulse = np.asarray(data.get("pulse", np.arange(1, n + 1)), float)
    return PulseTable(pulse, amp, np.asarray(data["width"], float), g,
                      float(vr if vr else 0.1), generated, str(path))


def protocol_waveform(table: PulseTable, read_width_s: float | None = None,
                      gap_s: float | None = None, edge_frac: float = 0.1):
    """(t in s, v in V, index of each read sample) of the pulse protocol of ``table``."""
    ts, vs, reads = [0.0], [0.0], []
    t = 0.0
    wmed = float(np.median(table.width_s))
    rw = read_width_s or wmed
    gap = gap_s or wmed
    for a, w in zip(table.amplitude_v, table.width_s):
        e = edge_frac * w
        for dt, v in ((gap, 0.0), (e, a), (w, a), (e, 0.0), (gap, 0.0),
                      (e, table.read_voltage_v), (rw, table.read_voltage_v)):
            t += dt
            ts.append(t)
            vs.append(v)
        reads.append(len(ts) - 1)
        t += e
        ts.append(t)
        vs.append(0.0)
    return np.asarray(ts), np.asarray(vs), np.asarray(reads, int)


def simulate_pulses(card, table: PulseTable, x0=None, rtol: float = 1e-6) -> np.ndarray:
    """Read conductance (S) after each pulse of ``table``'s protocol for ``card``."""
    from ..sim import Waveform, simulate
    t, v, reads = protocol_waveform(table)
    res = simulate(card, Waveform.pwl(t, v), x0=x0, rtol=rtol)
    return np.abs(res.i[reads]) / abs(table.read_voltage_v)


def potdep_protocol(n_pot: int = 40, n_dep: int = 40, v_pot_v: float = 1.0,
                    v_dep_v: float = -1.0, width_s: float = 1e-3, trains: int = 2,
                    read_voltage_v: float = 0.1) -> PulseTable:
    """Potentiation/depression trains: ``trains`` x (n_pot pulses at v_pot, n_dep at v_dep)."""
    amp = np.tile(np.r_[np.full(n_pot, v_pot_v), np.full(n_dep, v_dep_v)], trains)
    n = amp.size
    return PulseTable(np.arange(1, n + 1, dtype=float), amp, np.full(n, width_s),
                      np.zeros(n), read_voltage_v)


def step_protocol(v_start_v: float = 0.3, v_stop_v: float = 1.2, n: int = 30,
                  width_s: float = 1e-3, read_voltage_v: float = 0.1) -> PulseTable:
    """Incremental step pulses: amplitudes rising linearly from v_start to v_stop."""
    amp = np.linspace(v_start_v, v_stop_v, n)
    return PulseTable(np.arange(1, n + 1, dtype=float), amp, np.full(n, width_s), np.zeros(n),
                      read_voltage_v)


def generate_pulses(card, table: PulseTable, noise_rel: float = 0.02, seed: int = 0,
                    x0=None) -> PulseTable:
    """A GENERATED table: ``table``'s protocol simulated for ``card`` with relative read
    noise ``noise_rel`` (Gaussian, sd of the relative error)."""
    from ..cards import load_card
    card = load_card(card)
    g = simulate_pulses(card, table, x0)
    rng = np.random.default_rng(seed)
    g = g * (1 + noise_rel * rng.normal(size=g.size))
    return PulseTable(table.pulse.copy(), table.amplitude_v.copy(), table.width_s.copy(), g,
                      table.read_voltage_v, True, "generated",
                      {"card": card.name, "model": card.model.name, "card_hash": card.hash(),
                       "noise_rel": noise_rel, "seed": seed})


#: the bundled GENERATED pulse tables: name -> (model card, parameter values, protocol, x0)
BUNDLED = {
    "oxide_potdep_generated.csv": (
        "yakopcic_default", {"a1_a": 2e-4, "a2_a": 2e-4, "b_per_v": 2.0, "vp_v": 0.5,
                             "vn_v": 0.6, "ap_per_s": 5.0, "an_per_s": 20.0, "alphap": 1.0,
                             "alphan": 5.0},
        ("potdep", dict(n_pot=40, n_dep=40, v_pot_v=0.9, v_dep_v=-1.0, width_s=5e-3,
                        trains=2)), {"x": 0.05}),
    "oxide_steps_generated.csv": (
        "yakopcic_default", {"a1_a": 2e-4, "a2_a": 2e-4, "b_per_v": 2.0, "vp_v": 0.5,
                             "vn_v": 0.6, "ap_per_s": 5.0, "an_per_s": 20.0, "alphap": 1.0,
                             "alphan": 5.0},
        ("steps", dict(v_start_v=0.3, v_stop_v=1.2, n=30, width_s=5e-3)), {"x": 0.02}),
}


def bundled_path(name: str) -> Path:
    return Path(__file__).resolve().parent / "bundled" / name


def make_bundled(name: str) -> PulseTable:
    from ..cards import load_card
    card_name, vals, (kind, kw), x0 = BUNDLED[name]
    card = load_card(card_name).with_values(**vals)
    proto = potdep_protocol(**kw) if kind == "potdep" else step_protocol(**kw)
    tab = generate_pulses(card, proto, seed=1, x0=x0)
    tab.meta["made_by"] = "python -m memli.data.pulses --bundled"
    tab.meta["parameters"] = " ".join(f"{k}={v:g}" for k, v in vals.items())
    tab.meta["initial_state"] = " ".join(f"{k}={v:g}" for k, v in x0.items())
    return tab


def main(argv=None):
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv != ["--bundled"]:
        print("usage: python -m memli.data.pulses --bundled  (remakes the GENERATED pulse "
              "tables in memli/data/bundled/)")
        return 2
    for name in BUNDLED:
        tab = make_bundled(name)
        tab.to_csv(bundled_path(name), header=f"memli.data.pulses, card {tab.meta['card']} "
                   f"(model {tab.meta['model']})")
        print(f"wrote {bundled_path(name)}: {len(tab)} pulses (GENERATED)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
