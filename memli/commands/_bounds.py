"""Bounds of every numeric command-line option, in one table.

Each numeric option (``int``, ``float``, or a tuple of them) of every ``memli`` command
is checked against the range declared here before the command does any work: NaN and
infinities are refused, and values outside ``[lo, hi]`` give one line naming the option,
the value and the range (exit 2).  The upper bounds keep a run finite (sizes, counts,
epochs, workers) and catch unit slips (a voltage of kilovolts, a resistance of 1e300).

Keys are option names (``--width``); a key ``"<command path>:<option>"`` (``"crossbar
tipfilm:--n-side"``) overrides it for one command.  ``memli.cli`` applies the table when
the commands are registered; tests/unit/test_cli_bounds.py checks that every numeric
option has an entry and that both ends are enforced.
"""
from __future__ import annotations

import inspect
import math

#: option -> (lo, hi, unit and meaning for messages)
BOUNDS: dict[str, tuple[float, float, str]] = {
    # sizes, counts and effort
    "--rows": (1, 4096, "word lines"),
    "--cols": (1, 4096, "bit lines"),
    "--n-side": (1, 64, "tips per side"),
    "--cycles": (1, 1_000_000, "cycles"),
    "crossbar tipfilm:--cycles": (1, 1000, "cycles"),
    "--count": (1, 100_000, "pulses per cell"),
    "--n-dep": (0, 100_000, "pulses"),
    "--n-pot": (0, 100_000, "pulses"),
    "--n-pre": (1, 10_000, "pulses"),
    "--n-condition": (0, 1000, "cycles"),
    "--n-drops": (100, 1_000_000, "drops per size"),
    "--epochs": (1, 10_000, "epochs"),
    "--seeds": (1, 1000, "seeds"),
    "--seed": (0, 2**32 - 1, "seed"),
    "--workers": (1, 256, "worker processes"),
    "--stop-after": (1, 10_000_000, "chunks"),
    "--bootstrap": (0, 10_000, "resamples"),
    "--max-cycles": (1, 1_000_000, "cycles"),
    "--max-nfev": (1, 100_000, "function evaluations"),
    "--max-points": (100, 100_000_000, "points"),
    # voltages, V
    "--sweep": (-1000.0, 1000.0, "V"),
    "--v-set": (-1000.0, 1000.0, "V"),
    "--v-reset": (-1000.0, 1000.0, "V"),
    "--v-write": (-1000.0, 1000.0, "V"),
    "--v-pre": (-1000.0, 1000.0, "V"),
    "--vin": (-1000.0, 1000.0, "V"),
    "--vin-max": (0.0, 1000.0, "V"),
    "--read-voltage": (1e-4, 100.0, "V (magnitude)"),
    # signed read voltages (li_filament reads at -0.05 V, on its plating side)
    "simulate:--read-voltage": (-100.0, 100.0, "V"),
    "crossbar write:--read-voltage": (-100.0, 100.0, "V"),
    "--variability-scale": (0.0, 100.0, "x the card's variability"),
    "--dv": (1e-9, 10.0, "V"),
    # times and rates
    "--hold": (1e-9, 1e9, "s"),
    "--pulse-width": (1e-15, 1e3, "s"),
    "--read-pulses": (1, 1_000_000_000, "pulses"),
    "--width": (1e-15, 1e6, "s"),
    "--rate": (1e-9, 1e9, "V/s"),
    "--sweep-rate": (1e-9, 1e9, "V/s"),
    # currents, A
    "--compliance": (1e-15, 100.0, "A"),
    "--i-threshold": (1e-18, 100.0, "A"),
    # resistances, ohm
    "--r-wl": (0.0, 1e9, "ohm"),
    "--r-bl": (0.0, 1e9, "ohm"),
    "--r-source": (0.0, 1e12, "ohm"),
    "--r-sense": (0.0, 1e12, "ohm"),
    "--r-series": (0.0, 1e12, "ohm"),
    "--r-lead": (0.0, 1e12, "ohm"),
    "--r-common": (0.0, 1e12, "ohm"),
    "--r-wire": (0.0, 1e9, "ohm"),
    "--sense-resistor": (1e-6, 1e15, "ohm"),
    # lengths and areas
    "--area": (1e-24, 1.0, "m^2"),
    "--grain-size": (1e-9, 1e-2, "m"),
    # ratios and fractions
    "--min-on-off": (1.0, 1e15, "ratio"),
    "--min-ratio": (1.0, 1e15, "ratio"),
    "--on-off": (1.0, 1e15, "ratio"),
    "--variability": (0.0, 10.0, "relative spread"),
    "--threshold": (-1e12, 1e12, "state value"),
    "--eps-r": (0.0, 1e6, "relative permittivity"),
    "--rtol": (1e-16, 1e-2, "relative residual"),
    # analog tiles
    "--tile": (2, 4096, "cells per side"),
    "--hidden": (1, 4096, "hidden units"),
    "analog infer:--read-voltage": (1e-4, 10.0, "V"),
    "analog digits:--read-voltage": (1e-4, 10.0, "V"),
    "--r-driver": (0.0, 1e12, "ohm"),
    "analog infer:--variability": (0.0, 1.0, "relative sd"),
    "analog digits:--variability": (0.0, 1.0, "relative sd"),
    "--c2c": (0.0, 1.0, "relative sd"),
    "--stuck-on": (0.0, 1.0, "fault rate"),
    "--stuck-off": (0.0, 1.0, "fault rate"),
    "--drift-time": (0.0, 1e9, "s"),
    "--read-noise": (0.0, 1.0, "relative sd"),
    "--dac-bits": (1, 24, "bits"),
    "--adc-bits": (1, 24, "bits"),
    "--adc-range": (1e-3, 100.0, "fraction of the largest ideal current"),
}


def _numeric(annotation) -> bool:
    text = str(annotation)
    return ("float" in text or "int" in text) and "bool" not in text and "str" not in text


def bounds_for(path: str, flag: str):
    """(lo, hi, unit) of option ``flag`` of command ``path`` (e.g. "crossbar read")."""
    return BOUNDS.get(f"{path}:{flag}") or BOUNDS.get(flag)


def _fmt(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _checker(flag: str, lo, hi, unit: str, previous=None):
    import typer

    def check(value):
        vals = value if isinstance(value, (tuple, list)) else [value]
        for v in vals:
            if v is None:
                continue
            bad = not (isinstance(v, (int, float)) and math.isfinite(v) and lo <= v <= hi)
            if bad:
                raise typer.BadParameter(
                    f"{v}: expected a finite number in [{_fmt(lo)}, {_fmt(hi)}] ({unit})",
                    param_hint=f"'{flag}'")
        return previous(value) if previous is not None else value
    return check


def walk(app, path=()):
    """(command path, command info) of every registered command, groups included."""
    for c in app.registered_commands:
        yield " ".join((*path, c.name or c.callback.__name__.replace("_", "-"))), c
    for g in app.registered_groups:
        yield from walk(g.typer_instance, (*path, g.name))


def numeric_options(app):
    """(command path, option flag, OptionInfo) of every numeric option."""
    import typer
    for path, c in walk(app):
        for p in inspect.signature(c.callback).parameters.values():
            d = p.default
            if isinstance(d, typer.models.OptionInfo) and _numeric(p.annotation):
                yield path, d.param_decls[0], d


def apply_bounds(app) -> list[str]:
    """Attach the range check of :data:`BOUNDS` to every numeric option of ``app``.

    Returns ``"<command> <option>"`` for options that have no entry (a test keeps this
    list empty)."""
    missing = []
    for path, flag, info in numeric_options(app):
        if getattr(info, "_memli_bounded", False):
            continue
        b = bounds_for(path, flag)
        if b is None:
            missing.append(f"{path} {flag}")
            continue
        lo, hi, unit = b
        info.callback = _checker(flag, lo, hi, unit, info.callback)
        rng = f"[{_fmt(lo)}, {_fmt(hi)}]"
        if info.help and rng not in info.help:
            info.help = f"{info.help} (range {rng})"
        info._memli_bounded = True
    return missing
