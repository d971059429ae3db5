"""Loader options shared by ``memli extract`` and ``memli fit``."""
from __future__ import annotations

from typing import List, Optional


def load_data(data: List[str], columns: Optional[str], units: Optional[str],
              sense_resistor: Optional[float], channels: Optional[str], drop_bad_rows: bool,
              decimal: Optional[str], polarity: str, pair: bool):
    """Load DATA arguments with the CLI's loader flags (DataError on bad input)."""
    from ..data.loaders import load, parse_spec
    from ..errors import DataError
    ch = None
    if channels:
        parts = [c.strip() for c in channels.split(",") if c.strip()]
        if len(parts) != 2:
            raise DataError(f"--channels {channels!r}: expected two names, APPLIED,SENSE "
                            "(e.g. CH1,CH2)")
        ch = tuple(int(p) if p.isdigit() else p for p in parts)
    if decimal not in (None, ".", ","):
        raise DataError(f"--decimal {decimal!r}: expected '.' or ','")
    if polarity not in ("negative_set", "positive_set"):
        raise DataError(f"--polarity {polarity!r}: expected negative_set or positive_set")
    return load(data, columns=parse_spec(columns, "--columns"),
                units=parse_spec(units, "--units"), sense_resistor_ohm=sense_resistor,
                channels=ch, drop_bad_rows=drop_bad_rows, decimal=decimal,
                set_polarity="neg" if polarity == "negative_set" else "pos", pair=pair)


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
