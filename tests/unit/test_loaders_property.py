"""Property tests over malformed files: a clear error or a correct load, never a crash;
the CLI prints one line and exits 2, without a traceback; inputs are never modified."""
from __future__ import annotations

import contextlib
import hashlib
import io
import math
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from memli.data.loaders import load
from memli.errors import DataError

GOOD_ROWS = [(0.05 * k * (1 if k < 10 else -1), 1e-6 * k) for k in range(20)]

cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32).map(repr),
    st.sampled_from(["", "nan", "abc", "#REF!", "1,5", "1.2m", "3uA", "--", "1e", "-",
                     "\u00b5", "0x10", "1e999", " ", "\"0.1\"", "V", "I (mA)"]),
    st.text(alphabet="0123456789.,;-+eE \tmuµAVs#", max_size=8))


@st.composite
def messy_table(draw):
    sep = draw(st.sampled_from([",", ";", "\t", " ", "  "]))
    header = draw(st.sampled_from([None, "V,I", "time,V,I", "I (mA),V (mV)", "a,b", "V"]))
    rows = [[f"{v:.4g}", f"{i:.4g}"] for v, i in GOOD_ROWS]
    n_mut = draw(st.integers(0, 6))
    for _ in range(n_mut):
        kind = draw(st.sampled_from(["cell", "drop", "extra", "blank", "comment", "trunc"]))
        r = draw(st.integers(0, len(rows) - 1))
        if kind == "cell" and len(rows[r]) >= 2:
            rows[r][draw(st.integers(0, 1))] = draw(cell)
        elif kind == "drop" and len(rows) > 1:
            rows.pop(r)
        elif kind == "extra":
            rows[r].append(draw(cell))
        elif kind == "blank":
            rows.insert(r, [])
        elif kind == "comment":
            rows.insert(r, ["# note"])
        elif kind == "trunc":
            rows = rows[: r + 1]
    lines = ([header.replace(",", sep)] if header else []) + [sep.join(x) for x in rows]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + eol.join(lines) + eol


def _check_load(path: Path):
    try:
        d = load(path)
    except DataError as e:
        msg = str(e)
        assert "\n" not in msg and path.name in msg
        return None
    for s in d.sweeps:
        assert s.v_v.size == s.i_a.size >= 2
        assert np.all(np.isfinite(s.v_v)) and np.all(np.isfinite(s.i_a))
    return d


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=messy_table())
def test_messy_text_loads_or_fails_cleanly(text):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "messy.csv"
        p.write_bytes(text.encode("utf-8"))
        h = hashlib.sha256(p.read_bytes()).hexdigest()
        _check_load(p)
        assert hashlib.sha256(p.read_bytes()).hexdigest() == h
        assert sorted(x.name for x in Path(tmp).iterdir()) == ["messy.csv"]


@settings(max_examples=30, deadline=None)
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_crash(raw):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "junk.dat"
        p.write_bytes(raw)
        _check_load(p)


@settings(max_examples=12, deadline=None)
@given(text=messy_table())
def test_cli_extract_exit_codes_and_one_line(text):
    from memli.cli import main
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "in" / "messy.csv"
        p.parent.mkdir()
        p.write_text(text, encoding="utf-8")
        err = io.StringIO()
        code = None
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                main(["extract", str(p), "--out", str(Path(tmp) / "out"), "--no-plots"])
            except SystemExit as e:
                code = e.code
        msg = err.getvalue()
        assert code in (0, 2), msg
        assert "Traceback" not in msg
        if code == 2:
            assert msg.count("\n") == 1 and msg.startswith("memli: error:")
        assert sorted(x.name for x in p.parent.iterdir()) == ["messy.csv"]
        assert not math.isnan(len(msg))
