"""GENERATED I-V datasets: a model card simulated with measurement effects.

Nothing here is a measurement.  Files written by this module say so in their header
comment (``# GENERATED ...``), the loader sets ``IVData.generated`` from it, and every
table and plot made from them is labelled "GENERATED".

Effects applied to the simulated current (:func:`memli.sim.simulate` of the card):

* cycle-to-cycle variability: each cycle draws its parameters from the card's
  ``variability`` block (:meth:`memli.cards.Card.sample`) and starts from the previous
  cycle's final state;
* current compliance (the simulator's limiter, then an exact clip at the limit);
* noise: Gaussian with sd ``sqrt(floor^2 + (noise_rel |I|)^2)`` (floor = instrument
  noise, A; noise_rel = relative gain noise);
* quantisation of the current reading (``quantum_a``) and of the voltage (``dv_v``
  steps of the sweep: the finite sample rate).

Command line (the bundled demo file)::

    python -m memli.data.synth --card llzo_tip --cycles 200 --vmin -0.25 --vmax 1.0 \
        --dv-set 0.02 --dv-reset 0.04 --seed 1 --out memli/data/bundled/llzo_tip_generated.csv
"""
from __future__ import annotations

import argparse
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..cards import Card, load_card, write_text_atomic


@dataclass
class Generated:
    """A generated dataset: samples, the card and per-cycle parameters used."""

    t_s: np.ndarray
    v_v: np.ndarray
    i_a: np.ndarray
    cycle: np.ndarray
    i_true_a: np.ndarray
    card: Card
    params: np.ndarray            # (n_params, n_cycles) actually used
    settings: dict = field(default_factory=dict)

    def to_csv(self, path=None, i_unit: str = "A", digits: int = 4) -> str:
        """CSV text ``time_s, v_v, i_<unit>`` with a GENERATED header; write if ``path``."""
        scale = {"A": 1.0, "mA": 1e3, "uA": 1e6, "nA": 1e9}[i_unit]
        buf = io.StringIO()
        buf.write(f"# GENERATED data (not a measurement): memli.data.synth, card "
                  f"{self.card.name} (model {self.card.model.name}, card hash "
                  f"{self.settings.get('card_hash', self.card.hash())})\n")
        for k, val in self.settings.items():
            buf.write(f"# {k}: {val}\n")
        unit_hdr = "i_a" if i_unit == "A" else f"I ({i_unit})"
        buf.write(f"time_s,v_v,{unit_hdr}\n")
        for t, v, i in zip(self.t_s, self.v_v, self.i_a * scale):
            buf.write(f"{t:.6g},{v:.4g},{i:.{digits - 1}e}\n")
        text = buf.getvalue()
        if path is not None:
            write_text_atomic(path, text)
        return text


def triangle_cycle(vmin_v, vmax_v, dv_set_v, dv_reset_v, rate_v_per_s,
                   polarity="negative_set"):
    """Source voltage of one cycle, SET lobe first: 0 -> vmin -> 0 -> vmax -> 0 for
    ``negative_set`` (the paper's convention), 0 -> vmax -> 0 -> vmin -> 0 for
    ``positive_set``; returns (t in s, v in V)."""
    def ramp(a, dv):
        n = max(2, int(round(abs(a) / dv)))
        up = np.linspace(0, a, n + 1)
        return np.concatenate([up, up[-2::-1]])
    neg_set = polarity == "negative_set"
    neg = ramp(vmin_v, dv_set_v if neg_set else dv_reset_v)
    pos = ramp(vmax_v, dv_reset_v if neg_set else dv_set_v)
    v = np.concatenate([neg, pos[1:]]) if neg_set else np.concatenate([pos, neg[1:]])
    dt = np.abs(np.diff(v)) / rate_v_per_s
    t = np.concatenate([[0.0], np.cumsum(dt)])
    return t, v


def generate(card="llzo_tip", cycles: int = 20, vmin_v: float = -0.25, vmax_v: float = 1.0,
             rate_v_per_s: float = 1.0, dv_set_v: float = 0.01, dv_reset_v: float = 0.02,
             compliance_a: float | None = 1e-3, floor_a: float = 1e-12,
             noise_rel: float = 0.02, quantum_a: float | None = None,
             variability: float = 1.0, seed: int = 0, params: dict | None = None,
             r_series_ohm: float | None = None, rtol: float = 1e-6,
             polarity: str = "negative_set", x0=None, progress=None) -> Generated:
    """Simulate ``cycles`` triangular cycles of ``card`` and add measurement effects.

    Parameters
    ----------
    card : Card or str
        Generating card (a name of a bundled card or a path).
    cycles : int
        Number of cycles.
    vmin_v, vmax_v : float
        Sweep limits, V (SET polarity first, as ``Waveform.triangle``).
    rate_v_per_s : float
        Sweep rate, V/s.
    dv_set_v, dv_reset_v : float
        Voltage step (finite sample rate) in the negative / positive lobe, V.
    compliance_a : float or None
        Current compliance, A.
    floor_a : float
        Instrument noise floor (sd of additive noise), A.
    noise_rel : float
        Relative current noise (sd), dimensionless.
    quantum_a : float, optional
        Resolution of the current reading, A.
    variability : float
        Scale of the card's cycle-to-cycle spreads (0: identical cycles).
    seed : int
        Random seed (the same seed gives the same file).
    params : dict, optional
        Parameter overrides applied to the card first.
    r_series_ohm : float, optional
        Series resistance of the setup, ohm (default 10 ohm with compliance, else 0).
    rtol : float
        Simulator tolerance.
    polarity : {'negative_set', 'positive_set'}
        Which lobe comes first (the SET lobe, with step ``dv_set_v``).
    x0 : sequence or mapping, optional
        Initial states (default: the model's).
    """
    from ..sim import Waveform, simulate
    card = load_card(card)
    if params:
        card = card.with_values(**params)
    rng = np.random.default_rng(seed)
    tc, vc = triangle_cycle(vmin_v, vmax_v, dv_set_v, dv_reset_v, rate_v_per_s, polarity)
    pv = card.sample(cycles, rng, scale=variability) if variability else \
        np.repeat(card.vector[:, None], cycles, 1)
    names = card.model.param_names
    ts, vs, is_, cs = [], [], [], []
    t0 = 0.0
    rs = r_series_ohm if r_series_ohm is not None else (10.0 if compliance_a else 0.0)
    period = tc[-1] + (tc[1] - tc[0])
    if not variability:
        # identical cycles: one run over the whole record (as a fit will simulate it)
        t = np.concatenate([tc + k * period for k in range(cycles)])
        v = np.tile(vc, cycles)
        res = simulate(card, Waveform.pwl(t, v), compliance_a=compliance_a, r_series_ohm=rs,
                       rtol=rtol, x0=x0)
        i_true = res.i
        cs = [np.full(tc.size, k) for k in range(cycles)]
    else:
        for k in range(cycles):
            ck = card.with_values(**{n: float(pv[j, k]) for j, n in enumerate(names)})
            res = simulate(ck, Waveform.pwl(tc, vc), x0=x0, compliance_a=compliance_a,
                           r_series_ohm=rs, rtol=rtol)
            x0 = res.final_state()
            ts.append(tc + t0)
            vs.append(vc)
            is_.append(res.i)
            cs.append(np.full(tc.size, k))
            t0 += period
            if progress:
                progress(k + 1, cycles)
        t = np.concatenate(ts)
        v = np.concatenate(vs)
        i_true = np.concatenate(is_)
    i = i_true.copy()
    if compliance_a:
        i = np.clip(i, -compliance_a, compliance_a)
    sd = np.sqrt(floor_a ** 2 + (noise_rel * i) ** 2)
    i = i + rng.normal(size=i.size) * sd
    if compliance_a:
        i = np.clip(i, -compliance_a, compliance_a)
    if quantum_a:
        i = np.round(i / quantum_a) * quantum_a
    source_hash = card.hash()          # the card as bundled, before it is marked generated
    gen_card = card.with_values()
    gen_card.generated = True
    settings = {"cycles": cycles, "sweep": f"0 -> {vmin_v:g} -> 0 -> {vmax_v:g} -> 0 V at "
                f"{rate_v_per_s:g} V/s, steps {dv_set_v:g} / {dv_reset_v:g} V",
                "compliance_a": compliance_a, "noise_floor_a": floor_a,
                "noise_rel": noise_rel, "quantum_a": quantum_a,
                "r_series_ohm": rs, "variability_scale": variability, "seed": seed,
                "card_hash": source_hash}
    return Generated(t, v, i, np.concatenate(cs), i_true, gen_card, pv, settings)


#: the bundled GENERATED datasets (memli/data/bundled/), remade by ``--bundled``
BUNDLED = {
    "llzo_tip_generated.csv": ["--card", "llzo_tip", "--cycles", "200", "--vmin", "-0.25",
                               "--vmax", "1.0", "--dv-set", "0.0125", "--dv-reset", "0.05",
                               "--seed", "1"],
    "llzo_w_probe_generated.csv": ["--card", "llzo_w_probe", "--cycles", "50", "--vmin",
                                   "-0.25", "--vmax", "1.0", "--dv-set", "0.0125",
                                   "--dv-reset", "0.05", "--seed", "2"],
    "llzo_pad_500um_generated.csv": ["--card", "llzo_pad_500um", "--cycles", "10", "--vmin",
                                     "-0.25", "--vmax", "1.0", "--dv-set", "0.0125",
                                     "--dv-reset", "0.05", "--seed", "3"],
}


def bundled_path(name: str = "llzo_tip_generated.csv") -> Path:
    """Path of a bundled GENERATED dataset."""
    return Path(__file__).resolve().parent / "bundled" / name


def main(argv=None):
    import sys
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--bundled"]:
        for name, args in BUNDLED.items():
            main(args + ["--out", str(bundled_path(name))])
        return
    ap = argparse.ArgumentParser(description="Write a GENERATED I-V dataset (CSV) from a card. "
                                 "--bundled remakes memli/data/bundled/*.csv")
    ap.add_argument("--card", default="llzo_tip")
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--vmin", type=float, default=-0.25)
    ap.add_argument("--vmax", type=float, default=1.0)
    ap.add_argument("--rate", type=float, default=1.0, help="sweep rate, V/s")
    ap.add_argument("--dv-set", type=float, default=0.02, help="step in the SET lobe, V")
    ap.add_argument("--dv-reset", type=float, default=0.04, help="step in the RESET lobe, V")
    ap.add_argument("--compliance", type=float, default=1e-3, help="A")
    ap.add_argument("--floor", type=float, default=1e-12, help="noise floor, A")
    ap.add_argument("--noise-rel", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    g = generate(a.card, a.cycles, a.vmin, a.vmax, a.rate, a.dv_set, a.dv_reset,
                 a.compliance, a.floor, a.noise_rel, seed=a.seed)
    shown = [x for k, x in enumerate(argv) if x != "--out" and (k == 0 or argv[k - 1] != "--out")]
    g.settings["made_by"] = "python -m memli.data.synth " + " ".join(shown)
    g.to_csv(a.out, digits=3)
    print(f"wrote {a.out}: {g.t_s.size} samples, {a.cycles} cycles (GENERATED)")


if __name__ == "__main__":
    main()
