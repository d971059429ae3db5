"""Hostile and careless input through the command line (docs/security.md).

Each class of issue 18 is exercised as a user would hit it: mutated cards, malformed
measurement files, ``--force`` pointed at an input, a run killed mid-write.  The
guarantees checked every time: exit code 0 or 2 (2 with one line ``memli: error: ...``
and no Python exception class name), inputs byte-for-byte unchanged, no partial output
set, no hidden staging folders left behind.  Hypothesis runs are bounded (examples and
time) and derandomized, so CI sees the same cases every run.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memli import cli

ROOT = Path(__file__).resolve().parents[2]
TIP = json.loads((ROOT / "models" / "llzo_tip.json").read_text())
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception)\b")
SETTINGS = dict(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

cli._register_all()


def run(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def assert_clean_failure(code, err, argv):
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("memli: error: "), (argv, err)
        assert not CLASS_NAME.search(lines[0]), (argv, err)
        assert "Traceback" not in err


def no_hidden(folder: Path):
    return [p.name for p in folder.rglob(".memli-*")]


# -- mutated cards -------------------------------------------------------------------------
_json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                       st.floats(allow_nan=False), st.text(max_size=30),
                       st.sampled_from(["1e3", "nan", "inf", "-inf", "1e308", "true"]))
_json = st.recursive(_json_leaf, lambda c: st.one_of(st.lists(c, max_size=3),
                                                     st.dictionaries(st.text(max_size=8), c,
                                                                     max_size=3)),
                     max_leaves=8)


def _paths(d, prefix=()):
    yield prefix
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _paths(v, prefix + (k,))


_CARD_PATHS = [p for p in _paths(TIP) if p]


@settings(**SETTINGS)
@given(path=st.sampled_from(_CARD_PATHS), value=_json, delete=st.booleans())
def test_mutated_cards_export_or_fail_cleanly(tmp_path, capsys, path, value, delete):
    d = json.loads(json.dumps(TIP))
    node = d
    for k in path[:-1]:
        node = node[k]
    if delete:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    src = tmp_path / "in" / "card.json"
    src.parent.mkdir(exist_ok=True)
    src.write_text(json.dumps(d))
    before = src.read_bytes()
    out = tmp_path / "out" / "x.lib"
    code, _, err = run(["export", src, "--format", "spice", "--out", out, "--force"], capsys)
    assert_clean_failure(code, err, path)
    assert src.read_bytes() == before
    if code == 0:
        text = out.read_text()
        assert all(ln.isascii() and ln.isprintable() for ln in text.splitlines())


# -- malformed measurement files -----------------------------------------------------------
def _good_csv():
    v = np.concatenate([np.linspace(0, -0.3, 30), np.linspace(-0.3, 0.5, 80),
                        np.linspace(0.5, 0, 50)])
    i = np.where(v < -0.15, 1e-3, 1e-9) * np.sign(v + 1e-12) + v * 1e-6
    return "t_s,v_v,i_a\n" + "".join(f"{k * 1e-2:g},{a:g},{b:g}\n" for k, (a, b)
                                      in enumerate(zip(v, i)))


_cell = st.one_of(st.sampled_from(["", "#N/A", "#REF!", "TRUE", "nan", "inf", "1e308",
                                   "3 uA", "1,5", "\x00", '"', "\u00e9", ";", "\t", "-"]),
                  st.text(max_size=6))


@settings(**SETTINGS)
@given(edits=st.lists(st.tuples(st.integers(0, 160), st.integers(0, 2), _cell), max_size=6),
       encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]), truncate=st.integers(0, 4000))
def test_malformed_iv_files_extract_or_fail_cleanly(tmp_path, capsys, edits, encoding,
                                                    truncate):
    rows = [r.split(",") for r in _good_csv().splitlines()]
    for r, c, val in edits:
        if r < len(rows):
            row = rows[r]
            row[min(c, len(row) - 1)] = val
    text = "\n".join(",".join(r) for r in rows)[: max(truncate, 1)]
    src = tmp_path / "in" / "data.csv"
    src.parent.mkdir(exist_ok=True)
    try:
        src.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        src.write_bytes(text.encode("utf-8"))
    before = src.read_bytes()
    out = tmp_path / "out"
    code, _, err = run(["extract", src, "--out", out, "--force", "--json"], capsys)
    assert_clean_failure(code, err, edits)
    assert src.read_bytes() == before
    assert not no_hidden(tmp_path)


# -- --force never overwrites an input -----------------------------------------------------
def test_force_never_overwrites_inputs(tmp_path, capsys):
    card = tmp_path / "d" / "start.json"
    card.parent.mkdir()
    card.write_text(json.dumps(TIP))
    data = tmp_path / "d" / "data.csv"
    data.write_text(_good_csv())
    g = tmp_path / "G.npy"
    np.save(g, np.full((4, 4), 1e-4))
    vin = tmp_path / "V.npy"
    np.save(vin, np.full(4, 0.1))
    study = tmp_path / "s" / "study.toml"
    study.parent.mkdir()
    study.write_text((ROOT / "studies" / "crossbar_read_mc.toml").read_text())
    inputs = [card, data, g, vin, study]
    before = {p: p.read_bytes() for p in inputs}
    cases = [
        ["fit", data, "--card", card, "--out", card, "--force"],
        ["fit", data, "--card", card, "--out", data, "--force"],
        ["crossbar", "dc", "--conductance", g, "--vin", vin, "--r-wl", 1, "--r-bl", 1,
         "--out", g, "--force"],
        ["crossbar", "dc", "--conductance", g, "--vin", vin, "--r-wl", 1, "--r-bl", 1,
         "--out", vin, "--force"],
        ["simulate", card, "--sweep", -0.2, 0.5, "--out", card, "--force"],
        ["export", card, "--format", "spice", "--out", card, "--force"],
        ["neuro", "lif", card, "--no-ngspice", "--netlist", card, "--force"],
        ["neuro", "stdp", card, "--out", card, "--force"],
        ["study", "run", study, "--out", study, "--force"],
        ["verify", card, "--out", card, "--force"],
    ]
    for argv in cases:
        code, _, err = run(argv, capsys)
        assert code == 2, (argv, err)
        assert_clean_failure(code, err, argv)
        for p, b in before.items():
            assert p.read_bytes() == b, (argv, p)


# -- all-or-nothing output sets ------------------------------------------------------------
def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def test_kill_during_simulate_force_leaves_a_whole_set(tmp_path):
    out = tmp_path / "sim"
    base = [sys.executable, "-m", "memli", "simulate", "llzo_tip", "--out", str(out)]
    r = subprocess.run(base + ["--sweep", "-0.2", "0.5"], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    old = _files(out)
    for delay in (0.5, 1.5, 3.0):
        p = subprocess.Popen(base + ["--sweep", "-0.25", "1", "--cycles", "400", "--force"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=60)
        now = _files(out)
        assert now == old or (set(now) == set(old) and all(now[k] != old[k] for k in
                                                            ("summary.json", "trace.csv")))
        old = now
    r = subprocess.run(base + ["--sweep", "-0.2", "0.5", "--force"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0
    assert not no_hidden(tmp_path)


def test_regular_file_at_out_refused_before_work(tmp_path, capsys):
    f = tmp_path / "out"
    f.write_text("keep me")
    for argv in (["simulate", "llzo_tip", "--sweep", -0.2, 0.5, "--out", f, "--force"],
                 ["crossbar", "read", "llzo_tip", "--rows", 4, "--cols", 4, "--out", f, "--force"],
                 ["neuro", "stdp", "llzo_tip", "--out", f, "--force"]):
        code, _, err = run(argv, capsys)
        assert code == 2 and "not a folder" in err, (argv, err)
        assert f.read_text() == "keep me"
