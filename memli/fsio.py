"""Small file helpers with no heavy imports (usable in Dask workers without sympy)."""
from __future__ import annotations

import hashlib
import math
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish_mode(tmp) -> None:
    """Give a temp file (0600 from mkstemp) the mode a plain ``open`` would: 0666 & ~umask."""
    os.chmod(tmp, 0o666 & ~_umask())


def write_text_atomic(path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder and os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        publish_mode(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def sha256_file(path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def json_clean(o):
    """Recursively make ``o`` JSON-safe: NaN/inf -> None, numpy scalars/arrays -> Python."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {str(k): json_clean(x) for k, x in o.items()}
    if isinstance(o, (list, tuple)):
        return [json_clean(x) for x in o]
    if hasattr(o, "tolist"):
        return json_clean(o.tolist())
    return o
