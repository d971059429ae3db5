"""Printers (Verilog-A, ngspice): text structure, readability rules and numerical parity
of the printed expressions with the model's numpy evaluation (no simulator needed)."""
import re

import numpy as np
import pytest

from memli.cards import bundled_cards, default_card, load_card
from memli.codegen import spice, verilog_a
from memli.codegen._export import ExprPrinter
from memli.models import smooth
from memli.models.base import ModelBuilder, V, registry

MODELS = sorted(registry())


def _np_ns():
    return {"exp": np.exp, "ln": np.log, "tanh": np.tanh, "atanh": np.arctanh,
            "sqrt": np.sqrt, "abs": np.abs,
            "max": np.maximum, "min": np.minimum, "pow": np.power}


def _ternary(body):
    """``cond ? a : b`` (``b`` may be another ternary) as numpy ``where``."""
    if " ? " not in body:
        return body
    cond, rest = body.split(" ? ", 1)
    a, b = rest.split(" : ", 1)
    return f"where({cond}, {a}, {_ternary(b)})"


def _prim_ns():
    ns = {**_np_ns(), "where": np.where}
    for prim, body in spice.FUNC_BODIES.items():
        ns[f"memli_{prim}"] = (lambda b: (lambda z: eval(b, {**ns, "z": np.asarray(z, float)})))(
            _ternary(body))
    return ns


@pytest.mark.parametrize("prim", ["logistic", "softplus", "limexp"])
def test_printed_primitives_match_memli_smooth(prim):
    # same function, without overflow or cancellation: 1e-13 relative over a wide range
    # (SPICE softplus: 2e-8, its exp tail below z = -17.5, see spice.FUNC_BODIES)
    z = np.concatenate([np.linspace(-800, 800, 4001), [-1e-9, 0.0, 1e-9, 39.9, 40.0, 40.1]])
    ns = {**_np_ns(), "z": z, "where": np.where}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        sp_val = eval(_ternary(spice.FUNC_BODIES[prim]), ns)
        va_body = verilog_a._VA_FUNCS[prim]
        va_val = eval(va_body, ns)
    ref = smooth.NUMPY_IMPL[prim](z)
    np.testing.assert_allclose(sp_val, ref, rtol=2e-8 if prim == "softplus" else 1e-13,
                               atol=1e-300)
    np.testing.assert_allclose(va_val, ref, rtol=1e-13, atol=1e-300)


def _joined(text):
    """Subcircuit lines with continuation lines joined."""
    out = []
    for ln in text.splitlines():
        if ln.startswith("+ ") and out:
            out[-1] += " " + ln[2:]
        else:
            out.append(ln)
    return out


def _spice_expr(text, element):
    """The expression of a B-source in subckt text, continuation lines joined."""
    ln = next(ln for ln in _joined(text) if ln.startswith(element + " "))
    return ln.split(" I = ", 1)[1]


def _py(expr, m):
    e = expr.replace("V(v_pn)", "v_").replace("V(tran_on)", "tran_on_")
    for s in m.states:
        e = e.replace(f"V(xs_{s.name})", f"xs_{s.name}")
    return re.sub(r"V\((\w+)\)", r"node_\1", e)


@pytest.mark.parametrize("model_name", MODELS)
def test_spice_expressions_evaluate_like_numpy(model_name):
    # the printed .param, .func, node and B-source text, evaluated in Python (nodes in
    # the order printed), equals model.numeric (rtol 1e-12: only the order of
    # floating-point operations differs)
    m = registry()[model_name]
    card = default_card(m)
    text = spice.subckt_text(card)
    rng = np.random.default_rng(0)
    v = rng.uniform(-1.0, 1.0, 50)
    xs = np.array([rng.uniform(s.bounds[0], s.bounds[1], 50) for s in m.states])
    ns = {**_prim_ns(), **card.values, "v_": v, "tran_on_": 1.0,
          **{f"{s.name}_init": 0.0 for s in m.states},
          **{f"xs_{s.name}": xs[j] / (max(abs(s.bounds[0]), abs(s.bounds[1])) or 1.0)
             for j, s in enumerate(m.states)}}

    def ev(expr):
        with np.errstate(all="ignore"):
            return eval(_py(expr, m), ns)
    for ln in _joined(text):
        if ln.startswith(".param "):
            k, body = ln[len(".param "):].split(" = ", 1)
            ns[k] = eval(body.strip("{}"), ns)
        elif ln.startswith(".func ") and not ln.startswith(".func memli_"):
            head, body = ln[len(".func "):].split(" {", 1)
            fname, args = head.split("(", 1)
            ns[fname] = eval(f"lambda {args.rstrip(')')}: {body.rstrip('}')}", ns)
        elif ln.startswith("bn_"):
            name = ln.split()[2]
            ns[f"node_{name}"] = ev(ln.split(" I = ", 1)[1])
    ref = m.numeric.evaluate(v, xs, card.vector)
    # atol 1e-12 of the largest value: rates are differences of terms (grow - strip)
    # whose cancellation leaves rounding noise at that level
    i_got = ev(_spice_expr(text, "b_i"))
    np.testing.assert_allclose(i_got, ref.i, rtol=1e-12, atol=1e-12 * np.max(np.abs(ref.i)))
    for j, s in enumerate(m.states):
        scale = max(abs(s.bounds[0]), abs(s.bounds[1])) or 1.0
        got = ev(_spice_expr(text, f"b_{s.name}")) * scale
        np.testing.assert_allclose(got, ref.f[j], rtol=1e-12,
                                   atol=1e-12 * np.max(np.abs(ref.f[j])))


@pytest.mark.parametrize("card_name", sorted(bundled_cards()))
def test_no_line_over_160_and_no_machine_path(card_name, tmp_path):
    # a copy of the card in a temporary folder: no part of that path reaches the export
    import json
    src = load_card(card_name)
    d = tmp_path / "some_user" / "cards"
    d.mkdir(parents=True)
    f = d / "mycard.json"
    f.write_text(json.dumps(src.to_dict()))
    card = load_card(str(f))
    for text in (spice.subckt_text(card), verilog_a.module_text(card),
                 verilog_a.paramset_text(card)):
        assert max(len(ln) for ln in text.splitlines()) <= 160
        assert str(tmp_path) not in text and "some_user" not in text
        assert "/tmp" not in text and "/home" not in text and "/root" not in text


def test_header_states_date_version_variant_and_dc_semantics():
    import datetime
    for fn in (spice.subckt_text, verilog_a.module_text):
        text = fn(load_card("vteam_default"))
        text = " ".join(ln.lstrip("*/ ").strip() for ln in text.splitlines())
        assert datetime.date.today().isoformat() in text
        assert "memli 0." in text and "model variant:" in text and "Biolek-type" in text
        assert "DC semantics:" in text and "does not depend on `time`" in text
    va = verilog_a.module_text(load_card("llzo_tip"))
    assert 'units="1"' not in va and "Ohm" not in va and 'units=""' in va


def test_provenance_is_printed_in_full():
    card = load_card("llzo_tip")
    text = spice.subckt_text(card)
    flat = " ".join(ln.lstrip("* ").strip() for ln in text.splitlines() if ln.startswith("*"))
    for k in card.model.params:
        pv = card.provenance(k)
        for field in ("where", "note", "formula"):
            if pv.get(field):
                assert " ".join(str(pv[field]).split()) in flat, (k, field)


def test_export_refuses_values_outside_the_model_bounds(tmp_path):
    import dataclasses
    from memli.errors import ExportError
    card = load_card("llzo_tip")
    bad = dataclasses.replace(card, values={**card.values, "r_on_ohm": 1e9})
    with pytest.raises(ExportError, match="r_on_ohm.*outside"):
        spice.subckt_text(bad)
    with pytest.raises(ExportError, match="r_on_ohm.*outside"):
        verilog_a.module_text(bad)


@pytest.mark.parametrize("model_name", MODELS)
def test_verilog_a_readability(model_name):
    m = registry()[model_name]
    text = verilog_a.module_text(m)
    card = default_card(m)
    assert f"module memli_{m.name}(p, n);" in text
    assert "generated by `memli export`" in text and card.hash() in text
    assert "memli 0." in text                                   # memli version in header
    cites = next(ln for ln in text.splitlines() if ln.startswith("// citations:"))
    for c in m.citations:
        assert c in cites
    for k, p in m.params.items():
        lines = text.splitlines()
        at = next(j for j, ln in enumerate(lines) if f"parameter real {k} =" in ln)
        line = lines[at - 1] + lines[at]            # attributes on the line above
        assert "desc=" in line and "units=" in line and " from [" in line
        assert ('type="instance"' in line) == p.instance
        body = text.split("analog begin", 1)[1]
        assert re.search(rf"\b{k}\b", body), f"{k} unused in the equations"
    assert "$abstime" not in text and "limexp(" not in text.replace("memli_limexp(", "")
    assert re.search(r"\bif\s*\(\s*v_pn", text) is None          # no branching on a bias
    for s in m.states:
        assert f"ddt(V(xs_{s.name}))" in text and f"parameter real {s.name}_init" in text
    assert 'real r_dev_ohm' in text


@pytest.mark.parametrize("model_name", MODELS)
def test_spice_readability(model_name):
    m = registry()[model_name]
    text = spice.subckt_text(m)
    assert f".subckt memli_{m.name} p n params:" in text
    assert text.rstrip().endswith(f".ends memli_{m.name}")
    head = " ".join(ln[2:] if ln.startswith("+ ") else ln for ln in text.splitlines()
                    if ln.startswith(".subckt") or ln.startswith("+ ") and "=" in ln
                    and "V(" not in ln)
    for k in m.params:
        assert f" {k}=" in head
    eqs = "\n".join(ln for ln in text.splitlines() if not ln.startswith("*"))
    for k in m.params:
        assert re.search(rf"\b{k}\b", eqs.split(".func", 1)[-1]) or k in eqs
    for prim in ("logistic", "softplus", "limexp"):
        assert (f"memli_{prim}(" in eqs.split("* terminal", 1)[-1]) == \
            (f".func memli_{prim}(z)" in text)


def test_instance_line_and_model_line():
    m = registry()["li_filament"]
    assert spice.instance_line("r1c2", "row1", "col2", m, area_m2=1e-12, x_init=1.0) == \
        "Xr1c2 row1 col2 memli_li_filament area_m2=1e-12 x_init=1.0"
    with pytest.raises(Exception, match="unknown parameter"):
        spice.instance_line("a", "p", "n", m, not_a_param=1.0)
    card = load_card("llzo_tip")
    line = verilog_a.model_line(card, "tip")
    assert line.startswith("model tip memli_li_filament ") and "area_m2" not in line


def test_bundled_cards_export_with_card_values():
    for name, path in bundled_cards().items():
        c = load_card(name)
        va = verilog_a.module_text(c)
        assert f"card: {c.name}" in va and c.hash() in va
        for k, p in c.model.params.items():
            assert f"parameter real {k} = {float(c.values[k])!r} from" in va


def test_integer_powers_are_products():
    x = __import__("sympy").Symbol("x")
    pr = ExprPrinter()
    assert pr.doprint(x**2) == "(x*x)" and pr.doprint(x**-1) == "(1.0/x)"
    assert pr.doprint((x + 1) ** 3) == "((x + 1)*(x + 1)*(x + 1))"
    assert pr.doprint(__import__("sympy").log(x)) == "ln(x)"


GOLDEN_TOY_SPICE = """\
.subckt memli_toy_golden p n params: r_ohm=100.0 k_per_s=2.0 x_init=0.0 eps_r=0 cap_area_m2=1e-12
+ cap_thickness_m=1e-08
* r_ohm [ohm] in [1.0, 10000.0] (model): series resistance
*   assumed: model default
* k_per_s [1/s] in [0.1, 10.0] (model): rate
*   assumed: model default
* x_init [] (instance): initial (and DC) value of state x
* eps_r [] (instance): relative permittivity of the cell capacitance eps_r*eps_0*cap_area_m2/cap_thickness_m between p and n; 0 (default) leaves it out
* cap_area_m2 (instance): area of that capacitance (the model declares none)
* cap_thickness_m (instance): thickness of that capacitance (the model declares none)
.func memli_logistic(z) {1/(1+exp(-(z)))}
* terminal voltage v_pn = V(p,n)
e_v_pn v_pn 0 p n 1
* terminal current I(p->n)
b_i p n I = V(v_pn)*(V(xs_x) + 1)/r_ohm
* 0 in .op/.dc (and at the start of .tran), 1 during .tran
v_tran tran_on 0 dc 0 pwl(0 0 1e-15 1)
* state x: V(xs_x) = x; dx/dt = rate in .tran, held at x_init in DC
b_x 0 xs_x I = V(tran_on)*(k_per_s*(1 - V(xs_x))*memli_logistic(V(v_pn))) +
+ (1-V(tran_on))*(x_init-V(xs_x))
c_x xs_x 0 1 IC={x_init}
r_x xs_x 0 1e12
c_cell p n {eps_r*8.8541878128e-12*cap_area_m2/cap_thickness_m}
.ends memli_toy_golden
"""


def test_golden_spice_text_of_a_toy():
    b = ModelBuilder("toy_golden", doc="golden-text toy")
    r = b.param("r_ohm", 100.0, (1.0, 1e4), "series resistance")
    k = b.param("k_per_s", 2.0, (0.1, 10.0), "rate")
    x = b.state("x", 0.0, (0.0, 1.0), "state")
    m = b.build(current=V * (1 + x) / r, rates={x: k * smooth.logistic(V) * (1 - x)})
    text = spice.subckt_text(m)
    body = text[text.index(".subckt"):]
    assert body == GOLDEN_TOY_SPICE


def test_paramset_text_lists_every_parameter():
    card = load_card("llzo_tip")
    text = verilog_a.paramset_text(card, "tip")
    assert text.splitlines()[1] == "paramset tip memli_li_filament;"
    for k in card.model.params:
        assert f".{k} = {k};" in text
    assert text.rstrip().endswith("endparamset")


def test_two_models_in_one_deck_share_no_names():
    # .func and element names are local to each subcircuit
    a = spice.subckt_text(load_card("llzo_tip"))
    b = spice.subckt_text(load_card("yakopcic_default"))
    assert ".subckt memli_li_filament" in a and ".subckt memli_yakopcic" in b
    assert ".ends memli_li_filament" in a and ".ends memli_yakopcic" in b
