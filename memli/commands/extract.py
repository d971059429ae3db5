"""`memli extract`: per-cycle switching metrics of measured I-V data, with plots."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer):
    @app.command("extract")
    def extract_cmd(
        data: List[str] = typer.Argument(..., help="data files, folders or globs (CSV/TSV/"
                                         "text, .xlsx/.xls, oscilloscope captures)"),
        out: Path = typer.Option(..., "--out", help="output folder (must not be an input's "
                                 "folder)"),
        read_voltage: float = typer.Option(0.1, "--read-voltage",
                                           help="read voltage magnitude for HRS/LRS, V"),
        polarity: str = typer.Option("negative_set", "--polarity",
                                     help="negative_set (paper's convention) or positive_set"),
        criterion: str = typer.Option("slope", "--criterion",
                                      help="V_set/V_reset criterion: slope (max dlog|I|/dV), "
                                      "jump (current ratio), threshold (--i-threshold)"),
        i_threshold: Optional[float] = typer.Option(None, "--i-threshold",
                                                    help="current threshold, A"),
        min_ratio: float = typer.Option(10.0, "--min-ratio",
                                        help="smallest current change counted as switching"),
        columns: Optional[str] = typer.Option(None, "--columns", help="column override, e.g. "
                                              "t=0,v=Bias,i=Imeas (names or 0-based indices)"),
        units: Optional[str] = typer.Option(None, "--units", help="unit override, e.g. i=mA,"
                                            "v=mV,t=ms"),
        sense_resistor: Optional[float] = typer.Option(
            None, "--sense-resistor", help="oscilloscope sense resistor, ohm"),
        channels: Optional[str] = typer.Option(None, "--channels", help="oscilloscope "
                                               "channels APPLIED,SENSE (default: first two)"),
        drop_bad_rows: bool = typer.Option(False, "--drop-bad-rows",
                                           help="skip non-numeric / empty rows"),
        decimal: Optional[str] = typer.Option(None, "--decimal",
                                              help="decimal separator of text files: . or ,"),
        sweep_rate: float = typer.Option(1.0, "--sweep-rate", help="sweep rate used when the "
                                         "data have no time column, V/s"),
        pair: bool = typer.Option(True, "--pair/--no-pair", help="pair SET-only and RESET-"
                                  "only sweeps (e.g. two files) into cycles"),
        no_plots: bool = typer.Option(False, "--no-plots", help="skip the PNG figures"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Segment I-V data into cycles and write cycles.csv, summary.json and plots.

        Per cycle: v_set, v_reset (V), r_hrs_ohm, r_lrs_ohm at the read voltage and
        on_off; the noise floor and compliance are detected.  --json prints the same
        `cycles` keys as `memli simulate --json`.

        Examples:

          memli extract memli/data/bundled/llzo_tip_generated.csv --out out/tip --json

          memli extract tests/data/percycle_decimal_comma --out out/runs
        """
        from ..cli import emit_json
        from ..data.analysis import analyse, write_outputs
        from ._dataopts import load_data

        d = load_data(data, columns, units, sense_resistor, channels, drop_bad_rows, decimal,
                      polarity, pair)
        from ._dataopts import check_positive
        check_positive(read_voltage=read_voltage, min_ratio=min_ratio, i_threshold=i_threshold)
        from ._dataopts import check_read_voltage
        check_read_voltage(d, read_voltage)
        an = analyse(d, read_voltage_v=read_voltage, polarity=polarity, criterion=criterion,
                     i_threshold_a=i_threshold, min_ratio=min_ratio,
                     sweep_rate_v_per_s=sweep_rate)
        paths = write_outputs(an, out, force=force, plots=not no_plots)
        summ = an.summary()
        summ["outputs"] = paths
        summ["inputs"] = d.meta["files"]
        if json_:
            emit_json(summ)
        else:
            st = summ["stats"]

            def med(k, fmt):
                return "n/a" if not st.get(k) else format(st[k]["median"], fmt)
            gen = " (GENERATED data)" if an.generated else ""
            typer.echo(f"{an.n_cycles} cycles{gen}; median V_set {med('v_set', '.3g')} V, "
                       f"V_reset {med('v_reset', '.3g')} V, HRS {med('r_hrs_ohm', '.3g')} ohm, "
                       f"LRS {med('r_lrs_ohm', '.3g')} ohm, on/off {med('on_off', '.3g')}; "
                       f"noise floor {an.noise_floor_a:.2g} A, compliance "
                       f"{'none' if not an.compliance_a else f'{an.compliance_a:.3g} A'}")
            typer.echo(f"wrote {paths['cycles_csv']}")
