"""Ionic (pre-penetration) current under a small contact: two named models [lu_yang].

Before a filament bridges the pellet, the current is carried by Li+ through LLZO.  Two
limits bracket it:

``column``
    A 1-D column of the contact's cross-section through the whole pellet:
    ``I = sigma A V / L``.  Assumes the current stays confined under the contact (no
    lateral spreading), which is what the paper's "maximum ionic flow-controlled
    current" appears to use.  Paper's case: 5e-14 A = 5e-2 pA.
``spreading``
    A disk electrode of radius ``a = sqrt(A/pi)`` on a semi-infinite conductor (the
    pellet is 1e5 times thicker than the contact), spreading resistance
    ``R = 1 / (4 sigma a)`` (Maxwell; Newman, J. Electrochem. Soc. 113, 501 (1966)), so
    ``I = 4 sigma a V``.  Assumes the ions reach the contact from the whole half-space
    and that the bias drops ohmically (no interfacial overpotential).  Paper's case:
    ~6 nA.

The paper states ~2e-2 pA (30 nm^2, 5e-4 S/cm, -10 V): 0.4x the column estimate, and
about 3e5 times below the spreading estimate.
"""
from __future__ import annotations

import math

from . import constants as K

#: the paper's numbers, from :mod:`memli.physics.constants`
SIGMA_ION_LLZO_SIEMENS_PER_M = K.SIGMA_ION_LLZO_SIEMENS_PER_M
PAPER_IONIC_CURRENT_A = K.IONIC_CURRENT_STATED_A
PAPER_BIAS_V = K.BIAS_LIMIT_V

MODELS = {
    "column": "1-D column: I = sigma*A*V/L; current confined under the contact, "
              "no lateral spreading",
    "spreading": "disk spreading resistance on a half-space: I = 4*sigma*a*V, "
                 "a = sqrt(A/pi); ions reach the contact from all directions, "
                 "ohmic drop only",
}


def ionic_current_column_a(v_v: float, area_m2: float, length_m: float = K.PELLET_THICKNESS_M,
                           sigma_siemens_per_m: float = SIGMA_ION_LLZO_SIEMENS_PER_M) -> float:
    """1-D column current ``sigma A V / L`` in A (sign follows ``v_v``).

    Examples
    --------
    >>> round(abs(ionic_current_column_a(-10.0, 30e-18, 300e-6, 5e-2)) * 1e12, 3)  # pA
    0.05
    """
    return sigma_siemens_per_m * area_m2 * v_v / length_m


def spreading_resistance_ohm(area_m2: float,
                             sigma_siemens_per_m: float = SIGMA_ION_LLZO_SIEMENS_PER_M) -> float:
    """Spreading resistance ``1 / (4 sigma a)`` of a disk of area ``area_m2`` (ohm).

    References
    ----------
    J. Newman, "Resistance for flow of current to a disk", J. Electrochem. Soc. 113,
    501 (1966).
    """
    a = math.sqrt(area_m2 / math.pi)
    return 1.0 / (4.0 * sigma_siemens_per_m * a)


def ionic_current_spreading_a(v_v: float, area_m2: float,
                              sigma_siemens_per_m: float = SIGMA_ION_LLZO_SIEMENS_PER_M
                              ) -> float:
    """Disk spreading current ``V / R_spread = 4 sigma a V`` in A.

    Examples
    --------
    >>> round(abs(ionic_current_spreading_a(-10.0, 30e-18, 5e-2)) * 1e9, 1)   # nA
    6.2
    """
    return v_v / spreading_resistance_ohm(area_m2, sigma_siemens_per_m)


def ionic_estimates(v_v: float = PAPER_BIAS_V, area_m2: float = K.TIP_AREA_M2,
                    length_m: float = K.PELLET_THICKNESS_M,
                    sigma_siemens_per_m: float = SIGMA_ION_LLZO_SIEMENS_PER_M) -> dict:
    """Both estimates beside the paper's number, with the assumption each one makes."""
    col = ionic_current_column_a(v_v, area_m2, length_m, sigma_siemens_per_m)
    spr = ionic_current_spreading_a(v_v, area_m2, sigma_siemens_per_m)
    return {
        "v_v": v_v, "area_m2": area_m2, "length_m": length_m,
        "sigma_siemens_per_m": sigma_siemens_per_m,
        "ionic_current_column_a": col,
        "ionic_current_spreading_a": spr,
        "spreading_resistance_ohm": spreading_resistance_ohm(area_m2, sigma_siemens_per_m),
        "paper_current_a": math.copysign(PAPER_IONIC_CURRENT_A, v_v),
        "paper_over_column": PAPER_IONIC_CURRENT_A / abs(col),
        "spreading_over_column": abs(spr / col),
        "assumptions": dict(MODELS),
    }
