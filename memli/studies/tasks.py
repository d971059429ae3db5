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
``crossbar_write``
    Pulse-train programming of one cell of a crossbar of the card's devices with a
    v/2, v/3 or floating bias scheme (:mod:`memli.circuits.writes`): the selected
    cell's state change and the largest half-select disturb.
``neuro_train``
    In-situ training of a crossbar network (:mod:`memli.neuro`): accuracy.
``analog_tile``
    One tile of random weights on a card's devices (:mod:`memli.analog`): output error
    vs tile size, wire resistance, variability, converter bits.
``analog_digits``
    The digits MLP read out on tiles of a card's devices: accuracy vs the same axes.

A registered task also declares the allowed range of its numeric inputs and the
choices of its string inputs (:class:`Limit`); a study whose fixed values, grid values
or random-distribution bounds fall outside them fails before anything runs.

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
class Limit:
    """Allowed values of one task input.

    ``lo``/``hi`` bound numbers (inclusive; ``lo_open``: ``> lo``), ``integer``
    requires a whole number, ``choices`` lists the allowed strings instead.
    """

    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    integer: bool = False
    choices: tuple = ()

    def problem(self, v) -> str | None:
        """Why ``v`` is not allowed (``None`` when it is)."""
        if self.choices:
            return None if v in self.choices else f"expected one of {list(self.choices)}"
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return "expected a number"
        if not math.isfinite(v):
            return "expected a finite number"
        if self.integer and v != int(v):
            return "expected a whole number"
        if self.lo is not None and (v <= self.lo if self.lo_open else v < self.lo):
            return f"expected {'>' if self.lo_open else '>='} {self.lo:g}"
        if self.hi is not None and v > self.hi:
            return f"expected <= {self.hi:g}"
        return None


_COUNT = Limit(1, integer=True)          # sizes, cycles, epochs: whole numbers >= 1
_POS = Limit(0, lo_open=True)            # resistances of devices, rates, widths: > 0
_NONNEG = Limit(0)                       # wires, spreads, noise: >= 0
_FINITE = Limit()                        # voltages: any finite number
_PROB = Limit(0, 1)                      # probabilities


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
    extra_inputs : str
        What else the task accepts (card parameter overrides), for ``memli study tasks``.
    limits : dict
        Input name -> :class:`Limit`, checked before a study runs.
    """

    name: str
    func: Callable
    outputs: tuple = ()
    defaults: dict = field(default_factory=dict)
    doc: str = ""
    extra_inputs: str = ""
    limits: dict = field(default_factory=dict)

    def __call__(self, inputs: dict, seed: int) -> dict:
        return self.func(inputs, seed)


TASKS: dict[str, Task] = {}


def register(name: str, outputs=(), defaults=None, extra_inputs: str = "", limits=None):
    """Decorator adding a function to :data:`TASKS`."""
    def deco(func):
        doc = (func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else ""
        TASKS[name] = Task(name, func, tuple(outputs), dict(defaults or {}), doc, extra_inputs,
                           dict(limits or {}))
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


def invalid_values(task: Task, fixed: dict, grid: dict, random: dict) -> list[str]:
    """Problems of a study's input values against ``task.limits`` (checked before running).

    Fixed values and every grid value are checked; of a ``[random]`` entry the bounds
    that limit its draws (``low``/``high`` of uniform, loguniform and integers, the
    ``median`` of lognormal, every ``choice`` value; a normal distribution is unbounded
    and its draws are checked by the task itself).
    """
    problems = []

    def check(where, name, v):
        lim = task.limits.get(name)
        why = lim.problem(v) if lim is not None else None
        if why:
            problems.append(f"{where} = {v!r}: {why} (task {task.name})")

    for k, v in fixed.items():
        check(f"fixed.{k}", k, v)
    for k, vals in grid.items():
        for v in vals:
            check(f"grid.{k}", k, v)
    for k, d in random.items():
        keys = {"uniform": ("low", "high"), "loguniform": ("low", "high"),
                "integers": ("low", "high"), "lognormal": ("median",)}.get(d.get("dist"), ())
        for b in keys:
            if b in d:
                check(f"random.{k}.{b}", k, d[b])
        if d.get("dist") == "choice":
            for v in d.get("values") or ():
                check(f"random.{k}.values", k, v)
    return problems


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
          extra_inputs="any parameter of the card's model (override, SI)",
          limits={"vmin_v": _FINITE, "vmax_v": _FINITE, "cycles": _COUNT, "rate_v_per_s": _POS,
                  "dv_v": _POS, "read_voltage_v": _FINITE, "compliance_a": _NONNEG,
                  "r_series_ohm": _NONNEG, "variability_scale": _NONNEG})
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
          extra_inputs="any parameter of the card's model (override, SI)",
          limits={"vmin_v": _FINITE, "vmax_v": _FINITE, "max_cycles": _COUNT,
                  "fail_on_off": _POS, "read_voltage_v": _FINITE, "variability_scale": _NONNEG})
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
                    "r_sense_ohm": 1.0},
          limits={"rows": _COUNT, "cols": _COUNT, "r_lrs_ohm": _POS, "r_hrs_ohm": _POS,
                  "sigma_log": _NONNEG, "p_lrs": _PROB, "v_read_v": _FINITE, "p_input": _PROB,
                  "r_wl_ohm": _NONNEG, "r_bl_ohm": _NONNEG, "r_source_ohm": _NONNEG,
                  "r_sense_ohm": _NONNEG})
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


@register("crossbar_write",
          outputs=("dx_selected", "dx_half_max", "dx_other_max", "v_selected_v",
                   "v_half_max_v", "i_sneak_a", "steps"),
          defaults={"card": "llzo_tip", "scheme": "v/2", "v_write_v": -0.3, "n": 8, "m": 8,
                    "width_s": 1e-3, "count": 1, "r_wl_ohm": 1.0, "r_bl_ohm": 1.0,
                    "variability": 1.0},
          extra_inputs="any parameter of the card's model (override, SI)",
          limits={"scheme": Limit(choices=("v/2", "v/3", "floating")), "v_write_v": _FINITE,
                  "n": _COUNT, "m": _COUNT, "width_s": _POS, "count": _COUNT,
                  "r_wl_ohm": _NONNEG, "r_bl_ohm": _NONNEG, "variability": _NONNEG})
def crossbar_write(inputs: dict, seed: int) -> dict:
    """Pulse-train write of the middle cell of an n x m crossbar (memli.circuits.writes).

    Every cell is a device of the card drawn from its variability (``variability``
    scales the card's spread; 0 = identical devices), starting at the model's initial
    state, on word/bit lines of ``r_wl_ohm``/``r_bl_ohm`` per segment.  Cell ``(n // 2,
    m // 2)`` gets ``count`` pulses of ``v_write_v`` for ``width_s`` with the
    ``scheme`` (``v/2``, ``v/3`` or ``floating`` unselected lines); every cell's states
    evolve by its model's rates (:func:`memli.circuits.writes.disturb`).  Outputs: the
    selected cell's change of its first state (``dx_selected``), the largest change of
    any state on a half-selected cell (same row or column, ``dx_half_max``) and on the
    other cells (``dx_other_max``), the DC voltages of the write (``v_selected_v``,
    ``v_half_max_v``), the driver current not through the selected cell
    (``i_sneak_a``) and the number of integration steps.
    """
    from ..cards import load_card
    from ..circuits.crossbar import Crossbar
    from ..circuits.network import Wires
    from ..circuits.writes import disturb, write_bias
    base = load_card(inputs.get("card", "llzo_tip"))
    s, over = _split(inputs, TASKS["crossbar_write"].defaults, base, task="crossbar_write")
    n, m = int(s["n"]), int(s["m"])
    xb = Crossbar.from_card(base, n, m, wires=Wires(float(s["r_wl_ohm"]), float(s["r_bl_ohm"])),
                            rng=np.random.default_rng(seed),
                            variability_scale=float(s["variability"]), overrides=over or None)
    if xb.model.n_states == 0:
        raise MemliError(f"crossbar_write: model {xb.model.name} has no states to write")
    cell = (n // 2, m // 2)
    wb = write_bias(xb, cell, float(s["v_write_v"]), str(s["scheme"]))
    d = disturb(xb, cell, float(s["v_write_v"]), float(s["width_s"]), int(s["count"]),
                scheme=str(s["scheme"]))
    return {"dx_selected": d["dx_selected"], "dx_half_max": d["dx_half_max"],
            "dx_other_max": d["dx_other_max"], "v_selected_v": wb.v_selected_v,
            "v_half_max_v": wb.v_half_max_v, "i_sneak_a": wb.i_sneak_a,
            "steps": int(d["result"].steps)}


# ---------------------------------------------------------------------------------------
@register("fit_generated",
          outputs=("median_abs_log10_error", "v_set_rmse", "v_reset_rmse",
                   "params_within_2sigma", "params_fitted", "nfev"),
          defaults={"card": "llzo_tip", "cycles": 5, "vmin_v": -0.25, "vmax_v": 1.0,
                    "noise_rel": 0.02, "floor_a": 1e-12, "variability": 0.0,
                    "max_nfev": 30},
          extra_inputs="any parameter of the card's model (generating value, SI)",
          limits={"cycles": _COUNT, "vmin_v": _FINITE, "vmax_v": _FINITE, "noise_rel": _NONNEG,
                  "floor_a": _NONNEG, "variability": _NONNEG, "max_nfev": _COUNT})
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
                    "r_wire_ohm": 0.0, "n_train": 300, "batch_size": 0, "scheme": "ideal",
                    "mode": "depress"},
          limits={"task": Limit(choices=("letters", "digits")), "epochs": _COUNT,
                  "variability": _NONNEG, "r_wire_ohm": _NONNEG, "n_train": _COUNT,
                  "batch_size": Limit(0, integer=True),
                  "scheme": Limit(choices=("ideal", "v2", "v3")),
                  "mode": Limit(choices=("depress", "bipolar"))})
def neuro_train(inputs: dict, seed: int) -> dict:
    """In-situ Manhattan-rule training on a crossbar of the card's devices (memli.neuro).

    ``scheme``: write selection, ``ideal`` or the line-bias schemes ``v2`` / ``v3`` with
    their half-select disturb; ``mode``: ``depress`` (RESET-only Manhattan steps +
    refresh) or ``bipolar`` (SET + RESET) (see :class:`memli.neuro.network.Crossbar`).
    """
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
                  rng=seed, r_wire_ohm=float(s["r_wire_ohm"]), scheme=str(s["scheme"]),
                  mode=str(s["mode"]))
    r = train(xb, task.x_train, task.y_train, task.x_test, task.y_test,
              epochs=int(s["epochs"]), rng=seed, batch_size=int(s["batch_size"]) or None)
    return {"train_accuracy": float(r.final_train_accuracy),
            "test_accuracy": float(r.final_test_accuracy),
            "weight_updates": int(r.weight_updates), "epochs_run": len(r.train_accuracy)}


# ---------------------------------------------------------------------------------------
_ANALOG_LIMITS = {"tile": Limit(2, integer=True), "r_wire_ohm": _NONNEG,
                  "variability": _NONNEG, "adc_bits": Limit(1, 32, integer=True),
                  "dac_bits": Limit(1, 32, integer=True), "levels": Limit(0, 1, integer=True),
                  "read_v_v": _POS}


def _analog_config(s, seed):
    from ..analog.infer import AnalogConfig
    return AnalogConfig(tile=int(s["tile"]), r_wire_ohm=float(s["r_wire_ohm"]),
                        levels=bool(int(s["levels"])), variability=float(s["variability"]),
                        dac_bits=int(s["dac_bits"]), adc_bits=int(s["adc_bits"]),
                        read_v=float(s["read_v_v"]), seed=int(seed) % (2 ** 31))


@register("analog_tile",
          outputs=("error_rel_rms", "error_rel_max", "ir_error_rel_rms", "levels_available",
                   "g_min_siemens", "g_max_siemens"),
          defaults={"card": "oxide_10k", "tile": 32, "r_wire_ohm": 1.0, "variability": 0.0,
                    "adc_bits": 8, "dac_bits": 8, "levels": 1, "read_v_v": 0.1,
                    "inputs": 32},
          limits={**_ANALOG_LIMITS, "inputs": _COUNT})
def analog_tile(inputs: dict, seed: int) -> dict:
    """One tile of random weights on a card's devices (memli.analog): output error.

    Weights uniform in [-1, 1] fill a ``tile x tile`` differential tile (``tile / 2``
    outputs); ``inputs`` random input vectors in [0, 1] are read through DAC, the exact
    tile solve and ADC.  Errors are relative to the RMS exact output ``x W``:
    ``error`` with every setting as given, ``ir_error`` with the wires alone.
    """
    from ..analog import devices as dv
    from ..analog.infer import analog_forward
    from ..analog.mapping import Layer
    s, _ = _split(inputs, TASKS["analog_tile"].defaults, task="analog_tile")
    cfg = _analog_config(s, seed)
    prof = dv.characterise(s["card"], read_v=cfg.read_v)
    rng = np.random.default_rng(seed)
    n = cfg.tile
    W = rng.uniform(-1.0, 1.0, (n, max(1, n // 2)))
    x = rng.random((int(s["inputs"]), n))
    layer = [Layer(W, np.zeros(W.shape[1]), "identity")]
    ref = x @ W
    scale = _rms(ref) or 1.0
    out, *_ = analog_forward(layer, x, cfg, prof)
    ir, *_ = analog_forward(layer, x, cfg.only("wires"), prof)
    err = (out - ref) / scale
    return {"error_rel_rms": _rms(err), "error_rel_max": float(np.abs(err).max()),
            "ir_error_rel_rms": _rms(ir - ref) / scale, "levels_available": prof.n_levels,
            "g_min_siemens": prof.g_min_siemens, "g_max_siemens": prof.g_max_siemens}


@register("analog_digits",
          outputs=("accuracy_float", "accuracy_analog", "tiles"),
          defaults={"card": "oxide_10k", "tile": 64, "r_wire_ohm": 1.0, "variability": 0.0,
                    "adc_bits": 8, "dac_bits": 8, "levels": 1, "read_v_v": 0.1,
                    "hidden": 32},
          limits={**_ANALOG_LIMITS, "hidden": _COUNT})
def analog_digits(inputs: dict, seed: int) -> dict:
    """The digits MLP read out on tiles of a card's devices (memli.analog): accuracy."""
    from ..analog import devices as dv
    from ..analog.infer import analog_forward, digits_mlp
    from ..analog.mapping import forward
    s, _ = _split(inputs, TASKS["analog_digits"].defaults, task="analog_digits")
    cfg = _analog_config(s, seed)
    prof = dv.characterise(s["card"], read_v=cfg.read_v)
    layers, x, y = digits_mlp(int(s["hidden"]), 0)
    out, tiles, _, _ = analog_forward(layers, x, cfg, prof)
    return {"accuracy_float": float(np.mean(np.argmax(forward(layers, x), axis=1) == y)),
            "accuracy_analog": float(np.mean(np.argmax(out, axis=1) == y)),
            "tiles": int(tiles)}


@register("crossbar_read_square",
          outputs=TASKS["crossbar_read"].outputs,
          defaults={k: v for k, v in TASKS["crossbar_read"].defaults.items()
                    if k not in ("cols", "r_bl_ohm")},
          limits={k: v for k, v in TASKS["crossbar_read"].limits.items()
                  if k not in ("cols", "r_bl_ohm")})
def crossbar_read_square(inputs: dict, seed: int) -> dict:
    """crossbar_read of a square array (cols = rows, bit-line segments = word-line ones)."""
    s, _ = _split(inputs, TASKS["crossbar_read_square"].defaults, task="crossbar_read_square")
    return crossbar_read({**s, "cols": s["rows"], "r_bl_ohm": s["r_wl_ohm"]}, seed)
