"""`memli simulate` and `memli models` through the real console script."""
import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "memli", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_simulate_json_keys_and_files(tmp_path):
    out = tmp_path / "sim"
    r = run("simulate", "llzo_tip", "--sweep", "-0.2", "1", "--cycles", "3", "--out", str(out),
            "--json")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["card"] == "llzo_tip" and len(s["cycles"]) == 3
    assert set(s["cycles"][0]) == {"index", "v_set", "v_reset", "r_hrs_ohm", "r_lrs_ohm",
                                   "on_off"}
    assert {p.name for p in out.iterdir()} == {"trace.csv", "summary.json", "iv.png",
                                                "memli-outputs.json"}
    assert json.loads((out / "summary.json").read_text())["cycles"] == s["cycles"]
    assert "generated" in (out / "trace.csv").read_text().splitlines()[0]


def test_no_switching_gives_null(tmp_path):
    r = run("simulate", "llzo_tip", "--sweep", "-0.05", "0.2", "--out", str(tmp_path / "o"),
            "--read-voltage", "0.02", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["cycles"][0]["v_set"] is None


@pytest.mark.parametrize("args, needle", [
    (["llzo_tipp", "--sweep", "-0.2", "1"], "card 'llzo_tipp' not found. Best matches"),
    (["llzo_tip", "--sweep", "0.2", "1"], "need VMIN < 0 < VMAX"),
    (["llzo_tip", "--sweep", "-0.2", "1", "--param", "r_on_ohm=-3"], "r_on_ohm: value -3"),
    (["llzo_tip", "--sweep", "-0.2", "1", "--param", "r_onn_ohm=3"], "not a parameter"),
    (["llzo_tip", "--sweep", "-0.2", "1", "--compliance", "-1"], "--compliance"),
    (["llzo_tip", "--sweep", "-0.2", "x"], "--sweep"),
    (["nofile.json", "--sweep", "-0.2", "1"], "nofile.json: no such card file"),
])
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, args, needle):
    out = tmp_path / "o"
    r = run("simulate", *args, "--out", str(out))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr
    assert not out.exists()


def test_refuses_overwrite_without_force(tmp_path):
    out = tmp_path / "o"
    assert run("simulate", "llzo_tip", "--sweep", "-0.2", "1", "--out", str(out)).returncode == 0
    before = (out / "trace.csv").read_bytes()
    r = run("simulate", "llzo_tip", "--sweep", "-0.3", "1", "--out", str(out))
    assert r.returncode == 2 and "--force" in r.stderr
    assert (out / "trace.csv").read_bytes() == before
    assert run("simulate", "llzo_tip", "--sweep", "-0.3", "1", "--out", str(out),
               "--force").returncode == 0


def test_models_json_lists_all_models():
    r = run("models", "--json")
    ids = {m["id"] for m in json.loads(r.stdout)["models"]}
    assert {"li_filament", "linear_drift", "vteam", "yakopcic", "mms"} <= ids


def test_bad_card_file_names_file(tmp_path):
    f = tmp_path / "c.json"
    f.write_text('{"schema": "memli.card/1", "model": "li_filamnt"}')
    r = run("simulate", str(f), "--sweep", "-0.2", "1", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "c.json" in r.stderr and "li_filament" in r.stderr
