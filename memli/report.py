"""One report from several result sections: self-contained HTML and markdown.

A section is a dict::

    {"key": "fit", "title": "Fit of the Li-filament model", "text": "what was done ...",
     "numbers": {"median |log10 I| error": 0.02, ...}, "figures": [path, ...],
     "generated": True, "status": "ok" | "failed", "error": "..."}

The HTML embeds every figure (base64 PNG), so it can be mailed as one file; the
markdown links the figures by relative path.  Sections built from generated
(simulated) data carry a visible "GENERATED" label in both.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import math
import os
from pathlib import Path

from .cards import write_text_atomic

GENERATED_LABEL = "GENERATED: simulated / synthetic data, not a measurement"


def _fmt(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return f"{v:d}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "n/a"
        return f"{v:.4g}"
    return str(v)


def _rel(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base).replace(os.sep, "/")
    except ValueError:
        return str(path)


def markdown(title: str, sections: list, out_dir, intro: str = "") -> str:
    """Markdown text of the report (figures linked relative to ``out_dir``)."""
    out_dir = Path(out_dir)
    md = [f"# {title}", ""]
    if intro:
        md += [intro, ""]
    md += ["| stage | status | |", "|---|---|---|"]
    for s in sections:
        md.append(f"| [{s['title']}](#{s['key']}) | {s.get('status', 'ok')} | "
                  f"{'GENERATED data' if s.get('generated') else ''} |")
    md.append("")
    for s in sections:
        md += [f"<a id=\"{s['key']}\"></a>", f"## {s['title']}", ""]
        if s.get("generated"):
            md += [f"> **{GENERATED_LABEL}**", ""]
        if s.get("status") == "failed":
            md += [f"**FAILED:** {s.get('error', '')}", ""]
        if s.get("text"):
            md += [s["text"], ""]
        nums = s.get("numbers") or {}
        if nums:
            md += ["| quantity | value |", "|---|---|"]
            md += [f"| {k} | {_fmt(v)} |" for k, v in nums.items()]
            md.append("")
        for f in s.get("figures") or []:
            f = Path(f)
            md += [f"![{f.stem}]({_rel(f, out_dir)})", ""]
    return "\n".join(md) + "\n"


_CSS = """
body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:0.5em 0} td,th{border:1px solid #ccc;padding:2px 8px}
td.num{text-align:right;font-family:monospace}
.gen{background:#fff3cd;border:1px solid #e0c060;padding:4px 8px;display:inline-block}
.fail{background:#f8d7da;border:1px solid #d06070;padding:4px 8px}
figure{display:inline-block;margin:0.5em;vertical-align:top}
figure img{max-width:32em;border:1px solid #ddd}
figcaption{font-size:small;color:#555}
"""


def html_text(title: str, sections: list, out_dir, intro: str = "", embed: bool = True) -> str:
    """HTML text of the report; figures embedded as base64 PNG (or linked)."""
    out_dir = Path(out_dir)
    e = html.escape
    h = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">", f"<title>{e(title)}</title>",
         f"<style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>",
         f"<p><small>written {_dt.datetime.now().isoformat(timespec='seconds')}</small></p>"]
    if intro:
        h.append("".join(f"<p>{e(p)}</p>" for p in intro.split("\n\n")))
    h.append("<table><tr><th>stage</th><th>status</th><th></th></tr>")
    for s in sections:
        h.append(f"<tr><td><a href=\"#{e(s['key'])}\">{e(s['title'])}</a></td>"
                 f"<td>{e(s.get('status', 'ok'))}</td>"
                 f"<td>{'GENERATED data' if s.get('generated') else ''}</td></tr>")
    h.append("</table>")
    for s in sections:
        h.append(f"<h2 id=\"{e(s['key'])}\">{e(s['title'])}</h2>")
        if s.get("generated"):
            h.append(f"<p class=\"gen\"><b>{e(GENERATED_LABEL)}</b></p>")
        if s.get("status") == "failed":
            h.append(f"<p class=\"fail\"><b>FAILED:</b> {e(str(s.get('error', '')))}</p>")
        if s.get("text"):
            h.append("".join(f"<p>{e(p)}</p>" for p in s["text"].split("\n\n")))
        nums = s.get("numbers") or {}
        if nums:
            h.append("<table><tr><th>quantity</th><th>value</th></tr>")
            h += [f"<tr><td>{e(str(k))}</td><td class=\"num\">{e(_fmt(v))}</td></tr>"
                  for k, v in nums.items()]
            h.append("</table>")
        for f in s.get("figures") or []:
            f = Path(f)
            if embed and f.exists():
                src = "data:image/png;base64," + base64.b64encode(f.read_bytes()).decode()
            else:
                src = e(_rel(f, out_dir))
            h.append(f"<figure><a href=\"{e(_rel(f, out_dir))}\"><img src=\"{src}\" "
                     f"alt=\"{e(f.stem)}\"></a><figcaption>{e(f.name)}</figcaption></figure>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


def write_report(out_dir, title: str, sections: list, intro: str = "",
                 stem: str = "report") -> dict:
    """Write ``<out_dir>/report.html`` and ``report.md`` atomically; return their paths.

    Raises
    ------
    FileNotFoundError
        When a section names a figure that does not exist (a report must not show a
        hole where a figure should be).
    """
    out_dir = Path(out_dir)
    missing = [str(f) for s in sections if s.get("status", "ok") == "ok"
               for f in s.get("figures") or [] if not Path(f).exists()]
    if missing:
        raise FileNotFoundError(f"report: figure(s) not found: {', '.join(missing)}")
    paths = {"html": out_dir / f"{stem}.html", "md": out_dir / f"{stem}.md"}
    write_text_atomic(paths["html"], html_text(title, sections, out_dir, intro))
    write_text_atomic(paths["md"], markdown(title, sections, out_dir, intro))
    return {k: str(v) for k, v in paths.items()}
