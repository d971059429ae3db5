"""Oscilloscope captures: channel columns (``CH1``, ``C2``, or the numbered channels of a
two-line header ``x-axis,1,2`` / ``second,Volt,Volt``) become device voltage and current.

The current is the voltage across a sense resistor divided by it (``--sense-resistor``);
the device voltage is the applied channel minus the sense channel.  ``--channels
APPLIED,SENSE`` names the channels as the header writes them (``CH1,CH2`` or ``1,2``);
a number that is not a channel name is a 0-based column index.
"""
from __future__ import annotations

import numpy as np

from ...errors import DataError
from .numbers import norm, split_name_unit


def _channel_cols(roles):
    chans = sorted((k for k in roles if k.startswith("ch") and k[2:].isdigit()),
                   key=lambda k: int(k[2:]))
    return chans


def assign_channels(roles, names, width, opts, tab, block):
    """Turn channel roles into ``ch_a`` (applied) and ``ch_b`` (sense) in place."""
    chans = _channel_cols(roles)
    if opts.channels:
        a, b = opts.channels
        roles["ch_a"] = _find(a, names, width, tab, block, chans, roles)
        roles["ch_b"] = _find(b, names, width, tab, block, chans, roles)
        if roles["ch_a"] == roles["ch_b"]:
            raise DataError(f"{tab.where(block.rows[0], None)}: --channels {a},{b} names one "
                            "column twice; expected APPLIED,SENSE")
        for k in ("v", "i"):
            if k in roles and k not in (opts.columns or {}):
                del roles[k]
    elif "i" in roles and "v" not in roles and chans:
        roles["v"] = roles[chans[0]]     # a voltage channel beside a current channel
    elif "i" not in roles and "ch_a" not in roles and len(chans) >= 2 and (
            "v" not in roles or "v" not in (opts.columns or {})):
        roles["ch_a"], roles["ch_b"] = roles[chans[0]], roles[chans[1]]
        roles.pop("v", None)
    for k in chans:
        roles.pop(k, None)
    if "v" in roles and "ch_a" in roles:
        del roles["v"]


def _find(ref, names, width, tab, block, chans, roles):
    s = str(ref).strip()
    for j, n in enumerate(names or []):
        if n and (n.strip() == s or split_name_unit(n)[0].strip() == s
                  or norm(n) == norm(s)):
            return j
    if s.isdigit() and int(s) < width:
        return int(s)
    shown = [n for n in names or [] if n]
    raise DataError(f"{tab.where(block.rows[0], None)}: --channels: no channel '{s}'; "
                    f"columns are {', '.join(shown) or f'{width} unnamed columns'}")


def channels_to_vi(va, vs, opts, where):
    """Device voltage and current from the applied and sense channels, V and A."""
    if opts.sense_resistor_ohm is None:
        raise DataError(f"{where}: oscilloscope capture (two voltage channels, no current "
                        "column); pass --sense-resistor OHM and --channels APPLIED,SENSE")
    r = float(opts.sense_resistor_ohm)
    return np.asarray(va) - np.asarray(vs), np.asarray(vs) / r
