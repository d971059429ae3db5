"""The example netlists in netlists/ run as documented in docs/export.md."""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

NETLISTS = Path(__file__).resolve().parents[2] / "netlists"


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("netlists")
    for f in NETLISTS.glob("*.*"):
        if f.suffix in (".cir", ".sim"):
            shutil.copy(f, d / f.name)
    for fmt, name in (("spice", "memli_li_filament.lib"), ("verilog-a", "memli_li_filament.va")):
        r = subprocess.run([sys.executable, "-m", "memli", "export", "llzo_tip", "--format", fmt,
                            "--out", str(d / "build" / name)], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr
    return d


def _ngspice(work, name):
    ng = shutil.which("ngspice")
    assert ng, "ngspice binary missing (apt-get install ngspice)"
    r = subprocess.run([ng, name], cwd=work, capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r


def test_sweep_ngspice_sets_and_resets(work):
    _ngspice(work, "sweep_ngspice.cir")
    d = np.loadtxt(work / "sweep_ngspice.out")
    v, i, x = d[:, 1], d[:, 3], d[:, 5]
    assert d[-1, 0] == pytest.approx(3.0, rel=1e-6)
    # SET: the filament bridges (x -> 1; 2e-3 margin for the integrator's overshoot)
    assert x.max() > 0.99 and x.max() < 1.002
    # LRS current at -0.25 V: V / (116 ohm) within 5 % (ionic path adds < 1e-10)
    assert np.min(i) == pytest.approx(-0.25 / 116.0, rel=0.05)


def test_sweep_vacask(work):
    from memli.simulators import vacask_path
    from memli.simulators.vacask import read_raw
    r = subprocess.run([str(vacask_path()), "-qp", "sweep_vacask.sim"], cwd=work,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    raw = read_raw(work / "tran1.raw")
    assert raw["time"][-1] == pytest.approx(3.0, rel=1e-6)
    assert raw["d1:xs_x"].max() > 0.99
    # flow(br) of the source is minus the device current: LRS at -0.25 V, 5 % as above
    assert np.max(raw["vsrc:flow(br)"]) == pytest.approx(0.25 / 116.0, rel=0.05)


def test_crossbar_read_4x4(work):
    _ngspice(work, "crossbar_read_4x4.cir")
    txt = (work / "crossbar_read_4x4.out").read_text()
    vals = {ln.split("=")[0].strip(): float(ln.split("=")[1]) for ln in txt.splitlines()
            if "=" in ln}
    # row 2 at 50 mV: only cell (2,2) is ON -> 0.05 V / (116 ohm + 5 wire segments of
    # 2 ohm: two along row 2, three down column 2); 1e-3: the pristine cells' leakage
    assert abs(vals["i(vc2)"]) == pytest.approx(0.05 / (116 + 10), rel=1e-3)
    for c in ("i(vc1)", "i(vc3)", "i(vc4)"):
        assert abs(vals[c]) < 1e-9            # pristine cells: ionic leakage only


def test_tip_film_2x2(work):
    _ngspice(work, "tip_film_2x2.cir")
    d = np.loadtxt(work / "tip_film_2x2.out")
    i11, vfilm = d[:, 3], d[:, 11]
    assert d[-1, 0] == pytest.approx(1.0, rel=1e-6)
    # tip 11 SETs, and the shared film (1 kohm) limits the current: once most of the
    # bias drops across the film the SET drive vanishes (self-compliance), so the
    # current lies between half and all of 0.25 V / (1 kohm + 116 ohm)
    assert 0.5 * 0.25 / 1116.0 < -np.min(i11) <= 0.25 / 1116.0 * (1 + 1e-6)
    # the shared film node carries the potential the other tips see
    assert np.max(np.abs(vfilm)) > 0.1


def test_crossbar_read_4x4_vacask_matches_ngspice(work):
    from memli.simulators import vacask_path
    from memli.simulators.vacask import read_raw
    r = subprocess.run([str(vacask_path()), "-qp", "crossbar_read_4x4.sim"], cwd=work,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    raw = read_raw(work / "op1.raw")
    _ngspice(work, "crossbar_read_4x4.cir")
    txt = (work / "crossbar_read_4x4.out").read_text()
    ng = {ln.split("=")[0].strip(): float(ln.split("=")[1]) for ln in txt.splitlines()
          if "=" in ln}
    for j in range(1, 5):
        # same operating point in both simulators: 1e-6 relative (solver tolerances)
        assert raw[f"vc{j}:flow(br)"][0] == pytest.approx(ng[f"i(vc{j})"], rel=1e-6)
