"""Where commands write: outputs never replace inputs, output sets are all-or-nothing.

Two rules every command follows (docs/security.md):

* **An input is never an output.**  :func:`guard` refuses an output path that is (or,
  for a folder, contains) one of the command's input files, with or without
  ``--force``: ``--force`` overwrites earlier outputs only.  An existing output is
  refused without ``--force``; an existing regular file where a folder is expected is
  refused before any work.
* **A set of outputs appears whole or not at all.**  :class:`OutputSet` stages the
  files of one run in a hidden folder beside the destination and moves them in at the
  end.  A new folder appears by one rename; over an existing folder holding only this
  set's files (``--force``), the old folder is renamed away, the new one renamed in and
  the old one deleted; over a folder that holds other files too, each file is replaced
  by rename and a manifest ``memli-outputs.json`` (name, size, sha256 of each file) is
  removed first and written last, so a reader can tell a complete set.  A failure or a
  kill before the move leaves the destination as it was; the staging folder is removed
  on failure, and stale ones from killed runs
(whose process is gone) are removed by the next run into the same folder.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from .errors import MemliError
from .fsio import publish_mode, sha256_file

__all__ = ["OutputError", "guard", "same_file", "OutputSet", "MANIFEST", "publish_summary"]

MANIFEST = "memli-outputs.json"
_STAGE = ".memli-stage-"
_OLD = ".memli-old-"


class OutputError(MemliError):
    """An output path is unusable (an input, an existing file, a file where a folder goes)."""


def same_file(a, b) -> bool:
    """True when paths ``a`` and ``b`` name the same file (symlinks, hard links, ``..``)."""
    a, b = Path(a), Path(b)
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def guard(outputs, inputs, force: bool = False, folder=None, option: str = "--out") -> None:
    """Check output paths before any work.

    Parameters
    ----------
    outputs : iterable of path
        Files the command will write.
    inputs : iterable of path or None
        Files the command reads (None entries are ignored).
    force : bool
        Existing outputs may be replaced.
    folder : path, optional
        The output folder (``--out`` of commands that write a set); must not be an
        existing regular file and must not contain an input that one of ``outputs``
        would replace.
    option : str
        Option name used in messages.
    """
    ins = [Path(p) for p in inputs if p is not None]
    if folder is not None:
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{option} {folder}: exists and is not a folder; give a folder "
                              "path (a file there is never replaced by a folder)")
    for out in map(Path, outputs):
        for src in ins:
            if same_file(out, src):
                raise OutputError(f"{option} {out}: is an input of this command ({src}); "
                                  "choose another output path (--force overwrites outputs, "
                                  "never inputs)")
        if out.exists():
            if out.is_dir() and folder is None:
                raise OutputError(f"{option} {out}: is a folder; expected a file path")
            if not force:
                raise OutputError(f"{out}: exists; pass --force to overwrite")


class OutputSet:
    """Stage a run's output files and publish them together.

    Use as a context manager::

        with OutputSet(out, ["trace.csv", "summary.json"], force=force, inputs=[card]) as st:
            write(st.path("trace.csv")); write(st.path("summary.json"))
        # here out/ holds both files, or (after an exception) is unchanged

    Parameters
    ----------
    folder : path
        Destination folder.
    names : iterable of str
        File names of the set (checked against existing files and inputs up front).
    force : bool
        Replace an existing set.
    inputs : iterable of path
        Files the run reads (never replaced, never inside a replaced folder).
    """

    def __init__(self, folder, names, force: bool = False, inputs=(), option: str = "--out"):
        self.folder = Path(folder)
        self.names = list(dict.fromkeys(names))
        self.force = force
        guard([self.folder / n for n in self.names], inputs, force, folder=self.folder,
              option=option)
        ins = [Path(p) for p in inputs if p is not None]
        self._inputs_inside = any(_inside(p, self.folder) for p in ins if p.exists())
        self.stage: Path | None = None

    def path(self, name: str) -> Path:
        """Where to write file ``name`` of the set (inside the staging folder)."""
        if self.stage is None:
            raise RuntimeError("OutputSet.path() outside its with-block")
        if name not in self.names:
            self.names.append(name)
        p = self.stage / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def begin(self, files=None):
        """Start staging without a with-block; returns ``files`` (paths inside the
        destination folder) mapped into the staging folder.  Call :meth:`commit` after
        the last write; an uncommitted stage is removed when the process exits."""
        self.__enter__()
        _PENDING.add(self.stage)
        if files is None:
            return None
        return [self.path(Path(f).relative_to(self.folder).as_posix()) for f in files]

    def commit(self) -> None:
        """Publish the staged files (see :meth:`begin`)."""
        stage = self.stage
        self.__exit__(None, None, None)
        _PENDING.discard(stage)

    def __enter__(self) -> "OutputSet":
        parent = self.folder.resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(parent, self.folder.name)
        self.stage = Path(tempfile.mkdtemp(prefix=f"{_STAGE}{self.folder.name}-{os.getpid()}-",
                                           dir=parent))
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self._publish()
        finally:
            if self.stage is not None and self.stage.exists():
                shutil.rmtree(self.stage, ignore_errors=True)
            self.stage = None
        return False

    def _manifest(self) -> dict:
        files = {}
        for p in sorted(self.stage.rglob("*")):
            if p.is_file():
                rel = p.relative_to(self.stage).as_posix()
                files[rel] = {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
        return {"schema": "memli.outputs/1", "complete": True,
                "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files}

    def _publish(self) -> None:
        stage, dest = self.stage, self.folder
        manifest = self._manifest()
        for p in stage.rglob("*"):
            publish_mode(p) if p.is_file() else os.chmod(p, 0o777 & ~_umask())
        os.chmod(stage, 0o777 & ~_umask())
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        publish_mode(stage / MANIFEST)
        if not dest.exists():
            os.rename(stage, dest)
            return
        ours = set(manifest["files"]) | {MANIFEST}
        present = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
        if present <= ours and not self._inputs_inside:
            old = Path(tempfile.mkdtemp(prefix=f"{_OLD}{dest.name}-{os.getpid()}-",
                                        dir=dest.parent))
            old.rmdir()
            os.rename(dest, old)
            os.rename(stage, dest)
            shutil.rmtree(old, ignore_errors=True)
            return
        # the folder holds other files: replace file by file, manifest last
        m = dest / MANIFEST
        if m.exists():
            m.unlink()
        for rel in manifest["files"]:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / rel, target)
        os.replace(stage / MANIFEST, m)


def publish_summary(outs: "OutputSet", path, summary: dict, json_: bool = False) -> dict:
    """Write ``summary`` (JSON-cleaned) to ``path`` inside a begun set, publish the set,
    print the summary on stdout when ``json_``; returns the cleaned summary."""
    import sys

    from .fsio import json_clean, write_text_atomic
    clean = json_clean(summary)
    write_text_atomic(path, json.dumps(clean, indent=2) + "\n")
    outs.commit()
    if json_:
        sys.stdout.write(json.dumps(clean, indent=2) + "\n")
        sys.stdout.flush()
    return clean


_PENDING: set = set()


@atexit.register
def _remove_pending() -> None:
    for p in list(_PENDING):
        shutil.rmtree(p, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _clean_stale(parent: Path, name: str) -> None:
    """Remove staging/old folders of ``name`` left by runs that were killed (their
    process no longer exists)."""
    for prefix in (_STAGE, _OLD):
        for p in parent.glob(f"{prefix}{name}-*"):
            rest = p.name[len(prefix) + len(name) + 1:]
            pid = rest.split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)
