"""Electrode-size Monte Carlo: triggering bias of working electrodes dropped at random.

An electrode of area A (treated as a disk of the same area, radius R = sqrt(A/pi)) is
dropped uniformly on the polycrystal.  Its triggering bias is that of the weakest flaw
it can reach (:mod:`memli.physics.trigger`):

- if it covers a grain boundary, the weakest of the GB flaws it covers
  (one per ``flaw_spacing_m`` of covered GB length, at least one);
- otherwise the weaker of (a) the GB flaw reached from its point closest to a GB, at
  distance d_min, and (b) the grain-interior flaws under it (one per
  ``flaw_spacing_m^2``).

Two methods give the same statistics:

``stats`` (any size, no meshing)
    A disk of radius R centred at x covers a GB iff the distance d(x) from x to the
    nearest GB is < R, and then d_min = 0; otherwise d_min = d(x) - R.  So only the
    distance at the drop centre is needed; its distribution is the spherical contact
    distribution of the GB network, sampled exactly from the microstructure.  The covered
    GB length is its mean given coverage, ``L_A pi R^2 / P(cover)``, and the weakest of N
    flaws is drawn from the order statistic (one uniform per drop), so a 1.12 cm^2
    electrode with ~1e8 flaws costs the same as a tip.
``brute`` (small electrodes)
    Explicit geometry: GB segments clipped to the disk give the covered length, the
    point closest to a GB is found on 64 perimeter points, interior flaws sit on a
    randomly shifted grid, and every flaw gets its own random draw.

Electrode areas of [lu_yang]: tip ~30 nm^2, W probe "several to tens of um^2",
Au pads 200-500 um side, full face 1.12 cm^2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import MemliError
from . import constants as K
from .microstructure import Polycrystal
from .trigger import TriggerModel, truncated_normal_min

#: named working electrodes (area, m^2) from [lu_yang]
ELECTRODES = {
    "tip": K.TIP_AREA_M2,
    "w_probe_3um2": K.W_PROBE_AREAS_M2[0],
    "w_probe": K.W_PROBE_AREAS_M2[1],
    "w_probe_30um2": K.W_PROBE_AREAS_M2[2],
    "square_10um": 1e-10,
    "pad_200um": K.PAD_200UM_AREA_M2,
    "pad_500um": K.PAD_500UM_AREA_M2,
    "full_face": K.FULL_FACE_AREA_M2,
}


def radius_m(area_m2) -> np.ndarray:
    """Radius (m) of the disk of area ``area_m2``."""
    return np.sqrt(np.asarray(area_m2, float) / math.pi)


@dataclass
class Drops:
    """Per-drop results (arrays of length n): ``bias_v`` (V, negative), ``covers`` (bool),
    ``d_min_m`` (m, 0 when covering), ``n_flaws`` (flaws the weakest was drawn from)."""

    area_m2: float
    bias_v: np.ndarray
    covers: np.ndarray
    d_min_m: np.ndarray
    n_flaws: np.ndarray
    method: str


def _check_area(area_m2):
    a = float(area_m2)
    if not (math.isfinite(a) and 0 < a <= 1.0):
        raise MemliError(f"area_m2: {area_m2!r}; expected an electrode area in m^2 in "
                         "(0, 1] (tip 30e-18, pad 4e-8, full face 1.12e-4).")
    return a


def center_distances(poly: Polycrystal, n: int, rng) -> np.ndarray:
    """Distances (m) from ``n`` uniform random drop centres to the nearest GB."""
    return poly.distance_to_gb_m(poly.random_points_m(n, rng))


def drops_stats(poly: Polycrystal, model: TriggerModel, area_m2: float, n: int = 4000,
                rng=None, d_center_m=None) -> Drops:
    """Drop ``n`` electrodes by the statistical method (see module docstring).

    ``d_center_m`` reuses centre distances (common random numbers across sizes).
    """
    area = _check_area(area_m2)
    rng = np.random.default_rng(rng)
    d_c = center_distances(poly, n, rng) if d_center_m is None else np.asarray(d_center_m)
    n = len(d_c)
    r = float(radius_m(area))
    covers = d_c < r
    p_cover = max(covers.mean(), 1.0 / n)
    l_a = poly.gb_length_per_area_per_m()
    l_cov = l_a * area / p_cover
    n_gb = 1.0 + math.floor(l_cov / model.flaw_spacing_m)
    u1, u2 = rng.uniform(size=n), rng.uniform(size=n)
    n_gi = rng.poisson(area / model.flaw_spacing_m ** 2, size=n).astype(float)
    d_min = np.where(covers, 0.0, d_c - r)
    v_gb = model.bias_v(0.0, truncated_normal_min(n_gb, u1, model.z_max))
    v_reach = model.bias_v(d_min, truncated_normal_min(1.0, u1, model.z_max))
    far = 1e3 * (model.zone_range_m + model.potential_width_m)
    v_gi = np.where(n_gi > 0, model.bias_v(far, truncated_normal_min(n_gi, u2, model.z_max)),
                    -np.inf)
    bias = np.where(covers, v_gb, np.maximum(v_reach, v_gi))
    n_fl = np.where(covers, n_gb, 1.0 + n_gi)
    return Drops(area, bias, covers, d_min, n_fl, "stats")


def _clip_length(p0, p1, c, r):
    """Length of segments p0->p1 (k, 2) inside the disk (c, r)."""
    dv = p1 - p0
    f = p0 - c
    a = (dv * dv).sum(1)
    b = 2 * (f * dv).sum(1)
    cc = (f * f).sum(1) - r * r
    disc = b * b - 4 * a * cc
    ok = (disc > 0) & (a > 0)
    sq = np.sqrt(np.where(ok, disc, 0.0))
    t0 = np.clip((-b - sq) / (2 * np.where(a > 0, a, 1)), 0, 1)
    t1 = np.clip((-b + sq) / (2 * np.where(a > 0, a, 1)), 0, 1)
    return np.where(ok, (t1 - t0) * np.sqrt(a), 0.0)


def drops_brute(poly: Polycrystal, model: TriggerModel, area_m2: float, n: int = 500,
                rng=None) -> Drops:
    """Drop ``n`` electrodes with explicit geometry and explicit flaws (small sizes only).

    Raises MemliError for electrodes that would need more than ~2e4 flaw sites each.
    """
    from scipy.spatial import cKDTree
    area = _check_area(area_m2)
    r = float(radius_m(area))
    sp = model.flaw_spacing_m
    if area / sp ** 2 > 2e4 or r > poly.box_m / 4:
        raise MemliError(f"area_m2={area:g}: too large for brute-force sampling "
                         f"({area / sp ** 2:.0f} flaw sites per drop); use method='stats'.")
    rng = np.random.default_rng(rng)
    seg = poly.gb_segments_m()
    offs = np.array([(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)], float) * poly.box_m
    segs = (seg[None] + offs[:, None, None, :]).reshape(-1, 2, 2)
    mids = segs.mean(axis=1)
    half = 0.5 * np.linalg.norm(segs[:, 1] - segs[:, 0], axis=1).max()
    tree = cKDTree(mids)
    centers = poly.random_points_m(n, rng)
    ang = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    ring = np.c_[np.cos(ang), np.sin(ang)] * r
    far = 1e3 * (model.zone_range_m + model.potential_width_m)
    bias = np.empty(n)
    covers = np.zeros(n, bool)
    d_min = np.zeros(n)
    n_fl = np.zeros(n)

    def draw(k):
        return truncated_normal_min(np.ones(k), rng.uniform(size=k), model.z_max)

    for i, c in enumerate(centers):
        idx = tree.query_ball_point(c, r + half)
        length = float(_clip_length(segs[idx, 0], segs[idx, 1], c, r).sum()) if idx else 0.0
        if length > 0:
            k = 1 + int(math.floor(length / sp))
            covers[i] = True
            bias[i] = model.bias_v(0.0, draw(k)).max()
            n_fl[i] = k
            continue
        dm = float(poly.distance_to_gb_m(c + ring).min()) if r > 1e-9 else float(
            poly.distance_to_gb_m(c[None])[0])
        d_min[i] = dm
        v = [float(model.bias_v(dm, draw(1))[0])]
        m = int(math.ceil(r / sp)) + 1
        g = (np.arange(-m, m + 1) * sp)
        gx, gy = np.meshgrid(g + rng.uniform(0, sp), g + rng.uniform(0, sp))
        pts = np.c_[gx.ravel(), gy.ravel()]
        pts = pts[(pts ** 2).sum(1) < r * r]
        if len(pts):
            v.append(float(model.bias_v(far, draw(len(pts))).max()))
        bias[i] = max(v)
        n_fl[i] = 1 + len(pts)
    return Drops(area, bias, covers, d_min, n_fl, "brute")


def summarize(drops: Drops, limit_v: float = -10.0) -> dict:
    """Mean, scatter and coverage statistics of a set of drops (V, m^2)."""
    b = drops.bias_v
    n = len(b)
    trig = b >= limit_v
    pc = float(drops.covers.mean())
    return {
        "area_m2": drops.area_m2, "size_m": math.sqrt(drops.area_m2), "n": n,
        "method": drops.method,
        "mean_v": float(b.mean()), "std_v": float(b.std(ddof=1)),
        "sem_v": float(b.std(ddof=1) / math.sqrt(n)),
        "median_v": float(np.median(b)),
        "p05_v": float(np.percentile(b, 5)), "p95_v": float(np.percentile(b, 95)),
        "p_cover": pc, "p_cover_se": math.sqrt(max(pc * (1 - pc), 1.0 / n) / n),
        "fraction_triggered": float(trig.mean()),
        "mean_triggered_v": float(b[trig].mean()) if trig.any() else float("nan"),
        "median_flaws": float(np.median(drops.n_flaws)),
    }


def default_sizes_m2(n: int = 25) -> np.ndarray:
    """Electrode areas from the tip to the full face, log-spaced in sqrt(area),
    together with the named electrodes of :data:`ELECTRODES`."""
    grid = np.geomspace(math.sqrt(ELECTRODES["tip"]), math.sqrt(ELECTRODES["full_face"]),
                        n) ** 2
    return np.unique(np.r_[grid, list(ELECTRODES.values())])


def size_sweep(poly: Polycrystal, model: TriggerModel, areas_m2=None, n: int = 4000,
               seed: int | None = 0, progress=None) -> list[dict]:
    """Statistics of the trigger bias vs electrode area (statistical method).

    The same drop centres are used for every size (common random numbers), so trends
    with size are not masked by sampling noise.  ``progress(i, total)`` is called per
    size if given.
    """
    areas = default_sizes_m2() if areas_m2 is None else np.atleast_1d(areas_m2)
    rng = np.random.default_rng(seed)
    d_c = center_distances(poly, n, rng)
    out = []
    for i, a in enumerate(areas):
        sub = np.random.default_rng([0 if seed is None else seed, i])
        out.append(summarize(drops_stats(poly, model, float(a), rng=sub, d_center_m=d_c),
                             model.limit_v))
        if progress:
            progress(i + 1, len(areas))
    return out


def p_cover_curve(poly: Polycrystal, areas_m2, n: int = 20000, seed: int | None = 0):
    """P(an electrode of each area covers a GB) from the centre-distance distribution."""
    d_c = center_distances(poly, n, seed)
    r = radius_m(areas_m2)
    return (d_c[None, :] < np.atleast_1d(r)[:, None]).mean(axis=1)
