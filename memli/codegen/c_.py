"""C code for a model's equations, compiled on demand for the device simulator.

The generated function evaluates the current, the state rates and all their
Jacobians in one pass with common subexpressions shared (``sympy.cse``).  It is
appended to the integrator in ``memli/sim/integrator.c`` and compiled with the
system C compiler into a shared library cached under ``$MEMLI_CACHE`` (default
``~/.cache/memli``), keyed by the hash of the source.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import sympy as sp
from sympy.printing.c import C99CodePrinter

from ..errors import SimulatorError
from ..models import smooth

_FUNCS = {"logistic": "m_logistic", "softplus": "m_softplus", "limexp": "m_limexp",
          "limexp_slope": "m_limexp_slope"}


class _Printer(C99CodePrinter):
    def _print_Function(self, expr):
        name = type(expr).__name__
        if name in _FUNCS:
            return f"{_FUNCS[name]}({self._print(expr.args[0])})"
        return super()._print_Function(expr)

    def _print_Pow(self, expr):
        b, e = expr.args
        if e == -1:
            return f"(1.0/({self._print(b)}))"
        if e == 2:
            s = self._print(b)
            return f"(({s})*({s}))"
        return super()._print_Pow(expr)


def model_c_source(model) -> str:
    """C source of ``memli_eval`` for ``model`` (see module docstring)."""
    pr = _Printer()
    ns = model.n_states
    j = model.jacobian_exprs
    outs = ([("out[0]", model.current)]
            + [(f"out[{1 + k}]", f) for k, f in enumerate(model.rates)]
            + [(f"out[{1 + ns}]", j["di_dv"])]
            + [(f"out[{2 + ns + k}]", e) for k, e in enumerate(j["di_dx"])]
            + [(f"out[{2 + 2 * ns + k}]", e) for k, e in enumerate(j["df_dv"])]
            + [(f"out[{2 + 3 * ns + r * ns + c}]", j["df_dx"][r][c])
               for r in range(ns) for c in range(ns)])
    # prefix every symbol so that no name can clash with C or libm identifiers
    ren = {model.v: sp.Symbol("s_v", real=True)}
    ren.update({s.symbol: sp.Symbol(f"s_{s.name}", real=True) for s in model.states})
    ren.update({p.symbol: sp.Symbol(f"s_{p.name}", real=True) for p in model.params.values()})
    exprs = [sp.sympify(e).xreplace(ren) for _, e in outs]
    repl, reduced = sp.cse(exprs, symbols=sp.numbered_symbols("c_"))
    lines = ["static void memli_eval(double s_v, const double *xs_, const double *ps_, "
             "double *out) {"]
    for k, s in enumerate(model.states):
        lines.append(f"    const double s_{s.name} = xs_[{k}];")
    for k, name in enumerate(model.params):
        lines.append(f"    const double s_{name} = ps_[{k}];")
    lines.append("    (void)s_v; (void)xs_; (void)ps_;")
    for sym, e in repl:
        lines.append(f"    const double {sym} = {pr.doprint(e)};")
    for (target, _), e in zip(outs, reduced):
        lines.append(f"    {target} = {pr.doprint(e)};")
    lines.append("}")
    lo = ", ".join(repr(float(s.bounds[0])) for s in model.states) or "0"
    hi = ", ".join(repr(float(s.bounds[1])) for s in model.states) or "0"
    head = [f"#define NS {ns}", f"#define NP {len(model.params)}",
            f"static const double X_LO[{max(ns, 1)}] = {{{lo}}};",
            f"static const double X_HI[{max(ns, 1)}] = {{{hi}}};"]
    return ("#include <math.h>\n" + "\n".join(head) + "\n" + smooth.C_IMPL + "\n" + "\n".join(lines) + "\n")


def cache_dir() -> Path:
    d = Path(os.environ.get("MEMLI_CACHE", Path.home() / ".cache" / "memli")) / "c"
    d.mkdir(parents=True, exist_ok=True)
    return d


def compile_shared(source: str, tag: str) -> Path:
    """Compile C ``source`` into a cached shared library; return its path."""
    h = hashlib.sha256(source.encode()).hexdigest()[:16]
    out = cache_dir() / f"{tag}_{h}.so"
    if out.exists():
        return out
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if not cc:
        raise SimulatorError("no C compiler found (gcc or cc); memli's device simulator "
                             "compiles each model once. Install gcc (make setup does).")
    with tempfile.TemporaryDirectory(dir=cache_dir()) as td:
        src = Path(td) / f"{tag}.c"
        src.write_text(source)
        tmp_so = Path(td) / f"{tag}.so"
        cmd = [cc, "-O2", "-shared", "-fPIC", "-o", str(tmp_so), str(src), "-lm"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            keep = cache_dir() / f"{tag}_{h}_failed.c"
            keep.write_text(source)
            raise SimulatorError(f"compiling {keep} failed: {' '.join(cmd)}\n"
                                 f"{r.stderr[-2000:]}")
        os.replace(tmp_so, out)
    return out


@lru_cache(maxsize=None)
def _load(path: str):
    return ctypes.CDLL(path)


def load_library(source: str, tag: str):
    return _load(str(compile_shared(source, tag)))
