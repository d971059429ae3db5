"""memli.analog: mapping onto tiles, each non-ideality alone, exact tile solves."""
import json

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from memli.analog import devices as dv
from memli.analog.infer import AnalogConfig, analog_forward, digits_mlp, run_analog
from memli.analog.mapping import Layer, forward, load_layers
from memli.analog.tiles import Tile
from memli.circuits.network import Network, Terminals, Wires
from memli.errors import DataError

CARD = "oxide_10k"          # 10 kohm LRS: a quick card to characterise


@pytest.fixture(scope="module")
def task():
    layers, x, y = digits_mlp(16, 0)
    return layers, x[:200], y[:200]


@pytest.fixture(scope="module")
def prof():
    return dv.characterise(CARD)


def _acc(task, prof, cfg):
    layers, x, y = task
    out, *_ = analog_forward(layers, x, cfg, prof)
    return float(np.mean(np.argmax(out, axis=1) == y))


def test_every_nonideality_off_reproduces_the_float_network(task, prof):
    layers, x, y = task
    res = run_analog(layers, x, y, CARD, AnalogConfig(tile=32).ideal(), profile=prof)
    # acceptance: within 0.5 % (16-bit converters are the only rounding left)
    assert abs(res.accuracy_analog - res.accuracy_float) <= 0.005
    # 64 x 16 layer: 2 row tiles of 32 x (16 pairs); 16 x 10 layer: one tile
    assert res.breakdown == {} and res.tiles == 3
    assert res.inputs == 200


@pytest.mark.parametrize("name,setting", [
    ("wires", dict(r_wire_ohm=200.0)),
    ("variability", dict(variability=0.6)),
    ("c2c", dict(c2c=0.8)),
    ("faults", dict(stuck_on=0.05, stuck_off=0.05)),
    ("read_noise", dict(read_noise=1.0)),
    ("dac", dict(dac_bits=1)),
    ("adc", dict(adc_bits=2)),
    ("adc", dict(adc_range=0.05)),            # full scale far below the currents: clips
])
def test_each_nonideality_alone_lowers_accuracy(task, prof, name, setting):
    base = AnalogConfig(tile=32, **setting)
    assert base.active() == [name] or name in base.active()
    ideal = _acc(task, prof, base.ideal())
    alone = _acc(task, prof, base.only(name))
    # strong settings: the loss is far above the 1-in-200 granularity of the accuracy
    assert alone < ideal - 0.02, (name, ideal, alone)


def test_few_levels_lower_accuracy(task):
    coarse = dv.characterise(CARD, min_step_rel=0.3)     # a device with ~4 levels
    fine = dv.characterise(CARD)
    assert coarse.n_levels < 6 < fine.n_levels
    cfg = AnalogConfig(tile=32).only("levels")
    assert _acc(task, coarse, cfg) < _acc(task, fine, cfg)


def test_drift_never_helps_and_comes_from_the_model(task, prof):
    cfg = AnalogConfig(tile=32, drift_s=10.0)
    assert _acc(task, prof, cfg.only("drift")) <= _acc(task, prof, cfg.ideal()) + 0.005
    # the held conductance is the model integrated at 0 V: compare with the device
    # simulator on the same state (independent integrator, adaptive steps)
    from memli.sim import Waveform, simulate
    x0 = prof.level_states[:, prof.n_levels // 2]
    dev = dv.DeviceArray(prof.card, 1, x0=x0)
    g_hold = dv.hold(dev, 1.0, prof.read_v)[0]
    wf = Waveform(np.array([0.0, 1.0]), np.array([0.0, 0.0]), np.array([-1, -1]))
    res = simulate(prof.card, wf, x0=x0)
    g_sim = abs(prof.card.model.numeric.current(prof.read_v, res.x[:, -1:],
                                                prof.card.vector[:, None])[0]) / prof.read_v
    assert g_hold == pytest.approx(g_sim, rel=1e-3)   # two integrators, rtol 1e-5 steps


def test_levels_and_range_come_from_programming(prof):
    assert prof.g_max_siemens > 50 * prof.g_min_siemens
    assert np.all(np.diff(prof.levels_siemens) >= 0.01 * (prof.g_max_siemens
                                                          - prof.g_min_siemens) * 0.999)
    # write-verify reaches targets within its tolerance on nominal devices
    t = np.linspace(prof.g_min_siemens, prof.g_max_siemens, 9)[1:-1]
    g, _ = dv.program(prof, t, tol_rel=0.01)
    span = prof.g_max_siemens - prof.g_min_siemens
    assert np.max(np.abs(g - t)) <= 0.011 * span


@pytest.mark.parametrize("k", [5, 40])          # 40 >= rows: transfer-matrix path
def test_tile_read_matches_a_direct_sparse_solve(k):
    rng = np.random.default_rng(k)
    g = 10 ** rng.uniform(-6, -4, (36, 50))
    wires = Wires(1.0, 2.0, 5.0, 3.0)
    V = rng.uniform(0, 0.2, (k, 36))
    I = Tile(g, wires).read(V)
    net = Network(g, wires, Terminals.make(36, 50, 0.0))
    A = net._sys.sparse().tocsc()
    for j in range(k):
        net.term = Terminals.make(36, 50, V[j])
        fw, fb = net.rhs()
        x = spla.spsolve(A, np.concatenate([fw.ravel(), fb.ravel()]))
        nm = 36 * 50
        ref = (g * (x[:nm] - x[nm:]).reshape(36, 50)).sum(axis=0)
        # acceptance: tile results agree with a direct sparse solve to 1e-9
        assert np.max(np.abs(I[j] - ref)) <= 1e-9 * np.max(np.abs(ref))


def test_weights_from_npz_and_sklearn(tmp_path, task):
    layers = task[0]
    p = tmp_path / "W.npz"
    np.savez(p, W0=layers[0].w, b0=layers[0].b, W1=layers[1].w, b1=layers[1].b)
    back = load_layers(p)
    x = task[1][:5]
    np.testing.assert_allclose(forward(back, x), forward(layers, x), rtol=1e-12)
    np.savez(tmp_path / "bad.npz", W0=np.ones((3, 2)), W1=np.ones((4, 2)))
    with pytest.raises(DataError, match="layer 1 takes 4 inputs"):
        load_layers(tmp_path / "bad.npz")


def test_signed_inputs_take_two_reads(prof):
    rng = np.random.default_rng(1)
    layers = [Layer(rng.normal(size=(8, 3)), np.zeros(3), "identity")]
    x = rng.normal(size=(30, 8))
    out, *_ = analog_forward(layers, x, AnalogConfig(tile=8).ideal(), prof)
    # 16-bit DAC/ADC on both phases: relative error ~1e-4 of full scale
    np.testing.assert_allclose(out, forward(layers, x), atol=2e-3 * np.abs(out).max())


def test_cli_digits_json_keys_and_bad_input(tmp_path):
    from typer.testing import CliRunner

    from memli.cli import _register_all, app
    _register_all()
    r = CliRunner().invoke(app, ["analog", "digits", "--card", CARD, "--hidden", "16",
                                 "--tile", "64", "--ideal", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for k in ("accuracy_float", "accuracy_analog", "breakdown", "tiles", "inputs", "solve_s",
              "per_input_s"):
        assert k in d
    assert abs(d["accuracy_analog"] - d["accuracy_float"]) <= 0.005
    r = CliRunner().invoke(app, ["analog", "digits", "--stuck-on", "2"])
    assert r.exit_code != 0


def test_cli_infer_npz_writes_out_and_refuses_bad_shapes(tmp_path):
    from typer.testing import CliRunner

    from memli.cli import _register_all, app
    _register_all()
    rng = np.random.default_rng(2)
    np.savez(tmp_path / "W.npz", W0=rng.normal(size=(12, 4)), b0=np.zeros(4))
    np.save(tmp_path / "X.npy", rng.random((30, 12)))
    np.save(tmp_path / "bad.npy", rng.random((30, 5)))
    out = tmp_path / "s.json"
    args = ["analog", "infer", "--weights", str(tmp_path / "W.npz"), "--inputs",
            str(tmp_path / "X.npy"), "--card", CARD, "--tile", "8", "--ideal", "--json",
            "--out", str(out)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    # no labels: the float predictions are the reference; all off reproduces them
    assert d["accuracy_float"] == 1.0 and d["accuracy_analog"] >= 0.95
    assert d["tiles"] == 2 and d["inputs"] == 30          # 12 rows -> 2 row tiles of 8
    r = CliRunner().invoke(app, args)                     # exists without --force
    assert r.exit_code != 0 and "--force" in str(r.exception)
    args[5] = str(tmp_path / "bad.npy")
    r = CliRunner().invoke(app, args + ["--force"])
    assert r.exit_code != 0 and "expected (k, 12)" in str(r.exception)
