"""`memli export`: print a card as a Verilog-A module (OpenVAF) or an ngspice subcircuit."""
from __future__ import annotations

from pathlib import Path

import typer

FORMATS = ("verilog-a", "spice", "vacask-model")


def register(app: typer.Typer):
    @app.command("export")
    def export_cmd(
        card: str = typer.Argument(..., help="bundled card name (see `memli models`) or path"),
        fmt: str = typer.Option(..., "--format", help="verilog-a (module memli_<model>, for "
                                "OpenVAF) or spice (ngspice .subckt memli_<model>)"),
        out: Path = typer.Option(..., "--out", help="output file (.va or .cir/.lib)"),
        force: bool = typer.Option(False, "--force", help="overwrite an existing --out"),
        json_: bool = typer.Option(False, "--json", help="print a JSON summary"),
    ):
        """Export a card's model as Verilog-A or as an ngspice subcircuit.

        The card's values become the parameter defaults; every parameter keeps its
        unit, description and bounds; the header records the card, its hash, memli's
        version and the citations.

        Examples:

          memli export llzo_tip --format verilog-a --out out/memli_li_filament.va

          memli export llzo_tip --format spice --out out/memli_li_filament.lib

          memli export llzo_pad_500um --format vacask-model --out out/llzo_pad_500um.model
        """
        from ..cards import load_card, write_text_atomic
        from ..cli import emit_json
        from ..errors import ExportError

        if fmt not in FORMATS:
            raise ExportError(f"--format {fmt!r}: expected one of {list(FORMATS)}")
        if out.exists() and not force:
            raise ExportError(f"{out}: exists; pass --force to overwrite")
        c = load_card(card)
        if c.path is not None and out.resolve().parent == c.path.resolve().parent:
            raise ExportError(f"{out}: is in the folder of the input card {c.path}; choose "
                              "another --out (inputs' folders are never written to)")
        if fmt == "vacask-model":
            from ..codegen.verilog_a import model_line
            from ..safetext import comment
            text = (f"// memli card {comment(c.name)} (hash {c.hash()}) as a VACASK model line "
                    f"for the module memli_{c.model.name}\n// (export the module with --format "
                    "verilog-a and load its OpenVAF build)\n"
                    "// instance parameters of this card (set them on each instance): "
                    + " ".join(f"{k}={c.values[k]!r}" for k, p in c.model.params.items()
                               if p.instance) + "\n" + model_line(c) + "\n")
        elif fmt == "verilog-a":
            from ..codegen.verilog_a import module_text
            text = module_text(c)
        else:
            from ..codegen.spice import subckt_text
            text = subckt_text(c)
        write_text_atomic(out, text)
        summary = {"format": fmt, "out": str(out), "name": f"memli_{c.model.name}",
                   "model": c.model.name, "card": c.name, "card_hash": c.hash(),
                   "parameters": len(c.model.params), "states": c.model.state_names}
        if json_:
            emit_json(summary)
        else:
            typer.echo(f"wrote {out} ({fmt}, {summary['name']}, card {c.name} "
                       f"{summary['card_hash']})")
