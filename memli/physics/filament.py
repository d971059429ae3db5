"""Filament geometry from the ohmic LRS resistance [lu_yang].

A cylindrical lithium filament of length L and electronic conductivity sigma has
``R = L / (sigma A)``, hence ``A = L / (sigma R)``, ``radius = sqrt(A / pi)``.
Paper's case: R = 116 ohm (back-scan, Fig. 2d), L = 300 um (pellet), sigma(Li) =
1.1e5 S/cm = 1.1e7 S/m give A = 0.235 um^2, radius 274 nm, diameter 547 nm.  The paper
writes "diameter ~300 nm"; that number matches the radius, not the diameter.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import MemliError
from . import constants as K

#: the paper's numbers, from :mod:`memli.physics.constants`
SIGMA_LI_SIEMENS_PER_M = K.SIGMA_LI_SIEMENS_PER_M
PAPER_R_LRS_OHM = K.R_LRS_OHM
PAPER_LENGTH_M = K.PELLET_THICKNESS_M
PAPER_DIAMETER_STATED_M = K.FILAMENT_DIAMETER_STATED_M


@dataclass(frozen=True)
class FilamentGeometry:
    """Cross-section (m^2), radius (m) and diameter (m) of a cylindrical filament."""

    area_m2: float
    radius_m: float
    diameter_m: float

    def as_dict(self) -> dict:
        return asdict(self)


def filament_geometry(r_ohm: float = PAPER_R_LRS_OHM, length_m: float = PAPER_LENGTH_M,
                      sigma_siemens_per_m: float = SIGMA_LI_SIEMENS_PER_M) -> FilamentGeometry:
    """Geometry of a cylinder of resistance ``r_ohm``: ``A = L / (sigma R)``.

    Parameters
    ----------
    r_ohm : float
        Measured ohmic resistance, ohm.
    length_m : float
        Filament length (electrolyte thickness), m.
    sigma_siemens_per_m : float
        Electronic conductivity of the filament, S/m.

    Examples
    --------
    >>> g = filament_geometry(116.0, 300e-6, 1.1e7)
    >>> round(g.area_m2 * 1e12, 3), round(g.radius_m * 1e9), round(g.diameter_m * 1e9)
    (0.235, 274, 547)
    """
    for name, val in (("r_ohm", r_ohm), ("length_m", length_m),
                      ("sigma_siemens_per_m", sigma_siemens_per_m)):
        if not (math.isfinite(val) and val > 0):
            raise MemliError(f"{name}: {val!r}; expected a positive number. Pass a value > 0.")
    area = length_m / (sigma_siemens_per_m * r_ohm)
    radius = math.sqrt(area / math.pi)
    return FilamentGeometry(area, radius, 2.0 * radius)


def resistance_for_radius_ohm(radius_m: float, length_m: float = PAPER_LENGTH_M,
                              sigma_siemens_per_m: float = SIGMA_LI_SIEMENS_PER_M) -> float:
    """Resistance (ohm) of a cylinder of radius ``radius_m``: ``L / (sigma pi r^2)``."""
    return length_m / (sigma_siemens_per_m * math.pi * radius_m ** 2)
