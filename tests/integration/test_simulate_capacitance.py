"""Issue 15 item 6: `memli simulate --eps-r` (cell capacitance in memli's simulator).

Against the exported subcircuit in ngspice (same card, same eps_r): a -1/+1 V triangle
at 1 V/s through vteam_default (SET and RESET) with a cell capacitance whose
displacement current (8.85 uA) is comparable to the HRS current, the source driving the
cell directly and through 1 kohm (the device voltage then is a dynamic node, tau = 8.85
ms).  Then the command's outputs and errors."""
import csv
import json

import numpy as np
import pytest

from memli.capacitance import EPS0_F_PER_M
from memli.cards import load_card
from memli.codegen.spice import instance_line, subckt_text
from memli.sim import Waveform
from memli.simulators import ngspice

from _cli import run_cli

CARD = "vteam_default"
EPS_R, AREA_M2 = 100.0, 1e-4         # C = 100 eps_0 1 cm^2 / 10 nm = 8.85 uF
VMIN, VMAX, RATE, DV = -1.0, 1.0, 1.0, 5e-3
#: pointwise tolerance on the current, relative to |i| + 1 % of the largest |i|
#: (the floor covers samples where displacement and device current cancel).  Measured:
#: 0.3 % direct, 0.9 % through 1 kohm, at the RESET edge where both simulators resolve
#: the same fast switching with their own steps (memli rtol 1e-5, ngspice's steps at
#: most the 5 ms sample spacing).
TOL = 0.03


def _trace(path):
    with open(path) as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    head, data = rows[0], np.array(rows[1:], dtype=float)
    return {k: data[:, j] for j, k in enumerate(head)}


def _ngspice(card, wf, rs, **inst):
    body = subckt_text(card).splitlines()
    body += ngspice.pwl_source("src", "a", "0", wf.t_s, wf.v_v)
    body += [f"rs a b {rs!r}", "vm b n 0"] if rs else ["vm a n 0"]
    body.append(instance_line("d", "n", "0", card, **inst))
    deck = ngspice.transient_deck("memli simulate --eps-r", body, float(wf.t_s[-1]),
                                  float(np.min(np.diff(wf.t_s))))
    r = ngspice.run_transient(deck, ["time", "vm#branch"])
    return r["time"], r["vm#branch"]


def _err(i, t, t_ng, i_ng):
    ref = np.interp(t, t_ng, i_ng)
    return np.max(np.abs(i - ref) / (np.abs(ref) + 0.01 * np.abs(ref).max()))


@pytest.mark.parametrize("r_series", [0.0, 1000.0])
def test_simulate_eps_r_matches_ngspice(tmp_path, r_series):
    code, out, err = run_cli("simulate", CARD, "--sweep", VMIN, VMAX, "--rate", RATE,
                             "--dv", DV, "--r-series", r_series, "--eps-r", EPS_R,
                             "--param", f"cap_area_m2={AREA_M2!r}", "--out", tmp_path,
                             "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["c_cell_f"] == pytest.approx(EPS_R * EPS0_F_PER_M * AREA_M2 / 1e-8,
                                                rel=1e-12)
    tr = _trace(tmp_path / "trace.csv")
    card = load_card(CARD)
    wf = Waveform.triangle(VMIN, VMAX, 1, rate_v_per_s=RATE, dv_v=DV)
    assert np.allclose(tr["t_s"], wf.t_s, rtol=1e-8)
    t_ng, i_ng = _ngspice(card, wf, r_series, eps_r=EPS_R, cap_area_m2=AREA_M2)
    e = _err(tr["i_a"], tr["t_s"], t_ng, i_ng)
    assert e < TOL, e
    # the capacitance matters: ngspice without it is far from memli with it
    t0, i0 = _ngspice(card, wf, r_series, eps_r=0)
    assert _err(tr["i_a"], tr["t_s"], t0, i0) > 0.3


def test_cli_eps_r(tmp_path):
    """--eps-r: c_cell_f (and the geometry given) in summary.json and in trace.csv's
    header; --eps-r 0 writes the same trace as no option, without those lines."""
    args = ["simulate", "vteam_default", "--sweep", "-1", "1", "--dv", "0.01"]
    code, out, err = run_cli(*args, "--eps-r", "25", "--param", "cap_area_m2=1e-8",
                             "--out", tmp_path / "c", "--json")
    assert code == 0, err
    s = json.loads(out)
    want = 25 * EPS0_F_PER_M * 1e-8 / 1e-8
    assert s["eps_r"] == 25 and s["cap_area_m2"] == 1e-8
    assert s["c_cell_f"] == pytest.approx(want, rel=1e-15)
    head = (tmp_path / "c" / "trace.csv").read_text().splitlines()[1]
    assert head.startswith("# cell capacitance c_cell_f = ") and "F (eps_r 25)" in head
    code, out0, err = run_cli(*args, "--eps-r", "0", "--out", tmp_path / "z", "--json")
    assert code == 0, err
    code, _, err = run_cli(*args, "--out", tmp_path / "n")
    assert code == 0, err
    assert "c_cell_f" not in json.loads(out0)
    trace = [(tmp_path / d / "trace.csv").read_text() for d in ("z", "n")]
    assert trace[0] == trace[1]


@pytest.mark.parametrize("extra,msg", [
    (["--sweep", "-0.2", "1", "--eps-r", "5", "--param", "cap_area_m2=1e-12"],
     "has its own parameter 'area_m2'"),
    (["--retention", "--eps-r", "5"], "not to --retention"),
    (["--sweep", "-0.2", "1", "--eps-r", "-1"], "--eps-r"),
    (["--sweep", "-0.2", "1", "--eps-r", "1e7"], "--eps-r")])
def test_cli_eps_r_errors(tmp_path, extra, msg):
    code, _, err = run_cli("simulate", "llzo_tip", *extra, "--out", tmp_path / "o")
    assert code == 2
    assert msg in err and "Traceback" not in err
