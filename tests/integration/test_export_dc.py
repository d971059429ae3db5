"""Exported models agree in .op, .dc and .tran at a read bias (issue 15).

For every bundled card: 0.05 V, each state at each of its bounds (the others at their
initial values), the current in ngspice and VACASK .op, at the end of a .dc sweep
(-0.05 .. 0.05 V) and 1 us into a .tran at the held bias agrees with memli's own
current at that state within 1 % (the issue's limit; measured: below 1e-5, the
transient's state motion over 1 us).  Before the DC hold stopped depending on
`time`, an LRS cell read 0.86 mA in .op and 5e-16 A in .dc.
"""
import pytest

from memli.cards import bundled_cards
from memli.simulators.verify import read_checks


@pytest.mark.parametrize("card", sorted(bundled_cards()))
def test_op_dc_tran_agree_at_read_bias_for_states_at_bounds(card):
    r = read_checks(card, 0.05)
    for sim in ("ngspice", "vacask"):
        assert r[sim]["converged"], (sim, r[sim].get("error"))
        assert r[sim]["max_rel_diff"] <= 0.01, (sim, r[sim], r["memli"])


def test_dc_sweep_does_not_reset_an_lrs_cell():
    # the reproduction: llzo_tip with x_init = 1, .op vs .dc at 0.1 V
    r = read_checks("llzo_tip", 0.1, cases=[{"x_init": 1.0}])
    for sim in ("ngspice", "vacask"):
        assert r[sim]["dc"][0] == pytest.approx(r[sim]["op"][0], rel=1e-6)
        assert r[sim]["op"][0] == pytest.approx(0.1 / 116.0, rel=1e-3)
