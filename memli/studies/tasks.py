"""Registry of study computations.

A task is a function ``f(inputs: dict, seed: int) -> dict`` of plain scalars: the
inputs are one row of the study (grid, random and fixed values, SI units), ``seed``
the row's own seed, and the returned dict the row's outputs.  A task declares the
names of its outputs so that a failed row still has every column (NaN) beside its
error message.  Tasks run on Dask workers, so they import what they need inside.

Registered tasks (``memli study tasks`` lists them with their inputs):

``device_sweep``
    :func:`memli.sim.simulate` of a card under triangular sweeps + per-cycle metrics.
``endurance``
    :func:`memli.sim.endurance.endurance` (cycle skipping): cycles to failure.
``crossbar_read``
    Read (vector-matrix multiply) of a crossbar with line resistance and
    device-to-device variability (:mod:`memli.circuits`): error vs the ideal ``G^T V``.
``fit_generated``
    Generate a dataset from a card (:mod:`memli.data.synth`), fit it back
    (:func:`memli.fit.fit`): parameter recovery and goodness of fit.
``neuro_train``
    In-situ training of a crossbar network (:mod:`memli.neuro`): accuracy.

Any importable ``"module:function"`` with the same signature is a task too (it must
be importable on the workers); its outputs are whatever it returns.
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Callable

import numpy as np

from ..errors import MemliError


@dataclass(frozen=True)
class Task:
    """A registered study computation.

    Attributes
    ----------
    name : str
    func : callable
        ``func(inputs, seed) -> dict`` of scalars.
    outputs : tuple of str
        Output column names (``()``: whatever the function returns).
    defaults : dict
        Inputs the task uses and their defaults (SI units).
    doc : str
        One line for ``memli study tasks``.
    """

    name: str
    func: Callable
    outputs: tuple = ()
    defaults: dict = field(default_factory=dict)
    doc: str = ""
    extra_inputs: str = ""

    def __call__(self, inputs: dict, seed: int) -> dict:
        return self.func(inputs, seed)


TASKS: dict[str, Task] = {}


def register(name: str, outputs=(), defaults=None, extra_inputs: str = ""):
    """Decorator adding a function to :data:`TASKS`."""
    def deco(func):
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        TASKS[name] = Task(name, func, tuple(outputs), dict(defaults or {}), doc, extra_inputs)
        return func
    return deco


def get_task(ref: str) -> Task:
    """A registered task by name, or ``"module:function"``."""
    if ref in TASKS:
        return TASKS[ref]
    if ":" in ref:
        mod, fn = ref.split(":", 1)
        try:
            func = getattr(importlib.import_module(mod), fn)
        except (ImportError, AttributeError) as e:
            raise MemliError(f"task {ref!r}: cannot import ({e}); expected 'module:function' "
                             "importable on every worker") from None
        return Task(ref, func, tuple(getattr(func, "outputs", ())), {}, "")
    near = get_close_matches(ref, list(TASKS), n=2)
    raise MemliError(f"task {ref!r}: not registered; known: {', '.join(sorted(TASKS))}"
                     + (f" (did you mean {near[0]!r}?)" if near else "")
                     + ", or give 'module:function'")


def unknown_inputs(task: Task, names, cards=()) -> list[str]:
    """Input names a registered task would reject (checked before a study starts).

    ``cards`` are the card names the study may pass (their models' parameters are
    accepted by tasks that take card overrides).  Tasks given as ``module:function``
    declare no inputs and accept anything.
    """
    if not task.defaults:
        return []
    allowed = set(task.defaults)
    if task.extra_inputs:
        from ..cards import load_card
        for c in cards or [task.defaults.get("card", "llzo_tip")]:
            allowed |= set(load_card(c).model.params)
    return [k for k in names if k not in allowed]


def _split(inputs: dict, defaults: dict, card=None, extra_ok=(), task=""):
    """Task settings (defaults filled) and card parameter overrides; unknown keys raise."""
    settings = {k: inputs.get(k, v) for k, v in defaults.items()}
    overrides, unknown = {}, []
    for k, v in inputs.items():
        if k in defaults or k in extra_ok:
            continue
        if card is not None and k in card.model.params:
            overrides[k] = float(v)
        else:
            unknown.append(k)
    if unknown:
        allowed = sorted(defaults) + (sorted(card.model.params) if card is not None else [])
        hints = [f"{k!r}" + (f" (did you mean {m[0]!r}?)" if (m := get_close_matches(
            k, allowed, n=1)) else "") for k in unknown]
        raise MemliError(f"task {task}: unknown input(s) {', '.join(hints)}; expected task "
                         f"settings {sorted(defaults)}"
                         + (f" or parameters of model {card.model.name}" if card else ""))
    return settings, overrides


def _f(v) -> float:
    return float("nan") if v is None else float(v)


def _device(settings, overrides, seed):
    """The card with overrides, plus one device drawn from its variability if asked."""
    from ..cards import load_card
    card = load_card(settings["card"])
    if overrides:
        card = card.with_values(**overrides)
    scale = float(settings.get("variability_scale", 0.0))
    if scale > 0 and card.variability:
        vec = card.sample(1, np.random.default_rng(seed), scale=scale)[:, 0]
        card = card.with_values(**dict(zip(card.model.param_names, map(float, vec))))
    return card


# ---------------------------------------------------------------------------------------
@register("device_sweep",
          outputs=("on_off_first", "on_off_last", "r_hrs_ohm", "r_lrs_ohm", "v_set_v",
                   "v_reset_v", "switched_cycles"),
          defaults={"card": "llzo_tip", "vmin_v": -0.25, "vmax_v": 0.25, "cycles": 5,
                    "rate_v_per_s": 1.0, "dv_v": 2e-3, "read_voltage_v": 0.1,
                    "compliance_a": 0.0, "r_series_ohm": 0.0, "variability_scale": 0.0},
          extra_inputs="any parameter of the card's model (override, SI)")
def device_sweep(inputs: dict, seed: int) -> dict:
    """Triangular sweeps of one device (memli.sim.simulate); last-cycle switching metrics."""
    from ..cards import load_card
    from ..sim import Waveform, simulate
    base = load_card(inputs.get("card", "llzo_tip"))
    s, over = _split(inputs, TASKS["device_sweep"].defaults, base, task="device_sweep")
    card = _device(s, over, seed)
    wf = Waveform.triangle(float(s["vmin_v"]), float(s["vmax_v"]), int(s["cycles"]),
                           rate_v_per_s=float(s["rate_v_per_s"]), dv_v=float(s["dv_v"]))
    res = simulate(card, wf, compliance_a=float(s["compliance_a"]) or None,
                   r_series_ohm=float(s["r_series_ohm"]))
    ms = res.metrics(float(s["read_voltage_v"]))
    last = ms[-1]
    return {"on_off_first": _f(ms[0]["on_off"]), "on_off_last": _f(last["on_off"]),
            "r_hrs_ohm": _f(last["r_hrs_ohm"]), "r_lrs_ohm": _f(last["r_lrs_ohm"]),
            "v_set_v": _f(last["v_set"]), "v_reset_v": _f(last["v_reset"]),
            "switched_cycles": int(sum(m["v_set"] is not None and m["v_reset"] is not None
                                       for m in ms))}


@register("endurance",
          outputs=("cycles_to_failure", "censored", "on_off_first", "on_off_last",
                   "simulated_cycles"),
          defaults={"card": "llzo_tip", "vmin_v": -0.2, "vmax_v": 1.0, "max_cycles": 1000,
                    "fail_on_off": 10.0, "read_voltage_v": 0.1, "variability_scale": 0.0},
          extra_inputs="any parameter of the card's model (override, SI)")
def endurance_task(inputs: dict, seed: int) -> dict:
    """Cycles until on/off < fail_on_off (memli.sim.endurance, with cycle skipping)."""
    from ..cards import load_card
    from ..sim.endurance import endurance
    base = load_card(inputs.get("card", "llzo_tip"))
    s, over = _split(inputs, TASKS["endurance"].defaults, base, task="endurance")
    card = _device(s, over, seed)
    r = endurance(card, vmin_v=float(s["vmin_v"]), vmax_v=float(s["vmax_v"]),
                  max_cycles=int(s["max_cycles"]), fail_on_off=float(s["fail_on_off"]),
                  read_voltage_v=float(s["read_voltage_v"]))
    cen = r.cycles_to_failure is None
    return {"cycles_to_failure": float(r.max_cycles if cen else r.cycles_to_failure),
            "censored": bool(cen), "on_off_first": float(r.on_off[0]),
            "on_off_last": float(r.on_off[-1]), "simulated_cycles": int(r.simulated)}


# ---------------------------------------------------------------------------------------
def crossbar_read_currents(g_siemens, v_in_v, r_wl_ohm, r_bl_ohm, r_source_ohm,
                           r_sense_ohm):
    """Bit-line currents (A) of a linear crossbar read, and the solver's residual.

    Word lines driven at column 0 with ``v_in_v`` through ``r_source_ohm``; bit lines
    into a virtual ground through ``r_sense_ohm`` (:func:`memli.circuits.crossbar.dc_linear`,
    the exact structured solver of :mod:`memli.circuits`).
    """
    from ..circuits.crossbar import dc_linear
    dc = dc_linear(g_siemens, v_in_v, r_wl_ohm, r_bl_ohm, r_source_ohm, r_sense_ohm)
    return np.asarray(dc.i_out_a, float), float(dc.info.residual)


def _rms(a) -> float:
    return float(np.sqrt(np.mean(np.square(a))))


@register("crossbar_read",
          outputs=("read_error_rel_rms", "read_error_rel_max", "ir_error_rel_rms",
                   "variability_error_rel_rms", "i_out_mean_a", "solver_residual"),
          defaults={"rows": 16, "cols": 16, "r_lrs_ohm": 1e4, "r_hrs_ohm": 1e6,
                    "sigma_log": 0.1, "p_lrs": 0.5, "v_read_v": 0.2, "p_input": 0.5,
                    "r_wl_ohm": 1.0, "r_bl_ohm": 1.0, "r_source_ohm": 1.0,
                    "r_sense_ohm": 1.0})
def crossbar_read(inputs: dict, seed: int) -> dict:
    """Crossbar read (G^T V) with line resistance and lognormal device variability.

    Each cell is programmed LRS (probability ``p_lrs``) or HRS; its conductance is the
    nominal level times ``exp(sigma_log * z)``, z standard normal (device-to-device
    variability, sigma of ln G).  Each word line carries ``v_read_v`` with probability
    ``p_input``, else 0 V.  Errors are RMS over bit lines relative to the RMS ideal
    current: ``read_error`` compares the solved currents with the nominal ideal
    ``G_nom^T V``; ``ir_error`` isolates the lines (solved vs ``G^T V`` of the same
    devices); ``variability_error`` isolates the devices (``G^T V`` vs ``G_nom^T V``).
    """
    s, _ = _split(inputs, TASKS["crossbar_read"].defaults, task="crossbar_read")
    n, m = int(s["rows"]), int(s["cols"])
    if n < 1 or m < 1:
        raise MemliError(f"crossbar_read: rows = {n}, cols = {m}; expected >= 1")
    rng = np.random.default_rng(seed)
    lrs = rng.random((n, m)) < float(s["p_lrs"])
    g_nom = np.where(lrs, 1.0 / float(s["r_lrs_ohm"]), 1.0 / float(s["r_hrs_ohm"]))
    g = g_nom * np.exp(float(s["sigma_log"]) * rng.standard_normal((n, m)))
    v = np.where(rng.random(n) < float(s["p_input"]), float(s["v_read_v"]), 0.0)
    i_out, resid = crossbar_read_currents(g, v, float(s["r_wl_ohm"]), float(s["r_bl_ohm"]),
                                          float(s["r_source_ohm"]), float(s["r_sense_ohm"]))
    ideal_nom = g_nom.T @ v
    ideal_dev = g.T @ v
    scale = _rms(ideal_nom)
    if scale == 0:
        scale = float(s["v_read_v"]) / float(s["r_lrs_ohm"])
    err = (i_out - ideal_nom) / scale
    return {"read_error_rel_rms": _rms(err), "read_error_rel_max": float(np.abs(err).max()),
            "ir_error_rel_rms": _rms(i_out - ideal_dev) / scale,
            "variability_error_rel_rms": _rms(ideal_dev - ideal_nom) / scale,
            "i_out_mean_a": float(np.mean(i_out)), "solver_residual": resid}


# ---------------------------------------------------------------------------------------
@register("fit_generated",
          outputs=("median_abs_log10_error", "v_set_rmse", "v_reset_rmse",
                   "params_within_2sigma", "params_fitted", "nfev"),
          defaults={"card": "llzo_tip", "cycles": 5, "vmin_v": -0.25, "vmax_v": 1.0,
                    "noise_rel": 0.02, "floor_a": 1e-12, "variability": 0.0,
                    "max_nfev": 30},
          extra_inputs="any parameter of the card's model (generating value, SI)")
def fit_generated(inputs: dict, seed: int) -> dict:
    """Generate a dataset from a card (memli.data.synth), fit it back (memli.fit.fit)."""
    from ..cards import load_card
    from ..data.synth import generate
    from ..fit import fit
    from ..fit.core import FitData
    base = load_card(inputs.get("card", "llzo_tip"))
    s, over = _split(inputs, TASKS["fit_generated"].defaults, base, task="fit_generated")
    gen = generate(base, cycles=int(s["cycles"]), vmin_v=float(s["vmin_v"]),
                   vmax_v=float(s["vmax_v"]), noise_rel=float(s["noise_rel"]),
                   floor_a=float(s["floor_a"]), variability=float(s["variability"]),
                   seed=seed, params=over or None)
    fd = FitData.from_arrays(gen.t_s, gen.v_v, gen.i_a, gen.cycle)
    res = fit(fd, card=base, max_nfev=int(s["max_nfev"]), workers=1)
    truth = gen.card.values
    within = [abs(p.value - truth[k]) <= 2 * p.stderr for k, p in res.params.items()
              if p.vary and p.stderr is not None and math.isfinite(p.stderr)]
    met = res.metrics
    return {"median_abs_log10_error": _f(met.get("median_abs_log10_error")),
            "v_set_rmse": _f(met.get("v_set_rmse")), "v_reset_rmse": _f(met.get("v_reset_rmse")),
            "params_within_2sigma": int(sum(within)), "params_fitted": len(within),
            "nfev": int(res.nfev)}


@register("neuro_train",
          outputs=("train_accuracy", "test_accuracy", "weight_updates", "epochs_run"),
          defaults={"card": "llzo_tip", "task": "letters", "epochs": 30, "variability": 0.05,
                    "r_wire_ohm": 0.0, "n_train": 300, "batch_size": 0})
def neuro_train(inputs: dict, seed: int) -> dict:
    """In-situ Manhattan-rule training on a crossbar of the card's devices (memli.neuro)."""
    from ..neuro.network import Crossbar, train
    from ..neuro.tasks import digits_task, letters_task
    s, _ = _split(inputs, TASKS["neuro_train"].defaults, task="neuro_train")
    if s["task"] == "letters":
        task = letters_task()
    elif s["task"] == "digits":
        task = digits_task(n_train=int(s["n_train"]), seed=0)
    else:
        raise MemliError(f"neuro_train: task {s['task']!r}; expected 'letters' or 'digits'")
    xb = Crossbar(s["card"], task.n_in, task.n_out, variability=float(s["variability"]),
                  rng=seed, r_wire_ohm=float(s["r_wire_ohm"]))
    r = train(xb, task.x_train, task.y_train, task.x_test, task.y_test,
              epochs=int(s["epochs"]), rng=seed, batch_size=int(s["batch_size"]) or None)
    return {"train_accuracy": float(r.final_train_accuracy),
            "test_accuracy": float(r.final_test_accuracy),
            "weight_updates": int(r.weight_updates), "epochs_run": len(r.train_accuracy)}
