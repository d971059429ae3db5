"""Study declarations: a parameter grid and/or a Monte Carlo over one memli computation.

A study is a small TOML file (or the equivalent Python dict)::

    name = "crossbar_read_mc"
    task = "crossbar_read"        # a registered task (memli.studies.tasks) or "module:function"
    seed = 2026                   # master seed: the whole table is a function of it
    samples = 1000                # Monte Carlo samples per grid point (default 1)
    chunk_size = 25               # points per chunk (unit of scheduling and of storage)

    [fixed]                       # inputs passed unchanged to every point
    rows = 32
    r_wl_ohm = 1.0

    [grid]                        # cartesian product of the listed values
    cols = [16, 32]

    [random]                      # one draw per point
    sigma_log = {dist = "uniform", low = 0.0, high = 0.5}

    [[plot]]                      # figures of chosen outputs
    x = "sigma_log"
    y = "read_error_rel_rms"
    by = "cols"

Points are numbered ``0 .. n_points - 1`` in grid-major order (``point = g * samples +
s``).  Point ``k`` draws its random inputs from ``numpy.random.default_rng([seed, k,
0])`` (in declaration order) and receives the task seed ``SeedSequence([seed, k,
1])``: every row depends only on the study and its own index, so the table is the
same on one worker or many, and a resumed study reproduces a fresh one exactly.

Distributions of ``[random]`` entries (SI values): ``uniform`` (low, high),
``loguniform`` (low, high > 0), ``normal`` (mean, sd), ``lognormal`` (median, sigma of
ln), ``integers`` (low, high inclusive), ``choice`` (values).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..errors import MemliError

SCHEMA = "memli.study/1"
_TOP_KEYS = ("name", "task", "seed", "samples", "chunk_size", "fixed", "grid", "random",
             "plot", "description", "schema")
_DISTS = {"uniform": ("low", "high"), "loguniform": ("low", "high"),
          "normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
          "integers": ("low", "high"), "choice": ("values",)}


class StudyError(MemliError):
    """A study file or dict that cannot be run as written."""


def _scalar_ok(v) -> bool:
    return isinstance(v, (bool, int, float, str))


@dataclass(frozen=True)
class Study:
    """A validated study.

    Attributes
    ----------
    name : str
        Study name (used for file names and plot titles).
    task : str
        Registered task name or ``"module:function"``.
    seed : int
        Master seed.
    samples : int
        Monte Carlo samples per grid point.
    chunk_size : int
        Points per chunk.
    fixed, grid, random : dict
        Constant inputs, grid axes (name -> list of values), random inputs
        (name -> distribution dict).
    plots : tuple of dict
        Plot requests (``x``, ``y``, optional ``by``, ``logx``, ``logy``, ``kind``).
    source : str
        Where it came from (file path or ``"<dict>"``), for messages.
    """

    name: str
    task: str
    seed: int = 0
    samples: int = 1
    chunk_size: int = 25
    fixed: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    random: dict = field(default_factory=dict)
    plots: tuple = ()
    description: str = ""
    source: str = "<dict>"

    # -- sizes -----------------------------------------------------------------------
    @property
    def n_grid(self) -> int:
        return math.prod(len(v) for v in self.grid.values()) if self.grid else 1

    @property
    def n_points(self) -> int:
        return self.n_grid * self.samples

    @property
    def n_chunks(self) -> int:
        return -(-self.n_points // self.chunk_size)

    def chunk_range(self, k: int) -> range:
        """Point indices of chunk ``k``."""
        return range(k * self.chunk_size, min((k + 1) * self.chunk_size, self.n_points))

    @property
    def input_names(self) -> list[str]:
        """Input columns of the table, in order: grid, random, fixed."""
        return list(self.grid) + list(self.random) + list(self.fixed)

    # -- points ------------------------------------------------------------------------
    def point(self, k: int) -> tuple[dict, int]:
        """Inputs and task seed of point ``k`` (see the module docstring)."""
        if not 0 <= k < self.n_points:
            raise StudyError(f"{self.source}: point {k} out of range 0..{self.n_points - 1}")
        g, _s = divmod(k, self.samples)
        inputs = {}
        if self.grid:
            sizes = [len(v) for v in self.grid.values()]
            idx = np.unravel_index(g, sizes)
            for (name, values), i in zip(self.grid.items(), idx):
                inputs[name] = values[int(i)]
        if self.random:
            rng = np.random.default_rng([self.seed, k, 0])
            for name, d in self.random.items():
                inputs[name] = draw(d, rng)
        inputs.update(self.fixed)
        seed = int(np.random.SeedSequence([self.seed, k, 1]).generate_state(1, np.uint32)[0])
        return inputs, seed

    # -- identity ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {"schema": SCHEMA, "name": self.name, "task": self.task, "seed": self.seed,
             "samples": self.samples, "chunk_size": self.chunk_size,
             "fixed": self.fixed, "grid": self.grid, "random": self.random,
             "plot": [dict(p) for p in self.plots]}
        if self.description:
            d["description"] = self.description
        return d

    def hash(self) -> str:
        """Content hash of everything that decides the table (plots excluded)."""
        d = self.to_dict()
        d.pop("plot")
        d.pop("description", None)
        txt = json.dumps(d, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(txt.encode()).hexdigest()[:16]

    def with_changes(self, **kw) -> "Study":
        d = {**self.to_dict(), **kw}
        return study_from_dict(d, where=self.source)


def draw(d: Mapping, rng: np.random.Generator):
    """One value of a ``[random]`` distribution (plain Python scalar)."""
    kind = d["dist"]
    if kind == "uniform":
        return float(rng.uniform(d["low"], d["high"]))
    if kind == "loguniform":
        return float(math.exp(rng.uniform(math.log(d["low"]), math.log(d["high"]))))
    if kind == "normal":
        return float(rng.normal(d["mean"], d["sd"]))
    if kind == "lognormal":
        return float(d["median"] * math.exp(rng.normal(0.0, d["sigma"])))
    if kind == "integers":
        return int(rng.integers(d["low"], d["high"], endpoint=True))
    if kind == "choice":
        vals = d["values"]
        return vals[int(rng.integers(0, len(vals)))]
    raise StudyError(f"unknown distribution {kind!r}")  # unreachable after validation


def study_from_dict(d: Mapping[str, Any], where: str = "<dict>") -> Study:
    """Validate a study dict (all problems collected into one :class:`StudyError`)."""
    problems = []
    d = dict(d)
    for k in d:
        if k not in _TOP_KEYS:
            near = get_close_matches(k, _TOP_KEYS, n=1)
            problems.append(f"unknown key {k!r}" + (f" (did you mean {near[0]!r}?)"
                                                    if near else ""))
    for k in ("name", "task"):
        if not isinstance(d.get(k), str) or not d.get(k):
            problems.append(f"{k!r}: missing or not a string")
    ints = {"seed": 0, "samples": 1, "chunk_size": 25}
    vals = {}
    for k, default in ints.items():
        v = d.get(k, default)
        if isinstance(v, bool) or not isinstance(v, int) or (v < (0 if k == "seed" else 1)):
            problems.append(f"{k!r} = {v!r}: expected an integer >= {0 if k == 'seed' else 1}")
            v = default
        vals[k] = v
    fixed = dict(d.get("fixed") or {})
    grid = dict(d.get("grid") or {})
    random = dict(d.get("random") or {})
    for k, v in fixed.items():
        if not _scalar_ok(v):
            problems.append(f"fixed.{k} = {v!r}: expected a number, string or boolean")
    for k, v in grid.items():
        if not isinstance(v, list) or not v or not all(_scalar_ok(x) for x in v):
            problems.append(f"grid.{k} = {v!r}: expected a non-empty list of scalars")
    for k, v in random.items():
        if not isinstance(v, Mapping) or v.get("dist") not in _DISTS:
            problems.append(f"random.{k}: expected {{dist = one of {sorted(_DISTS)}, ...}}, "
                            f"found {v!r}")
            continue
        need = _DISTS[v["dist"]]
        miss = [n for n in need if n not in v]
        extra = [n for n in v if n not in need and n != "dist"]
        if miss:
            problems.append(f"random.{k}: dist {v['dist']!r} needs {', '.join(need)}; "
                            f"missing {', '.join(miss)}")
        if extra:
            problems.append(f"random.{k}: unexpected {', '.join(extra)} for {v['dist']!r}")
        if v["dist"] == "loguniform" and not miss and not (0 < v["low"] < v["high"]):
            problems.append(f"random.{k}: loguniform needs 0 < low < high")
        if v["dist"] in ("uniform", "integers") and not miss and v["low"] > v["high"]:
            problems.append(f"random.{k}: low > high")
        if v["dist"] == "choice" and not miss and not (isinstance(v["values"], list)
                                                       and v["values"]):
            problems.append(f"random.{k}: 'values' must be a non-empty list")
    seen = {}
    for sect, names in (("grid", grid), ("random", random), ("fixed", fixed)):
        for n in names:
            if n in seen:
                problems.append(f"{n!r} appears in both [{seen[n]}] and [{sect}]")
            seen[n] = sect
            if not n.isidentifier():
                problems.append(f"{sect}.{n}: input names must be identifiers")
    plots = d.get("plot") or []
    if isinstance(plots, Mapping):
        plots = [plots]
    for j, p in enumerate(plots):
        if not isinstance(p, Mapping) or "x" not in p or "y" not in p:
            problems.append(f"plot[{j}]: expected {{x = COLUMN, y = COLUMN}}, found {p!r}")
    if problems:
        raise StudyError(f"{where}: " + "; ".join(problems) +
                         ". See docs/studies.md for the study file format.")
    return Study(name=d["name"], task=d["task"], seed=vals["seed"], samples=vals["samples"],
                 chunk_size=vals["chunk_size"], fixed=fixed, grid=grid, random=random,
                 plots=tuple(dict(p) for p in plots), description=d.get("description", ""),
                 source=where)


def load_study(path_or_dict) -> Study:
    """A :class:`Study` from a TOML file path or a dict (``Study`` passes through)."""
    if isinstance(path_or_dict, Study):
        return path_or_dict
    if isinstance(path_or_dict, Mapping):
        return study_from_dict(path_or_dict)
    path = Path(path_or_dict)
    if not path.exists():
        raise StudyError(f"{path}: no such study file; expected a TOML file "
                         "(examples in studies/)")
    try:
        d = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise StudyError(f"{path}: not valid TOML ({e})") from None
    return study_from_dict(d, where=str(path))


def grid_points(grid: Mapping) -> list[dict]:
    """All grid combinations in point order (for docs and tests)."""
    names = list(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]
