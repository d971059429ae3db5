"""`memli verify`: memli vs ngspice vs VACASK on the same waveform, with tolerances."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def parse_waveform(spec: str):
    """``triangle:VMIN,VMAX,CYCLES[,RATE_V_PER_S[,DV_V]]``, ``sine:AMP_V,FREQ_HZ,CYCLES``
    or the path of a CSV file with t_s, v_v columns."""
    from ..errors import WaveformError
    from ..sim import Waveform
    kind, _, rest = spec.partition(":")
    if kind in ("triangle", "sine") and rest:
        try:
            vals = [float(x) for x in rest.split(",")]
        except ValueError:
            raise WaveformError(f"--waveform {spec!r}: numbers expected after '{kind}:'") \
                from None
        need = {"triangle": (3, 5), "sine": (3, 3)}[kind]
        if not need[0] <= len(vals) <= need[1]:
            raise WaveformError(f"--waveform {spec!r}: {kind} takes {need[0]}"
                                f"{'' if need[0] == need[1] else '-' + str(need[1])} numbers")
        if kind == "triangle":
            args = vals[:2] + [int(vals[2])] + vals[3:]
            return Waveform.triangle(*args)
        return Waveform.sine(vals[0], vals[1], int(vals[2]))
    p = Path(spec)
    if p.exists():
        return Waveform.from_csv(p)
    raise WaveformError(f"--waveform {spec!r}: expected triangle:VMIN,VMAX,CYCLES[,RATE,DV], "
                        "sine:AMP,FREQ,CYCLES or an existing CSV file")


def register(app: typer.Typer):
    @app.command("verify")
    def verify_cmd(
        card: str = typer.Argument(..., help="bundled card name (see `memli models`) or path"),
        waveform: Optional[str] = typer.Option(
            None, "--waveform", help="triangle:VMIN,VMAX,CYCLES[,RATE_V_PER_S,DV_V] (V, V/s), "
            "sine:AMP_V,FREQ_HZ,CYCLES or a CSV (t_s, v_v); default: the model's stimulus"),
        plot: Optional[Path] = typer.Option(None, "--out", help="overlay plot (PNG) path"),
        force: bool = typer.Option(False, "--force", help="overwrite an existing --out"),
        json_: bool = typer.Option(False, "--json", help="print the JSON summary"),
    ):
        """Simulate a card in memli, ngspice and VACASK and compare them.

        Runs .tran (at the waveform's point spacing and at 2x and 4x that maximum step,
        showing convergence), .op and .dc (current at the model's read bias with the
        states at their initial values).  Limits: LRS current 1 %, HRS current 0.02
        decade (above 1 pA), SET and RESET voltages 10 mV, .op/.dc current 1 %.  Exit code 1 when a simulator fails or a limit is exceeded.

        Examples:

          memli verify llzo_tip --json

          memli verify llzo_tip --waveform triangle:-0.2,1,3 --out out/verify_tip.png
        """
        from ..cards import load_card
        from ..cli import emit_json
        from ..simulators.verify import verify

        c = load_card(card)
        if plot is not None:
            from ..outputs import guard
            guard([plot], [c.path], force)
        wf = parse_waveform(waveform) if waveform else None
        rep = verify(c, wf, plot=plot)
        s = rep.summary()
        if json_:
            emit_json(s)
        else:
            for name in ("ngspice", "vacask"):
                m = s[name]
                def f(v, fmt):
                    return "-" if v is None else format(v, fmt)
                typer.echo(f"{name:8s} converged={m['converged']!s:5s} "
                           f"LRS rel err {f(m['max_rel_err_lrs'], '.2e')}  "
                           f"HRS log10 err {f(m['max_abs_log10_err_hrs'], '.2e')}  "
                           f"dV_set {f(m['dv_set'], '.1e')} V  "
                           f"dV_reset {f(m['dv_reset'], '.1e')} V")
                for row in s.get("tran_steps", {}).get(name, []):
                    typer.echo(f"         .tran max step {row['max_step_s']:.3g} s: LRS rel err "
                               f"{f(row['max_rel_err_lrs'], '.2e')}  HRS log10 err "
                               f"{f(row['max_abs_log10_err_hrs'], '.2e')}")
                for kind in ("op", "dc"):
                    r = s.get(kind, {}).get(name)
                    if r:
                        typer.echo(f"         .{kind} at {s[kind]['v_read_v']:g} V: I = "
                                   f"{f(r['i_a'], '.4e')} A (memli {s[kind]['i_memli_a']:.4e} A,"
                                   f" rel err {f(r['rel_err'], '.1e')})")
            typer.echo("passed" if s["passed"] else "FAILED (over tolerance)")
        if not s["passed"]:
            raise typer.Exit(1)
