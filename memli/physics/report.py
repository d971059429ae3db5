"""The physics report: every paper number next to memli's value, and the figures.

:func:`physics_summary` computes (no files); :func:`write_report` writes ``DIR/``:
``paper_numbers.md`` and ``.csv`` (the table), ``summary.json``, and the figures
``grains.png``, ``afm_maps.png``, ``trigger_vs_distance.png``, ``trigger_vs_size.png``.
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from . import constants as K
from . import contact, filament, ionic
from .electrode_mc import ELECTRODES, drops_brute, drops_stats, size_sweep, summarize
from .microstructure import make_polycrystal, property_maps
from .trigger import default_trigger_model

#: a computed value differing from the paper's by more than this factor is flagged
DISCREPANCY_RTOL = 0.15


def _row(quantity, paper, memli, unit, where, note="", compare=True, scale=1.0):
    if compare and paper not in (None, 0) and memli is not None:
        ratio = memli / paper
        status = "ok" if abs(ratio - 1) <= DISCREPANCY_RTOL else "DISCREPANCY"
    else:
        ratio, status = None, "info"
    return {"quantity": quantity, "paper": paper, "memli": memli, "unit": unit,
            "display_scale": scale, "ratio": ratio, "status": status, "where": where,
            "note": note}


def paper_numbers(summary: dict) -> list[dict]:
    """Rows (paper value, memli value, ratio, status) from a :func:`physics_summary`."""
    h = summary["hertz"]
    f = summary["filament"]
    io_ = summary["ionic"]
    t = summary["trigger"]
    sz = summary["size"]
    mp = summary["maps"]
    nm2 = 1e18
    return [
        _row("Hertz contact area, stated inputs (400 nN, 20 nm, E* = 60 GPa)",
             contact.PAPER_AREA_M2, h["area_paper_e_star_m2"], "nm^2", "Methods",
             "the formula with the paper's own inputs gives 68 nm^2, not ~30 nm^2",
             scale=nm2),
        _row("E* that gives the stated 30 nm^2", contact.PAPER_E_STAR_PA,
             h["e_star_for_stated_area_pa"], "GPa", "Methods",
             "30 nm^2 needs E* = 203 GPa (or a load of 118 nN at 60 GPa)", scale=1e-9),
        _row("E* of Pt tip on LLZO grain (E, nu of both)", contact.PAPER_E_STAR_PA,
             h["e_star_pt_gi_pa"], "GPa", "Methods; ref. 52",
             "LLZO 145 GPa, nu 0.257; Pt 168 GPa, nu 0.38: Hertz area "
             f"{h['area_pt_gi_m2'] * nm2:.1f} nm^2 (GB: {h['area_pt_gb_m2'] * nm2:.1f} nm^2)",
             scale=1e-9),
        _row("Hertz area with E* = 150 GPa", None, h["area_150gpa_m2"], "nm^2",
             "REFERENCE.md", "37 nm^2", compare=False, scale=nm2),
        _row("filament cross-section (116 ohm, 300 um, 1.1e5 S/cm)", None, f["area_m2"],
             "um^2", "Fig. 2d", "A = L / (sigma R)", compare=False, scale=1e12),
        _row("filament radius", None, f["radius_m"], "nm", "Fig. 2d", compare=False,
             scale=1e9),
        _row("filament diameter", filament.PAPER_DIAMETER_STATED_M, f["diameter_m"], "nm",
             "Fig. 2d text",
             f"the paper's '~300 nm diameter' matches the radius "
             f"({f['radius_m'] * 1e9:.0f} nm), not the diameter", scale=1e9),
        _row("ionic current at -10 V, 30 nm^2: 1-D column", ionic.PAPER_IONIC_CURRENT_A,
             abs(io_["ionic_current_column_a"]), "pA", "Fig. 2 text",
             "assumes current confined under the contact (sigma A V / L); paper is 0.4x it",
             scale=1e12),
        _row("ionic current at -10 V, 30 nm^2: disk spreading", ionic.PAPER_IONIC_CURRENT_A,
             abs(io_["ionic_current_spreading_a"]), "pA", "Fig. 2 text",
             "assumes spreading into a half-space, R = 1/(4 sigma a); ~6 nA", scale=1e12),
        _row("trigger bias on a GB (median)", -0.12, t["median_gb_v"], "V", "Fig. 2d",
             "fitted (c_gb)"),
        _row("trigger bias in grain interiors (of contacts that trigger within -10 V)",
             -9.5, t["gi_mean_triggered_v"], "V", "Fig. 2e",
             f"only {t['gi_fraction_within_limit']:.0%} of interior contacts trigger within "
             f"-10 V (median {t['median_gi_v']:.1f} V, fitted)"),
        _row("GB / interior trigger ratio", 0.01, t["median_gb_v"] / t["median_gi_v"], "",
             "Abstract: 'hundredfold'", "fitted through the two anchors"),
        _row("distance from GB where the trigger bias rises", 100e-9, t["rise_distance_m"],
             "nm", "Fig. 3c", "distance where the median crosses -1 V (zone_range fitted)",
             scale=1e9),
        _row("electrode size where trigger bias settles", 10e-6, sz["settle_size_m"], "um",
             "Fig. 3d",
             "sqrt(area) at which P(covers a GB) reaches 0.99 (derived from the "
             "microstructure)", scale=1e6),
        _row("Young's modulus, grain interior (synthetic map)", K.E_LLZO_GI_PA,
             mp["modulus_interior_pa"], "GPa", "Fig. 4", "input of the map", scale=1e-9),
        _row("Young's modulus, at GB (synthetic map)", K.E_LLZO_GB_PA, mp["modulus_gb_pa"], "GPa",
             "Fig. 4", "input of the map", scale=1e-9),
        _row("surface potential at GB vs interior (synthetic map)", K.PHI_GB_OFFSET_V,
             mp["potential_gb_v"], "mV", "Fig. 4j", "input of the map", scale=1e3),
        _row("bias at which 116 ohm reaches the 1 mA compliance", None, K.R_LRS_OHM * K.COMPLIANCE_A, "V",
             "REFERENCE.md", "= the GB trigger bias", compare=False),
    ]


def _settle_size_m(rows, level: float = 0.99) -> float:
    """Smallest sqrt(area) (m) at which P(cover) reaches ``level`` (log interpolation)."""
    for a, b in zip(rows, rows[1:]):
        if a["p_cover"] < level <= b["p_cover"]:
            f = (level - a["p_cover"]) / (b["p_cover"] - a["p_cover"])
            return float(math.exp(math.log(a["size_m"]) + f * math.log(b["size_m"] / a["size_m"])))
    return float(rows[0]["size_m"]) if rows and rows[0]["p_cover"] >= level else float("nan")


def physics_summary(seed: int = 0, grain_size_m: float = 10e-6, n_drops: int = 4000,
                    n_grains: int = 400, brute: bool = True, progress=None) -> dict:
    """Compute every number of the report (seeded; no files written)."""
    h = contact.paper_contact_case()
    f = filament.filament_geometry().as_dict()
    io_ = ionic.ionic_estimates()
    model = default_trigger_model()
    poly = make_polycrystal(grain_size_m, n_grains=n_grains, seed=seed)
    rng = np.random.default_rng(seed)
    # trigger vs distance
    d = np.linspace(0, 300e-9, 301)
    med = model.median_v(d)
    rise = float(np.interp(1.0, -med, d))
    far = 10e-6
    gi = model.sample_v(np.full(20000, far), rng)
    within = gi >= model.limit_v
    trig = {
        "median_gb_v": float(model.median_v(0.0)),
        "median_gi_v": float(model.median_v(far)),
        "gi_fraction_within_limit": float(within.mean()),
        "gi_mean_triggered_v": float(gi[within].mean()),
        "rise_distance_m": rise,
        "p_within_1v_at_50nm": float(model.p_trigger_within(50e-9, -1.0)),
        "p_within_1v_at_150nm": float(model.p_trigger_within(150e-9, -1.0)),
        "flaw_gb_m": model.flaw_gb_m, "flaw_gi_m": model.flaw_gi_m,
        "contributions": model.contributions(), "model": model.as_dict(),
    }
    # electrode sizes
    rows = size_sweep(poly, model, n=n_drops, seed=seed, progress=progress)
    named = {k: summarize(drops_stats(poly, model, a, n=n_drops, rng=seed))
             for k, a in ELECTRODES.items()}
    brute_rows = []
    if brute:
        for a in (ELECTRODES["tip"], 1e-12, ELECTRODES["w_probe"], 3e-11, 1e-10):
            brute_rows.append(summarize(drops_brute(poly, model, a, n=300, rng=seed)))
    settle = _settle_size_m(rows)
    tip_sd = named["tip"]["std_v"]
    size = {"rows": rows, "named": named, "brute": brute_rows, "settle_size_m": settle,
            "std_ratio_tip_over_10um": tip_sd / max(named["square_10um"]["std_v"], 1e-300),
            "gb_length_per_area_per_m": poly.gb_length_per_area_per_m(),
            "grain_area_cv": poly.area_cv()}
    # maps
    maps = property_maps(poly, size_m=1e-6, n_px=200, seed=seed)
    dm = maps["distance_m"]
    inner, ongb = dm > 100e-9, dm < 5e-9
    mp = {"modulus_interior_pa": float(maps["modulus_pa"][inner].mean()),
          "modulus_gb_pa": float(maps["modulus_pa"][ongb].mean()),
          "potential_gb_v": float(maps["surface_potential_v"][ongb].mean()
                                  - maps["surface_potential_v"][dm > 500e-9].mean())
          if (dm > 500e-9).any() else float(maps["surface_potential_v"][ongb].mean())}
    out = {
        "seed": seed, "grain_size_m": grain_size_m, "n_drops": n_drops,
        "hertz": h, "filament": f, "ionic": io_, "trigger": trig, "size": size, "maps": mp,
        # headline keys (CLI --json)
        "hertz_area_m2": h["area_paper_e_star_m2"],
        "hertz_area_pt_llzo_m2": h["area_pt_gi_m2"],
        "e_star_for_paper_area_pa": h["e_star_for_stated_area_pa"],
        "filament_area_m2": f["area_m2"],
        "filament_radius_m": f["radius_m"],
        "filament_diameter_m": f["diameter_m"],
        "ionic_current_column_a": io_["ionic_current_column_a"],
        "ionic_current_spreading_a": io_["ionic_current_spreading_a"],
        "ionic_current_paper_a": io_["paper_current_a"],
    }
    out["table"] = paper_numbers(out)
    out["n_discrepancies"] = sum(r["status"] == "DISCREPANCY" for r in out["table"])
    out["_poly"], out["_model"], out["_maps"] = poly, model, maps
    return out


def _fmt(v, scale):
    if v is None:
        return "-"
    x = v * scale
    return f"{x:.4g}"


def table_markdown(rows: list[dict]) -> str:
    """The paper-numbers table as Markdown."""
    lines = ["| quantity | paper | memli | unit | memli/paper | status | where | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3g}"
        lines.append(f"| {r['quantity']} | {_fmt(r['paper'], r['display_scale'])} | "
                     f"{_fmt(r['memli'], r['display_scale'])} | {r['unit']} | {ratio} | "
                     f"{r['status']} | {r['where']} | {r['note']} |")
    return "\n".join(lines) + "\n"


def table_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["quantity", "paper_si", "memli_si", "display_unit", "ratio", "status",
                "where", "note"])
    for r in rows:
        w.writerow([r["quantity"], r["paper"], r["memli"], r["unit"], r["ratio"],
                    r["status"], r["where"], r["note"]])
    return buf.getvalue()


def public(summary: dict) -> dict:
    """The summary without the private (non-JSON) objects."""
    return {k: v for k, v in summary.items() if not k.startswith("_")}


REPORT_FILES = ("paper_numbers.md", "paper_numbers.csv", "summary.json", "grains.png",
                "afm_maps.png", "trigger_vs_distance.png", "trigger_vs_size.png")


def check_outputs(out_dir, force: bool = False) -> list[str]:
    """The report's file names; raises (before any work) if ``out_dir`` is a file or
    holds some of them and not ``force``."""
    from ..outputs import OutputSet
    OutputSet(out_dir, REPORT_FILES, force)
    return list(REPORT_FILES)


def write_report(out_dir, summary: dict | None = None, force: bool = False, **kw) -> dict:
    """Write the table and figures into ``out_dir``; returns the JSON summary."""
    from ..cards import write_text_atomic
    from . import plots
    from ..fsio import json_clean
    from ..outputs import OutputSet
    final = Path(out_dir)
    names = list(REPORT_FILES)
    outs = OutputSet(final, names, force)
    s = summary or physics_summary(**kw)
    outs.begin()
    out = outs.stage
    poly, model, maps = s["_poly"], s["_model"], s["_maps"]
    rng = np.random.default_rng(s["seed"])
    plots.save(plots.grain_map(poly), out / "grains.png")
    plots.save(plots.afm_maps(maps, "synthetic AFM-like maps around a triple junction"),
               out / "afm_maps.png")
    d = np.linspace(0, 300e-9, 301)
    ds = rng.uniform(0, 300e-9, 400)
    plots.save(plots.trigger_vs_distance(model, d, ds, model.sample_v(ds, rng)),
               out / "trigger_vs_distance.png")
    plots.save(plots.trigger_vs_size(s["size"]["rows"], s["size"]["brute"], ELECTRODES),
               out / "trigger_vs_size.png")
    head = ("# LLZO physics: paper numbers vs memli\n\n"
            f"seed {s['seed']}, grain size {s['grain_size_m'] * 1e6:g} um, "
            f"{s['n_drops']} drops per electrode size; status DISCREPANCY when memli "
            f"differs from the paper by more than {DISCREPANCY_RTOL:.0%}.\n\n")
    write_text_atomic(out / "paper_numbers.md", head + table_markdown(s["table"]))
    write_text_atomic(out / "paper_numbers.csv", table_csv(s["table"]))
    pub = public(s)
    pub["files"] = [str(final / n) for n in names]
    pub["generated"] = True               # simulated microstructure and Monte Carlo
    pub = json_clean(pub)
    write_text_atomic(out / "summary.json", json.dumps(pub, indent=2, sort_keys=True) + "\n")
    outs.commit()
    return pub
