"""Untrusted measurement files (issue 18, data part): no silent misreads, no raw Python
errors, no unbounded work.  Each case is a clear one-line DataError naming the file and
line (or sheet and cell), or a correct read."""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from memli.data.loaders import load
from memli.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "data"


def write(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    return p


def one_line_error(p, pattern, **kw):
    with pytest.raises(DataError, match=pattern) as e:
        load(p, **kw)
    assert "\n" not in str(e.value)
    return str(e.value)


@pytest.mark.parametrize("cell", ["#N/A", "#REF!", "#DIV/0!"])
def test_excel_error_first_cell_is_a_bad_data_row_not_a_comment(tmp_path, cell):
    p = write(tmp_path, "e.csv", f"V,I\n0.1,1e-6\n{cell},2e-6\n0.3,3e-6\n")
    one_line_error(p, rf"e\.csv:3: cell '{cell}' in selected column 'V' \(column 0\) is an "
                      "Excel error")
    assert load(p, drop_bad_rows=True).sweeps[0].v_v.tolist() == [0.1, 0.3]


def test_empty_first_cell_in_semicolon_file_is_read(tmp_path):
    p = write(tmp_path, "s.csv", "Note;V;I\n;0,1;1e-6\nx;0,2;2e-6\n;0,3;3e-6\n")
    d = load(p)
    assert d.sweeps[0].v_v.tolist() == [0.1, 0.2, 0.3]      # no row lost as a comment
    p = write(tmp_path, "t.csv", "T;V;I\n0;0,1;1e-6\n;0,2;2e-6\n2;0,3;3e-6\n")
    one_line_error(p, r"t\.csv:3: cell in selected column 'T' \(column 0\) is empty")


def test_excel_true_is_not_one(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["V", "I"])
    ws.append([0.1, True])
    ws.append([0.2, 2e-6])
    ws.append([0.3, 3e-6])
    wb.save(tmp_path / "b.xlsx")
    one_line_error(tmp_path / "b.xlsx", r"b\.xlsx:Sheet!B2: cell 'TRUE' in selected column")
    p = write(tmp_path, "b.csv", "V,I\n0.1,TRUE\n0.2,2e-6\n0.3,3e-6\n")
    one_line_error(p, r"b\.csv:2: cell 'TRUE' in selected column 'I'")


def test_unit_in_a_cell_must_match_its_column(tmp_path):
    p = write(tmp_path, "u.csv", "V,I\n0.1,1e-6\n3 uA,2e-6\n0.3,3e-6\n")
    one_line_error(p, r"u\.csv:3: cell '3 uA' carries unit A but 'V' \(column 0\) is read "
                      "as voltage")
    # a matching unit is read as written (SI), not scaled again by the header unit
    p = write(tmp_path, "m.csv", "V (mV),I\n100,1e-6\n200mV,2e-6\n300,3e-6\n")
    assert load(p).sweeps[0].v_v == pytest.approx([0.1, 0.2, 0.3], rel=1e-12)


@pytest.mark.parametrize("raw", [
    "Spannung (V);Strom (\xb5A)\n0,1;1\n0,2;2\n0,3;3\n".encode("latin-1"),
    b"V,I \x96 meas\n0.1,1e-6\n0.2,2e-6\n0.3,3e-6\n",               # cp1252 dash
    b"\xff\xfeV\x00,\x00I\x00\n\x001\x00,\x002\x00\n\x003",       # odd-length UTF-16
    b"\xef\xbb\xbfV,I\n0.1,1e-6\n\xff\xfe,2e-6\n",
])
def test_non_utf8_files_read_or_refused_in_one_line(tmp_path, raw):
    p = write(tmp_path, "enc.csv", raw)
    try:
        d = load(p)
    except DataError as e:
        assert str(e).startswith(str(p)) and "\n" not in str(e)
    else:
        assert d.sweeps[0].v_v.size >= 2


def test_corrupted_xls_gives_data_error(tmp_path, capsys):
    src = (DATA / "analyzer.xls").read_bytes()
    rng = np.random.default_rng(18)
    outcomes = set()
    for k in range(60):      # seeded byte flips and truncations
        b = bytearray(src)
        if k % 3 == 0:
            b = b[: int(rng.integers(100, len(b)))]
        for _ in range(int(rng.integers(1, 20))):
            b[int(rng.integers(0, len(b)))] = int(rng.integers(0, 256))
        p = write(tmp_path, "c.xls", bytes(b))
        try:
            load(p)
            outcomes.add("ok")
        except DataError as e:
            assert "\n" not in str(e) and str(p) in str(e)
            outcomes.add("error")
    assert "error" in outcomes
    assert capsys.readouterr().out == ""     # xlrd's damage reports stay off stdout (--json)


def test_xlsx_bomb_is_refused_before_decompressing(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["V", "I"])
    for k in range(5):
        ws.append([0.1 * k, 1e-6 * k])
    wb.save(tmp_path / "ok.xlsx")
    # add a part of 20 MB of spaces in an XML comment (compresses ~1000x)
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as zin, \
            zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data)
        with zout.open("xl/comment.xml", "w", force_zip64=True) as fh:
            fh.write(b"<!--")
            chunk = b" " * (1 << 20)
            for _ in range(20):
                fh.write(chunk)
            fh.write(b"-->")
    t0 = time.perf_counter()
    one_line_error(tmp_path / "bomb.xlsx", r"bomb\.xlsx: part xl/comment\.xml would "
                                           r"decompress .* refused")
    assert time.perf_counter() - t0 < 5.0      # refused from the zip directory, not parsed


def test_two_row_file_extract_names_the_file(tmp_path, capsys):
    from memli.cli import main
    p = write(tmp_path, "two.csv", "V,I\n0.1,1e-6\n0.2,2e-6\n")
    with pytest.raises(SystemExit) as e:
        main(["extract", str(p), "--out", str(tmp_path / "o"), "--no-plots",
              "--read-voltage", "0.15"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1
    assert "two.csv: only 2 sample(s)" in err
