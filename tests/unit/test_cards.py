"""Card loading: every problem reported with file and field; atomic writes; round trip."""
import json

import pytest

from memli.cards import bundled_cards, card_from_dict, load_card
from memli.errors import CardError


def test_bundled_llzo_cards_present():
    names = set(bundled_cards())
    assert {"llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um",
            "llzo_full_face"} <= names


@pytest.mark.parametrize("name", sorted(bundled_cards()))
def test_every_bundled_card_loads_with_provenance(name):
    c = load_card(name)
    for k in c.model.params:
        assert c.provenance(k)["kind"] in ("paper", "fit", "derived", "assumed", "generated")
    for k, entry in c.meta.items():
        if entry.get("provenance", {}).get("kind") == "paper":
            assert entry["provenance"].get("ref") and entry["provenance"].get("where")


def test_unknown_card_suggests_near_match():
    with pytest.raises(CardError, match=r"Best matches are \['llzo_tip'"):
        load_card("llzo_tpi")


def test_all_problems_listed_with_field_paths(tmp_path):
    d = json.loads(load_card("llzo_tip").path.read_text())
    d["parameters"]["r_on_ohm"]["unit"] = "kohm"
    d["parameters"]["l_m"]["value"] = -1
    d["parameters"]["r_onn_ohm"] = {"value": 1.0}
    del d["parameters"]["gap_decay"]["unit"]
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(d))
    with pytest.raises(CardError) as e:
        load_card(f)
    msg = str(e.value)
    assert "parameters.r_on_ohm.unit: 'kohm'; expected 'ohm'" in msg
    assert "parameters.l_m.value: -1 outside bounds" in msg
    assert "r_onn_ohm: not a parameter" in msg and "r_on_ohm" in msg
    assert "parameters.gap_decay: missing field 'unit'" in msg
    assert str(f) in msg


def test_invalid_json_names_line(tmp_path):
    f = tmp_path / "broken.json"
    f.write_text('{\n "schema": "memli.card/1",\n "model": \n}')
    with pytest.raises(CardError, match=r"broken.json:4: invalid JSON"):
        load_card(f)


def test_round_trip_and_atomic_save(tmp_path):
    c = load_card("llzo_tip")
    c2 = card_from_dict(c.to_dict())
    assert c2.values == c.values and c2.variability == c.variability
    out = c.save(tmp_path / "tip.json")
    assert load_card(out).values == c.values
    with pytest.raises(CardError, match="exists; pass force=True"):
        c.save(out)
    assert [p.name for p in tmp_path.iterdir()] == ["tip.json"]    # no temp files left


def test_sample_respects_bounds_and_spread():
    c = load_card("llzo_tip")
    s = c.sample(2000, rng=0)
    i = c.model.param_names.index("v_set_cycled_v")
    # card: sd 0.01 V; 2000 draws give the sd to ~3 %
    assert s[i].std() == pytest.approx(0.01, rel=0.1)
    lo, hi = c.model.params["v_set_cycled_v"].bounds
    assert s[i].min() >= lo and s[i].max() <= hi
    assert (c.sample(3, rng=0, scale=0) == c.vector[:, None]).all()


# -- untrusted cards (docs/security.md) ------------------------------------------------
import json as _json

import pytest as _pytest

from memli.cards import load_card as _load
from memli.errors import CardError as _CardError


def _tip_dict():
    from memli.cards import bundled_cards
    return _json.loads(bundled_cards()["llzo_tip"].read_text())


@_pytest.mark.parametrize("mutate,needle", [
    (lambda d: d["parameters"]["r_on_ohm"].__setitem__("value", "1e3"), "r_on_ohm.value"),
    (lambda d: d["parameters"]["r_on_ohm"].__setitem__("value", True), "r_on_ohm.value"),
    (lambda d: d["parameters"]["r_on_ohm"].__setitem__("bounds", ["1", 2]), "r_on_ohm.bounds"),
    (lambda d: d["parameters"]["r_on_ohm"].__setitem__("provenance", "paper"), "provenance"),
    (lambda d: d.__setitem__("generated", "false"), "generated"),
    (lambda d: d.__setitem__("model", ["li_filament"]), "model"),
    (lambda d: d.__setitem__("variability", []), "variability"),
    (lambda d: d.__setitem__("variability", {"r_on_ohm": {"sd": "0.1"}}), "variability.r_on_ohm.sd"),
    (lambda d: d.__setitem__("variability", {"r_on_ohm": {"sd": -1}}), "variability.r_on_ohm.sd"),
    (lambda d: d.__setitem__("variability", {"r_on_ohm": {"sd": 0.1},
                                             "corr": {"names": ["r_on_ohm"], "matrix": [[2]]}}),
     "variability.corr.matrix"),
    (lambda d: d.__setitem__("variability", {"r_on_ohm": {"sd": 0.1}, "corr": [1]}),
     "variability.corr"),
])
def test_wrong_field_types_are_refused_naming_the_field(tmp_path, mutate, needle):
    d = _tip_dict()
    mutate(d)
    p = tmp_path / "c.json"
    p.write_text(_json.dumps(d))
    with _pytest.raises(_CardError) as e:
        _load(p)
    assert needle in str(e.value) and str(p) in str(e.value)


def test_non_utf8_deep_and_non_file_cards(tmp_path):
    p = tmp_path / "latin1.json"
    p.write_bytes(_json.dumps(_tip_dict()).replace("llzo_tip", "llzo_tip_\u00e9").encode("latin-1"))
    with _pytest.raises(_CardError, match="not UTF-8"):
        _load(p)
    p = tmp_path / "deep.json"
    p.write_text("[" * 100000 + "]" * 100000)
    with _pytest.raises(_CardError, match="nested too deeply|expected a JSON object"):
        _load(p)
    with _pytest.raises(_CardError, match="not a regular file"):
        _load(tmp_path)
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + _json.dumps(_tip_dict()).encode())
    assert _load(p).name == "llzo_tip"
