"""The ``memli`` command line.

Each subcommand lives in ``memli/commands/<name>.py`` and defines ``register(app)``;
this module discovers them, so adding a command touches one file.

Conventions (STYLE.md section 11): ``--json`` prints a machine-readable summary on
stdout; exit 0 ok, 1 a check that ran and failed, 2 bad input (one line on stderr,
no traceback; ``--debug`` shows it).
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys

import typer

from .errors import MemliError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="memli: compact models of lithium-filament memristors.\n\n"
                       "Example:  memli simulate llzo_tip --sweep -0.2 1 --cycles 20 --out out/sim")

_DEBUG = {"on": False}


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="show tracebacks on errors")):
    _DEBUG["on"] = debug


def emit_json(obj) -> None:
    """Print a JSON summary on stdout (NaN/inf become null; numpy values become Python)."""
    from .fsio import json_clean
    sys.stdout.write(json.dumps(json_clean(obj), indent=2) + "\n")
    sys.stdout.flush()


def fail(msg: str, code: int = 2):
    """Print one line to stderr and exit with ``code``."""
    typer.echo(f"memli: error: {msg}", err=True)
    raise typer.Exit(code)


def _register_all():
    if _DEBUG.get("registered"):
        return
    _DEBUG["registered"] = True
    from . import commands
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(mod, "register"):
            mod.register(app)
    from .commands._bounds import apply_bounds
    apply_bounds(app)


#: deprecated option spellings (docs/cli.md): (command path, old) -> new.  They keep
#: working for one release, hidden from --help, with a deprecation line on stderr.
ALIASES = {
    **{(f"crossbar {c}", "--n"): "--rows" for c in ("read", "write", "netlist", "transient")},
    **{(f"crossbar {c}", "--m"): "--cols" for c in ("read", "write", "netlist", "transient")},
    ("crossbar tipfilm", "--pitch-m"): "--pitch",
    ("crossbar tipfilm", "--grain-size-m"): "--grain-size",
    ("card llzo", "--grain-size-m"): "--grain-size",
    ("physics report", "--grain-size-m"): "--grain-size",
    ("fit", "--params"): "--param",
    ("verify", "--plot"): "--out",
    **{(f"analog {c}", old): new for c in ("infer", "digits") for old, new in (
        ("--read-v", "--read-voltage"), ("--r-wire-ohm", "--r-wire"),
        ("--r-driver-ohm", "--r-driver"), ("--r-sense-ohm", "--r-sense"),
        ("--drift-s", "--drift-time"))},
    ("simulate", "--hold-s"): "--hold",
    ("simulate", "--pulse-width-s"): "--pulse-width",
}


def _command_path(argv) -> str:
    words = []
    for a in argv:
        if a.startswith("-") or len(words) == 2:
            break
        words.append(a)
    return " ".join(words)


def rewrite_aliases(argv: list[str]) -> list[str]:
    """Replace deprecated option spellings (see :data:`ALIASES`), warning on stderr."""
    path = _command_path(argv)
    table = {old: new for (cmd, old), new in ALIASES.items()
             if path == cmd or path.startswith(cmd + " ") or path.split(" ")[0] == cmd}
    if not table:
        return list(argv)
    out = []
    for a in argv:
        if a == "--":
            out.append(a)
            continue
        name, eq, val = a.partition("=")
        if name in table:
            typer.echo(f"memli: warning: {name} is deprecated; use {table[name]} (the old "
                       "spelling will be removed in the next release)", err=True)
            a = table[name] + eq + val
        out.append(a)
    return out


def _describe(e: BaseException) -> tuple[int, str]:
    """Exit code and one-line message for an exception no command turned into a
    MemliError (no Python class names: the user sees what went wrong, not where)."""
    text = " ".join(str(e).split())[:300]
    if isinstance(e, MemoryError):
        return 2, ("not enough memory for this request; reduce the problem size "
                   "(array sizes, points, cycles)")
    if isinstance(e, RecursionError):
        return 2, "input nested too deeply"
    if isinstance(e, OverflowError):
        return 2, f"a number is too large to handle ({text})"
    if isinstance(e, UnicodeError):
        return 2, f"cannot decode a text input as UTF-8 ({text})"
    if isinstance(e, OSError):
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        return 2, f"{where}{e.strerror or text}"
    if isinstance(e, ValueError):
        return 2, text or "invalid value"
    return 1, (f"internal error ({text or 'no message'}); "
               "run with --debug for the traceback and report it")


def main(argv=None):
    """Console-script entry point."""
    _register_all()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or os.environ.get(
        "MEMLI_DEBUG")
    argv = rewrite_aliases(list(sys.argv[1:] if argv is None else argv))
    try:
        rc = app(args=argv, standalone_mode=False)
    except MemliError as e:
        if debug:
            raise
        typer.echo(f"memli: error: {e}", err=True)
        sys.exit(2)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("memli: aborted", err=True)
        sys.exit(130)
    except Exception as e:  # usage errors and the like
        show = getattr(e, "show", None)
        if callable(show) and type(e).__name__.endswith(("Exception", "Error", "Parameter",
                                                          "Option")) and hasattr(e, "exit_code"):
            fmt = getattr(e, "format_message", None)
            msg = fmt() if callable(fmt) else str(e)
            typer.echo(f"memli: error: {' '.join(msg.split())} (see --help)", err=True)
            sys.exit(2)
        if debug:
            raise
        code, msg = _describe(e)
        typer.echo(f"memli: error: {msg}", err=True)
        sys.exit(code)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()
