"""The numbers of the paper [lu_yang], and the literature values used beside them, in SI.

Source: Lu, Yang et al., "Mapping the Nanoscopic Filament Growth Kinetics in Lithium
Solid Electrolytes" (SIAT), key ``lu_yang`` in ``memli/CITATIONS.bib``.  Every module
of memli that needs one of these numbers imports it from here; nothing else types
them.  Each constant says where the paper states it (or which other source gives it).
Values derived from them (the filament cross-section, its diameter) are computed
below from the stated ones, so the paper's own arithmetic can be checked against them
(tests/reference/test_paper_numbers.py).
"""
from __future__ import annotations

import math

# -- the cell ----------------------------------------------------------------------
#: LLZO pellet thickness = filament length, m (Methods: 300 um)
PELLET_THICKNESS_M = 300e-6
#: LLZO ionic conductivity, S/m (text: 5e-4 S/cm)
SIGMA_ION_LLZO_SIEMENS_PER_M = 5e-2
#: electronic conductivity of lithium metal used by the paper, S/m (1.1e5 S/cm)
SIGMA_LI_SIEMENS_PER_M = 1.1e7
#: current compliance of the measurements, A (Methods: 1 mA)
COMPLIANCE_A = 1e-3
#: most negative bias applied, V (Methods: |V| <= 10 V)
BIAS_LIMIT_V = -10.0

# -- working electrodes (areas, m^2) -------------------------------------------------
#: c-AFM Pt tip: radius (m) and load (N) (Methods: r = 20 nm, ~400 nN)
TIP_RADIUS_M = 20e-9
TIP_FORCE_N = 400e-9
#: effective modulus the paper states for the tip contact, Pa ("E* ~ 60 GPa")
TIP_E_STAR_STATED_PA = 60e9
#: tip contact area as the paper states it, m^2 ("~30 nm^2"; Hertz gives 68 nm^2 with
#: the stated inputs, memli.physics.contact)
TIP_AREA_M2 = 30e-18
#: tungsten probe, "several to tens of um^2": 3, 10 and 30 um^2
W_PROBE_AREAS_M2 = (3e-12, 10e-12, 30e-12)
#: Au pads, 200 um and 500 um side
PAD_200UM_AREA_M2 = (200e-6) ** 2
PAD_500UM_AREA_M2 = (500e-6) ** 2
#: full-face Au electrode, 1.12 cm^2
FULL_FACE_AREA_M2 = 1.12e-4

# -- mechanics and surface potential (Fig. 4) ------------------------------------------
#: Young's modulus of LLZO in grain interiors and at grain boundaries, Pa
E_LLZO_GI_PA = 145e9
E_LLZO_GB_PA = 120e9
#: surface potential at GBs relative to the grain interior, V (KPFM, Fig. 4j: ~10 mV lower)
PHI_GB_OFFSET_V = -10e-3

# -- switching ---------------------------------------------------------------------
#: resistance of the bridged tip filament, ohm (Fig. 2d back-scan, ohmic)
R_LRS_OHM = 116.0
#: fresh triggering (SET) bias with the WE on a grain boundary, V (Fig. 2d)
V_SET_GB_V = -0.12
#: grain interior: triggers only below this bias, V (Fig. 2e), and rarely within -10 V
V_SET_GI_BELOW_V = -9.0
#: distance from a GB at which the triggering bias rises abruptly, m (Fig. 3c)
GB_RISE_DISTANCE_M = 100e-9
#: SET bias of the cycled tip, V (Fig. 4e: settles near -0.25 V)
V_SET_CYCLED_V = -0.25
#: sweep limits of the 200-cycle tip endurance run, V (Fig. 4f-g: -0.2 V / +1 V)
SWEEP_SET_LIMIT_V = -0.2
SWEEP_RESET_LIMIT_V = 1.0
#: on/off ratio of the tip over 200 cycles in that window (Fig. 4f: ~1e5)
ON_OFF_TIP = 1e5
#: the paper's stated ionic (pre-penetration) current at -10 V, A (2e-2 pA)
IONIC_CURRENT_STATED_A = 2e-14
#: the paper's stated filament "diameter", m (~300 nm; it matches the radius below)
FILAMENT_DIAMETER_STATED_M = 300e-9

# -- derived (computed, not typed) -----------------------------------------------------
#: filament cross-section A = L / (sigma R), m^2 (0.235 um^2)
FILAMENT_AREA_M2 = PELLET_THICKNESS_M / (SIGMA_LI_SIEMENS_PER_M * R_LRS_OHM)
#: filament radius and diameter of that cross-section, m (274 nm, 547 nm)
FILAMENT_RADIUS_M = math.sqrt(FILAMENT_AREA_M2 / math.pi)
FILAMENT_DIAMETER_M = 2.0 * FILAMENT_RADIUS_M

# -- physical constants (CODATA 2018, exact) and lithium ---------------------------------
FARADAY_C_PER_MOL = 96485.33212
ELEMENTARY_CHARGE_C = 1.602176634e-19
BOLTZMANN_J_PER_K = 1.380649e-23
#: thermal voltage kT/e at 298 K, V (25.7 mV)
THERMAL_VOLTAGE_298K_V = BOLTZMANN_J_PER_K * 298.0 / ELEMENTARY_CHARGE_C
#: molar volume of Li metal, m^3/mol (6.941 g/mol / 0.534 g/cm^3)
V_M_LI_M3_PER_MOL = 6.941e-3 / 534.0
