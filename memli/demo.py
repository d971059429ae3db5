"""`make demo`: the end-to-end run on bundled, GENERATED data, written to out/demo/.

The demo is the seven steps of the README, in order; each step is a function
``stage_<name>(out_dir, progress=None, cfg=FULL)`` that calls into the package
(simulator, loaders and analysis, fitter, exporters and verify, studies, tip-film
arrays, neuromorphic training) and returns a report section: a dict of numbers, figure
paths and text.  Each step also runs alone from the CLI, as its section says:

1. ``device``   the bundled tip card through the paper's two sweep windows, and the
                electrode-size series in endurance (device simulator);
2. ``extract``  the bundled generated tip dataset: cycles, V_set/V_reset, HRS/LRS;
3. ``fit``      the Li-filament model fitted to it: fitted card with uncertainties;
4. ``export``   the fitted card as Verilog-A and SPICE, run in ngspice and in VACASK
                (OpenVAF) against memli's simulator;
5. ``crossbar`` what-if: crossbar read error vs array size and wire resistance for the
                fitted device (a study on Dask) and an IR-drop map;
6. ``tip_film`` what-if: the paper's tip-on-film architecture: fraction of tips that
                switch stably vs grain size and tip pitch (memli.circuits.tipfilm);
7. ``neuro``    in-situ training of a crossbar network of the fitted device (letters
                z/v/n), tip vs 500 um pad card;

then one report, ``report.html`` (figures embedded) and ``report.md``.  A stage that
fails stops the demo with its error (exit 1); the report written so far shows which.

``python -m memli.demo --out out/demo [--quick] [--only fit,export] [--force]``
(an existing non-empty --out is overwritten only with ``--force``)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .errors import MemliError

BUNDLED_TIP = Path(__file__).parent / "data" / "bundled" / "llzo_tip_generated.csv"
FIT_CARD_NAME = "llzo_tip_fit"
#: the bundled dataset's sweep window (V): programmed LRS/HRS of the fitted device
DATA_WINDOW_V = (-0.25, 1.0)


class DemoError(MemliError):
    """A demo stage failed."""


@dataclass(frozen=True)
class DemoConfig:
    """Sizes of every stage (``FULL`` for ``make demo``, ``QUICK`` for the tests)."""

    tip_windows: dict = field(default_factory=lambda: {
        "window_025": (-0.25, 0.25, 50), "window_02_1": (-0.2, 1.0, 200)})
    endurance_cards: tuple = ("llzo_tip", "llzo_w_probe", "llzo_pad_200um", "llzo_pad_500um")
    endurance_max_cycles: int = 100_000
    fit_cycles: int = 20
    fit_max_nfev: int = 40
    fit_per_cycle: bool = True
    xbar_sizes: tuple = (8, 16, 32, 64, 128)
    xbar_wires_ohm: tuple = (0.1, 1.0, 10.0)
    xbar_samples: int = 8
    xbar_map_size: int = 64
    study_scheduler: str | None = None          # None: LocalCluster; "synchronous"
    study_workers: int | None = None
    tipfilm_grain_sizes_m: tuple = (2e-6, 5e-6, 10e-6, 20e-6, 50e-6)
    tipfilm_pitches_m: tuple = (0.3e-6, 1e-6, 2e-6, 5e-6, 20e-6)
    tipfilm_side: int = 8
    neuro_epochs: int = 40
    neuro_cards: tuple = ()
    neuro_study_cards: tuple = ("llzo_tip", "llzo_pad_500um")
    neuro_study_variability: tuple = (0.0, 0.05, 0.1, 0.2)
    neuro_study_samples: int = 2
    neuro_digits: bool = True
    neuro_digits_train: int = 300
    neuro_digits_epochs: int = 6
    quick: bool = False


FULL = DemoConfig()
QUICK = DemoConfig(
    tip_windows={"window_025": (-0.25, 0.25, 4), "window_02_1": (-0.2, 1.0, 4)},
    endurance_cards=("llzo_tip", "llzo_pad_500um"), endurance_max_cycles=2000,
    fit_cycles=3, fit_max_nfev=20, fit_per_cycle=False, xbar_sizes=(8, 16, 32),
    xbar_wires_ohm=(0.1, 1.0), xbar_samples=3, xbar_map_size=16,
    study_scheduler="synchronous", tipfilm_grain_sizes_m=(2e-6, 20e-6),
    tipfilm_pitches_m=(0.3e-6, 5e-6), tipfilm_side=4, neuro_epochs=12, neuro_cards=(),
    neuro_study_cards=(), neuro_digits=False, quick=True)


# ---------------------------------------------------------------------------------------
# The seven steps
def stage_device(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """1. Tip sweeps in the paper's two windows; endurance vs working-electrode size."""
    from .plotting import plot_cycle_metrics, plot_endurance, plot_iv_cycles
    from .sim import Waveform, simulate
    from .sim.endurance import endurance
    progress = progress or _noop
    out = Path(out_dir) / "device"
    nums, figs = {}, []
    total = len(cfg.tip_windows) + len(cfg.endurance_cards)
    for step, (tag, (vmin, vmax, n)) in enumerate(cfg.tip_windows.items(), 1):
        res = simulate("llzo_tip", Waveform.triangle(vmin, vmax, n))
        ms = res.metrics(0.1)
        window = f"{vmin:g} V .. {vmax:+g} V"
        figs.append(plot_iv_cycles(res.v_source, res.i, res.cycle, out / f"tip_iv_{tag}.png",
                                   title=f"llzo_tip, {n} cycles {window}"))
        figs.append(plot_cycle_metrics(ms, out / f"tip_cycles_{tag}.png",
                                       title=f"llzo_tip per-cycle metrics, {window}"))
        last = ms[-1]
        nums.update({f"{tag}: cycles": n, f"{tag}: on/off (last cycle)": last["on_off"],
                     f"{tag}: R_LRS at 0.1 V (ohm)": last["r_lrs_ohm"],
                     f"{tag}: V_set (V)": last["v_set"]})
        progress(step, total, f"tip {tag}")
    results = []
    for step, name in enumerate(cfg.endurance_cards, len(cfg.tip_windows) + 1):
        r = endurance(name, max_cycles=cfg.endurance_max_cycles)
        results.append(r)
        nums[f"cycles to on/off < 10: {name}"] = (r.cycles_to_failure if r.cycles_to_failure
                                                  else f"> {r.max_cycles}")
        progress(step, total, f"endurance {name}")
    figs.append(plot_endurance(results, out / "endurance_vs_electrode.png",
                               title="on/off vs cycle for working-electrode sizes"))
    text = ("The bundled llzo_tip card (Pt c-AFM tip on a grain boundary of LLZO, Li counter "
            "electrode [lu_yang]) is swept with triangular waveforms in the paper's two "
            "windows (-0.25..+0.25 V and -0.2..+1 V, negative = SET). Then each "
            "working-electrode card is cycled until its on/off ratio falls below 10 "
            "(cycles are skipped where the state drifts slowly, see memli.sim.endurance). "
            "CLI: memli simulate llzo_tip --sweep -0.2 1 --cycles 200 --out out/tip")
    return _section("device", "1. Device: tip sweeps and electrode-size endurance", text,
                    nums, figs)


def stage_extract(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """2. Per-cycle analysis of the bundled GENERATED tip dataset."""
    from .data.analysis import analyse, write_outputs
    progress = progress or _noop
    data = _load_bundled()
    progress(1, 3, "loaded")
    an = analyse(data, read_voltage_v=0.1)
    progress(2, 3, "analysed")
    paths = write_outputs(an, Path(out_dir) / "extract", force=True)
    progress(3, 3, "written")
    s = an.summary()["stats"]

    def med(k):
        return s[k]["median"] if s.get(k) else None
    nums = {"cycles": an.n_cycles, "generated": an.generated,
            "median V_set (V)": med("v_set"), "median V_reset (V)": med("v_reset"),
            "median R_LRS at 0.1 V (ohm)": med("r_lrs_ohm"),
            "median R_HRS at 0.1 V (ohm)": med("r_hrs_ohm"),
            "median on/off": med("on_off"),
            "cycle-to-cycle sd of ln R_LRS": _sd_log(an.column("r_lrs_ohm")),
            "noise floor (A)": an.noise_floor_a, "compliance (A)": an.compliance_a}
    text = (f"The bundled dataset {BUNDLED_TIP.name} was GENERATED by memli.data.synth from the "
            "llzo_tip card with measurement effects (noise, 1 pA floor, 1 mA compliance, "
            "finite voltage steps, cycle-to-cycle variability); it is not a measurement. It "
            "is segmented into cycles (negative bias = SET) and each cycle's switching "
            "voltages and resistances at 0.1 V are tabulated (extract/cycles.csv). "
            f"CLI: memli extract memli/data/bundled/{BUNDLED_TIP.name} --out out/extract")
    figs = [paths[k] for k in ("iv_png", "endurance_png", "cdf_png") if k in paths]
    return _section("extract", "2. Extract: cycles of the bundled tip dataset", text, nums,
                    figs, cycles_csv=paths["cycles_csv"])


def stage_fit(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """3. Fit the Li-filament model to the first cycles of the bundled dataset."""
    from .cards import load_card
    from .fit import FitData, fit
    from .fit.report import write_outputs
    from .fit.start import perturb
    progress = progress or _noop
    fd = FitData.from_ivdata(_load_bundled())
    n = min(cfg.fit_cycles, int(fd.cycle.max()) + 1)
    fd = fd.select_cycles(range(n))
    # the fit starts 2-5x off in every fitted parameter, not from the card that made the
    # data; thresholds and LRS start from the extracted values (memli.fit.start)
    start = perturb(load_card("llzo_tip"), seed=1)
    kw = dict(card=start, max_nfev=cfg.fit_max_nfev,
              progress=lambda stage, done, total: progress(done, total, stage))
    try:
        res = fit(fd, per_cycle=cfg.fit_per_cycle, **kw)
    except MemliError as e:
        if cfg.fit_per_cycle and "per-cycle" in str(e):
            res = fit(fd, per_cycle=False, **kw)
        else:
            raise
    res.card.name = FIT_CARD_NAME
    paths = write_outputs(res, Path(out_dir) / "fit", force=True)
    card_path = Path(paths["card"])
    if card_path != fitted_card_path(out_dir):
        raise DemoError(f"fit wrote {card_path}; expected {fitted_card_path(out_dir)}")
    m = res.metrics
    nums = {"cycles fitted": n, "data points": res.n_points,
            "function evaluations": res.nfev, "fit time (s)": res.elapsed_s,
            "median |log10 I_meas - log10 I_fit| (decades)": m.get("median_abs_log10_error"),
            "V_set rmse (V)": m.get("v_set_rmse"), "V_reset rmse (V)": m.get("v_reset_rmse"),
            "reduced chi-square (decades^2)": res.redchi}
    for k, p in res.params.items():
        if p.vary:
            se = "?" if p.stderr is None else f"{p.stderr:.3g}"
            nums[f"{k} ({p.unit or '-'})"] = f"{p.value:.5g} +/- {se}"
    figs = [paths[k] for k in ("overlay_png", "per_cycle_png") if k in paths]
    text = (f"The li_filament model is fitted to the first {n} cycles by "
            "simulating the dataset's voltage waveform and minimising log-current residuals "
            "(memli.fit). The start is llzo_tip with every fitted parameter 2-5x off, its "
            "thresholds and LRS then taken from the extracted V_set, V_reset and R_LRS; "
            f"verdict: {res.verdict.get('quality')}. Uncertainties from the Jacobian. The fitted "
            f"card is fit/{card_path.name} (provenance 'fit', data hash, GENERATED flag); the "
            "full lmfit-style report is fit/report.md. "
            f"CLI: memli fit memli/data/bundled/{BUNDLED_TIP.name} --model li_filament "
            f"--max-cycles {cfg.fit_cycles} --out out/fit")
    return _section("fit", "3. Fit: the Li-filament model", text, nums, figs,
                    card=str(card_path))


def stage_export(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """4. Verilog-A + SPICE of the fitted card, verified in ngspice and VACASK."""
    from .codegen.spice import subckt_text
    from .codegen.verilog_a import module_text
    from .fsio import json_clean, write_text_atomic
    from .verify import verify
    progress = progress or _noop
    card = _fitted_card(out_dir)
    out = Path(out_dir) / "export"
    va, lib = out / f"memli_{card.model.name}.va", out / f"memli_{card.model.name}.lib"
    write_text_atomic(va, module_text(card))
    write_text_atomic(lib, subckt_text(card))
    progress(1, 2, "exported")
    rep = verify(card, plot=out / "verify_overlay.png")
    progress(2, 2, "verified")
    summ = rep.summary()
    write_text_atomic(out / "verify.json",
                      json.dumps(json_clean(summ), indent=2, default=str) + "\n")
    nums = {"Verilog-A": _rel(va, out_dir), "SPICE": _rel(lib, out_dir)}
    for sim in ("ngspice", "vacask"):
        mm = summ[sim]
        nums[f"{sim}: converged"] = mm.get("converged")
        nums[f"{sim}: max rel. error LRS"] = mm.get("max_rel_err_lrs")
        nums[f"{sim}: max |log10| error HRS (decades)"] = mm.get("max_abs_log10_err_hrs")
        nums[f"{sim}: dV_set (V)"] = mm.get("dv_set")
        nums[f"{sim}: dV_reset (V)"] = mm.get("dv_reset")
    nums["all within tolerance"] = bool(summ["passed"])
    if not summ["passed"]:
        raise DemoError(f"verify: the exported fitted card does not match memli's simulator "
                        f"within {rep.tolerances} (see {out / 'verify.json'}): "
                        + json.dumps({k: summ[k] for k in ('ngspice', 'vacask')}, default=str))
    text = ("The fitted card is printed as a Verilog-A module (compiled by OpenVAF, run in "
            "VACASK) and as an ngspice subcircuit, both generated from the model's sympy "
            "definition; the same triangular sweep runs in both simulators and in memli's "
            "own simulator, and the currents, SET and RESET voltages are compared "
            "(tolerances: LRS 1 %, HRS 0.02 decade, SET/RESET 10 mV). "
            f"CLI: memli export {fitted_card_path(out_dir)} --format verilog-a "
            f"--out out/memli_li_filament.va; memli verify {fitted_card_path(out_dir)} "
            "--plot out/verify.png")
    return _section("export", "4. Export to Verilog-A and SPICE, verified in ngspice and "
                    "VACASK", text, nums, [out / "verify_overlay.png"],
                    files=[str(va), str(lib)])


def stage_crossbar(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """5. Crossbar read error vs array size and wire resistance (study on Dask) + IR map."""
    from .circuits.plots import heatmap
    progress = progress or _noop
    card = _fitted_card(out_dir)
    out = Path(out_dir) / "crossbar"
    r_lrs, r_hrs = _read_levels(card)
    sigma = _lrs_spread(Path(out_dir) / "extract" / "cycles.csv", default=0.1)
    sizes = list(cfg.xbar_sizes)
    study = {"name": "demo_crossbar", "task": "crossbar_read_square",
             "seed": 2026, "samples": cfg.xbar_samples,
             "chunk_size": max(1, cfg.xbar_samples),
             "grid": {"rows": sizes, "r_wl_ohm": list(cfg.xbar_wires_ohm)},
             "fixed": {"r_lrs_ohm": r_lrs, "r_hrs_ohm": r_hrs, "sigma_log": sigma,
                       "v_read_v": 0.1, "r_source_ohm": 1.0, "r_sense_ohm": 1.0},
             "plot": [{"x": "rows", "y": "read_error_rel_rms", "by": "r_wl_ohm",
                       "kind": "line", "logx": True, "logy": True}]}
    summ, table = _run_study(study, out / "study", cfg, lambda done, total, info: progress(
        done, total + 1, f"{info.get('points_done', 0)} arrays"))
    agg = table.groupby(["rows", "r_wl_ohm"])["read_error_rel_rms"].mean()
    n = cfg.xbar_map_size
    rr = random_crossbar_read(card, n)
    fig_map = heatmap(rr.ir_drop_v * 1e3, out / "ir_drop_map.png",
                      f"{n}x{n} crossbar of {card.name} cells (model {card.model.name}), "
                      "1 ohm wires, all inputs 0.1 V", "IR drop per cell [mV]")
    progress(1, 1, "IR map")
    nums = {"R_LRS at 0.1 V of the fitted card (ohm)": r_lrs,
            "R_HRS at 0.1 V (ohm)": r_hrs, "device spread sd ln G (from extract)": sigma,
            "arrays simulated (study points)": summ["points"],
            "study workers": summ["workers"], "study time (s)": summ["elapsed_s"]}
    for (rows, w), e in agg.items():
        if rows in (min(sizes), max(sizes)):
            nums[f"rms read error {rows}x{rows}, {w:g} ohm wires"] = float(e)
    nums[f"max IR drop in the {n}x{n} map (mV)"] = float(rr.ir_drop_v.max() * 1e3)
    nums[f"read current lost, {n}x{n} map, 1 ohm wires"] = float(
        1 - rr.i_out_a.sum() / rr.i_ideal_a.sum())
    text = ("What if the fitted tip device were the cell of a crossbar? Its LRS of about "
            f"{r_lrs:.3g} ohm is low next to wire resistances, so the read current falls with "
            "array size through IR drop along the lines. A study (memli.studies, a grid of "
            "array size x wire resistance with Monte Carlo device variability taken from the "
            "dataset's cycle-to-cycle spread) runs on a local Dask cluster; the heat map "
            f"shows the IR drop of one {n}x{n} read whose cells are the fitted model itself "
            "(nonlinear, solved by Newton), programmed to LRS or HRS at random. Error = RMS "
            "over bit lines of "
            "(I - G_nom^T V) / RMS(G_nom^T V). "
            "CLI: memli study run studies/crossbar_size_wire.toml --out out/xbar; "
            "memli crossbar dc --conductance G.npy --vin V.npy --r-wl 1 --r-bl 1 --out I.npy")
    return _section("crossbar", "5. What-if: the fitted device in a crossbar", text, nums,
                    summ["plots"] + [fig_map], table=summ["table"])


def stage_tip_film(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """6. Tips of the fitted device on one LLZO film: fraction switching stably vs tip
    pitch and grain size (:mod:`memli.circuits.tipfilm`)."""
    from .circuits.plots import stable_fraction
    from .circuits.tipfilm import FILAMENT_DIAMETER_M, sweep
    progress = progress or _noop
    card_path = fitted_card_path(out_dir)
    _fitted_card(out_dir)
    out = Path(out_dir) / "tip_film"
    pitches, grains = list(cfg.tipfilm_pitches_m), list(cfg.tipfilm_grain_sizes_m)
    n = len(pitches) * len(grains)
    r = sweep(pitches, grains, progress=lambda f: progress(round(f * n), n, "pitch x grain"),
              card=str(card_path), n_side=cfg.tipfilm_side, seed=1)
    frac = np.asarray(r["fraction"])
    k = cfg.tipfilm_side ** 2
    fig = stable_fraction([p * 1e6 for p in pitches],
                          {f"grain size {gs * 1e6:g} um": frac[a]
                           for a, gs in enumerate(grains)},
                          out / "tips_stable_vs_pitch.png",
                          f"{k} tips of {FIT_CARD_NAME} on one LLZO film, common Li electrode",
                          "tip pitch [um]", mark=(FILAMENT_DIAMETER_M * 1e6,
                                                  "filament diameter"))
    nums = {"tips per array": k}
    for a, gs in enumerate(grains):
        for b, p in enumerate(pitches):
            nums[f"stable fraction, grain {gs * 1e6:g} um, pitch {p * 1e6:g} um"] = \
                float(frac[a, b])
    text = ("The paper's own architecture: many tips on one LLZO film over a common Li "
            "counter electrode. Each tip is the fitted device; its SET threshold follows "
            "from its distance to the nearest grain boundary of a generated polycrystal "
            "(about -0.12 V on a boundary, below -9 V inside a grain [lu_yang]); tips "
            "couple through the shared electrolyte (spreading and slab Green's-function "
            "conductances) and the common electrode. All tips are cycled with SET/RESET "
            "pulses; a tip counts as stable when its on/off stays >= 10 in every cycle and "
            "no other tip lies within one filament diameter "
            f"({FILAMENT_DIAMETER_M * 1e9:.0f} nm). Coarser grains leave "
            "fewer tips near a boundary; tips closer than a filament cannot be addressed "
            "separately. (memli.circuits.tipfilm) "
            f"CLI: memli crossbar tipfilm {card_path} --out out/tipfilm")
    return _section("tip_film", "6. What-if: many tips on one LLZO film", text, nums, [fig])


def stage_neuro(out_dir, progress=None, cfg: DemoConfig = FULL) -> dict:
    """7. In-situ Manhattan-rule training on a crossbar of the fitted device (letters)."""
    from .neuro.network import Crossbar, train
    from .neuro.plots import plot_training
    from .neuro.tasks import digits_task, letters_task
    progress = progress or _noop
    out = Path(out_dir) / "neuro"
    fitted = _fitted_card(out_dir)
    runs = [("letters", fitted)] + [("letters", c) for c in cfg.neuro_cards]
    if cfg.neuro_digits:
        runs.append(("digits", fitted))
    results = []
    for k, (task_name, card) in enumerate(runs):
        task = letters_task() if task_name == "letters" else digits_task(
            n_train=cfg.neuro_digits_train, seed=0)
        xb = Crossbar(card, task.n_in, task.n_out, variability=0.05, rng=1)
        epochs = cfg.neuro_epochs if task_name == "letters" else cfg.neuro_digits_epochs
        r = train(xb, task.x_train, task.y_train, task.x_test, task.y_test, epochs=epochs,
                  rng=1, batch_size=None if task_name == "letters" else 50)
        name = card if isinstance(card, str) else card.name
        results.append((task_name, name, r))
        progress(k + 1, len(runs), f"{task_name} on {name}")
    fig_path = plot_training(
        [{"card": f"{task_name}, {name}:", "train_history": r.train_accuracy,
          "test_history": r.test_accuracy} for task_name, name, r in results],
        out / "training_accuracy.png",
        title="in-situ training on a differential crossbar, 5 % device variability")
    figs = [str(fig_path)]
    nums = {}
    for task_name, name, r in results:
        nums[f"{task_name} on {name}: final train accuracy"] = r.final_train_accuracy
        nums[f"{task_name} on {name}: final test accuracy"] = r.final_test_accuracy
        nums[f"{task_name} on {name}: weight updates"] = r.weight_updates
    if cfg.neuro_study_cards:
        study = {"name": "demo_neuro_variability", "task": "neuro_train", "seed": 8,
                 "samples": cfg.neuro_study_samples, "chunk_size": cfg.neuro_study_samples,
                 "grid": {"card": list(cfg.neuro_study_cards),
                          "variability": list(cfg.neuro_study_variability)},
                 "fixed": {"task": "letters", "epochs": cfg.neuro_epochs},
                 "plot": [{"x": "variability", "y": "test_accuracy", "by": "card",
                           "kind": "line"}]}
        summ, table = _run_study(study, out / "variability_study", cfg,
                                 lambda done, total, info: progress(
                                     len(runs) + done, len(runs) + total,
                                     "variability study"))
        t = table.groupby(["card", "variability"])["test_accuracy"]
        for (c, v), acc in t.mean().items():
            nums[f"letters test accuracy, {c}, variability {v:g}"] = float(acc)
        figs += summ["plots"]
    text = ("A single-layer network with differential pairs of the fitted device is trained "
            "in situ with the Manhattan rule (every weight update is a programming pulse "
            "applied to the device model, [prezioso2015]): 3x3-pixel letters z, v, n "
            "(test: one flipped pixel)" + (", the scikit-learn 8x8 digits" if cfg.neuro_digits
                                           else "") +
            (f", and the same letters on {', '.join(cfg.neuro_cards)} for comparison"
             if cfg.neuro_cards else "") + "." +
            (" A study on Dask then repeats the letters task on the bundled "
             f"{' and '.join(cfg.neuro_study_cards)} cards for device-to-device variability "
             f"{', '.join(f'{v:g}' for v in cfg.neuro_study_variability)} "
             f"({cfg.neuro_study_samples} seeds each): the paper expects only the nanoscale "
             "electrode to switch stably enough for synapses." if cfg.neuro_study_cards
             else "") + " CLI: " + _neuro_cli(fitted_card_path(out_dir)))
    return _section("neuro", "7. Neuromorphic: in-situ training on the fitted device", text,
                    nums, figs)



def _neuro_cli(card_path) -> str:
    import importlib.util
    if importlib.util.find_spec("memli.commands.neuro") is not None:
        return f"memli neuro train --card {card_path} --task letters --json"
    return ("a study with task = \"neuro_train\" (memli study run STUDY.toml, "
            "see docs/studies.md)")


STAGES = {"device": stage_device, "extract": stage_extract, "fit": stage_fit,
          "export": stage_export, "crossbar": stage_crossbar, "tip_film": stage_tip_film,
          "neuro": stage_neuro}

INTRO = ("memli end-to-end demo. Every number and figure below comes from GENERATED data: "
         "the bundled dataset was simulated from the llzo_tip card with measurement effects, "
         "and every what-if is a simulation. The device is the Li | LLZO | tip filament "
         "memristor of Lu, Yang et al. [lu_yang].")


# ---------------------------------------------------------------------------------------
# What the steps share
def _noop(done, total, info=None):
    return None


def _section(key: str, title: str, text: str, numbers: dict, figures, **extra) -> dict:
    """A report section (:mod:`memli.report`) of GENERATED results."""
    return {"key": key, "title": title, "text": text, "numbers": numbers,
            "figures": [str(f) for f in figures], "generated": True, **extra}


def fitted_card_path(out_dir) -> Path:
    return Path(out_dir) / "fit" / f"{FIT_CARD_NAME}.json"


def _fitted_card(out_dir):
    from .cards import load_card
    p = fitted_card_path(out_dir)
    if not p.exists():
        raise DemoError(f"{p}: no fitted card; run the fit stage first "
                        f"(python -m memli.demo --out {out_dir} --only fit)")
    return load_card(p)


def _load_bundled():
    from .data.loaders import load
    if not BUNDLED_TIP.exists():
        raise DemoError(f"{BUNDLED_TIP}: bundled generated tip dataset missing; expected the "
                        "file made by `python -m memli.data.synth --card llzo_tip --cycles 200"
                        " ...` (see memli/data/synth.py)")
    return load(BUNDLED_TIP)


def _rel(p, out_dir) -> str:
    try:
        return str(Path(p).relative_to(out_dir))
    except ValueError:
        return str(p)


def _sd_log(r_ohm) -> float | None:
    """Standard deviation of ln R over the positive finite resistances (None if < 3)."""
    r = np.asarray(r_ohm, float)
    r = r[np.isfinite(r) & (r > 0)]
    return float(np.std(np.log(r))) if r.size > 2 else None


def _lrs_spread(cycles_csv: Path, default: float) -> float:
    """Cycle-to-cycle sd of ln R_LRS from the extract step's cycles.csv (``default``
    when the extract step has not run or found too few cycles)."""
    if not cycles_csv.exists():
        return default
    import pandas as pd
    sd = _sd_log(pd.read_csv(cycles_csv, comment="#")["r_lrs_ohm"])
    return default if sd is None else sd


def _read_levels(card, read_v: float = 0.1):
    """R_LRS, R_HRS (ohm) at ``read_v`` of a card after three cycles in the bundled
    dataset's sweep window."""
    from .sim import Waveform, simulate
    ms = simulate(card, Waveform.triangle(*DATA_WINDOW_V, 3)).metrics(read_v)[-1]
    if not ms["r_lrs_ohm"] or not ms["r_hrs_ohm"]:
        raise DemoError(f"card {card.name}: no LRS/HRS at {read_v} V in "
                        f"{DATA_WINDOW_V[0]:g}..{DATA_WINDOW_V[1]:+g} V sweeps")
    return float(ms["r_lrs_ohm"]), float(ms["r_hrs_ohm"])


def random_crossbar_read(card, n: int, seed: int = 7, read_v: float = 0.1,
                         wire_ohm: float = 1.0):
    """Read (:meth:`memli.circuits.crossbar.Crossbar.read`, all rows at ``read_v`` V) of
    an n x n crossbar whose cells are the card's model itself (nonlinear, solved by
    Newton with the generated Jacobians), each drawn from the card's variability and
    programmed at random to its LRS or HRS (the states after a SET and a RESET in the
    dataset's sweep window); every wire segment ``wire_ohm`` ohm."""
    from .circuits.crossbar import Crossbar
    from .circuits.network import Wires
    from .sim.retention import prepared_states
    rng = np.random.default_rng(seed)
    st = prepared_states(card, DATA_WINDOW_V, prep_cycles=2)
    lrs = rng.random((n, n)) < 0.5
    states = np.where(lrs[None], st["lrs"][:, None, None], st["hrs"][:, None, None])
    params = card.sample(n * n, rng).reshape(-1, n, n)
    w = wire_ohm
    xb = Crossbar(card.model, params, states=states, wires=Wires(w, w, w, w))
    return xb.read(np.full(n, read_v))


def _run_study(study: dict, folder: Path, cfg: DemoConfig, progress):
    """Run a study to completion (:func:`memli.studies.run_study`); its summary and
    table.  A study with failed rows fails the step."""
    from .studies import read_table, run_study
    summ = run_study(study, folder, scheduler=cfg.study_scheduler, workers=cfg.study_workers,
                     progress=progress, force=True)
    if summ["status"] != "complete" or summ["failed_points"]:
        raise DemoError(f"{study['name']} study: {summ['status']}, {summ['failed_points']} "
                        f"failed rows, failed chunks {summ['failed_chunks']} (see {folder})")
    return summ, read_table(folder)


def _stage_names(only) -> list:
    """The stages to run (all, or ``only`` in the given order); unknown names raise."""
    names = list(STAGES) if not only else list(only)
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise DemoError(f"--only {','.join(unknown)}: unknown stage(s); expected a "
                        f"comma-separated list of {', '.join(STAGES)}")
    return names


def _run_stage(name, out, cfg, quiet: bool):
    """One stage under the progress display of every long command (memli.progress);
    returns ``(section, seconds)``."""
    from .progress import progress_bar
    ts = time.perf_counter()
    with progress_bar(f"{name:<10}", quiet, transient=True) as cb:
        sec = STAGES[name](out, cb, cfg)
    return sec, time.perf_counter() - ts


def run_demo(out_dir, cfg: DemoConfig = FULL, only=None, show_progress: bool = True) -> dict:
    """Run the stages in order, write report.html/.md and summary.json; return the summary.

    Raises
    ------
    DemoError
        When a stage fails (after writing the report of the stages so far).
    """
    from .fsio import json_clean, write_text_atomic
    from .report import write_report
    out = Path(out_dir)
    names = _stage_names(only)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    sections, summary, failure = [], {"generated": True, "quick": cfg.quick, "stages": {}}, None
    for name in names:
        try:
            sec, dt = _run_stage(name, out, cfg, quiet=not show_progress)
        except Exception as e:  # noqa: BLE001  (reported, then the demo fails)
            msg = f"{type(e).__name__}: {e}"
            print(f"  {name}: FAILED {type(e).__name__}", file=sys.stderr)
            sections.append({"key": name, "title": name, "status": "failed", "error": msg,
                             "generated": True})
            summary["stages"][name] = {"status": "failed", "error": msg}
            failure = DemoError(f"demo stage '{name}' failed: {msg}")
            failure.__cause__ = e
            break
        print(f"  {name}: done {dt:.1f} s", file=sys.stderr)
        sec["status"] = "ok"
        sec.setdefault("numbers", {})["stage time (s)"] = dt
        sections.append(sec)
        summary["stages"][name] = {"status": "ok", "elapsed_s": dt,
                                   "numbers": sec["numbers"], "figures": sec["figures"]}
    summary["elapsed_s"] = time.perf_counter() - t0
    title = "memli demo: Li | LLZO | tip filament memristor, data to circuits" + (
        " (quick configuration)" if cfg.quick else "")
    summary["report"] = write_report(out, title, sections, intro=INTRO)
    write_text_atomic(out / "summary.json",
                      json.dumps(json_clean(summary), indent=2, default=str) + "\n")
    if failure is not None:
        raise failure
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m memli.demo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="out/demo", type=Path, help="output folder")
    ap.add_argument("--quick", action="store_true", help="reduced configuration (~1 min)")
    ap.add_argument("--only", default=None, help="comma-separated stages to run "
                    f"({','.join(STAGES)}); later stages need the fit stage's card")
    ap.add_argument("--workers", type=int, default=None, help="Dask workers of the crossbar "
                    "study (default one per core)")
    ap.add_argument("--quiet", action="store_true", help="no progress display")
    ap.add_argument("--force", action="store_true", help="write into an existing non-empty "
                    "--out (its files are overwritten)")
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    try:                                  # bad options: one line, exit 2, nothing written
        _stage_names(only)
        if args.workers is not None and args.workers < 1:
            raise DemoError(f"--workers {args.workers}: expected an integer >= 1")
        if args.out.exists() and not args.out.is_dir():
            raise DemoError(f"--out {args.out}: exists and is not a folder")
        if args.out.is_dir() and any(args.out.iterdir()) and not args.force:
            raise DemoError(f"--out {args.out}: exists and is not empty; pass --force to "
                            "overwrite its files, or choose another folder")
    except DemoError as e:
        print(f"memli demo: error: {e}", file=sys.stderr)
        return 2
    if args.workers:
        cfg = replace(cfg, study_workers=args.workers)
    print(f"memli demo -> {args.out}" + (" (quick)" if args.quick else ""), file=sys.stderr)
    try:
        summary = run_demo(args.out, cfg, only, show_progress=not args.quiet)
    except DemoError as e:
        print(f"memli demo: error: {e}", file=sys.stderr)
        print(f"partial report: {args.out}/report.html", file=sys.stderr)
        return 1
    print(f"done in {summary['elapsed_s']:.1f} s: {summary['report']['html']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
