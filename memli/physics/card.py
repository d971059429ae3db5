"""Li-filament cards for any electrode area and placement, from the LLZO physics.

:func:`llzo_card` starts from the bundled ``llzo_tip`` card (same model, same values
for everything that is not area or placement) and sets, with provenance kind
``derived`` and the formula:

- ``area_m2``: the working-electrode area;
- ``gb_distance_m``: from the microstructure: 0 for ``site="gb"``; for ``site="gi"``
  the median distance from the electrode edge to the nearest GB over drops that keep
  the electrode beyond the GB reach (``zone_range + 5 zone_width``); for
  ``site="random"`` one seeded drop, ``max(0, d(x) - sqrt(A/pi))``;
- the fresh SET thresholds, one physics for both (:func:`trigger_parameters`):
  ``v_set_gb_v`` and ``v_set_gi_v`` are the Monte Carlo means of the weakest-flaw
  trigger bias of an electrode of this area on a GB and in a grain interior
  (:mod:`memli.physics.trigger`, :mod:`memli.physics.electrode_mc`; both fall as the
  electrode grows), ``gb_range_m`` and ``gb_width_m`` are the trigger model's GB zone;
- ``variability``: normal device-to-device spreads of ``v_set_gb_v`` and ``v_set_gi_v``,
  the Monte Carlo standard deviations at this area.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import MemliError
from .electrode_mc import center_distances, radius_m
from .microstructure import Polycrystal, make_polycrystal
from .trigger import TriggerModel, default_trigger_model, truncated_normal_min

SITES = ("gb", "gi", "random")


def base_llzo_card():
    """The bundled ``llzo_tip`` card, or the model defaults if it is not installed."""
    from ..cards import default_card, load_card
    from ..errors import CardError
    from ..models.base import get_model
    try:
        return load_card("llzo_tip")
    except CardError:
        return default_card(get_model("li_filament"))


def threshold_spreads(model: TriggerModel, area_m2: float, poly: Polycrystal,
                      n: int = 4000, seed: int | None = 0) -> dict:
    """Mean and standard deviation (V) of the trigger bias of an electrode of
    ``area_m2`` that covers a GB (``gb``) or sits in a grain interior (``gi``)."""
    rng = np.random.default_rng(seed)
    sp = model.flaw_spacing_m
    n_gb = 1.0 + math.floor(poly.gb_length_per_area_per_m() * area_m2 / sp)
    v_gb = model.bias_v(0.0, truncated_normal_min(n_gb, rng.uniform(size=n), model.z_max))
    n_gi = 1.0 + area_m2 / sp ** 2
    far = 1e3 * (model.zone_range_m + model.potential_width_m)
    v_gi = model.bias_v(far, truncated_normal_min(n_gi, rng.uniform(size=n), model.z_max))
    return {"gb": {"mean_v": float(v_gb.mean()), "sd_v": float(v_gb.std(ddof=1)),
                   "n_flaws": n_gb},
            "gi": {"mean_v": float(v_gi.mean()), "sd_v": float(v_gi.std(ddof=1)),
                   "n_flaws": n_gi}}


def trigger_parameters(area_m2: float, model: TriggerModel | None = None,
                       poly: Polycrystal | None = None, n: int = 4000,
                       seed: int | None = 0, grain_size_m: float = 10e-6) -> dict:
    """Fresh-threshold parameters of ``li_filament`` for an electrode of ``area_m2``.

    The weakest-flaw trigger model is the one source: returns ``values``
    (``v_set_gb_v``, ``v_set_gi_v``: Monte Carlo means, V; ``gb_range_m``,
    ``gb_width_m``: the GB zone of the trigger model, m), ``sd`` (Monte Carlo standard
    deviations of the two thresholds, V) and ``spreads`` (:func:`threshold_spreads`).

    Examples
    --------
    >>> t = trigger_parameters(30e-18)
    >>> round(t["values"]["v_set_gb_v"], 2), t["values"]["gb_width_m"]
    (-0.12, 8e-09)
    """
    model = model or default_trigger_model()
    poly = poly or make_polycrystal(grain_size_m, seed=seed)
    sp_ = threshold_spreads(model, float(area_m2), poly, n=n, seed=seed)
    return {"values": {"v_set_gb_v": sp_["gb"]["mean_v"], "v_set_gi_v": sp_["gi"]["mean_v"],
                       "gb_range_m": model.zone_range_m, "gb_width_m": model.zone_width_m},
            "sd": {"v_set_gb_v": sp_["gb"]["sd_v"], "v_set_gi_v": sp_["gi"]["sd_v"]},
            "spreads": sp_}


def threshold_provenance(name: str, t: dict, area_m2: float, poly: Polycrystal) -> dict:
    """Provenance entry (kind ``derived``) of a threshold parameter set by
    :func:`trigger_parameters`."""
    where = (f"memli.physics.trigger weakest-flaw model, electrode-size Monte Carlo at "
             f"{area_m2:.4g} m^2 on a Voronoi polycrystal (grain size "
             f"{poly.grain_size_m:g} m, seed {poly.seed})")
    if name in ("gb_range_m", "gb_width_m"):
        return {"kind": "derived", "ref": "lu_yang", "where": where,
                "formula": "GB damage zone of the trigger model: s(d) = logistic((zone_range "
                           "- d) / zone_width), zone_range at the abrupt rise of Fig. 3c"}
    site = "gb" if name == "v_set_gb_v" else "gi"
    n_fl = t["spreads"][site]["n_flaws"]
    return {"kind": "derived", "ref": "lu_yang", "where": where,
            "formula": f"Monte Carlo mean of the weakest of {n_fl:.4g} "
                       f"{'GB' if site == 'gb' else 'grain-interior'} flaws (sd "
                       f"{t['sd'][name]:.4g} V); anchors -0.12 V on a GB (Fig. 2d), -12 V "
                       "median in a grain (Fig. 2e)"}


def placement_distance_m(poly: Polycrystal, model: TriggerModel, area_m2: float, site: str,
                         seed: int | None = 0, n: int = 20000) -> tuple[float, dict]:
    """``gb_distance_m`` for an electrode of ``area_m2`` at ``site`` (see module doc)."""
    if site not in SITES:
        raise MemliError(f"site: {site!r}; expected one of {list(SITES)}.")
    r = float(radius_m(area_m2))
    if site == "gb":
        return 0.0, {"formula": "0: the electrode covers a grain boundary"}
    if site == "random":
        x = poly.random_points_m(1, seed)
        d = float(poly.distance_to_gb_m(x)[0])
        return max(0.0, d - r), {
            "formula": "max(0, d(x) - sqrt(A/pi)); d(x) = distance of a random drop "
                       "centre x to the nearest GB",
            "drop_center_m": [float(v) for v in x[0]], "center_distance_m": d}
    d_c = center_distances(poly, n, seed)
    reach = model.zone_range_m + 5 * model.zone_width_m
    ok = d_c - r > reach
    if not ok.any():
        raise MemliError(
            f"--site gi: an electrode of area {area_m2:g} m^2 (radius {r * 1e6:.3g} um) "
            f"cannot sit {reach * 1e9:.0f} nm clear of every GB on grains of "
            f"{poly.grain_size_m * 1e6:.3g} um (0 of {n} random drops); use --site gb or "
            "--site random.")
    return float(np.median(d_c[ok] - r)), {
        "formula": "median over random drops with d(x) - sqrt(A/pi) > zone_range + "
                   "5 zone_width of d(x) - sqrt(A/pi)",
        "p_interior": float(ok.mean())}


def llzo_card(area_m2: float, site: str = "random", seed: int | None = 0,
              grain_size_m: float = 10e-6, name: str | None = None,
              poly: Polycrystal | None = None, model: TriggerModel | None = None,
              n: int = 4000):
    """A ``li_filament`` card for an electrode of ``area_m2`` at ``site``.

    Parameters
    ----------
    area_m2 : float
        Working-electrode area, m^2 (tip 30e-18, W probe 1e-11, 200 um pad 4e-8,
        full face 1.12e-4).
    site : {"gb", "gi", "random"}
        Placement: on a GB, in a grain interior, or a random (seeded) drop.
    seed : int or None
        Seed of the microstructure and of the drop.
    grain_size_m : float
        Mean grain size of the polycrystal, m.

    Returns
    -------
    (Card, dict)
        The card and a summary (``gb_distance_m``, spreads, placement details).

    Examples
    --------
    >>> card, info = llzo_card(30e-18, site="gb")
    >>> card.values["gb_distance_m"], card.model.name
    (0.0, 'li_filament')
    """
    a = float(area_m2)
    if not (math.isfinite(a) and 1e-20 <= a <= 1e-2):
        raise MemliError(f"--area: {area_m2!r}; expected an electrode area in m^2 within "
                         "[1e-20, 1e-2] (tip 30e-18, full face 1.12e-4).")
    poly = poly or make_polycrystal(grain_size_m, seed=seed)
    model = model or default_trigger_model()
    base = base_llzo_card()
    d_gb, place = placement_distance_m(poly, model, a, site, seed)
    trig = trigger_parameters(a, model, poly, n=n, seed=seed)
    spreads = trig["spreads"]
    card = base.with_values(name=name or f"llzo_{site}_{a:.3g}".replace("+", ""),
                            area_m2=a, gb_distance_m=d_gb, **trig["values"])
    card.meta = {k: dict(v) for k, v in card.meta.items()}
    for k in trig["values"]:
        card.meta.setdefault(k, {})["provenance"] = threshold_provenance(k, trig, a, poly)
    card.meta.setdefault("area_m2", {})["provenance"] = {
        "kind": "derived", "formula": "A = working-electrode area given by the user "
        "(tip: Hertz A = pi (3 P r / (4 E*))^(2/3), memli.physics.contact)",
        "ref": "lu_yang"}
    card.meta.setdefault("gb_distance_m", {})["provenance"] = {
        "kind": "derived", "formula": place["formula"],
        "where": f"Voronoi polycrystal, grain size {poly.grain_size_m:g} m, "
                 f"{poly.n_grains} grains, seed {poly.seed}, site {site}"}
    # keep the base card's cycle-to-cycle spreads; the thresholds vary device to device
    card.variability = {k: v for k, v in (base.variability or {}).items()
                        if k != "corr" and v.get("scope", "cycle") == "cycle"}
    card.variability.update({
        "v_set_gb_v": {"dist": "normal", "sd": spreads["gb"]["sd_v"], "scope": "device",
                       "note": f"weakest of {spreads['gb']['n_flaws']:.3g} GB flaws; "
                               f"Monte Carlo mean {spreads['gb']['mean_v']:.4g} V"},
        "v_set_gi_v": {"dist": "normal", "sd": spreads["gi"]["sd_v"], "scope": "device",
                       "note": f"weakest of {spreads['gi']['n_flaws']:.3g} interior flaws; "
                               f"Monte Carlo mean {spreads['gi']['mean_v']:.4g} V"},
    })
    card.generated = False
    card.path = None
    card.description = (f"Li | LLZO | WE of area {a:.4g} m^2, site {site} "
                        f"(gb_distance {d_gb:.4g} m); derived by memli.physics from "
                        f"card {base.name!r}.")
    card.extra = dict(card.extra)
    card.extra["derived_from"] = {
        "card": base.name, "card_hash": base.hash(), "site": site, "seed": seed,
        "grain_size_m": poly.grain_size_m, "tool": "memli.physics.card.llzo_card"}
    info = {"name": card.name, "area_m2": a, "site": site, "seed": seed,
            "gb_distance_m": d_gb, "placement": place, "spreads": spreads,
            "base_card": base.name}
    return card, info


def refresh_bundled_thresholds(paths=None, seed: int | None = 0,
                               grain_size_m: float = 10e-6) -> list:
    """Rewrite the fresh-threshold parameters of the bundled ``llzo_*`` cards from
    :func:`trigger_parameters` at each card's area (GB site, seeded); returns the paths.

    Run ``python -m memli.physics.card`` after changing the trigger model;
    tests/unit/test_physics_mc.py checks that the bundled cards agree with it.
    """
    import json
    from pathlib import Path

    from ..fsio import write_text_atomic
    if paths is None:
        root = Path(__file__).resolve().parents[2] / "models"
        paths = sorted(root.glob("llzo_*.json"))
    poly = make_polycrystal(grain_size_m, seed=seed)
    model = default_trigger_model()
    out = []
    for p in paths:
        d = json.loads(Path(p).read_text())
        pars = d["parameters"]
        a = float(pars["area_m2"]["value"])
        t = trigger_parameters(a, model, poly, seed=seed)
        for k, v in t["values"].items():
            pars[k]["value"] = float(v)
            pars[k]["provenance"] = threshold_provenance(k, t, a, poly)
            pars[k]["vary"] = False
        var = d.setdefault("variability", {})
        for k in ("v_set_gb_v", "v_set_gi_v"):
            var[k] = {"dist": "normal", "sd": float(t["sd"][k]), "scope": "device",
                      "note": "device-to-device scatter of the fresh threshold: weakest of the "
                              f"{'GB' if k == 'v_set_gb_v' else 'interior'} flaws the "
                              "electrode covers (electrode-size Monte Carlo, docs/physics.md)"}
        write_text_atomic(p, json.dumps(d, indent=2, sort_keys=True) + "\n")
        out.append(Path(p))
    return out


if __name__ == "__main__":          # pragma: no cover - maintenance command
    for path in refresh_bundled_thresholds():
        print(path)
