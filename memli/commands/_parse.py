"""Parsers of the text options that carry numbers (``NAME=VALUE``, comma lists).

Numeric options proper are bounded in :mod:`memli.commands._bounds`; these parsers give
the same guarantees to numbers inside text options: finite, in range, one-line errors
naming the option.
"""
from __future__ import annotations

import math

from ..errors import DataError


def parse_assignments(items, where: str = "--param") -> dict:
    """``NAME=VALUE`` strings -> {name: float}; finite values only (DataError otherwise)."""
    out = {}
    for it in items or []:
        if "=" not in it:
            raise DataError(f"{where} {it!r}: expected NAME=VALUE (SI units)")
        k, v = it.split("=", 1)
        k = k.strip()
        if not k:
            raise DataError(f"{where} {it!r}: missing NAME before '='")
        try:
            x = float(v)
        except ValueError:
            raise DataError(f"{where} {it!r}: value {v.strip()!r} is not a number") from None
        if not math.isfinite(x):
            raise DataError(f"{where} {it!r}: expected a finite number")
        out[k] = x
    return out


def parse_states(items, model, where: str = "--state") -> dict:
    """``NAME=VALUE`` for state variables of ``model``: known names, within the state's
    bounds."""
    vals = parse_assignments(items, where)
    for k, v in vals.items():
        if k not in model.state_names:
            raise DataError(f"{where} {k}: not a state of {model.name}; states are "
                            f"{', '.join(model.state_names) or 'none'}")
        lo, hi = model.states[model.state_names.index(k)].bounds
        if not lo <= v <= hi:
            raise DataError(f"{where} {k}={v:g}: outside the state's bounds [{lo:g}, {hi:g}]")
    return vals


def parse_list(text: str, where: str, lo: float, hi: float, unit: str, integer: bool = False,
               max_items: int = 100) -> list:
    """A comma list of numbers within [lo, hi] (at most ``max_items``)."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    kind = "whole numbers" if integer else "numbers"
    if not parts:
        raise DataError(f"{where} {text!r}: expected a comma list of {kind} ({unit})")
    if len(parts) > max_items:
        raise DataError(f"{where}: {len(parts)} values; at most {max_items}")
    out = []
    for p in parts:
        try:
            x = int(p) if integer else float(p)
        except ValueError:
            raise DataError(f"{where} {text!r}: {p!r} is not one of the expected {kind}, "
                            f"e.g. {'8,16,32' if integer else '1e-6,2e-6'}") from None
        if not (math.isfinite(x) and lo <= x <= hi):
            raise DataError(f"{where} {p}: expected values in [{lo:g}, {hi:g}] ({unit})")
        out.append(x)
    return out
