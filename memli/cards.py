"""Model cards: parameter sets with units, bounds and provenance (``models/*.json``).

Schema ``memli.card/1``::

    {"schema": "memli.card/1", "model": "li_filament", "name": "llzo_tip",
     "generated": false, "description": "...", "citations": ["lu_yang"],
     "parameters": {"r_on_ohm": {"value": 116.0, "unit": "ohm", "bounds": [1.0, 1e4],
                    "vary": true,
                    "provenance": {"kind": "paper", "ref": "lu_yang", "where": "..."}}},
     "variability": {"v_set_cycled_v": {"dist": "normal", "sd": 0.02}}}

``provenance.kind`` is one of paper | fit | derived | assumed | generated.  ``fit`` adds
``data`` and ``stderr``; ``derived`` adds ``formula``.  Parameters a card does not list
take the model's defaults (provenance "model default").  ``variability`` (optional)
gives device-to-device / cycle-to-cycle spreads used by :meth:`Card.sample`:
``dist`` normal (``sd`` in the parameter's unit) or lognormal (``sd`` of the natural
log); ``scope`` is ``cycle`` (default: cycle-to-cycle, what per-cycle fits measure) or
``device`` (device-to-device only, e.g. the fresh-contact threshold); an optional
``corr`` block holds a correlation matrix over the listed names.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from .errors import CardError
from .fsio import write_text_atomic  # noqa: F401  (re-exported)
from .models.base import Model, get_model
from .safetext import has_control

SCHEMA = "memli.card/1"
PROVENANCE_KINDS = ("paper", "fit", "derived", "assumed", "generated")


def cards_dirs() -> list[Path]:
    """Folders searched for bundled cards: $MEMLI_CARDS_PATH entries, then <repo>/models."""
    dirs = [Path(p) for p in os.environ.get("MEMLI_CARDS_PATH", "").split(os.pathsep) if p]
    dirs.append(Path(__file__).resolve().parent.parent / "models")
    return dirs


def bundled_cards() -> dict[str, Path]:
    """Bundled card name -> path."""
    out = {}
    for d in cards_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.json")):
                out.setdefault(p.stem, p)
    return out


@dataclass
class Card:
    """A loaded, validated card.  ``values`` holds every model parameter (SI)."""

    name: str
    model: Model
    values: dict
    meta: dict = field(default_factory=dict)        # per-parameter entries as in the file
    citations: tuple = ()
    generated: bool = False
    description: str = ""
    variability: dict = field(default_factory=dict)
    path: Path | None = None
    extra: dict = field(default_factory=dict)       # unknown top-level keys, preserved

    # -- derived -----------------------------------------------------------------
    @property
    def vector(self) -> np.ndarray:
        return self.model.param_vector(self.values)

    def provenance(self, name: str) -> dict:
        return self.meta.get(name, {}).get("provenance", {"kind": "assumed",
                                                          "note": "model default"})

    def with_values(self, name: str | None = None, **values) -> "Card":
        """A copy with some parameters replaced (validated against bounds)."""
        full = self.model.check_values({**self.values, **values}, where=f"{self.name}")
        new = dataclasses.replace(self, values=full, meta=copy.deepcopy(self.meta),
                                  variability=copy.deepcopy(self.variability),
                                  extra=copy.deepcopy(self.extra))   # the model is shared
        new.values = full
        if name:
            new.name = name
        return new

    def to_dict(self) -> dict:
        params = {}
        for k, p in self.model.params.items():
            entry = dict(self.meta.get(k, {}))
            entry["value"] = float(self.values[k])
            entry["unit"] = p.unit
            entry.setdefault("bounds", list(p.bounds))
            entry.setdefault("vary", not p.instance)
            entry.setdefault("provenance", {"kind": "assumed", "note": "model default"})
            params[k] = entry
        d = {"schema": SCHEMA, "model": self.model.name, "name": self.name,
             "generated": bool(self.generated), "description": self.description,
             "citations": list(self.citations), "parameters": params}
        if self.variability:
            d["variability"] = self.variability
        d.update(self.extra)
        return d

    def hash(self) -> str:
        """Short content hash (sha256 of the canonical JSON), for exported headers."""
        txt = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(txt.encode()).hexdigest()[:12]

    def save(self, path, force: bool = False) -> Path:
        """Write the card atomically (temp file then rename), keys sorted."""
        path = Path(path)
        if path.exists() and not force:
            raise CardError(f"{path}: exists; pass force=True (CLI: --force) to overwrite")
        write_text_atomic(path, json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n")
        return path

    # -- variability ---------------------------------------------------------------
    def sample(self, n: int, rng=None, scale: float = 1.0) -> np.ndarray:
        """``n`` parameter vectors drawn from ``variability`` (shape (n_params, n)).

        ``scale`` multiplies every spread (0 gives ``n`` copies of the nominal card).
        Draws are clipped to the parameter bounds.
        """
        rng = np.random.default_rng(rng)
        base = self.vector
        out = np.repeat(base[:, None], n, axis=1)
        names = [k for k in self.variability if k != "corr"]
        if not names or scale == 0:
            return out
        corr = np.eye(len(names))
        c = self.variability.get("corr")
        if c:
            order = [c["names"].index(k) for k in names]
            corr = np.asarray(c["matrix"], float)[np.ix_(order, order)]
        z = rng.multivariate_normal(np.zeros(len(names)), corr, size=n).T
        pn = self.model.param_names
        for row, k in enumerate(names):
            spec = self.variability[k]
            i = pn.index(k)
            sd = float(spec["sd"]) * scale
            if spec.get("dist", "normal") == "lognormal":
                vals = base[i] * np.exp(sd * z[row])
            else:
                vals = base[i] + sd * z[row]
            lo, hi = self.model.params[k].bounds
            out[i] = np.clip(vals, lo, hi)
        return out


MAX_CARD_BYTES = 10_000_000


def _jtype(v) -> str:
    """JSON type name of a value (for messages)."""
    return {bool: "boolean", str: "string", list: "array", dict: "object",
            type(None): "null", int: "number", float: "number"}.get(type(v), type(v).__name__)


def _is_number(v) -> bool:
    """A JSON number (not a boolean, not a string holding digits)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _corr_problems(spec, var, where: str) -> list[str]:
    names = [k for k in var if k != "corr"]
    fp = f"{where}: variability.corr"
    if not isinstance(spec, dict) or not isinstance(spec.get("names"), list) \
            or not isinstance(spec.get("matrix"), list):
        return [f"{fp}: expected {{\"names\": [...], \"matrix\": [[...], ...]}}"]
    cn, mat = spec["names"], spec["matrix"]
    if sorted(cn) != sorted(names) or len(set(cn)) != len(cn):
        return [f"{fp}.names: {cn!r:.80} must list each variability parameter once "
                f"({names})"]
    n = len(cn)
    if len(mat) != n or not all(isinstance(r, list) and len(r) == n
                                and all(map(_is_number, r)) for r in mat):
        return [f"{fp}.matrix: expected a {n} x {n} array of numbers"]
    a = np.asarray(mat, float)
    if not np.all(np.isfinite(a)) or not np.allclose(a, a.T) \
            or not np.allclose(np.diag(a), 1.0):
        return [f"{fp}.matrix: must be symmetric with a unit diagonal"]
    if np.linalg.eigvalsh(a).min() < -1e-10:
        return [f"{fp}.matrix: not positive semi-definite (not a correlation matrix)"]
    return []


def _card_from_dict(d: dict, where: str, path: Path | None = None) -> Card:
    problems = []
    if not isinstance(d, dict):
        raise CardError(f"{where}: expected a JSON object")
    if d.get("schema") != SCHEMA:
        problems.append(f"{where}: field 'schema' is {d.get('schema')!r}; expected {SCHEMA!r}")
    if "model" not in d:
        raise CardError(f"{where}: missing field 'model'")
    if not isinstance(d["model"], str):
        raise CardError(f"{where}: field 'model' must be a string; got {_jtype(d['model'])}")
    try:
        model = get_model(d["model"])
    except CardError as e:
        raise CardError(f"{where}: field 'model': {e}") from None
    name = d.get("name") or (path.stem if path else "card")
    if not isinstance(name, str):
        raise CardError(f"{where}: field 'name' must be a string; got {_jtype(name)}")
    if has_control(name) or len(name) > 200:
        raise CardError(f"{where}: field 'name' must be one line of at most 200 characters "
                        "without control characters (newline, tab, ...)")
    cits = d.get("citations", ())
    if not isinstance(cits, (list, tuple)) or not all(isinstance(c, str) for c in cits):
        raise CardError(f"{where}: field 'citations' must be a list of strings")
    for j, c in enumerate(cits):
        if has_control(c) or len(c) > 500:
            raise CardError(f"{where}: citations[{j}] must be one line of at most 500 "
                            "characters without control characters")
    desc = d.get("description", "")
    if not isinstance(desc, str):
        raise CardError(f"{where}: field 'description' must be a string; got {_jtype(desc)}")
    gen = d.get("generated", False)
    if not isinstance(gen, bool):
        raise CardError(f"{where}: field 'generated' must be true or false (a JSON boolean); "
                        f"got {_jtype(gen)} {gen!r:.40}")
    params = d.get("parameters", {})
    if not isinstance(params, dict):
        raise CardError(f"{where}: field 'parameters' must be an object")
    values, meta = {}, {}
    for k, entry in params.items():
        fp = f"{where}: parameters.{k}"
        if k not in model.params:
            problems.append(f"{fp}: not a parameter of model {model.name!r}." + model.suggest(k))
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            problems.append(f"{fp}: missing field 'value'")
            continue
        p = model.params[k]
        if "unit" not in entry:
            problems.append(f"{fp}: missing field 'unit'; expected {p.unit!r}")
            continue
        unit = entry["unit"]
        if unit != p.unit:
            problems.append(f"{fp}.unit: {unit!r}; expected {p.unit!r}")
        if not _is_number(entry["value"]):
            problems.append(f"{fp}.value: expected a JSON number; got {_jtype(entry['value'])}"
                            f" {str(entry['value'])[:40]!r}")
            continue
        val = float(entry["value"])
        lo, hi = p.bounds
        if "bounds" in entry:
            b = entry["bounds"]
            if not (isinstance(b, list) and len(b) == 2 and all(map(_is_number, b))):
                problems.append(f"{fp}.bounds: expected [lo, hi] (two JSON numbers)")
                continue
            blo, bhi = float(b[0]), float(b[1])
            if blo < lo or bhi > hi or not blo < bhi:
                problems.append(f"{fp}.bounds: [{blo:g}, {bhi:g}] not within the model's "
                                f"[{lo:g}, {hi:g}] {p.unit}".rstrip())
            lo, hi = max(lo, blo), min(hi, bhi)
        if not (np.isfinite(val) and lo <= val <= hi):
            problems.append(f"{fp}.value: {val:g} outside bounds [{lo:g}, {hi:g}] {p.unit}".rstrip())
            continue
        prov = entry.get("provenance", {})
        if not isinstance(prov, dict):
            problems.append(f"{fp}.provenance: expected an object")
            continue
        bad = [kk for kk in ("kind", "ref", "where", "formula", "note")
               if kk in prov and not isinstance(prov[kk], str)]
        if bad:
            problems.append(f"{fp}.provenance.{bad[0]}: expected a string")
            continue
        if "vary" in entry and not isinstance(entry["vary"], bool):
            problems.append(f"{fp}.vary: expected true or false")
            continue
        if prov and prov.get("kind") not in PROVENANCE_KINDS:
            problems.append(f"{fp}.provenance.kind: {prov.get('kind')!r}; expected one of "
                            f"{list(PROVENANCE_KINDS)}")
        values[k] = val
        meta[k] = {kk: vv for kk, vv in entry.items() if kk not in ("value", "unit")}
    var = d.get("variability") if d.get("variability") is not None else {}
    if not isinstance(var, dict):
        raise CardError(f"{where}: field 'variability' must be an object")
    for k, spec in var.items():
        if k == "corr":
            problems += _corr_problems(spec, var, where)
            continue
        if k not in model.params:
            problems.append(f"{where}: variability.{k}: not a parameter." + model.suggest(k))
        elif not isinstance(spec, dict) or "sd" not in spec:
            problems.append(f"{where}: variability.{k}: missing field 'sd'")
        elif spec.get("scope", "cycle") not in ("cycle", "device"):
            problems.append(f"{where}: variability.{k}.scope: {spec.get('scope')!r}; expected "
                            "'cycle' (cycle-to-cycle) or 'device' (device-to-device)")
        elif spec.get("dist", "normal") not in ("normal", "lognormal"):
            problems.append(f"{where}: variability.{k}.dist: {spec.get('dist')!r}; expected "
                            "'normal' or 'lognormal'")
        elif not (_is_number(spec["sd"]) and np.isfinite(spec["sd"]) and spec["sd"] >= 0):
            problems.append(f"{where}: variability.{k}.sd: expected a finite JSON number "
                            f">= 0; got {str(spec['sd'])[:40]!r}")
    if problems:
        raise CardError("; ".join(problems))
    full = model.defaults()
    full.update(values)
    known = {"schema", "model", "name", "generated", "description", "citations",
             "parameters", "variability"}
    return Card(name=name, model=model, values=full, meta=meta,
                citations=tuple(cits), generated=gen,
                description=desc, variability=var, path=path,
                extra={k: v for k, v in d.items() if k not in known})


def load_card(ref) -> Card:
    """Load a card from a path or a bundled card name (CardError with near matches)."""
    if isinstance(ref, Card):
        return ref
    s = str(ref)
    path = Path(s)
    if not path.suffix and not path.exists():
        bundled = bundled_cards()
        if s in bundled:
            path = bundled[s]
        else:
            near = difflib.get_close_matches(s, list(bundled), n=3)
            hint = f" Best matches are {near}." if near else f" Bundled: {sorted(bundled)}."
            raise CardError(f"card {s!r} not found.{hint}")
    if not path.exists():
        raise CardError(f"{path}: no such card file")
    if not path.is_file():
        raise CardError(f"{path}: not a regular file")
    if path.stat().st_size > MAX_CARD_BYTES:
        raise CardError(f"{path}: {path.stat().st_size} bytes; a card is at most "
                        f"{MAX_CARD_BYTES} bytes")
    try:
        d = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise CardError(f"{path}: not UTF-8 text (byte {e.start}); cards are UTF-8 JSON") from None
    except json.JSONDecodeError as e:
        raise CardError(f"{path}:{e.lineno}: invalid JSON ({e.msg})") from None
    except RecursionError:
        raise CardError(f"{path}: JSON nested too deeply") from None
    except OSError as e:
        raise CardError(f"{path}: cannot read ({e.strerror})") from None
    return _card_from_dict(d, str(path), path)


def card_from_dict(d: Mapping, where: str = "<card>") -> Card:
    return _card_from_dict(dict(d), where)


def default_card(model: Model) -> Card:
    """A card holding the model's defaults."""
    return Card(name=f"{model.name}_default", model=model, values=model.defaults(),
                citations=model.citations)
