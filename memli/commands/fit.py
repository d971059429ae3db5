"""`memli fit`: fit a memli model to I-V data; fitted card with uncertainties + report."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer):
    @app.command("fit")
    def fit_cmd(
        data: List[str] = typer.Argument(..., help="data files, folders or globs"),
        out: Path = typer.Option(..., "--out", help="output folder, or the card path "
                                 "(*.json; report files beside it)"),
        model: Optional[str] = typer.Option(None, "--model", help="model id (see `memli "
                                            "models`), e.g. li_filament"),
        card: Optional[str] = typer.Option(None, "--card", help="start card (bundled name "
                                           "or path); default the model's default card"),
        params: Optional[str] = typer.Option(None, "--params", help="parameters to fit, "
                                             "comma separated (default: the card's vary ones)"),
        per_cycle: Optional[str] = typer.Option(
            "auto", "--per-cycle", help="per-cycle fits for variability: auto (the start "
            "card's variability names), none, or comma-separated parameter names"),
        max_cycles: Optional[int] = typer.Option(None, "--max-cycles", help="fit only the "
                                                 "first N cycles"),
        r_series: Optional[float] = typer.Option(None, "--r-series", help="series "
                                                 "resistance of the setup, ohm (default 10 "
                                                 "with compliance, else 0)"),
        loss: str = typer.Option("linear", "--loss", help="least-squares loss: linear, "
                                 "soft_l1, huber, cauchy"),
        max_nfev: int = typer.Option(60, "--max-nfev", help="optimiser iteration limit"),
        max_points: int = typer.Option(200000, "--max-points", help="fit on at most about "
                                       "this many samples (turning points kept)"),
        bootstrap: int = typer.Option(0, "--bootstrap", help="N block-bootstrap refits "
                                      "(by cycle) for a second standard error"),
        read_voltage: float = typer.Option(0.1, "--read-voltage", help="read voltage, V"),
        polarity: str = typer.Option("negative_set", "--polarity",
                                     help="negative_set (paper's convention) or positive_set"),
        columns: Optional[str] = typer.Option(None, "--columns", help="column override, e.g. "
                                              "t=0,v=Bias,i=Imeas"),
        units: Optional[str] = typer.Option(None, "--units", help="unit override, e.g. i=mA"),
        sense_resistor: Optional[float] = typer.Option(
            None, "--sense-resistor", help="oscilloscope sense resistor, ohm"),
        channels: Optional[str] = typer.Option(None, "--channels",
                                               help="oscilloscope channels APPLIED,SENSE"),
        drop_bad_rows: bool = typer.Option(False, "--drop-bad-rows",
                                           help="skip non-numeric / empty rows"),
        decimal: Optional[str] = typer.Option(None, "--decimal", help=". or ,"),
        sweep_rate: float = typer.Option(1.0, "--sweep-rate", help="sweep rate when the data "
                                         "have no time column, V/s"),
        pair: bool = typer.Option(True, "--pair/--no-pair", help="pair SET-only and "
                                  "RESET-only sweeps into cycles"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Fit a model to I-V data by simulating the measured voltage waveform.

        Writes the fitted card (models/ format, provenance "fit" with data hash and
        stderr, per-cycle variability), report.md/.txt (lmfit-style: value +/- stderr,
        correlations, goodness of fit) and overlay plots.  --json prints
        {"parameters": {name: {value, stderr, unit}}, "metrics": {median_abs_log10_error,
        v_set_rmse, v_reset_rmse}, "card": PATH}.

        Examples:

          memli fit memli/data/bundled/llzo_tip_generated.csv --model li_filament --max-cycles 20 --out out/fit --json

          memli fit memli/data/bundled/llzo_w_probe_generated.csv --card llzo_w_probe --params k_set_per_s,k_reset_per_s --max-cycles 5 --per-cycle none --out out/fit_w
        """
        from ..cli import emit_json
        from ..errors import MemliError
        from ..fit import FitData, fit
        from ..fit.report import summary, write_outputs
        from ..errors import DataError
        from ..fit.report import output_paths
        from ._dataopts import check_positive, load_data

        check_positive(read_voltage=read_voltage, max_nfev=max_nfev, max_points=max_points,
                       sweep_rate=sweep_rate, max_cycles=max_cycles)
        if bootstrap < 0:
            raise DataError(f"--bootstrap {bootstrap}: expected 0 (off) or a number of refits")
        losses = ("linear", "soft_l1", "huber", "cauchy", "arctan")
        if loss not in losses:
            raise DataError(f"--loss {loss!r}: expected one of {list(losses)}")
        # outputs are checked before the (possibly long) fit
        planned = output_paths(out, "card")
        existing = [str(p) for k, p in planned.items() if p.exists()
                    and (k != "card" or out.suffix.lower() == ".json")]
        if existing and not force:
            raise MemliError(f"{existing[0]}: exists; pass --force to overwrite")
        d = load_data(data, columns, units, sense_resistor, channels, drop_bad_rows, decimal,
                      polarity, pair)
        from ._dataopts import check_read_voltage
        check_read_voltage(d, read_voltage)
        fd = FitData.from_ivdata(d, polarity, sweep_rate)
        if max_cycles:
            n = int(fd.cycle.max()) + 1
            fd = fd.select_cycles(range(min(max_cycles, n)))
        for f in d.meta.get("files", []):
            src = f["path"] if isinstance(f, dict) else f
            from ._dataopts import check_not_input_folder
            check_not_input_folder(out, [src])
        names = [p.strip() for p in params.split(",") if p.strip()] if params else None
        pc = per_cycle or "none"
        pc_arg = False if pc == "none" else (True if pc == "auto" else
                                             [p.strip() for p in pc.split(",") if p.strip()])
        from ..cards import load_card
        from ..models.base import get_model
        m_obj = load_card(card).model if card else (get_model(model) if model else None)
        if m_obj is not None:
            for nm in (names or []) + (pc_arg if isinstance(pc_arg, list) else []):
                if nm not in m_obj.params:
                    raise DataError(f"--params/--per-cycle {nm!r}: not a parameter of model "
                                    f"{m_obj.name!r}." + m_obj.suggest(nm))
        show = sys.stderr.isatty() and not quiet
        bar = None
        if show:
            from rich.progress import Progress
            bar = Progress(transient=True, console=None)
            bar.start()
            tasks = {}

            def progress(stage, done, total):
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)
        else:
            progress = None
        try:
            res = fit(fd, model=model, card=card, params=names, r_series_ohm=r_series,
                      loss=loss, max_nfev=max_nfev, per_cycle=pc_arg, progress=progress,
                      polarity=polarity, read_voltage_v=read_voltage, max_points=max_points,
                      bootstrap=bootstrap)
        except MemliError as e:
            if pc_arg is True and "per-cycle" in str(e):
                res = fit(fd, model=model, card=card, params=names, r_series_ohm=r_series,
                          loss=loss, max_nfev=max_nfev, per_cycle=False, progress=progress,
                          polarity=polarity, read_voltage_v=read_voltage,
                          max_points=max_points, bootstrap=bootstrap)
            else:
                raise
        finally:
            if bar is not None:
                bar.stop()
        paths = write_outputs(res, out, force=force)
        summ = summary(res, paths["card"])
        summ["outputs"] = paths
        if json_:
            emit_json(summ)
        else:
            typer.echo(res.report())
            typer.echo(f"wrote {paths['card']} and {paths['report_md']}")
