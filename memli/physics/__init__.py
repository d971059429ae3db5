"""LLZO physics behind the Li-filament model [lu_yang].

Contact mechanics (:mod:`.contact`), filament geometry (:mod:`.filament`), ionic
current estimates (:mod:`.ionic`), a synthetic polycrystal with GB property maps
(:mod:`.microstructure`), the local triggering bias vs distance to a GB
(:mod:`.trigger`), the electrode-size Monte Carlo (:mod:`.electrode_mc`), cards for any
electrode (:mod:`.card`) and the report with figures (:mod:`.report`, :mod:`.plots`).
"""
from .contact import (effective_modulus_pa, hertz_area_m2, hertz_contact_radius_m,
                      hertz_e_star_for_area_pa, hertz_force_for_area_n, paper_contact_case)
from .electrode_mc import (ELECTRODES, drops_brute, drops_stats, p_cover_curve, size_sweep,
                           summarize)
from .filament import FilamentGeometry, filament_geometry, resistance_for_radius_ohm
from .ionic import (ionic_current_column_a, ionic_current_spreading_a, ionic_estimates,
                    spreading_resistance_ohm)
from .microstructure import Polycrystal, make_polycrystal, modulus_pa, property_maps, \
    surface_potential_v
from .trigger import TriggerModel, default_trigger_model, truncated_normal_min

__all__ = [
    "effective_modulus_pa", "hertz_area_m2", "hertz_contact_radius_m",
    "hertz_e_star_for_area_pa", "hertz_force_for_area_n", "paper_contact_case",
    "ELECTRODES", "drops_brute", "drops_stats", "p_cover_curve", "size_sweep", "summarize",
    "FilamentGeometry", "filament_geometry", "resistance_for_radius_ohm",
    "ionic_current_column_a", "ionic_current_spreading_a", "ionic_estimates",
    "spreading_resistance_ohm", "Polycrystal", "make_polycrystal", "modulus_pa",
    "property_maps", "surface_potential_v", "TriggerModel", "default_trigger_model",
    "truncated_normal_min", "llzo_card",
]


def llzo_card(*args, **kwargs):
    """See :func:`memli.physics.card.llzo_card` (imported lazily: it loads cards)."""
    from .card import llzo_card as _f
    return _f(*args, **kwargs)
