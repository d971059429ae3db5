"""Loader options shared by ``memli extract`` and ``memli fit``: their declarations
(used as parameter defaults by both commands) and the checks and loading behind them."""
from __future__ import annotations

import typer as _typer

# -- options of the data-reading commands (extract, fit), declared once --------------------

READ_VOLTAGE = _typer.Option(0.1, "--read-voltage",
                             help="read voltage magnitude for HRS/LRS, V")
POLARITY = _typer.Option("auto", "--polarity", help="which polarity SETs: auto (from the "
                         "data: the side where the current jumps up and stays up, "
                         "compliance), negative_set or positive_set")
OFFSET = _typer.Option("auto", "--offset", help="auto: subtract a current offset read at the "
                       "0 V crossings (when they agree); none")
AREA = _typer.Option(None, "--area", help="device (electrode) area, m^2 (repeat or "
                     "comma-separate: one per file, or one for all)")
SHEET = _typer.Option(None, "--sheet", help="workbook sheet to read: NAME, 0-based INDEX or "
                      "GLOB (repeatable; default: all but calculation/settings sheets)")
COLUMNS = _typer.Option(None, "--columns", help="columns by name or 0-based index, e.g. "
                        "t=0,v=Bias,i=Imeas; wide layouts: v=0,i=13:121 (inclusive range, "
                        "one cycle per current column) or i=I1,I2,I3")
UNITS = _typer.Option(None, "--units", help="unit override, e.g. i=mA,v=mV,t=ms")
SENSE_RESISTOR = _typer.Option(None, "--sense-resistor",
                               help="oscilloscope sense resistor, ohm")
CHANNELS = _typer.Option(None, "--channels", help="oscilloscope channels APPLIED,SENSE as "
                         "the header names them (CH1,CH2 or 1,2; default: first two)")
DROP_BAD_ROWS = _typer.Option(False, "--drop-bad-rows", help="skip rows whose selected "
                              "cells (time, voltage, current) are not numbers")
DECIMAL = _typer.Option(None, "--decimal", help="decimal separator of text files: . or ,")
SWEEP_RATE = _typer.Option(1.0, "--sweep-rate", help="sweep rate used when the data have no "
                           "time column, V/s")
PAIR = _typer.Option(True, "--pair/--no-pair", help="pair SET-only and RESET-only sweeps "
                     "(sheets or files) by the run number in their names")
FORCE = _typer.Option(False, "--force", help="overwrite earlier outputs (never an input)")
JSON = _typer.Option(False, "--json", help="print the summary as JSON")


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
