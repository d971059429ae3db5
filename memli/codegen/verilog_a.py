"""Verilog-A printer: one module ``memli_<model>`` per model, for OpenVAF.

Everything is printed from the model's sympy definition (``model.current``,
``model.rates``) with common-subexpression elimination; no equation is written by hand.

Structure of the printed module (STYLE.md section 7; McAndrew et al., "Best Practices
for Compact Modeling in Verilog-A", IEEE JEDS 2015, doi:10.1109/JEDS.2015.2455342):

* terminals ``p``, ``n``; the current ``I(p, n)`` is the model's current;
* each state ``s`` is the potential of an internal node ``xs_<s>`` scaled to O(1)
  (``s = scale * V(xs_<s>)``), driven by ``ddt`` in transient analysis and held at the
  instance parameter ``<s>_init`` in static analyses (``analysis("static")``: a
  memristor has no unique DC state), with a ``$simparam("gmin")`` leakage so the node
  is never floating;
* every parameter carries ``desc``, ``units`` and a ``from [lo:hi]`` range (the card's
  bounds); ``Param.instance`` parameters and the initial states are instance parameters;
* the smooth primitives are analog functions written without branches on a bias:
  ``logistic(z) = exp(min(z,0)) / (1 + exp(-|z|))``, ``softplus(z) = max(z,0) +
  2 atanh(u/(2+u))`` with ``u = exp(-|z|)`` (that is ln(1+u) without losing the
  relative precision of small u),
  ``limexp(z) = exp(min(z, Z)) (1 + max(z - Z, 0))`` with ``Z = LIMEXP_Z``: the same
  functions as ``memli.models.smooth`` (equal to ~1e-15 relative for any z, no
  overflow, no cancellation in the exponentially small tails);
* op-point outputs: each state (in its own unit) and ``r_dev_ohm`` (chord resistance).

Cards become parameter defaults (:func:`module_text` with ``card``) or a simulator
``model`` line (:func:`model_line`, VACASK/Spectre syntax) for the generic module.
"""
from __future__ import annotations

import sympy as sp

from ..capacitance import EPS0_F_PER_M
from ..models import smooth
from .. import safetext
from ._export import (DC_SEMANTICS, ExportInfo, ExprPrinter, cap_geometry, equation_plan,
                      export_info, header_lines, num, param_doc_lines, safe_lines,
                      unit_text, used_primitives, wrap_comment)

__all__ = ["module_text", "model_line", "paramset_text", "module_name"]

_LZ = num(smooth.LIMEXP_Z)

#: analog-function bodies of the primitives (see module docstring)
_VA_FUNCS = {
    "logistic": "exp(min(z, 0.0)) / (1.0 + exp(-abs(z)))",
    "softplus": "max(z, 0.0) + 2.0 * atanh(exp(-abs(z)) / (2.0 + exp(-abs(z))))",
    "limexp": f"exp(min(z, {_LZ})) * (1.0 + max(z - {_LZ}, 0.0))",
}


class _VAPrinter(ExprPrinter):
    """Expression printer for Verilog-A (C syntax, ``ln`` natural log)."""


def module_name(model) -> str:
    return f"memli_{model.name}"


def _units(u: str) -> str:
    return safetext.string_literal(unit_text(u))


def _desc(text: str) -> str:
    """Attribute text (at most 110 characters; the full text is in the comment above)."""
    t = safetext.string_literal(text)
    return t if len(t) <= 110 else t[:107] + "..."


def _param_lines(info: ExportInfo, name: str) -> list[str]:
    p = info.model.params[name]
    lo, hi = info.bounds[name]
    attrs = (('type="instance", ' if p.instance else "")
             + f'desc="{_desc(p.doc)}", units="{_units(p.unit)}"')
    out = [f"    // {ln}" for ln in param_doc_lines(info, name)]
    out += [f"    (* {attrs} *)", f"    parameter real {name} = {num(info.values[name])} "
            f"from [{num(lo)}:{num(hi)}];"]
    return out


def _stmt(first: str, body: str, indent: str = "            ", width: int = 100) -> list[str]:
    """A statement split at spaces into lines of about ``width`` characters."""
    words = body.split(" ")
    lines, cur = [], first
    for w in words:
        if len(cur) + 1 + len(w) > width and cur.strip():
            lines.append(cur)
            cur = indent + w
        else:
            cur = f"{cur} {w}" if cur else w
    lines.append(cur)
    return lines


def module_text(model, card=None) -> str:
    """Verilog-A source of the module ``memli_<model>``.

    Parameters
    ----------
    model : Model, Card or str
        The model (with ``card`` or its default card), a Card, or a card name/path.
    card : Card or str, optional
        Card whose values become the parameter defaults and whose bounds become the
        ``from`` ranges.

    Returns
    -------
    str
        Module text, ready for ``openvaf``.

    Raises
    ------
    ExportError
        A card value outside the model's bounds, or a name clash.

    Examples
    --------
    >>> from memli.models.base import get_model
    >>> text = module_text(get_model("li_filament"))
    >>> "module memli_li_filament(p, n);" in text
    True
    """
    info = export_info(model, card)
    m = info.model
    pr = _VAPrinter()
    plan = equation_plan(info)
    v_pn = sp.Symbol("v_pn", real=True)

    def txt(e):
        return pr.doprint(e.xreplace({m.v: v_pn}))

    prims = used_primitives([m.current, *m.rates, *[e for _, e in plan.defs]])

    out = [f"// {ln}" for ln in header_lines(info, "Verilog-A module")]
    out += ['`include "constants.vams"', '`include "disciplines.vams"', ""]
    out.append(f"module {info.name}(p, n);")
    out.append("    inout p, n;")
    out.append("    electrical p, n;")
    if m.states:
        out.append("    // internal state nodes: potential = state / scale")
        out.append("    electrical " + ", ".join(f"xs_{s.name}" for s in m.states) + ";")
    out.append("")
    model_ps = [k for k, p in m.params.items() if not p.instance]
    inst_ps = [k for k, p in m.params.items() if p.instance]
    if model_ps:
        out.append("    // model parameters (card values as defaults, card bounds as ranges)")
        out += [ln for k in model_ps for ln in _param_lines(info, k)]
    out.append("    // instance parameters")
    out += [ln for k in inst_ps for ln in _param_lines(info, k)]
    out = "\n".join(out).split("\n")
    for s in m.states:
        lo, hi = s.bounds
        out += [f'    (* type="instance", desc="initial (and DC) value of state {s.name}", '
                f'units="{_units(s.unit)}" *)', f"    parameter real "
                f"{info.init_names[s.name]} = {num(s.init)} from [{num(lo)}:{num(hi)}];"]
    area, thick = cap_geometry(info)
    out.append(f"    // optional cell capacitance eps_r*eps_0*{area}/{thick} between p and n; "
               "eps_r = 0 (default) leaves it out")
    out.append('    (* type="instance", desc="relative permittivity of the cell capacitance '
               '(0: none)", units="" *) parameter real eps_r = 0 from [0:1e6];')
    for k, v in info.cap_extra.items():
        what = "area" if k.endswith("m2") else "thickness"
        unit = "m^2" if k.endswith("m2") else "m"
        out.append(f'    (* type="instance", desc="{what} of the cell capacitance", '
                   f'units="{unit}" *) parameter real {k} = {num(v)} from (0:inf);')
    out.append("")
    out.append("    // operating-point outputs")
    for s in m.states:
        out.append(f'    (* desc="{_desc(s.doc)}", units="{_units(s.unit)}" *) real {s.name};')
    out.append('    (* desc="chord resistance V(p,n)/I(p,n)", units="ohm" *) real r_dev_ohm;')
    out.append("")
    out.append("    real v_pn, i_pn, c_cell_f;")
    if m.states:
        out.append("    real " + ", ".join(f"f_{s.name}" for s in m.states) + ";")
    if plan.param_defs:
        out += _stmt("    // parameter-only (computed once per instance):", "real " + ", ".join(
            str(k) for k, _ in plan.param_defs) + ";", "    ")
        out[-1 - 0] = out[-1]
    if plan.bias_defs:
        out += _stmt("    // named sub-expressions of v_pn and the states:", "real " + ", ".join(
            str(k) for k, _ in plan.bias_defs) + ";", "    ")
    out = [ln.replace(": real ", ":\n    real ", 1) for ln in out]
    out = "\n".join(out).split("\n")
    out.append("")
    for name in prims:
        out.append(f"    // memli.models.smooth.{name}")
        out.append(f"    analog function real memli_{name};")
        out.append("        input z;")
        out.append("        real z;")
        out.append(f"        memli_{name} = {_VA_FUNCS[name]};")
        out.append("    endfunction")
        out.append("")
    out.append("    analog begin")
    if plan.param_defs:
        out.append("        // parameter-only")
    for k, e in plan.param_defs:
        out += _stmt(f"        {k} =", txt(e) + ";")
    out.append(f"        c_cell_f = eps_r * {EPS0_F_PER_M!r} * {area} / {thick};")
    out.append("        v_pn = V(p, n);")
    for s in m.states:
        sc = info.scales[s.name]
        lhs = f"V(xs_{s.name})" if sc == 1.0 else f"{num(sc)} * V(xs_{s.name})"
        out.append(f"        {s.name} = {lhs};")
    for k, e in plan.bias_defs:
        out += _stmt(f"        {k} =", txt(e) + ";")
    out += _stmt("        i_pn =", txt(plan.current) + ";")
    for s, e in zip(m.states, plan.rates):
        out += _stmt(f"        f_{s.name} =", txt(e) + ";")
    out.append("        I(p, n) <+ i_pn + ddt(c_cell_f * v_pn);")
    if m.states:
        out.append('        if (analysis("static")) begin')
        out.append("            // .op, .dc sweeps and the initial point of .tran: states held "
                   "at <state>_init")
        for s in m.states:
            sc = info.scales[s.name]
            ini = info.init_names[s.name]
            rhs = ini if sc == 1.0 else f"{ini} / {num(sc)}"
            out.append(f"            I(xs_{s.name}) <+ V(xs_{s.name}) - {rhs};")
        out.append("        end else begin")
        out.append("            // transient: d(state)/dt = rate")
        for s in m.states:
            sc = info.scales[s.name]
            rhs = f"f_{s.name}" if sc == 1.0 else f"f_{s.name} / {num(sc)}"
            out.append(f"            I(xs_{s.name}) <+ ddt(V(xs_{s.name})) - {rhs};")
        out.append("        end")
        for s in m.states:
            out.append(f'        I(xs_{s.name}) <+ $simparam("gmin", 1e-12) * V(xs_{s.name});')
    out += _stmt("        r_dev_ohm =", _chord(info, pr) + ";")
    out.append("    end")
    out.append("endmodule")
    return "\n".join(safe_lines(out, "//", f"module {info.name}")) + "\n"


def _chord(info: ExportInfo, pr) -> str:
    """Chord resistance V/I printed without a 0/0 at V = 0 when the model allows it."""
    m = info.model
    g = sp.cancel(sp.together(m.current / m.v))
    num_, den = sp.fraction(g)
    if m.v not in den.free_symbols:
        return f"1.0 / ({pr.doprint(g.subs(m.v, sp.Symbol('v_pn', real=True)))})"
    # generic fallback: V/I with a floor on |I| (output only; no contribution uses it)
    return "v_pn / (i_pn + 1e-300)"


def model_line(card, name: str | None = None) -> str:
    """A VACASK/Spectre ``model`` line binding a card's model parameters to the module.

    Instance parameters (electrode area, initial states) stay on the instance lines.

    Examples
    --------
    >>> from memli.cards import default_card
    >>> from memli.models.base import get_model
    >>> model_line(default_card(get_model("li_filament")), "tip").startswith("model tip")
    True
    """
    info = export_info(card)
    name = safetext.identifier(name, "model name") if name else safetext.to_identifier(
        info.card.name)
    vals = " ".join(f"{k}={num(info.values[k])}" for k, p in info.model.params.items()
                    if not p.instance)
    return f"model {name} {info.name} {vals}".rstrip()


def paramset_text(card, name: str | None = None) -> str:
    """The card as a Verilog-AMS ``paramset`` over ``memli_<model>``.

    OpenVAF does not compile paramsets; for VACASK use :func:`model_line`.  This text
    is for simulators that read paramsets next to the module.
    """
    info = export_info(card)
    name = safetext.identifier(name, "paramset name") if name else safetext.to_identifier(
        info.card.name)[:60]
    out = [f"// card {safetext.comment(info.card.name)} (hash {info.card.hash()}) as a paramset",
           f"paramset {name} {info.name};"]
    for k, p in info.model.params.items():
        lo, hi = info.bounds[k]
        out += [f'    (* desc="{_desc(p.doc)}", units="{_units(p.unit)}" *)',
                f"    parameter real {k} = {num(info.values[k])} from [{num(lo)}:{num(hi)}];"]
        out.append(f"    .{k} = {k};")
    out.append("endparamset")
    out = "\n".join(out).split("\n")
    return "\n".join(safe_lines(out, "//", f"paramset {name}")) + "\n"
