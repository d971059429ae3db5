"""Numbers and units: cells to floats, header units to SI multipliers.

A cell may carry an engineering prefix (``12.5m``) and a unit (``3 uA``).  A unit inside a
cell must be the unit of the cell's column (a ``3 uA`` in the voltage column is an error,
not a voltage); such a cell is already in SI and the column's header unit does not apply
to it.
"""
from __future__ import annotations

import math
import re

import numpy as np

from ...errors import DataError
from ...units import PREFIX_CHARS, parse_quantity, prefix_scale, split_unit

EXCEL_ERRORS = {"#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                "#GETTING_DATA", "#SPILL!", "#CALC!", "#N/A N/A", "#ERR"}
DEC_COMMA_RE = re.compile(r"^[-+]?\d+,\d+(?:[eE][-+]?\d+)?$")
#: unit letter in a cell -> role it belongs to
CELL_UNIT_ROLE = {"V": "v", "A": "i", "s": "t"}
ROLE_WORD = {"v": "voltage in V", "i": "current in A", "t": "time in s",
             "ch_a": "channel voltage in V", "ch_b": "channel voltage in V",
             "cycle": "a cycle number"}
_NAN_WORDS = ("", "nan", "-nan", "na", "n/a", "null", "none", "-", "--")


def parse_cell(cell, decimal_comma: bool = False):
    """``(value, unit letter or None)`` of one cell.

    Empty and NaN-like text gives ``(nan, None)``; booleans (Excel TRUE/FALSE) are not
    numbers.  Raises DataError (without a place: callers that know the file and line
    catch it and name them) when the cell is not a number.
    """
    if cell is None:
        return math.nan, None
    if isinstance(cell, (bool, np.bool_)):
        raise _not_a_number("TRUE" if cell else "FALSE")
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return float(cell), None
    s = str(cell).strip().strip('"').strip("'").strip()
    low = s.lower()
    if low in _NAN_WORDS:
        return math.nan, None
    if low in ("inf", "+inf", "-inf", "infinity", "-infinity", "+infinity"):
        return float(low.replace("infinity", "inf")), None
    if decimal_comma and "," in s:
        s = s.replace(".", "").replace(",", ".")
    try:
        return float(s), None
    except ValueError:
        pass
    if low in ("true", "false"):
        raise _not_a_number(s)
    try:
        return parse_quantity(s)
    except ValueError:
        raise _not_a_number(s) from None


def _not_a_number(text) -> DataError:
    return DataError(f"cell '{text}' is not a number; expected e.g. -1.5e-3, 12.5m or 3 uA")


def parse_number(cell, decimal_comma: bool = False) -> float:
    """Parse one cell: a float, or text like ``-1.5e-3``, ``1,5`` (decimal comma),
    ``12.5m``, ``3uA``.  Empty / NaN text gives nan; anything else raises DataError.

    Examples
    --------
    >>> parse_number("12.5m"), parse_number("3 uA"), parse_number("1,5", decimal_comma=True)
    (0.0125, 3e-06, 1.5)
    """
    return parse_cell(cell, decimal_comma)[0]


def is_num(cell, dc=False) -> bool:
    try:
        parse_cell(cell, dc)
    except DataError:
        return False
    return True


def cell_text(c) -> str:
    if isinstance(c, (bool, np.bool_)):
        return "TRUE" if c else "FALSE"
    return "" if c is None else str(c).strip()


def split_name_unit(name: str):
    """'Current (mA)' -> ('Current', 'mA'); 'I/uA' -> ('I', 'uA'); 'V_mV' -> ('V', 'mV').

    Brackets holding only digits are indices, not units: ``Smu1.V[1][1]`` -> ('Smu1.V',
    None).
    """
    s = str(name).strip().strip('"').strip()
    s = re.sub(r"\s*\[\s*\d+\s*\]", "", s).strip()    # Smu1.I[1][1]: indices
    unit = None
    m = re.search(r"[\[\(\{]\s*([^\]\)\}]*)\s*[\]\)\}]\s*$", s)
    if m and m.start() > 0:
        unit, s = m.group(1).strip(), s[: m.start()].strip()
    else:
        m = re.search(rf"(?:/|_|\s|\bin\s)\s*([{PREFIX_CHARS}]?(?:V|A|s|sec))\s*$", s)
        if m and len(s) > len(m.group(0)):
            unit, s = m.group(1), s[: m.start()].strip()
        else:  # memli's own lowercase suffixes: v_v, i_a, time_s, i_ma, v_mv
            m = re.search(r"_([fpnum]?)([vas])$", s)
            if m and len(s) > len(m.group(0)):
                unit = m.group(1) + {"v": "V", "a": "A", "s": "s"}[m.group(2)]
                s = s[: m.start()].strip()
    return s, unit


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9|]", "", str(name).lower().replace("µ", "u"))


def unit_like(s: str) -> bool:
    return split_unit(s) is not None


def unit_scale(unit: str | None, role: str, where: str) -> float:
    """Multiplier from ``unit`` (e.g. 'mA', 'uA', 'mV', 'ms', 'Volt') to SI for ``role``."""
    if unit is None or str(unit).strip() == "":
        return 1.0
    cu = split_unit(str(unit))
    if cu is None:
        raise DataError(f"{where}: unit '{unit}' not understood; expected V, mV, A, mA, uA, "
                        "nA, pA, s, ms, us. Pass --units v=mV (or i=..., t=...)")
    base = {"V": "v", "A": "i", "s": "t"}.get(cu[1])
    if base is not None and base != role and role in ("t", "v", "i"):
        word = {"t": "time", "v": "voltage", "i": "current"}[role]
        raise DataError(f"{where}: unit '{unit}' is not a unit of {word}. Pass "
                        f"--units {role}=UNIT to say what the column holds")
    return prefix_scale(unit)


def convert_column(cells, role, dc, where_row, col, drop_bad, name=""):
    """Numbers of one selected column (cells -> float array in the column's own unit).

    Returns ``(values, bad mask, si mask)``: ``bad`` marks cells that are not numbers or
    empty (when ``drop_bad``), ``si`` marks cells that carried their own unit (already SI).
    Raises DataError naming the first bad cell otherwise.
    """
    n = len(cells)
    out = np.empty(n)
    bad = np.zeros(n, bool)
    si = np.zeros(n, bool)
    want = {"ch_a": "v", "ch_b": "v"}.get(role, role)
    for k, c in enumerate(cells):
        try:
            x, u = parse_cell(c, dc)
        except DataError:
            txt = cell_text(c)
            if drop_bad:
                bad[k] = True
                continue
            what = "an Excel error" if txt.upper() in EXCEL_ERRORS else "not a number"
            raise DataError(f"{where_row(k, col)}: cell '{txt}' in selected column {name} is "
                            f"{what}; expected {ROLE_WORD.get(role, role)}. Fix the cell, or "
                            "pass --drop-bad-rows to skip rows whose selected cells are bad"
                            ) from None
        if u is not None and u != "ohm":
            if CELL_UNIT_ROLE.get(u) != want:
                raise DataError(f"{where_row(k, col)}: cell '{cell_text(c)}' carries unit "
                                f"{u} but column {name} is read as "
                                f"{ROLE_WORD.get(role, role)}. Fix the cell or choose the "
                                "column with --columns")
            si[k] = True
        elif u == "ohm":
            raise DataError(f"{where_row(k, col)}: cell '{cell_text(c)}' is a resistance; "
                            f"expected {ROLE_WORD.get(role, role)}")
        if not math.isfinite(x) and role != "cycle":
            if drop_bad:
                bad[k] = True
                continue
            txt = cell_text(c) or "empty"
            raise DataError(f"{where_row(k, col)}: selected cell of column {name} is "
                            f"'{txt}'; expected {ROLE_WORD.get(role, role)}. Fix the cell, "
                            "or pass --drop-bad-rows to skip rows whose selected cells are "
                            "bad")
        out[k] = x
    out[bad] = np.nan
    return out, bad, si
