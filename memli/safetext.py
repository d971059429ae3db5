"""Text that reaches a netlist, a Verilog-A module or a simulator deck.

Cards and data files are untrusted input (a card from a colleague or a paper's
supplement): their names, descriptions, citations and provenance notes are copied into
exported files as comments, titles and identifiers.  A newline in such a text would end
the comment and let the rest be read as simulator commands (an ngspice ``.control``
block with ``shell``, a VACASK ``control`` block).  Every printer passes card text
through these functions:

* :func:`comment` -- one line of printable ASCII: control characters (newlines,
  carriage returns, tabs, NUL, escape, DEL and the Unicode line/paragraph separators)
  become spaces, non-ASCII letters are reduced to ASCII (``Müller`` -> ``Muller``),
  backslashes become ``/`` (a trailing backslash continues a line in Verilog-A
  preprocessing), runs of spaces collapse;
* :func:`string_literal` -- :func:`comment` without double quotes, for Verilog-A
  attribute strings (``desc="..."``);
* :func:`identifier` -- checks ``[A-Za-z_][A-Za-z0-9_]*`` and raises
  :class:`ExportError` naming the field otherwise;
* :func:`to_identifier` -- makes an identifier from any text (invalid characters become
  ``_``), for names a user did not choose as identifiers (a card name on a model line).
"""
from __future__ import annotations

import re
import unicodedata

from .errors import ExportError

__all__ = ["comment", "string_literal", "identifier", "to_identifier", "is_identifier",
           "has_control", "check_lines"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u0085]")


def has_control(text: str) -> bool:
    """True if ``text`` holds a control character (newline, tab, NUL, ...)."""
    return bool(_CONTROL.search(str(text)))


def check_lines(lines, what: str, error=ExportError) -> list[str]:
    """The lines, if none holds a control character (a line break inside one would start
    an unintended statement); else ``error`` naming ``what``."""
    lines = list(lines)
    bad = [ln for ln in lines if has_control(ln)]
    if bad:
        raise error(f"{comment(what, 60)}: a line holds a control character: "
                    f"{comment(bad[0], 80)!r}")
    return lines


def comment(text, max_len: int | None = None) -> str:
    """``text`` as one line of printable ASCII, safe inside any comment or title.

    Parameters
    ----------
    text : object
        Converted with ``str``.
    max_len : int, optional
        Cut to this many characters (ending in ``...``).

    Examples
    --------
    >>> comment("card\\n.control\\nshell touch x\\n.endc")
    'card .control shell touch x .endc'
    """
    s = _CONTROL.sub(" ", str(text))
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = s.replace("\\", "/")
    s = " ".join(s.split())
    if max_len is not None and len(s) > max_len:
        s = s[: max(0, max_len - 3)] + "..."
    return s


def string_literal(text) -> str:
    """:func:`comment` without double quotes (Verilog-A attribute strings)."""
    return comment(text).replace('"', "'")


def is_identifier(name) -> bool:
    return isinstance(name, str) and bool(_IDENT.match(name))


def identifier(name, what: str = "name") -> str:
    """Return ``name`` if it is an identifier ``[A-Za-z_][A-Za-z0-9_]*``; else raise."""
    if not is_identifier(name):
        raise ExportError(f"{what} {comment(name, 60)!r} is not an identifier "
                          "(letters, digits and _, not starting with a digit)")
    return name


def to_identifier(text, fallback: str = "card") -> str:
    """An identifier made from ``text``: other characters become ``_``.

    >>> to_identifier("llzo tip (W)")
    'llzo_tip_W_'
    """
    s = re.sub(r"[^A-Za-z0-9_]+", "_", comment(text))
    if not s:
        s = fallback
    if s[0].isdigit():
        s = "_" + s
    return s
