"""VACASK: run netlists that load OpenVAF-compiled Verilog-A modules.

:func:`run` writes a netlist into a work folder, runs ``vacask`` there and reads the
binary raw files of its analyses (:func:`read_raw`).  :func:`netlist` builds a netlist
around an exported module (:func:`memli.codegen.verilog_a.module_text`).

VACASK netlist syntax used here (one statement per line)::

    load "memli_li_filament.osdi"
    model tip memli_li_filament r_on_ohm=116 ...      // card: model parameters
    model vsource vsource
    v1 (a 0) vsource type="pwl" wave=[0, 0, 0.01, -0.01, ...]
    d1 (a 0) tip area_m2=3e-17 x_init=0                // instance parameters
    control
      options reltol=1e-6 abstol=1e-16
      analysis tran1 tran step=1e-3 stop=1 maxstep=1e-3
    endc
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ConvergenceError, SimulatorError
from . import vacask_path

__all__ = ["run", "read_raw", "netlist", "pwl_source", "DEFAULT_OPTIONS"]

#: options used by memli's netlists, and why: reltol 1e-6 and abstol 1e-16 A so that LRS
#: currents and HRS currents down to 1 pA agree with memli within 1 % / 0.02 decade
#: with margin (VACASK's truncation-error control is looser than ngspice's at equal
#: reltol: on the Yakopcic card the LRS error was 0.6 % at 1e-5 and 0.25 % at 1e-6, for
#: 20 % more time points); vntol 1e-9 (state nodes are O(1) V); chgtol 1e-16 (1 F state
#: capacitance: charge = state); gear2 (BDF2) for the stiff switching rates;
#: tran_lteratio 1 (the default 3.5 loosens the truncation-error test further).
DEFAULT_OPTIONS = {"reltol": 1e-6, "abstol": 1e-16, "vntol": 1e-9, "chgtol": 1e-16,
                   "tran_method": '"gear2"', "tran_lteratio": 1}


def read_raw(path) -> dict:
    """Read a SPICE raw file (binary or ascii, real) written by VACASK.

    Returns
    -------
    dict of str -> ndarray
        One array per variable (``time``, node names, ``inst:flow(br)`` ...).
    """
    data = Path(path).read_bytes()
    names, npts, nvars, pos, binary = [], None, None, None, True
    start = 0
    while True:
        end = data.index(b"\n", start)
        line = data[start:end].decode("latin-1")
        start = end + 1
        key = line.split(":", 1)[0].strip().lower()
        if key == "no. variables":
            nvars = int(line.split(":", 1)[1])
        elif key == "no. points":
            npts = int(line.split(":", 1)[1])
        elif key == "flags" and "complex" in line.lower():
            raise SimulatorError(f"{path}: complex raw files are not supported")
        elif key == "variables":
            for _ in range(nvars):
                end = data.index(b"\n", start)
                parts = data[start:end].decode("latin-1").split()
                start = end + 1
                names.append(parts[1])
        elif key in ("binary", "values"):
            binary = key == "binary"
            pos = start
            break
    if binary:
        arr = np.frombuffer(data[pos:pos + 8 * nvars * npts], dtype="<f8")
        arr = arr.reshape(npts, nvars)
    else:
        toks = data[pos:].decode("latin-1").split()
        vals, k = [], 0
        for _ in range(npts):
            k += 1  # point index
            vals.extend(float(t) for t in toks[k:k + nvars])
            k += nvars
        arr = np.array(vals[: npts * nvars]).reshape(npts, nvars)
    return {nm: arr[:, k].copy() for k, nm in enumerate(names)}


def run(netlist_text: str, files: dict | None = None, analyses=("tran1",),
        workdir=None, timeout_s: float = 600.0, keep: bool = False) -> dict:
    """Run a VACASK netlist; return ``{analysis name: {variable: array}}``.

    Parameters
    ----------
    netlist_text : str
        Netlist (first line is the title).
    files : dict of str -> path, optional
        Files to copy next to the netlist (e.g. ``{"m.osdi": path}``).
    analyses : iterable of str
        Analysis names whose raw files to read.
    workdir : path, optional
        Folder to run in (default: a fresh temporary folder, removed afterwards unless
        ``keep`` or the run fails).

    Raises
    ------
    SimulatorError
        VACASK rejected the netlist (message: netlist path, command, output tail).
    ConvergenceError
        An analysis failed to converge.
    """
    wd = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="memli-vacask-"))
    wd.mkdir(parents=True, exist_ok=True)
    for nm, src in (files or {}).items():
        if Path(src).resolve() != (wd / nm).resolve():
            shutil.copyfile(src, wd / nm)
    sim = wd / "netlist.sim"
    sim.write_text(netlist_text)
    cmd = [str(vacask_path()), "-qp", sim.name]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    try:
        r = subprocess.run(cmd, cwd=wd, capture_output=True, text=True, timeout=timeout_s,
                           env=env)
    except subprocess.TimeoutExpired:
        raise SimulatorError(f"{sim}: VACASK timed out after {timeout_s:g} s "
                             f"(command: {' '.join(cmd)} in {wd})") from None
    out = r.stdout + r.stderr
    missing = [a for a in analyses if not (wd / f"{a}.raw").exists()]
    if r.returncode != 0 or missing:
        low = out.lower()
        conv = any(k in low for k in ("converge", "timestep", "time step", "too small"))
        cls = ConvergenceError if conv else SimulatorError
        tail = "\n".join(out.strip().splitlines()[-15:])
        raise cls(f"{sim}: VACASK failed (exit {r.returncode}); command: {' '.join(cmd)} "
                  f"in {wd}; output tail:\n{tail}")
    res = {a: read_raw(wd / f"{a}.raw") for a in analyses}
    if not keep and workdir is None:
        shutil.rmtree(wd, ignore_errors=True)
    return res


def pwl_source(name: str, p: str, n: str, t_s, v_v) -> list[str]:
    """A VACASK PWL voltage source instance (needs ``model vsource vsource``)."""
    vals = []
    for t, v in zip(np.asarray(t_s), np.asarray(v_v)):
        vals.append(f"{float(t)!r}, {float(v)!r}")
    return [f'{name} ({p} {n}) vsource type="pwl" wave=[' + ", ".join(vals) + "]"]


def netlist(title: str, loads, body_lines, tstop_s: float, max_step_s: float,
            options: dict | None = None) -> str:
    """A VACASK netlist with one transient analysis ``tran1``."""
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    from ..safetext import check_lines, comment
    body_lines = check_lines(body_lines, f"deck {title}", SimulatorError)
    out = [comment(title) or "memli"]
    out += [f'load "{Path(x).name}"' for x in loads]
    out.append("model vsource vsource")
    out += list(body_lines)
    out.append("control")
    out.append("  options " + " ".join(f"{k}={v}" for k, v in opts.items()))
    step = min(max_step_s, tstop_s / 50)
    out.append(f"  analysis tran1 tran step={step!r} stop={float(tstop_s)!r} "
               f"maxstep={float(max_step_s)!r}")
    out.append("endc")
    return "\n".join(out) + "\n"
