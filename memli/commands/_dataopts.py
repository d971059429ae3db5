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
