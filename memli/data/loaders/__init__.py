"""Read current-voltage measurements as instruments and labs write them.

Supported inputs
----------------
* delimited text (``.csv .tsv .txt .dat .prn`` or anything else that is text): comma,
  semicolon, tab or whitespace separated; a header row, a units row under it (also the
  oscilloscope two-line header ``x-axis,1,2`` / ``second,Volt,Volt``) or none; comment
  lines (``#  %  //  ;  !``); UTF-8 / UTF-16 / Latin-1; CRLF; trailing separators;
  decimal commas; engineering notation (``1.5e-3``, ``1.5m``, ``12uA``); several blocks
  (sweeps) separated by blank lines, repeated headers or ``Sweep N`` lines; ragged rows
  (a row is data when its selected cells are numbers).
* Excel workbooks: ``.xlsx`` (openpyxl) and ``.xls`` (xlrd); ``sheets`` picks sheets by
  name, index or glob; calculation/settings sheets skipped; error cells (``#REF!``)
  reported with sheet and cell when they are in a selected column.
* oscilloscope captures: two channel voltages across a sense resistor
  (``sense_resistor_ohm``; ``channels=(applied, sense)``).
* wide layouts: one voltage column and one current column per cycle
  (``columns={"v": 0, "i": [(13, 121)]}``, CLI ``--columns v=0,i=13:121``).
* many sweeps in one file (a ``cycle``/``sweep`` column, or blocks), one file per cycle
  (a folder or a glob), and SET and RESET sweeps in separate sheets or files (paired by
  the run number in their names).

Modules: :mod:`.numbers` (cells and units), :mod:`.roles` (blocks, headers, roles,
plausibility), :mod:`.text` (text files, pandas fast path), :mod:`.workbooks`,
:mod:`.scope` (oscilloscope channels), :mod:`.pairing` (SET/RESET pairing).
Everything is converted to SI (s, V, A).  Bad input raises
:class:`memli.errors.DataError` with one line naming the file and line (or sheet and
cell).  Inputs are only read.
"""
from __future__ import annotations

import glob as _glob
import re
from pathlib import Path
from typing import Mapping, Sequence

from ...errors import DataError
from ...fsio import sha256_file
from .numbers import EXCEL_ERRORS, parse_number, split_name_unit, unit_scale
from .pairing import guess_set_polarity, pair_set_reset
from .records import IVData, Sweep
from .roles import Opts, parse_columns, parse_units, role_of, table_sweeps
from .text import COMMENT_PREFIXES, TEXT_EXTS, read_text
from .workbooks import EXCEL_EXTS, read_workbook

__all__ = ["IVData", "Sweep", "load", "load_file", "expand_paths", "pair_set_reset",
           "parse_number", "parse_spec", "parse_columns", "parse_units", "unit_scale",
           "role_of", "split_name_unit", "EXCEL_ERRORS", "EXCEL_EXTS", "TEXT_EXTS",
           "COMMENT_PREFIXES"]


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
        elif p.exists():
            out.append(p)
        elif any(ch in s for ch in "*?["):
            files = [Path(f) for f in _glob.glob(s) if Path(f).is_file()]
            if not files:
                raise DataError(f"{s}: glob matches no files")
            out.extend(sorted(files, key=_natural))
        else:
            raise DataError(f"{p}: no such file or folder")
    return out


def _natural(p: Path):
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def _opts(columns, units, sense_resistor_ohm, channels, drop_bad_rows):
    return Opts(parse_columns(dict(columns or {}) if not isinstance(columns, str)
                              else columns),
                parse_units(dict(units or {}) if not isinstance(units, str) else units),
                sense_resistor_ohm, tuple(channels) if channels else None, drop_bad_rows)


def load_file(path, columns: Mapping | None = None, units: Mapping | None = None,
              sense_resistor_ohm: float | None = None, channels=None,
              drop_bad_rows: bool = False, decimal: str | None = None,
              notes: list | None = None, sheets=None,
              warnings: list | None = None) -> tuple[list, dict]:
    """Sweeps from one file and its metadata (comments, generated flag, sha256)."""
    path = Path(path)
    notes = [] if notes is None else notes
    warnings = [] if warnings is None else warnings
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: empty file; expected a table of voltage and current")
    opts = columns if isinstance(columns, Opts) else _opts(columns, units, sense_resistor_ohm,
                                                           channels, drop_bad_rows)
    with open(path, "rb") as fh:
        head = fh.read(8)
    comments = []
    if path.suffix.lower() in EXCEL_EXTS or head.startswith(b"PK") or \
            head.startswith(b"\xd0\xcf\x11\xe0"):
        sweeps = read_workbook(path, opts, sheets, notes, warnings, comments)
    else:
        if sheets:
            raise DataError(f"{path}: --sheet applies to workbooks (.xlsx/.xls); this is a "
                            "text file")
        tab = read_text(path, decimal)
        comments = tab.comments
        sweeps = table_sweeps(tab, opts, notes, warnings)
    meta = {"path": str(path), "sha256": sha256_file(path), "comments": comments,
            "generated": any("generated" in c.lower() for c in comments)}
    return sweeps, meta


def load(data, columns: Mapping | None = None, units: Mapping | None = None,
         sense_resistor_ohm: float | None = None, channels=None,
         drop_bad_rows: bool = False, decimal: str | None = None,
         set_polarity: str = "neg", pair: bool = True, sheets=None) -> IVData:
    """Load measured I-V data from files, folders or globs into one :class:`IVData`.

    Parameters
    ----------
    data : path, str or sequence of them
        Files (text or Excel), folders (all data files, natural order) or glob patterns.
    columns : mapping or str, optional
        Role -> column name, 0-based index, or (for ``i``) a list of them and inclusive
        ranges ``(a, b)`` (wide layout: one cycle per current column); roles ``t``,
        ``v``, ``i``, ``cycle``, ``ch_a``, ``ch_b``.  A string is parsed as the CLI's
        ``--columns`` (``"v=0,i=13:121"``).
    units : mapping or str, optional
        Role -> unit (``"mA"``, ``"mV"``, ``"ms"``...), overriding the header.
    sense_resistor_ohm : float, optional
        Sense resistor of an oscilloscope capture, ohm.
    channels : (str, str), optional
        Oscilloscope channel names as in the header (applied voltage, voltage across the
        sense resistor); a number that is no channel name is a 0-based column index.
    drop_bad_rows : bool
        Skip rows whose selected cells are not numbers instead of raising.
    decimal : {".", ","}, optional
        Force the decimal separator of text files (default: detected).
    set_polarity : {"neg", "pos", "auto"}
        Voltage polarity of SET, used to tell SET from RESET sweeps kept in separate
        files when their names do not say (``auto``: the side where the current jumps up).
    pair : bool
        Interleave SET-only and RESET-only sweeps into cycles.
    sheets : sequence of str, optional
        Workbook sheets to read: names, 0-based indices or globs.

    Raises
    ------
    DataError
        One line naming the file and line (or sheet and cell), what was found and what
        was expected.
    """
    paths = expand_paths(data)
    if not paths:
        raise DataError("no input files given")
    opts = _opts(columns, units, sense_resistor_ohm, channels, drop_bad_rows)
    sweeps, files, notes, warnings = [], [], [], []
    for p in paths:
        sw, meta = load_file(p, opts, None, None, None, drop_bad_rows, decimal, notes,
                             sheets, warnings)
        sweeps.extend(sw)
        files.append(meta)
    if pair:
        pol = set_polarity
        if pol not in ("neg", "pos"):
            pol = guess_set_polarity(sweeps) or "neg"
        sweeps, note, warn = pair_set_reset(sweeps, pol)
        if note:
            notes.append(note)
        warnings.extend(warn)
    meta = {"files": [{"path": f["path"], "sha256": f["sha256"]} for f in files],
            "generated": any(f["generated"] for f in files),
            "comments": [c for f in files for c in f["comments"]],
            "notes": notes, "warnings": warnings}
    set_pols = {s.polarity for s in sweeps if getattr(s, "side", None) == "set"}
    if len(set_pols) == 1 and set_pols <= {"neg", "pos"}:
        # the sheet or file names say which sweeps SET
        meta["polarity"] = "negative_set" if set_pols == {"neg"} else "positive_set"
    return IVData(sweeps, meta)


def parse_spec(text: str | None, where: str) -> dict:
    """``"t=0,v=Bias,i=Imeas"`` -> ``{"t": 0, "v": "Bias", "i": "Imeas"}`` (units use it)."""
    if where.startswith("--units"):
        return parse_units(text, where)
    cols = parse_columns(text, where)
    return {k: (v[0] if len(v) == 1 else v) for k, v in cols.items()}
