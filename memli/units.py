"""Units: names carry their SI unit as a suffix (see STYLE.md section 4).

``unit_from_name`` derives the unit string from a parameter name.  The rest of this
module is memli's one parser of the engineering units users type at the edges (loaders,
CLI): ``split_unit`` reads a unit text (``'mA'`` -> ``('m', 'A')``), ``prefix_scale``
gives its multiplier to SI and ``parse_quantity`` reads a number with an optional prefix
and unit (``'3 uA'`` -> ``(3e-06, 'A')``).
"""
from __future__ import annotations

import re

SUFFIX_UNITS = {
    "_v": "V", "_a": "A", "_ohm": "ohm", "_siemens": "S", "_s": "s", "_hz": "Hz",
    "_m": "m", "_m2": "m^2", "_pa": "Pa", "_k": "K", "_j": "J", "_f": "F", "_c": "C",
    "_w": "W", "_per_s": "1/s", "_per_m2": "1/m^2", "_siemens_per_m": "S/m",
    "_v_per_s": "V/s", "_per_v": "1/V", "_m2_per_v_s": "m^2/(V s)", "_a_per_v": "A/V",
}

#: multipliers of the engineering prefixes accepted at the edges (``K`` is read as kilo,
#: as instrument exports write it)
PREFIX = {"": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
          "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}
#: the prefix letters, for building regular expressions
PREFIX_CHARS = "".join(p for p in PREFIX if p)

#: base units memli reads, under the spellings found in files -> canonical symbol
BASE_UNITS = {"V": "V", "A": "A", "s": "s", "sec": "s", "Ohm": "ohm", "ohm": "ohm",
              "Ω": "ohm"}
#: whole words that name a base unit (any case), e.g. a scope's units row ``Volt``
WORD_UNITS = {"volt": "V", "volts": "V", "amp": "A", "amps": "A", "ampere": "A",
              "amperes": "A", "second": "s", "seconds": "s", "sec": "s", "secs": "s"}

_UNIT_RE = re.compile(rf"^([{PREFIX_CHARS}]?)(V|A|s|sec|Ohm|ohm|Ω)$")
_QUANTITY_RE = re.compile(
    rf"^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([{PREFIX_CHARS}]?)\s*(V|A|s|Ω|ohm)?$")


def unit_from_name(name: str) -> str:
    """Return the SI unit implied by a name's suffix ('' for dimensionless).

    The longest matching suffix wins, so ``sigma_siemens_per_m`` is ``S/m``.

    Examples
    --------
    >>> unit_from_name("r_on_ohm"), unit_from_name("k_set_per_s"), unit_from_name("x")
    ('ohm', '1/s', '')
    """
    best = ""
    for suf, unit in SUFFIX_UNITS.items():
        if name.endswith(suf) and len(suf) > len(best):
            best = suf
    return SUFFIX_UNITS.get(best, "")


def split_unit(unit: str | None) -> tuple[str, str] | None:
    """``(prefix, base)`` of a unit text, or None when it is not one memli reads.

    Brackets around the unit are ignored; the micro sign may be written ``u``, ``µ`` or
    ``μ`` (returned as ``u``); whole words (``Volt``, ``amps``, ``seconds``) are accepted.

    Examples
    --------
    >>> split_unit("mA"), split_unit("[µV]"), split_unit("Volt"), split_unit("kohm")
    (('m', 'A'), ('u', 'V'), ('', 'V'), ('k', 'ohm'))
    >>> split_unit("mm") is None
    True
    """
    if unit is None:
        return None
    u = str(unit).strip().strip("[]() ").replace("µ", "u").replace("μ", "u")
    if u.lower() in WORD_UNITS:
        return "", WORD_UNITS[u.lower()]
    m = _UNIT_RE.match(u)
    if not m:
        return None
    return m.group(1), BASE_UNITS[m.group(2)]


def prefix_scale(unit: str | None) -> float:
    """Multiplier from ``unit`` to its SI base unit (``'mA'`` -> 1e-3); 1.0 when ``unit``
    is empty or not a unit memli reads (the caller decides whether that is an error).

    Examples
    --------
    >>> prefix_scale("uA"), prefix_scale("kohm"), prefix_scale(None)
    (1e-06, 1000.0, 1.0)
    """
    su = split_unit(unit)
    return PREFIX[su[0]] if su else 1.0


def parse_quantity(text: str) -> tuple[float, str | None]:
    """``(value, unit)`` of a number written with an optional prefix and unit.

    The value is scaled by the prefix (so it is in SI when a unit is given); the unit is
    ``'V'``, ``'A'``, ``'s'``, ``'ohm'`` or None.  Spaces are ignored.  Raises
    ``ValueError`` (like ``float``) when ``text`` is not such a number.

    Examples
    --------
    >>> parse_quantity("12.5m"), parse_quantity("3 uA"), parse_quantity("-1e-3")
    ((0.0125, None), (3e-06, 'A'), (-0.001, None))
    >>> parse_quantity("2.2kΩ")
    (2200.0, 'ohm')
    """
    m = _QUANTITY_RE.match(str(text).replace(" ", ""))
    if not m:
        raise ValueError(f"not a number with an optional prefix and unit: {text!r}")
    unit = m.group(3)
    if unit is not None:
        unit = BASE_UNITS[unit]
    return float(m.group(1)) * PREFIX[m.group(2)], unit
