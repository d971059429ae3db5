"""Regenerate the figures of docs/neuro.md: ``python -m memli.neuro.figures OUTDIR``.

Plasticity versus electrode size and device age, the STDP window, the LIF circuit in
memli and ngspice, and letters training on each card.  (The accuracy sweeps are written
by ``memli neuro sweep ... --out OUTDIR``.)
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..fsio import json_clean

CARDS = ["llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um"]


def make_figures(outdir) -> dict:
    """Write the figures and a ``figures.json`` of their headline numbers to ``outdir``."""
    from ..cards import write_text_atomic
    from .experiments import run_training
    from .lif import LIFParams, compare_spikes, run_lif_ngspice, simulate_lif
    from .plasticity import potentiation_depression, stdp_window
    from .plots import plot_lif, plot_pulses, plot_stdp, plot_training
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    info = {}
    pd = [potentiation_depression(c) for c in CARDS]
    plot_pulses(pd, out / "potentiation_cards.png", "20 RESET (+0.2 V) then 20 SET (-0.185 V)"
                " pulses, 100 us")
    info["potentiation"] = {r.card_name: {"g_start": r.g_siemens[0],
                                          "g_after_reset": r.g_siemens[20],
                                          "g_end": r.g_siemens[-1]} for r in pd}
    aged = []
    for n in (3, 10, 30):
        r = potentiation_depression("llzo_pad_200um", cycles=n)
        r.card_name = f"llzo_pad_200um, {n} cycles"
        aged.append(r)
    plot_pulses(aged, out / "potentiation_age.png", "200 um pad: pulse response vs "
                "conditioning cycles (dead lithium accumulates)")
    st = [stdp_window(c) for c in CARDS]
    plot_stdp(st, out / "stdp_cards.png")
    info["stdp"] = {r.card_name: {"dt_s": r.dt_s.tolist(), "dg_pairing": r.dg_pairing.tolist(),
                                  "unpaired": r.dg_unpaired_siemens / r.g0_siemens}
                    for r in st}
    st_age = []
    for n in (3, 10, 30):
        r = stdp_window("llzo_pad_200um", cycles=n)
        r.card_name = f"llzo_pad_200um, {n} cycles"
        st_age.append(r)
    plot_stdp(st_age, out / "stdp_age.png", title="STDP window vs device age (200 um pad)")
    lp = LIFParams(n_pre=8, v_pre_v=0.2, x0={"x": 0.72, "c": 1.0, "d": 0.0})
    ours = simulate_lif("llzo_tip", lp)
    ng = run_lif_ngspice("llzo_tip", lp)
    plot_lif(ours, ng, out / "lif_potentiating.png",
             "pre pulses 0.2 V: the synapse potentiates, the neuron speeds up")
    info["lif_potentiating"] = compare_spikes(ours.spikes_s, ng["spikes_s"])
    tr = [run_training(c, "letters", epochs=50, variability=0.05, seed=0)[0] for c in CARDS]
    plot_training(tr, out / "letters_cards.png", "letters, 5 % variability, seed 0")
    info["letters"] = {s["card"]: {k: s[k] for k in ("train_accuracy", "test_accuracy",
                                                     "first_epoch_100", "weight_updates",
                                                     "mean_d")} for s in tr}
    write_text_atomic(out / "figures.json",
                      json.dumps(json_clean(info), indent=2, sort_keys=True) + "\n")
    return info


if __name__ == "__main__":  # pragma: no cover
    res = make_figures(sys.argv[1] if len(sys.argv) > 1 else "docs/figures/neuro")
    print(json.dumps(json_clean({k: res[k] for k in ("lif_potentiating", "letters")}),
                     indent=1))
