"""Study files, point determinism, failed rows, resume (in-process, no cluster)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from memli.studies import StudyError, load_study, run_study, study_from_dict
from memli.studies.spec import grid_points
from memli.studies.tasks import crossbar_read_currents

BASE = {"name": "t", "task": "crossbar_read", "seed": 5, "samples": 3, "chunk_size": 4,
        "grid": {"rows": [2, 3], "r_wl_ohm": [0.0, 1.0]},
        "random": {"sigma_log": {"dist": "uniform", "low": 0.0, "high": 0.3}},
        "fixed": {"cols": 3}}


def test_points_grid_major_and_seeded():
    s = study_from_dict(BASE)
    assert (s.n_grid, s.n_points, s.n_chunks) == (4, 12, 3)
    combos = grid_points(BASE["grid"])
    for k in range(s.n_points):
        inp, seed = s.point(k)
        g = combos[k // 3]
        assert inp["rows"] == g["rows"] and inp["r_wl_ohm"] == g["r_wl_ohm"]
        assert 0.0 <= inp["sigma_log"] <= 0.3 and inp["cols"] == 3
        assert (inp, seed) == s.point(k)          # pure function of (study, k)
    seeds = [s.point(k)[1] for k in range(s.n_points)]
    assert len(set(seeds)) == len(seeds)
    # the chunk size changes the hash (it decides the files) but never a row
    s2 = s.with_changes(chunk_size=5)
    assert s2.hash() != s.hash()
    assert all(s2.point(k) == s.point(k) for k in range(s.n_points))


def test_all_problems_reported_at_once():
    bad = {"name": "x", "task": "crossbar_read", "samplse": 3, "chunk_size": 0,
           "grid": {"rows": []}, "random": {"a": {"dist": "gauss"},
                                            "b": {"dist": "uniform", "low": 1}}}
    with pytest.raises(StudyError) as e:
        study_from_dict(bad)
    msg = str(e.value)
    for part in ("'samplse'", "did you mean 'samples'", "chunk_size", "grid.rows",
                 "random.a", "random.b: dist 'uniform' needs low, high; missing high"):
        assert part in msg


def test_toml_file_and_unknown_task(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('name = "a"\ntask = "crossbar_raed"\n[fixed]\nrows = 4\n')
    s = load_study(p)
    assert s.fixed == {"rows": 4} and s.source == str(p)
    with pytest.raises(Exception, match="did you mean 'crossbar_read'"):
        run_study(s, tmp_path / "o", scheduler="synchronous")
    with pytest.raises(StudyError, match="not valid TOML"):
        p.write_text("name = \n")
        load_study(p)


def test_out_of_range_values_fail_before_running(tmp_path):
    d = dict(BASE, grid={"rows": [0, 2]}, samples=2, chunk_size=3,
             fixed={"cols": 3, "p_lrs": 1.5},
             random={"sigma_log": {"dist": "uniform", "low": -0.1, "high": 0.3}})
    with pytest.raises(StudyError) as e:
        run_study(d, tmp_path / "o", scheduler="synchronous", plots=False)
    msg = str(e.value)
    for part in ("grid.rows = 0: expected >= 1", "fixed.p_lrs = 1.5: expected <= 1",
                 "random.sigma_log.low = -0.1: expected >= 0"):
        assert part in msg
    assert not (tmp_path / "o").exists()
    with pytest.raises(StudyError, match="grid.rows = 2.5: expected a whole number"):
        run_study(dict(BASE, grid={"rows": [2.5]}), tmp_path / "o", scheduler="synchronous")


def test_table_holds_every_input_parameter_with_task_defaults(tmp_path):
    from memli.studies import TASKS
    summ = run_study(dict(BASE, samples=1, chunk_size=2), tmp_path / "o",
                     scheduler="synchronous", plots=False)
    t = pd.read_parquet(summ["table"])
    defaults = TASKS["crossbar_read"].defaults
    assert set(defaults) <= set(t.columns)
    assert (t["r_lrs_ohm"] == defaults["r_lrs_ohm"]).all()      # not set by the study
    assert (t["cols"] == 3).all() and sorted(set(t["rows"])) == [2, 3]  # set by it
    # card-parameter overrides stay columns of their own beside the defaults
    d = {"name": "w", "task": "crossbar_write", "fixed": {"n": 3, "m": 3, "variability": 0.0,
                                                          "scheme": "v/3"},
         "grid": {"k_deg_per_m2": [1e7]}}
    summ = run_study(d, tmp_path / "w", scheduler="synchronous", plots=False)
    t = pd.read_parquet(summ["table"])
    assert (t["error"] == "").all(), t["error"].tolist()
    assert t.loc[0, "k_deg_per_m2"] == 1e7 and t.loc[0, "width_s"] == 1e-3


def test_crossbar_write_task_v3_disturbs_less_than_v2():
    from memli.studies import TASKS
    task = TASKS["crossbar_write"]
    base = {"n": 4, "m": 4, "variability": 0.0, "v_write_v": -0.3}
    r2 = task(dict(base, scheme="v/2"), 1)
    r3 = task(dict(base, scheme="v/3"), 1)
    # the selected cell is SET fully (x from 0 to its bound 1; 1e-6: clipping to bounds)
    assert r2["dx_selected"] == pytest.approx(1.0, abs=1e-6)
    assert r3["dx_selected"] == pytest.approx(1.0, abs=1e-6)
    # half-selected cells see v/2 = 0.15 V vs v/3 = 0.1 V (1e-9 V: solver residual on
    # 1-ohm lines with uA cell currents is far smaller)
    assert r2["v_half_max_v"] == pytest.approx(0.15, abs=1e-9)
    assert r3["v_half_max_v"] == pytest.approx(0.10, abs=1e-9)
    assert r3["dx_half_max"] < r2["dx_half_max"]
    fl = task(dict(base, scheme="floating"), 1)
    assert fl["dx_selected"] == pytest.approx(1.0, abs=1e-6)


def test_neuro_train_task_takes_scheme_and_mode():
    from memli.studies import TASKS
    r = TASKS["neuro_train"]({"epochs": 2, "scheme": "v3", "mode": "bipolar"}, 0)
    assert 0.0 <= r["test_accuracy"] <= 1.0 and r["epochs_run"] == 2
    with pytest.raises(Exception, match="scheme"):
        TASKS["neuro_train"]({"epochs": 1, "scheme": "v/3"}, 0)


def test_stop_resume_same_table_and_other_study_refused(tmp_path):
    out = tmp_path / "o"
    first = run_study(BASE, out, scheduler="synchronous", stop_after=2, plots=False)
    assert first["status"] == "stopped" and first["computed_chunks"] == 2
    assert first["table"] is None
    second = run_study(BASE, out, scheduler="synchronous", plots=False)
    assert (second["reused_chunks"], second["computed_chunks"]) == (2, 1)
    fresh = run_study(BASE, tmp_path / "f", scheduler="synchronous", plots=False)
    pd.testing.assert_frame_equal(pd.read_parquet(second["table"]),
                                  pd.read_parquet(fresh["table"]), check_exact=True)
    other = dict(BASE, seed=6)
    with pytest.raises(StudyError, match="holds results of another study"):
        run_study(other, out, scheduler="synchronous")
    again = run_study(other, out, scheduler="synchronous", force=True, plots=False)
    assert again["computed_chunks"] == 3
    assert json.loads((out / "study.json").read_text())["study"]["seed"] == 6


def test_crossbar_read_zero_wires_is_ideal():
    rng = np.random.default_rng(0)
    g = rng.uniform(1e-6, 1e-4, (5, 4))
    v = rng.uniform(0, 0.2, 5)
    i, res = crossbar_read_currents(g, v, 0.0, 0.0, 0.0, 0.0)
    # zero wire resistance: exactly G^T V (rtol 1e-12: a few roundings of a 5-term sum)
    np.testing.assert_allclose(i, g.T @ v, rtol=1e-12)
    i1, _ = crossbar_read_currents(g, v, 1.0, 1.0, 1.0, 1.0)
    assert np.all(i1 < g.T @ v)                   # line resistance only loses current


def test_cli_exit_codes_and_json(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path
    good = tmp_path / "g.toml"                    # the user task below fails on odd k
    good.write_text('name = "g"\ntask = "test_study_spec:flaky"\nchunk_size = 2\n'
                    '[grid]\nk = [0, 1, 2, 3, 5, 6, 7, 8]\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).parent)] + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    cmd = [sys.executable, "-m", "memli", "study", "run", str(good), "--scheduler",
           "synchronous", "--out", str(tmp_path / "o"), "--json"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 1, r.stderr            # odd k fails: reported, exit 1
    s = json.loads(r.stdout)
    assert (s["points"], s["failed_points"], s["status"]) == (8, 4, "complete")
    assert "4 row(s) failed" in r.stderr
    for name, text, opts, word in [
            ("b", 'name = "b"\ntask = "crossbar_read"\nchunk_size = -1\n', [], "chunk_size"),
            ("r", 'name = "r"\ntask = "crossbar_read"\n[grid]\nrows = [0, 3]\n', [],
             "grid.rows = 0"),
            ("s", 'name = "s"\ntask = "crossbar_read"\n', ["--scheduler", "foo"],
             "--scheduler")]:
        bad = tmp_path / f"{name}.toml"
        bad.write_text(text)
        r = subprocess.run(cmd[:5] + [str(bad), "--out", str(tmp_path / name)] + opts,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and word in r.stderr, r.stderr
        assert not (tmp_path / name).exists()     # refused before anything ran


def test_bundled_study_files_are_valid():
    from pathlib import Path

    from memli.studies.runner import _check_inputs
    files = sorted((Path(__file__).parents[2] / "studies").glob("*.toml"))
    assert len(files) >= 4
    for f in files:
        s = load_study(f)
        _check_inputs(s)                          # task exists, every input is known
        assert s.n_points >= 1 and s.point(s.n_points - 1)


def test_unknown_input_fails_before_running(tmp_path):
    d = dict(BASE, fixed={"cols": 3, "r_wl_onm": 1.0})
    with pytest.raises(StudyError, match="'r_wl_onm' \\(did you mean 'r_wl_ohm'\\?\\)"):
        run_study(d, tmp_path / "o", scheduler="synchronous")
    assert not (tmp_path / "o" / "chunks").exists()


def flaky(inputs, seed):
    """A user task ("module:function"): fails on odd k, exits on k == 4."""
    k = inputs["k"]
    if k == 4:
        raise SystemExit(3)
    if k % 2:
        raise ValueError(f"odd k = {k}")
    return {"y": float(k) ** 2, "seed_mod": seed % 7}


flaky.outputs = ("y", "seed_mod")


def test_user_task_errors_become_rows(tmp_path):
    d = {"name": "u", "task": "test_study_spec:flaky", "chunk_size": 2,
         "grid": {"k": [0, 1, 2, 3, 4, 5]}}
    s = run_study(d, tmp_path / "o", scheduler="synchronous", plots=False)
    t = pd.read_parquet(s["table"])
    assert list(t["error"] == "") == [True, False, True, False, False, False]
    assert t.loc[1, "error"] == "ValueError: odd k = 1"
    assert t.loc[4, "error"].startswith("SystemExit")
    assert list(t["y"][[0, 2]]) == [0.0, 4.0] and t["y"][[1, 3, 4, 5]].isna().all()
