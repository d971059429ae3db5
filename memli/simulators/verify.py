"""Cross-check the exported models in real simulators against memli's own simulator.

The same PWL waveform runs through (a) :func:`memli.sim.simulate`, (b) ngspice with the
subcircuit of :func:`memli.codegen.spice.subckt_text` and (c) VACASK with the module of
:func:`memli.codegen.verilog_a.module_text` compiled by OpenVAF.  Each simulator is
compared with (a) by :func:`compare`:

``max_rel_err_lrs``
    max |I_sim - I_ref| / |I_ref| over settled LRS samples with |I_ref| > 1 pA;
``max_abs_log10_err_hrs``
    max |log10 |I_sim| - log10 |I_ref|| over settled HRS samples with |I_ref| > 1 pA;
``dv_set``, ``dv_reset``
    max over cycles of |V_sim - V_ref| of the SET / RESET voltage, V;
``converged``
    the simulator finished the waveform.

Definitions: the conductance is g = I/V at samples with |V| >= 1 mV; LRS samples have
g >= g_mid, HRS samples g < g_mid, with g_mid the geometric mean of the reference
run's extreme conductances.  "Settled" excludes samples where the reference
conductance changes by more than 0.05 decade from a neighbouring sample (and their
neighbours): there a switching event is under way and the SET/RESET voltages measure
the agreement instead.  SET (RESET) voltage: in each cycle, the source voltage at which
log g first crosses log g_mid upwards (downwards), interpolated linearly, on each
simulator's own time points.  Runs whose on/off ratio is below 10 have no SET/RESET
(``None``) and all samples count as LRS.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError
from . import ngspice, vacask

__all__ = ["TOLERANCES", "default_waveform", "compare", "verify", "Trace", "VerifyReport",
           "run_memli", "run_ngspice", "run_vacask", "random_draws", "batch_converge",
           "draw_waveform", "osdi_for", "read_checks", "bound_cases"]

#: acceptance limits (issue 6): LRS 1 %, HRS 0.02 decade above 1 pA, SET/RESET 10 mV
TOLERANCES = {"max_rel_err_lrs": 0.01, "max_abs_log10_err_hrs": 0.02, "dv_set": 0.010,
              "dv_reset": 0.010}
I_FLOOR_A = 1e-12
V_FLOOR_V = 1e-3
SETTLED_DECADES = 0.05
MIN_ON_OFF = 10.0


def default_waveform(model):
    """The verification stimulus of a model: the one its file declares
    (``stimulus=`` of :meth:`memli.models.base.ModelBuilder.build`, e.g. li_filament's
    -0.25..+0.25 V triangle, 3 cycles at 1 V/s), else a +-1 V sine at 1 Hz, 3 cycles."""
    from ..models.base import get_model
    from ..sim import Waveform
    m = get_model(model) if isinstance(model, str) else model
    spec = getattr(m, "stimulus", None)
    if spec is not None:
        kind, args = spec
        return getattr(Waveform, kind)(*args)
    return Waveform.sine(1.0, 1.0, 3, points_per_cycle=400)


@dataclass
class Trace:
    """One simulator's run: time, source voltage and device current, all on its own grid."""

    name: str
    t: np.ndarray = None
    v: np.ndarray = None
    i: np.ndarray = None
    converged: bool = True
    error: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class VerifyReport:
    card: object
    waveform: object
    ref: Trace
    traces: dict
    metrics: dict
    passed: bool
    tolerances: dict

    def summary(self) -> dict:
        """The JSON summary of ``memli verify --json``."""
        out = {k: dict(v) for k, v in self.metrics.items()}
        out.update(getattr(self, "extra", {}))
        out["passed"] = bool(self.passed)
        return out


# ---------------------------------------------------------------- simulator runs
def _card(obj):
    from ..cards import Card, default_card, load_card
    from ..models.base import Model
    if isinstance(obj, Card):
        return obj
    if isinstance(obj, Model):
        return default_card(obj)
    return load_card(obj)


def _max_step(wf) -> float:
    return float(np.min(np.diff(wf.t_s)))


def run_memli(card, wf, rtol: float = 1e-6) -> Trace:
    """memli's device simulator (tight rtol: it is the reference)."""
    from ..sim import simulate
    res = simulate(card, wf, rtol=rtol)
    return Trace("memli", np.asarray(res.t), np.asarray(res.v_source), np.asarray(res.i),
                 extra={"x": np.asarray(res.x), "cycle": np.asarray(wf.cycle)})


_SUBCKT_CACHE: dict = {}


def _subckt_cached(card) -> str:
    from ..codegen.spice import subckt_text
    key = (id(card.model), card.model.name, card.hash())
    if key not in _SUBCKT_CACHE:
        _SUBCKT_CACHE[key] = subckt_text(card)
    return _SUBCKT_CACHE[key]


def _spice_rows(card, params_list, wf):
    from ..codegen.spice import instance_line
    from .ngspice import pwl_source
    body = _subckt_cached(card).splitlines()
    body += pwl_source("src", "a", "0", wf.t_s, wf.v_v)
    for k, pv in enumerate(params_list):
        body.append(f"Vm{k} a n{k} 0")
        body.append(instance_line(f"d{k}", f"n{k}", "0", card, **pv))
    return body


def read_voltage(model) -> float:
    """Read bias of a model's .op/.dc check, V: the model's declared read voltage or 0.05."""
    v = getattr(model, "read_voltage_v", None)
    return float(v) if v else 0.05


def run_ngspice(card, wf, params_list=None, options=None, max_step_s=None) -> list[Trace]:
    """Run ``len(params_list)`` instances (per-instance parameter dicts) in one deck."""
    from . import ngspice
    params_list = params_list if params_list is not None else [{}]
    deck = ngspice.transient_deck(f"memli verify {card.name}", _spice_rows(card, params_list, wf),
                                  float(wf.t_s[-1]), max_step_s or _max_step(wf), options)
    try:
        r = ngspice.run_transient(deck)
    except ConvergenceError as e:
        return [Trace("ngspice", converged=False, error=str(e)) for _ in params_list]
    return [Trace("ngspice", r["time"], r["a"], r[f"vm{k}#branch"],
                  extra={s: r.get(f"xd{k}.xs_{s}") for s in card.model.state_names})
            for k in range(len(params_list))]


_OSDI_CACHE: dict = {}


def osdi_for(model):
    """Compiled module (OSDI path) of a model: one compile per model and module text
    (the card enters through the model line, as runtime values); OpenVAF's output is
    also cached on disk (:func:`memli.simulators.openvaf.compile_va`)."""
    from ..cards import default_card
    from ..codegen.verilog_a import module_text
    from .openvaf import compile_va
    key = (id(model), model.name)
    if key not in _OSDI_CACHE or not _OSDI_CACHE[key].exists():
        _OSDI_CACHE[key] = compile_va(module_text(default_card(model)), f"memli_{model.name}")
    return _OSDI_CACHE[key]


def run_vacask(card, wf, params_list=None, options=None, max_step_s=None) -> list[Trace]:
    """Run instances in one VACASK netlist; model parameters on one model line each."""
    from ..codegen._export import num
    from ..codegen.verilog_a import model_line
    from . import vacask
    params_list = params_list if params_list is not None else [{}]
    m = card.model
    osdi = osdi_for(m)
    body = vacask.pwl_source("vsrc", "a", "0", wf.t_s, wf.v_v)
    for k, pv in enumerate(params_list):
        c = card.with_values(**{kk: vv for kk, vv in pv.items() if kk in m.params})
        body.append(model_line(c, f"mod{k}"))
        inst = {kk: c.values[kk] for kk, p in m.params.items() if p.instance}
        inst.update({kk: vv for kk, vv in pv.items() if kk not in m.params})
        kv = " ".join(f"{kk}={num(vv)}" for kk, vv in inst.items())
        body.append(f"vm{k} (a n{k}) vsource dc=0")
        body.append(f"d{k} (n{k} 0) mod{k} {kv}".rstrip())
    net = vacask.netlist(f"memli verify {card.name}", [osdi], body, float(wf.t_s[-1]),
                         max_step_s or _max_step(wf), options)
    try:
        r = vacask.run(net, {osdi.name: osdi})["tran1"]
    except ConvergenceError as e:
        return [Trace("vacask", converged=False, error=str(e)) for _ in params_list]
    return [Trace("vacask", r["time"], r["a"], r[f"vm{k}:flow(br)"],
                  extra={s: r.get(f"d{k}:xs_{s}") for s in m.state_names})
            for k in range(len(params_list))]


# ---------------------------------------------------------------- metrics
def _log_g(v, i):
    v = np.asarray(v, float)
    i = np.asarray(i, float)
    ok = np.abs(v) >= V_FLOOR_V
    g = np.full(v.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        # currents below the 1 pA comparison floor count as 1 pA
        g[ok] = np.log10(np.maximum(np.abs(i[ok]), I_FLOOR_A) / np.abs(v[ok]))
    return g


def _cycles_of(t, ref_t, ref_cycle):
    idx = np.clip(np.searchsorted(ref_t, t, side="right") - 1, 0, len(ref_t) - 1)
    return np.asarray(ref_cycle)[idx]


def _crossings(t, v, i, cycle, mids, n_cycles):
    """Per cycle c: source voltage at the first upward / downward crossing of mids[c]."""
    lg = _log_g(v, i)
    up = [None] * n_cycles
    down = [None] * n_cycles
    idx = np.nonzero(np.isfinite(lg))[0]
    for a, b in zip(idx[:-1], idx[1:]):
        if b != a + 1 and abs(v[b] - v[a]) > 4 * V_FLOOR_V:
            continue
        c = max(int(cycle[b]), 0)
        if c >= n_cycles or mids[c] is None:
            continue
        la, lb = lg[a] - mids[c], lg[b] - mids[c]
        if la < 0 <= lb or la >= 0 > lb:
            w = la / (la - lb) if la != lb else 0.0
            vc = float(v[a] + w * (v[b] - v[a]))
            store = up if lb >= 0 else down
            if store[c] is None:
                store[c] = vc
    return up, down


def _dv(ref, sim):
    diffs = []
    for a, b in zip(ref, sim):
        if a is None and b is None:
            continue
        if a is None or b is None:
            return math.inf
        diffs.append(abs(a - b))
    return max(diffs) if diffs else None


def compare(ref: Trace, sim: Trace, cycle=None) -> dict:
    """Metrics of ``sim`` against the reference ``ref`` (see the module docstring)."""
    out = {"max_rel_err_lrs": None, "max_abs_log10_err_hrs": None, "dv_set": None,
           "dv_reset": None, "converged": bool(sim.converged)}
    if not sim.converged:
        return out
    cycle = np.zeros(len(ref.t), int) if cycle is None else np.asarray(cycle)
    i_s = np.interp(ref.t, sim.t, sim.i)
    lg = _log_g(ref.v, ref.i)
    fin = np.isfinite(lg)
    if not fin.any():
        return out
    n_c = int(max(cycle.max(), 0)) + 1
    # per cycle: mid-conductance (log) and whether the cycle switches
    lg_mid = np.full(len(lg), np.nan)
    sw = np.zeros(len(lg), bool)
    mids = [None] * n_c
    for c in range(n_c):
        sel = (np.maximum(cycle, 0) == c) & fin
        if not sel.any():
            continue
        lo, hi = np.min(lg[sel]), np.max(lg[sel])
        mids[c] = 0.5 * (lo + hi)
        lg_mid[np.maximum(cycle, 0) == c] = mids[c]
        sw[np.maximum(cycle, 0) == c] = hi - lo >= math.log10(MIN_ON_OFF)
    # settled samples: no switching event between neighbours
    jump = np.zeros(len(lg), bool)
    d = np.abs(np.diff(lg))
    big = np.where(np.isfinite(d), d > SETTLED_DECADES, False)
    jump[:-1] |= big
    jump[1:] |= big
    wide = jump.copy()
    wide[1:] |= jump[:-1]
    wide[:-1] |= jump[1:]
    settled = fin & ~wide
    with np.errstate(invalid="ignore"):
        lrs = settled & (~sw | (lg >= lg_mid)) & (np.abs(ref.i) > I_FLOOR_A)
        hrs = settled & sw & (lg < lg_mid) & (np.abs(ref.i) > I_FLOOR_A)
    if lrs.any():
        out["max_rel_err_lrs"] = float(np.max(np.abs(i_s[lrs] - ref.i[lrs])
                                              / np.abs(ref.i[lrs])))
    if hrs.any():
        with np.errstate(divide="ignore"):
            err = np.abs(np.log10(np.abs(i_s[hrs])) - np.log10(np.abs(ref.i[hrs])))
        err[~np.isfinite(err)] = np.inf
        out["max_abs_log10_err_hrs"] = float(np.max(err))
    if sw.any():
        ru, rd = _crossings(ref.t, ref.v, ref.i, cycle, mids, n_c)
        su, sd = _crossings(sim.t, sim.v, sim.i, _cycles_of(sim.t, ref.t, cycle), mids, n_c)
        out["dv_set"] = _dv(ru, su)
        out["dv_reset"] = _dv(rd, sd)
    return out


def _passes(metrics: dict, tol: dict) -> bool:
    if not metrics.get("converged"):
        return False
    for k, lim in tol.items():
        val = metrics.get(k)
        if val is not None and not val <= lim:
            return False
    return True


def verify(card_or_model, waveform=None, tolerances=None, simulators=("ngspice", "vacask"),
           plot=None) -> VerifyReport:
    """Run the three simulations of one card and compare them.

    Parameters
    ----------
    card_or_model : Card, Model or str
        A card (or bundled card name/path), or a bare Model (its default card).
    waveform : memli.sim.Waveform, optional
        Default :func:`default_waveform`.
    tolerances : dict, optional
        Overrides of :data:`TOLERANCES`.
    plot : path, optional
        Write an overlay plot (I-V, log |I| and current vs time) there.

    Returns
    -------
    VerifyReport
        ``report.summary()`` is the JSON of ``memli verify --json``.
    """
    card = _card(card_or_model)
    wf = waveform if waveform is not None else default_waveform(card.model)
    tol = {**TOLERANCES, **(tolerances or {})}
    ref = run_memli(card, wf)
    traces, metrics = {}, {}
    runners = {"ngspice": run_ngspice, "vacask": run_vacask}
    for name in simulators:
        tr = runners[name](card, wf)[0]
        traces[name] = tr
        metrics[name] = compare(ref, tr, wf.cycle)
    passed = all(_passes(metrics[n], tol) for n in simulators)
    # .tran at two coarser maximum steps (4h, 2h, and h above): convergence in the step
    h = _max_step(wf)
    steps = {}
    for name in simulators:
        rows = []
        for f in (4.0, 2.0):
            tr = runners[name](card, wf, options=None, max_step_s=f * h)[0]
            rows.append({"max_step_s": f * h, **compare(ref, tr, wf.cycle)})
        rows.append({"max_step_s": h, **metrics[name]})
        steps[name] = rows
    reads = read_checks(card, read_voltage(card.model), cases=[{}], simulators=simulators)
    extra = {"tran_steps": steps}
    for kind in ("op", "dc"):
        extra[kind] = {"v_read_v": read_voltage(card.model), "i_memli_a": reads["memli"][0]}
        for name in simulators:
            r = reads[name]
            i = r[kind][0] if r["converged"] else None
            err = (abs(i - reads["memli"][0]) / max(abs(i), abs(reads["memli"][0]), 1e-300)
                   if i is not None else None)
            extra[kind][name] = {"i_a": i, "rel_err": err, "converged": r["converged"]}
            if err is None or err > tol["max_rel_err_lrs"]:
                passed = False
    rep = VerifyReport(card, wf, ref, traces, metrics, passed, tol)
    rep.extra = extra
    if plot:
        plot_overlay(rep, plot)
    return rep


def plot_overlay(rep: VerifyReport, path) -> None:
    """Overlay of the three runs: I-V (linear), |I|-V (log) and I(t)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(13, 4))
    styles = {"memli": dict(color="k", lw=2.5, alpha=0.5), "ngspice": dict(color="C0", lw=1),
              "vacask": dict(color="C3", lw=1, ls="--")}
    for name, tr in [("memli", rep.ref)] + list(rep.traces.items()):
        if tr.t is None:
            continue
        st = styles.get(name, {})
        ax[0].plot(tr.v, tr.i, label=name, **st)
        ax[1].semilogy(tr.v, np.abs(tr.i) + 1e-18, **st)
        ax[2].plot(tr.t, tr.i, **st)
    ax[0].set(xlabel="V (V)", ylabel="I (A)", title=f"{rep.card.name}: I-V")
    ax[1].set(xlabel="V (V)", ylabel="|I| (A)", title="log |I|")
    ax[2].set(xlabel="t (s)", ylabel="I (A)", title="current vs time")
    ax[0].legend()
    fig.suptitle("memli verify: " + ("passed" if rep.passed else "FAILED"))
    fig.tight_layout()
    from ..plotting import save_figure
    save_figure(fig, path)


# ---------------------------------------------------------------- random draws
def random_draws(model, n: int, seed: int = 0) -> list[dict]:
    """``n`` parameter sets drawn uniformly within the declared bounds (log-uniform for
    ``Param.log``), every parameter including instance ones."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d = {}
        for k, p in model.params.items():
            lo, hi = p.bounds
            if p.log and lo > 0:
                d[k] = float(np.exp(rng.uniform(math.log(lo), math.log(hi))))
            else:
                d[k] = float(rng.uniform(lo, hi))
        out.append(d)
    return out


def draw_waveform(model):
    """The stimulus of the random-draw convergence checks: one cycle of the model's
    verification stimulus at a quarter of its resolution (convergence, not accuracy,
    is checked; the switching events are the same)."""
    from ..sim import Waveform
    wf = default_waveform(model)
    if wf.kind == "triangle":
        i = wf.info
        return Waveform.triangle(i["vmin_v"], i["vmax_v"], 1, i["rate_v_per_s"], 4 * i["dv_v"])
    if wf.kind == "sine":
        i = wf.info
        return Waveform.sine(i["amplitude_v"], i["freq_hz"], 1, points_per_cycle=100)
    return wf


def batch_converge(model, draws, waveform=None, simulator="vacask", batch=None) -> list[bool]:
    """Whether each draw's sweep converges.

    VACASK runs all draws in one netlist (one model line per draw); ngspice runs one
    deck per draw by default (its cost grows faster than linearly with the number of
    independently switching devices in one deck).  A failing batch is split in halves
    until each failing draw is isolated.
    """
    from ..cards import default_card
    card = default_card(model)
    wf = waveform if waveform is not None else draw_waveform(model)
    run = {"ngspice": run_ngspice, "vacask": run_vacask}[simulator]
    if batch is None:
        batch = 1 if simulator == "ngspice" else len(draws)

    def go(idx):
        if not idx:
            return {}
        trs = run(card, wf, [draws[k] for k in idx])
        if all(t.converged for t in trs):
            return {k: bool(np.all(np.isfinite(t.i))) for k, t in zip(idx, trs)}
        if len(idx) == 1:
            return {idx[0]: False}
        h = len(idx) // 2
        return {**go(idx[:h]), **go(idx[h:])}

    res = {}
    idx = list(range(len(draws)))
    for j in range(0, len(idx), max(1, batch)):
        res.update(go(idx[j:j + max(1, batch)]))
    return [res[k] for k in range(len(draws))]


# ---------------------------------------------------------------- DC / OP / TRAN at a read
def bound_cases(model) -> list[dict]:
    """Initial-state sets with one state at one of its bounds (the others at their
    initial values): ``[{"x_init": 0.0}, {"x_init": 1.0}, ...]``."""
    out = []
    for s in model.states:
        for b in s.bounds:
            out.append({f"{s.name}_init": float(b)})
    return out or [{}]


def read_checks(card, v_read_v: float = 0.05, cases=None, t_read_s: float = 1e-6,
                simulators=("ngspice", "vacask")) -> dict:
    """Current at a read bias in ``.op``, a ``.dc`` sweep ending at the bias, and
    ``.tran`` (held bias, value at ``t_read_s``), for each initial-state set.

    Returns ``{simulator: {"op": [A...], "dc": [A...], "tran": [A...],
    "max_rel_diff": float, "converged": bool}}`` plus ``"memli"`` (the model's own
    current at the bias and the initial states).  ``max_rel_diff``: largest
    |I_a - I_b| / max(|I_a|, |I_b|) over the three analyses and memli, all cases.
    """
    card = _card(card)
    m = card.model
    cases = cases if cases is not None else bound_cases(m)
    v = float(v_read_v)
    x0 = {s.name: s.init for s in m.states}
    ref = []
    for cs in cases:
        st = np.array([[cs.get(f"{s.name}_init", x0[s.name])] for s in m.states])
        ref.append(float(m.numeric.evaluate(np.array([v]), st if m.states else
                                            np.zeros((0, 1)), card.vector).i[0]))
    out = {"memli": ref}
    for name in simulators:
        try:
            res = (_read_ngspice if name == "ngspice" else _read_vacask)(card, v, cases,
                                                                        t_read_s)
            res["converged"] = True
        except ConvergenceError as e:
            res = {"op": None, "dc": None, "tran": None, "converged": False,
                   "error": str(e)[:300]}
        if res["converged"]:
            worst = 0.0
            for k in range(len(cases)):
                vals = [ref[k], res["op"][k], res["dc"][k], res["tran"][k]]
                scale = max(abs(x) for x in vals)
                if scale > 0:
                    worst = max(worst, (max(vals) - min(vals)) / scale)
            res["max_rel_diff"] = worst
        else:
            res["max_rel_diff"] = None
        out[name] = res
    return out


def _read_ngspice(card, v, cases, t_read_s):
    from ..codegen.spice import instance_line
    from ..safetext import comment
    body = [f"* memli read {comment(card.name, 60)}"] + _subckt_cached(card).splitlines()
    body.append(f"va a 0 dc {v!r}")
    for k, pv in enumerate(cases):
        body.append(f"vm{k} a n{k} 0")
        body.append(instance_line(f"d{k}", f"n{k}", "0", card, **pv))
    opts = " ".join(f"{k}={val}" for k, val in ngspice.DEFAULT_OPTIONS.items())
    body += [f".options {opts}", ".end"]
    deck = "\n".join(body) + "\n"
    lo = -v if v > 0 else v
    step = abs(v) / 5
    op, dc, tr = ngspice.run_commands(deck, [
        "op", f"dc va {lo!r} {v!r} {step!r}", f"tran {t_read_s / 100!r} {t_read_s!r} 0 "
        f"{t_read_s / 20!r}"])
    n = len(cases)
    return {"op": [float(op[f"vm{k}#branch"][0]) for k in range(n)],
            "dc": [float(dc[f"vm{k}#branch"][-1]) for k in range(n)],
            "tran": [float(tr[f"vm{k}#branch"][-1]) for k in range(n)]}


def _read_vacask(card, v, cases, t_read_s):
    from ..codegen._export import num
    from ..codegen.verilog_a import model_line
    m = card.model
    osdi = osdi_for(m)
    from ..safetext import comment
    body = [f"memli read {comment(card.name, 60)}", f'load "{osdi.name}"', "model vsource vsource",
            model_line(card, "dev"), f"va (a 0) vsource dc={v!r}"]
    inst = {k: card.values[k] for k, p in m.params.items() if p.instance}
    for k, pv in enumerate(cases):
        kv = " ".join(f"{kk}={num(vv)}" for kk, vv in {**inst, **pv}.items())
        body.append(f"vm{k} (a n{k}) vsource dc=0")
        body.append(f"d{k} (n{k} 0) dev {kv}".rstrip())
    lo = -v if v > 0 else v
    opts = " ".join(f"{k}={val}" for k, val in vacask.DEFAULT_OPTIONS.items())
    body += ["control", f"  options {opts}", "  analysis op1 op",
             f'  sweep s1 instance="va" parameter="dc" from={lo!r} to={v!r} mode="lin" '
             "points=11",
             "    analysis dc1 op",
             f"  analysis tran1 tran step={t_read_s / 100!r} stop={t_read_s!r} "
             f"maxstep={t_read_s / 20!r}", "endc"]
    r = vacask.run("\n".join(body) + "\n", {osdi.name: osdi}, analyses=("op1", "dc1", "tran1"))
    n = len(cases)
    # flow(br) of the 0 V meter source a -> n_k is the device current
    return {"op": [float(r["op1"][f"vm{k}:flow(br)"][0]) for k in range(n)],
            "dc": [float(r["dc1"][f"vm{k}:flow(br)"][-1]) for k in range(n)],
            "tran": [float(r["tran1"][f"vm{k}:flow(br)"][-1]) for k in range(n)]}
