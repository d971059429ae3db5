"""Sniffing and roles: find the data blocks of a table, read their header (names and a
units row), decide which column is time, voltage, current (or a cycle number), check
that what was found is plausible, and turn each block into sweeps.

A row is data when its selected cells (time, voltage, current) are numbers; other cells
may be missing or hold anything (scalar results in row 2, a trailing empty column).  A
row whose selected cells are all empty is simply shorter; a row with some selected cells
bad is an error unless ``drop_bad_rows``.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ...errors import DataError
from ...units import prefix_scale, split_unit
from .numbers import EXCEL_ERRORS, ROLE_WORD, cell_text, convert_column, is_num, norm, \
    split_name_unit, unit_like, unit_scale
from .records import Sweep

#: column-name -> role (after normalisation: lowercase, units and punctuation removed)
ROLE_NAMES = {
    "t": {"t", "time", "times", "timestamp", "sec", "seconds", "elapsed", "elapsedtime",
          "relativetime", "tiempo", "zeit", "temps", "timeabs", "xaxis", "times",
          "second", "timestamps"},
    "v": {"v", "volt", "volts", "voltage", "vforce", "vmeas", "vsource", "vsrc", "bias",
          "av", "v1", "va", "vs", "vapp", "vapplied", "vin", "u", "vd", "vbias", "vtop",
          "potential", "e", "ewe", "appliedvoltage", "voltageapplied", "spannung",
          "vdevice", "vcell", "ewev", "we", "biasvoltage", "sourcevoltage"},
    "i": {"i", "current", "curr", "imeas", "iforce", "ai", "i1", "ia", "is", "id",
          "idevice", "icell", "strom", "ime", "iwe", "currentmeas", "measuredcurrent",
          "currentmeasured", "im", "imeasured", "sourcecurrent"},
    "cycle": {"cycle", "cycles", "sweep", "sweepno", "sweepnumber", "run", "runno",
              "cycleno", "cyclenumber", "cycleindex", "loop", "repeat", "nsweep",
              "cyclenumber"},
}
_CHANNEL_RE = re.compile(r"^(?:ch|channel|c|chan|trace)\s*[-_ ]?(\d)$")
_SMU_RE = re.compile(r"^(smu\d*[a-d]?|[a-d])\.?\s*(v|i)(?:meas|force)?$", re.I)
_COMPUTED_HINTS = ("abs", "log", "|", "res", "ohm", "cond", "calc", "ratio", "norm", "fit",
                   "power", "sqrt", "dv", "di", "deriv", "avg", "mean", "rel", "density",
                   "set", "reset", "form", "read", "sense")
_COMPUTED_NAMES = {"ion", "ioff", "ron", "roff", "hrs", "lrs", "r", "g", "onoff"}


def role_of(name: str):
    """``(role or None, group)`` of a column name; group ties V and I of one SMU."""
    base, unit = split_name_unit(name)
    n = norm(base)
    m = _CHANNEL_RE.match(n)
    if m:
        return f"ch{m.group(1)}", ""
    m = _SMU_RE.match(base.strip().replace(" ", "")) or _SMU_RE.match(n)
    if m:
        return m.group(2).lower(), m.group(1).lower()
    m = re.fullmatch(r"(v|i)(\d{1,3})", n)         # V1/I1, V2/I2: numbered SMUs
    if m:
        return m.group(1), m.group(2)
    for role, names in ROLE_NAMES.items():
        if n in names:
            return role, ""
    low = base.lower()
    if n in _COMPUTED_NAMES or (any(h in low for h in _COMPUTED_HINTS)
                                and n not in ("i", "v", "t")):
        return None, ""
    if "time" in low:
        return "t", ""
    if "volt" in low or "bias" in low or "potential" in low:
        return "v", ""
    if "current" in low or "curr" in low:
        return "i", ""
    if "cycle" in low or "sweep" in low:
        return "cycle", ""
    cu = split_unit(unit) if unit else None
    if cu:
        return {"V": "v", "A": "i", "s": "t"}.get(cu[1]), ""
    return None, ""


# ---------------------------------------------------------------------------------------
@dataclass
class Table:
    """A sheet or text file as rows of cells, with a way to name a cell."""

    rows: list
    where: Callable                 # (row, col or None) -> "file:line" / "file:Sheet!B3"
    name: str
    file: str = ""
    decimal_comma: bool = False
    comments: list = field(default_factory=list)
    comment_rows: dict = field(default_factory=dict)
    #: pandas fast path: (first data row, numeric array) when the body is one clean block
    fast: tuple | None = None
    sheet: str | None = None


@dataclass
class Block:
    rows: list                      # table row indices of the candidate data rows
    text: list                      # text rows before it (header candidates)
    values: np.ndarray | None = None  # fast path


def _row_kind(row, dc):
    cells = [c for c in row if cell_text(c) != ""]
    if not cells:
        return "empty", 0, 0
    nnum = sum(is_num(c, dc) for c in cells)
    nerr = sum(cell_text(c).upper() in EXCEL_ERRORS or cell_text(c).upper() in (
        "TRUE", "FALSE") for c in cells)
    ntext = len(cells) - nnum - nerr
    if nnum >= 1 and nnum >= ntext and (nnum + nerr >= 2 or len(cells) == 1):
        return "data", nnum, ntext
    return "text", nnum, ntext


def _trim(row):
    row = list(row)
    while row and cell_text(row[-1]) == "":
        row.pop()
    return row


def _is_units_row(row) -> bool:
    cells = [cell_text(c) for c in row if cell_text(c) != ""]
    return len(cells) >= 2 and all(unit_like(c) for c in cells)


def find_blocks(tab: Table) -> list:
    if tab.fast is not None:
        first, arr = tab.fast
        text = [k for k in range(first) if k not in tab.comment_rows and _trim(tab.rows[k])]
        return [Block(list(range(first, first + arr.shape[0])), text[-2:], arr)]
    kinds = [_row_kind(r, tab.decimal_comma) for r in tab.rows]
    # a units row (``second,Volt,Volt``) makes the row above it a header even if its
    # names are numbers (oscilloscopes: ``x-axis,1,2``)
    for k, r in enumerate(tab.rows):
        if k in tab.comment_rows or kinds[k][0] == "empty" or not _is_units_row(r):
            continue
        kinds[k] = ("text", 0, len(_trim(r)))
        j = k - 1
        while j >= 0 and (j in tab.comment_rows or kinds[j][0] == "empty"):
            j -= 1
        if j >= 0:
            kinds[j] = ("text", 0, len(_trim(tab.rows[j])))
    blocks, cur, pending = [], None, []
    for k, (kind, nnum, ntext) in enumerate(kinds):
        if k in tab.comment_rows:
            continue
        if kind == "data":
            if cur is None:
                cur = Block([], pending[-2:])
                blocks.append(cur)
                pending = []
            cur.rows.append(k)
        elif kind == "text":
            if cur is not None:
                header = cur.text[-1] if cur.text else None
                same_header = header is not None and [cell_text(c) for c in _trim(
                    tab.rows[k])] == [cell_text(c) for c in _trim(tab.rows[header])]
                if not same_header and nnum >= 1:
                    cur.rows.append(k)      # a data row with bad cells: judged by column
                    continue
                cur = None
            pending.append(k)
        else:
            cur = None
    return blocks


def header_for(tab: Table, block: Block, width: int):
    """(names, units) of a block from the text rows before it (or a comment line)."""
    names = units = None
    cand = [k for k in block.text
            if len([c for c in tab.rows[k] if cell_text(c)]) >= min(2, width)]
    if cand:
        if len(cand) >= 2 and _is_units_row(tab.rows[cand[-1]]):
            names, units = tab.rows[cand[-2]], tab.rows[cand[-1]]
        elif _is_units_row(tab.rows[cand[-1]]):
            units = tab.rows[cand[-1]]
        else:
            names = tab.rows[cand[-1]]
    if names is None and tab.comment_rows:
        first = block.rows[0]
        before = [k for k in tab.comment_rows if k < first]
        if before:
            txt = tab.comment_rows[max(before)]
            sep = r"[,;\t]|\s{2,}"
            toks = re.split(sep, txt) if re.search(sep, txt) else txt.split()
            toks = [t.strip() for t in toks if t.strip()]
            if len(toks) == width and sum(role_of(t)[0] is not None for t in toks) >= 2:
                names = toks
    if names is not None:
        names = [cell_text(c) for c in names] + [""] * max(0, width - len(names))
    if units is not None:
        units = [cell_text(c).strip("[]() ") for c in units] + [""] * max(0, width - len(units))
    if names is None and units is not None:
        names = [""] * width
    return names, units


# ---------------------------------------------------------------------------------------
def parse_columns(text, where: str = "--columns") -> dict:
    """``"t=0,v=Bias,i=13:121"`` -> ``{"t": [0], "v": ["Bias"], "i": [(13, 121)]}``.

    Values are 0-based indices, inclusive index ranges ``A:B`` or names; an item
    without ``=`` adds to the role before it (``i=I1,I2,I3``).
    """
    if isinstance(text, dict):
        out = {}
        for k, v in text.items():
            vals = v if isinstance(v, (list, tuple)) else [v]
            out[k] = [_ref(x) for x in vals]
        return _canon_roles(out, where)
    out, last = {}, None
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            k, val = (s.strip() for s in item.split("=", 1))
            last = k
            out.setdefault(k, [])
        elif last is None:
            raise DataError(f"{where} '{item}': expected ROLE=COLUMN, e.g. v=Bias, i=2 or "
                            "i=13:121")
        else:
            val = item
        for part in val.split(";"):
            if part.strip():
                out[last].append(_ref(part.strip()))
    return _canon_roles(out, where)


def _ref(x):
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, tuple):
        return x
    s = str(x).strip()
    if s.isdigit():
        return int(s)
    m = re.fullmatch(r"(\d+)\s*[:-]\s*(\d+)", s)
    if m:
        return (int(m.group(1)), int(m.group(2)))
    return s


def _canon_roles(out, where):
    alias = {"time": "t", "voltage": "v", "current": "i"}
    res = {}
    for k, refs in out.items():
        r = alias.get(k, k)
        if r not in ("t", "v", "i", "cycle", "ch_a", "ch_b"):
            raise DataError(f"{where} {k}=...: unknown role '{k}'; expected t, v, i, "
                            "cycle, ch_a or ch_b (e.g. --columns v=0,i=1)")
        if not refs:
            raise DataError(f"{where} {k}=: no column given; expected a name, an index "
                            "or a range like 13:121")
        if r != "i" and (len(refs) > 1 or isinstance(refs[0], tuple)):
            raise DataError(f"{where} {k}=...: one column expected for '{r}' (only i takes "
                            "a list or range: one cycle per current column)")
        res[r] = refs
    return res


def parse_units(text, where="--units") -> dict:
    if isinstance(text, dict):
        return {({"time": "t", "voltage": "v", "current": "i"}).get(k, k): v
                for k, v in text.items()}
    out = {}
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            raise DataError(f"{where} '{item}': expected ROLE=UNIT, e.g. i=mA or v=mV")
        k, val = (s.strip() for s in item.split("=", 1))
        k = {"time": "t", "voltage": "v", "current": "i"}.get(k, k)
        if k not in ("t", "v", "i", "ch_a", "ch_b"):
            raise DataError(f"{where} {item}: unknown role '{k}'; expected t, v or i")
        role = "v" if k.startswith("ch_") else k
        unit_scale(val, role, f"{where} {item}")
        out[k] = val
    return out


# ---------------------------------------------------------------------------------------
@dataclass
class Opts:
    columns: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)
    sense_resistor_ohm: float | None = None
    channels: tuple | None = None
    drop_bad_rows: bool = False


def _cells(tab, block, j):
    return [tab.rows[k][j] if j < len(tab.rows[k]) else None for k in block.rows]


def _numeric_density(tab, block, j, limit=400):
    """Fraction of the block's rows (first ``limit``) with a non-empty cell in column j."""
    rows = block.rows[:limit]
    if block.values is not None:
        col = block.values[:limit, j]
        return float(np.isfinite(col).mean())
    n = 0
    for k in rows:
        r = tab.rows[k]
        if j < len(r) and cell_text(r[j]):
            n += 1
    return n / max(len(rows), 1)


def _resolve(ref, names, width, tab, block, role):
    """Column index of a user reference (index or name); DataError with CLI syntax."""
    if isinstance(ref, int):
        if ref >= width or ref < 0:
            raise DataError(f"{tab.where(block.rows[0], None)}: --columns {role}={ref}: the "
                            f"rows have {width} columns (indices 0 to {width - 1})")
        return ref
    hits = [j for j, n in enumerate(names or []) if n == ref]
    hits = hits or [j for j, n in enumerate(names or [])
                    if split_name_unit(n)[0] == ref or n.lower() == str(ref).lower()]
    hits = hits or [j for j, n in enumerate(names or []) if norm(n) == norm(ref)]
    if not hits:
        import difflib
        shown = [n for n in names or [] if n]
        near = difflib.get_close_matches(str(ref), shown, n=3)
        raise DataError(f"{tab.where(block.rows[0], None)}: --columns {role}={ref}: no such "
                        f"column; columns are {', '.join(shown) or 'unnamed'}"
                        + (f"; did you mean {', '.join(near)}?" if near else "")
                        + " (indices from 0 work too)")
    return hits[0]


def assign_roles(tab, block, names, units, width, opts: Opts):
    """Role -> column index (``i`` may be a list: wide layout), plus units and how each
    role was found (``user`` for explicit --columns)."""
    roles: dict = {}
    groups: dict = {}
    col_units = {}
    if names:
        for j, n in enumerate(names[:width]):
            u = split_name_unit(n)[1] if n else None
            if units and j < len(units) and units[j]:
                u = units[j]
            col_units[j] = u
    user = opts.columns or {}
    cand: dict = {}
    if names and any(names):
        for j, n in enumerate(names[:width]):
            if not n:
                continue
            r, g = role_of(n)
            if r is None and units and col_units.get(j):
                cu = split_unit(col_units[j])
                if cu and cu[1] in ("V", "A", "s"):
                    r = {"V": "ch%d" % j if cu[1] == "V" and re.fullmatch(r"\d+", n.strip())
                         else "v", "A": "i", "s": "t"}[cu[1]]
            if r is None:
                continue
            by_unit = role_of(split_name_unit(n)[0])[0] is None
            cand.setdefault(r, []).append((by_unit, j, g))
    elif names and units and any(units):
        for j, u in enumerate(units[:width]):
            cu = split_unit(u) if u else None
            if cu and cu[1] in ("V", "A", "s"):
                cand.setdefault({"V": "v", "A": "i", "s": "t"}[cu[1]], []).append((True, j, ""))
    if cand:
        for r, lst in cand.items():
            if r.startswith("ch"):
                roles[r] = lst[0][1]
                continue
            # scalar results (values in row 2 only) are not data columns
            dens = {j: _numeric_density(tab, block, j) for _, j, _ in lst}
            dense = [x for x in lst if dens[x[1]] >= 0.5]
            if not dense:
                roles.setdefault("_sparse", {})[r] = [j for _, j, _ in lst]
                continue                 # only scalar results / a short side table

            if r == "i" and len(dense) >= 3 and "i" not in user and "v" in cand:
                roles["i"] = [j for _, j, _ in dense]          # wide layout
                continue
            lst = sorted(dense, key=lambda x: (x[0], x[1]))
            roles[r] = lst[0][1]
            groups[r] = [(j, g) for _, j, g in lst if _ == lst[0][0]]
        # several SMUs: the voltage that moves, and the current of the same SMU
        if len(groups.get("v", [])) > 1:
            spans = []
            for j, g in groups["v"]:
                col = _numeric_sample(tab, block, j)
                spans.append((float(np.nanmax(col) - np.nanmin(col)) if np.isfinite(
                    col).any() else -1.0, -j, j, g))
            _, _, jv, gv = max(spans)
            roles["v"] = jv
            same = [j for j, g in groups.get("i", []) if g and g == gv]
            if same:
                roles["i"] = same[0]
    else:
        sample = np.array([_numeric_row(tab, block, k, width) for k in range(
            min(len(block.rows), 2000))], float)
        roles.update(_guess_roles_by_value(sample))
        roles["_headerless"] = True
    # user overrides
    for r, refs in user.items():
        if r == "i":
            js = []
            for ref in refs:
                if isinstance(ref, tuple):
                    a, b = ref
                    if b == width and a < width:
                        b = width - 1               # a Python-style end: one past the last
                    if a > b or b >= width:
                        raise DataError(f"{tab.where(block.rows[0], None)}: --columns "
                                        f"i={a}:{b}: the rows have {width} columns "
                                        f"(indices 0 to {width - 1})")
                    js.extend(range(a, b + 1))
                else:
                    js.append(_resolve(ref, names, width, tab, block, r))
            j = js if len(js) > 1 else js[0]
        else:
            j = _resolve(refs[0], names, width, tab, block, r)
        taken = set(j) if isinstance(j, list) else {j}
        for k in [k for k, v in roles.items() if not k.startswith("_") and (
                (isinstance(v, int) and v in taken))]:
            del roles[k]
        roles[r] = j
    # oscilloscope channels -> (applied, sense)
    from .scope import assign_channels
    assign_channels(roles, names, width, opts, tab, block)
    return roles, col_units


def _numeric_row(tab, block, n, width):
    if block.values is not None:
        row = block.values[n, :width]
        return list(row) + [math.nan] * (width - len(row))
    r = tab.rows[block.rows[n]]
    out = []
    for j in range(width):
        c = r[j] if j < len(r) else None
        try:
            from .numbers import parse_cell
            out.append(parse_cell(c, tab.decimal_comma)[0])
        except DataError:
            out.append(math.nan)
    return out


def _numeric_sample(tab, block, j, limit=2000):
    if block.values is not None:
        return block.values[:limit, j]
    from .numbers import parse_cell
    out = []
    for k in block.rows[:limit]:
        r = tab.rows[k]
        try:
            out.append(parse_cell(r[j] if j < len(r) else None, tab.decimal_comma)[0])
        except DataError:
            out.append(math.nan)
    return np.array(out, float)


def _guess_roles_by_value(cols: np.ndarray) -> dict:
    """Roles for a header-less block: time = increasing first column, then V, then I."""
    if cols.ndim != 2 or cols.shape[0] == 0:
        return {}
    keep = [j for j in range(cols.shape[1]) if np.isfinite(cols[:, j]).mean() >= 0.5]
    roles = {}
    rest = list(keep)
    if len(keep) >= 3:
        for j in keep:
            c = cols[:, j]
            c = c[np.isfinite(c)]
            d = np.diff(c)
            if c.size > 2 and np.all(d >= 0) and np.any(d > 0):
                roles["t"] = j
                rest.remove(j)
                break
    if len(rest) < 2:
        return roles
    a, b = rest[0], rest[1]

    def amax(j):
        c = cols[:, j]
        return float(np.nanmax(np.abs(c))) if np.isfinite(c).any() else 0.0
    ma, mb = amax(a), amax(b)
    if ma > 0 and mb > 0 and ma < 0.2 and mb > 20 * ma:
        a, b = b, a                      # the first column looks like a current
    roles["v"], roles["i"] = a, b
    return roles


# ---------------------------------------------------------------------------------------
def _col_label(names, j):
    if names and j < len(names) and names[j]:
        return f"'{names[j]}' (column {j})"
    return f"column {j}"


def check_plausible(role, x, label, where, user_roles, headerless):
    """One-line DataError when a column does not look like what it is read as."""
    if role in user_roles:
        return
    fin = x[np.isfinite(x)]
    if fin.size < 2:
        return
    hint = (" If it really is, say so with --columns/--units (e.g. --columns v=0,i=1 "
            "--units v=V).")
    if role == "v" and np.abs(fin).max() > 100:
        raise DataError(f"{where}: {label} read as voltage reaches {np.abs(fin).max():.3g} V; "
                        "that looks like millivolts or another quantity (expected |V| < "
                        "100 V). Pass --units v=mV if it is in millivolts, or pick the "
                        "column with --columns v=...")
    if role == "i":
        if np.abs(fin).max() > 1.0:
            raise DataError(f"{where}: {label} read as current reaches "
                            f"{np.abs(fin).max():.3g} A; that looks like mA/uA without a unit "
                            "or another quantity (expected |I| < 1 A). Pass --units i=mA "
                            "(or uA, nA), or pick the column with --columns i=...")
        if fin.size >= 10 and np.unique(fin).size <= 2:
            raise DataError(f"{where}: {label} read as current takes only "
                            f"{np.unique(fin).size} value(s) ({', '.join(f'{u:g}' for u in np.unique(fin))}); "
                            "that looks like a setting (amplitude, width), not a measured "
                            "current." + hint)
    if role in ("v", "i") and fin.size >= 8:
        ints = np.all(fin == np.round(fin))
        nd = np.unique(fin).size
        if ints and nd >= 8 and np.abs(fin).max() >= 8:
            raise DataError(f"{where}: {label} read as {ROLE_WORD[role]} holds only whole "
                            f"numbers ({fin.min():g} to {fin.max():g}) like addresses or "
                            "indices, not a measured sweep; a pulse or address table is not "
                            "an I-V record." + hint)
    if role == "v" and headerless and fin.size >= 10 and np.unique(fin).size <= 2:
        raise DataError(f"{where}: {label} read as voltage takes only "
                        f"{np.unique(fin).size} value(s); a table of pulse settings is not an "
                        "I-V sweep." + hint)


def _time_splits(t, label, where, rows_where):
    """Indices where time restarts (new sweep); DataError if it runs backwards otherwise."""
    if t is None or t.size < 3:
        return []
    d = np.diff(t)
    back = np.flatnonzero(d < 0)
    if not back.size:
        return []
    span = float(np.nanmax(t) - np.nanmin(t)) or 1.0
    splits = []
    for k in back:
        restart = t[k + 1] <= np.nanmin(t) + 0.02 * span or t[k + 1] <= t[0] + 0.02 * span
        if not restart:
            raise DataError(f"{rows_where(k + 1)}: {label} read as time is not increasing "
                            f"({t[k + 1]:g} s after {t[k]:g} s). If it is not a time, choose "
                            "the columns with --columns v=...,i=...")
        splits.append(k + 1)
    if len(splits) > 0.05 * t.size:
        raise DataError(f"{where}: {label} read as time is not increasing (it goes back "
                        f"{len(splits)} times). If it is not a time, choose the columns "
                        "with --columns v=...,i=...")
    return splits


def table_sweeps(tab: Table, opts: Opts, notes: list, warnings: list) -> list:
    """Sweeps of every data block of a table."""
    blocks = find_blocks(tab)
    if not blocks:
        raise DataError(f"{tab.where(None, None)}: no numeric data rows found; expected "
                        "columns of voltage and current (optionally time)")
    out = []
    for b in blocks:
        out.extend(_block_sweeps(tab, b, opts, notes, warnings))
    return out


def _block_width(tab, b):
    if b.values is not None:
        return b.values.shape[1]
    return max(len(_trim(tab.rows[k])) for k in b.rows)


def _block_sweeps(tab, b, opts, notes, warnings):
    width = _block_width(tab, b)
    names, units = header_for(tab, b, width)
    roles, col_units = assign_roles(tab, b, names, units, width, opts)
    headerless = bool(roles.pop("_headerless", False))
    sparse = roles.pop("_sparse", {})
    first = tab.where(b.rows[0], None)
    shown = [n for n in (names or []) if n] or [f"{width} unnamed columns"]
    for r in ("v", "i"):
        if r not in roles and "ch_a" not in roles and sparse.get(r):
            j = sparse[r][0]
            raise DataError(f"{first}: {_col_label(names, j)} would be the "
                            f"{'voltage' if r == 'v' else 'current'} but holds values in "
                            "fewer than half of the rows (scalar results?); pick the data "
                            f"columns with --columns {r}=NAME")
    if "v" not in roles and "ch_a" not in roles:
        if sum(1 for k in roles if k.startswith("ch")) >= 2:
            raise DataError(f"{first}: oscilloscope capture with channels "
                            f"{', '.join(shown)} and no current column; pass --sense-resistor "
                            "OHM and --channels APPLIED,SENSE (or --columns v=...,i=...)")
        raise DataError(f"{first}: no voltage column among {', '.join(shown)}; expected a "
                        "column named like V, Voltage, Vforce, AV or Smu1.V. Pass "
                        "--columns v=NAME (or an index from 0)")
    if "i" not in roles and "ch_a" not in roles:
        raise DataError(f"{first}: no current column among {', '.join(shown)}; expected a "
                        "column named like I, Current, Imeas, AI or Smu1.I. Pass "
                        "--columns i=NAME (or an index from 0)")
    user_roles = set(opts.columns or {}) | set(opts.units or {})
    wide = isinstance(roles.get("i"), list)
    i_cols = roles["i"] if wide else ([roles["i"]] if "i" in roles else [])
    base_roles = {r: j for r, j in roles.items() if r in ("t", "v", "cycle", "ch_a", "ch_b")}
    if "ch_a" in base_roles:
        i_cols = []
    # label row under the header (experiment numbers of a wide layout)
    labels = {}
    rows_idx = list(range(len(b.rows)))
    if wide and "v" in base_roles and rows_idx:
        n0 = 0
        vcell = _cell(tab, b, 0, base_roles["v"])
        if cell_text(vcell) == "" or not is_num(vcell, tab.decimal_comma):
            vals = [_cell(tab, b, 0, j) for j in i_cols]
            nums = []
            for c in vals:
                try:
                    from .numbers import parse_cell
                    nums.append(parse_cell(c, tab.decimal_comma)[0])
                except DataError:
                    nums.append(math.nan)
            if any(math.isfinite(x) for x in nums):
                labels = {j: x for j, x in zip(i_cols, nums) if math.isfinite(x)}
                n0 = 1
        rows_idx = rows_idx[n0:]
    sel = dict(base_roles)
    scales, unit_names, conv = {}, {}, {}

    def where_row(n, j):
        return tab.where(b.rows[n], j)

    def column(r, j):
        if (r, j) in conv:
            return conv[(r, j)]
        role = "v" if r.startswith("ch_") else r
        u = (opts.units or {}).get(r, col_units.get(j))
        if r == "i" and (opts.units or {}).get("i"):
            u = opts.units["i"]
        sense = False
        cu = split_unit(u) if u else None
        if r == "i" and cu and cu[1] == "V" and "i" not in (opts.units or {}):
            if opts.sense_resistor_ohm is None:
                raise DataError(f"{tab.where(b.rows[0], j)}: {_col_label(names, j)} chosen "
                                f"as current is in {u}; pass --sense-resistor OHM (the "
                                "column is the voltage across it) or --units i=A")
            sense = True
        scale = 1.0 if r == "cycle" else (prefix_scale(u) if sense else unit_scale(
            u, role, tab.where(b.rows[0], j)))
        if b.values is not None:
            vals = b.values[:, j].astype(float)
            bad = ~np.isfinite(vals)
            si = np.zeros(vals.size, bool)
        else:
            cells = _cells(tab, b, j)
            vals, bad, si = _convert_lenient(cells, r, tab, where_row, j, names)
        x = np.where(si, vals, vals * scale)
        if sense:
            x = x / float(opts.sense_resistor_ohm)
        conv[(r, j)] = (x, bad, vals, u)
        scales[r], unit_names[r] = scale, u
        return conv[(r, j)]

    # which rows are data: every selected cell numeric (rows with all selected cells
    # empty are just shorter rows)
    groups = [(None, i_cols[0])] if not wide and i_cols else []
    if wide:
        groups = [(k, j) for k, j in enumerate(i_cols)]
    if not groups:
        groups = [(None, None)]
    sweeps = []
    skipped = []
    for k, ij in groups:
        need = dict(sel)
        if ij is not None:
            need["i"] = ij
        cols = {r: column(r, j) for r, j in need.items()}
        n = len(b.rows)
        empty = np.ones(n, bool)
        anybad = np.zeros(n, bool)
        for r, (x, bad, raw, _) in cols.items():
            if r == "cycle":
                continue
            e = _empty_mask(tab, b, need[r])
            empty &= e
            anybad |= bad & ~e
        sel_rows = np.zeros(n, bool)
        sel_rows[np.asarray(rows_idx, int)] = True
        idx = np.flatnonzero(sel_rows & ~empty)
        nonfin = np.zeros(n, bool)
        for r in cols:
            if r != "cycle":
                nonfin |= ~np.isfinite(cols[r][0])
        badrows = list(np.flatnonzero((anybad | nonfin) & sel_rows & ~empty))
        if badrows:
            if not opts.drop_bad_rows:
                m = badrows[0]
                r, j = next((r, need[r]) for r in cols if r != "cycle"
                            and not np.isfinite(cols[r][0][m]))
                c = _cell(tab, b, m, j)
                txt = cell_text(c) or "empty"
                what = "an Excel error" if txt.upper() in EXCEL_ERRORS else (
                    "empty" if txt == "empty" else "not a number")
                cell_s = "cell" if txt == "empty" else f"cell '{txt}'"
                raise DataError(f"{tab.where(b.rows[m], j)}: {cell_s} in selected "
                                f"column {_col_label(names, j)} is {what}; expected "
                                f"{ROLE_WORD.get(r, r)}. Fix it, or pass --drop-bad-rows to "
                                "skip rows whose selected cells are bad")
            bs = set(badrows)
            idx = np.array([m for m in idx if m not in bs], int)
            notes.append(f"{tab.name}: dropped {len(bs)} row(s) with bad selected cells")
        if wide and idx.size < 2:
            skipped.append(ij)
            continue
        if idx.size < 2:
            raise DataError(f"{first}: only {idx.size} data point(s); expected a sweep of at "
                            "least 2 points")
        data = {r: cols[r][0][idx] for r in cols}
        # plausibility (explicit --columns/--units overrides)
        for r in ("v", "i", "t", "ch_a", "ch_b"):
            if r in data:
                check_plausible("v" if r.startswith("ch_") else r, data[r],
                                _col_label(names, need[r]), first, user_roles if r in (
                                    "v", "i", "t") else user_roles | {"v"}, headerless)
        if "ch_a" in data:
            from .scope import channels_to_vi
            v, i = channels_to_vi(data["ch_a"], data["ch_b"], opts, first)
        else:
            v, i = data["v"], data["i"]
        t = data.get("t")
        def rows_where(m):
            return tab.where(b.rows[int(idx[m])], None)
        splits = _time_splits(t, _col_label(names, need.get("t", 0)), first, rows_where) \
            if t is not None and "t" not in user_roles else []
        label = labels.get(ij) if wide else None
        pieces = np.split(np.arange(v.size), splits) if splits else [np.arange(v.size)]
        for piece in pieces:
            if "cycle" in data:
                lab = data["cycle"][piece]
                edges = np.flatnonzero(np.diff(lab) != 0) + 1
                segs = np.split(piece, edges)
            else:
                segs = [piece]
            for seg in segs:
                if len(seg) < 2:
                    continue
                lb = float(data["cycle"][seg[0]]) if "cycle" in data else label
                src = tab.where(b.rows[int(idx[seg[0]])], None)
                if wide:
                    src += f" column {_col_label(names, ij)}"
                sweeps.append(Sweep(v[seg], i[seg], None if t is None else t[seg], src, lb,
                                    tab.file or tab.name))
    if skipped:
        notes.append(f"{tab.name}: skipped {len(skipped)} current column(s) without data: "
                     + ", ".join(str(j) for j in skipped[:10]))
    if wide and not sweeps:
        raise DataError(f"{first}: none of the {len(i_cols)} current columns holds at least "
                        "2 numeric rows beside the voltage column")
    used = dict(sel)
    if i_cols:
        used["i"] = i_cols if wide else i_cols[0]
    desc = []
    for r, j in used.items():
        if isinstance(j, list):
            desc.append(f"i=columns {j[0]}..{j[-1]} ({len(sweeps)} cycles, wide layout)")
        else:
            u = unit_names.get(r)
            desc.append(f"{r}={_col_label(names, j)}" + (f" [{u}]" if u else ""))
    notes.append(f"{tab.name}: columns " + ", ".join(desc))
    return sweeps


def _cell(tab, b, n, j):
    if b.values is not None:
        return b.values[n, j]
    r = tab.rows[b.rows[n]]
    return r[j] if j < len(r) else None


def _empty_mask(tab, b, j):
    if b.values is not None:
        return np.zeros(len(b.rows), bool)
    return np.array([cell_text(c) == "" for c in _cells(tab, b, j)], bool)


def _convert_lenient(cells, role, tab, where_row, j, names):
    """Like convert_column, but bad cells become NaN (judged per row afterwards); units
    in cells are still checked against the column's role."""
    from .numbers import parse_cell, CELL_UNIT_ROLE
    n = len(cells)
    out = np.full(n, np.nan)
    bad = np.zeros(n, bool)
    si = np.zeros(n, bool)
    want = {"ch_a": "v", "ch_b": "v"}.get(role, role)
    dc = tab.decimal_comma
    # fast: plain floats
    try:
        arr = np.array(cells, dtype=float) if not any(
            isinstance(c, (bool, np.bool_)) for c in cells) else None
        if arr is not None and np.all(np.isfinite(arr)):
            return arr, bad, si
    except (TypeError, ValueError):
        pass
    for k, c in enumerate(cells):
        try:
            x, u = parse_cell(c, dc)
        except DataError:
            bad[k] = True
            continue
        if u is not None:
            if u == "ohm" or CELL_UNIT_ROLE.get(u) != want:
                raise DataError(f"{where_row(k, j)}: cell '{cell_text(c)}' carries unit {u} "
                                f"but {_col_label(names, j)} is read as "
                                f"{ROLE_WORD.get(role, role)}. Fix the cell or choose the "
                                "columns with --columns")
            si[k] = True
        out[k] = x
    return out, bad, si


__all__ = ["Table", "Block", "Opts", "table_sweeps", "parse_columns", "parse_units",
           "role_of", "find_blocks", "header_for", "check_plausible", "convert_column"]
