"""Hertzian contact of an AFM tip on a flat sample (Hertz 1882; Johnson 1985) [lu_yang].

A sphere of radius ``r`` pressed with force ``P`` onto a flat half-space forms a
circular contact of radius ``a = (3 P r / (4 E*))^(1/3)`` (Johnson, *Contact
Mechanics*, eq. 4.22), so the contact area is

    A = pi * (3 P r / (4 E*))^(2/3)                          (Methods of [lu_yang])

with the effective (reduced) modulus of the pair

    1 / E* = (1 - nu_1^2) / E_1 + (1 - nu_2^2) / E_2          (Johnson eq. 4.22).

The paper uses P = 400 nN, r = 20 nm and "E* ~ 60 GPa" and states ~30 nm^2; the formula
gives 68 nm^2 for those inputs.  :func:`paper_contact_case` computes every variant.

Material constants used (SI):

- LLZO Young's modulus 145 GPa in grain interiors, 120 GPa at GBs: AFM modulus maps,
  Fig. 4 of [lu_yang].
- LLZO Poisson ratio 0.257: resonant ultrasound / nanoindentation of
  Li7La3Zr2O12, Yu et al., Chem. Mater. 28, 197 (2016) (ref. 52 of [lu_yang]).
- Pt Young's modulus 168 GPa, Poisson ratio 0.38: polycrystalline platinum, handbook
  values (e.g. CRC Handbook of Chemistry and Physics, "Elastic constants of metals").
"""
from __future__ import annotations

import math

from ..errors import MemliError
from . import constants as K

#: Young's modulus of LLZO in a grain interior and at a GB, Pa (Fig. 4 of [lu_yang])
E_LLZO_GI_PA = K.E_LLZO_GI_PA
E_LLZO_GB_PA = K.E_LLZO_GB_PA
#: Poisson ratio of LLZO (Yu et al., Chem. Mater. 28, 197 (2016))
NU_LLZO = 0.257
#: Young's modulus of polycrystalline Pt, Pa (handbook value)
E_PT_PA = 168e9
#: Poisson ratio of Pt (handbook value)
NU_PT = 0.38
#: the paper's contact case: force (N), tip radius (m), stated E* (Pa), stated area (m^2)
PAPER_FORCE_N = K.TIP_FORCE_N
PAPER_TIP_RADIUS_M = K.TIP_RADIUS_M
PAPER_E_STAR_PA = K.TIP_E_STAR_STATED_PA
PAPER_AREA_M2 = K.TIP_AREA_M2


def _positive(name: str, value: float, unit: str) -> float:
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise MemliError(f"{name}: {value!r}; expected a positive number in {unit}. "
                         f"Pass a value > 0.")
    return value


def effective_modulus_pa(e1_pa: float, nu1: float, e2_pa: float = math.inf,
                         nu2: float = 0.0) -> float:
    """Reduced (effective) modulus E* of two elastic bodies in contact.

    Parameters
    ----------
    e1_pa, nu1 : float
        Young's modulus (Pa) and Poisson ratio of body 1 (the sample).
    e2_pa, nu2 : float
        Same for body 2 (the tip); ``e2_pa = inf`` is a rigid tip.

    Returns
    -------
    float
        E* in Pa, ``1/E* = (1-nu1^2)/E1 + (1-nu2^2)/E2``.

    References
    ----------
    K. L. Johnson, *Contact Mechanics*, Cambridge University Press (1985), eq. 4.22.

    Examples
    --------
    >>> round(effective_modulus_pa(145e9, 0.257, 168e9, 0.38) / 1e9, 1)
    86.7
    """
    _positive("e1_pa", e1_pa, "Pa")
    inv = (1 - nu1 ** 2) / e1_pa
    if math.isfinite(e2_pa):
        inv += (1 - nu2 ** 2) / _positive("e2_pa", e2_pa, "Pa")
    return 1.0 / inv


def hertz_contact_radius_m(force_n: float, tip_radius_m: float, e_star_pa: float) -> float:
    """Hertz contact radius ``a = (3 P r / (4 E*))^(1/3)`` in m (Johnson eq. 4.22)."""
    _positive("force_n", force_n, "N")
    _positive("tip_radius_m", tip_radius_m, "m")
    _positive("e_star_pa", e_star_pa, "Pa")
    return (3.0 * force_n * tip_radius_m / (4.0 * e_star_pa)) ** (1.0 / 3.0)


def hertz_area_m2(force_n: float, tip_radius_m: float, e_star_pa: float) -> float:
    """Hertz contact area ``A = pi (3 P r / (4 E*))^(2/3)`` in m^2 (Methods of [lu_yang]).

    Parameters
    ----------
    force_n : float
        Tip load P, N.
    tip_radius_m : float
        Tip radius r, m.
    e_star_pa : float
        Effective modulus E*, Pa (see :func:`effective_modulus_pa`).

    Examples
    --------
    >>> round(hertz_area_m2(400e-9, 20e-9, 60e9) * 1e18, 1)   # nm^2
    67.7
    """
    return math.pi * hertz_contact_radius_m(force_n, tip_radius_m, e_star_pa) ** 2


def hertz_e_star_for_area_pa(area_m2: float, force_n: float, tip_radius_m: float) -> float:
    """E* (Pa) at which the Hertz area equals ``area_m2``: ``E* = 3 P r / (4 a^3)``.

    Examples
    --------
    >>> round(hertz_e_star_for_area_pa(30e-18, 400e-9, 20e-9) / 1e9)   # GPa
    203
    """
    a = math.sqrt(_positive("area_m2", area_m2, "m^2") / math.pi)
    _positive("force_n", force_n, "N")
    _positive("tip_radius_m", tip_radius_m, "m")
    return 3.0 * force_n * tip_radius_m / (4.0 * a ** 3)


def hertz_force_for_area_n(area_m2: float, tip_radius_m: float, e_star_pa: float) -> float:
    """Load (N) at which the Hertz area equals ``area_m2``: ``P = 4 E* a^3 / (3 r)``."""
    a = math.sqrt(_positive("area_m2", area_m2, "m^2") / math.pi)
    return 4.0 * _positive("e_star_pa", e_star_pa, "Pa") * a ** 3 / (
        3.0 * _positive("tip_radius_m", tip_radius_m, "m"))


def paper_contact_case(force_n: float = PAPER_FORCE_N,
                       tip_radius_m: float = PAPER_TIP_RADIUS_M) -> dict:
    """Every variant of the paper's contact-area estimate, in SI.

    Returns
    -------
    dict
        ``e_star_paper_pa`` (60 GPa as stated), ``area_paper_e_star_m2`` (Hertz with it),
        ``e_star_pt_gi_pa`` / ``area_pt_gi_m2`` (Pt tip on a grain interior, from both
        moduli and Poisson ratios), the same at a GB (``*_pt_gb_*``),
        ``area_150gpa_m2`` (E* = 150 GPa), ``area_stated_m2`` (30 nm^2) and
        ``e_star_for_stated_area_pa`` (the E* the stated area needs), plus the assumed
        constants.
    """
    e_gi = effective_modulus_pa(E_LLZO_GI_PA, NU_LLZO, E_PT_PA, NU_PT)
    e_gb = effective_modulus_pa(E_LLZO_GB_PA, NU_LLZO, E_PT_PA, NU_PT)
    return {
        "force_n": force_n, "tip_radius_m": tip_radius_m,
        "e_star_paper_pa": PAPER_E_STAR_PA,
        "area_paper_e_star_m2": hertz_area_m2(force_n, tip_radius_m, PAPER_E_STAR_PA),
        "area_150gpa_m2": hertz_area_m2(force_n, tip_radius_m, 150e9),
        "e_star_pt_gi_pa": e_gi,
        "area_pt_gi_m2": hertz_area_m2(force_n, tip_radius_m, e_gi),
        "e_star_pt_gb_pa": e_gb,
        "area_pt_gb_m2": hertz_area_m2(force_n, tip_radius_m, e_gb),
        "area_stated_m2": PAPER_AREA_M2,
        "e_star_for_stated_area_pa": hertz_e_star_for_area_pa(PAPER_AREA_M2, force_n,
                                                              tip_radius_m),
        "force_for_stated_area_at_paper_e_star_n": hertz_force_for_area_n(
            PAPER_AREA_M2, tip_radius_m, PAPER_E_STAR_PA),
        "assumed": {"e_llzo_gi_pa": E_LLZO_GI_PA, "e_llzo_gb_pa": E_LLZO_GB_PA,
                    "nu_llzo": NU_LLZO, "e_pt_pa": E_PT_PA, "nu_pt": NU_PT},
    }
