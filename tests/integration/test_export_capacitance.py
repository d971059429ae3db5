"""Issue 15 item 6: the optional cell capacitance of the exported models in ngspice and
VACASK.  An RC charge through a series resistor of a pad-sized llzo cell (state held,
1 mV: no switching) gives C = eps_r eps_0 area / thickness within 1 %."""
import numpy as np

from memli.cards import load_card
from memli.circuits.netlist import _instance
from memli.codegen.spice import subckt_text
from memli.simulators import ngspice, vacask
from memli.simulators.verify import osdi_for

EPS0 = 8.8541878128e-12
CARD = "llzo_tip"
AREA_M2, EPS_R, R_OHM, V_S = 1e-2, 50.0, 1.0, 1e-3


def _expected_c(card):
    return EPS_R * EPS0 * AREA_M2 / card.values["l_m"]


def _tau_and_final(t, v):
    """Time constant and final value of v(t) = vf (1 - exp(-t/tau)), from the 63 % point."""
    vf = v[-1]
    k = np.searchsorted(v, vf * (1 - np.exp(-1.0)))
    t63 = np.interp(vf * (1 - np.exp(-1.0)), v[k - 1:k + 1], t[k - 1:k + 1])
    return t63, vf


def _c_from_wave(t, v):
    # device conductance G in parallel with C: tau = C / (1/R + G), final V = Vs/(1 + G R)
    tau, vf = _tau_and_final(t, v)
    g = (V_S / vf - 1.0) / R_OHM
    return tau * (1.0 / R_OHM + g)


def _params(card):
    m = card.model
    kv = [(k, float(card.values[k])) for k in m.params]
    kv = [(k, AREA_M2 if k == "area_m2" else v) for k, v in kv]
    kv += [(f"{s.name}_init", 0.0) for s in m.states] + [("eps_r", EPS_R)]
    return kv


def test_cell_capacitance_ngspice():
    card = load_card(CARD)
    c_exp = _expected_c(card)
    tau = c_exp * R_OHM          # upper bound of the time constant
    body = subckt_text(card).splitlines()
    body += ["vs in 0 dc 0 pwl(0 0 1e-15 " + repr(V_S) + ")", f"rs in p {R_OHM!r}",
             _instance("xd", "p", "0", card.model, _params(card), "ngspice")]
    deck = ngspice.transient_deck("cell capacitance", body, 20 * tau, tau / 200,
                                  saves=["v(p)"])
    r = ngspice.run_transient(deck, ["time", "p"])
    c = _c_from_wave(np.asarray(r["time"]), np.asarray(r["p"]))
    assert abs(c / c_exp - 1) < 0.01, (c, c_exp)


def test_cell_capacitance_vacask():
    card = load_card(CARD)
    c_exp = _expected_c(card)
    tau = c_exp * R_OHM
    osdi = osdi_for(card.model)
    body = [f'load "resistor.osdi"', "model r resistor",
            f'vs (in 0) vsource type="pwl" wave=[0, 0, 1e-15, {V_S!r}]',
            f"rs (in p) r r={R_OHM!r}"]
    body += _instance("xd", "p", "0", card.model, _params(card), "vacask").splitlines()
    net = vacask.netlist("cell capacitance", [osdi.name], body, 20 * tau, tau / 200)
    r = vacask.run(net, {osdi.name: osdi})["tran1"]
    c = _c_from_wave(np.asarray(r["time"]), np.asarray(r["p"]))
    assert abs(c / c_exp - 1) < 0.01, (c, c_exp)
