"""Units: names carry their SI unit as a suffix (see STYLE.md section 4).

``unit_from_name`` derives the unit string from a parameter name; ``SCALE`` converts
the engineering units users type at the edges (loaders, CLI) into SI.
"""
from __future__ import annotations

SUFFIX_UNITS = {
    "_v": "V", "_a": "A", "_ohm": "ohm", "_siemens": "S", "_s": "s", "_hz": "Hz",
    "_m": "m", "_m2": "m^2", "_pa": "Pa", "_k": "K", "_j": "J", "_f": "F", "_c": "C",
    "_w": "W", "_per_s": "1/s", "_per_m2": "1/m^2", "_siemens_per_m": "S/m",
    "_v_per_s": "V/s", "_per_v": "1/V", "_m2_per_v_s": "m^2/(V s)", "_a_per_v": "A/V",
}

#: multipliers of engineering prefixes accepted at the edges
PREFIX = {"": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
          "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}


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
