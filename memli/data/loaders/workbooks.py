"""Excel workbooks (``.xlsx`` via openpyxl, ``.xls`` via xlrd): sheet selection, error
cells, and limits on what a workbook may make us decompress.

``--sheet NAME|INDEX|GLOB`` (repeatable) picks sheets; sheets not picked are never
parsed.  Without it every sheet is tried, except calculation and settings sheets (by
name), and sheets without voltage and current columns are skipped.
"""
from __future__ import annotations

import fnmatch
import os
import re
import zipfile
from pathlib import Path

from ...errors import DataError
from .roles import Opts, Table, table_sweeps

EXCEL_EXTS = {".xlsx", ".xlsm", ".xls"}
#: most bytes a workbook may decompress to (all its XML parts together)
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024
#: most bytes one part may decompress to per byte stored (zip bombs)
MAX_RATIO = 200
SKIP_SHEET_RE = re.compile(
    r"(calc|setting|config|param|info|summary|chart|graph|note|readme|about|"
    r"metadata|legend|statistic|formula|test ?setup)",
    re.I)


def col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _where(path, sheet):
    def where(r, c):
        if r is None:
            return f"{path}:{sheet}"
        if c is None:
            return f"{path}:{sheet}!{r + 1}:{r + 1}"
        return f"{path}:{sheet}!{col_letter(c)}{r + 1}"
    return where


def pick_sheets(names: list, wanted, path) -> list:
    """Sheet names picked by ``wanted`` (names, 0-based indices or globs), in workbook
    order; DataError naming a selector that matches nothing."""
    if not wanted:
        return [n for n in names if not SKIP_SHEET_RE.search(n)] or list(names)
    picked = set()
    for w in wanted:
        s = str(w).strip()
        hit = [n for n in names if n == s] or [n for n in names if n.lower() == s.lower()]
        if not hit and re.fullmatch(r"-?\d+", s):
            k = int(s)
            if -len(names) <= k < len(names):
                hit = [names[k]]
        if not hit and any(ch in s for ch in "*?["):
            hit = [n for n in names if fnmatch.fnmatchcase(n.lower(), s.lower())]
        if not hit:
            raise DataError(f"{path}: --sheet {s}: no such sheet; sheets are "
                            f"{', '.join(names)} (names, 0-based indices or globs like 'Run*')")
        picked.update(hit)
    return [n for n in names if n in picked]


def _check_zip(path: Path):
    try:
        with zipfile.ZipFile(path) as z:
            total = 0
            for info in z.infolist():
                total += info.file_size
                if info.file_size > 1_000_000 and info.compress_size and \
                        info.file_size / info.compress_size > MAX_RATIO:
                    raise DataError(f"{path}: part {info.filename} would decompress "
                                    f"{info.file_size / info.compress_size:.0f}x to "
                                    f"{info.file_size / 1e6:.0f} MB; refused (a workbook "
                                    f"part may expand at most {MAX_RATIO}x). Save the data "
                                    "sheet as CSV")
            if total > MAX_XLSX_UNCOMPRESSED:
                raise DataError(f"{path}: workbook decompresses to {total / 1e6:.0f} MB; "
                                f"at most {MAX_XLSX_UNCOMPRESSED / 1e6:.0f} MB is read. Save "
                                "the data sheet as CSV")
    except zipfile.BadZipFile:
        raise DataError(f"{path}: not a readable .xlsx workbook (damaged zip); expected an "
                        "Excel file") from None


def _cell(v):
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, str):
        return v.strip()
    return v


def _xlsx_sheets(path: Path, wanted):
    """Yield (name, rows) of the picked sheets only."""
    import openpyxl
    _check_zip(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 - any unreadable workbook
        raise DataError(f"{path}: not a readable .xlsx workbook ({type(e).__name__}); "
                        "expected an Excel file") from None
    try:
        names = list(wb.sheetnames)
        for name in pick_sheets(names, wanted, path):
            try:
                ws = wb[name]
                rows = [[_cell(c) for c in r] for r in ws.iter_rows(values_only=True)]
            except DataError:
                raise
            except Exception as e:  # noqa: BLE001
                raise DataError(f"{path}:{name}: sheet not readable ({type(e).__name__}); "
                                "expected an Excel worksheet") from None
            yield name, rows, names
    finally:
        wb.close()


def _xls_cell(ctype: int, value):
    """One xlrd cell (type code, value) as the loaders' cell: errors as their Excel text,
    empty as None, booleans as TRUE/FALSE, text stripped."""
    import xlrd
    if ctype == xlrd.XL_CELL_ERROR:
        return xlrd.biffh.error_text_from_code.get(value, "#ERR")
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    return value.strip() if isinstance(value, str) else value


def _xls_sheets(path: Path, wanted):
    import xlrd
    # xlrd reports damaged files on stdout by default: that would corrupt --json output
    sink = open(os.devnull, "w")
    try:
        # ragged rows: no padding of short rows to the (possibly damaged) sheet width
        book = xlrd.open_workbook(str(path), on_demand=True, logfile=sink, ragged_rows=True)
    except Exception as e:  # noqa: BLE001
        sink.close()
        raise DataError(f"{path}: not a readable .xls workbook ({type(e).__name__}); "
                        "expected an Excel 97-2003 file") from None
    try:
        names = list(book.sheet_names())
        for name in pick_sheets(names, wanted, path):
            try:
                sh = book.sheet_by_name(name)
                rows = [[_xls_cell(t, v) for t, v in zip(sh.row_types(r), sh.row_values(r))]
                        for r in range(sh.nrows)]
            except DataError:
                raise
            except Exception as e:  # noqa: BLE001 - corrupted records (KeyError, ...)
                raise DataError(f"{path}:{name}: sheet not readable ({type(e).__name__}); "
                                "the .xls file looks damaged") from None
            yield name, rows, names
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001
        raise DataError(f"{path}: not a readable .xls workbook ({type(e).__name__}); the "
                        "file looks damaged") from None
    finally:
        try:
            book.release_resources()
        except Exception:  # noqa: BLE001
            pass
        sink.close()


def sheet_key(name: str):
    nums = re.findall(r"\d+", name)
    return int(nums[-1]) if nums else -1


def read_workbook(path: Path, opts: Opts, sheets, notes, warnings, comments=None) -> list:
    """Sweeps of the picked (or all data) sheets; text cells of the first rows that say
    GENERATED are appended to ``comments``."""
    try:
        return _read_workbook(path, opts, sheets, notes, warnings, False, comments)
    except DataError as e:
        if sheets or "no sheet holds" not in str(e):
            raise
        # no data among the ordinary sheets: try those skipped by their names too
        try:
            return _read_workbook(path, opts, sheets, notes, warnings, True, comments)
        except DataError:
            raise e from None


def _read_workbook(path, opts, sheets, notes, warnings, everything, comments=None):
    head = path.read_bytes()[:8]
    sel = ["*"] if everything else sheets
    gen = _xlsx_sheets(path, sel) if head.startswith(b"PK") else _xls_sheets(path, sel)
    sheets = sheets or None
    found, skipped, all_names, failed = [], [], [], []
    for name, rows, names in gen:
        all_names = names
        if comments is not None:
            comments.extend(c for r in rows[:3] for c in r
                            if isinstance(c, str) and "generated" in c.lower())
        tab = Table(rows, _where(path, name), f"{path}:{name}", str(path), sheet=name)
        try:
            sw = table_sweeps(tab, opts, notes, warnings)
        except DataError as e:
            msg = str(e)
            if sheets:
                raise
            if "no numeric data rows" in msg or "no voltage column" in msg or \
                    "no current column" in msg or "holds values in fewer" in msg:
                skipped.append(name)
                continue
            # a sheet that fails otherwise is reported; the others are still read
            failed.append((name, msg))
            continue
        for s in sw:
            s.sheet = name
        found.append((name, sw))
    if not found and failed:
        raise DataError(failed[0][1])
    for name, msg in failed:
        warnings.append(f"sheet {name} not read: {msg} (pick sheets with --sheet)")
    if not found:
        raise DataError(f"{path}: no sheet holds voltage and current columns (sheets: "
                        f"{', '.join(all_names)}); expected columns like V and I. Pick "
                        "sheets with --sheet NAME and columns with --columns v=...,i=...")
    keys = [sheet_key(n) for n, _ in found]
    if len(set(keys)) == len(keys) and any(k >= 0 for k in keys):
        found = [f for _, f in sorted(zip(keys, found), key=lambda z: z[0])]
        if len(found) > 1:
            notes.append(f"{path}: data sheets ordered by the number in their names")
    not_picked = [n for n in all_names if n not in {f[0] for f in found} | set(skipped)
                  | {f[0] for f in failed}]
    if skipped or (not sheets and not_picked):
        notes.append(f"{path}: skipped sheets without I-V data: "
                     f"{', '.join(skipped + not_picked)}")
    return [s for _, sw in found for s in sw]
