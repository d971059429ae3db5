"""A minimal Excel 97-2003 (.xls, BIFF8 in an OLE2 compound file) writer for test fixtures.

Writes numbers (NUMBER records), text (LABEL records) and error cells (BOOLERR with
the error flag), one worksheet per sheet, inside a version-3 compound document with
a single ``Workbook`` stream (padded to >= 4096 bytes so it lives in regular sectors).
Enough for xlrd and for Excel/LibreOffice to open; no formatting.

References: [MS-XLS] (BIFF8 records BOF 0x0809, BOUNDSHEET 0x0085, DIMENSIONS 0x0200,
NUMBER 0x0203, LABEL 0x0204, BOOLERR 0x0205, EOF 0x000A) and [MS-CFB] (compound file).
"""
from __future__ import annotations

import struct

ERROR_CODES = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17,
               "#NAME?": 0x1D, "#NUM!": 0x24, "#N/A": 0x2A}


def _rec(rtype: int, data: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _bof(kind: int) -> bytes:
    # BIFF8 (0x0600), kind 0x0005 globals / 0x0010 worksheet, build, year, history, version
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _ustr(s: str, lenlen: int) -> bytes:
    try:
        raw, flag = s.encode("latin-1"), 0
    except UnicodeEncodeError:
        raw, flag = s.encode("utf-16-le"), 1
    n = len(s)
    return (struct.pack("<B", n) if lenlen == 1 else struct.pack("<H", n)) + bytes([flag]) + raw


def _sheet_stream(rows) -> bytes:
    out = [_bof(0x0010)]
    nrows = len(rows)
    ncols = max((len(r) for r in rows), default=0)
    out.append(_rec(0x0200, struct.pack("<IIHHH", 0, nrows, 0, ncols, 0)))
    for r, row in enumerate(rows):
        for c, val in enumerate(row):
            if val is None or val == "":
                continue
            if isinstance(val, str) and val in ERROR_CODES:
                out.append(_rec(0x0205, struct.pack("<HHHBB", r, c, 0, ERROR_CODES[val], 1)))
            elif isinstance(val, str):
                out.append(_rec(0x0204, struct.pack("<HHH", r, c, 0) + _ustr(val, 2)))
            else:
                out.append(_rec(0x0203, struct.pack("<HHHd", r, c, 0, float(val))))
    out.append(_rec(0x000A, b""))
    return b"".join(out)


def workbook_stream(sheets: dict) -> bytes:
    """BIFF8 workbook stream for ``{sheet name: rows (lists of numbers/str/None)}``."""
    names = list(sheets)
    bodies = [_sheet_stream(sheets[n]) for n in names]
    bs_len = [len(_rec(0x0085, struct.pack("<IBB", 0, 0, 0) + _ustr(n, 1))) for n in names]
    head = _bof(0x0005)
    codepage = _rec(0x0042, struct.pack("<H", 1200))
    glob_len = len(head) + len(codepage) + sum(bs_len) + 4
    offs, pos = [], glob_len
    for b in bodies:
        offs.append(pos)
        pos += len(b)
    glob = head + codepage + b"".join(
        _rec(0x0085, struct.pack("<IBB", o, 0, 0) + _ustr(n, 1)) for o, n in zip(offs, names))
    glob += _rec(0x000A, b"")
    return glob + b"".join(bodies)


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """Wrap one stream in a version-3 compound file (512-byte sectors, no mini stream)."""
    if len(stream) < 4096:
        stream = stream + b"\x00" * (4096 - len(stream))
    n = -(-len(stream) // 512)
    data = stream + b"\x00" * (n * 512 - len(stream))
    dir_sid, fat_sid = n, n + 1
    if n + 2 > 128:
        raise ValueError("stream too large for this minimal writer (max ~63 KB)")
    END, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [k + 1 for k in range(n - 1)] + [END, END, FATSECT]
    fat += [FREE] * (128 - len(fat))
    fat_bytes = struct.pack("<128I", *fat)

    def entry(nm, typ, child, start, size):
        if not nm:
            return struct.pack("<64sHBBIII16sIQQII I", b"", 0, 0, 0, NOSTREAM, NOSTREAM,
                               NOSTREAM, b"", 0, 0, 0, 0, 0, 0)
        raw = (nm + "\x00").encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIII", raw, len(raw), typ, 1, NOSTREAM, NOSTREAM,
                           child, b"", 0, 0, 0, start, size, 0)

    dir_bytes = (entry("Root Entry", 5, 1, END, 0) + entry(name, 2, NOSTREAM, 0, len(stream))
                 + entry("", 0, 0, 0, 0) + entry("", 0, 0, 0, 0))
    assert len(dir_bytes) == 512
    difat = [fat_sid] + [FREE] * 108
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"",
                         0x003E, 0x0003, 0xFFFE, 9, 6, b"", 0, 1, dir_sid, 0, 4096, END, 0,
                         END, 0) + struct.pack("<109I", *difat)
    assert len(header) == 512
    return header + data + dir_bytes + fat_bytes


def write_xls(path, sheets: dict) -> None:
    """Write ``sheets`` ({name: rows}) as an .xls file."""
    with open(path, "wb") as fh:
        fh.write(compound_file(workbook_stream(sheets)))
