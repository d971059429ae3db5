"""`memli cite`: print the references a card or model relies on."""
from __future__ import annotations

import re
from pathlib import Path

import typer


def bib_entries() -> dict[str, str]:
    text = (Path(__file__).resolve().parent.parent / "CITATIONS.bib").read_text()
    out = {}
    for m in re.finditer(r"@\w+\{([^,]+),(.*?)\n\}", text, re.S):
        out[m.group(1).strip()] = m.group(0)
    return out


def register(app: typer.Typer):
    @app.command("cite")
    def cite_cmd(card: str = typer.Argument(None, help="card name or path (default: all)")):
        """Print BibTeX entries used by a card (or every entry).

        Example:  memli cite llzo_tip
        """
        from ..cards import load_card
        from ..errors import CardError
        entries = bib_entries()
        keys = list(entries)
        if card:
            c = load_card(card)
            keys = list(dict.fromkeys([*c.citations, *c.model.citations] +
                                      [p.citation for p in c.model.params.values() if p.citation]))
            missing = [k for k in keys if k not in entries]
            if missing:
                raise CardError(f"{card}: citation keys {missing} not in memli/CITATIONS.bib")
        for k in keys:
            typer.echo(entries[k])
