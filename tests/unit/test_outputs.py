"""Output sets are all-or-nothing and never replace inputs (memli.outputs)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from memli.outputs import MANIFEST, OutputError, OutputSet, guard


def _write(st, names, tag):
    for n in names:
        st.path(n).write_text(f"{tag}:{n}")


def _set(folder):
    return {p.name: p.read_text() for p in Path(folder).iterdir() if p.name != MANIFEST}


def test_new_folder_appears_whole_with_manifest(tmp_path):
    out = tmp_path / "run"
    with OutputSet(out, ["a.csv", "b.json"]) as st:
        _write(st, ["a.csv", "b.json"], "new")
        assert not out.exists()           # nothing visible before the end
    assert _set(out) == {"a.csv": "new:a.csv", "b.json": "new:b.json"}
    m = json.loads((out / MANIFEST).read_text())
    assert m["complete"] and set(m["files"]) == {"a.csv", "b.json"}
    assert oct(os.stat(out / "a.csv").st_mode & 0o777) != "0o600"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failure_leaves_old_set_untouched(tmp_path):
    out = tmp_path / "run"
    with OutputSet(out, ["a.csv", "b.json"]) as st:
        _write(st, ["a.csv", "b.json"], "old")
    with pytest.raises(ZeroDivisionError):
        with OutputSet(out, ["a.csv", "b.json"], force=True) as st:
            st.path("a.csv").write_text("new")
            1 / 0                          # e.g. plotting fails after the table
    assert _set(out) == {"a.csv": "old:a.csv", "b.json": "old:b.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_force_replaces_set_and_keeps_foreign_files(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="exists; pass --force"):
        with OutputSet(out, ["notes.txt"]):
            pass
    with OutputSet(out, ["a.csv"]) as st:
        _write(st, ["a.csv"], "v1")
    with OutputSet(out, ["a.csv"], force=True) as st:
        _write(st, ["a.csv"], "v2")
    assert _set(out) == {"a.csv": "v2:a.csv", "notes.txt": "mine"}


def test_inputs_are_never_outputs(tmp_path):
    src = tmp_path / "G.npy"
    src.write_bytes(b"data")
    link = tmp_path / "alias.npy"
    os.link(src, link)
    for out in (src, link, tmp_path / "." / "G.npy"):
        with pytest.raises(OutputError, match="is an input"):
            guard([out], [src], force=True)
    assert src.read_bytes() == b"data"
    f = tmp_path / "plain"
    f.write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        OutputSet(f, ["a.csv"], force=True)
    with pytest.raises(OutputError, match="is an input"):
        OutputSet(tmp_path, ["G.npy"], force=True, inputs=[src])


_KILLED = """
import sys, time
from memli.outputs import OutputSet
with OutputSet(sys.argv[1], ["a.csv", "b.json"], force=True) as st:
    st.path("a.csv").write_text("half")
    print("staged", flush=True)
    time.sleep(60)
    st.path("b.json").write_text("never")
"""


def test_kill_during_run_leaves_old_set_and_next_run_cleans_up(tmp_path):
    out = tmp_path / "run"
    with OutputSet(out, ["a.csv", "b.json"]) as st:
        _write(st, ["a.csv", "b.json"], "old")
    p = subprocess.Popen([sys.executable, "-c", _KILLED, str(out)], stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "staged"
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert _set(out) == {"a.csv": "old:a.csv", "b.json": "old:b.json"}
    assert [q for q in tmp_path.iterdir() if q.name.startswith(".memli-stage-")]
    time.sleep(0.05)
    with OutputSet(out, ["a.csv", "b.json"], force=True) as st:
        _write(st, ["a.csv", "b.json"], "new")
    assert _set(out) == {"a.csv": "new:a.csv", "b.json": "new:b.json"}
    assert not [q for q in tmp_path.iterdir() if q.name.startswith(".")]


def test_begin_commit_without_with_block(tmp_path):
    out = tmp_path / "run"
    st = OutputSet(out, ["a.csv", "b.json"])
    files = st.begin([out / "a.csv", out / "b.json"])
    assert all(f.parent == st.stage for f in files)
    for f in files:
        f.write_text("x")
    assert not out.exists()
    st.commit()
    assert _set(out) == {"a.csv": "x", "b.json": "x"}
