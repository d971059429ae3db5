"""SPICE subcircuit printer (ngspice dialect).

``.subckt memli_<model> p n params: ...`` with

* a behavioural current source ``b_i p n I = I(V(p,n), states)``;
* per state ``s``: a node ``xs_<s>`` whose potential is ``s / scale`` (see
  :mod:`memli.codegen._export`), a 1 F capacitor to ground and a behavioural source
  charging it with ``rate / scale``; at ``time = 0`` (operating point, including the
  initial point of ``.tran``) the same source holds the node at ``<s>_init / scale``
  instead, so no ``uic`` is needed (the capacitor also carries ``IC=`` so ``uic`` works);
  a 1e12 ohm leak (gmin) keeps the node from floating;
* the smooth primitives of :mod:`memli.models.smooth` as ``.func`` (same formulas as the
  Verilog-A printer: ``logistic(z) = exp(min(z,0))/(1 + exp(-|z|))``, ``softplus(z) =
  max(z,0) + 2 atanh(u/(2+u))`` with ``u = exp(-|z|)``, ``limexp(z) = exp(min(z, Z))
  (1 + max(z - Z, 0))``: no overflow, full relative precision in the tails).

Every ``.param`` default comes from the card.  Instantiate with :func:`instance_line`;
a deck may hold any number of instances (crossbars: one line per device).
"""
from __future__ import annotations

import sympy as sp

from .. import safetext
from ..models import smooth
from ._export import (ExprPrinter, export_info, header_lines, num,
                      provenance_text, safe_lines, used_primitives)

__all__ = ["subckt_text", "instance_line", "subckt_name", "FUNC_BODIES"]

_LZ = num(smooth.LIMEXP_Z)

#: ``.func`` bodies of the primitives
FUNC_BODIES = {
    "logistic": "exp(min(z,0))/(1+exp(-abs(z)))",
    "softplus": "max(z,0)+2*atanh(exp(-abs(z))/(2+exp(-abs(z))))",
    "limexp": f"exp(min(z,{_LZ}))*(1+max(z-{_LZ},0))",
}

_WRAP = 96


class _SpicePrinter(ExprPrinter):
    """Expression printer for ngspice B-sources (C syntax, ``ln``, ``pow``)."""


def subckt_name(model) -> str:
    return f"memli_{model.name}"


def _wrap(first: str, body: str) -> list[str]:
    """Split a long line at spaces into SPICE continuation lines."""
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

    Examples
    --------
    >>> from memli.models.base import get_model
    >>> subckt_text(get_model("li_filament")).count(".subckt memli_li_filament p n")
    1
    """
    info = export_info(model_or_card, card)
    m = info.model
    name = safetext.identifier(name, "subcircuit name") if name else info.name
    pr = _SpicePrinter()
    vsym = sp.Symbol("V(p,n)", real=True)
    sub = {m.v: vsym}
    for s in m.states:
        node = sp.Symbol(f"V(xs_{s.name})", real=True)
        sc = info.scales[s.name]
        sub[s.symbol] = node if sc == 1.0 else sc * node
    i_text = pr.doprint(m.current.xreplace(sub))
    r_texts = [pr.doprint(r.xreplace(sub)) for r in m.rates]

    out = [f"* {ln}" for ln in header_lines(info, "ngspice subcircuit")]
    out.append("* usage: X<name> <p> <n> " + name + " [param=value ...]; run .tran without uic")
    out.append("*   (states start at <state>_init; see memli.codegen.spice.instance_line)")
    params = [f"{k}={num(info.values[k])}" for k in m.params]
    params += [f"{info.init_names[s.name]}={num(s.init)}" for s in m.states]
    out += _wrap(f".subckt {name} p n params:", " ".join(params))
    for k, p in m.params.items():
        lo, hi = info.bounds[k]
        kind = "instance" if p.instance else "model"
        out.append(f"* {k} [{p.unit or '1'}] in [{num(lo)}, {num(hi)}] ({kind}): {p.doc}")
        out.append(f"*   {provenance_text(info, k)}")
    for s in m.states:
        out.append(f"* {info.init_names[s.name]} [{s.unit or '1'}] (instance): initial value "
                   f"of state {s.name}")
    for prim in used_primitives([m.current, *m.rates]):
        out.append(f".func memli_{prim}(z) {{{FUNC_BODIES[prim]}}}")
    out.append("* terminal current I(p->n)")
    out += _wrap("b_i p n I =", i_text)
    for s, r in zip(m.states, r_texts):
        sc = info.scales[s.name]
        ini = info.init_names[s.name]
        ini_n = ini if sc == 1.0 else f"{ini}/{num(sc)}"
        rate = f"({r})" if sc == 1.0 else f"({r})/{num(sc)}"
        node = s.name if sc == 1.0 else f"{s.name}/{num(sc)}"
        out.append(f"* state {s.name}: V(xs_{s.name}) = {node}; "
                   f"d{s.name}/dt = rate (time > 0), held at {ini} at time = 0")
        out += _wrap(f"b_{s.name} 0 xs_{s.name} I =",
                     f"(time > 0) ? {rate} : ({ini_n}-V(xs_{s.name}))")
        out.append(f"c_{s.name} xs_{s.name} 0 1 IC={{{ini_n}}}")
        out.append(f"r_{s.name} xs_{s.name} 0 1e12")
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
        allowed = set(info.model.params) | set(info.init_names.values())
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
