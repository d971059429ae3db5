"""The demo report writer: sections, generated labels, embedded figures, missing figures."""
from __future__ import annotations

import base64

import pytest

from memli.report import GENERATED_LABEL, write_report

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_report_embeds_links_and_labels(tmp_path):
    fig = tmp_path / "sub" / "a.png"
    fig.parent.mkdir()
    fig.write_bytes(PNG)
    secs = [{"key": "one", "title": "One <stage>", "text": "para 1\n\npara 2",
             "numbers": {"x (V)": 0.123456, "n": 3, "nan": float("nan"), "s": "txt"},
             "figures": [str(fig)], "generated": True},
            {"key": "two", "title": "Two", "status": "failed", "error": "Boom: bad"}]
    paths = write_report(tmp_path, "T & title", secs, intro="intro")
    html = open(paths["html"]).read()
    md = open(paths["md"]).read()
    assert html.count("data:image/png;base64,") == 1
    assert base64.b64encode(PNG).decode() in html
    assert "One &lt;stage&gt;" in html and "T &amp; title" in html    # escaped
    assert html.count(GENERATED_LABEL) == 1 and "FAILED:</b> Boom: bad" in html
    assert "![a](sub/a.png)" in md and "| x (V) | 0.1235 |" in md and "| nan | n/a |" in md
    assert "**FAILED:** Boom: bad" in md


def test_missing_figure_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        write_report(tmp_path, "t", [{"key": "k", "title": "k",
                                      "figures": [str(tmp_path / "nope.png")]}])
    assert not (tmp_path / "report.html").exists()
