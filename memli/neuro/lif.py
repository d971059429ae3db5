"""A memristive synapse driving a leaky integrate-and-fire (LIF) neuron.

Circuit (node names as in the exported netlist ``netlists/lif_synapse.cir``)::

    vin --[memristor: n = in, p = m]-- m --+-- C_m --- 0
                                           +-- R_leak - 0
                                           +-- reset sink g_dis * r * V(m)
    r: dr/dt = (logistic((V(m) - v_mid + h (r - 1/2)) / w) - r) / tau_latch,
       v_mid = (v_th + v_low) / 2, h = v_th - v_low

Pre-synaptic spikes are rectangular pulses of ``vin``; the device sees
``V(m) - V(in)`` (negative during a pulse: the SET polarity of li_filament, so
pulses near the SET threshold potentiate the synapse).  The neuron integrates the
synaptic current on ``C_m`` with leak ``R_leak`` (Lapicque's LIF [gerstner2014]); its
spike/reset is a smooth Schmitt-trigger latch ``r`` (positive feedback through
``h r``): when ``V(m)`` rises through ``v_th`` the latch snaps on within
``tau_latch``, discharges the membrane through ``g_dis`` until ``V(m)`` falls to
``v_low``, and snaps off.  The whole circuit is one smooth ODE system, so
memli's integrator (:func:`simulate_lif`, Radau on the model's generated rates and
Jacobians) and ngspice (:func:`run_lif_ngspice`, the exported memristor subcircuit
plus behavioural sources) solve the same equations.  A spike time is the upward
crossing of ``r = 1/2`` (the latch snaps within ``tau_latch``).

References
----------
.. [gerstner2014] W. Gerstner, W. M. Kistler, R. Naud, L. Paninski, "Neuronal
   Dynamics", Cambridge University Press (2014), ch. 1.3.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import ConvergenceError
from ..safetext import comment
from .devices import as_card

__all__ = ["LIFParams", "LIFResult", "input_waveform", "simulate_lif", "lif_netlist",
           "run_lif_ngspice", "spike_times", "compare_spikes"]


@dataclass
class LIFParams:
    """Neuron, synapse and stimulus settings (SI).

    Attributes
    ----------
    c_m_f : float            membrane capacitance, F
    r_leak_ohm : float       membrane leak, ohm
    v_th_v : float           firing threshold, V
    v_low_v : float          latch release (reset) level, V
    w_v : float              latch logistic width, V
    tau_latch_s : float      latch time constant, s
    g_dis_siemens : float    discharge conductance at r = 1, S
    v_pre_v : float          pre-synaptic pulse amplitude, V
    t_pre_s : float          pre-synaptic pulse width, s
    period_pre_s : float     pre-synaptic pulse period, s
    n_pre : int              number of pre-synaptic pulses
    rise_s : float           pulse edge time, s
    x0 : dict                initial device states (missing ones: the model's init)
    """

    c_m_f: float = 1e-6
    r_leak_ohm: float = 25e3
    v_th_v: float = 0.02
    v_low_v: float = 2e-3
    w_v: float = 5e-4
    tau_latch_s: float = 1e-6
    g_dis_siemens: float = 0.05
    v_pre_v: float = 0.15
    t_pre_s: float = 200e-6
    period_pre_s: float = 0.5e-3
    n_pre: int = 5
    rise_s: float = 1e-6
    x0: dict = field(default_factory=lambda: {"x": 0.78, "c": 1.0, "d": 0.0})

    def with_(self, **kw) -> "LIFParams":
        return replace(self, **kw)


@dataclass
class LIFResult:
    t_s: np.ndarray
    v_in_v: np.ndarray
    v_m_v: np.ndarray
    r: np.ndarray
    x: np.ndarray               # (n_states, n_t)
    i_syn_a: np.ndarray
    spikes_s: np.ndarray
    state_names: list


def input_waveform(lp: LIFParams):
    """Breakpoints ``(t_s, v_v)`` of the pre-synaptic pulse train (PWL)."""
    ts, vs = [0.0], [0.0]
    for k in range(lp.n_pre):
        t0 = k * lp.period_pre_s
        if t0 > ts[-1]:
            ts.append(t0)
            vs.append(0.0)
        ts += [t0 + lp.rise_s, t0 + lp.rise_s + lp.t_pre_s, t0 + 2 * lp.rise_s + lp.t_pre_s]
        vs += [lp.v_pre_v, lp.v_pre_v, 0.0]
    ts.append(lp.n_pre * lp.period_pre_s)
    vs.append(0.0)
    return np.array(ts), np.array(vs)


def _x0(model, lp):
    x = model.initial_state().astype(float)
    for k, v in (lp.x0 or {}).items():
        if k in model.state_names:
            x[model.state_names.index(k)] = float(v)
    return x


def _scalar_functions(model):
    """Scalar callables ``(v, *x, *p) -> [i, *rates]`` and the evaluate() Jacobians,
    lambdified from the model's sympy expressions (cached on the model)."""
    fn = getattr(model, "_memli_neuro_scalar", None)
    if fn is None:
        import sympy as sp
        from ..models import smooth
        args = [model.v, *[s.symbol for s in model.states],
                *[p.symbol for p in model.params.values()]]
        fn = sp.lambdify(args, [model.current, *model.rates],
                         modules=[smooth.NUMPY_IMPL, "numpy"], cse=True)
        model._memli_neuro_scalar = fn
    return fn


def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def simulate_lif(card, lp: LIFParams | None = None, rtol: float = 1e-8,
                 max_step_s: float | None = None) -> LIFResult:
    """memli's time-domain simulation of the synapse + LIF circuit.

    Radau (implicit, order 5, scipy) on ``[device states, V(m), r]`` with the analytic
    Jacobian from ``model.numeric.evaluate``; integrated piecewise between the
    input's breakpoints; spikes located by event detection.

    Parameters
    ----------
    card : Card or str
    lp : LIFParams
    rtol : float
        Relative tolerance of the integrator.
    max_step_s : float, optional
        Largest step, s (default: unlimited; the integration restarts at every
        breakpoint of the input).

    Returns
    -------
    LIFResult
    """
    from scipy.integrate import solve_ivp
    lp = lp or LIFParams()
    card = as_card(card)
    model = card.model
    num = model.numeric
    p = card.vector
    fsc = _scalar_functions(model)
    ns = model.n_states
    tb, vb = input_waveform(lp)
    vmid, hyst = 0.5 * (lp.v_th_v + lp.v_low_v), lp.v_th_v - lp.v_low_v
    max_step_s = max_step_s or np.inf

    def vin_seg(k):
        t0, t1, v0, v1 = tb[k], tb[k + 1], vb[k], vb[k + 1]
        slope = (v1 - v0) / (t1 - t0)
        return (lambda t: v0 + slope * (t - t0)), slope

    def make(vfun):
        def rhs(t, y):
            vm, r = y[ns], y[ns + 1]
            out = fsc(vm - vfun(t), *y[:ns], *p)
            s = _logistic((vm - vmid + hyst * (r - 0.5)) / lp.w_v)
            dvm = (-out[0] - vm / lp.r_leak_ohm - lp.g_dis_siemens * r * vm) / lp.c_m_f
            dr = (s - r) / lp.tau_latch_s
            return np.array([*out[1:], dvm, dr], dtype=float)

        def jac(t, y):
            x, vm, r = y[:ns], y[ns], y[ns + 1]
            ev = num.evaluate(vm - vfun(t), x, p)
            s = _logistic((vm - vmid + hyst * (r - 0.5)) / lp.w_v)
            ds = s * (1 - s) / lp.w_v
            J = np.zeros((ns + 2, ns + 2))
            J[:ns, :ns] = ev.df_dx
            J[:ns, ns] = ev.df_dv
            J[ns, :ns] = -ev.di_dx / lp.c_m_f
            J[ns, ns] = (-ev.di_dv - 1 / lp.r_leak_ohm - lp.g_dis_siemens * r) / lp.c_m_f
            J[ns, ns + 1] = -lp.g_dis_siemens * vm / lp.c_m_f
            J[ns + 1, ns] = ds / lp.tau_latch_s
            J[ns + 1, ns + 1] = (ds * hyst - 1) / lp.tau_latch_s
            return J
        return rhs, jac

    def crossing(t, y):
        return y[ns + 1] - 0.5
    crossing.direction = 1.0

    y = np.concatenate([_x0(model, lp), [0.0, 0.0]])
    atol = np.concatenate([np.full(ns, 1e-10), [1e-10, 1e-9]])
    ts, ys, spikes = [np.array([0.0])], [y[:, None]], []
    for k in range(tb.size - 1):
        if tb[k + 1] <= tb[k]:
            continue
        vfun, _ = vin_seg(k)
        rhs, jac = make(vfun)
        sol = solve_ivp(rhs, (tb[k], tb[k + 1]), y, method="Radau", jac=jac, rtol=rtol,
                        atol=atol, max_step=max_step_s, events=crossing)
        if sol.status < 0:
            raise ConvergenceError(f"simulate_lif {card.name}: {sol.message} in "
                                   f"[{tb[k]:.6g}, {tb[k + 1]:.6g}] s")
        spikes += list(sol.t_events[0])
        ts.append(sol.t[1:])
        ys.append(sol.y[:, 1:])
        y = sol.y[:, -1]
    t = np.concatenate(ts)
    Y = np.concatenate(ys, axis=1)
    vin = np.interp(t, tb, vb)
    i_syn = -num.current(Y[ns] - vin, Y[:ns], p)
    return LIFResult(t, vin, Y[ns], Y[ns + 1], Y[:ns], i_syn, np.array(spikes),
                     list(model.state_names))


def lif_netlist(card, lp: LIFParams | None = None, max_step_s: float | None = None) -> str:
    """The same circuit as an ngspice deck (exported memristor subcircuit).

    Parameters
    ----------
    card : Card or str
    lp : LIFParams
    max_step_s : float, optional
        ``.tran`` maximum step, s (default: a fiftieth of the pulse width).

    Returns
    -------
    str
        Complete deck (title to ``.end``).
    """
    from ..codegen.spice import instance_line, subckt_text
    from ..simulators.ngspice import pwl_source, transient_deck
    lp = lp or LIFParams()
    card = as_card(card)
    model = card.model
    x0 = _x0(model, lp)
    tb, vb = input_waveform(lp)
    inits = {f"{s}_init": float(v) for s, v in zip(model.state_names, x0)}
    body = ["* memristive synapse + leaky integrate-and-fire neuron (memli.neuro.lif)",
            f"* card {comment(card.name)}; pre-synaptic pulses {lp.v_pre_v:g} V x {lp.t_pre_s:g} s "
            f"every {lp.period_pre_s:g} s",
            f".param c_m_f={lp.c_m_f!r} r_leak_ohm={lp.r_leak_ohm!r} v_th_v={lp.v_th_v!r}",
            f".param v_low_v={lp.v_low_v!r} w_v={lp.w_v!r} tau_latch_s={lp.tau_latch_s!r}"
            f" g_dis_siemens={lp.g_dis_siemens!r}",
            ".param v_mid_v={(v_th_v+v_low_v)/2} h_v={v_th_v-v_low_v}",
            ".func neuron_logistic(z) {0.5*(1+tanh(0.5*z))}"]
    body += subckt_text(card).rstrip("\n").splitlines()
    body += pwl_source("in", "in", "0", tb, vb)
    body.append(instance_line("syn", "m", "in", card, **inits))
    body += ["Cm m 0 {c_m_f}",
             "Rleak m 0 {r_leak_ohm}",
             "* reset: discharge through g_dis while the latch r is on",
             "Bdis m 0 I = g_dis_siemens*V(r)*V(m)",
             "* Schmitt latch r (node potential = r): dr/dt = (s - r) / tau_latch",
             "Br 0 r I = (neuron_logistic((V(m)-v_mid_v+h_v*(V(r)-0.5))/w_v)-V(r))"
             "/tau_latch_s",
             "Cr r 0 1",
             "Rr r 0 1e12"]
    tstop = float(tb[-1])
    step = max_step_s or lp.t_pre_s / 50
    return transient_deck(f"memli LIF synapse, card {card.name}", body, tstop, step,
                          saves=["v(m)", "v(r)", "v(in)", "v(xsyn.xs_x)"])


def spike_times(t_s, v_m_v, v_th_v: float) -> np.ndarray:
    """Upward crossings of ``v_th_v`` by ``v_m_v``, linearly interpolated, s."""
    t = np.asarray(t_s)
    v = np.asarray(v_m_v) - v_th_v
    k = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
    return t[k] - v[k] * (t[k + 1] - t[k]) / (v[k + 1] - v[k])


def run_lif_ngspice(card, lp: LIFParams | None = None, max_step_s: float | None = None,
                    deck: str | None = None):
    """Run :func:`lif_netlist` in ngspice (PySpice shared library).

    Returns
    -------
    dict
        ``t_s``, ``v_m_v``, ``r``, ``v_in_v``, ``x`` and ``spikes_s``.
    """
    from ..simulators.ngspice import run_transient
    lp = lp or LIFParams()
    deck = deck or lif_netlist(card, lp, max_step_s)
    out = run_transient(deck)
    t = out["time"]
    vm = out["v(m)"] if "v(m)" in out else out["m"]
    get = (lambda a, b: out[a] if a in out else out.get(b))
    return {"t_s": t, "v_m_v": vm, "r": get("v(r)", "r"), "v_in_v": get("v(in)", "in"),
            "x": get("v(xsyn.xs_x)", "xsyn.xs_x"),
            "spikes_s": spike_times(t, get("v(r)", "r"), 0.5)}


def compare_spikes(a_s, b_s) -> dict:
    """Spike-time agreement: count match and the largest difference / mean ISI."""
    a, b = np.asarray(a_s), np.asarray(b_s)
    n = min(a.size, b.size)
    isi = float(np.mean(np.diff(a))) if a.size > 1 else float("nan")
    dmax = float(np.max(np.abs(a[:n] - b[:n]))) if n else float("nan")
    return {"n_memli": int(a.size), "n_ngspice": int(b.size), "mean_isi_s": isi,
            "max_dt_s": dmax, "max_dt_over_isi": dmax / isi if n else float("nan")}
