"""`memli crossbar read | write | transient | netlist | tipfilm` run and write their outputs."""
import json

import numpy as np
import pytest

from memli.cli import main


def _run(args, capsys):
    with pytest.raises(SystemExit) as e:
        main(["crossbar", *args])
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_read_writes_summary_heat_map_and_error_vs_size(tmp_path, capsys):
    code, out, err = _run(["read", "llzo_tip", "--rows", "12", "--cols", "10", "--random-x",
                           "--sizes", "4,8", "--out", str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert {"n", "m", "solve_s", "i_out_a", "max_rel_error"} <= set(d) and len(d["i_out_a"]) == 10
    assert len(d["max_rel_error_vs_size"]) == 2
    for f in ("i_out.npy", "summary.json", "ir_drop.png", "error_vs_size.png"):
        assert (tmp_path / "r" / f).stat().st_size > 0


def test_transient_v3_programs_without_disturb(tmp_path, capsys):
    code, out, err = _run(["transient", "llzo_tip", "--rows", "5", "--cols", "5", "--pattern",
                           "diagonal", "--v-write", "-0.2", "--scheme", "v/3", "--out",
                           str(tmp_path / "t"), "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    # V/3 = -0.067 V on unselected cells stays above the -0.12 V GB threshold [lu_yang]
    # of every sampled device: the card's device-to-device sd of 0.019 V puts -0.067 V
    # 2.8 sd away (at -0.3 V, V/3 = -0.1 V is only 1.1 sd away and some cells switch)
    assert d["missed"] == 0 and d["disturbed"] == 0 and d["cells_written"] == 5
    assert np.load(tmp_path / "t" / "states.npy").shape == (3, 5, 5)


def test_write_reports_half_select_bias(tmp_path, capsys):
    code, out, err = _run(["write", "llzo_tip", "--rows", "4", "--cols", "4", "--cell", "1,2",
                           "--v-write", "-0.3", "--scheme", "v/2", "--out",
                           str(tmp_path / "w"), "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["bias"][0]["v_half_max_v"] == pytest.approx(0.15, abs=2e-3)   # V/2, 1 ohm lines
    assert d["dx_selected"][0] > 0.9


def test_netlist_and_tipfilm(tmp_path, capsys):
    code, _, err = _run(["netlist", "llzo_tip", "--rows", "2", "--cols", "3", "--out",
                         str(tmp_path / "x.cir")], capsys)
    assert code == 0, err
    deck = (tmp_path / "x.cir").read_text()
    assert deck.count("memli_li_filament") >= 7 and ".op" in deck
    code, out, err = _run(["tipfilm", "--pitch", "0.3e-6,3e-6", "--grain-size", "2e-6",
                           "--n-side", "3", "--cycles", "1", "--out", str(tmp_path / "tf"),
                           "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert d["fraction_stable"][0][0] == 0.0          # pitch below a filament diameter
    assert (tmp_path / "tf" / "stable_fraction.png").exists()


@pytest.mark.parametrize("args", [
    ["read", "no_such_card", "--out", "o"],
    ["write", "llzo_tip", "--cell", "9,9", "--rows", "4", "--cols", "4", "--v-write", "-0.3",
     "--out", "o"],
    ["tipfilm", "--pitch", "abc", "--out", "o"],
    ["transient", "llzo_tip", "--pattern", "nope.npy", "--v-write", "-0.3", "--out", "o"],
])
def test_bad_input_exits_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(args, capsys)
    assert code == 2 and err.startswith("memli: error:") and err.count("\n") == 1, err


@pytest.mark.parametrize("g, v, extra, word", [
    (np.full((3, 3), 1e-4 + 1e-5j), np.full(3, 0.2), [], "G.npy: complex"),
    (np.full((3, 3), "abc"), np.full(3, 0.2), [], "G.npy: text"),
    (np.full((3, 3), 1e-4), np.full(3, 0.2 + 0j), [], "V.npy: complex"),
    (np.full((3, 3), 1e-4), np.full(3, 0.2), ["--rtol", "0"], "--rtol"),
    (np.full((3, 3), 1e-4), np.full(3, 0.2), ["--rtol", "nan"], "--rtol"),
])
def test_dc_rejects_non_real_arrays_and_bad_rtol(g, v, extra, word, capsys, tmp_path,
                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("G.npy", g)
    np.save("V.npy", v)
    code, _, err = _run(["dc", "--conductance", "G.npy", "--vin", "V.npy", "--r-wl", "1",
                         "--r-bl", "1", "--out", "I.npy", *extra], capsys)
    assert code == 2 and word in err and err.count("\n") == 1, err
    assert not (tmp_path / "I.npy").exists()


def test_dc_rejects_object_arrays(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("G.npy", np.array([[1e-4, None]], dtype=object), allow_pickle=True)
    np.save("V.npy", np.full(1, 0.2))
    code, _, err = _run(["dc", "--conductance", "G.npy", "--vin", "V.npy", "--r-wl", "1",
                         "--r-bl", "1", "--out", "I.npy"], capsys)
    assert code == 2 and "G.npy" in err and err.count("\n") == 1, err
    from memli.circuits.crossbar import check_conductance
    from memli.errors import DataError
    with pytest.raises(DataError, match="object"):      # in-memory object arrays too
        check_conductance(np.array([[1e-4, "x"]], dtype=object), "G")


def test_dc_help_recipe_makes_runnable_inputs(capsys, tmp_path, monkeypatch):
    import re
    import subprocess
    import sys
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main(["crossbar", "dc", "--help"])
    helptext = capsys.readouterr().out
    recipes = re.findall(r'python -c "([^"]+)"', helptext)
    assert len(recipes) == 2
    for r in recipes:
        subprocess.run([sys.executable, "-c", r], check=True)
    code, out, err = _run(["dc", "--conductance", "G.npy", "--vin", "V.npy", "--r-wl", "1",
                           "--r-bl", "1", "--out", "I.npy", "--json"], capsys)
    assert code == 0 and json.loads(out)["n"] == 8, err


@pytest.mark.parametrize("sizes", ["4,x", "4,0"])
def test_read_rejects_bad_sizes(sizes, capsys, tmp_path):
    code, _, err = _run(["read", "llzo_tip", "--rows", "4", "--cols", "4", "--sizes", sizes,
                         "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "--sizes" in err and err.count("\n") == 1, err
    assert not (tmp_path / "r").exists()


def test_deprecated_spellings_still_work_with_a_warning(tmp_path, capsys):
    code, out, err = _run(["read", "llzo_tip", "--n", "3", "--m", "2", "--out",
                           str(tmp_path / "r"), "--json"], capsys)
    assert code == 0, err
    d = json.loads(out)
    assert (d["n"], d["m"]) == (3, 2)
    assert "--n is deprecated; use --rows" in err and "--m is deprecated; use --cols" in err
