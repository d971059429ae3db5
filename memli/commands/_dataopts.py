"""Loader options shared by ``memli extract`` and ``memli fit``."""
from __future__ import annotations

from typing import List, Optional


def load_data(data: List[str], columns: Optional[str], units: Optional[str],
              sense_resistor: Optional[float], channels: Optional[str], drop_bad_rows: bool,
              decimal: Optional[str], polarity: str, pair: bool, sheets=None):
    """Load DATA arguments with the CLI's loader flags (DataError on bad input).

    ``polarity`` is ``auto``, ``negative_set`` or ``positive_set`` (it tells SET from
    RESET sweeps kept in separate files when their names do not); ``sheets`` are the
    ``--sheet`` values (workbook sheet names, 0-based indices or globs).
    """
    import math

    from ..data.loaders import load
    from ..errors import DataError
    ch = None
    if channels:
        parts = [c.strip() for c in channels.split(",") if c.strip()]
        if len(parts) != 2:
            raise DataError(f"--channels {channels}: expected two channel names as the "
                            "header writes them, APPLIED,SENSE (e.g. CH1,CH2 or 1,2)")
        ch = tuple(parts)
    if decimal not in (None, ".", ","):
        raise DataError(f"--decimal {decimal}: expected '.' or ','")
    if polarity not in ("auto", "negative_set", "positive_set"):
        raise DataError(f"--polarity {polarity}: expected auto, negative_set or positive_set")
    if sense_resistor is not None and not (isinstance(sense_resistor, (int, float)) and
                                           math.isfinite(sense_resistor) and
                                           0 < sense_resistor < 1e12):
        raise DataError(f"--sense-resistor {sense_resistor}: expected a resistance in ohm, "
                        "0 < R < 1e12")
    sp = {"negative_set": "neg", "positive_set": "pos"}.get(polarity, "auto")
    return load(data, columns=columns or None, units=units or None,
                sense_resistor_ohm=sense_resistor, channels=ch, drop_bad_rows=drop_bad_rows,
                decimal=decimal, set_polarity=sp, pair=pair, sheets=list(sheets or []) or None)


def parse_areas(values) -> list | None:
    """``--area`` values (repeatable, commas allowed) -> areas in m^2, or None."""
    import math

    from ..errors import DataError
    if not values:
        return None
    out = []
    for v in values:
        for part in str(v).split(","):
            part = part.strip()
            if not part:
                continue
            try:
                a = float(part)
            except ValueError:
                raise DataError(f"--area {part}: expected an area in m^2, e.g. 1e-12") from None
            if not (math.isfinite(a) and 0 < a < 1.0):
                raise DataError(f"--area {part}: expected an area in m^2, 0 < A < 1 "
                                "(1 um x 1 um is 1e-12)")
            out.append(a)
    return out or None


def check_positive(**values) -> None:
    """DataError naming the first option whose value is not a finite number > 0.

    Keys are option names with '_' for '-' (``read_voltage`` -> ``--read-voltage``).
    """
    import math

    from ..errors import DataError
    for k, v in values.items():
        if v is None:
            continue
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
            raise DataError(f"--{k.replace('_', '-')} {v!r}: expected a number > 0")


def check_not_input_folder(out, inputs) -> None:
    """DataError when ``out`` (a folder, or a file whose folder counts) holds an input."""
    from pathlib import Path

    from ..errors import DataError
    out = Path(out)
    out_dir = (out.parent if out.suffix else out).resolve()
    for f in inputs:
        p = Path(f)
        if p.exists() and (p.resolve().parent == out_dir or p.resolve() == out_dir):
            raise DataError(f"{out}: is the folder of input {f}; choose another --out "
                            "(inputs' folders are never written to)")


def check_read_voltage(d, read_voltage: float) -> None:
    """DataError when |V| never reaches the read voltage in the data (nothing to read)."""
    import numpy as np

    from ..errors import DataError
    _, v, _, _ = d.arrays()
    vmax = float(np.nanmax(np.abs(v))) if len(v) else 0.0
    if abs(read_voltage) >= vmax:
        raise DataError(f"--read-voltage {read_voltage:g} V: the data reach only |V| = "
                        f"{vmax:g} V; choose a read voltage inside the sweep")
