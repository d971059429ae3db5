"""The same crossbar in ngspice (real ngspice, batch mode) and in memli.

Acceptance (issue "Crossbars and tip-to-film arrays"): seeded random arrays up to
32 x 32, bit-line currents within 1e-6 relative (linear cells) and 1e-4 (nonlinear).
"""
import shutil

import numpy as np
import pytest

from memli.cards import default_card, load_card
from memli.circuits.crossbar import Crossbar
from memli.circuits.netlist import crossbar_netlist, ngspice_bitline_currents, run_ngspice_op
from memli.circuits.network import Wires
from memli.circuits.selector import Selector
from memli.models.base import registry


def setup_module(_):
    if shutil.which("ngspice") is None:
        pytest.fail("ngspice is not installed (apt install ngspice); it is required")


def _compare(xb, v, cell, rtol):
    ng = ngspice_bitline_currents(run_ngspice_op(crossbar_netlist(xb, v, cell=cell)), xb.m)
    me = xb.dc(v).i_out_a
    err = np.max(np.abs(ng - me)) / np.max(np.abs(me))
    assert err <= rtol, (err, ng[:4], me[:4])
    return err


@pytest.mark.parametrize("n,m,wires,seed", [
    (32, 32, Wires(1, 1, 0, 0), 0),
    (24, 17, Wires(2.5, 0.5, 40, 10), 1),
    (1, 32, Wires(1, 1, 0, 0), 2),
    (32, 1, Wires(3, 1, 10, 0), 3),
])
def test_linear_arrays_match_ngspice(n, m, wires, seed):
    rng = np.random.default_rng(seed)
    g = 10 ** rng.uniform(-6, -4, (n, m))          # 10 kohm ... 1 Mohm
    v = rng.uniform(0, 0.2, n)
    # linear: ngspice solves the same resistor network; RELTOL 1e-9 in the deck
    _compare(Crossbar(conductance=g, wires=wires), v, "resistor", 1e-6)


def test_nonlinear_selector_array_matches_ngspice():
    rng = np.random.default_rng(4)
    xb = Crossbar.from_card("llzo_tip", 32, 32, wires=Wires(1, 1, 5, 5), rng=4,
                            selector=Selector(params={"i0_a": 1e-6, "v0_v": 0.08}))
    xb.states[0] = rng.uniform(0, 1, (32, 32))
    # nonlinear (sinh selector in series): Newton to 1e-9 V here, RELTOL 1e-9 in ngspice
    _compare(xb, rng.uniform(0, 0.6, 32), "frozen", 1e-4)


@pytest.mark.parametrize("name", sorted(registry()))
def test_exported_subcircuit_array_matches_ngspice(name):
    model = registry()[name]
    card = load_card("llzo_tip") if name == "li_filament" else default_card(model)
    xb = Crossbar.from_card(card, 12, 10, wires=Wires(2, 2, 5, 5), rng=5)
    rng = np.random.default_rng(5)
    for k, s in enumerate(model.states):
        xb.states[k] = rng.uniform(s.bounds[0], s.bounds[1], (12, 10))
    # every cell is the model's exported .subckt with its states as <state>_init;
    # nonlinear models: 1e-4 relative (issue acceptance)
    _compare(xb, rng.uniform(0, 0.2, 12), "subckt", 1e-4)


def test_tip_array_netlist_matches_ngspice():
    from memli.circuits import tipfilm as tf
    arr = tf.tip_array("llzo_tip", tf.grid_positions(4, 0.8e-6), seed=3, r_lead_ohm=10.0,
                       r_common_ohm=5.0)
    arr.states[0] = np.linspace(0.7, 1.0, 16)      # HRS to bridged: 1e-4 ... 1e-2 S
    op = run_ngspice_op(tf.tip_array_netlist(arr, -0.05, g_min_siemens=0.0))
    ng = -np.array([op[f"i(vt_{i})"] for i in range(16)])   # SPICE: into the + terminal
    me = arr.dc(-0.05).i_drive
    # linear cells (li_filament is ohmic at fixed states), RELTOL 1e-9: 1e-6 relative
    np.testing.assert_allclose(ng, me, rtol=1e-6, atol=1e-6 * np.abs(me).max())


def test_programming_transient_matches_ngspice_tran():
    from memli.circuits.netlist import crossbar_transient_deck
    from memli.circuits.writes import program, pulse_train
    xb = Crossbar.from_card("llzo_tip", 3, 3, wires=Wires(1, 1, 0, 0), rng=0)
    pulses = pulse_train(3, 3, (1, 1), -0.3, 1e-3, 2, "v/3", gap_s=1e-3)
    saves = [f"v(xc_{i}_{j}.xs_x)" for i in range(3) for j in range(3)]
    op = run_ngspice_op(crossbar_transient_deck(xb, pulses, saves=saves))
    program(xb, pulses)
    ng = np.array([op[s] for s in saves]).reshape(3, 3)
    # selected cell switches fully; half-selected ones creep (V/3 = -0.1 V). Every state
    # agrees with ngspice (gear, RELTOL 1e-5) within 1e-4 (the issue-14 limit): the shared
    # stepper controls the local error to 1e-4 of each state's range
    assert ng[1, 1] > 0.99 and xb.states[0, 1, 1] > 0.99
    np.testing.assert_allclose(xb.states[0], ng, atol=1e-4)
