"""Tip-to-film arrays: many tips on one LLZO film over a common Li counter electrode.

The architecture of [lu_yang] ("beyond crossbars"): K conductive tips at given
positions on the surface of one solid-electrolyte film whose back side is a single Li
counter electrode.  Each tip is a memli device (any model; for ``li_filament`` each
tip's ``gb_distance_m`` comes from its distance to the nearest grain boundary of a
synthetic polycrystal, :mod:`memli.physics.microstructure`, so its fresh SET
threshold follows Fig. 3c of [lu_yang]).

Circuit (nodes: tip ``t_k``, common electrode ``c``)::

    V_k --r_lead--> t_k --device_k--> c --r_common--> Li reference (0 V)
    t_k --g_kl-- t_l      ionic cross-talk through the shared electrolyte

The device carries the tip's own current to the counter electrode (the filament, or
ionic conduction through the film, as the model defines it).  Cross-talk through the
shared electrolyte is the tip-to-tip part of the film's conductance matrix: with the
contacts as disks of radius ``a`` on a film of conductivity ``sigma`` and thickness
``L`` over a grounded electrode, the resistance matrix is
``R_kk = 1 / (4 sigma a)`` (disk spreading resistance, Holm) and
``R_kl = G(d_kl)``, ``G(r) = 1/(2 pi sigma) sum_n (-1)^n / sqrt(r^2 + (2 n L)^2)``
(point source on an insulating top face, method of images for the grounded back face);
``g_kl = -(R^-1)_kl``.  Cross-talk through the common electrode is its resistance
``r_common_ohm``: every tip's current shifts the potential of ``c``.

The stability what-if (:func:`stable_fraction`) cycles every tip with SET and RESET
pulses (all tips in parallel), reads each tip after each half-cycle and counts a tip
as switching stably when its on/off ratio stays >= ``min_on_off`` in every cycle and
no other tip lies within one filament diameter (tips closer than that share a
filament and cannot be addressed independently; 547 nm from R = 116 ohm,
L = 300 um and 1.1e5 S/cm, see docs/REFERENCE numbers).

References
----------
lu_yang: Lu, Yang et al., "Mapping the Nanoscopic Filament Growth Kinetics in Lithium
Solid Electrolytes".  R. Holm, *Electric Contacts*, 4th ed., Springer 1967 (spreading
resistance 1/(4 sigma a)).  W. R. Smythe, *Static and Dynamic Electricity*, 3rd ed.,
1968 (images in a slab).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ConvergenceError, DataError
from ..physics import constants as K
from ..safetext import comment

#: filament diameter of the bridged tip filament, m (R = 116 ohm, L = 300 um, 1.1e5 S/cm)
FILAMENT_DIAMETER_M = K.FILAMENT_DIAMETER_M


def slab_green_ohm(r_m, sigma_siemens_per_m: float, thickness_m: float,
                   n_terms: int = 400) -> np.ndarray:
    """Potential at distance ``r_m`` on the top face per unit current injected at a point,
    ohm, for a film of thickness ``L`` over a grounded back electrode.

    ``r <= L/4``: images, ``1/(2 pi sigma) sum_n (-1)^n / sqrt(r^2 + (2 n L)^2)``
    (alternating partial sums averaged);  ``r > L/4``: the equivalent modal series
    ``1/(pi sigma L) sum_k K0((k + 1/2) pi r / L)``, which decays exponentially.
    """
    from scipy.special import k0
    r = np.atleast_1d(np.asarray(r_m, dtype=float)).ravel()
    L = float(thickness_m)
    out = np.empty_like(r)
    near = r <= L / 4
    if near.any():
        rn = r[near]
        n = np.arange(1, n_terms + 1)[:, None]
        terms = 2 * (-1.0) ** n / np.sqrt(rn[None, :] ** 2 + (2 * n * L) ** 2)
        out[near] = (1.0 / np.maximum(rn, 1e-300) + terms.sum(0) - 0.5 * terms[-1]) / (
            2 * np.pi * sigma_siemens_per_m)
    if (~near).any():
        rf = r[~near]
        kk = np.arange(0, 60)[:, None] + 0.5
        out[~near] = k0(kk * np.pi * rf[None, :] / L).sum(0) / (np.pi * sigma_siemens_per_m * L)
    return out.reshape(np.shape(r_m))


def crosstalk_conductance(positions_m, contact_radius_m: float, sigma_siemens_per_m: float,
                          thickness_m: float) -> np.ndarray:
    """Tip-to-tip ionic conductances through the shared film, S (K x K, zero diagonal)."""
    p = np.asarray(positions_m, dtype=float)
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
    k = len(p)
    R = np.empty((k, k))
    off = ~np.eye(k, dtype=bool)
    R[off] = slab_green_ohm(d[off], sigma_siemens_per_m, thickness_m)
    np.fill_diagonal(R, 1.0 / (4 * sigma_siemens_per_m * contact_radius_m))
    Y = np.linalg.inv(R)
    g = -Y
    np.fill_diagonal(g, 0.0)
    return np.maximum(g, 0.0)


def grid_positions(n_side: int, pitch_m: float, origin_m=(0.0, 0.0)) -> np.ndarray:
    """``n_side x n_side`` tips on a square grid, m (K, 2)."""
    i = np.arange(n_side) * pitch_m
    xx, yy = np.meshgrid(i, i, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1) + np.asarray(origin_m, float)


@dataclass
class TipDC:
    """Operating point: tip and common-electrode potentials (V), device voltages (V) and
    currents (A, tip to film), driver currents (A)."""

    v_tip: np.ndarray
    v_common: float
    v_dev: np.ndarray
    i_dev: np.ndarray
    i_drive: np.ndarray
    newton_iterations: int = 0


@dataclass
class TipArray:
    """K tips of one memli model on a shared film and counter electrode.

    Parameters
    ----------
    model : Model
    params : ndarray (n_params, K)
    positions_m : ndarray (K, 2)
    r_lead_ohm : float
        Tip driver + lead resistance.
    r_common_ohm : float
        Resistance of the common Li counter electrode to the reference (0: ideal).
    g_cross : ndarray (K, K), optional
        Tip-to-tip cross-talk conductances, S (default none).
    states : ndarray (n_states, K), optional
    """

    model: object
    params: np.ndarray
    positions_m: np.ndarray
    r_lead_ohm: float = 10.0
    r_common_ohm: float = 1.0
    g_cross: np.ndarray | None = None
    states: np.ndarray | None = None
    gb_distance_m: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.params = np.asarray(self.params, dtype=float)
        k = self.params.shape[1]
        if self.states is None:
            self.states = np.repeat(self.model.initial_state()[:, None], k, axis=1)
        if self.g_cross is None:
            self.g_cross = np.zeros((k, k))
        if not (self.r_lead_ohm > 0 and self.r_common_ohm >= 0):
            raise DataError(f"tip array: r_lead_ohm = {self.r_lead_ohm}, r_common_ohm = "
                            f"{self.r_common_ohm}; expected r_lead > 0 and r_common >= 0 ohm")

    @property
    def k(self) -> int:
        return self.params.shape[1]

    def dc(self, v_tip, vtol_v: float = 1e-9, max_newton: int = 60,
           dv_max_v: float = 0.5) -> TipDC:
        """Operating point for tip drive voltages ``v_tip`` (K,) in V (Newton)."""
        k = self.k
        v_src = np.broadcast_to(np.asarray(v_tip, dtype=float), (k,))
        gl = 1.0 / self.r_lead_ohm
        gc = 1.0 / self.r_common_ohm if self.r_common_ohm > 0 else None
        lap = np.diag(self.g_cross.sum(1)) - self.g_cross
        x = np.concatenate([v_src.copy(), [0.0]])
        num = self.model.numeric
        for it in range(1, max_newton + 1):
            t, c = x[:k], x[k]
            i, g = num.current_and_conductance(t - c, self.states, self.params)
            g = np.maximum(g, 1e-18)
            # residual F and Jacobian J of KCL at the tips and at the common electrode
            F = np.empty(k + 1)
            F[:k] = gl * (t - v_src) + i + lap @ t
            F[k] = (gc * c if gc else 0.0) - i.sum()
            J = np.zeros((k + 1, k + 1))
            J[:k, :k] = lap + np.diag(gl + g)
            J[:k, k] = -g
            J[k, :k] = -g
            J[k, k] = g.sum() + (gc or 0.0)
            if gc is None:               # ideal electrode: c pinned at 0 V
                J[k, :] = 0.0
                J[:, k] = 0.0
                J[k, k] = 1.0
                F[k] = c
            dx = -np.linalg.solve(J, F)
            big = float(np.max(np.abs(dx)))
            if big > dv_max_v:
                dx *= dv_max_v / big
            x = x + dx
            if big <= vtol_v * (1 + np.max(np.abs(x))):
                break
        else:
            raise ConvergenceError(f"tip array Newton: update {big:.3g} V after {max_newton} "
                                   f"iterations; expected <= {vtol_v:g} V")
        t, c = x[:k], x[k]
        i = num.current(t - c, self.states, self.params)
        return TipDC(t, float(c), t - c, i, gl * (v_src - t), it)

    def pulse(self, v_tip, width_s: float, dx_max: float | None = None,
              state_rtol: float | None = None) -> int:
        """Hold ``v_tip`` for ``width_s`` s while every tip's states evolve; returns steps.

        The shared implicit stepper (:mod:`memli.sim.stepper`) advances the states at the
        tip voltages of the step's start; the network is solved again at the new states
        and the change of the tip voltages within the step is error-controlled too (as
        in :func:`memli.circuits.writes.program`).  ``dx_max`` is ignored (kept for
        callers of the former fixed-change stepper).
        """
        from ..sim import stepper
        num = self.model.numeric
        lo, hi, span = stepper.state_limits(self.model)
        srtol = stepper.RTOL if state_rtol is None else float(state_rtol)
        ns = self.model.n_states
        t, h, steps = 0.0, width_s / 50, 0
        hmin = width_s * 1e-24
        op = self.dc(v_tip)
        f0 = None
        while t < width_s * (1 - 1e-14):
            h = min(h, width_s - t)
            xn, fv0, e_x, _ = stepper.step(num, op.v_dev, self.states, self.params, h, lo,
                                           hi, span, srtol, f0=f0)
            err = float(np.max(e_x, initial=0.0))
            hlo = max(hmin, 4e-16 * t)
            forced = bool(np.isfinite(err) and err > 1.0 and h <= hlo * (1 + 1e-9))
            if err <= 1.0 or forced:
                old = self.states
                self.states = xn
                opn = self.dc(v_tip)
                ev = num.evaluate(opn.v_dev, xn, self.params)
                if not forced:
                    jac = np.eye(ns) - h * np.moveaxis(ev.df_dx, (0, 1), (-2, -1))
                    dv = np.moveaxis(h * (ev.f - fv0), 0, -1)[..., None]
                    with np.errstate(all="ignore"):
                        e_v = np.moveaxis(np.linalg.solve(jac, dv)[..., 0], -1, 0)
                    err = max(err, float(np.max(stepper.scaled_norm(e_v, span, srtol),
                                                initial=0.0)))
                if err <= 1.0 or forced:
                    op, f0 = opn, ev.f
                    t += h
                    steps += 1
                    h = 4.0 * h if forced else float(stepper.next_step(h, err))
                    if steps > 100000:
                        raise ConvergenceError("tip array pulse: more than 1e5 steps")
                    continue
                self.states = old
            if h <= hlo * (1 + 1e-9):
                raise ConvergenceError(
                    f"tip array pulse: Newton did not converge at the smallest step "
                    f"({hmin:.3g} s) at t = {t:.6g} s of a {width_s:g} s pulse")
            h = max(float(stepper.next_step(h, err)) if np.isfinite(err) else 0.25 * h, hlo)
        return steps


def tip_array(card, positions_m, poly=None, grain_size_m: float = 10e-6, seed=0,
              r_lead_ohm: float = 10.0, r_common_ohm: float = 1.0, crosstalk: bool = True,
              thickness_m: float | None = None, variability_scale: float = 1.0) -> TipArray:
    """Tips of ``card`` at ``positions_m`` (K, 2) on a polycrystalline LLZO film.

    For models with an instance parameter ``gb_distance_m`` each tip gets its distance
    to the nearest grain boundary of ``poly`` (default: a Voronoi polycrystal of
    ``grain_size_m`` from :func:`memli.physics.microstructure.make_polycrystal`).
    """
    from ..cards import load_card
    card = load_card(card)
    pos = np.asarray(positions_m, dtype=float)
    if pos.ndim != 2 or pos.shape[1] != 2 or len(pos) == 0:
        raise DataError(f"tip positions: shape {pos.shape}; expected (K, 2) in m, K >= 1")
    rng = np.random.default_rng(seed)
    p = card.sample(len(pos), rng, scale=variability_scale)
    names = card.model.param_names
    dist = None
    if "gb_distance_m" in names:
        if poly is None:
            from ..physics.microstructure import make_polycrystal
            span = float(np.ptp(pos, axis=0).max()) if len(pos) > 1 else grain_size_m
            n_grains = int(np.clip((4 / np.pi) * ((span + 3 * grain_size_m) / grain_size_m) ** 2,
                                   30, 4000))
            poly = make_polycrystal(grain_size_m, n_grains=n_grains, seed=seed)
        shift = rng.uniform(0, poly.box_m, 2)          # random placement on the film
        dist = poly.distance_to_gb_m(pos + shift)
        p[names.index("gb_distance_m")] = dist
    g = None
    if crosstalk and len(pos) > 1:
        v = card.values
        a = np.sqrt(v.get("area_m2", K.TIP_AREA_M2) / np.pi)
        sigma = v.get("sigma_ion_siemens_per_m", K.SIGMA_ION_LLZO_SIEMENS_PER_M)
        L = thickness_m or v.get("l_m", K.PELLET_THICKNESS_M)
        g = crosstalk_conductance(pos, a, sigma, L)
    return TipArray(card.model, p, pos, r_lead_ohm, r_common_ohm, g, gb_distance_m=dist,
                    extra={"card": card, "poly": poly})


def cycle(arr: TipArray, v_set_v: float, v_reset_v: float, width_s: float, cycles: int,
          v_read_v: float) -> dict:
    """SET / RESET all tips in parallel ``cycles`` times; read each tip after each half.

    Returns {"i_on_a": (cycles, K), "i_off_a": (cycles, K), "on_off": (cycles, K)} with
    reads at ``v_read_v`` on every tip (currents through each device).
    """
    on, off = [], []
    for _ in range(cycles):
        arr.pulse(v_set_v, width_s)
        on.append(np.abs(arr.dc(v_read_v).i_dev))
        arr.pulse(v_reset_v, width_s)
        off.append(np.abs(arr.dc(v_read_v).i_dev))
    on, off = np.array(on), np.array(off)
    return {"i_on_a": on, "i_off_a": off, "on_off": on / np.maximum(off, 1e-30)}


def isolated(positions_m, min_spacing_m: float) -> np.ndarray:
    """True for tips with no other tip closer than ``min_spacing_m``."""
    p = np.asarray(positions_m, dtype=float)
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1) >= min_spacing_m if len(p) > 1 else np.ones(len(p), bool)


def stable_fraction(card="llzo_tip", pitch_m: float = 2e-6, grain_size_m: float = 10e-6,
                    n_side: int = 6, seed=0, v_set_v: float = -0.3, v_reset_v: float = 1.0,
                    width_s: float = 5e-3, cycles: int = 3, v_read_v: float = -0.05,
                    min_on_off: float = 10.0, r_lead_ohm: float = 10.0,
                    r_common_ohm: float = 1.0,
                    filament_diameter_m: float = FILAMENT_DIAMETER_M) -> dict:
    """Fraction of ``n_side^2`` tips (pitch ``pitch_m``) that switch stably.

    Returns {"fraction", "switching" (on/off criterion only), "isolated" (spacing only),
    "gb_distance_m", "on_off_min" (per tip)}.
    """
    pos = grid_positions(n_side, pitch_m)
    arr = tip_array(card, pos, grain_size_m=grain_size_m, seed=seed, r_lead_ohm=r_lead_ohm,
                    r_common_ohm=r_common_ohm)
    res = cycle(arr, v_set_v, v_reset_v, width_s, cycles, v_read_v)
    on_off_min = res["on_off"].min(axis=0)
    switching = on_off_min >= min_on_off
    iso = isolated(pos, filament_diameter_m)
    ok = switching & iso
    return {"fraction": float(ok.mean()), "switching": float(switching.mean()),
            "isolated": float(iso.mean()), "gb_distance_m": arr.gb_distance_m,
            "on_off_min": on_off_min, "k": arr.k}


def sweep(pitches_m, grain_sizes_m, progress=None, **kw) -> dict:
    """:func:`stable_fraction` over a grid; returns {"pitch_m", "grain_size_m",
    "fraction" (n_grain, n_pitch), "switching", "isolated"}."""
    frac = np.zeros((len(grain_sizes_m), len(pitches_m)))
    sw = np.zeros_like(frac)
    iso = np.zeros_like(frac)
    total = frac.size
    for a, gs in enumerate(grain_sizes_m):
        for b, p in enumerate(pitches_m):
            r = stable_fraction(pitch_m=p, grain_size_m=gs, **kw)
            frac[a, b], sw[a, b], iso[a, b] = r["fraction"], r["switching"], r["isolated"]
            if progress:
                progress((a * len(pitches_m) + b + 1) / total)
    return {"pitch_m": list(map(float, pitches_m)),
            "grain_size_m": list(map(float, grain_sizes_m)),
            "fraction": frac, "switching": sw, "isolated": iso}


def tip_array_netlist(arr: TipArray, v_tip, g_min_siemens: float = 1e-15,
                      title: str = "memli tip-to-film array") -> str:
    """The tip array as an ngspice deck (.op): the exported memli subcircuit per tip,
    lead and common-electrode resistors, cross-talk resistors above ``g_min_siemens``."""
    from ..codegen.spice import subckt_name, subckt_text
    card = arr.extra.get("card")
    k = arr.k
    v = np.broadcast_to(np.asarray(v_tip, dtype=float), (k,))
    lines = [f"* {comment(title)}: {k} tips on one film over a common Li electrode",
             f"* r_lead={arr.r_lead_ohm:g} ohm, r_common={arr.r_common_ohm:g} ohm",
             subckt_text(card if card is not None else arr.model).rstrip()]
    name = subckt_name(arr.model)
    pn = arr.model.param_names
    sn = [f"{s.name}_init" for s in arr.model.states]
    cnode = "c" if arr.r_common_ohm > 0 else "0"
    for i in range(k):
        lines.append(f"vt_{i} s_{i} 0 dc {float(v[i])!r}")
        lines.append(f"rl_{i} s_{i} t_{i} {float(arr.r_lead_ohm)!r}")
        ps = " ".join([f"{n}={float(arr.params[r, i])!r}" for r, n in enumerate(pn)]
                      + [f"{n}={float(arr.states[r, i])!r}" for r, n in enumerate(sn)])
        lines.append(f"xt_{i} t_{i} {cnode} {name} {ps}")
    for i in range(k):
        for j in range(i + 1, k):
            if arr.g_cross[i, j] > g_min_siemens:
                lines.append(f"rx_{i}_{j} t_{i} t_{j} {float(1.0 / arr.g_cross[i, j])!r}")
    if arr.r_common_ohm > 0:
        lines.append(f"rc c 0 {float(arr.r_common_ohm)!r}")
    lines += [".options reltol=1e-9 abstol=1e-18 vntol=1e-12 gmin=1e-18", ".op", ".end"]
    return "\n".join(lines) + "\n"
