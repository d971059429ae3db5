"""Model declarations: parameters, states, equations; and the model registry.

A model is one file in ``memli/models/`` that builds a :class:`Model` with a
:class:`ModelBuilder` and binds it to the module name ``MODEL``::

    b = ModelBuilder("toy", doc="...", citations=("strukov2008",))
    r_ohm = b.param("r_ohm", 1e3, (1.0, 1e6), "series resistance")
    x = b.state("x", init=0.0, bounds=(0, 1), doc="normalised extent")
    MODEL = b.build(current=V / r_ohm, rates={x: ...})

``V`` (the terminal voltage, in volts, positive terminal minus negative terminal) is
the only independent variable; the current is the current into the positive
terminal, in amperes.  Every backend (numpy, C device simulator, fitter, Verilog-A,
SPICE, arrays) is generated from ``Model.current`` and ``Model.rates``.
"""
from __future__ import annotations

import difflib
import importlib
import keyword
import math
import pkgutil
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterable, Mapping

import numpy as np
import sympy as sp

from ..errors import CardError, ModelError
from ..units import unit_from_name
from . import smooth

#: terminal voltage symbol (V)
V = sp.Symbol("v", real=True)

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_RESERVED = {"v", "i", "t", "p", "n", "x0", "gmin", "temp", "time"}


@dataclass(frozen=True)
class Param:
    """A model or instance parameter.

    Attributes
    ----------
    name : str
        Identifier; ends in its unit suffix (``_ohm``, ``_per_s``...) unless dimensionless.
    default : float
        Value used when a card does not set it (SI units).
    unit : str
        SI unit derived from the name suffix ('' for dimensionless).
    bounds : (float, float)
        Physically admissible range, inclusive.  Cards, fits and exporters use it.
    doc : str
        One-line description.
    citation : str or None
        Key in ``memli/CITATIONS.bib`` of the source of the default value.
    instance : bool
        True for instance parameters (set per device, e.g. electrode area).
    log : bool
        True when the parameter is naturally sampled/fitted on a log scale.
    """

    name: str
    default: float
    unit: str
    bounds: tuple
    doc: str
    citation: str | None = None
    instance: bool = False
    log: bool = False
    symbol: sp.Symbol = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class State:
    """A state variable with its initial value and the bounds the model keeps it in."""

    name: str
    init: float
    bounds: tuple
    doc: str
    unit: str = ""
    symbol: sp.Symbol = field(default=None, compare=False, repr=False)


def check_smooth(expr: sp.Expr, where: str) -> None:
    """Raise ModelError when ``expr`` uses a non-smooth sympy construct."""
    bad = (sp.Piecewise, sp.sign, sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.floor, sp.ceiling)
    for node in sp.preorder_traversal(expr):
        if isinstance(node, bad):
            raise ModelError(
                f"{where}: uses {type(node).__name__}, which is not smooth; use the helpers in "
                "memli.models.smooth (smooth_step, smooth_abs, smooth_clip, softplus, limexp)")
        if isinstance(node, sp.exp):
            raise ModelError(f"{where}: uses exp({node.args[0]}); use smooth.limexp so that "
                             "rates cannot overflow in a circuit simulator")


class ModelBuilder:
    """Collects the declarations of one model file.  See the module docstring."""

    def __init__(self, name: str, doc: str, citations: Iterable[str] = ()):
        if not _NAME_RE.match(name):
            raise ModelError(f"model name {name!r}: expected lowercase identifier")
        self.name = name
        self.doc = doc
        self.citations = tuple(citations)
        self._params: dict[str, Param] = {}
        self._states: dict[str, State] = {}
        self._names: dict[str, sp.Expr] = {}

    def _check_name(self, name: str):
        if not _NAME_RE.match(name) or keyword.iskeyword(name):
            raise ModelError(f"{self.name}: parameter/state name {name!r} must be a lowercase "
                             "identifier")
        if name in _RESERVED:
            raise ModelError(f"{self.name}: name {name!r} is reserved")
        if name in self._params or name in self._states or name in self._names:
            raise ModelError(f"{self.name}: name {name!r} declared twice")

    def named(self, name: str, expr):
        """Name a sub-expression (``g_ion``, ``v_th``, ``grow``...) and return it unchanged.

        (``named``, not ``name``: ``ModelBuilder.name`` is the model's name.)

        The equations stay as written; the Verilog-A and SPICE exporters print named
        sub-expressions as variables (``.param``/``.func`` in SPICE) under that name.
        """
        self._check_name(name)
        self._names[name] = sp.sympify(expr)
        return expr

    def param(self, name: str, default: float, bounds: tuple, doc: str,
              citation: str | None = None, unit: str | None = None,
              log: bool | None = None, instance: bool = False) -> sp.Symbol:
        """Declare a parameter and return its sympy symbol."""
        self._check_name(name)
        derived = unit_from_name(name)
        if unit is None:
            unit = derived
        elif unit != derived and derived:
            raise ModelError(f"{self.name}.{name}: unit {unit!r} disagrees with suffix ({derived!r})")
        lo, hi = float(bounds[0]), float(bounds[1])
        if not lo < hi:
            raise ModelError(f"{self.name}.{name}: bounds {bounds} must satisfy lo < hi")
        if not lo <= default <= hi:
            raise ModelError(f"{self.name}.{name}: default {default} outside bounds {bounds}")
        if log is None:
            log = lo > 0 and hi / lo >= 100
        sym = sp.Symbol(name, real=True)
        self._params[name] = Param(name, float(default), unit, (lo, hi), doc, citation,
                                   instance, bool(log), sym)
        return sym

    def instance(self, name: str, default: float, bounds: tuple, doc: str, **kw) -> sp.Symbol:
        """Declare an instance parameter (set per device, e.g. electrode area)."""
        return self.param(name, default, bounds, doc, instance=True, **kw)

    def state(self, name: str, init: float, bounds: tuple, doc: str, unit: str = "") -> sp.Symbol:
        """Declare a state variable and return its sympy symbol."""
        self._check_name(name)
        lo, hi = float(bounds[0]), float(bounds[1])
        if not lo <= init <= hi:
            raise ModelError(f"{self.name}.{name}: init {init} outside bounds {bounds}")
        sym = sp.Symbol(name, real=True)
        self._states[name] = State(name, float(init), (lo, hi), doc, unit, sym)
        return sym

    def build(self, current: sp.Expr, rates: Mapping[sp.Symbol, sp.Expr], passive: bool = True,
              default_card: str | None = None, roles: Mapping[str, object] | None = None,
              set_polarity: str | None = None, switching: str = "threshold",
              volatile: bool = False, read_voltage_v: float | None = None,
              initial_states: tuple = (), stimulus: tuple | None = None,
              pulses: Mapping[str, float] | None = None,
              variant: str | None = None) -> "Model":
        """Check the equations and return the :class:`Model`.

        ``roles`` tells the fitter which parameters play the measured switching
        quantities (see :data:`ROLES`): ``{"v_set": "v_on_v", "r_lrs": "r_on_ohm"}``; a
        value may be a tuple of names.  ``set_polarity`` is the sign of the voltage that
        SETs the device in the model's own convention (``negative_set`` or
        ``positive_set``; None: not declared, the fitter never swaps its terminals);
        ``switching`` is ``threshold`` (abrupt, filament-like) or
        ``smooth`` (gradual, no threshold: interface-type behaviour).  ``volatile``
        marks a model whose states relax at zero bias by design (e.g. thermally
        activated switching); every other model keeps its states at V = 0.
        ``read_voltage_v`` is the model's default read voltage (V), chosen so that
        reading does not disturb the state (memli.sim.retention); None: 0.1 V.
        ``initial_states`` names the states whose value when a measured record starts
        is unknown and is fitted with the parameters (memli.fit): the state a device
        was left in before the measurement.
        ``stimulus`` is the model's characteristic stimulus, a ``memli.sim.Waveform``
        constructor and its arguments (``("triangle", (-0.25, 0.25, 3, 1.0, 2e-3))``):
        the sweep that shows both switchings of its bundled cards (memli verify uses it).
        ``pulses`` are its pulse conditions for plasticity protocols (memli.neuro):
        ``{"set_v": ..., "reset_v": ..., "width_s": ...}``, in the model's own polarity.
        ``variant`` says how the model relates to the published model it is named after
        (printed in exported headers).
        """
        states = list(self._states.values())
        missing = [s.name for s in states if s.symbol not in rates]
        if missing:
            raise ModelError(f"{self.name}: no rate given for state(s) {missing}")
        extra = [str(k) for k in rates if str(k) not in self._states]
        if extra:
            raise ModelError(f"{self.name}: rate given for undeclared state(s) {extra}")
        current = sp.sympify(current)
        rate_list = [sp.sympify(rates[s.symbol]) for s in states]
        known = {V} | {p.symbol for p in self._params.values()} | {s.symbol for s in states}
        for where, e in [("current", current)] + [(f"rate of {s.name}", r)
                                                  for s, r in zip(states, rate_list)]:
            check_smooth(e, f"{self.name}: {where}")
            unknown = e.free_symbols - known
            if unknown:
                raise ModelError(f"{self.name}: {where} uses undeclared symbol(s) "
                                 f"{sorted(map(str, unknown))}")
        unused = [p.name for p in self._params.values()
                  if not any(p.symbol in e.free_symbols for e in [current, *rate_list])]
        if unused:
            raise ModelError(f"{self.name}: parameter(s) {unused} appear in no equation")
        roles = _check_roles(self.name, roles or {}, self._params)
        if set_polarity not in (None, "negative_set", "positive_set"):
            raise ModelError(f"{self.name}: set_polarity {set_polarity!r}; expected "
                             "'negative_set' or 'positive_set'")
        if switching not in ("threshold", "smooth"):
            raise ModelError(f"{self.name}: switching {switching!r}; expected 'threshold' or "
                             "'smooth'")
        model = Model(self.name, self.doc, self.citations, dict(self._params), states,
                      current, rate_list, passive, default_card, roles, set_polarity,
                      switching)
        model.volatile = bool(volatile)
        model.names = dict(self._names)
        model.read_voltage_v = None if read_voltage_v is None else float(read_voltage_v)
        bad = [k for k in initial_states if k not in self._states]
        if bad:
            raise ModelError(f"{self.name}: initial_states names unknown state(s) {bad}")
        model.initial_states = tuple(initial_states)
        if stimulus is not None:
            kind, args = stimulus
            if kind not in ("triangle", "sine"):
                raise ModelError(f"{self.name}: stimulus kind {kind!r}; expected 'triangle' "
                                 "or 'sine'")
            model.stimulus = (kind, tuple(float(a) for a in args))
        bad = sorted(set(pulses or {}) - {"set_v", "reset_v", "width_s"})
        if bad:
            raise ModelError(f"{self.name}: pulses keys {bad}; expected set_v, reset_v, width_s")
        model.pulses = {k: float(v) for k, v in (pulses or {}).items()}
        model.variant = variant
        return model


#: measured quantities a parameter can play (fitter start values): switching voltages,
#: V, and the resistances read after SET / RESET, ohm
ROLES = ("v_set", "v_reset", "r_lrs", "r_hrs")

#: suffix of the name of a model used with its terminals swapped (:meth:`Model.reversed`)
REVERSED_SUFFIX = "_reversed"


def _check_roles(name, roles, params) -> dict:
    out = {}
    for k, v in roles.items():
        if k not in ROLES:
            raise ModelError(f"{name}: role {k!r}; expected one of {list(ROLES)}")
        names = (v,) if isinstance(v, str) else tuple(v)
        bad = [n for n in names if n not in params]
        if bad:
            raise ModelError(f"{name}: role {k!r} names unknown parameter(s) {bad}")
        out[k] = names
    return out


class Model:
    """A memristor model: parameters, states, I(V, x, p) and dx/dt(V, x, p).

    Generated backends hang off it: ``model.numeric`` (vectorised numpy with analytic
    Jacobians), ``memli.codegen.c_`` (device simulator), the exporters.
    """

    #: True when the states relax at zero bias by design (see ModelBuilder.build)
    volatile: bool = False
    #: default read voltage, V (None: the 0.1 V fallback of memli.sim.retention)
    read_voltage_v: float | None = None
    #: states whose value at the start of a measured record is fitted (ModelBuilder.build)
    initial_states: tuple = ()
    #: characteristic stimulus (Waveform constructor, args) and pulse conditions
    stimulus: tuple | None = None
    pulses: dict = {}
    #: how the model relates to the published model it is named after (exports)
    variant: str | None = None

    #: named sub-expressions, name -> expression (ModelBuilder.named), for the exporters
    names: dict = {}

    def __init__(self, name, doc, citations, params, states, current, rates, passive,
                 default_card, roles=None, set_polarity=None,
                 switching="threshold"):
        self.name = name
        self.doc = doc
        self.citations = citations
        self.params: dict[str, Param] = params
        self.states: list[State] = states
        self.current: sp.Expr = current
        self.rates: list[sp.Expr] = rates
        self.passive = passive
        self.default_card = default_card
        self.v = V
        #: role -> tuple of parameter names (see :data:`ROLES`)
        self.roles: dict = dict(roles or {})
        self.set_polarity = set_polarity
        self.switching = switching
        self._reversed = None

    @property
    def is_reversed(self) -> bool:
        return self.name.endswith(REVERSED_SUFFIX)

    @property
    def base_name(self) -> str:
        """Name of the registered model (without the reversed suffix)."""
        return self.name[: -len(REVERSED_SUFFIX)] if self.is_reversed else self.name

    def reversed(self) -> "Model":
        """The same device with its terminals swapped: ``I'(V) = -I(-V)``, rates at ``-V``.

        It SETs at the opposite polarity; its name is ``<name>_reversed`` (cards, the
        device simulator and the Verilog-A/SPICE exporters take it like any model).
        Reversing twice gives the original model.
        """
        if self._reversed is not None:
            return self._reversed
        if self.is_reversed:
            return get_model(self.base_name)
        if self._reversed is None:
            flip = {V: -V}
            self._reversed = Model(
                self.name + REVERSED_SUFFIX, self.doc + " (terminals swapped)",
                self.citations, self.params, self.states,
                -self.current.xreplace(flip), [r.xreplace(flip) for r in self.rates],
                self.passive, None, self.roles,
                {"negative_set": "positive_set", "positive_set": "negative_set"}.get(
                    self.set_polarity),
                self.switching)
            self._reversed._reversed = self
            self._reversed.names = {k: e.xreplace(flip) for k, e in self.names.items()}
            self._reversed.volatile = self.volatile
            self._reversed.initial_states = self.initial_states
            if self.stimulus is not None:      # same sweep: a triangle's ends swap sides
                kind, args = self.stimulus
                self._reversed.stimulus = (kind, (-args[1], -args[0], *args[2:])
                                           if kind == "triangle" else args)
            self._reversed.pulses = {k: (-v if k.endswith("_v") else v)
                                     for k, v in self.pulses.items()}
            self._reversed.variant = self.variant
            if self.read_voltage_v is not None:
                self._reversed.read_voltage_v = -self.read_voltage_v
        return self._reversed

    def __repr__(self):
        return (f"Model({self.name!r}, params={list(self.params)}, "
                f"states={[s.name for s in self.states]})")

    # -- names and vectors ------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        return list(self.params)

    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.states]

    @property
    def n_states(self) -> int:
        return len(self.states)

    def defaults(self) -> dict[str, float]:
        return {k: p.default for k, p in self.params.items()}

    def initial_state(self) -> np.ndarray:
        return np.array([s.init for s in self.states], dtype=float)

    def suggest(self, name: str) -> str:
        near = difflib.get_close_matches(name, list(self.params) + self.state_names, n=3)
        return f" Best matches are {near}." if near else ""

    def check_values(self, values: Mapping[str, float], where: str = "parameters") -> dict:
        """Validate a full or partial parameter mapping; raise CardError listing every problem.

        Returns the complete mapping (defaults filled in), as floats.
        """
        problems = []
        out = self.defaults()
        for k, val in values.items():
            if k not in self.params:
                problems.append(f"{where}.{k}: not a parameter of model {self.name!r}."
                                + self.suggest(k))
                continue
            try:
                f = float(val)
            except (TypeError, ValueError):
                problems.append(f"{where}.{k}: value {val!r} is not a number")
                continue
            lo, hi = self.params[k].bounds
            if not (math.isfinite(f) and lo <= f <= hi):
                problems.append(f"{where}.{k}: value {f:g} outside bounds [{lo:g}, {hi:g}] "
                                f"{self.params[k].unit}".rstrip())
                continue
            out[k] = f
        if problems:
            raise CardError("; ".join(problems))
        return out

    def param_vector(self, values: Mapping[str, float] | None = None) -> np.ndarray:
        """Parameter values in declaration order (defaults for missing ones)."""
        full = self.defaults()
        if values:
            full.update({k: float(v) for k, v in values.items()})
        return np.array([full[k] for k in self.params], dtype=float)

    # -- generated backends -----------------------------------------------------
    @cached_property
    def numeric(self):
        """Vectorised numpy evaluation with analytic Jacobians (memli.codegen.numpy_)."""
        from ..codegen.numpy_ import NumericModel
        return NumericModel(self)

    @cached_property
    def jacobian_exprs(self) -> dict:
        """Sympy derivatives: di_dv, di_dx[j], df_dv[i], df_dx[i][j]."""
        xs = [s.symbol for s in self.states]
        return {
            "di_dv": sp.diff(self.current, V),
            "di_dx": [sp.diff(self.current, x) for x in xs],
            "df_dv": [sp.diff(f, V) for f in self.rates],
            "df_dx": [[sp.diff(f, x) for x in xs] for f in self.rates],
        }


# ------------------------------------------------------------------ registry
_REGISTRY: dict[str, Model] | None = None


def registry() -> dict[str, Model]:
    """All models: every module in ``memli.models`` that defines ``MODEL``."""
    global _REGISTRY
    if _REGISTRY is None:
        from .. import models as pkg
        found = {}
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if info.name in ("base", "smooth"):
                continue
            mod = importlib.import_module(f"{pkg.__name__}.{info.name}")
            m = getattr(mod, "MODEL", None)
            if isinstance(m, Model):
                found[m.name] = m
        _REGISTRY = found
    return _REGISTRY


def get_model(name: str) -> Model:
    """The registered model called ``name``; CardError with near matches otherwise."""
    reg = registry()
    if name.endswith(REVERSED_SUFFIX) and name[: -len(REVERSED_SUFFIX)] in reg:
        return reg[name[: -len(REVERSED_SUFFIX)]].reversed()
    if name not in reg:
        near = difflib.get_close_matches(name, list(reg), n=3)
        hint = f" Best matches are {near}." if near else f" Known models: {sorted(reg)}."
        raise CardError(f"model {name!r} not found.{hint}")
    return reg[name]
