"""GENERATED I-V records for checking fits: any model, either polarity, compliance on the
SET side only (as instruments apply it), noise floor, relative noise, quantised voltage
steps and cycle-to-cycle spread.  Nothing here is a measurement.

``DEVICES`` holds one device-like parameter set per model (each differs from the
model's bundled card by factors of 2-5 in the parameters a fit moves), with the sweep
that shows its switching.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..cards import load_card
from .problem import FitData, simulate_record

#: model -> (card, parameter values, sweep: vmin V, vmax V, rate V/s, step V,
#: compliance A or None, initial states)
DEVICES = {
    "li_filament": ("llzo_tip", {"k_set_per_s": 1500.0, "v_reset_v": 0.13,
                                 "v_set_cycled_v": -0.17, "v_set_gb_v": -0.15,
                                 "gap_decay": 45.0},
                    (-0.3, 0.6, 1.0, 0.005, 1e-3, None)),
    "vteam": ("vteam_default", {"r_on_ohm": 500.0, "r_off_ohm": 5e6, "v_on_v": -0.35,
                                "v_off_v": 0.25, "k_on_per_s": 2000.0, "k_off_per_s": 800.0,
                                "alpha_on": 4.0, "alpha_off": 4.0},
              (-1.0, 1.0, 10.0, 0.01, 1e-4, None)),
    "yakopcic": ("yakopcic_default", {"a1_a": 2e-4, "a2_a": 2e-4, "b_per_v": 2.0,
                                      "vp_v": 0.5, "vn_v": 0.6, "ap_per_s": 5.0,
                                      "an_per_s": 20.0, "alphap": 1.0, "alphan": 5.0},
                 (-1.2, 1.2, 1.0, 0.01, None, {"x": 0.01})),
    "mms": ("mms_default", {"r_on_ohm": 1e3, "r_off_ohm": 1e5, "v_on_v": 0.35,
                            "v_off_v": 0.3, "tau_s": 2e-3},
            (-1.0, 1.0, 1.0, 0.01, None, None)),
    "linear_drift": ("linear_drift_biolek", {"r_on_ohm": 200.0, "r_off_ohm": 2e4,
                                             "mu_v_m2_per_v_s": 5e-15, "p_window": 2.5},
                     (-1.0, 1.0, 1.0, 0.01, None, {"x": 0.05})),
}


@dataclass
class Record:
    """A GENERATED record: samples (SI), cycle index and the generating card."""

    t_s: np.ndarray
    v_v: np.ndarray
    i_a: np.ndarray
    cycle: np.ndarray
    card: object
    polarity: str
    compliance_a: float | None

    def fit_data(self, polarity="auto") -> FitData:
        fd = FitData.from_arrays(self.t_s, self.v_v, self.i_a, polarity=polarity)
        fd.generated = True
        return fd

    def to_csv(self, path):
        from ..fsio import write_text_atomic
        lines = [f"# GENERATED data (not a measurement): memli.fit.synthetic, card "
                 f"{self.card.name} (model {self.card.model.name}), SET polarity "
                 f"{self.polarity}", "time_s,v_v,i_a"]
        lines += [f"{t:.6g},{v:.5g},{i:.4e}" for t, v, i in zip(self.t_s, self.v_v, self.i_a)]
        write_text_atomic(path, "\n".join(lines) + "\n")
        return path


def device_card(model: str, reverse: bool = False):
    """The generating card of ``DEVICES[model]`` (terminals swapped with ``reverse``)."""
    import dataclasses
    name, vals, _ = DEVICES[model]
    c = load_card(name).with_values(name=f"{model}_device", **vals)
    c.generated = True
    if reverse:
        c = dataclasses.replace(c, model=c.model.reversed())
    return c


def generate(model: str, cycles: int = 5, reverse: bool = False, seed: int = 0,
             floor_a: float = 1e-11, noise_rel: float = 0.03, spread: float = 0.02,
             r_series_ohm: float = 10.0) -> Record:
    """Triangular cycles (SET lobe first) of ``DEVICES[model]``; ``reverse`` swaps the
    device's terminals so that it SETs at the other polarity.  ``spread``: the current
    gain varies by this fraction from cycle to cycle (lognormal).  The SET side has the
    compliance of ``DEVICES`` (through ``r_series_ohm``), the RESET side none."""
    from ..data.synth import triangle_cycle
    _, _, (vmin, vmax, rate, dv, cc, x0) = DEVICES[model]
    card = device_card(model, reverse)
    pol = card.model.set_polarity
    lo, hi = (vmin, vmax)
    if reverse:
        lo, hi = -vmax, -vmin
    tc, vc = triangle_cycle(lo, hi, dv, dv, rate, pol)
    period = tc[-1] + (tc[1] - tc[0])
    t = np.concatenate([tc + k * period for k in range(cycles)])
    v = np.tile(vc, cycles)
    cyc = np.repeat(np.arange(cycles), tc.size)
    rng = np.random.default_rng(seed)
    side = {(-1 if pol == "negative_set" else 1): cc} if cc else {}
    res = simulate_record(card, t, v, x0, r_series_ohm if cc else 0.0, side, 1e-6)
    gain = np.exp(spread * rng.normal(size=cycles))[cyc]
    i = res.i * gain
    i = i + rng.normal(size=i.size) * np.sqrt(floor_a ** 2 + (noise_rel * i) ** 2)
    if cc:
        s = -1 if pol == "negative_set" else 1
        m = np.sign(v) == s
        i[m] = np.clip(i[m], -cc, cc)
    return Record(t, v, i, cyc, card, pol, cc)
