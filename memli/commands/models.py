"""`memli models`: list models and bundled cards."""
from __future__ import annotations

import typer

from ..cards import bundled_cards, load_card
from ..models import registry


def register(app: typer.Typer):
    @app.command("models")
    def models_cmd(json_: bool = typer.Option(False, "--json", help="print a JSON summary")):
        """List the models and the bundled cards.

        Example:  memli models --json
        """
        from ..cli import emit_json
        cards = {}
        for name, path in bundled_cards().items():
            c = load_card(path)
            cards.setdefault(c.model.name, []).append(name)
        out = {"models": [{"id": m.name, "doc": m.doc, "states": m.state_names,
                           "parameters": m.param_names, "citations": list(m.citations),
                           "cards": sorted(cards.get(m.name, []))}
                          for m in registry().values()]}
        if json_:
            emit_json(out)
            return
        for m in out["models"]:
            typer.echo(f"{m['id']}: {m['doc']}")
            typer.echo(f"    states: {', '.join(m['states'])}")
            typer.echo(f"    cards:  {', '.join(m['cards']) or '(none)'}")
