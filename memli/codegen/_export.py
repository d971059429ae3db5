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
from .. import capacitance, safetext
from ..errors import ExportError
from ..models import smooth

#: longest line of any exported file
MAX_LINE = 160

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
    cap_extra: dict = None

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
    clash += [n for n in RESERVED_NAMES + ("cap_area_m2", "cap_thickness_m") if n in taken]
    clash += [n for n in taken if n.startswith("cse_") or n.startswith("xs_")
              or n.startswith("f_") and n[2:] in model.state_names]
    if clash:
        raise ExportError(f"model {model.name!r}: name(s) {sorted(set(clash))} collide with "
                          "names the exporter adds ({', '.join(RESERVED_NAMES)}, "
                          "<state>_init, f_<state>, xs_*, cse_*); rename them in the model file")
    for where, e in [("current", model.current)] + [(f"rate of {s.name}", r) for s, r in
                                                   zip(model.states, model.rates)]:
        if e.atoms(smooth.limexp_slope):
            raise ExportError(f"model {model.name!r}: {where} uses limexp_slope; model "
                              "equations should use limexp (its derivative is automatic)")
    bad = [f"{k} = {num(v)} outside [{num(model.params[k].bounds[0])}, "
           f"{num(model.params[k].bounds[1])}]" for k, v in values.items()
           if not (math.isfinite(v) and model.params[k].bounds[0] <= v
                   <= model.params[k].bounds[1])]
    if bad:
        where = card.path.name if getattr(card, "path", None) else card.name
        raise ExportError(f"card {where}: value(s) outside the model's bounds, refusing to "
                          f"export: {'; '.join(bad)}")
    return ExportInfo(model, card, values, bounds, scales, init_names,
                      capacitance.extra_params(model))


def cap_geometry(info) -> tuple:
    """Names of the area and thickness used by the optional cell capacitance
    (:mod:`memli.capacitance`)."""
    return capacitance.geometry_names(info.model)


#: Verilog-A keywords and functions a model's named sub-expression must not shadow
_VA_WORDS = set("""abs acos acosh analog analysis asin asinh atan atan2 atanh begin branch
case ceil cos cosh ddt ddx default disable discipline else end endcase endfunction
endmodule endnature exclude exp floor for from function generate genvar ground idt
if inf inout input integer limexp ln log max min module nature output parameter pow
real repeat sin sinh sqrt string tan tanh while white_noise flicker_noise time temper
hertz""".split())


@dataclass
class Plan:
    """The model's equations as printed: named definitions, then current and rates.

    ``param_defs`` depend on parameters only (computed once: ``.param`` in SPICE,
    parameter-dependent variables in Verilog-A); ``bias_defs`` depend on the terminal
    voltage or the states.  Each definition uses only parameters, states, ``model.v``
    and earlier names (as symbols).
    """

    param_defs: list
    bias_defs: list
    current: sp.Expr
    rates: list

    @property
    def defs(self):
        return self.param_defs + self.bias_defs


def _expand(e, table):
    for _ in range(len(table) + 1):
        if not (e.free_symbols & set(table)):
            return e
        e = e.xreplace(table)
    return e


def _is_trivial(e) -> bool:
    return e.is_Atom or (e.is_Mul and len(e.args) == 2 and e.args[0] == -1 and e.args[1].is_Atom)


def equation_plan(info: "ExportInfo") -> Plan:
    """Named sub-expressions of the model file (``Model.names``) substituted into the
    current and the rates, checked to expand back exactly; parameter-only calls of
    functions (``logistic(...)``, ``ln(...)``...) that are not named get ``p_<k>``."""
    m = info.model
    bias_syms = {m.v} | {s.symbol for s in m.states}
    names = [(k, sp.sympify(e)) for k, e in getattr(m, "names", {}).items()]
    syms = {k: sp.Symbol(k, real=True) for k, _ in names}
    taken = set(m.params) | set(m.state_names) | set(info.init_names.values())
    bad = [k for k, _ in names if k in _VA_WORDS or k in taken or k in RESERVED_NAMES
           or k.startswith(("xs_", "p_", "f_"))]
    if bad:
        raise ExportError(f"model {m.name!r}: named sub-expression(s) {bad} collide with "
                          "Verilog-A words or names the exporter adds; rename them")
    defs = []            # (symbol, compact expression)
    for k, e in names:
        c = e
        for s_k, full in reversed([(syms[j], f) for j, f in names[:len(defs)]]):
            c = c.subs(full, s_k)
        defs.append((syms[k], c))
    table = {}
    for s_k, c in defs:
        table[s_k] = _expand(c, table)
    ok = all(table[s_k] == e for (s_k, _), (_, e) in zip(defs, names))
    if not ok:           # a substitution changed an expression: print without names
        defs, table = [], {}

    def compact(e):
        c = e
        for s_k, c_full in reversed([(s_k, table[s_k]) for s_k, _ in defs]):
            c = c.subs(c_full, s_k)
        return c if _expand(c, table) == e else e

    current = compact(m.current)
    rates = [compact(r) for r in m.rates]
    # keep only the names used (transitively) by the current and the rates
    used, todo = set(), [current, *rates]
    dmap = dict(defs)
    while todo:
        e = todo.pop()
        for f in e.free_symbols:
            if f in dmap and f not in used:
                used.add(f)
                todo.append(dmap[f])
    defs = [(s_k, c) for s_k, c in defs if s_k in used]
    # parameter-only function calls not named in the model file
    auto = {}

    def hoist(e):
        if not (e.free_symbols & (bias_syms | {s for s, c in defs
                                               if table[s].free_symbols & bias_syms})):
            if isinstance(e, (sp.Function, sp.log, sp.exp)) or (
                    e.is_Pow and not e.exp.is_Integer and not e.exp == sp.Rational(1, 2)):
                if e not in auto:
                    auto[e] = sp.Symbol(f"p_{len(auto) + 1}", real=True)
                return auto[e]
        if e.is_Atom:
            return e
        return e.func(*[hoist(a) for a in e.args])

    defs = [(s_k, c if not (table[s_k].free_symbols & bias_syms) else hoist(c))
            for s_k, c in defs]
    current, rates = hoist(current), [hoist(r) for r in rates]
    param_defs = [(v, k) for k, v in auto.items()]
    param_defs += [(s_k, c) for s_k, c in defs if not (table[s_k].free_symbols & bias_syms)]
    bias_defs = [(s_k, c) for s_k, c in defs if table[s_k].free_symbols & bias_syms]
    return Plan(param_defs, bias_defs, current, rates)


#: names the exporters add to every printed model
RESERVED_NAMES = ("v_pn", "i_pn", "r_dev_ohm", "c_cell_f", "eps_r", "tran_on")


def provenance_text(info: ExportInfo, name: str) -> str:
    """Provenance of a card parameter, in full: ``kind ref: where; note`` (one line of
    ASCII; a data file is named by its file name only, never by a path)."""
    pv = info.card.provenance(name)
    kind = pv.get("kind", "assumed")
    ref = pv.get("ref") or ""
    data = pv.get("data")
    if data:
        ref = (ref + " " if ref else "") + "data " + _file_name(data)
    what = [str(pv[k]) for k in ("where", "formula", "note") if pv.get(k)]
    if pv.get("stderr") is not None:
        what.append(f"stderr {pv['stderr']}")
    txt = f"{kind}" + (f" {ref}" if ref else "") + (": " + "; ".join(what) if what else "")
    return safetext.comment(txt)


def _file_name(path) -> str:
    """The last component of a path written on any system (no folder names)."""
    return str(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def wrap_comment(text: str, width: int = 150, indent: str = "") -> list[str]:
    """Split one comment text into lines of at most ``width`` characters at spaces."""
    words = safetext.comment(text).split(" ")
    out, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width - len(indent):
            out.append(indent + cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    out.append(indent + cur)
    return out


def unit_text(unit: str) -> str:
    """A unit as printed: '' for dimensionless, 'ohm' (one spelling)."""
    u = (unit or "").strip()
    if u in ("1", "-"):
        return ""
    return u.replace("Ohm", "ohm").replace("\u03a9", "ohm")


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


#: DC semantics stated in every header and in docs/export.md
DC_SEMANTICS = (
    "DC semantics: in .op, .dc and the initial point of .tran every state is held at its "
    "<state>_init (instance parameter); the hold does not depend on `time` (SPICE: a "
    "per-instance source tran_on that is 0 in DC analyses and rises to 1 in the first "
    "femtosecond of .tran; Verilog-A: analysis(\"static\")). DC sweeps therefore show no "
    "switching or hysteresis: to see switching run .tran with a slow ramp.")


def variant_text(model) -> str:
    v = getattr(model, "variant", None) or ("a model that states no variant: see its model "
                                            "file for how it relates to any published model.")
    if getattr(model, "is_reversed", False):
        v += " Terminals swapped (I'(V) = -I(-V))."
    return v


def header_lines(info: ExportInfo, dialect: str) -> list[str]:
    """Header (text lines without comment markers, each at most ~150 characters)."""
    import datetime
    m, c = info.model, info.card
    kinds = {}
    for k in m.params:
        kinds.setdefault(c.provenance(k).get("kind", "assumed"), []).append(k)
    today = datetime.date.today().isoformat()
    paras = [
        f"{info.name}: {m.doc}",
        f"{dialect} generated by `memli export` (memli {__version__}) on {today} from the "
        "model's sympy definition; do not edit by hand.",
        f"model: {m.name}    card: {c.name}    card hash: {c.hash()}",
        "model variant: " + variant_text(m),
        ("card is GENERATED (synthetic values)" if c.generated else
         "card provenance: " + "; ".join(f"{k}: {len(v)} parameter(s)"
                                         for k, v in sorted(kinds.items()))),
        "citations: " + (", ".join(dict.fromkeys(tuple(m.citations) + tuple(c.citations)))
                         or "none"),
        "terminals: p (positive), n; current I(p->n) = I(V(p,n), states)",
        DC_SEMANTICS,
        "states (internal node potential = state / scale):",
    ]
    if getattr(c, "description", None):
        paras.insert(5, "card description: " + str(c.description))
    lines = []
    for ptxt in paras:
        lines += wrap_comment(ptxt, 150)
    for st in m.states:
        lines += wrap_comment(f"{st.name} [{unit_text(st.unit)}] in [{num(st.bounds[0])}, "
                              f"{num(st.bounds[1])}], scale {num(info.scales[st.name])}: "
                              f"{st.doc}", 150, "  ")
    return lines


def param_doc_lines(info: ExportInfo, name: str, width: int = 150) -> list[str]:
    """Comment lines documenting one parameter: unit, bounds, kind, description and the
    card's full provenance."""
    p = info.model.params[name]
    lo, hi = info.bounds[name]
    kind = "instance" if p.instance else "model"
    out = wrap_comment(f"{name} [{unit_text(p.unit)}] in [{num(lo)}, {num(hi)}] ({kind}): "
                       f"{p.doc}", width)
    out += wrap_comment(provenance_text(info, name), width, "  ")
    return out


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
            width = MAX_LINE - len(head) - len(marker) - len(pad)
            for piece in wrap_comment(body, max(width, 40)):
                out.append(f"{head}{marker}{pad}{piece}".rstrip())
        else:
            if safetext.has_control(ln):
                raise ExportError(f"{what}: refusing to print a line holding a control "
                                  f"character: {safetext.comment(ln, 80)!r}")
            if len(ln) > MAX_LINE:
                raise ExportError(f"{what}: a printed line has {len(ln)} characters (limit "
                                  f"{MAX_LINE}): {safetext.comment(ln, 80)!r}")
            out.append(ln)
    return out
