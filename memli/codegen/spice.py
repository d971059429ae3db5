"""SPICE subcircuit printer (ngspice dialect).

``.subckt memli_<model> p n params: ...`` with

* parameter-only sub-expressions as subcircuit ``.param`` lines (computed once per
  instance);
* the terminal voltage on a node, ``e_v_pn v_pn 0 p n 1`` (one controlling voltage
  instead of two in every B-source);
* sub-expressions the model file names (``ModelBuilder.named``) that depend on the
  terminal voltage or the states: used more than once, one internal node each
  (``V(<name>)``, a behavioural current into 1 ohm, computed once per iteration);
  used once, ``.func <name>(vpn, <states>, <nodes>)`` (see :func:`_node_plan`);
* a behavioural current source ``b_i p n I = I(V(p,n), states)``;
* per state ``s``: a node ``xs_<s>`` whose potential is ``s / scale`` (see
  :mod:`memli.codegen._export`), a 1 F capacitor to ground and a behavioural source
  charging it with ``rate / scale`` during ``.tran``; in DC analyses (``.op``, ``.dc``,
  the initial point of ``.tran``) the same source holds the node at ``<s>_init / scale``
  (``I = V(tran_on)*rate + (1-V(tran_on))*(init - V(xs))``: products only).
  What tells DC from transient is a per-instance source ``v_tran tran_on 0 dc 0
  pwl(0 0 1f 1)``: DC analyses use its ``dc 0``, ``.tran`` sees it rise to 1 within the
  first femtosecond.  Nothing depends on ``time`` (ngspice sets ``time`` during ``.dc``
  sweeps).  The capacitor carries ``IC=`` so ``uic`` works too; a 1e12 ohm leak (gmin)
  keeps the node from floating;
* optional geometric cell capacitance ``c_cell p n`` (``eps_r eps_0 area / thickness``,
  off by default: ``eps_r = 0``);
* the smooth primitives of :mod:`memli.models.smooth` as ``.func`` in their cheapest
  overflow-free forms (:data:`FUNC_BODIES`).

Every ``.param`` default comes from the card.  Instantiate with :func:`instance_line`;
a deck may hold any number of instances (crossbars: one line per device).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp

from .. import safetext
from ..capacitance import EPS0_F_PER_M
from ..models import smooth
from ._export import (PRIMITIVE_NAMES, ExprPrinter, cap_geometry, equation_plan, export_info, header_lines,
                      num, param_doc_lines, safe_lines, unit_text, used_primitives)

__all__ = ["subckt_text", "instance_line", "subckt_name", "FUNC_BODIES", "MAX_LINE"]

_LZ = num(smooth.LIMEXP_Z)
_ELZ = num(math.exp(smooth.LIMEXP_Z))

#: ``.func`` bodies of the primitives (every use of the argument in parentheses).  ngspice
#: evaluates a B-source and one derivative tree per controlling voltage at every Newton
#: iteration, so the bodies are the cheapest forms with full double range: logistic as
#: one exp (ngspice limits exp to 1e99: no overflow); softplus ln(1+exp) with the
#: exp tail below -17.5 (relative error < 1e-8 there, where softplus < 3e-8); limexp
#: exact.  Measured per evaluation (value + derivative): 0.6, 1.5 and 0.4 us, against
#: 1.7, 3.3 and 0.4 us for branch-per-sign forms with full relative precision.
FUNC_BODIES = {
    "logistic": "1/(1+exp(-(z)))",
    "softplus": "(z) > 0 ? (z)+ln(1+exp(-(z))) : (z) > -17.5 ? ln(1+exp(z)) : exp(z)",
    "limexp": f"(z) < {_LZ} ? exp(z) : {_ELZ}*((z)-{num(smooth.LIMEXP_Z - 1)})",
}

#: longest line any printer writes
MAX_LINE = 160
_WRAP = 100


class _SpicePrinter(ExprPrinter):
    """Expression printer for ngspice B-sources (C syntax, ``ln``, ``pow``); symbols
    print through ``names`` (node voltages)."""

    def __init__(self, names=None, calls=()):
        super().__init__({"user_functions": {**{n: f"memli_{n}" for n in PRIMITIVE_NAMES},
                                             **{k: k for k in calls}}})
        self._names = names or {}

    def _print_Symbol(self, e):
        return self._names.get(e, e.name)


@dataclass
class _Nodes:
    """Sub-expressions printed as internal nodes, and the current and rates using them."""

    defs: list
    current: sp.Expr
    rates: list
    funcs: list
    ordered: list


def _node_plan(info, plan) -> _Nodes:
    """Which named sub-expressions become internal nodes and which ``.func``.

    ngspice keeps one expression tree per B-source and one derivative tree per
    controlling voltage, copied per instance, and walks them all at every Newton
    iteration; a ``.func`` is expanded in place.  A bias-dependent sub-expression the
    model file names and the equations use more than once (``grow``, ``strip``,
    ``block``...) is therefore computed once on its own node (``V(<name>)``, a
    behavioural current into 1 ohm); one used once stays a ``.func``.  Primitives are
    not put on nodes of their own: a node is converged to ngspice's absolute voltage
    tolerance (vntol), which for a small drive (a softplus tail of 1e-9) is noise large
    enough to make the time-step control reject steps of states near 0.
    """
    m = info.model
    uses = {}
    for e in [plan.current, *plan.rates, *[c for _, c in plan.bias_defs]]:
        for f in e.free_symbols:
            uses[f] = uses.get(f, 0) + 1
    defs = [(sym, e) for sym, e in plan.bias_defs if uses.get(sym, 0) >= 2]
    funcs = [(sym, e) for sym, e in plan.bias_defs if uses.get(sym, 0) < 2]
    return _Nodes(defs, plan.current, plan.rates, funcs, list(plan.bias_defs))


def subckt_name(model) -> str:
    return f"memli_{model.name}"


def _wrap(first: str, body: str) -> list[str]:
    """Split a long line at spaces into SPICE continuation lines (``+``)."""
    words = body.split(" ")
    lines, cur = [], first
    for w in words:
        if len(cur) + 1 + len(w) > _WRAP and cur.strip() not in ("", "+"):
            lines.append(cur)
            cur = "+ " + w
        else:
            cur = f"{cur} {w}" if cur else w
    lines.append(cur)
    return lines


def subckt_text(model_or_card, name: str | None = None, card=None) -> str:
    """ngspice ``.subckt`` text for a model (default card), a Card or a card name.

    Parameters
    ----------
    model_or_card : Model, Card or str
    name : str, optional
        Subcircuit name (default ``memli_<model>``).
    card : Card, optional
        With a Model: the card whose values become the ``params:`` defaults.

    Raises
    ------
    ExportError
        A card value outside the model's bounds, a name clash, a non-identifier name.

    Examples
    --------
    >>> from memli.models.base import get_model
    >>> subckt_text(get_model("li_filament")).count(".subckt memli_li_filament p n")
    1
    """
    info = export_info(model_or_card, card)
    m = info.model
    name = safetext.identifier(name, "subcircuit name") if name else info.name
    plan = equation_plan(info)
    nodes = _node_plan(info, plan)
    node_names = {m.v: "V(v_pn)"}
    for st in m.states:
        sc = info.scales[st.name]
        node_names[st.symbol] = (f"V(xs_{st.name})" if sc == 1.0
                                 else f"({num(sc)}*V(xs_{st.name}))")
    for sym, _ in nodes.defs:
        node_names[sym] = f"V({sym.name})"
    # a .func takes the node voltages it uses as arguments (vpn, the states, nodes)
    args = {}
    order = [m.v] + [s.symbol for s in m.states] + [sym for sym, _ in nodes.defs]
    for sym, e in nodes.funcs:
        used, todo = set(), [e]
        while todo:
            for z in todo.pop().free_symbols:
                if z in args:
                    used |= set(args[z])
                elif z in order:
                    used.add(z)
        args[sym] = [z for z in order if z in used]

    def callify(e):
        return e.xreplace({sym: sp.Function(sym.name)(*a) for sym, a in args.items()})

    arg_names = {m.v: "vpn", **{s.symbol: s.name for s in m.states},
                 **{sym: sym.name for sym, _ in nodes.defs}}
    calls = [sym.name for sym in args]
    pr_func = _SpicePrinter(arg_names, calls)
    pr_node = _SpicePrinter(node_names, calls)

    out = [f"* {ln}" for ln in header_lines(info, "ngspice subcircuit")]
    out.append("* usage: X<name> <p> <n> " + name + " [param=value ...]; .op/.dc read the "
               "states <state>_init; .tran (no uic needed) starts from them")
    params = [f"{k}={num(info.values[k])}" for k in m.params]
    params += [f"{info.init_names[s.name]}={num(s.init)}" for s in m.states]
    params += ["eps_r=0"] + [f"{k}={num(v)}" for k, v in info.cap_extra.items()]
    out += _wrap(f".subckt {name} p n params:", " ".join(params))
    for k in m.params:
        out += [f"* {ln}" for ln in param_doc_lines(info, k)]
    for s in m.states:
        out.append(f"* {info.init_names[s.name]} [{unit_text(s.unit)}] (instance): initial "
                   f"(and DC) value of state {s.name}")
    area, thick = cap_geometry(info)
    out.append(f"* eps_r [] (instance): relative permittivity of the cell capacitance "
               f"eps_r*eps_0*{area}/{thick} between p and n; 0 (default) leaves it out")
    for k in info.cap_extra:
        out.append(f"* {k} (instance): {'area' if k.endswith('m2') else 'thickness'} of "
                   "that capacitance (the model declares none)")
    for prim in used_primitives([m.current, *m.rates, *[e for _, e in plan.defs]]):
        out.append(f".func memli_{prim}(z) {{{FUNC_BODIES[prim]}}}")
    if plan.param_defs:
        out.append("* parameter-only sub-expressions (computed once per instance)")
    for sym, e in plan.param_defs:
        out += _wrap(f".param {sym.name} =", "{" + pr_node.doprint(e) + "}")
    out.append("* terminal voltage v_pn = V(p,n)")
    out.append("e_v_pn v_pn 0 p n 1")
    if nodes.defs or nodes.funcs:
        out.append("* named sub-expressions of v_pn = V(p,n) and the states: used more than "
                   "once: one node each, V(<name>) = <name>; used once: .func")
    for sym, e in nodes.ordered:
        if sym in args:
            a = ", ".join(arg_names[z] for z in args[sym])
            out += _wrap(f".func {sym.name}({a})", "{" + pr_func.doprint(callify(e)) + "}")
        else:
            out += _wrap(f"bn_{sym.name} 0 {sym.name} I =", pr_node.doprint(callify(e)))
            out.append(f"rn_{sym.name} {sym.name} 0 1")
    out.append("* terminal current I(p->n)")
    out += _wrap("b_i p n I =", pr_node.doprint(callify(nodes.current)))
    if m.states:
        out.append("* 0 in .op/.dc (and at the start of .tran), 1 during .tran")
        out.append("v_tran tran_on 0 dc 0 pwl(0 0 1e-15 1)")
    for s, r in zip(m.states, nodes.rates):
        sc = info.scales[s.name]
        ini = info.init_names[s.name]
        ini_n = ini if sc == 1.0 else f"{ini}/{num(sc)}"
        rtxt = pr_node.doprint(callify(r))
        rate = f"({rtxt})" if sc == 1.0 else f"({rtxt})/{num(sc)}"
        node = s.name if sc == 1.0 else f"{s.name}/{num(sc)}"
        out.append(f"* state {s.name}: V(xs_{s.name}) = {node}; d{s.name}/dt = rate in "
                   f".tran, held at {ini} in DC")
        out += _wrap(f"b_{s.name} 0 xs_{s.name} I =",
                     f"V(tran_on)*{rate} + (1-V(tran_on))*({ini_n}-V(xs_{s.name}))")
        out.append(f"c_{s.name} xs_{s.name} 0 1 IC={{{ini_n}}}")
        out.append(f"r_{s.name} xs_{s.name} 0 1e12")
    out.append(f"c_cell p n {{eps_r*{EPS0_F_PER_M!r}*{area}/{thick}}}")
    out.append(f".ends {name}")
    return "\n".join(safe_lines(out, "*", f"subcircuit {name}")) + "\n"


def instance_line(inst: str, p: str, n: str, model_or_card=None, subckt: str | None = None,
                  **params) -> str:
    """One subcircuit instance line, ``X<inst> p n memli_<model> k=v ...``.

    Parameters
    ----------
    inst : str
        Instance name without the leading ``X`` (e.g. ``"r1c2"``).
    p, n : str
        Node names of the positive and negative terminals.
    model_or_card : Model, Card or str, optional
        Used for the subcircuit name and to validate parameter names.
    subckt : str, optional
        Subcircuit name when ``model_or_card`` is not given.
    **params
        Per-instance overrides, SI (e.g. ``area_m2=1e-12``, ``x_init=1.0``).

    Examples
    --------
    >>> from memli.models.base import get_model
    >>> instance_line("r1c1", "row1", "col1", get_model("li_filament"), x_init=1.0)
    'Xr1c1 row1 col1 memli_li_filament x_init=1.0'
    """
    if model_or_card is not None:
        info = export_info(model_or_card)
        subckt = subckt or info.name
        allowed = (set(info.model.params) | set(info.init_names.values()) | {"eps_r"}
                   | set(info.cap_extra))
        bad = [k for k in params if k not in allowed]
        if bad:
            from ..errors import ExportError
            raise ExportError(f"instance {inst}: unknown parameter(s) {bad}; allowed: "
                              f"{sorted(allowed)}")
    if not subckt:
        from ..errors import ExportError
        raise ExportError("instance_line: give model_or_card or subckt")
    for what, ident in (("instance name", inst), ("node", p), ("node", n),
                        ("subcircuit", subckt), *(("parameter", k) for k in params)):
        if not safetext.is_identifier(str(ident)) and not str(ident).isdigit():
            from ..errors import ExportError
            raise ExportError(f"instance_line: {what} {safetext.comment(ident, 60)!r} is not "
                              "an identifier ([A-Za-z_][A-Za-z0-9_]*)")
    kv = " ".join(f"{k}={num(v)}" for k, v in params.items())
    return f"X{inst} {p} {n} {subckt} {kv}".rstrip()
