"""`make demo`: the end-to-end run on bundled data, written to out/demo/.

Stage 1 (device): simulate the bundled tip card through the paper's two sweep
windows and the electrode-size series; write I-V plots, endurance and a summary.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .cards import write_text_atomic


def stage_device(out: Path, log=print) -> dict:
    from .plotting import plot_cycle_metrics, plot_endurance, plot_iv_cycles
    from .sim import Waveform, simulate
    from .sim.endurance import endurance
    out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for tag, (vmin, vmax, n) in {"window_025": (-0.25, 0.25, 50),
                                 "window_02_1": (-0.2, 1.0, 200)}.items():
        t0 = time.perf_counter()
        res = simulate("llzo_tip", Waveform.triangle(vmin, vmax, n))
        ms = res.metrics(0.1)
        plot_iv_cycles(res.v_source, res.i, res.cycle, out / f"tip_iv_{tag}.png",
                       title=f"llzo_tip, {n} cycles {vmin:g} V .. {vmax:+g} V")
        plot_cycle_metrics(ms, out / f"tip_cycles_{tag}.png",
                           title=f"llzo_tip per-cycle metrics, {vmin:g} V .. {vmax:+g} V")
        summary[tag] = {"cycles": n, "simulate_s": time.perf_counter() - t0,
                        "last": ms[-1], "first": ms[0]}
        log(f"  tip {tag}: {n} cycles, on/off {ms[-1]['on_off']:.3g}, "
            f"R_LRS {ms[-1]['r_lrs_ohm']:.4g} ohm, V_set {ms[-1]['v_set']} V")
    results = []
    for name in ("llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um"):
        r = endurance(name, max_cycles=100_000)
        results.append(r)
        summary.setdefault("cycles_to_failure", {})[name] = r.cycles_to_failure
        log(f"  endurance {name}: on/off < 10 after "
            f"{r.cycles_to_failure if r.cycles_to_failure else '> %d' % r.max_cycles} cycles")
    plot_endurance(results, out / "endurance_vs_electrode.png",
                   title="on/off vs cycle for four working-electrode sizes")
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m memli.demo", description=__doc__)
    ap.add_argument("--out", default="out/demo", type=Path)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    print(f"memli demo -> {args.out}", file=sys.stderr)
    summary = {"generated": True, "device": stage_device(args.out, log=lambda s: print(
        s, file=sys.stderr))}
    summary["elapsed_s"] = time.perf_counter() - t0
    write_text_atomic(args.out / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
    print(f"done in {summary['elapsed_s']:.1f} s: {args.out}/summary.json", file=sys.stderr)


if __name__ == "__main__":
    main()
