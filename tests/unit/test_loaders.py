"""Loaders: every layout in tests/data gives the same toy cell; bad files give one clear line.

The fixtures (tests/data/make_fixtures.py) hold 3 cycles of a GENERATED toy cell:
HRS 1 Mohm, LRS 1 kohm, SET between -0.25 and -0.30 V, RESET between +0.25 and +0.30 V.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from memli.data.analysis import analyse
from memli.data.loaders import load, parse_number
from memli.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "data"


def check_toy(d, n_cycles=3):
    an = analyse(d, read_voltage_v=0.1)
    assert an.n_cycles == n_cycles
    for c in an.cycles:
        # SET happens between the -0.25 V and -0.30 V samples; the midpoint is reported
        assert -0.30 <= c["v_set"] <= -0.25
        assert 0.25 <= c["v_reset"] <= 0.30
        # ohmic toy: exact up to the 4-5 printed digits of the fixtures (rtol 1e-3)
        assert c["r_hrs_ohm"] == pytest.approx(1e6, rel=1e-3)
        assert c["r_lrs_ohm"] == pytest.approx(1e3, rel=1e-3)
    return an


@pytest.mark.parametrize("name", [
    "smu_mA.csv", "noheader.txt", "bom_crlf_semicolon.csv", "engineering.tsv",
    "analyzer_cycles.csv", "blocks.csv", "utf16.txt", "analyzer.xlsx", "analyzer.xls",
    "potentiostat.mpt",
    "percycle_decimal_comma"])
def test_layouts_load_the_same_cell(name):
    d = load(DATA / name)
    check_toy(d)


def test_units_in_headers_are_converted():
    d = load(DATA / "smu_mA.csv")
    i = np.concatenate([s.i_a for s in d.sweeps])
    assert np.abs(i).max() == pytest.approx(5e-4, rel=1e-5)  # 0.5 V / 1 kohm, from mA
    d = load(DATA / "bom_crlf_semicolon.csv")               # ms, mV, uA units row
    s = d.sweeps[0]
    assert np.abs(s.v_v).max() == pytest.approx(0.5, rel=1e-9)
    assert s.t_s[1] == pytest.approx(0.05, rel=1e-9)


def test_column_override_and_order():
    d = load(DATA / "analyzer_cycles.csv")
    assert len(d.sweeps) == 3 and d.sweeps[1].label == 1.0    # split by the Cycle column
    # override: read I as V and V as I gives a different (wrong, but as asked) mapping
    d2 = load(DATA / "analyzer_cycles.csv", columns={"v": "Imeas", "i": "Vforce"})
    assert np.allclose(d2.sweeps[0].v_v, d.sweeps[0].i_a)


def test_oscilloscope_needs_and_uses_sense_resistor():
    with pytest.raises(DataError, match=r"scope\.csv:\d+: .*sense"):
        load(DATA / "scope.csv")
    d = load(DATA / "scope.csv", sense_resistor_ohm=100.0)
    check_toy(d)
    d = load(DATA / "scope.csv", sense_resistor_ohm=100.0, channels=("CH1", "CH2"))
    check_toy(d)


def test_set_reset_files_are_paired():
    d = load([DATA / "set_sweeps.xlsx", DATA / "reset_sweeps.xlsx"])
    assert [s.polarity for s in d.sweeps] == ["neg", "pos"] * 3
    assert any("paired 3 SET and RESET sweeps by the run number" in n for n in d.meta["notes"])
    check_toy(d)


@pytest.mark.parametrize("name", ["analyzer.xlsx", "analyzer.xls"])
def test_excel_sheets_sorted_and_extras_skipped(name):
    d = load(DATA / name)
    runs = [re.search(r":(Run\d)!", s.source).group(1) for s in d.sweeps]
    assert runs == ["Run1", "Run2", "Run3"]          # workbook order is Run3, Run1, Run2
    assert any("Settings" in n and "Calc" in n for n in d.meta["notes"])


def test_glob_and_folder():
    d = load(str(DATA / "percycle_decimal_comma" / "cycle_*.txt"))
    assert len(d.sweeps) == 3


@pytest.mark.parametrize("name, pattern", [
    ("bad_empty.csv", r"bad_empty\.csv: empty file"),
    ("bad_comment_only.csv", r"bad_comment_only\.csv: no numeric data rows"),
    ("bad_cell.csv", r"bad_cell\.csv:4: cell 'abc' in selected column 'I' \(column 1\) is not a number"),
    ("bad_ragged.csv", r"bad_ragged\.csv:4: cell in selected column '.' \(column \d\) is empty"),
    ("bad_novoltage.csv", r"bad_novoltage\.csv:2: no voltage column"),
    ("bad_nan.csv", r"bad_nan\.csv:3: cell 'nan' in selected column 'I'"),
    ("bad_single.csv", r"bad_single\.csv:2: only 1 data point"),
    ("bad_ref.xlsx", r"bad_ref\.xlsx:Data!B3: cell '#REF!' in selected column 'I' \(column 1\) is an Excel error"),
])
def test_bad_inputs_one_line(name, pattern):
    with pytest.raises(DataError) as e:
        load(DATA / name)
    msg = str(e.value)
    assert "\n" not in msg
    assert re.search(pattern, msg), msg


def test_drop_bad_rows():
    d = load(DATA / "bad_cell.csv", drop_bad_rows=True)
    assert d.sweeps[0].v_v.tolist() == [0.1, 0.2, 0.4]


def test_inputs_never_modified(tmp_path):
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in DATA.rglob("*")
              if p.is_file()}
    listing = sorted(p.name for p in DATA.rglob("*"))
    for name in ("smu_mA.csv", "analyzer.xlsx", "analyzer.xls"):
        load(DATA / name)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in DATA.rglob("*")
             if p.is_file()}
    assert before == after
    assert sorted(p.name for p in DATA.rglob("*")) == listing


@pytest.mark.parametrize("text, value", [("1.5e-3", 1.5e-3), ("12.5m", 12.5e-3),
                                         ("3 uA", 3e-6), ("-4.7nA", -4.7e-9), ("2k", 2e3),
                                         ("", float("nan"))])
def test_parse_number(text, value):
    got = parse_number(text)
    assert (np.isnan(got) and np.isnan(value)) or got == pytest.approx(value, rel=1e-12)
