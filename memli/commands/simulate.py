"""`memli simulate`: drive a card with sweeps or a PWL file; trace, summary and plot."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional, Tuple

import typer

from ..errors import WaveformError


def parse_assignments(items, where="--param") -> dict:
    """NAME=VALUE strings -> dict of floats (WaveformError naming the bad item)."""
    out = {}
    for it in items or []:
        if "=" not in it:
            raise WaveformError(f"{where} {it!r}: expected NAME=VALUE (SI units)")
        k, v = it.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise WaveformError(f"{where} {it!r}: value {v!r} is not a number") from None
    return out


def register(app: typer.Typer):
    @app.command("simulate")
    def simulate_cmd(
        card: str = typer.Argument(..., help="bundled card name (see `memli models`) or path"),
        sweep: Optional[Tuple[float, float]] = typer.Option(
            None, "--sweep", help="VMIN VMAX: triangular sweep turning voltages, V"),
        cycles: int = typer.Option(1, "--cycles", help="number of sweep cycles"),
        pwl: Optional[Path] = typer.Option(None, "--pwl", help="CSV with t_s, v_v columns "
                                           "(instead of --sweep)"),
        rate: float = typer.Option(1.0, "--rate", help="sweep rate, V/s"),
        dv: float = typer.Option(2e-3, "--dv", help="output voltage step of sweeps, V"),
        compliance: Optional[float] = typer.Option(None, "--compliance",
                                                   help="current compliance, A (paper: 1e-3)"),
        r_series: float = typer.Option(0.0, "--r-series", help="series resistance, ohm"),
        eps_r: float = typer.Option(0.0, "--eps-r", help="relative permittivity of the cell "
                                    "capacitance eps_r eps_0 area / thickness across the "
                                    "device (0: none; models without area_m2 or a thickness "
                                    "take --param cap_area_m2=..., cap_thickness_m=...)"),
        read_voltage: Optional[float] = typer.Option(
            None, "--read-voltage", help="read voltage, V: magnitude for HRS/LRS of sweeps "
            "(default 0.1); with --retention the read pulses' voltage (default: the model's "
            "read voltage, li_filament -0.05 V)"),
        retention: bool = typer.Option(False, "--retention", help="retention / read-disturb "
                                       "protocol instead of a sweep: prepare LRS and HRS, "
                                       "hold them at 0 V, read them with pulses"),
        hold_s: float = typer.Option(1e4, "--hold", help="--retention: time at 0 V, s"),
        read_pulses: int = typer.Option(1_000_000, "--read-pulses",
                                        help="--retention: number of read pulses"),
        pulse_width_s: float = typer.Option(1e-6, "--pulse-width",
                                            help="--retention: read pulse width, s"),
        param: Optional[List[str]] = typer.Option(None, "--param", help="NAME=VALUE override "
                                                  "(SI), repeatable, e.g. gb_distance_m=1e-6"),
        out: Path = typer.Option(..., "--out", help="output folder"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Simulate a device card and write trace.csv, summary.json and iv.png to --out.

        The summary lists per-cycle v_set, v_reset (V), r_hrs_ohm, r_lrs_ohm and on_off
        (null when the device did not switch).  With --eps-r the current includes the
        cell's displacement current C dV/dt, and the summary gives eps_r and c_cell_f (F).

        Examples:

          memli simulate llzo_tip --sweep -0.2 1 --cycles 200 --out out/tip --json

          memli simulate llzo_tip --sweep -10 0.25 --param gb_distance_m=1e-6 --out out/gi

          memli simulate vteam_default --sweep -1 1 --eps-r 25 --param cap_area_m2=1e-8 --out out/c

          memli simulate llzo_tip --retention --hold 1e4 --read-pulses 1000000 --out out/ret
        """
        from ..cards import load_card
        from ..plotting import plot_iv_cycles
        from ..sim import Waveform, simulate

        c = load_card(card)
        overrides = parse_assignments(param)
        cap_geom = {k: overrides.pop(k) for k in ("cap_area_m2", "cap_thickness_m")
                    if k in overrides and k not in c.model.params}
        if overrides:
            c = c.with_values(**overrides)
        if retention:
            if eps_r or cap_geom:
                raise WaveformError("--eps-r and cap_* apply to --sweep and --pwl runs, not "
                                    "to --retention")
            return _retention(c, overrides, read_voltage, hold_s, read_pulses, pulse_width_s,
                              out, force, json_)
        if read_voltage is None:
            read_voltage = 0.1
        if (sweep is None) == (pwl is None):
            raise WaveformError("give exactly one of --sweep VMIN VMAX or --pwl FILE")
        if sweep is not None:
            if len(sweep) != 2:
                raise WaveformError("--sweep takes two values: VMIN VMAX (V)")
            wf = Waveform.triangle(sweep[0], sweep[1], cycles, rate_v_per_s=rate, dv_v=dv)
            if not (abs(read_voltage) < min(-sweep[0], sweep[1])):
                raise WaveformError(f"--read-voltage {read_voltage:g} V must lie inside the "
                                    f"sweep window ({sweep[0]:g}, {sweep[1]:g}) V")
        else:
            wf = Waveform.from_csv(pwl)
        if compliance is not None and not compliance > 0:
            raise WaveformError(f"--compliance must be > 0 A, got {compliance:g}")
        files = [out / "trace.csv", out / "summary.json", out / "iv.png"]
        from ..outputs import OutputSet
        outs = OutputSet(out, [f.name for f in files], force,
                         inputs=[p for p in (c.path, pwl) if p is not None])
        t0 = time.perf_counter()
        res = simulate(c, wf, compliance_a=compliance, r_series_ohm=r_series, eps_r=eps_r,
                       **cap_geom)
        elapsed = time.perf_counter() - t0
        metrics = res.metrics(read_voltage) if wf.n_cycles else []
        summary = {"card": c.name, "model": c.model.name, "generated": True,
                   "waveform": {"kind": wf.kind, **wf.info}, "read_voltage_v": read_voltage,
                   "compliance_a": compliance, "r_series_ohm": r_series,
                   "overrides": overrides, "cycles": metrics, "solver": res.stats,
                   "simulate_s": elapsed}
        if res.c_cell_f:
            summary.update({"eps_r": eps_r, "c_cell_f": res.c_cell_f, **cap_geom})
        files = outs.begin(files)
        res.to_csv(files[0])
        plot_iv_cycles(res.v_source, res.i, res.cycle, files[2],
                       title=f"memli simulate {c.name} ({c.model.name})")
        from ..outputs import publish_summary
        publish_summary(outs, files[1], summary, json_)
        if not json_:
            ok = [m for m in metrics if m["on_off"]]
            typer.echo(f"{c.name}: {len(metrics)} cycles in {elapsed:.3f} s -> {out}")
            if ok:
                last = ok[-1]
                typer.echo(f"  last cycle: V_set {last['v_set']}, V_reset {last['v_reset']}, "
                           f"R_LRS {last['r_lrs_ohm']:.4g} ohm, R_HRS {last['r_hrs_ohm']:.4g} "
                           f"ohm, on/off {last['on_off']:.3g}")


def _retention(c, overrides, read_voltage, hold_s, read_pulses, pulse_width_s, out, force,
               json_):
    """`memli simulate --retention`: memli.sim.retention, summary.json in --out."""
    import math

    from ..outputs import OutputSet
    from ..sim.retention import retention

    if not (math.isfinite(hold_s) and hold_s > 0):
        raise WaveformError(f"--hold must be a finite time > 0 s, got {hold_s:g}")
    if read_pulses < 1:
        raise WaveformError(f"--read-pulses must be >= 1, got {read_pulses}")
    if not (math.isfinite(pulse_width_s) and pulse_width_s > 0):
        raise WaveformError(f"--pulse-width must be a finite width > 0 s, got "
                            f"{pulse_width_s:g}")
    if read_voltage is not None and not (math.isfinite(read_voltage) and read_voltage != 0):
        raise WaveformError(f"--read-voltage must be finite and nonzero, got {read_voltage:g}")
    outs = OutputSet(out, ["summary.json"], force,
                     inputs=[p for p in (c.path,) if p is not None])
    t0 = time.perf_counter()
    res = retention(c, hold_s=hold_s, read_pulses=read_pulses, width_s=pulse_width_s,
                    read_voltage_v=read_voltage)
    summary = {"card": c.name, "model": c.model.name, "generated": True,
               "protocol": "retention", "overrides": overrides, **res.as_dict(),
               "max_rel_change": res.worst_change(),
               "simulate_s": time.perf_counter() - t0}
    files = outs.begin([out / "summary.json"])
    from ..outputs import publish_summary
    publish_summary(outs, files[0], summary, json_)
    if not json_:
        typer.echo(f"{c.name}: read at {res.read_voltage_v:g} V -> {out}")
        for name, row in res.rows.items():
            typer.echo(f"  {name.upper()} {row['r_ohm']:.4g} ohm: {hold_s:g} s at 0 V changes "
                       f"it by {100 * row['hold']['rel_change']:.3g} %, {res.read_pulses} "
                       f"reads of {pulse_width_s:g} s by {100 * row['read']['rel_change']:.3g} %")
