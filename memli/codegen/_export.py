"""Shared pieces of the Verilog-A and SPICE printers (memli.codegen.verilog_a, .spice).

Both printers work from the model's sympy definition only (``model.current``,
``model.rates``); nothing here knows any particular model.

State representation (both dialects): each state ``s`` becomes an internal node
``xs_<s>`` whose potential is ``s / scale`` with ``scale = max(|lo|, |hi|)`` of the
state's declared bounds, so the node potential stays O(1) whatever the state's unit.
The node obeys ``d V(xs)/dt = f_s(V, x) / scale`` in transient analysis and is held
at ``<s>_init / scale`` in the operating point (a memristor has no unique DC state;
a fresh device starts at its initial state).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import sympy as sp
from sympy.printing.c import C99CodePrinter

from .. import __version__
from .. import safetext
from ..errors import ExportError
from ..models import smooth

#: the three smooth primitives a printed model may call
PRIMITIVE_NAMES = ("logistic", "softplus", "limexp")


@dataclass
class ExportInfo:
    """Everything a printer needs: model, card, values, bounds and state scaling."""

    model: object
    card: object
    values: dict
    bounds: dict
    scales: dict
    init_names: dict

    @property
    def name(self) -> str:
        return f"memli_{self.model.name}"


def resolve(model_or_card, card=None):
    """Return (model, card) from a Model, a Card, or a card name/path."""
    from ..cards import Card, default_card, load_card
    from ..models.base import Model

    if isinstance(model_or_card, Card):
        return model_or_card.model, (card or model_or_card)
    if isinstance(model_or_card, Model):
        model = model_or_card
        if card is None:
            card = default_card(model)
        elif not isinstance(card, Card):
            card = load_card(card)
        if card.model.name != model.name:
            raise ExportError(f"card {card.name!r} is for model {card.model.name!r}, not "
                              f"{model.name!r}")
        return model, card
    if isinstance(model_or_card, str):
        c = load_card(model_or_card)
        return c.model, (card or c)
    raise ExportError(f"expected a Model, a Card or a card name; got {type(model_or_card).__name__}")


def state_scale(state) -> float:
    """Node-potential scale of a state: max(|lo|, |hi|) of its bounds (1 if both are 0)."""
    lo, hi = state.bounds
    s = max(abs(lo), abs(hi))
    return float(s) if s > 0 and math.isfinite(s) else 1.0


def export_info(model_or_card, card=None) -> ExportInfo:
    """Collect the printer inputs and check the names the printers add."""
    model, card = resolve(model_or_card, card)
    values = {k: float(card.values.get(k, p.default)) for k, p in model.params.items()}
    bounds = {}
    for k, p in model.params.items():
        lo, hi = p.bounds
        b = card.meta.get(k, {}).get("bounds") if card.meta else None
        if b:
            lo, hi = max(lo, float(b[0])), min(hi, float(b[1]))
        bounds[k] = (lo, hi)
    scales = {s.name: state_scale(s) for s in model.states}
    init_names = {s.name: f"{s.name}_init" for s in model.states}
    taken = set(model.params) | set(model.state_names)
    clash = [n for n in init_names.values() if n in taken]
    clash += [n for n in ("v_pn", "i_pn", "r_dev_ohm") if n in taken]
    clash += [n for n in taken if n.startswith("cse_") or n.startswith("xs_")
              or n.startswith("f_") and n[2:] in model.state_names]
    if clash:
        raise ExportError(f"model {model.name!r}: name(s) {sorted(set(clash))} collide with "
                          "names the exporter adds (v_pn, i_pn, r_dev_ohm, <state>_init, "
                          "f_<state>, xs_*, cse_*); rename them in the model file")
    for where, e in [("current", model.current)] + [(f"rate of {s.name}", r) for s, r in
                                                   zip(model.states, model.rates)]:
        if e.atoms(smooth.limexp_slope):
            raise ExportError(f"model {model.name!r}: {where} uses limexp_slope; model "
                              "equations should use limexp (its derivative is automatic)")
    return ExportInfo(model, card, values, bounds, scales, init_names)


def provenance_text(info: ExportInfo, name: str, width: int = 110) -> str:
    """One-line provenance of a card parameter: ``kind ref: where`` (shortened)."""
    pv = info.card.provenance(name)
    kind = pv.get("kind", "assumed")
    ref = pv.get("ref") or pv.get("data") or ""
    what = pv.get("where") or pv.get("formula") or pv.get("note") or ""
    txt = f"{kind}" + (f" {ref}" if ref else "") + (f": {what}" if what else "")
    return safetext.comment(txt, width)


def used_primitives(exprs) -> list[str]:
    """Names of the smooth primitives used in ``exprs`` (in PRIMITIVE_NAMES order)."""
    found = set()
    for e in exprs:
        for f in sp.preorder_traversal(e):
            if isinstance(f, sp.Function) and type(f).__name__ in PRIMITIVE_NAMES:
                found.add(type(f).__name__)
    return [n for n in PRIMITIVE_NAMES if n in found]


def num(x: float) -> str:
    """Shortest round-trip text of a float (valid in Verilog-A and SPICE)."""
    x = float(x)
    if not math.isfinite(x):
        raise ExportError(f"cannot print non-finite number {x}")
    r = repr(x)
    return r


class ExprPrinter(C99CodePrinter):
    """C-like expression printer shared by both dialects.

    Differences from C: natural log is ``ln``; integer powers are written as products
    (so simulators never differentiate ``pow`` at a negative base); floats are printed
    in shortest round-trip form; the smooth primitives are printed as calls to
    ``memli_<name>`` (defined as Verilog-A analog functions or SPICE ``.func``).
    """

    def __init__(self, settings=None):
        funcs = {n: f"memli_{n}" for n in PRIMITIVE_NAMES}
        super().__init__({"user_functions": funcs, **(settings or {})})

    def _print_Float(self, e):
        return num(float(e))

    def _print_Rational(self, e):
        return num(float(e.p) / float(e.q))

    def _print_Integer(self, e):
        return str(int(e))

    def _print_log(self, e):
        return f"ln({self._print(e.args[0])})"

    def _print_Pow(self, e):
        b, x = e.base, e.exp
        if x == sp.Rational(1, 2):
            return f"sqrt({self._print(b)})"
        if x == -sp.Rational(1, 2):
            return f"(1.0/sqrt({self._print(b)}))"
        if x.is_Integer and 1 <= abs(int(x)) <= 4:
            k = abs(int(x))
            bs = self._print(b)
            if not (b.is_Atom or isinstance(b, sp.Function)):
                bs = f"({bs})"
            prod = "*".join([bs] * k)
            if int(x) > 0:
                return prod if k == 1 else f"({prod})"
            return f"(1.0/{prod})" if k == 1 else f"(1.0/({prod}))"
        return f"pow({self._print(b)}, {self._print(x)})"

    def _print_limexp_slope(self, e):  # pragma: no cover - rejected in export_info
        raise ExportError("limexp_slope cannot be printed")


def header_lines(info: ExportInfo, dialect: str) -> list[str]:
    """Provenance header (text lines without comment markers)."""
    m, c = info.model, info.card
    kinds = {}
    for k in m.params:
        kinds.setdefault(c.provenance(k).get("kind", "assumed"), []).append(k)
    src = c.path.name if getattr(c, "path", None) else "model defaults"
    lines = [
        f"{info.name}: {m.doc}",
        f"{dialect} generated by `memli export` (memli {__version__}) from the model's "
        "sympy definition; do not edit by hand.",
        f"model: {m.name}    card: {c.name} ({src})    card hash: {c.hash()}",
        ("card is GENERATED (synthetic values)" if c.generated else
         "card provenance: " + "; ".join(f"{k}: {len(v)} parameter(s)"
                                         for k, v in sorted(kinds.items()))),
        "citations: " + (", ".join(dict.fromkeys(tuple(m.citations) + tuple(c.citations)))
                         or "none"),
        "terminals: p (positive), n; current I(p->n) = I(V(p,n), states)",
        "states (internal node potential = state / scale; held at <state>_init in the "
        "operating point):",
    ]
    for s in m.states:
        lines.append(f"  {s.name} [{s.unit or '1'}] in [{num(s.bounds[0])}, "
                     f"{num(s.bounds[1])}], scale {num(info.scales[s.name])}: {s.doc}")
    return [safetext.comment(ln) if not ln.startswith("  ") else "  " + safetext.comment(ln)
            for ln in lines]


def safe_lines(lines, marker: str, what: str) -> list[str]:
    """Last guard of every printer.  Comment lines (starting with ``marker``) become one
    line of printable ASCII (indentation kept); a code line holding a control character
    is refused (a line break inside it would start an unintended statement)."""
    out = []
    for ln in lines:
        if ln.lstrip().startswith(marker):
            head, rest = ln.split(marker, 1)
            pad = rest[: len(rest) - len(rest.lstrip(" "))]
            body = safetext.comment(rest)
            out.append(f"{head}{marker}{pad}{body}".rstrip())
        else:
            if safetext.has_control(ln):
                raise ExportError(f"{what}: refusing to print a line holding a control "
                                  f"character: {safetext.comment(ln, 80)!r}")
            out.append(ln)
    return out
