"""Synthetic LLZO polycrystal: 2-D Voronoi grains, GB network, distance and property maps.

The surface of the pellet is modelled as a periodic 2-D Voronoi tessellation
(``scipy.spatial.Voronoi`` on seeds tiled 3x3, so the network has no edges).  Grain
size: ``grain_size_m`` is the equivalent-circle diameter of the *mean* grain area,
``<A> = pi/4 D^2``, so the seed density is ``1/<A>``.  A Poisson-Voronoi tessellation
has a broader grain-size distribution than a sintered ceramic; ``lloyd_iterations``
centroidal (Lloyd) relaxation steps narrow it (default 2: area coefficient of variation
~0.53 -> ~0.3).  The paper implies grains of ~10 um ([lu_yang], Fig. 3d discussion).

The distance from a point to the nearest GB is exact: a Voronoi cell is the
intersection of half-planes, so the distance from an interior point ``p`` of the cell of
seed ``s1`` to its boundary is ``min_j (|p-s_j|^2 - |p-s1|^2) / (2 |s_j - s1|)`` over
the other seeds (only the nearest ``k`` seeds can matter).

Property maps follow the AFM data of [lu_yang] (Fig. 4): Young's modulus ~145 GPa in
grain interiors falling to ~120 GPa at GBs, surface potential ~10 mV lower at GBs; the
GB profiles are Gaussians in the distance with widths ``modulus_width_m`` (assumed
20 nm, the scale of Fig. 4c-e) and ``potential_width_m`` (assumed 150 nm: the KPFM
profile of Fig. 4h-j spans hundreds of nm, scale bar 500 nm).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import MemliError
from . import constants as K

E_GI_PA = K.E_LLZO_GI_PA             # [lu_yang] Fig. 4, averaged over 5 line profiles
E_GB_PA = K.E_LLZO_GB_PA             # [lu_yang] Fig. 4
PHI_GB_OFFSET_V = K.PHI_GB_OFFSET_V  # [lu_yang] Fig. 4j: surface potential ~10 mV lower

_OFFSETS = np.array([(0, 0)] + [(i, j) for i in (-1, 0, 1) for j in (-1, 0, 1)
                                if (i, j) != (0, 0)], dtype=float)


def _polygon_centroid_area(p: np.ndarray):
    x, y = p[:, 0], p[:, 1]
    x2, y2 = np.roll(x, -1), np.roll(y, -1)
    cr = x * y2 - x2 * y
    a = cr.sum() / 2.0
    return np.array([((x + x2) * cr).sum(), ((y + y2) * cr).sum()]) / (6.0 * a), abs(a)


@dataclass
class Polycrystal:
    """A periodic 2-D polycrystal (all lengths in m).

    Attributes
    ----------
    seeds_m : ndarray, shape (n, 2)
        Grain seeds in ``[0, box_m)^2``.
    box_m : float
        Side of the periodic box, m.
    grain_size_m : float
        Nominal grain size (equivalent-circle diameter of the mean grain area), m.
    seed : int or None
        RNG seed that produced it (same seed, same microstructure).
    """

    seeds_m: np.ndarray
    box_m: float
    grain_size_m: float
    seed: int | None = None
    lloyd_iterations: int = 0
    _tree: object = field(default=None, repr=False)
    _tiled: np.ndarray | None = field(default=None, repr=False)
    _segments: np.ndarray | None = field(default=None, repr=False)
    _areas: np.ndarray | None = field(default=None, repr=False)

    # -- construction helpers ---------------------------------------------------------
    @property
    def n_grains(self) -> int:
        return len(self.seeds_m)

    def _tile(self) -> np.ndarray:
        if self._tiled is None:
            self._tiled = (self.seeds_m[None, :, :] + _OFFSETS[:, None, :] * self.box_m
                           ).reshape(-1, 2)
        return self._tiled

    def tree(self):
        """cKDTree over the 3x3-tiled seeds."""
        if self._tree is None:
            from scipy.spatial import cKDTree
            self._tree = cKDTree(self._tile())
        return self._tree

    def _voronoi(self):
        from scipy.spatial import Voronoi
        return Voronoi(self._tile())

    # -- geometry ---------------------------------------------------------------------
    def wrap(self, points_m) -> np.ndarray:
        """Points mapped into the periodic box."""
        return np.mod(np.asarray(points_m, float), self.box_m)

    def labels(self, points_m) -> np.ndarray:
        """Grain index (0..n-1) of each point, shape (m,)."""
        p = self.wrap(np.atleast_2d(points_m))
        _, i = self.tree().query(p, k=1)
        return np.asarray(i) % self.n_grains

    def distance_to_gb_m(self, points_m, k: int = 12) -> np.ndarray:
        """Exact distance (m) from each point to the nearest grain boundary.

        Parameters
        ----------
        points_m : array_like, shape (m, 2)
            Points, m (wrapped into the periodic box).
        k : int
            Nearest seeds considered (12 is exact for any practical tessellation; the
            unit tests compare it with a raster distance transform).
        """
        p = self.wrap(np.atleast_2d(points_m))
        tiled = self._tile()
        dd, ii = self.tree().query(p, k=k)
        s1 = tiled[ii[:, 0]]
        sj = tiled[ii[:, 1:]]
        num = dd[:, 1:] ** 2 - dd[:, :1] ** 2
        den = 2.0 * np.linalg.norm(sj - s1[:, None, :], axis=2)
        return np.maximum((num / den).min(axis=1), 0.0)

    def gb_segments_m(self) -> np.ndarray:
        """GB segments as an array (n_seg, 2, 2) in m, each boundary once.

        Segments belong to the central tile's cells (a segment may stick out of the box
        by up to a grain; wrap its points if needed).
        """
        if self._segments is None:
            vor = self._voronoi()
            n = self.n_grains
            rp = vor.ridge_points
            rv = np.asarray(vor.ridge_vertices)
            keep = ((rp[:, 0] < n) | (rp[:, 1] < n)) & (rv.min(axis=1) >= 0)
            rp, rv = rp[keep], rv[keep]
            # a boundary between a central cell and an image is kept once: by the copy
            # whose lower-index endpoint is in the central tile, ordered canonically
            a, b = rp[:, 0] % n, rp[:, 1] % n
            mid = vor.vertices[rv].mean(axis=1)
            key = np.round(np.mod(mid, self.box_m) / (1e-6 * self.box_m)).astype(np.int64)
            _, first = np.unique(np.c_[np.minimum(a, b), np.maximum(a, b), key],
                                 axis=0, return_index=True)
            self._segments = vor.vertices[rv[np.sort(first)]]
        return self._segments

    def gb_length_per_area_per_m(self) -> float:
        """Total GB length per unit area L_A, 1/m (Poisson-Voronoi: 2 sqrt(density))."""
        seg = self.gb_segments_m()
        return float(np.linalg.norm(seg[:, 1] - seg[:, 0], axis=1).sum() / self.box_m ** 2)

    def grain_areas_m2(self) -> np.ndarray:
        """Area (m^2) of each grain."""
        if self._areas is None:
            vor = self._voronoi()
            self._areas = np.array([
                _polygon_centroid_area(vor.vertices[vor.regions[vor.point_region[k]]])[1]
                for k in range(self.n_grains)])
        return self._areas

    def area_cv(self) -> float:
        """Coefficient of variation of the grain areas."""
        a = self.grain_areas_m2()
        return float(a.std() / a.mean())

    def random_points_m(self, n: int, rng) -> np.ndarray:
        """``n`` uniform random points in the box, m."""
        return np.random.default_rng(rng).uniform(0.0, self.box_m, (int(n), 2))

    # -- rasters ----------------------------------------------------------------------
    def raster(self, x0_m: float, y0_m: float, size_m: float, n_px: int = 256) -> dict:
        """Labels and distance-to-GB on an ``n_px`` x ``n_px`` grid of a square window.

        Returns
        -------
        dict
            ``x_m``, ``y_m`` (pixel centres, 1-D), ``labels`` (n_px, n_px),
            ``distance_m`` (exact), ``pixel_m``, ``extent_m`` (for imshow).
        """
        px = size_m / n_px
        xs = x0_m + (np.arange(n_px) + 0.5) * px
        ys = y0_m + (np.arange(n_px) + 0.5) * px
        xx, yy = np.meshgrid(xs, ys)
        pts = np.c_[xx.ravel(), yy.ravel()]
        return {"x_m": xs, "y_m": ys, "pixel_m": px,
                "labels": self.labels(pts).reshape(n_px, n_px),
                "distance_m": self.distance_to_gb_m(pts).reshape(n_px, n_px),
                "extent_m": (x0_m, x0_m + size_m, y0_m, y0_m + size_m)}

    def raster_distance_edt_m(self, labels: np.ndarray, pixel_m: float) -> np.ndarray:
        """Distance to GB from a label raster by ``scipy.ndimage.distance_transform_edt``.

        A pixel is on a GB when a 4-neighbour has another label; accurate to about one
        pixel.  Used to cross-check :meth:`distance_to_gb_m`.
        """
        from scipy import ndimage
        gb = np.zeros(labels.shape, bool)
        gb[:, 1:] |= labels[:, 1:] != labels[:, :-1]
        gb[1:, :] |= labels[1:, :] != labels[:-1, :]
        return ndimage.distance_transform_edt(~gb) * pixel_m

    def triple_junction_m(self) -> np.ndarray:
        """A Voronoi vertex (triple junction) near the box centre, m (for map windows)."""
        seg = self.gb_segments_m().reshape(-1, 2)
        c = np.array([self.box_m / 2, self.box_m / 2])
        return seg[np.argmin(np.linalg.norm(seg - c, axis=1))]


def make_polycrystal(grain_size_m: float = 10e-6, n_grains: int = 400, seed: int | None = 0,
                     lloyd_iterations: int = 2) -> Polycrystal:
    """A periodic Voronoi polycrystal with ``n_grains`` grains of mean size ``grain_size_m``.

    Parameters
    ----------
    grain_size_m : float
        Equivalent-circle diameter of the mean grain area, m (default 10 um [lu_yang]).
    n_grains : int
        Grains in the periodic box (box side ``sqrt(n pi/4) D``).
    seed : int or None
        RNG seed; the same seed gives the same microstructure.
    lloyd_iterations : int
        Centroidal relaxation steps (0: Poisson-Voronoi).

    Examples
    --------
    >>> pc = make_polycrystal(10e-6, n_grains=100, seed=1)
    >>> pc.n_grains, round(pc.box_m * 1e6, 1)
    (100, 88.6)
    """
    if not (math.isfinite(grain_size_m) and grain_size_m > 0):
        raise MemliError(f"grain_size_m: {grain_size_m!r}; expected a positive length in m "
                         "(e.g. 10e-6).")
    if int(n_grains) < 9:
        raise MemliError(f"n_grains: {n_grains}; expected at least 9 grains in the periodic box.")
    rng = np.random.default_rng(seed)
    box = math.sqrt(int(n_grains) * math.pi / 4.0) * grain_size_m
    seeds = rng.uniform(0.0, box, (int(n_grains), 2))
    for _ in range(int(lloyd_iterations)):
        pc = Polycrystal(seeds, box, grain_size_m)
        vor = pc._voronoi()
        cent = np.empty_like(seeds)
        for k in range(len(seeds)):
            cent[k] = _polygon_centroid_area(vor.vertices[vor.regions[vor.point_region[k]]])[0]
        seeds = np.mod(cent, box)
    return Polycrystal(seeds, box, grain_size_m, seed=seed, lloyd_iterations=int(lloyd_iterations))


# -- property maps ------------------------------------------------------------------------
def gb_profile(distance_m, width_m: float) -> np.ndarray:
    """Gaussian GB profile ``exp(-d^2 / (2 w^2))``: 1 on the GB, 0 deep in a grain."""
    d = np.asarray(distance_m, float)
    return np.exp(-0.5 * (d / width_m) ** 2)


def modulus_pa(distance_m, e_gi_pa: float = E_GI_PA, e_gb_pa: float = E_GB_PA,
               width_m: float = 20e-9) -> np.ndarray:
    """Local Young's modulus (Pa) vs distance to the nearest GB (Fig. 4e of [lu_yang])."""
    return e_gi_pa - (e_gi_pa - e_gb_pa) * gb_profile(distance_m, width_m)


def surface_potential_v(distance_m, offset_gb_v: float = PHI_GB_OFFSET_V,
                        width_m: float = 150e-9) -> np.ndarray:
    """Surface potential (V, relative to a grain interior) vs distance to the nearest GB.

    ~10 mV lower at GBs (KPFM, Fig. 4j of [lu_yang]).
    """
    return offset_gb_v * gb_profile(distance_m, width_m)


def property_maps(poly: Polycrystal, center_m=None, size_m: float = 1e-6, n_px: int = 256,
                  seed: int | None = 0, modulus_width_m: float = 20e-9,
                  potential_width_m: float = 150e-9, modulus_noise_pa: float = 3e9,
                  potential_noise_v: float = 1e-3, groove_depth_m: float = 5e-9,
                  roughness_m: float = 1e-9) -> dict:
    """AFM-like maps of a square window: topography, modulus, surface potential.

    The window is centred on ``center_m`` (default a triple junction near the box
    centre).  Noise is smoothed white noise (``scipy.ndimage.gaussian_filter``, 1.5 px),
    mimicking the instrument; GBs appear as grooves of depth ``groove_depth_m`` in the
    topography (thermal grooving; assumed 5 nm).

    Returns
    -------
    dict
        The :meth:`Polycrystal.raster` entries plus ``topography_m``, ``modulus_pa``,
        ``surface_potential_v``.
    """
    from scipy import ndimage
    if center_m is None:
        center_m = poly.triple_junction_m()
    cx, cy = center_m
    r = poly.raster(cx - size_m / 2, cy - size_m / 2, size_m, n_px)
    rng = np.random.default_rng(seed)

    def noise(scale):
        z = ndimage.gaussian_filter(rng.standard_normal((n_px, n_px)), 1.5, mode="wrap")
        return scale * z / (z.std() or 1.0)

    d = r["distance_m"]
    grain_tilt = (np.sin(r["labels"] * 12.9898) * 43758.5453) % 1.0  # per-grain height
    r["topography_m"] = (2e-9 * grain_tilt - groove_depth_m * gb_profile(d, 2 * modulus_width_m)
                         + noise(roughness_m))
    r["modulus_pa"] = modulus_pa(d, width_m=modulus_width_m) + noise(modulus_noise_pa)
    r["surface_potential_v"] = (surface_potential_v(d, width_m=potential_width_m)
                                + noise(potential_noise_v))
    return r
