"""`memli physics`: the LLZO physics report (paper numbers vs memli, figures)."""
from __future__ import annotations

from pathlib import Path

import typer

physics_app = typer.Typer(no_args_is_help=True, help=(
    "LLZO physics: Hertz contact, filament geometry, ionic estimates, grain-boundary "
    "statistics and the electrode-size Monte Carlo.\n\n"
    "Example:  memli physics report --out out/physics --json"))


@physics_app.command("report")
def report_cmd(
    out: Path = typer.Option(..., "--out", help="output folder (table, summary.json, figures)"),
    seed: int = typer.Option(0, "--seed", help="seed of the microstructure and Monte Carlo"),
    grain_size: float = typer.Option(10e-6, "--grain-size",
                                     help="mean grain size (equivalent-circle diameter), m"),
    n_drops: int = typer.Option(4000, "--n-drops", help="electrode drops per size"),
    force: bool = typer.Option(False, "--force", help="overwrite existing files in --out"),
    json_: bool = typer.Option(False, "--json", help="print the JSON summary on stdout"),
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
):
    """Paper numbers next to memli's computed values (discrepancies flagged) and the
    figures: grain map, AFM-like maps, trigger bias vs distance to a GB and vs
    electrode size.

    --json keys include hertz_area_m2, filament_radius_m, filament_diameter_m,
    ionic_current_column_a, ionic_current_spreading_a, n_discrepancies, files,
    generated (true: the microstructure and Monte Carlo are simulated).

    Example:  memli physics report --out out/physics --seed 0 --json
    """
    import math

    from ..cli import emit_json
    from ..errors import DataError, MemliError
    from ..physics.report import check_outputs, physics_summary, table_markdown, write_report
    if n_drops < 100:
        raise MemliError(f"--n-drops {n_drops}: expected at least 100 drops per size.")
    if seed < 0:
        raise DataError(f"--seed {seed}: expected an integer >= 0")
    if not (math.isfinite(grain_size) and grain_size > 0):
        raise DataError(f"--grain-size {grain_size}: expected a finite number > 0 (m)")
    check_outputs(out, force)             # before the Monte Carlo, not after it
    from ..progress import progress_bar
    with progress_bar("electrode sizes", quiet, transient=True) as cb:
        s = physics_summary(seed=seed, grain_size_m=grain_size, n_drops=n_drops, progress=cb)
    pub = write_report(out, s, force=force)
    if json_:
        keys = ["hertz_area_m2", "hertz_area_pt_llzo_m2", "e_star_for_paper_area_pa",
                "filament_area_m2", "filament_radius_m", "filament_diameter_m",
                "ionic_current_column_a", "ionic_current_spreading_a",
                "ionic_current_paper_a", "n_discrepancies", "seed", "grain_size_m", "files",
                "generated"]
        short = {k: pub[k] for k in keys}
        short["trigger"] = {k: v for k, v in pub["trigger"].items() if k != "model"}
        short["electrodes"] = {k: {kk: v[kk] for kk in ("mean_v", "std_v", "p_cover",
                                                        "fraction_triggered")}
                               for k, v in pub["size"]["named"].items()}
        short["table"] = pub["table"]
        emit_json(short)
    else:
        typer.echo(table_markdown(s["table"]))
        typer.echo(f"wrote {out}/ (paper_numbers.md, summary.json, 4 figures)")


@physics_app.command("numbers")
def numbers_cmd(json_: bool = typer.Option(False, "--json", help="print JSON")):
    """Contact, filament and ionic numbers of the paper's case (no Monte Carlo).

    Example:  memli physics numbers --json
    """
    from ..cli import emit_json
    from ..physics import filament, ionic
    from ..physics.contact import paper_contact_case
    out = {"hertz": paper_contact_case(), "filament": filament.filament_geometry().as_dict(),
           "ionic": ionic.ionic_estimates()}
    out["hertz_area_m2"] = out["hertz"]["area_paper_e_star_m2"]
    out["filament_radius_m"] = out["filament"]["radius_m"]
    out["filament_diameter_m"] = out["filament"]["diameter_m"]
    out["ionic_current_column_a"] = out["ionic"]["ionic_current_column_a"]
    out["ionic_current_spreading_a"] = out["ionic"]["ionic_current_spreading_a"]
    if json_:
        emit_json(out)
        return
    h, f, i = out["hertz"], out["filament"], out["ionic"]
    typer.echo(f"Hertz area (400 nN, 20 nm, E* 60 GPa): {h['area_paper_e_star_m2'] * 1e18:.1f} "
               f"nm^2 (paper states 30 nm^2; that needs E* = "
               f"{h['e_star_for_stated_area_pa'] / 1e9:.0f} GPa)")
    typer.echo(f"E* Pt/LLZO from moduli and Poisson ratios: {h['e_star_pt_gi_pa'] / 1e9:.1f} GPa"
               f" -> {h['area_pt_gi_m2'] * 1e18:.1f} nm^2")
    typer.echo(f"filament: A = {f['area_m2'] * 1e12:.3f} um^2, radius {f['radius_m'] * 1e9:.0f} "
               f"nm, diameter {f['diameter_m'] * 1e9:.0f} nm (paper's '~300 nm diameter' "
               "matches the radius)")
    typer.echo(f"ionic at -10 V: column {abs(i['ionic_current_column_a']) * 1e12:.3g} pA, "
               f"spreading {abs(i['ionic_current_spreading_a']) * 1e9:.3g} nA, paper 0.02 pA")


def register(app: typer.Typer):
    app.add_typer(physics_app, name="physics")
