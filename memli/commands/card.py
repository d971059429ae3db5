"""`memli card`: make model cards from physics (``memli card llzo``)."""
from __future__ import annotations

import math
from pathlib import Path

import typer

card_app = typer.Typer(no_args_is_help=True, help=(
    "Make model cards from physics.\n\n"
    "Example:  memli card llzo --area 1e-11 --site random --seed 3 --out w_probe.json"))


@card_app.command("llzo")
def llzo_cmd(
    area: float = typer.Option(..., "--area", help="working-electrode area, m^2 "
                               "(tip 30e-18, W probe 1e-11, 200 um pad 4e-8, full face 1.12e-4)"),
    site: str = typer.Option("random", "--site", help="gb | gi | random (seeded drop)"),
    seed: int = typer.Option(0, "--seed", help="seed of the microstructure and the drop"),
    grain_size: float = typer.Option(10e-6, "--grain-size", help="mean grain size, m"),
    out: Path = typer.Option(..., "--out", help="card file to write (JSON)"),
    name: str = typer.Option(None, "--name", help="card name (default llzo_<site>_<area>)"),
    force: bool = typer.Option(False, "--force", help="overwrite --out"),
    json_: bool = typer.Option(False, "--json", help="print a JSON summary"),
):
    """A li_filament card for an electrode of any area and placement on LLZO: values
    of the bundled llzo_tip card, with area_m2, gb_distance_m (from a Voronoi
    polycrystal) and the SET-threshold variability (weakest-flaw Monte Carlo) derived.

    Example:  memli card llzo --area 30e-18 --site gb --out tip_gb.json --json
    """
    from ..cli import emit_json
    from ..errors import MemliError
    from ..physics.card import SITES, llzo_card
    from ..errors import DataError
    if site not in SITES:
        raise MemliError(f"--site {site!r}: expected one of {', '.join(SITES)}.")
    if seed < 0:
        raise DataError(f"--seed {seed}: expected an integer >= 0")
    for opt, v in (("--area", area), ("--grain-size", grain_size)):
        if not (math.isfinite(v) and v > 0):
            raise DataError(f"{opt} {v}: expected a finite number > 0 (SI, m^2 or m)")
    from ..outputs import guard
    guard([out], [], force)
    card, info = llzo_card(area, site=site, seed=seed, grain_size_m=grain_size, name=name)
    card.save(out, force=force)
    info["path"] = str(out)
    info["variability"] = card.variability
    info["card_hash"] = card.hash()
    if json_:
        emit_json(info)
    else:
        typer.echo(f"wrote {out}: {card.name} (area {area:g} m^2, site {site}, "
                   f"gb_distance {info['gb_distance_m']:.4g} m, "
                   f"sd(v_set_gb) {card.variability['v_set_gb_v']['sd']:.3g} V)")


def register(app: typer.Typer):
    app.add_typer(card_app, name="card")
