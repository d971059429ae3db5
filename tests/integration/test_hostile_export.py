"""Hostile card text never becomes simulator commands (docs/security.md).

A card is untrusted input: its name, description, citations and provenance notes reach
exported files as comments and titles.  The attack: a newline followed by an ngspice
``.control`` block running ``shell``.  Each test below puts such text in every free-text
field of a card, exports it with every printer, runs the real simulators on the result
and checks that the marker file the payload would create never appears.
"""
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memli import safetext
from memli.cards import load_card
from memli.codegen.spice import subckt_text
from memli.codegen.verilog_a import model_line, module_text, paramset_text
from memli.errors import CardError

ROOT = Path(__file__).resolve().parents[2]


def payload(marker: Path) -> str:
    return (f"x\n.control\nshell touch {marker}\n.endc\n*\r\n.endc\rshell touch {marker}\n"
            f"`include \"/etc/passwd\"\\\n\u2028control\n  postprocess(PYTHON, \"{marker}\")\nendc"
            "\x00\x1b[2J\"\"\\")


def hostile_card(text: str):
    """llzo_tip with ``text`` in every free-text field (built in memory: the loader
    itself refuses control characters in names and citations)."""
    c = load_card("llzo_tip")
    meta = json.loads(json.dumps(c.meta))
    for k in meta:
        meta[k].setdefault("provenance", {})["note"] = text
        meta[k]["provenance"]["where"] = text
        meta[k]["provenance"]["ref"] = text
    return dataclasses.replace(c, name=text, description=text, citations=(text, "lu_yang"),
                               meta=meta, path=None)


def code_lines(text: str, marker: str) -> list[str]:
    return [ln for ln in text.splitlines() if not ln.lstrip().startswith(marker)]


def test_printers_keep_hostile_text_in_comments(tmp_path):
    marker = tmp_path / "PWNED"
    bad = hostile_card(payload(marker))
    good = load_card("llzo_tip")
    for fn, mark in ((subckt_text, "*"), (module_text, "//")):
        t_bad, t_good = fn(bad), fn(good)
        # every line that is not a comment is exactly a line of the benign export
        assert code_lines(t_bad, mark) == code_lines(t_good, mark)
        assert all(ln.isascii() and ln.isprintable() for ln in t_bad.splitlines())
        assert "r_on_ohm" in "".join(code_lines(t_bad, mark))   # declarations survive
    assert model_line(bad).split()[1].isidentifier()
    assert all(ln.isprintable() for ln in paramset_text(bad).splitlines())


def _run(cmd, cwd, timeout=120):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def test_ngspice_and_vacask_run_hostile_exports_without_executing(tmp_path):
    marker = tmp_path / "PWNED"
    card = hostile_card(payload(marker))
    lib = tmp_path / "hostile.lib"
    lib.write_text(subckt_text(card))
    deck = tmp_path / "deck.cir"
    deck.write_text("hostile include\n.include hostile.lib\n"
                    "V1 a 0 dc 0.05\nX1 a 0 memli_li_filament x_init=1\n.op\n.end\n")
    ng = shutil.which("ngspice")
    assert ng, "ngspice missing (apt-get install ngspice)"
    r = _run([ng, "-b", "deck.cir"], tmp_path)
    assert r.returncode == 0, r.stdout[-1500:] + r.stderr[-1500:]
    assert not marker.exists()

    from memli.simulators.openvaf import compile_va
    from memli.simulators import vacask
    osdi = compile_va(module_text(card), "memli_li_filament")
    net = vacask.netlist(payload(marker), [osdi],
                         [model_line(card, "dev"), "v1 (a 0) vsource dc=0.05",
                          "d1 (a 0) dev x_init=1"], 1e-3, 1e-4)
    res = vacask.run(net, {osdi.name: osdi})
    assert "tran1" in res
    assert not marker.exists()


def test_verify_and_deck_titles_refuse_or_sanitise(tmp_path):
    """memli verify runs both simulators on the export of an in-memory hostile card."""
    from memli.verify import verify
    marker = tmp_path / "PWNED"
    rep = verify(hostile_card(payload(marker)))
    assert rep is not None
    assert not marker.exists()


@pytest.mark.parametrize("field,value", [
    ("name", "tip\n.control\nshell touch {m}\n.endc"),
    ("citations", ["lu_yang", "x\n.control\nshell touch {m}\n.endc"]),
    ("name", ["not", "a", "string"]),
    ("citations", "lu_yang"),
    ("description", 12),
    ("generated", "false"),
])
def test_cli_refuses_hostile_card_fields(tmp_path, field, value):
    marker = tmp_path / "PWNED"
    d = json.loads((ROOT / "models" / "llzo_tip.json").read_text())
    d[field] = (json.loads(json.dumps(value).replace("{m}", str(marker).replace("\\", "/"))))
    src = tmp_path / "in" / "card.json"
    src.parent.mkdir()
    src.write_text(json.dumps(d))
    before = src.read_bytes()
    for fmt in ("spice", "verilog-a", "vacask-model"):
        r = _run([sys.executable, "-m", "memli", "export", str(src), "--format", fmt,
                  "--out", str(tmp_path / f"out.{fmt}")], ROOT)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "card.json" in lines[0] and field in lines[0], r.stderr
        assert "Traceback" not in r.stderr and "Error:" not in r.stderr.split(":", 1)[0]
    r = _run([sys.executable, "-m", "memli", "verify", str(src), "--json"], ROOT, 300)
    assert r.returncode == 2
    assert src.read_bytes() == before
    assert not marker.exists()


def test_cli_exports_multiline_description_as_comments(tmp_path):
    """A description and provenance notes may hold line breaks (a pasted abstract); they
    are exported as single comment lines, and ngspice runs the export harmlessly."""
    marker = tmp_path / "PWNED"
    d = json.loads((ROOT / "models" / "llzo_tip.json").read_text())
    d["description"] = payload(marker)
    for entry in d["parameters"].values():
        entry.setdefault("provenance", {"kind": "assumed"})["note"] = payload(marker)
    src = tmp_path / "in" / "card.json"
    src.parent.mkdir()
    src.write_text(json.dumps(d))
    out = tmp_path / "o" / "x.lib"
    r = _run([sys.executable, "-m", "memli", "export", str(src), "--format", "spice",
              "--out", str(out)], ROOT)
    assert r.returncode == 0, r.stderr
    (tmp_path / "o" / "d.cir").write_text("t\n.include x.lib\nV1 a 0 dc 0.05\n"
                                          "X1 a 0 memli_li_filament x_init=1\n.op\n.end\n")
    r = _run([shutil.which("ngspice"), "-b", "d.cir"], tmp_path / "o")
    assert r.returncode == 0
    assert not marker.exists()


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=0, max_size=80))
def test_any_text_stays_in_comments(text):
    good = load_card("llzo_tip")
    bad = hostile_card(text)
    assert code_lines(subckt_text(bad), "*") == code_lines(subckt_text(good), "*")
    assert code_lines(module_text(bad), "//") == code_lines(module_text(good), "//")
    c = safetext.comment(text)
    assert "\n" not in c and "\r" not in c and c.isascii() and c.isprintable()
    assert safetext.to_identifier(text).isidentifier()
