"""`memli fit` on inputs it cannot fit, and its outputs against its inputs: one-line
errors naming the file (exit 2), a quick stop when nothing changes the current, and
--force never replacing an input.  Data here are GENERATED or hand-written records."""
from __future__ import annotations

import time

import numpy as np

from memli.fit import synthetic as S
from _cli import run_cli


def test_a_few_rows_give_one_line_naming_the_file(tmp_path):
    for rows in (2, 3):
        p = tmp_path / f"rows{rows}.csv"
        p.write_text("V,I\n" + "".join(f"{0.1 * (k + 1)},{1e-6 * (k + 1)}\n"
                                       for k in range(rows)))
        code, so, se = run_cli("fit", p, "--model", "vteam", "--out", tmp_path / f"o{rows}")
        assert code == 2 and se.count("\n") == 1 and str(p) in se, se
        assert "Error" not in se and "Traceback" not in se
        assert not (tmp_path / f"o{rows}").exists()


def test_constant_current_stops_before_any_search(tmp_path):
    v = np.tile(np.concatenate([np.linspace(0, 1, 101), np.linspace(1, -1, 201)[1:],
                                np.linspace(-1, 0, 101)[1:]]), 3)
    p = tmp_path / "flat.csv"
    p.write_text("V,I\n" + "".join(f"{a:.4f},1e-6\n" for a in v))
    t0 = time.perf_counter()
    # the loader would refuse a one-valued current column as a setting: say it is current
    code, so, se = run_cli("fit", p, "--model", "vteam", "--columns", "v=0,i=1", "--units",
                           "v=V,i=A", "--offset", "none", "--out", tmp_path / "o")
    took = time.perf_counter() - t0
    assert code == 2 and "does not change" in se and str(p) in se, se
    # no fit ran: loading and the check take well under the ~1 s of one fit iteration
    # (bound generous for a shared 2-core machine)
    assert took < 30, took


def test_force_never_replaces_the_start_card(tmp_path):
    from memli.cards import load_card
    d = tmp_path / "d"
    d.mkdir()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    p = S.generate("vteam", cycles=1, seed=1).to_csv(data_dir / "ecm.csv")
    start = load_card("vteam_default").save(d / "start.json")
    before = start.read_bytes()
    code, so, se = run_cli("fit", p, "--card", start, "--out", start, "--force",
                           "--max-nfev", "2")
    assert code == 2 and se.count("\n") == 1 and "input" in se, se
    assert start.read_bytes() == before
    assert sorted(x.name for x in d.iterdir()) == ["start.json"]


def test_outputs_appear_as_one_set(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    p = S.generate("vteam", cycles=1, seed=1).to_csv(data_dir / "ecm.csv")
    out = tmp_path / "fit"
    code, so, se = run_cli("fit", p, "--model", "vteam", "--param", "r_on_ohm,r_off_ohm",
                           "--per-cycle", "none", "--max-nfev", "3", "--out", out, "--quiet")
    assert code == 0, se
    names = {x.name for x in out.iterdir()}
    assert {"vteam_default_fit.json", "report.md", "simulated.csv", "fit.json",
            "memli-outputs.json"} <= names
    # nothing staged is left beside the folder
    assert [x.name for x in tmp_path.iterdir() if x.name.startswith(".")] == []
    # the old spelling still works, with a deprecation line
    code, so, se = run_cli("fit", p, "--model", "vteam", "--params", "r_on_ohm",
                           "--per-cycle", "none", "--max-nfev", "2", "--out", out, "--force")
    assert code == 0 and "--params is deprecated" in se, se
