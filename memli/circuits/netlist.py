"""SPICE (ngspice) and VACASK netlists of crossbars; their DC operating point in ngspice.

Node names follow :mod:`memli.circuits.network`: ``w_i_j`` and ``b_i_j`` are the
word- and bit-line nodes of cell (i, j); ``vs_i`` the word-line sources and
``vsense_j`` the zero-volt (or ``v_bl``) sources in series with the bit-line
terminals, whose branch currents are the bit-line currents.

Cells are written in one of two ways:

* fixed conductances: one resistor per cell;
* a memli model: the model's exported subcircuit (:mod:`memli.codegen.spice`; VACASK:
  the Verilog-A module of :mod:`memli.codegen.verilog_a`), one instance per cell with
  the cell's parameters and its present states as ``<state>_init``.  In ``.op`` and
  ``.dc`` the exported models hold their states at ``<state>_init``, so a ``.op`` deck
  is a read of the present states and a ``.tran`` deck starts from them.  A selector
  is its own exported (stateless) subcircuit in series.

There is one SPICE printer (:mod:`memli.codegen.spice`); this module only places
instances, wires and sources.
"""
from __future__ import annotations

import os

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ExportError, SimulatorError
from ..safetext import comment
from .network import Terminals

_OPTIONS = ".options reltol=1e-9 abstol=1e-18 vntol=1e-12 gmin=1e-18 itl1=500"

#: cell kinds accepted by :func:`crossbar_netlist` ("frozen" is the former name of a
#: read with the states held: the exported subcircuit does that in .op)
CELLS = ("auto", "resistor", "subckt", "frozen")


def _fmt(x) -> str:
    return repr(float(x))


def _cell_params(model, params, states) -> list[tuple[str, float]]:
    """(name, value) of one cell: every parameter, then ``<state>_init``."""
    out = [(k, float(params[r])) for r, k in enumerate(model.param_names)]
    out += [(f"{s.name}_init", float(states[r])) for r, s in enumerate(model.states)]
    return out


def _crossbar_body(xb, t, cell: str, dialect: str) -> list[str]:
    """Sources, wires and cells of a crossbar in ``dialect`` (``ngspice`` or ``vacask``).

    VACASK lines need ``model r resistor`` and ``model vsource vsource``; device cells
    use one model line per cell (``mc_i_j``: the cell's model parameters)."""
    n, m = xb.n, xb.m
    wr = xb.wires
    ng = dialect == "ngspice"

    def res(name, a, b, r):
        if r > 0:
            return f"{name} {a} {b} {_fmt(r)}" if ng else f"{name} ({a} {b}) r r={_fmt(r)}"
        name = "v" + name[1:]
        return f"{name} {a} {b} dc 0" if ng else f"{name} ({a} {b}) vsource dc=0"

    def src(name, a, v):
        return f"{name} {a} 0 dc {_fmt(v)}" if ng else f"{name} ({a} 0) vsource dc={_fmt(v)}"

    lines = []
    for i in range(n):
        if t.wl_float[i]:
            continue
        if wr.r_source_ohm > 0:
            lines.append(src(f"vs_{i}", f"in_{i}", t.v_wl[i]))
            lines.append(res(f"rs_{i}", f"in_{i}", f"w_{i}_0", wr.r_source_ohm))
        else:
            lines.append(src(f"vs_{i}", f"w_{i}_0", t.v_wl[i]))
    for i in range(n):
        for j in range(m - 1):
            lines.append(res(f"rw_{i}_{j}", f"w_{i}_{j}", f"w_{i}_{j + 1}", wr.r_wl_ohm))
    for j in range(m):
        for i in range(n - 1):
            lines.append(res(f"rb_{i}_{j}", f"b_{i}_{j}", f"b_{i + 1}_{j}", wr.r_bl_ohm))
        if t.bl_float[j]:
            continue
        end = f"b_{n - 1}_{j}"
        if wr.r_sense_ohm > 0:
            lines.append(res(f"rt_{j}", end, f"t_{j}", wr.r_sense_ohm))
            end = f"t_{j}"
        lines.append(src(f"vsense_{j}", end, t.v_bl[j]))
    if cell == "resistor":
        g = xb.g_fixed if xb.g_fixed is not None else xb.small_signal_conductance(0.0)
        for i in range(n):
            for j in range(m):
                if g[i, j] > 0:
                    lines.append(res(f"rc_{i}_{j}", f"w_{i}_{j}", f"b_{i}_{j}", 1.0 / g[i, j]))
        return lines
    model = xb.model
    name = f"memli_{model.name}"
    sel = xb.selector
    for i in range(n):
        for j in range(m):
            a, c = f"w_{i}_{j}", f"b_{i}_{j}"
            if sel is not None:
                mid = f"x_{i}_{j}"
                kv = _cell_params(sel.model, sel.params, [])
                lines.append(_instance(f"xsel_{i}_{j}", a, mid, sel.model, kv, dialect))
                a = mid
            kv = _cell_params(model, xb.params[:, i, j], xb.states[:, i, j])
            lines.append(_instance(f"xc_{i}_{j}", a, c, model, kv, dialect))
    return lines


def _instance(inst, a, b, model, kv, dialect) -> str:
    name = f"memli_{model.name}"
    if dialect == "ngspice":
        return f"{inst} {a} {b} {name} " + " ".join(f"{k}={_fmt(v)}" for k, v in kv)
    mp = [(k, v) for k, v in kv if k in model.params and not model.params[k].instance]
    ip = [(k, v) for k, v in kv if (k, v) not in mp]
    mline = f"model m{inst} {name} " + " ".join(f"{k}={_fmt(v)}" for k, v in mp)
    iline = f"{inst} ({a} {b}) m{inst} " + " ".join(f"{k}={_fmt(v)}" for k, v in ip)
    return mline.rstrip() + "\n" + iline.rstrip()


def _subckts(xb) -> list[str]:
    from ..codegen.spice import subckt_text
    out = [subckt_text(xb.card if xb.card is not None else xb.model).rstrip()]
    if xb.selector is not None:
        out.append(subckt_text(xb.selector.model).rstrip())
    return out


def crossbar_netlist(xb, v_wl, v_bl=0.0, wl_float=None, bl_float=None,
                     cell: str = "auto", title: str = "memli crossbar") -> str:
    """The crossbar ``xb`` (:class:`memli.circuits.crossbar.Crossbar`) as an ngspice deck
    with a ``.op`` analysis.

    Parameters
    ----------
    cell : {"auto", "resistor", "subckt", "frozen"}
        ``resistor``: one resistor per cell (fixed conductances, or a model's
        small-signal conductance at 0 V); ``subckt`` (or ``frozen``, the same): the
        exported subcircuit per cell with its present states; ``auto``: resistors for
        fixed conductances, subcircuits for models.
    """
    if cell not in CELLS:
        raise ExportError(f"cell={cell!r}; expected one of {list(CELLS)}")
    n, m = xb.n, xb.m
    wr = xb.wires
    t = Terminals.make(n, m, v_wl, v_bl, wl_float, bl_float)
    if cell == "auto":
        cell = "resistor" if xb.model is None else "subckt"
    if cell != "resistor" and xb.model is None:
        raise ExportError(f"cell={cell!r} needs a device model; this crossbar has fixed "
                          "conductances (use cell='resistor')")
    lines = [f"* {comment(title)}: {n} x {m} cells, generated by memli.circuits.netlist",
             f"* r_wl={wr.r_wl_ohm:g} r_bl={wr.r_bl_ohm:g} r_source={wr.r_source_ohm:g} "
             f"r_sense={wr.r_sense_ohm:g} ohm"]
    if cell != "resistor":
        lines += _subckts(xb)
    lines += _crossbar_body(xb, t, cell, "ngspice")
    lines += [_OPTIONS, ".op", ".end"]
    return "\n".join(lines) + "\n"


def _parse_ascii_raw(text: str) -> dict:
    """{name: value at the last point} from an ASCII raw file."""
    names, vals, mode = [], [], None
    nvar = 0
    for line in text.splitlines():
        if line.startswith("No. Variables:"):
            nvar = int(line.split(":")[1])
        elif line.startswith("Variables:"):
            mode = "vars"
        elif line.startswith("Values:"):
            mode = "vals"
        elif mode == "vars" and line.strip():
            names.append(line.split()[1].lower())
        elif mode == "vals" and line.strip():
            vals.append(float(line.split()[-1].split(",")[0]))
    if len(names) != nvar or len(vals) < nvar:
        raise SimulatorError("ngspice raw file: could not read the analysis results")
    npts = len(vals) // nvar
    last = vals[(npts - 1) * nvar: npts * nvar]
    return dict(zip(names, last))


def run_ngspice_op(deck: str, timeout_s: float | None = 600.0, workdir=None) -> dict:
    """Run ``ngspice -b`` on a deck with ``.op`` and return {vector name: value}.

    Branch currents appear as ``i(vsense_j)``; node voltages as ``v(w_i_j)``.

    Raises
    ------
    SimulatorError
        ngspice missing, failing, or slower than ``timeout_s`` (message has the deck
        path, command and stderr tail).
    """
    tmp = tempfile.mkdtemp(prefix="memli_xbar_", dir=workdir)
    deck_p = Path(tmp) / "crossbar.cir"
    raw_p = Path(tmp) / "crossbar.raw"
    deck_p.write_text(deck)
    cmd = ["ngspice", "-b", "-r", str(raw_p), str(deck_p)]
    env = dict(os.environ, SPICE_ASCIIRAWFILE="1")
    try:
        pr = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
    except FileNotFoundError:
        raise SimulatorError(f"{deck_p}: ngspice not found on PATH (command {' '.join(cmd)}); "
                             "install ngspice") from None
    except subprocess.TimeoutExpired:
        raise SimulatorError(f"{deck_p}: ngspice did not finish within {timeout_s} s "
                             f"(command {' '.join(cmd)})") from None
    if pr.returncode != 0 or not raw_p.exists():
        tail = "\n".join((pr.stderr or pr.stdout).splitlines()[-8:])
        raise SimulatorError(f"{deck_p}: ngspice failed (exit {pr.returncode}; command "
                             f"{' '.join(cmd)}): {tail}")
    raw = raw_p.read_bytes()
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise SimulatorError(f"{raw_p}: binary raw file; expected ASCII "
                             "(SPICE_ASCIIRAWFILE=1)") from None
    out = _parse_ascii_raw(text)
    for p in (deck_p, raw_p):
        p.unlink(missing_ok=True)
    os.rmdir(tmp)
    return out


def ngspice_bitline_currents(op: dict, m: int) -> np.ndarray:
    """Bit-line terminal currents (A, word line to bit line positive) from an op dict."""
    out = np.zeros(m)
    for j in range(m):
        key = f"i(vsense_{j})"
        alt = f"vsense_{j}#branch"
        if key in op:
            out[j] = op[key]
        elif alt in op:
            out[j] = op[alt]
        else:
            out[j] = np.nan
    # SPICE branch current flows from + to - inside the source: into the terminal
    return out





def _pulse_waveforms(xb, pulses, rise_s):
    """Times (s) and word/bit-line voltages (V) of a pulse train as PWL corner points."""
    if any(p.drive.wl_float.any() or p.drive.bl_float.any() for p in pulses):
        raise ExportError("crossbar transient deck: floating lines cannot be written as "
                          "PWL sources; use the v/2, v/3 or ground scheme")
    t = [0.0]
    vw = [np.zeros(xb.n)]
    vb = [np.zeros(xb.m)]
    for p in pulses:
        t += [t[-1] + rise_s, t[-1] + p.width_s - rise_s]
        vw += [p.drive.v_wl, p.drive.v_wl]
        vb += [p.drive.v_bl, p.drive.v_bl]
        t.append(t[-1] + rise_s)
        vw.append(np.zeros(xb.n))
        vb.append(np.zeros(xb.m))
    return np.array(t), np.array(vw), np.array(vb)


def _transient_parts(xb, pulses, rise_s, dialect):
    """Body lines (wires, cells, PWL line sources) and the stop time of a pulse train."""
    t, vw, vb = _pulse_waveforms(xb, pulses, rise_s)
    term = Terminals.make(xb.n, xb.m, pulses[0].drive.v_wl, pulses[0].drive.v_bl)
    body = [ln for ln in _crossbar_body(xb, term, "subckt", dialect)
            if not ln.startswith(("vs_", "vsense_"))]
    wr = xb.wires
    if dialect == "ngspice":
        from ..simulators.ngspice import pwl_source
    else:
        from ..simulators.vacask import pwl_source
    for i in range(xb.n):
        node = f"in_{i}" if wr.r_source_ohm > 0 else f"w_{i}_0"
        body += pwl_source(f"vs_{i}" if dialect != "ngspice" else f"s_{i}", node, "0", t,
                           vw[:, i])
    for j in range(xb.m):
        node = f"t_{j}" if wr.r_sense_ohm > 0 else f"b_{xb.n - 1}_{j}"
        body += pwl_source(f"vsense_{j}" if dialect != "ngspice" else f"sense_{j}", node, "0",
                           t, vb[:, j])
    return body, float(t[-1])


def crossbar_transient_deck(xb, pulses, rise_s: float = 1e-7, saves=None,
                            title: str = "memli crossbar programming",
                            max_step_s: float | None = None) -> str:
    """A ``.tran`` deck of the crossbar (exported subcircuit per cell) driven by a pulse
    train (list of :class:`memli.circuits.writes.Pulse`; floating lines unsupported).

    Each line source is a PWL waveform holding each pulse's voltage for its width with
    ``rise_s`` edges; states start at the crossbar's present states.  ``max_step_s``:
    largest internal time step (default: ngspice's own choice).
    """
    from ..simulators.ngspice import DEFAULT_OPTIONS
    body, tstop = _transient_parts(xb, pulses, rise_s, "ngspice")
    lines = [f"* {comment(title)}: {xb.n} x {xb.m} cells, generated by memli.circuits.netlist"]
    lines += _subckts(xb) + body
    opts = " ".join(f"{k}={v}" for k, v in DEFAULT_OPTIONS.items())
    lines.append(f".options {opts}")
    if saves:
        lines.append(".save " + " ".join(saves))
    tail = "" if max_step_s is None else f" 0 {float(max_step_s)!r}"
    lines.append(f".tran {tstop / 200!r} {tstop!r}{tail}")
    lines.append(".end")
    return "\n".join(lines) + "\n"


def crossbar_transient_netlist_vacask(xb, pulses, osdi_names, rise_s: float = 1e-7,
                                      title: str = "memli crossbar programming",
                                      max_step_s: float | None = None) -> str:
    """The deck of :func:`crossbar_transient_deck` as a VACASK netlist (analysis
    ``tran1``); ``osdi_names`` are the file names of the compiled modules to load
    (the device's and, with a selector, the selector's)."""
    from ..simulators.vacask import DEFAULT_OPTIONS
    body, tstop = _transient_parts(xb, pulses, rise_s, "vacask")
    out = [f"{comment(title)}: {xb.n} x {xb.m} cells, generated by memli.circuits.netlist"]
    out += [f'load "{Path(x).name}"' for x in osdi_names]
    out += ['load "resistor.osdi"', "model r resistor", "model vsource vsource"]
    out += body
    out.append("control")
    out.append("  options " + " ".join(f"{k}={v}" for k, v in DEFAULT_OPTIONS.items()))
    ms = "" if max_step_s is None else f" maxstep={float(max_step_s)!r}"
    out.append(f"  analysis tran1 tran step={tstop / 200!r} stop={tstop!r}{ms}")
    out.append("endc")
    return "\n".join(out) + "\n"
