"""The end-to-end demo in its reduced configuration (``python -m memli.demo --quick``).

Every stage must run (none skipped), the report must embed every stage's figure and
label the data as generated, and the headline numbers must be those of a working
pipeline (tolerances below are behavioural, with their reasons).
"""
from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest

from memli.demo import QUICK, STAGES, DemoError, run_demo
from memli.report import GENERATED_LABEL


@pytest.mark.slow               # the whole pipeline, reduced: about a minute on 2 cores
def test_quick_demo_every_stage_and_report(tmp_path):
    out = tmp_path / "demo"
    res = subprocess.run([sys.executable, "-m", "memli.demo", "--out", str(out), "--quick",
                          "--quiet"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generated"] is True and summary["quick"] is True
    assert list(summary["stages"]) == list(STAGES)          # all stages, in order
    assert all(s["status"] == "ok" for s in summary["stages"].values())
    html = (out / "report.html").read_text()
    md = (out / "report.md").read_text()
    for name, st in summary["stages"].items():
        assert st["figures"], f"stage {name} has no figure"
        for f in st["figures"]:
            assert (out / f).exists() or __import__("pathlib").Path(f).exists()
    # every figure embedded in the HTML as a decodable PNG, and linked from the markdown
    imgs = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    n_figs = sum(len(s["figures"]) for s in summary["stages"].values())
    assert len(imgs) == n_figs
    assert all(base64.b64decode(b)[:8] == b"\x89PNG\r\n\x1a\n" for b in imgs)
    assert md.count("![") == n_figs
    assert html.count(GENERATED_LABEL) == len(STAGES)        # every section labelled
    nums = {k: v["numbers"] for k, v in summary["stages"].items()}
    # fit: the li_filament model reproduces the generated data within 0.1 decade median
    # (the data's noise is 2 % of I, i.e. ~0.01 decade; the acceptance bound of the fit)
    assert nums["fit"]["median |log10 I_meas - log10 I_fit| (decades)"] < 0.1
    # export: both simulators agree with memli within the verify tolerances
    assert nums["export"]["all within tolerance"] is True
    # crossbar: line resistance only loses current, and more for larger arrays
    assert 0 < nums["crossbar"]["read current lost, 16x16 map, 1 ohm wires"] < 1
    assert (nums["crossbar"]["rms read error 32x32, 1 ohm wires"]
            > nums["crossbar"]["rms read error 8x8, 1 ohm wires"])
    # neuro: the three clean letters are learned (issue 8's acceptance, 5 % variability)
    assert nums["neuro"]["letters on llzo_tip_fit: final train accuracy"] == 1.0


def test_failing_stage_fails_the_demo(tmp_path):
    # the export stage alone has no fitted card: it must fail loudly, not be skipped
    with pytest.raises(DemoError, match="stage 'export' failed: .*run the fit stage first"):
        run_demo(tmp_path, QUICK, only=["export"], show_progress=False)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["stages"]["export"]["status"] == "failed"
    assert "FAILED" in (tmp_path / "report.html").read_text()


def test_bad_options_exit_2_with_one_line_before_anything_runs(tmp_path):
    def demo(*args):
        return subprocess.run([sys.executable, "-m", "memli.demo", "--quiet", *args],
                              capture_output=True, text=True, timeout=60)
    res = demo("--out", str(tmp_path / "x"), "--only", "nope")
    assert res.returncode == 2 and "--only nope" in res.stderr, res.stderr
    assert len(res.stderr.splitlines()) == 1 and not (tmp_path / "x").exists()
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine\n")
    res = demo("--out", str(full), "--only", "device")
    assert res.returncode == 2 and "--force" in res.stderr and "--out" in res.stderr
    assert len(res.stderr.splitlines()) == 1
    assert sorted(p.name for p in full.iterdir()) == ["keep.txt"]   # nothing written
    # with --force the same folder is reused (the failing export stage: fast, no fit card)
    res = demo("--out", str(full), "--only", "export", "--force")
    assert res.returncode == 1 and "run the fit stage first" in res.stderr
    assert (full / "report.html").exists()


def test_square_crossbar_task_is_crossbar_read_with_cols_rows_and_equal_lines():
    from memli.studies import TASKS
    inputs = {"rows": 6, "r_wl_ohm": 2.0, "r_lrs_ohm": 120.0, "r_hrs_ohm": 1e6,
              "sigma_log": 0.1, "v_read_v": 0.1}
    square = TASKS["crossbar_read_square"](inputs, 5)
    full = TASKS["crossbar_read"]({**inputs, "cols": 6, "r_bl_ohm": 2.0}, 5)
    assert square == full                  # the same computation: bit-for-bit equal
    assert square["read_error_rel_rms"] > 0
