"""Read current-voltage measurements as instruments and labs write them.

Supported inputs
----------------
* delimited text (``.csv .tsv .txt .dat .prn`` or anything else that is text): comma,
  semicolon, tab or whitespace separated; with or without a header row and a units row;
  comment lines (``#  %  //  ;  !``); UTF-8 / UTF-16 byte-order marks; CRLF; trailing
  separators; decimal commas; engineering notation (``1.5e-3``, ``1.5m``, ``12uA``);
  several blocks (sweeps) separated by blank lines, repeated headers or ``Sweep N`` lines.
* Excel workbooks: ``.xlsx`` (openpyxl) and ``.xls`` (xlrd), one sheet per sweep run,
  sheets in any order, settings/calculation sheets and computed columns ignored, error
  cells (``#REF!``) reported with sheet and cell.
* oscilloscope captures: two channel voltages across a sense resistor
  (``sense_resistor_ohm``; ``channels=(applied, sense)``); the current is
  ``V_sense / R_sense`` and the device voltage ``V_applied - V_sense``.
* many sweeps in one file (a ``cycle``/``sweep`` column, or blocks), one file per cycle
  (a folder or a glob), and SET and RESET sweeps in separate files (paired into cycles).

Columns are recognised by name (``time``, ``V``, ``Vforce``, ``AV``, ``I``, ``Imeas``,
``Current (mA)``...) and unit (in the header: ``V [mV]``, ``I/uA``, ``I_nA``, or a units
row), or, without a header, by their values; ``columns={"v": "Bias", "i": 2}`` overrides.
Everything is converted to SI (s, V, A).  Bad input raises :class:`memli.errors.DataError`
with one line naming the file and line (or sheet and cell).  Inputs are only read.
"""
from __future__ import annotations

import glob as _glob
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from ..errors import DataError

TEXT_EXTS = {".csv", ".tsv", ".txt", ".dat", ".prn", ".asc", ".tab", ".log", ""}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls"}
COMMENT_PREFIXES = ("#", "%", "//", ";", "!")
EXCEL_ERRORS = {"#REF!", "#DIV/0!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!",
                "#GETTING_DATA", "#SPILL!", "#CALC!"}

_PREFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
           "m": 1e-3, "": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
_BASE_UNIT = {"v": "v", "volt": "v", "volts": "v", "a": "i", "amp": "i", "amps": "i",
              "ampere": "i", "s": "t", "sec": "t", "second": "t", "seconds": "t"}
_NUM_RE = re.compile(
    r"^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([fpnuµμmkKMG]?)\s*(V|A|s|Ω|ohm)?$")
_DEC_COMMA_RE = re.compile(r"^[-+]?\d+,\d+(?:[eE][-+]?\d+)?$")
_UNIT_TOKEN_RE = re.compile(r"^([fpnuµμmkKMG]?)(V|A|s|sec|Ohm|ohm|Ω)$")

#: column-name -> role (after normalisation: lowercase, units and punctuation removed)
_ROLE_NAMES = {
    "t": {"t", "time", "times", "timestamp", "sec", "seconds", "elapsed", "elapsedtime",
          "relativetime", "tiempo", "zeit", "temps", "x", "timeabs"},
    "v": {"v", "volt", "volts", "voltage", "vforce", "vmeas", "vsource", "vsrc", "bias",
          "av", "v1", "va", "vs", "vapp", "vapplied", "vin", "u", "vd", "vbias", "vtop",
          "potential", "e", "ewe", "appliedvoltage", "voltageapplied", "spannung",
          "smu1v", "smuav", "vdevice", "vcell", "ewev", "we"},
    "i": {"i", "current", "curr", "imeas", "iforce", "ai", "i1", "ia", "is", "id",
          "idevice", "icell", "strom", "smu1i", "smuai", "ime", "iwe", "currentmeas",
          "measuredcurrent", "currentmeasured"},
    "cycle": {"cycle", "cycles", "sweep", "sweepno", "sweepnumber", "run", "runno",
              "cycleno", "cyclenumber", "cycleindex", "loop", "repeat", "n", "nsweep"},
}
_CHANNEL_RE = re.compile(r"^(?:ch|channel|c|chan|trace)\s*[-_ ]?(\d)$")
_COMPUTED_HINTS = ("abs", "log", "|", "res", "ohm", "cond", "calc", "ratio", "norm", "fit",
                   "power", "sqrt", "dv", "di", "deriv", "avg", "mean", "rel")


# ---------------------------------------------------------------------------------------
# results
@dataclass
class Sweep:
    """One sweep run (a block, a sheet, a file or one value of a cycle column), SI units.

    Attributes
    ----------
    v_v : ndarray
        Device voltage, V.
    i_a : ndarray
        Current into the device's positive terminal, A.
    t_s : ndarray or None
        Time, s (None when the file has no time column).
    source : str
        ``file`` or ``file:Sheet`` or ``file:line`` where the sweep starts.
    label : float or None
        Value of the file's cycle/sweep column, if it has one.
    """

    v_v: np.ndarray
    i_a: np.ndarray
    t_s: np.ndarray | None
    source: str
    label: float | None = None
    file: str = ""

    @property
    def polarity(self) -> str:
        """'neg', 'pos' or 'both': the sign(s) of the voltage this sweep visits."""
        vmax = float(np.max(np.abs(self.v_v))) or 1.0
        neg = bool(np.any(self.v_v < -0.05 * vmax))
        pos = bool(np.any(self.v_v > 0.05 * vmax))
        return "both" if neg and pos else ("neg" if neg else "pos")


@dataclass
class IVData:
    """Sweeps loaded from one or several inputs, in cycle order, with their provenance.

    ``meta`` holds ``files`` (path, sha256), ``generated`` (True if any input says it
    was generated), ``columns`` (what each role was read from and its unit),
    ``comments`` and ``notes`` (e.g. how SET/RESET files were paired).
    """

    sweeps: list
    meta: dict = field(default_factory=dict)

    def __len__(self):
        return len(self.sweeps)

    @property
    def generated(self) -> bool:
        return bool(self.meta.get("generated"))

    def arrays(self, sweep_rate_v_per_s: float = 1.0):
        """Concatenate all sweeps: ``(t_s, v_v, i_a, sweep_index)``.

        Sweeps without a time column get one from the voltage steps at
        ``sweep_rate_v_per_s`` (V/s); sweeps whose times restart are shifted so that
        time increases.
        """
        ts, vs, is_, ks = [], [], [], []
        t_end = 0.0
        for k, s in enumerate(self.sweeps):
            if s.t_s is None:
                dv = np.abs(np.diff(s.v_v, prepend=s.v_v[0]))
                step = np.where(dv > 0, dv, np.median(dv[dv > 0]) if np.any(dv > 0) else 1e-3)
                t = np.cumsum(step / sweep_rate_v_per_s) - step[0] / sweep_rate_v_per_s
            else:
                t = np.asarray(s.t_s, float)
            if ts:
                dt = float(np.median(np.diff(t))) if len(t) > 1 else 1e-3
                if t[0] <= t_end:
                    t = t - t[0] + t_end + max(dt, 1e-12)
            ts.append(t)
            vs.append(s.v_v)
            is_.append(s.i_a)
            ks.append(np.full(len(t), k))
            t_end = float(t[-1])
        return (np.concatenate(ts), np.concatenate(vs), np.concatenate(is_),
                np.concatenate(ks))

    @property
    def has_time(self) -> bool:
        return all(s.t_s is not None for s in self.sweeps)


# ---------------------------------------------------------------------------------------
# cell parsing
class _Bad(Exception):
    pass


def parse_number(cell, decimal_comma: bool = False) -> float:
    """Parse one cell: a float, or text like ``-1.5e-3``, ``1,5`` (decimal comma),
    ``12.5m``, ``3uA``.  Empty / NaN text gives nan; anything else raises ValueError.

    Examples
    --------
    >>> parse_number("12.5m"), parse_number("3 uA"), parse_number("1,5", decimal_comma=True)
    (0.0125, 3e-06, 1.5)
    """
    if cell is None:
        return math.nan
    if isinstance(cell, bool):
        raise ValueError(repr(cell))
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return float(cell)
    s = str(cell).strip().strip('"').strip("'").strip()
    if s == "" or s.lower() in ("nan", "-nan", "na", "n/a", "null", "none", "-", "--"):
        return math.nan
    if s.lower() in ("inf", "+inf", "-inf", "infinity", "-infinity"):
        return float(s.lower().replace("infinity", "inf"))
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".") if _DEC_COMMA_RE.match(s) or "," in s else s
    try:
        return float(s)
    except ValueError:
        pass
    m = _NUM_RE.match(s.replace(" ", ""))
    if not m:
        raise ValueError(s)
    return float(m.group(1)) * _PREFIX[m.group(2) or ""]


def _is_num(cell, dc) -> bool:
    try:
        parse_number(cell, dc)
    except ValueError:
        return False
    return True


def _cell_text(c) -> str:
    return "" if c is None else str(c).strip()


# ---------------------------------------------------------------------------------------
# header names and units
def _split_name_unit(name: str):
    """'Current (mA)' -> ('current', 'mA'); 'I/uA' -> ('i', 'uA'); 'V_mV' -> ('v', 'mV')."""
    s = str(name).strip().strip('"').strip()
    unit = None
    m = re.search(r"[\[\(\{]\s*([^\]\)\}]*)\s*[\]\)\}]\s*$", s)
    if m:
        unit, s = m.group(1).strip(), s[: m.start()].strip()
    else:
        m = re.search(r"(?:/|_|\s|\bin\s)\s*([fpnuµμmkKMG]?(?:V|A|s|sec))\s*$", s)
        if m and len(s) > len(m.group(0)):
            unit, s = m.group(1), s[: m.start()].strip()
        else:  # memli's own lowercase suffixes: v_v, i_a, time_s, i_ma, v_mv
            m = re.search(r"_([fpnum]?)([vas])$", s)
            if m and len(s) > len(m.group(0)):
                unit = m.group(1) + {"v": "V", "a": "A", "s": "s"}[m.group(2)]
                s = s[: m.start()].strip()
    return s, unit


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9|]", "", name.lower().replace("µ", "u"))


def unit_scale(unit: str | None, role: str, where: str) -> float:
    """Multiplier from ``unit`` (e.g. 'mA', 'uA', 'mV', 'ms') to SI for ``role``."""
    if unit is None or unit == "":
        return 1.0
    u = unit.strip().replace("µ", "u").replace("μ", "u")
    m = _UNIT_TOKEN_RE.match(u)
    if not m:
        raise DataError(f"{where}: unit {unit!r} not understood; expected V, mV, A, mA, uA, "
                        "nA, pA, s, ms, us. Pass units={'v': 'mV', ...} (CLI: --units v=mV)")
    base = {"V": "v", "A": "i", "s": "t", "sec": "t"}.get(m.group(2))
    if base is not None and base != role and role in ("t", "v", "i"):
        raise DataError(f"{where}: unit {unit!r} is not a unit of "
                        f"{ {'t': 'time', 'v': 'voltage', 'i': 'current'}[role] }")
    return _PREFIX[m.group(1)]


def _role_of(name: str) -> str | None:
    base, unit = _split_name_unit(name)
    n = _norm(base)
    if not n:
        n = ""
    m = _CHANNEL_RE.match(n)
    if m:
        return f"ch{m.group(1)}"
    for role, names in _ROLE_NAMES.items():
        if n in names:
            return role
    low = base.lower()
    if any(h in low for h in _COMPUTED_HINTS) and n not in ("i", "v", "t"):
        return None
    if "time" in low:
        return "t"
    if "volt" in low or "bias" in low or "potential" in low:
        return "v"
    if "current" in low or "curr" in low:
        return "i"
    if "cycle" in low or "sweep" in low:
        return "cycle"
    if unit:
        u = unit.replace("µ", "u")
        mm = _UNIT_TOKEN_RE.match(u)
        if mm:
            return {"V": "v", "A": "i", "s": "t", "sec": "t"}.get(mm.group(2))
    return None


# ---------------------------------------------------------------------------------------
# generic table -> sweeps
@dataclass
class _Table:
    rows: list                      # list of list of cells (str/float/None)
    where: Callable                 # (row, col or None) -> "file:line" / "file:Sheet!B3"
    name: str                       # for sources
    decimal_comma: bool = False
    comments: list = field(default_factory=list)
    comment_rows: dict = field(default_factory=dict)  # row index -> comment text


def _row_kind(row, dc):
    if row and not dc:
        try:                      # fast path: a row of plain numbers
            vals = [float(c) for c in row]
            if all(math.isfinite(x) for x in vals):
                return ("data", len(row), 0) if len(row) >= 2 else ("data", 1, 0)
        except (TypeError, ValueError):
            pass
    cells = [c for c in row if _cell_text(c) != ""]
    if not cells:
        return "empty", 0, 0
    nnum = sum(_is_num(c, dc) for c in cells)
    ntext = len(cells) - nnum
    if nnum >= 1 and nnum >= ntext and (nnum >= 2 or len(cells) == 1):
        return "data", nnum, ntext
    return "text", nnum, ntext


def _trim(row):
    row = list(row)
    while row and _cell_text(row[-1]) == "":
        row.pop()
    return row


def _blocks(tab: _Table):
    """Split rows into (header_row_index or None, units_row_index or None, [data rows])."""
    kinds = [_row_kind(r, tab.decimal_comma) for r in tab.rows]
    blocks, cur, pending_text = [], None, []
    for k, (kind, nnum, ntext) in enumerate(kinds):
        if k in tab.comment_rows:
            continue
        if kind == "data":
            if cur is None:
                cur = {"text": pending_text[-2:], "rows": []}
                blocks.append(cur)
                pending_text = []
            cur["rows"].append(k)
        elif kind == "text":
            if cur is not None:
                width = max(len(_trim(tab.rows[j])) for j in cur["rows"][:20])
                cells = [c for c in tab.rows[k] if _cell_text(c) != ""]
                header = cur["text"][-1] if cur["text"] else None
                same_header = header is not None and [_cell_text(c) for c in _trim(tab.rows[k])] \
                    == [_cell_text(c) for c in _trim(tab.rows[header])]
                if not same_header and len(cells) >= 2 and len(_trim(tab.rows[k])) == width \
                        and nnum >= 1:
                    if getattr(tab, "drop_bad", False):
                        cur["rows"].append(k)       # converted (and dropped) later
                        continue
                    bad = next(j for j, c in enumerate(tab.rows[k])
                               if _cell_text(c) and not _is_num(c, tab.decimal_comma))
                    txt = _cell_text(tab.rows[k][bad])
                    what = "an Excel error" if txt in EXCEL_ERRORS else "not a number"
                    raise DataError(f"{tab.where(k, bad)}: cell {txt!r} is {what}; expected a "
                                    "numeric data row. Fix or delete the row, or pass "
                                    "drop_bad_rows=True (CLI: --drop-bad-rows)")
                cur = None
            pending_text.append(k)
        else:  # empty row ends a block
            cur = None
    return blocks


def _header_for(tab: _Table, block, width):
    """Choose (names, units) for a block from the text rows before it (or comments)."""
    names = units = None
    text = [k for k in block["text"]]
    cand = [k for k in text if len([c for c in tab.rows[k] if _cell_text(c)]) >= min(2, width)]
    if cand:
        if len(cand) >= 2 and all(_unit_like(_cell_text(c)) for c in tab.rows[cand[-1]]
                                  if _cell_text(c)):
            names, units = tab.rows[cand[-2]], tab.rows[cand[-1]]
        else:
            names = tab.rows[cand[-1]]
    if names is None and tab.comment_rows:
        first = block["rows"][0]
        before = [k for k in tab.comment_rows if k < first]
        if before:
            txt = tab.comment_rows[max(before)]
            sep = r"[,;\t]|\s{2,}"
            toks = re.split(sep, txt) if re.search(sep, txt) else txt.split()
            toks = [t.strip() for t in toks if t.strip()]
            if len(toks) == width and sum(_role_of(t) is not None for t in toks) >= 2:
                names = toks
    if names is not None:
        names = [_cell_text(c) for c in names] + [""] * max(0, width - len(names))
    if units is not None:
        units = [_cell_text(c) for c in units] + [""] * max(0, width - len(units))
    return names, units


def _unit_like(s: str) -> bool:
    s = s.strip().strip("[]()").replace("µ", "u")
    return bool(_UNIT_TOKEN_RE.match(s)) or s.lower() in ("volt", "volts", "amp", "amps",
                                                          "sec", "seconds", "ohm")


def _guess_roles_by_value(cols: np.ndarray) -> dict:
    """Roles for a header-less block: time = monotonic non-decreasing first column..."""
    n = cols.shape[1]
    roles = {}
    rest = list(range(n))
    if n >= 3:
        for j in range(n):
            c = cols[:, j]
            d = np.diff(c)
            if np.all(np.isfinite(c)) and np.all(d >= 0) and np.any(d > 0):
                roles["t"] = j
                rest.remove(j)
                break
    if len(rest) < 2:
        return roles
    a, b = rest[0], rest[1]
    ma = np.nanmax(np.abs(cols[:, a])) if np.any(np.isfinite(cols[:, a])) else 0
    mb = np.nanmax(np.abs(cols[:, b])) if np.any(np.isfinite(cols[:, b])) else 0
    if ma > 0 and mb > 0 and ma < 0.2 and mb > 20 * ma:
        a, b = b, a                      # the first column looks like a current
    roles["v"], roles["i"] = a, b
    return roles


def _table_sweeps(tab: _Table, columns, units, sense_resistor_ohm, channels,
                  drop_bad_rows, notes) -> list:
    tab.drop_bad = drop_bad_rows
    blocks = _blocks(tab)
    if not blocks:
        raise DataError(f"{tab.where(None, None)}: no numeric data rows found; expected "
                        "columns of voltage and current (optionally time)")
    sweeps = []
    dc = tab.decimal_comma
    for b in blocks:
        rows = [_trim(tab.rows[k]) for k in b["rows"]]
        width = max(len(r) for r in rows)
        names, unit_row = _header_for(tab, b, width)
        # ragged rows: every data row must have the block's width (trailing blanks allowed)
        for k, r in zip(b["rows"], rows):
            if len(r) < width and not (names and len(r) >= _last_named(names)):
                raise DataError(f"{tab.where(k, None)}: row has {len(r)} fields; expected "
                                f"{width} like the rows before it. Fix the row or delete it")
        roles = _assign_roles(names, unit_row, width, rows, dc, columns, tab, b)
        if "v" not in roles and not (("ch_a" in roles) and ("ch_b" in roles)):
            found = [n for n in (names or []) if n] or [f"{width} unnamed columns"]
            if sum(1 for k in roles if k.startswith("ch")) >= 2 or _has_channels(names):
                raise DataError(f"{tab.where(b['rows'][0], None)}: oscilloscope capture with "
                                f"channels {found} and no current column; pass "
                                "sense_resistor_ohm (CLI: --sense-resistor OHM) and "
                                "channels=(applied, sense) (CLI: --channels CH1,CH2)")
            raise DataError(f"{tab.where(b['rows'][0], None)}: no voltage column among "
                            f"{found}; expected a column named like V, Voltage, Vforce, AV. "
                            "Pass columns={'v': NAME} (CLI: --columns v=NAME)")
        # numeric conversion of the used columns only
        used = {r: j for r, j in roles.items() if isinstance(j, int)}
        data = {r: np.full(len(rows), np.nan) for r in used}
        bad_rows = set()
        for r, j in used.items():
            if not dc:
                try:              # fast path: the whole column parses as plain floats
                    col = np.array([row[j] for row in rows], dtype=float)
                    if np.all(np.isfinite(col)):
                        data[r] = col
                        continue
                except (TypeError, ValueError, IndexError):
                    pass
            for n, (k, row) in enumerate(zip(b["rows"], rows)):
                cell = row[j] if j < len(row) else None
                try:
                    x = parse_number(cell, dc)
                except ValueError:
                    txt = _cell_text(cell)
                    what = "an Excel error" if txt in EXCEL_ERRORS else "not a number"
                    if drop_bad_rows:
                        bad_rows.add(n)
                        continue
                    raise DataError(f"{tab.where(k, j)}: cell {txt!r} is {what}; expected "
                                    f"{_ROLE_WORD.get(r, r)}. Fix the cell or pass "
                                    "drop_bad_rows=True (CLI: --drop-bad-rows)") from None
                if not math.isfinite(x) and r in ("v", "i", "t", "ch_a", "ch_b"):
                    if drop_bad_rows:
                        bad_rows.add(n)
                        continue
                    txt = _cell_text(cell) or "empty"
                    raise DataError(f"{tab.where(k, j)}: cell is {txt!r}; expected "
                                    f"{_ROLE_WORD.get(r, r)}. Fix the cell or pass "
                                    "drop_bad_rows=True (CLI: --drop-bad-rows)")
                data[r][n] = x
        if bad_rows:
            keep = np.array([n not in bad_rows for n in range(len(rows))])
            data = {r: a[keep] for r, a in data.items()}
            notes.append(f"{tab.name}: dropped {len(bad_rows)} bad row(s)")
        scales = roles.get("_scale", {})
        if "ch_a" in used:
            if sense_resistor_ohm is None:
                raise DataError(f"{tab.where(b['rows'][0], None)}: oscilloscope capture "
                                "(two voltage channels, no current column); pass "
                                "sense_resistor_ohm (CLI: --sense-resistor OHM)")
            va = data["ch_a"] * scales.get("ch_a", 1.0)
            vs = data["ch_b"] * scales.get("ch_b", 1.0)
            v = va - vs
            i = vs / float(sense_resistor_ohm)
        else:
            v = data["v"] * scales.get("v", 1.0)
            if "i" not in data:
                raise DataError(f"{tab.where(b['rows'][0], None)}: no current column among "
                                f"{[n for n in (names or []) if n]}; expected a column named "
                                "like I, Current, Imeas, AI. Pass columns={'i': NAME} "
                                "(CLI: --columns i=NAME)")
            i = data["i"] * scales.get("i", 1.0)
        t = data["t"] * scales.get("t", 1.0) if "t" in data else None
        first = tab.where(b["rows"][0], None)
        if len(v) < 2:
            raise DataError(f"{first}: only {len(v)} data point(s); expected a sweep of at "
                            "least 2 points")
        if "cycle" in data:
            lab = data["cycle"]
            edges = np.flatnonzero(np.diff(lab) != 0) + 1
            for seg in np.split(np.arange(len(v)), edges):
                if len(seg) < 2:
                    continue
                sweeps.append(Sweep(v[seg], i[seg], None if t is None else t[seg],
                                    f"{first}", float(lab[seg[0]]), tab.name))
        else:
            sweeps.append(Sweep(v, i, t, first, None, tab.name))
        notes.append(f"{tab.name}: columns " + ", ".join(
            f"{r}={roles['_names'].get(r, j)}" + (f" [{roles['_units'][r]}]"
                                                  if roles['_units'].get(r) else "")
            for r, j in used.items()))
    return sweeps


_ROLE_WORD = {"v": "voltage in V", "i": "current in A", "t": "time in s",
              "ch_a": "channel voltage in V", "ch_b": "channel voltage in V",
              "cycle": "a cycle number"}


def _last_named(names):
    k = len(names)
    while k and not names[k - 1]:
        k -= 1
    return k


def _has_channels(names):
    return bool(names) and sum(bool(_CHANNEL_RE.match(_norm(_split_name_unit(n)[0])))
                               for n in names if n) >= 2


def _assign_roles(names, unit_row, width, rows, dc, columns, tab, b):
    roles: dict = {}
    col_units: dict = {}
    if names:
        # names that say what a column is win over columns recognised by unit only
        # (EC-Lab: "control/V" is the set point, "Ewe/V" the measured voltage)
        ranked = []
        for j, n in enumerate(names[:width]):
            if not n:
                continue
            u = _split_name_unit(n)[1]
            if unit_row and unit_row[j]:
                u = unit_row[j].strip("[]() ")
            col_units[j] = u
            r = _role_of(n)
            if r is None:
                continue
            by_unit = _role_of(_split_name_unit(n)[0]) is None
            ranked.append((by_unit, j, r))
        for _, j, r in sorted(ranked):
            if r.startswith("ch"):
                roles.setdefault(r, j)
            elif r not in roles:
                roles[r] = j
    else:
        sample = np.array([[_safe_num(c, dc) for c in (r + [None] * (width - len(r)))[:width]]
                           for r in rows[:2000]], float)
        roles.update(_guess_roles_by_value(sample))
    # user overrides
    for r, ref in (columns or {}).items():
        r = {"time": "t", "voltage": "v", "current": "i"}.get(r, r)
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            j = int(ref)
            if j >= width:
                raise DataError(f"{tab.where(b['rows'][0], None)}: column {j} requested for "
                                f"{r!r} but the rows have {width} columns (0-based)")
        else:
            hits = [j for j, n in enumerate(names or []) if n == ref or
                    _split_name_unit(n)[0] == ref]
            if not hits:
                import difflib
                near = difflib.get_close_matches(str(ref), list(names or []), n=3)
                raise DataError(f"{tab.where(b['rows'][0], None)}: no column named {ref!r} "
                                f"for {r!r}; columns are {[n for n in names or [] if n]}."
                                + (f" Best matches are {near}." if near else ""))
            j = hits[0]
        for k in [k for k, v in roles.items() if v == j]:
            del roles[k]
        roles[r] = j
    # oscilloscope channels -> (applied, sense)
    chans = sorted((k for k in roles if k.startswith("ch") and k[2:].isdigit()),
                   key=lambda k: int(k[2:]))
    if "i" not in roles and ("ch_a" not in roles) and len(chans) >= 2:
        roles["ch_a"], roles["ch_b"] = roles[chans[0]], roles[chans[1]]
    for k in chans:
        roles.pop(k, None)
    if "v" in roles and "ch_a" in roles:
        del roles["v"]
    scale, unames, rnames = {}, {}, {}
    user_units = getattr(tab, "user_units", {}) or {}
    for r, j in roles.items():
        u = user_units.get(r, col_units.get(j))
        role = "v" if r.startswith("ch_") else r
        if role in ("t", "v", "i"):
            scale[r] = unit_scale(u, role, f"{tab.where(b['rows'][0], j)}")
        unames[r] = u
        rnames[r] = (names[j] if names and j < len(names) and names[j] else j)
    roles["_scale"] = scale
    roles["_units"] = unames
    roles["_names"] = rnames
    return roles


def _safe_num(c, dc):
    try:
        return parse_number(c, dc)
    except ValueError:
        return math.nan


# ---------------------------------------------------------------------------------------
# text files
def _decode(raw: bytes, path: str) -> str:
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    if b"\x00" in raw[:4096]:
        if raw[1:2] == b"\x00" or raw[0:1] == b"\x00":
            try:
                return raw.decode("utf-16-le" if raw[1:2] == b"\x00" else "utf-16-be")
            except UnicodeDecodeError:
                pass
        raise DataError(f"{path}: binary content (NUL bytes); expected a text table or an "
                        "Excel workbook (.xlsx/.xls)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _sniff(lines: list[str]):
    """Delimiter (None = whitespace) and decimal comma for data-looking lines."""
    cand = [ln for ln in lines if re.search(r"\d", ln)][:200]
    if not cand:
        return None, False
    def frac(ch):
        return sum(ch in ln for ln in cand) / len(cand)
    if frac(";") >= 0.6:
        dc = any(re.search(r"\d,\d", ln) for ln in cand)
        return ";", dc
    if frac("\t") >= 0.6:
        toks = [t.strip() for ln in cand for t in ln.split("\t") if t.strip()]
        return "\t", any(_DEC_COMMA_RE.match(t) for t in toks) and not any(
            re.match(r"^[-+]?\d*\.\d+", t) for t in toks)
    if frac(",") >= 0.6:
        ws = [ln.split() for ln in cand]
        if all(len(w) >= 2 for w in ws) and all(
                all(_DEC_COMMA_RE.match(t) or re.match(r"^[-+]?\d+(?:[eE][-+]?\d+)?$", t)
                    for t in w) for w in ws[-20:]) and any(
                _DEC_COMMA_RE.match(t) for w in ws for t in w):
            return None, True
        return ",", False
    return None, False


def _read_text(path: Path, user_units, decimal) -> _Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: empty file; expected a table of voltage and current")
    text = _decode(raw, str(path))
    lines = text.splitlines()
    comment_rows, comments = {}, []
    for k, ln in enumerate(lines):
        s = ln.strip().lstrip("\ufeff")
        if s.startswith(COMMENT_PREFIXES):
            comment_rows[k] = s.lstrip("#%/;! ").strip()
            comments.append(comment_rows[k])
    body = [ln for k, ln in enumerate(lines) if k not in comment_rows and ln.strip()]
    delim, dc = _sniff(body)
    if decimal is not None:
        dc = decimal == ","
    rows = []
    for k, ln in enumerate(lines):
        if k in comment_rows or not ln.strip():
            rows.append([])
            continue
        ln = ln.lstrip("\ufeff")
        if delim is None:
            cells = ln.split()
        else:
            cells = [c.strip() for c in ln.split(delim)]
        rows.append(cells)
    tab = _Table(rows, lambda r, c: f"{path}:{'' if r is None else r + 1}".rstrip(":"),
                 str(path), dc, comments, comment_rows)
    tab.user_units = user_units
    return tab


# ---------------------------------------------------------------------------------------
# Excel
def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _excel_sheets(path: Path):
    """[(sheet name, rows of cell values)] from .xlsx (openpyxl) or .xls (xlrd)."""
    head = path.read_bytes()[:8]
    if head.startswith(b"PK"):
        import openpyxl
        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001 - any unreadable workbook
            raise DataError(f"{path}: not a readable .xlsx workbook ({type(e).__name__}: "
                            f"{e}); expected an Excel file") from None
        out = []
        try:
            for ws in wb.worksheets:
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
                out.append((ws.title, rows))
        finally:
            wb.close()
        return out
    import xlrd
    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except Exception as e:  # noqa: BLE001
        raise DataError(f"{path}: not a readable .xls workbook ({type(e).__name__}: {e}); "
                        "expected an Excel 97-2003 file") from None
    out = []
    try:
        for sh in book.sheets():
            rows = []
            for r in range(sh.nrows):
                row = []
                for c in range(sh.ncols):
                    cell = sh.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append(xlrd.biffh.error_text_from_code.get(cell.value, "#ERR"))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        row.append(None)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append(str(bool(cell.value)))
                    else:
                        row.append(cell.value)
                rows.append(row)
            out.append((sh.name, rows))
    finally:
        book.release_resources()
    return out


def _excel_where(path, sheet):
    def where(r, c):
        if r is None:
            return f"{path}:{sheet}"
        if c is None:
            return f"{path}:{sheet}!{r + 1}:{r + 1}"
        return f"{path}:{sheet}!{_col_letter(c)}{r + 1}"
    return where


def _sheet_key(name: str):
    nums = re.findall(r"\d+", name)
    return int(nums[-1]) if nums else -1


def _read_excel(path, columns, user_units, sense, channels, drop_bad_rows, notes):
    sheets = _excel_sheets(path)
    found, skipped = [], []
    for name, rows in sheets:
        tab = _Table([[c if not isinstance(c, str) else c.strip() for c in r] for r in rows],
                     _excel_where(path, name), f"{path}:{name}")
        tab.user_units = user_units
        try:
            sw = _table_sweeps(tab, columns, user_units, sense, channels, drop_bad_rows, notes)
        except DataError as e:
            msg = str(e)
            if "no numeric data rows" in msg or "no voltage column" in msg or (
                    "no current column" in msg and "oscilloscope" not in msg):
                skipped.append(name)
                continue
            raise
        found.append((name, sw))
    if not found:
        raise DataError(f"{path}: no sheet holds voltage and current columns (sheets: "
                        f"{[n for n, _ in sheets]}); expected one sheet per sweep with "
                        "columns like V and I. Pass columns={'v': ..., 'i': ...}")
    keys = [_sheet_key(n) for n, _ in found]
    if len(set(keys)) == len(keys) and any(k >= 0 for k in keys):
        found = [f for _, f in sorted(zip(keys, found), key=lambda z: z[0])]
        notes.append(f"{path}: data sheets ordered by the number in their names")
    if skipped:
        notes.append(f"{path}: skipped sheets without I-V data: {skipped}")
    return [s for _, sw in found for s in sw]


# ---------------------------------------------------------------------------------------
# public API
def expand_paths(data: Sequence) -> list[Path]:
    """Files from paths, folders (their data files, natural order) and glob patterns."""
    out = []
    for item in ([data] if isinstance(data, (str, Path)) else data):
        s = str(item)
        p = Path(s)
        if p.is_dir():
            files = [f for f in p.iterdir() if f.is_file() and not f.name.startswith(".")
                     and f.suffix.lower() in TEXT_EXTS | EXCEL_EXTS]
            if not files:
                raise DataError(f"{p}: folder holds no data files (.csv .tsv .txt .dat "
                                ".xlsx .xls)")
            out.extend(sorted(files, key=_natural))
        elif any(ch in s for ch in "*?["):
            files = [Path(f) for f in _glob.glob(s) if Path(f).is_file()]
            if not files:
                raise DataError(f"{s}: glob matches no files")
            out.extend(sorted(files, key=_natural))
        elif p.exists():
            out.append(p)
        else:
            raise DataError(f"{p}: no such file or folder")
    return out


def _natural(p: Path):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_file(path, columns: Mapping | None = None, units: Mapping | None = None,
              sense_resistor_ohm: float | None = None, channels=None,
              drop_bad_rows: bool = False, decimal: str | None = None,
              notes: list | None = None) -> tuple[list, dict]:
    """Sweeps from one file and its metadata (comments, generated flag, sha256)."""
    path = Path(path)
    notes = [] if notes is None else notes
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file; expected a table of voltage and current")
    columns = dict(columns or {})
    if channels:
        a, b = channels
        columns.setdefault("ch_a", a)
        columns.setdefault("ch_b", b)
    head = path.read_bytes()[:8]
    comments = []
    if path.suffix.lower() in EXCEL_EXTS or head.startswith(b"PK") or \
            head.startswith(b"\xd0\xcf\x11\xe0"):
        sweeps = _read_excel(path, columns, units, sense_resistor_ohm, channels,
                             drop_bad_rows, notes)
    else:
        tab = _read_text(path, units, decimal)
        comments = tab.comments
        sweeps = _table_sweeps(tab, columns, units, sense_resistor_ohm, channels,
                               drop_bad_rows, notes)
    meta = {"path": str(path), "sha256": _sha256(path), "comments": comments,
            "generated": any("generated" in c.lower() for c in comments)}
    return sweeps, meta


def pair_set_reset(sweeps: list, set_polarity: str = "neg") -> tuple[list, str | None]:
    """Interleave unipolar SET and RESET sweeps into cycles (SET_k then RESET_k).

    Applies when every sweep visits one polarity only and both polarities occur (e.g.
    SET sweeps in one file and RESET sweeps in another).  Returns the new order and a
    note (None if nothing was paired).
    """
    pols = [s.polarity for s in sweeps]
    if "both" in pols or len(set(pols)) < 2:
        return sweeps, None
    reset_pol = "pos" if set_polarity == "neg" else "neg"
    sets = [s for s in sweeps if s.polarity == set_polarity]
    resets = [s for s in sweeps if s.polarity == reset_pol]
    order = []
    for k in range(max(len(sets), len(resets))):
        if k < len(sets):
            order.append(sets[k])
        if k < len(resets):
            order.append(resets[k])
    note = f"paired {len(sets)} SET and {len(resets)} RESET sweeps into cycles"
    if len(sets) != len(resets):
        note += f" (unequal counts: the last {abs(len(sets) - len(resets))} stay unpaired)"
    return order, note


def load(data, columns: Mapping | None = None, units: Mapping | None = None,
         sense_resistor_ohm: float | None = None, channels=None,
         drop_bad_rows: bool = False, decimal: str | None = None,
         set_polarity: str = "neg", pair: bool = True) -> IVData:
    """Load measured I-V data from files, folders or globs into one :class:`IVData`.

    Parameters
    ----------
    data : path, str or sequence of them
        Files (text or Excel), folders (all data files, natural order) or glob patterns.
    columns : mapping, optional
        Role -> column name or 0-based index; roles ``t``, ``v``, ``i``, ``cycle``,
        ``ch_a`` (applied voltage channel), ``ch_b`` (sense-resistor channel).
    units : mapping, optional
        Role -> unit (``"mA"``, ``"mV"``, ``"ms"``...), overriding the header.
    sense_resistor_ohm : float, optional
        Sense resistor of an oscilloscope capture, ohm.
    channels : (str, str), optional
        Oscilloscope channel names (applied voltage, voltage across the sense resistor).
    drop_bad_rows : bool
        Skip rows with non-numeric or missing values instead of raising.
    decimal : {".", ","}, optional
        Force the decimal separator of text files (default: detected).
    set_polarity : {"neg", "pos"}
        Voltage polarity of SET (the paper's convention: negative).
    pair : bool
        Interleave SET-only and RESET-only sweeps into cycles.

    Raises
    ------
    DataError
        One line naming the file and line (or sheet and cell), what was found and what
        was expected.
    """
    paths = expand_paths(data)
    if not paths:
        raise DataError("no input files given")
    sweeps, files, notes = [], [], []
    for p in paths:
        sw, meta = load_file(p, columns, units, sense_resistor_ohm, channels, drop_bad_rows,
                             decimal, notes)
        sweeps.extend(sw)
        files.append(meta)
    if pair:
        sweeps, note = pair_set_reset(sweeps, set_polarity)
        if note:
            notes.append(note)
    return IVData(sweeps, {"files": [{"path": f["path"], "sha256": f["sha256"]} for f in files],
                           "generated": any(f["generated"] for f in files),
                           "comments": [c for f in files for c in f["comments"]],
                           "notes": notes})


def parse_spec(text: str | None, where: str) -> dict:
    """``"t=0,v=Bias,i=Imeas"`` -> ``{"t": 0, "v": "Bias", "i": "Imeas"}`` (CLI helper)."""
    out = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise DataError(f"{where} {item!r}: expected ROLE=VALUE, e.g. v=Bias or i=mA")
        k, val = (s.strip() for s in item.split("=", 1))
        if k not in ("t", "v", "i", "cycle", "ch_a", "ch_b", "time", "voltage", "current"):
            raise DataError(f"{where} {item!r}: role {k!r}; expected t, v, i, cycle, ch_a, ch_b")
        out[k] = int(val) if val.isdigit() else val
    return out
