"""`memli extract`: per-cycle switching metrics of measured I-V data, with plots."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer):
    from . import _dataopts as O

    @app.command("extract")
    def extract_cmd(
        data: List[str] = typer.Argument(..., help="data files, folders or globs (CSV/TSV/"
                                         "text, .xlsx/.xls, oscilloscope captures)"),
        out: Path = typer.Option(..., "--out", help="output folder (must not be an input's "
                                 "folder)"),
        read_voltage: float = O.READ_VOLTAGE,
        polarity: str = O.POLARITY,
        criterion: str = typer.Option("slope", "--criterion",
                                      help="V_set/V_reset criterion: slope (max dlog|I|/dV), "
                                      "jump (largest current ratio), threshold "
                                      "(--i-threshold), peak (RESET: largest |I| before the "
                                      "drop; SET: where |I| reaches its top)"),
        set_criterion: Optional[str] = typer.Option(None, "--set-criterion",
                                                    help="criterion of V_set (overrides "
                                                    "--criterion)"),
        reset_criterion: Optional[str] = typer.Option(None, "--reset-criterion",
                                                      help="criterion of V_reset (overrides "
                                                      "--criterion), e.g. peak"),
        i_threshold: Optional[float] = typer.Option(None, "--i-threshold",
                                                    help="current threshold, A"),
        min_ratio: float = typer.Option(3.0, "--min-ratio",
                                        help="smallest on/off counted as switching; cycles "
                                        "below it get no V_set/V_reset"),
        offset: str = O.OFFSET,
        area: Optional[List[str]] = O.AREA,
        sheet: Optional[List[str]] = O.SHEET,
        columns: Optional[str] = O.COLUMNS,
        units: Optional[str] = O.UNITS,
        sense_resistor: Optional[float] = O.SENSE_RESISTOR,
        channels: Optional[str] = O.CHANNELS,
        drop_bad_rows: bool = O.DROP_BAD_ROWS,
        decimal: Optional[str] = O.DECIMAL,
        sweep_rate: float = O.SWEEP_RATE,
        pair: bool = O.PAIR,
        no_plots: bool = typer.Option(False, "--no-plots", help="skip the PNG figures"),
        force: bool = O.FORCE,
        json_: bool = O.JSON,
    ):
        """Segment I-V data into cycles and write cycles.csv, summary.json and plots.

        Per cycle: v_set, v_reset (V), r_hrs_ohm, r_lrs_ohm at the read voltage and
        on_off (with --area also ra_hrs_ohm_m2, ra_lrs_ohm_m2, j_max_a_per_m2); the noise
        floor, compliance (per polarity) and the SET polarity are detected.  --json prints
        the same `cycles` keys as `memli simulate --json`, plus `polarity`,
        `polarity_evidence` and `warnings`.

        Examples:

          memli extract memli/data/bundled/llzo_tip_generated.csv --out out/tip --json

          memli extract tests/data/percycle_decimal_comma --out out/runs

          memli extract tests/data/wide_source_data.xlsx --columns v=0,i=1:6 --out out/wide

          memli extract tests/data/clarius_run.xlsx --sheet Run1 --reset-criterion peak --out out/clarius
        """
        import sys

        from ..cli import emit_json
        from ..data.analysis import analyse, write_outputs
        from ._dataopts import check_positive, check_read_voltage, load_data, parse_areas

        check_positive(read_voltage=read_voltage, min_ratio=min_ratio, i_threshold=i_threshold,
                       sweep_rate=sweep_rate)
        from ..errors import DataError
        if min_ratio < 1 or min_ratio > 1e12:
            raise DataError(f"--min-ratio {min_ratio:g}: expected 1 <= ratio <= 1e12")
        if read_voltage > 1e3 or sweep_rate > 1e12:
            raise DataError("--read-voltage must be below 1000 V and --sweep-rate below "
                            "1e12 V/s")
        if offset not in ("auto", "none"):
            raise DataError(f"--offset {offset}: expected auto or none")
        areas = parse_areas(area)
        from pathlib import Path as _P

        from ..outputs import guard
        names = ["cycles.csv", "summary.json"] + ([] if no_plots else
                                                  ["iv.png", "endurance.png", "cdf.png"])
        guard([out / n for n in names], [p for p in data if _P(p).is_file()], force,
              folder=out)                        # before reading, not after the analysis
        d = load_data(data, columns, units, sense_resistor, channels, drop_bad_rows, decimal,
                      polarity, pair, sheets=sheet)
        check_read_voltage(d, read_voltage)
        an = analyse(d, read_voltage_v=read_voltage, polarity=polarity, criterion=criterion,
                     i_threshold_a=i_threshold, min_ratio=min_ratio,
                     sweep_rate_v_per_s=sweep_rate, set_criterion=set_criterion,
                     reset_criterion=reset_criterion, offset=offset, area_m2=areas)
        paths = write_outputs(an, out, force=force, plots=not no_plots)
        summ = an.summary()
        summ["outputs"] = paths
        summ["inputs"] = d.meta["files"]
        if not json_:
            for w in an.warnings:
                typer.echo(f"memli: warning: {w}", err=True)
        if json_:
            emit_json(summ)
        else:
            st = summ["stats"]

            def med(k, fmt):
                return "n/a" if not st.get(k) else format(st[k]["median"], fmt)
            gen = " (GENERATED data)" if an.generated else ""
            typer.echo(f"{an.n_cycles} cycles{gen}; SET polarity {an.polarity} "
                       f"({an.polarity_evidence.get('decided_by')}); median V_set "
                       f"{med('v_set', '.3g')} V, V_reset {med('v_reset', '.3g')} V, HRS "
                       f"{med('r_hrs_ohm', '.3g')} ohm, LRS {med('r_lrs_ohm', '.3g')} ohm, "
                       f"on/off {med('on_off', '.3g')}; noise floor {an.noise_floor_a:.2g} A, "
                       f"compliance "
                       f"{'none' if not an.compliance_a else f'{an.compliance_a:.3g} A'}")
            typer.echo(f"wrote {paths['cycles_csv']}")
        sys.stdout.flush()
