"""`memli crossbar`: DC solves, reads with IR drop, writes and disturb of crossbar arrays."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

xbar_app = typer.Typer(no_args_is_help=True, help=(
    "Crossbar arrays of any memli device: IR drop, VMM error, write schemes, disturb.\n\n"
    "Convention: word line i driven at its column-0 end, bit line j sensed into a "
    "virtual ground at its row-(n-1) end.\n\n"
    "Example:  memli crossbar dc --conductance G.npy --vin V.npy --r-wl 1 --r-bl 1 "
    "--out I.npy --json"))


# -- options shared by the commands below (declared once) ------------------------------
CARD = typer.Argument(..., help="device card (bundled name or path)")
R_WL = typer.Option(1.0, "--r-wl", help="word-line segment resistance, ohm")
R_BL = typer.Option(1.0, "--r-bl", help="bit-line segment resistance, ohm")
R_SOURCE = typer.Option(0.0, "--r-source", help="word-line driver resistance, ohm")
R_SENSE = typer.Option(0.0, "--r-sense", help="bit-line sense resistance, ohm")
SEED = typer.Option(0, "--seed", help="seed of every random draw (devices, inputs, patterns)")
OUT_DIR = typer.Option(..., "--out", help="output folder")
FORCE = typer.Option(False, "--force", help="overwrite earlier outputs (never inputs)")
JSON = typer.Option(False, "--json", help="print the summary as JSON")


def _inputs(*refs):
    """Paths among the command's inputs (a card may be a bundled name, not a file)."""
    return [Path(r) for r in refs if r is not None and Path(str(r)).is_file()]


def _check_out(paths, force, inputs=()):
    """Single-file outputs: never an input, existing ones only with --force."""
    from ..outputs import guard
    guard(paths, inputs, force)


from ..outputs import publish_summary  # noqa: E402  (light: no numpy, no sympy)


def _output_set(out, files, force, inputs=()):
    """Folder outputs, staged and published together (memli.outputs.OutputSet)."""
    from ..outputs import OutputSet
    return OutputSet(out, [Path(f).name for f in files], force, inputs=inputs)


def _save_npy(path: Path, a):
    import os
    import tempfile

    import numpy as np
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".npy", dir=path.parent)
    os.close(fd)
    try:
        np.save(tmp, a)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _load_npy(path: Path, what: str):
    import numpy as np

    from ..errors import DataError
    if not Path(path).exists():
        raise DataError(f"{path}: no such file; expected a .npy array ({what})")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as e:  # noqa: BLE001
        raise DataError(f"{path}: cannot read as .npy ({e}); expected {what}") from None


def _parse_sizes(sizes: Optional[str]) -> list:
    """``--sizes 8,16,32`` as a list of whole numbers in [1, 4096]."""
    from ._parse import parse_list
    if not sizes:
        return []
    return parse_list(sizes, "--sizes", 1, 4096, "array sizes", integer=True, max_items=32)


def _parse_cells(items, n, m):
    from ..errors import DataError
    out = []
    for it in items or []:
        try:
            r, c = (int(x) for x in it.split(","))
        except ValueError:
            raise DataError(f"--cell {it!r}: expected ROW,COL (0-based integers)") from None
        if not (0 <= r < n and 0 <= c < m):
            raise DataError(f"--cell {it!r}: outside the {n} x {m} array")
        out.append((r, c))
    return out


def _states(xb, state: Optional[List[str]], seed: int, random_x: bool):
    import numpy as np

    from ._parse import parse_states
    for k, v in parse_states(state, xb.model).items():
        xb.states[xb.model.state_names.index(k)] = v
    if random_x:
        s = xb.model.states[0]
        rng = np.random.default_rng(seed + 1)
        xb.states[0] = rng.uniform(s.bounds[0], s.bounds[1], (xb.n, xb.m))


def register(app: typer.Typer):
    app.add_typer(xbar_app, name="crossbar")


@xbar_app.command("dc")
def dc_cmd(
    conductance: Path = typer.Option(..., "--conductance", help="G.npy: (n, m) cell "
                                     "conductances, S"),
    vin: Path = typer.Option(..., "--vin", help="V.npy: (n,) word-line input voltages, V"),
    r_wl: float = typer.Option(..., "--r-wl", help="word-line segment resistance, ohm"),
    r_bl: float = typer.Option(..., "--r-bl", help="bit-line segment resistance, ohm"),
    r_source: float = R_SOURCE,
    r_sense: float = R_SENSE,
    rtol: float = typer.Option(1e-13, "--rtol", help="relative residual tolerance of the "
                               "solver"),
    out: Path = typer.Option(..., "--out", help="I.npy: (m,) bit-line currents, A"),
    force: bool = FORCE,
    json_: bool = typer.Option(False, "--json", help="print {n, m, solve_s, i_out_a, ...}"),
):
    """Bit-line currents of a fixed-conductance crossbar with resistive lines.

    solve_s is the solve time without file I/O; the JSON also gives the solver's
    relative residual, iterations and method.  G.npy and V.npy hold real numbers
    (complex, text or object arrays are refused).

    Make example inputs (8 x 8, 10 kohm cells, 0.2 V on every word line):

      python -c "import numpy as n; n.save('G.npy', n.full((8, 8), 1e-4))"

      python -c "import numpy as n; n.save('V.npy', n.full(8, 0.2))"

    Example:  memli crossbar dc --conductance G.npy --vin V.npy --r-wl 1 --r-bl 1 --out I.npy --json
    """
    import math

    from ..circuits.crossbar import check_conductance, check_inputs, dc_linear
    from ..cli import emit_json
    from ..errors import DataError
    if not (math.isfinite(rtol) and rtol > 0):
        raise DataError(f"--rtol {rtol}: expected a finite number > 0 (e.g. 1e-13)")
    _check_out([out], force, _inputs(conductance, vin))
    g = check_conductance(_load_npy(conductance, "(n, m) conductances in S"),
                          f"{conductance}")
    v = _load_npy(vin, "(n,) voltages in V")
    if v.ndim != 1:
        raise DataError(f"{vin}: shape {v.shape}; expected ({g.shape[0]},) voltages in V")
    v = check_inputs(v, g.shape[0], str(vin))
    t0 = time.perf_counter()
    res = dc_linear(g, v, r_wl, r_bl, r_source, r_sense, rtol=rtol)
    dt = time.perf_counter() - t0
    _save_npy(out, res.i_out_a)
    summary = {"n": g.shape[0], "m": g.shape[1], "solve_s": dt, "i_out_a": res.i_out_a,
               "residual": res.info.residual, "iterations": res.info.iterations,
               "method": res.info.method, "kcl_residual_a": res.kcl_residual_a}
    if json_:
        emit_json(summary)
    else:
        typer.echo(f"{g.shape[0]} x {g.shape[1]}: solved in {dt:.4f} s "
                   f"({res.info.method}, residual {res.info.residual:.2e}) -> {out}")


@xbar_app.command("read")
def read_cmd(
    card: str = CARD,
    n: int = typer.Option(64, "--rows", help="word lines"),
    m: int = typer.Option(64, "--cols", help="bit lines"),
    r_wl: float = R_WL,
    r_bl: float = R_BL,
    r_source: float = R_SOURCE,
    r_sense: float = R_SENSE,
    vin_max: float = typer.Option(0.2, "--vin-max", help="inputs uniform in [0, VIN_MAX], V"),
    state: Optional[List[str]] = typer.Option(None, "--state", help="NAME=VALUE: set a "
                                              "state in every cell, e.g. x=1"),
    random_x: bool = typer.Option(False, "--random-x", help="first state uniform over its "
                                  "bounds per cell (a random weight pattern)"),
    sizes: Optional[str] = typer.Option(None, "--sizes", help="comma list of n = m for an "
                                        "error-vs-size sweep, e.g. 8,16,32,64"),
    seed: int = SEED,
    out: Path = OUT_DIR,
    force: bool = FORCE,
    json_: bool = JSON,
):
    """Vector-matrix multiply with IR drop: bit-line currents vs the ideal sum, error map.

    Writes i_out.npy, summary.json, ir_drop.png (heat map of the voltage lost by each
    cell) and, with --sizes, error_vs_size.png.

    Example:  memli crossbar read llzo_tip --rows 32 --cols 32 --random-x --out out/read --json
    """
    import numpy as np

    from ..circuits.crossbar import Crossbar
    from ..circuits.network import Wires
    from ..circuits.plots import error_vs_size, heatmap
    files = [out / "i_out.npy", out / "summary.json", out / "ir_drop.png"]
    size_list = _parse_sizes(sizes)
    if size_list:
        files.append(out / "error_vs_size.png")
    outs = _output_set(out, files, force, _inputs(card))
    wires = Wires(r_wl, r_bl, r_source, r_sense)

    def one(nn, mm):
        xb = Crossbar.from_card(card, nn, mm, wires=wires, rng=seed)
        _states(xb, state, seed, random_x)
        v = np.random.default_rng(seed + 2).uniform(0, vin_max, nn)
        return xb, xb.read(v)

    xb, rr = one(n, m)
    errs = []
    for s in size_list:
        errs.append(float(np.max(np.abs(one(s, s)[1].rel_error))))
    files = outs.begin(files)
    _save_npy(files[0], rr.i_out_a)
    heatmap(rr.ir_drop_v * 1e3, files[2], f"IR drop, {card} {n} x {m}, r_wl={r_wl:g} ohm, "
            f"r_bl={r_bl:g} ohm", "voltage lost by the cell [mV]", cmap="magma")
    if size_list:
        error_vs_size(size_list, errs, files[3], f"read error vs size, {card}")
    summary = {"n": n, "m": m, "card": xb.card.name, "model": xb.model.name,
               "solve_s": rr.solve_s, "i_out_a": rr.i_out_a, "i_ideal_a": rr.i_ideal_a,
               "max_rel_error": float(np.max(np.abs(rr.rel_error))),
               "max_ir_drop_v": float(np.max(rr.ir_drop_v)),
               "newton_iterations": rr.dc.newton_iterations,
               "residual": rr.dc.info.residual, "kcl_residual_a": rr.dc.kcl_residual_a,
               "sizes": size_list, "max_rel_error_vs_size": errs, "generated": True}
    from ..outputs import publish_summary
    publish_summary(outs, files[1], summary, json_)
    if not json_:
        typer.echo(f"{card} {n} x {m}: max relative output error "
                   f"{summary['max_rel_error']:.3g}, max IR drop "
                   f"{summary['max_ir_drop_v'] * 1e3:.3g} mV -> {out}")


@xbar_app.command("write")
def write_cmd(
    card: str = CARD,
    n: int = typer.Option(16, "--rows", help="word lines"),
    m: int = typer.Option(16, "--cols", help="bit lines"),
    cell: Optional[List[str]] = typer.Option(None, "--cell", help="ROW,COL to write "
                                             "(repeatable; cells are written in turn)"),
    v_write: float = typer.Option(..., "--v-write", help="write voltage (li_filament: "
                                  "negative = SET), V"),
    scheme: str = typer.Option("v/2", "--scheme", help="v/2 | v/3 | floating | ground"),
    width: float = typer.Option(1e-3, "--width", help="pulse width, s"),
    count: int = typer.Option(1, "--count", help="pulses per cell"),
    r_wl: float = R_WL,
    r_bl: float = R_BL,
    r_source: float = R_SOURCE,
    r_sense: float = R_SENSE,
    state: Optional[List[str]] = typer.Option(None, "--state", help="NAME=VALUE initial "
                                              "state of every cell"),
    initial_pattern: Optional[str] = typer.Option(
        None, "--initial-pattern", help="initial states: the card's LRS on these cells, "
        "its HRS elsewhere (states reached by cycling): hrs | lrs | diagonal | checkerboard"),
    read_voltage: Optional[float] = typer.Option(
        None, "--read-voltage", help="after the write, read every row at this voltage "
        "(others at 0 V) and report the bit-line currents, V"),
    variability_scale: float = typer.Option(1.0, "--variability-scale", help="multiplier "
                                            "of the card's variability (0: identical cells)"),
    seed: int = SEED,
    out: Path = OUT_DIR,
    force: bool = FORCE,
    json_: bool = JSON,
):
    """Write cells with a bias scheme and pulse train; report half-select disturb.

    Every cell's states evolve by its model's rates during the pulses. Writes
    summary.json, disturb.png (largest state change per cell), trace.png (state and
    current of the written cells) and states.npy (n_states, n, m).

    Example:  memli crossbar write llzo_tip --rows 8 --cols 8 --cell 3,4 --v-write -0.3 --out out/w

    Write-then-read case of docs/arrays.md (identical cells, LRS diagonal):

      memli crossbar write llzo_tip --rows 16 --cols 16 --cell 0,15 --v-write -0.3
      --scheme v/2 --initial-pattern diagonal --variability-scale 0 --read-voltage -0.05
      --out out/wr
    """
    import numpy as np

    from ..circuits.crossbar import Crossbar
    from ..circuits.network import Wires
    from ..circuits.plots import heatmap, write_traces
    from ..circuits.writes import (PATTERNS, pattern_states, program, pulse_train, read_rows,
                                   write_bias)
    from ..errors import DataError
    if initial_pattern is not None and initial_pattern not in PATTERNS:
        raise DataError(f"--initial-pattern {initial_pattern!r}; expected one of "
                        f"{list(PATTERNS)}")
    if read_voltage is not None and (not np.isfinite(read_voltage) or read_voltage == 0):
        raise DataError(f"--read-voltage {read_voltage!r}: expected a finite nonzero "
                        "voltage, V")
    files = [out / "summary.json", out / "disturb.png", out / "trace.png", out / "states.npy"]
    outs = _output_set(out, files, force, _inputs(card))
    xb = Crossbar.from_card(card, n, m, wires=Wires(r_wl, r_bl, r_source, r_sense), rng=seed,
                            variability_scale=variability_scale)
    if xb.model.n_states == 0:
        raise DataError(f"{card}: model {xb.model.name} has no states to write")
    if initial_pattern is not None:
        xb.states = pattern_states(xb.card, n, m, initial_pattern)
    _states(xb, state, seed, False)
    cells = _parse_cells(cell, n, m) or [(n // 2, m // 2)]
    before = xb.states.copy()
    biases, pulses = [], []
    for c in cells:
        wb = write_bias(xb, c, v_write, scheme)
        biases.append({"cell": list(c), "v_selected_v": wb.v_selected_v,
                       "v_half_max_v": wb.v_half_max_v,
                       "v_unselected_max_v": wb.v_unselected_max_v,
                       "i_selected_a": wb.i_selected_a, "i_driver_a": wb.i_total_a})
        pulses += pulse_train(n, m, c, v_write, width, count, scheme)
    t0 = time.perf_counter()
    res = program(xb, pulses, record=cells)
    reads = None if read_voltage is None else read_rows(xb, read_voltage)
    dt = time.perf_counter() - t0
    d = np.abs(xb.states - before).max(axis=0)
    sel = np.zeros((n, m), bool)
    for r, c in cells:
        sel[r, c] = True
    files = outs.begin(files)
    heatmap(d, files[1], f"largest state change, {scheme} write of {len(cells)} cell(s), "
            f"{v_write:g} V x {count} x {width:g} s", "max |dx| over states")
    write_traces(res.t_s, res.x_cells[:, 0, :], res.i_cells_a, [f"cell {c}" for c in cells],
                 xb.model.state_names[0], files[2], f"{card}: written cells")
    _save_npy(files[3], xb.states)
    summary = {"n": n, "m": m, "card": xb.card.name, "scheme": scheme, "v_write_v": v_write,
               "cells": [list(c) for c in cells], "bias": biases,
               "dx_selected": [float(xb.states[0, r, c] - before[0, r, c]) for r, c in cells],
               "dx_disturb_max": float(d[~sel].max(initial=0.0)),
               "cells_disturbed_gt_0p1": int(np.sum(d[~sel] > 0.1)),
               "steps": res.steps, "rejected_steps": res.rejected, "program_s": dt,
               "generated": True}
    if initial_pattern is not None:
        summary["initial_pattern"] = initial_pattern
    if reads is not None:
        summary["read_voltage_v"] = read_voltage
        summary["read_currents_a"] = reads.tolist()
    if variability_scale != 1.0:
        summary["variability_scale"] = variability_scale
    publish_summary(outs, files[0], summary, json_)
    if not json_:
        typer.echo(f"{scheme}: selected dx {summary['dx_selected']}, largest disturb "
                   f"{summary['dx_disturb_max']:.3g} ({summary['cells_disturbed_gt_0p1']} "
                   f"cells > 0.1) in {dt:.2f} s -> {out}")


@xbar_app.command("netlist")
def netlist_cmd(
    card: str = CARD,
    n: int = typer.Option(8, "--rows", help="word lines"),
    m: int = typer.Option(8, "--cols", help="bit lines"),
    r_wl: float = R_WL,
    r_bl: float = R_BL,
    r_source: float = R_SOURCE,
    r_sense: float = R_SENSE,
    vin: float = typer.Option(0.1, "--vin", help="input voltage on every word line, V"),
    seed: int = SEED,
    out: Path = typer.Option(..., "--out", help="SPICE deck to write (.cir)"),
    force: bool = FORCE,
):
    """The same crossbar as an ngspice deck (exported memli subcircuit per cell, .op).

    Example:  memli crossbar netlist llzo_tip --rows 4 --cols 4 --out xbar.cir
    """
    from ..cards import write_text_atomic
    from ..circuits.crossbar import Crossbar
    from ..circuits.netlist import crossbar_netlist
    from ..circuits.network import Wires
    _check_out([out], force, _inputs(card))
    xb = Crossbar.from_card(card, n, m, wires=Wires(r_wl, r_bl, r_source, r_sense), rng=seed)
    write_text_atomic(out, crossbar_netlist(xb, vin, cell="subckt"))
    typer.echo(f"{n} x {m} crossbar of {card} -> {out}")


@xbar_app.command("tipfilm")
def tipfilm_cmd(
    card: str = typer.Argument("llzo_tip", help="tip device card (bundled name or path)"),
    pitch: str = typer.Option("0.3e-6,1e-6,3e-6,10e-6", "--pitch", help="comma list of "
                              "tip pitches, m"),
    grain_size: str = typer.Option("2e-6,10e-6", "--grain-size", help="comma list of "
                                   "mean grain sizes, m"),
    n_side: int = typer.Option(6, "--n-side", help="tips per side (K = n_side^2)"),
    v_set: float = typer.Option(-0.3, "--v-set", help="SET pulse, V"),
    v_reset: float = typer.Option(1.0, "--v-reset", help="RESET pulse, V"),
    width: float = typer.Option(5e-3, "--width", help="pulse width, s"),
    cycles: int = typer.Option(3, "--cycles", help="SET/RESET cycles"),
    min_on_off: float = typer.Option(10.0, "--min-on-off", help="on/off needed every cycle"),
    r_lead: float = typer.Option(10.0, "--r-lead", help="tip lead resistance, ohm"),
    r_common: float = typer.Option(1.0, "--r-common", help="common Li electrode resistance, "
                                   "ohm"),
    seed: int = SEED,
    out: Path = OUT_DIR,
    force: bool = FORCE,
    json_: bool = JSON,
):
    """Tip-to-film array what-if: fraction of tips switching stably vs pitch and grain size.

    K tips on one LLZO film over a common Li electrode; each tip's SET threshold from its
    distance to the nearest grain boundary; cross-talk through the film and the common
    electrode. Writes summary.json, stable_fraction.png and tipfilm.cir (ngspice deck of
    the first array of the sweep, exported subcircuit per tip).

    Example:  memli crossbar tipfilm --pitch 1e-6,5e-6 --grain-size 2e-6 --out out/tips
    """
    from ..cards import write_text_atomic
    from ..circuits import tipfilm as tf
    from ..circuits.plots import stable_fraction
    from ..errors import DataError

    from ._parse import parse_list
    pitches = parse_list(pitch, "--pitch", 1e-9, 1e-2, "m", max_items=50)
    grains = parse_list(grain_size, "--grain-size", 1e-9, 1e-2, "m", max_items=50)
    if n_side < 1 or cycles < 1:
        raise DataError(f"--n-side {n_side}, --cycles {cycles}: expected >= 1")
    files = [out / "summary.json", out / "stable_fraction.png", out / "tipfilm.cir"]
    outs = _output_set(out, files, force, _inputs(card))
    t0 = time.perf_counter()
    res = tf.sweep(pitches, grains, card=card, n_side=n_side, seed=seed, v_set_v=v_set,
                   v_reset_v=v_reset, width_s=width, cycles=cycles, min_on_off=min_on_off,
                   r_lead_ohm=r_lead, r_common_ohm=r_common)
    dt = time.perf_counter() - t0
    files = outs.begin(files)
    stable_fraction([p * 1e6 for p in pitches],
                    {f"grain {g * 1e6:g} um": res["fraction"][k] for k, g in enumerate(grains)},
                    files[1], f"{card}: {n_side}x{n_side} tips, {cycles} cycles "
                    f"{v_set:g} V / {v_reset:g} V", "tip pitch [um]")
    arr = tf.tip_array(card, tf.grid_positions(n_side, pitches[0]), grain_size_m=grains[0],
                       seed=seed, r_lead_ohm=r_lead, r_common_ohm=r_common)
    write_text_atomic(files[2], tf.tip_array_netlist(arr, v_set))
    summary = {"card": card, "k": n_side * n_side, "pitch_m": pitches, "grain_size_m": grains,
               "fraction_stable": res["fraction"].tolist(),
               "fraction_switching": res["switching"].tolist(),
               "fraction_isolated": res["isolated"].tolist(), "cycles": cycles,
               "v_set_v": v_set, "v_reset_v": v_reset, "width_s": width,
               "min_on_off": min_on_off, "r_lead_ohm": r_lead, "r_common_ohm": r_common,
               "seed": seed, "run_s": dt, "generated": True}
    publish_summary(outs, files[0], summary, json_)
    if not json_:
        for k, g in enumerate(grains):
            typer.echo(f"grain {g * 1e6:g} um: stable fraction " + ", ".join(
                f"{p * 1e6:g} um -> {f:.2f}" for p, f in zip(pitches, res["fraction"][k])))
        typer.echo(f"-> {out}")


@xbar_app.command("transient")
def transient_cmd(
    card: str = CARD,
    n: int = typer.Option(16, "--rows", help="word lines"),
    m: int = typer.Option(16, "--cols", help="bit lines"),
    pattern: str = typer.Option("checkerboard", "--pattern", help="cells to write: "
                                "checkerboard | diagonal | random | a .npy boolean (n, m) mask"),
    v_write: float = typer.Option(..., "--v-write", help="write voltage (li_filament: "
                                  "negative = SET), V"),
    scheme: str = typer.Option("v/3", "--scheme", help="v/2 | v/3 | floating | ground"),
    width: float = typer.Option(1e-3, "--width", help="pulse width, s"),
    count: int = typer.Option(1, "--count", help="pulses per written cell"),
    r_wl: float = R_WL,
    r_bl: float = R_BL,
    threshold: float = typer.Option(0.5, "--threshold", help="first state above this = "
                                    "written"),
    seed: int = SEED,
    out: Path = OUT_DIR,
    force: bool = FORCE,
    json_: bool = JSON,
):
    """Program a pattern cell by cell and count missed and disturbed cells.

    Pulse trains with a bias scheme; every cell's states evolve by its model's rates.
    Writes summary.json, states.png (first state after programming), errors.png
    (cells that differ from the pattern) and states.npy.

    Example:  memli crossbar transient llzo_tip --rows 8 --cols 8 --v-write -0.3 --out out/prog
    """
    import numpy as np

    from ..circuits.crossbar import Crossbar
    from ..circuits.network import Wires
    from ..circuits.plots import heatmap
    from ..circuits.writes import program, pulse_train
    from ..errors import DataError
    files = [out / "summary.json", out / "states.png", out / "errors.png", out / "states.npy"]
    outs = _output_set(out, files, force, _inputs(card, pattern))
    if pattern == "checkerboard":
        mask = (np.add.outer(np.arange(n), np.arange(m)) % 2) == 0
    elif pattern == "diagonal":
        mask = np.eye(n, m, dtype=bool)
    elif pattern == "random":
        mask = np.random.default_rng(seed + 7).random((n, m)) < 0.5
    else:
        mask = _load_npy(Path(pattern), "(n, m) boolean mask").astype(bool)
        if mask.shape != (n, m):
            raise DataError(f"{pattern}: shape {mask.shape}; expected ({n}, {m}) booleans")
    xb = Crossbar.from_card(card, n, m, wires=Wires(r_wl, r_bl), rng=seed)
    if xb.model.n_states == 0:
        raise DataError(f"{card}: model {xb.model.name} has no states to program")
    pulses = []
    cells = [tuple(int(k) for k in c) for c in np.argwhere(mask)]
    for c in cells:
        pulses += pulse_train(n, m, c, v_write, width, count, scheme)
    if not pulses:
        raise DataError(f"--pattern {pattern}: no cell to write")
    t0 = time.perf_counter()
    res = program(xb, pulses)
    dt = time.perf_counter() - t0
    x = xb.states[0]
    written = x > threshold
    wrong = written != mask
    files = outs.begin(files)
    heatmap(x, files[1], f"{card}: {xb.model.state_names[0]} after programming "
            f"'{pattern}' ({scheme}, {v_write:g} V)", xb.model.state_names[0])
    heatmap(wrong.astype(float), files[2], f"cells differing from the pattern: "
            f"{int(wrong.sum())} of {n * m}", "1 = wrong", cmap="Reds")
    _save_npy(files[3], xb.states)
    summary = {"n": n, "m": m, "card": xb.card.name, "pattern": pattern, "scheme": scheme,
               "v_write_v": v_write, "cells_written": len(cells),
               "cells_wrong": int(wrong.sum()), "missed": int((mask & ~written).sum()),
               "disturbed": int((~mask & written).sum()), "pulses": len(pulses),
               "steps": res.steps, "program_s": dt, "generated": True}
    publish_summary(outs, files[0], summary, json_)
    if not json_:
        typer.echo(f"{pattern} ({len(cells)} cells, {scheme}): {summary['missed']} missed, "
                   f"{summary['disturbed']} disturbed, {dt:.2f} s -> {out}")
