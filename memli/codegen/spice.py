"""SPICE subcircuit printer (ngspice dialect).

``.subckt memli_<model> p n params: ...`` with

* parameter-only sub-expressions as subcircuit ``.param`` lines (computed once per
  instance); sub-expressions the model file names (``ModelBuilder.name``) that depend on
  the terminal voltage or the states as ``.func <name>(vpn, <states>)``;
* a behavioural current source ``b_i p n I = I(V(p,n), states)``;
* per state ``s``: a node ``xs_<s>`` whose potential is ``s / scale`` (see
  :mod:`memli.codegen._export`), a 1 F capacitor to ground and a behavioural source
  charging it with ``rate / scale`` during ``.tran``; in DC analyses (``.op``, ``.dc``,
  the initial point of ``.tran``) the same source holds the node at ``<s>_init / scale``.
  What tells DC from transient is a per-instance source ``v_tran tran_on 0 dc 0
  pwl(0 0 1f 1)``: DC analyses use its ``dc 0``, ``.tran`` sees it rise to 1 within the
  first femtosecond.  Nothing depends on ``time`` (ngspice sets ``time`` during ``.dc``
  sweeps).  The capacitor carries ``IC=`` so ``uic`` works too; a 1e12 ohm leak (gmin)
  keeps the node from floating;
* optional geometric cell capacitance ``c_cell p n`` (``eps_r eps_0 area / thickness``,
  off by default: ``eps_r = 0``);
* the smooth primitives of :mod:`memli.models.smooth` as ``.func`` with branches on
  their own argument only (``logistic``, ``softplus`` and ``limexp``: no overflow, full
  relative precision in the tails, each argument evaluated once per branch).

Every ``.param`` default comes from the card.  Instantiate with :func:`instance_line`;
a deck may hold any number of instances (crossbars: one line per device).
"""
from __future__ import annotations

import math

import sympy as sp

from .. import safetext
from ..models import smooth
from ._export import (ExprPrinter, cap_geometry, equation_plan, export_info, header_lines,
                      num, param_doc_lines, safe_lines, unit_text, used_primitives)

__all__ = ["subckt_text", "instance_line", "subckt_name", "FUNC_BODIES", "MAX_LINE"]

_LZ = num(smooth.LIMEXP_Z)
_ELZ = num(math.exp(smooth.LIMEXP_Z))

#: ``.func`` bodies of the primitives (every use of the argument in parentheses)
FUNC_BODIES = {
    "logistic": "(z) >= 0 ? 1/(1+exp(-(z))) : exp(z)/(1+exp(z))",
    "softplus": "(z) > 0 ? (z)+2*atanh(exp(-(z))/(2+exp(-(z)))) : 2*atanh(exp(z)/(2+exp(z)))",
    "limexp": f"(z) < {_LZ} ? exp(z) : {_ELZ}*((z)-{num(smooth.LIMEXP_Z - 1)})",
}

#: longest line any printer writes
MAX_LINE = 160
_WRAP = 100


class _SpicePrinter(ExprPrinter):
    """Expression printer for ngspice B-sources (C syntax, ``ln``, ``pow``); symbols
    print through ``names`` (node voltages, ``.func`` calls)."""

    def __init__(self, names=None, calls=None):
        super().__init__({"user_functions": {**{n: f"memli_{n}"
                                                for n in ("logistic", "softplus", "limexp")},
                                             **{k: k for k in (calls or {})}}})
        self._names = names or {}

    def _print_Symbol(self, e):
        return self._names.get(e, e.name)


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
    bias_args = {}
    for sym, e in plan.bias_defs:
        used = set()
        todo = [e]
        while todo:
            f = todo.pop()
            for z in f.free_symbols:
                if z in bias_args:
                    used |= set(bias_args[z])
                elif z == m.v or z in {s.symbol for s in m.states}:
                    used.add(z)
        order = [m.v] + [s.symbol for s in m.states]
        bias_args[sym] = [z for z in order if z in used]
    vpn = sp.Symbol("vpn", real=True)
    calls = {sym.name: args for sym, args in bias_args.items()}

    def callify(e, arg_map):
        rep = {sym: sp.Function(sym.name)(*[arg_map.get(a, a) for a in args])
               for sym, args in bias_args.items()}
        return e.xreplace(rep)

    # symbols in .func bodies: vpn and the state names; in B-sources: node voltages
    body_names = {m.v: "vpn"}
    node_names = {m.v: "V(p,n)"}
    for st in m.states:
        sc = info.scales[st.name]
        node_names[st.symbol] = (f"V(xs_{st.name})" if sc == 1.0
                                 else f"({num(sc)}*V(xs_{st.name}))")
    pr_body = _SpicePrinter(body_names, calls)
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
        out += _wrap(f".param {sym.name} =", "{" + pr_body.doprint(e) + "}")
    if plan.bias_defs:
        out.append("* named sub-expressions of the terminal voltage vpn = V(p,n) and the "
                   "states")
    for sym, e in plan.bias_defs:
        args = ", ".join(pr_body.doprint(a) for a in bias_args[sym])
        out += _wrap(f".func {sym.name}({args}) =",
                     "{" + pr_body.doprint(callify(e, {})) + "}")
    out = [ln.replace(") = {", ") {", 1) if ln.startswith(".func") else ln for ln in out]
    out.append("* terminal current I(p->n)")
    out += _wrap("b_i p n I =", pr_node.doprint(callify(plan.current, {})))
    if m.states:
        out.append("* 0 in .op/.dc (and at the start of .tran), 1 during .tran")
        out.append("v_tran tran_on 0 dc 0 pwl(0 0 1e-15 1)")
    for s, r in zip(m.states, plan.rates):
        sc = info.scales[s.name]
        ini = info.init_names[s.name]
        ini_n = ini if sc == 1.0 else f"{ini}/{num(sc)}"
        rtxt = pr_node.doprint(callify(r, {}))
        rate = f"({rtxt})" if sc == 1.0 else f"({rtxt})/{num(sc)}"
        node = s.name if sc == 1.0 else f"{s.name}/{num(sc)}"
        out.append(f"* state {s.name}: V(xs_{s.name}) = {node}; d{s.name}/dt = rate in "
                   f".tran, held at {ini} in DC")
        out += _wrap(f"b_{s.name} 0 xs_{s.name} I =",
                     f"V(tran_on) > 0.5 ? {rate} : ({ini_n}-V(xs_{s.name}))")
        out.append(f"c_{s.name} xs_{s.name} 0 1 IC={{{ini_n}}}")
        out.append(f"r_{s.name} xs_{s.name} 0 1e12")
    out.append(f"c_cell p n {{eps_r*8.8541878128e-12*{area}/{thick}}}")
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
