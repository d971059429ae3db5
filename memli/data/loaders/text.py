"""Delimited text files: decoding, delimiter and decimal sniffing, comment lines, and a
pandas fast path for the common case (a header, maybe a units row, then one clean block
of numbers), with the hand parser of :mod:`.roles` for everything else.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from ...errors import DataError
from .numbers import DEC_COMMA_RE, EXCEL_ERRORS
from .roles import Table

TEXT_EXTS = {".csv", ".tsv", ".txt", ".dat", ".prn", ".asc", ".tab", ".log", ""}
COMMENT_PREFIXES = ("#", "%", "//", ";", "!")
#: largest text file read, bytes
MAX_TEXT_BYTES = 512 * 1024 * 1024


def decode(raw: bytes, path: str) -> str:
    """Text of a file: UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern), else
    Latin-1 (every byte is a character there)."""
    try:
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
            raise DataError(f"{path}: binary content (NUL bytes); expected a text table or "
                            "an Excel workbook (.xlsx/.xls)")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("cp1252", errors="strict")
    except UnicodeDecodeError:
        try:
            return raw.decode("latin-1")
        except UnicodeDecodeError:      # pragma: no cover - latin-1 decodes any byte
            raise DataError(f"{path}: not readable as text (UTF-8, UTF-16 or Latin-1)"
                            ) from None


def sniff(lines: list[str]):
    """Delimiter (None = whitespace) and decimal comma for data-looking lines."""
    cand = []
    for ln in lines:
        if re.search(r"\d", ln):
            cand.append(ln)
            if len(cand) >= 200:
                break
    if not cand:
        return None, False

    def frac(ch):
        return sum(ch in ln for ln in cand) / len(cand)
    if frac(";") >= 0.6:
        dc = any(re.search(r"\d,\d", ln) for ln in cand)
        return ";", dc
    if frac("\t") >= 0.6:
        toks = [t.strip() for ln in cand for t in ln.split("\t") if t.strip()]
        return "\t", any(DEC_COMMA_RE.match(t) for t in toks) and not any(
            re.match(r"^[-+]?\d*\.\d+", t) for t in toks)
    if frac(",") >= 0.6:
        ws = [ln.split() for ln in cand]
        if all(len(w) >= 2 for w in ws) and all(
                all(DEC_COMMA_RE.match(t) or re.match(r"^[-+]?\d+(?:[eE][-+]?\d+)?$", t)
                    for t in w) for w in ws[-20:]) and any(
                DEC_COMMA_RE.match(t) for w in ws for t in w):
            return None, True
        return ",", False
    return None, False


def _is_comment(s: str, delim) -> bool:
    """A comment line, but not a data row starting with an Excel error (``#N/A``) or with
    an empty first cell in a file whose delimiter is the comment character (``;``)."""
    if not s.startswith(COMMENT_PREFIXES):
        return False
    if delim is not None and s.startswith(delim):
        return False
    head = re.split(r"[,;\t ]", s, maxsplit=1)[0].strip().strip('"')
    if head.upper() in EXCEL_ERRORS:
        return False
    return True


def _split(ln, delim):
    if delim is None:
        return ln.split()
    return [c.strip() for c in ln.split(delim)]


def read_text(path: Path, decimal) -> Table:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise DataError(f"{path}: {size / 1e6:.0f} MB; text files above "
                        f"{MAX_TEXT_BYTES / 1e6:.0f} MB are not read (split the file)")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: empty file; expected a table of voltage and current")
    text = decode(raw, str(path))
    lines = text.splitlines()
    if lines:
        lines[0] = lines[0].lstrip("\ufeff")
    # delimiter first (on lines that are surely not comments), then comments
    pre = []
    for ln in lines:
        if ln.strip() and not ln.lstrip().startswith(("#", "%", "//", "!")):
            pre.append(ln)
            if len(pre) >= 400:
                break
    delim, dc = sniff(pre)
    if decimal is not None:
        dc = decimal == ","
    comment_rows, comments = {}, []
    for k, ln in enumerate(lines):
        s = ln.strip()
        if s and _is_comment(s, delim):
            comment_rows[k] = s.lstrip("#%/;! ").strip()
            comments.append(comment_rows[k])
    where = (lambda r, c: f"{path}:{'' if r is None else r + 1}".rstrip(":"))
    fast = _fast_path(lines, comment_rows, delim, dc)
    if fast is not None:
        first, arr = fast
        rows = [[] if (k in comment_rows or not lines[k].strip()) else _split(lines[k], delim)
                for k in range(first)]
        rows += [[]] * arr.shape[0]
        tab = Table(rows, where, str(path), str(path), dc, comments, comment_rows,
                    fast=(first, arr))
        return tab
    rows = []
    for k, ln in enumerate(lines):
        if k in comment_rows or not ln.strip():
            rows.append([])
            continue
        rows.append(_split(ln, delim))
    return Table(rows, where, str(path), str(path), dc, comments, comment_rows)


_NUMERIC_LINE = re.compile(r"^[\s,;\t]*[-+]?(?:\d|\.\d)")


def _fast_path(lines, comment_rows, delim, dc):
    """``(first data line, array)`` when, after at most a few header lines, every line is
    a row of plain numbers with the same field count (pandas ``read_csv``); else None."""
    import pandas as pd
    n = len(lines)
    k = 0
    while k < n and (k in comment_rows or not lines[k].strip()
                     or not _NUMERIC_LINE.match(lines[k])):
        k += 1
        if k > 200:
            return None
    if k >= n or n - k < 50:
        return None                     # small files: the hand parser is fast enough
    body = lines[k:]
    if any(not ln.strip() for ln in body[:-1]) or any((k + j) in comment_rows
                                                      for j in range(len(body))):
        return None
    # a units row or names row under the first numeric-looking line means blocks etc.
    first = _split(lines[k], delim)
    try:
        df = pd.read_csv(io.StringIO("\n".join(body)), sep=(r"\s+" if delim is None else
                         delim), header=None, dtype=float, engine="c",
                         decimal="," if dc else ".", skip_blank_lines=True,
                         na_filter=True, keep_default_na=False, na_values=[])
    except (ValueError, pd.errors.ParserError, TypeError, OverflowError):
        return None
    arr = df.to_numpy(dtype=float)
    # trailing empty columns (a separator at the end of every line) are dropped
    while arr.shape[1] > 1 and np.all(np.isnan(arr[:, -1])):
        arr = arr[:, :-1]
    if arr.shape[1] != len([c for c in first if c != ""]) and arr.shape[1] != len(first):
        return None
    if not np.all(np.isfinite(arr)):
        return None
    return k, arr
