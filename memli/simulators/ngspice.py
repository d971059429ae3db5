"""ngspice through PySpice's binding of the shared library (libngspice).

:func:`run_transient` loads a complete deck (text), runs it in-process and returns the
vectors of the transient plot as numpy arrays.  :func:`pwl_source` and
:func:`transient_deck` build decks around exported subcircuits
(:func:`memli.codegen.spice.subckt_text`).
"""
from __future__ import annotations

import logging
import os
import re
import tempfile
import threading

import numpy as np

from ..errors import ConvergenceError, SimulatorError
from . import ngspice_library

__all__ = ["run_transient", "pwl_source", "transient_deck", "DEFAULT_OPTIONS"]

#: simulator options used by memli's decks, and why:
#: reltol 1e-5 / abstol 1e-16 A: HRS currents down to 1 pA must agree with memli's
#: device simulator within 0.02 decade and LRS within 1 %, with margin for the
#: timestep control; vntol 1e-9 V: the state nodes are O(1) V, so 1e-9 is a
#: state resolution of 1e-9; chgtol 1e-16: the 1 F state capacitors carry charge =
#: state; method gear (BDF2): stable on the stiff switching rates; itl4 100:
#: abrupt SET transitions need more Newton iterations per time point.
DEFAULT_OPTIONS = {"reltol": 1e-5, "abstol": 1e-16, "vntol": 1e-9, "chgtol": 1e-16,
                   "method": "gear", "itl4": 100}

_LOCK = threading.Lock()
_FAIL_PATTERNS = ("timestep too small", "simulation(s) aborted", "run simulation(s) aborted",
                  "doanalyses: ", "transient solution failed", "too many iterations")


def _shared():
    from PySpice.Spice.NgSpice.Shared import NgSpiceShared
    for name in ("PySpice", "PySpice.Spice.NgSpice.Shared"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    os.environ.setdefault("NGSPICE_LIBRARY_PATH", ngspice_library())
    return NgSpiceShared.new_instance()


def _fail(cls, what: str, deck: str, out: str):
    fd, path = tempfile.mkstemp(prefix="memli-ngspice-", suffix=".cir")
    with os.fdopen(fd, "w") as fh:
        fh.write(deck)
    tail = "\n".join(out.strip().splitlines()[-12:])
    return cls(f"ngspice (PySpice shared library, command 'run'): {what}; deck saved to "
               f"{path}; output tail:\n{tail}")


def _load(deck_text: str):
    """The shared ngspice with ``deck_text`` loaded in place of the previous circuit
    (call under ``_LOCK``); SimulatorError with ngspice's messages if it is rejected."""
    from PySpice.Spice.NgSpice.Shared import NgSpiceCircuitError
    ng = _shared()
    try:
        ng.destroy()
        ng.remove_circuit()
    except Exception:  # nothing loaded yet
        pass
    ng.clear_output()
    try:
        ng.load_circuit(deck_text)
    except (NgSpiceCircuitError, NameError) as e:
        raise _fail(SimulatorError, f"deck rejected ({e})", deck_text,
                    ng.stdout + "\n" + ng.stderr) from None
    return ng


def run_transient(deck_text: str, vectors=None, tstop_s: float | None = None) -> dict:
    """Run a deck holding a ``.tran`` analysis; return its vectors.

    Parameters
    ----------
    deck_text : str
        Complete netlist (title line first, ``.end`` last).
    vectors : iterable of str, optional
        Names to return (lowercase, as ngspice names them: ``time``, ``a``,
        ``x1.xs_x``, ``v1#branch``); default all.
    tstop_s : float, optional
        Stop time, s; parsed from the ``.tran`` line when omitted.  A run that ends
        before it did not converge.

    Returns
    -------
    dict of str -> ndarray
        Real-valued vectors of the transient plot.

    Raises
    ------
    SimulatorError
        The deck does not parse (message has the saved deck and ngspice's output).
    ConvergenceError
        The transient analysis stopped early (timestep too small, Newton failure).
    """
    from PySpice.Spice.NgSpice.Shared import NgSpiceCommandError

    if tstop_s is None:
        m = re.search(r"^\s*\.tran\s+(\S+)\s+(\S+)", deck_text, re.I | re.M)
        if not m:
            raise SimulatorError("ngspice deck has no .tran line")
        tstop_s = _spice_number(m.group(2))
    with _LOCK:
        ng = _load(deck_text)
        try:
            ng.run()
        except NgSpiceCommandError:
            pass  # judged below from the plot and the messages
        out = ng.stdout + "\n" + ng.stderr
        plots = [p for p in ng.plot_names if p.startswith("tran")]
        if not plots:
            low = out.lower()
            cls = ConvergenceError if any(p in low for p in _FAIL_PATTERNS) else SimulatorError
            raise _fail(cls, "no transient plot produced", deck_text, out)
        plot = ng.plot(None, plots[0])
        want = None if vectors is None else {v.lower() for v in vectors}
        res = {}
        for name, vec in plot.items():
            if want is None or name.lower() in want:
                res[name.lower()] = np.real(np.asarray(vec._data, dtype=complex)
                                            if np.iscomplexobj(vec._data)
                                            else np.asarray(vec._data, dtype=float)).copy()
        if want:
            missing = sorted(want - set(res))
            if missing:
                raise _fail(SimulatorError, f"vectors {missing} not in the plot (have "
                            f"{sorted(plot)})", deck_text, out)
        t = res.get("time", np.real(np.asarray(plot["time"]._data)))
        if t.size == 0 or t[-1] < tstop_s * (1 - 1e-6):
            raise _fail(ConvergenceError, f"transient stopped at t = "
                        f"{(t[-1] if t.size else 0):g} s before tstop = {tstop_s:g} s",
                        deck_text, out)
        try:
            ng.destroy()
            ng.remove_circuit()
        except Exception:
            pass
        return res


_SUFFIX = {"t": 1e12, "g": 1e9, "meg": 1e6, "k": 1e3, "m": 1e-3, "u": 1e-6, "n": 1e-9,
           "p": 1e-12, "f": 1e-15}


def _spice_number(s: str) -> float:
    m = re.match(r"^([-+]?[0-9.]+(?:e[-+]?\d+)?)(meg|[tgkmunpf])?", s.strip().lower())
    if not m:
        raise SimulatorError(f"cannot read SPICE number {s!r}")
    return float(m.group(1)) * _SUFFIX.get(m.group(2) or "", 1.0)


def pwl_source(name: str, p: str, n: str, t_s, v_v) -> list[str]:
    """A PWL voltage source ``V<name> p n PWL(t v ...)`` as wrapped deck lines."""
    pairs = [f"{float(t)!r} {float(v)!r}" for t, v in zip(np.asarray(t_s), np.asarray(v_v))]
    lines, cur = [], f"V{name} {p} {n} PWL("
    for pr in pairs:
        if len(cur) > 90:
            lines.append(cur)
            cur = "+"
        cur += " " + pr if not cur.endswith("(") else pr
    lines.append(cur + ")")
    return lines


def transient_deck(title: str, body_lines, tstop_s: float, max_step_s: float,
                   options: dict | None = None, saves=None) -> str:
    """A complete deck: title, body, ``.options``, ``.tran`` (no ``uic``), ``.end``.

    ``max_step_s`` bounds the internal step (set it to the waveform's sample spacing so
    interpolated outputs are accurate).
    """
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    from ..safetext import check_lines, comment
    body_lines = check_lines(body_lines, f"deck {title}", SimulatorError)
    out = [f"* {comment(title)}"] + body_lines
    ostr = " ".join(f"{k}={v}" for k, v in opts.items())
    out.append(f".options {ostr}")
    if saves:
        out.append(".save " + " ".join(saves))
    step = min(max_step_s, tstop_s / 50)
    out.append(f".tran {step!r} {float(tstop_s)!r} 0 {float(max_step_s)!r}")
    out.append(".end")
    return "\n".join(out) + "\n"


def run_commands(deck_text: str, commands) -> list[dict]:
    """Load a deck (no analysis lines needed) and run ngspice ``commands`` in turn
    (e.g. ``"op"``, ``"dc v1 0 0.1 0.01"``, ``"tran 1e-8 1e-6"``); return the vectors of
    the plot each command made (lowercase names, real parts).

    Raises
    ------
    SimulatorError
        The deck does not parse, or a command made no plot.
    """
    from PySpice.Spice.NgSpice.Shared import NgSpiceCommandError
    out = []
    with _LOCK:
        ng = _load(deck_text)
        for cmd in commands:
            before = set(ng.plot_names)
            try:
                ng.exec_command(cmd)
            except NgSpiceCommandError:
                pass
            new = [p for p in ng.plot_names if p not in before]
            if not new:
                raise _fail(ConvergenceError, f"command {cmd!r} made no plot", deck_text,
                            ng.stdout + "\n" + ng.stderr)
            plot = ng.plot(None, new[0])
            out.append({k.lower(): np.real(np.asarray(v._data)).astype(float).copy()
                        for k, v in plot.items()})
        try:
            ng.destroy()
            ng.remove_circuit()
        except Exception:
            pass
    return out
