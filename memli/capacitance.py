"""Optional geometric cell capacitance, ``C = eps_r eps_0 area / thickness``.

One definition for every simulator: the SPICE subcircuit and the Verilog-A module
(:mod:`memli.codegen`) and memli's device simulator (:func:`memli.sim.simulate`).
The area is the model's ``area_m2`` parameter and the thickness its ``l_m``, ``d_m``
or ``thickness_m``; a model without one of them gets ``cap_area_m2`` /
``cap_thickness_m`` (instance parameters of the exports, keywords of the simulator)
with the defaults :data:`DEFAULTS`.  ``eps_r = 0`` (the default everywhere) leaves the
capacitance out.
"""
from __future__ import annotations

import math

from .errors import WaveformError

#: vacuum permittivity, F/m (CODATA 2018)
EPS0_F_PER_M = 8.8541878128e-12

#: model parameters giving the cell area (m^2) and the thickness (m), first match wins
AREA_PARAMS = ("area_m2",)
THICKNESS_PARAMS = ("l_m", "d_m", "thickness_m")

#: geometry used when the model has no such parameter: 1 um^2, 10 nm
DEFAULTS = {"cap_area_m2": 1e-12, "cap_thickness_m": 1e-8}

#: largest relative permittivity accepted (the Verilog-A range of ``eps_r``)
EPS_R_MAX = 1e6


def _first(model, names):
    return next((k for k in names if k in model.params), None)


def geometry_names(model) -> tuple[str, str]:
    """Names of the area (m^2) and thickness (m) the capacitance of ``model`` uses."""
    return (_first(model, AREA_PARAMS) or "cap_area_m2",
            _first(model, THICKNESS_PARAMS) or "cap_thickness_m")


def extra_params(model) -> dict:
    """``cap_area_m2`` / ``cap_thickness_m`` with their defaults, for the ones ``model``
    lacks (empty for a model with both an area and a thickness parameter)."""
    area, thick = geometry_names(model)
    return {k: DEFAULTS[k] for k in (area, thick) if k in DEFAULTS}


def capacitance_f(model, values, eps_r: float, cap_area_m2: float | None = None,
                  cap_thickness_m: float | None = None) -> float:
    """Cell capacitance, F, of ``model`` with parameter ``values`` (mapping name -> SI).

    Parameters
    ----------
    model : memli.models.Model
    values : mapping
        Parameter values (a card's ``values``); missing ones take the model default.
    eps_r : float
        Relative permittivity, in [0, 1e6]; 0 gives 0 F.
    cap_area_m2, cap_thickness_m : float, optional
        Area (m^2) and thickness (m) for a model without ``area_m2`` / a thickness
        parameter (default :data:`DEFAULTS`).  Refused for a model that has one.

    Raises
    ------
    WaveformError
        ``eps_r`` outside [0, 1e6], a non-positive geometry, or a ``cap_*`` value given
        for a model that has its own parameter.
    """
    eps_r = float(eps_r)
    if not (math.isfinite(eps_r) and 0.0 <= eps_r <= EPS_R_MAX):
        raise WaveformError(f"eps_r = {eps_r:g}: expected a relative permittivity in "
                            f"[0, {EPS_R_MAX:g}] (0: no cell capacitance)")
    area, thick = geometry_names(model)
    given = {"cap_area_m2": cap_area_m2, "cap_thickness_m": cap_thickness_m}
    for key, val in given.items():
        if val is None:
            continue
        own = area if key == "cap_area_m2" else thick
        if own != key:
            raise WaveformError(f"{key}: model {model.name!r} has its own parameter {own!r} "
                                f"for the cell capacitance; set {own} instead")
        if not (math.isfinite(float(val)) and float(val) > 0):
            raise WaveformError(f"{key} = {float(val):g}: expected a finite value > 0 "
                                f"({'m^2' if key == 'cap_area_m2' else 'm'})")

    def value(name):
        if name in DEFAULTS:
            v = given[name]
            return float(DEFAULTS[name] if v is None else v)
        v = values.get(name) if values is not None else None
        return float(model.params[name].default if v is None else v)

    if eps_r == 0.0:
        return 0.0
    return eps_r * EPS0_F_PER_M * value(area) / value(thick)
