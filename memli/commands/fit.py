"""`memli fit`: fit a memli model to I-V data; fitted card with uncertainties + report."""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer):
    from . import _dataopts as O

    @app.command("fit")
    def fit_cmd(
        data: List[str] = typer.Argument(..., help="data files, folders or globs"),
        out: Path = typer.Option(..., "--out", help="output folder, or the card path "
                                 "(*.json; report files beside it)"),
        model: Optional[str] = typer.Option(None, "--model", help="model id (see `memli "
                                            "models`), e.g. li_filament, or 'all': fit every "
                                            "model and rank them"),
        card: Optional[str] = typer.Option(None, "--card", help="start card (bundled name "
                                           "or path); default the model's default card"),
        params: Optional[str] = typer.Option(None, "--param", help="parameters to fit, "
                                             "comma separated; init:<state> fits a state's "
                                             "value at the record's start (default: the "
                                             "card's vary ones, the model's role parameters "
                                             "and declared initial states)"),
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
        read_voltage: float = O.READ_VOLTAGE,
        polarity: str = O.POLARITY,
        start: str = typer.Option("data", "--start", help="start values: data (thresholds and "
                                  "resistances from the extracted V_set, V_reset, R_LRS, "
                                  "R_HRS, then a scan) or card (the card's values as they are)"),
        strict: bool = typer.Option(False, "--strict", help="exit 1 when the fit (with "
                                    "--model all: the best fit) is poor"),
        area: Optional[List[str]] = O.AREA,
        sheet: Optional[List[str]] = O.SHEET,
        offset: str = O.OFFSET,
        pulses: bool = typer.Option(False, "--pulses", help="DATA is a pulse-response table "
                                    "(pulse, amplitude, width, read conductance or current): "
                                    "fit by simulating the pulse protocol"),
        x0: Optional[str] = typer.Option(None, "--x0", help="initial states of the device, "
                                         "e.g. x=0.05 (default: the model's)"),
        columns: Optional[str] = O.COLUMNS,
        units: Optional[str] = O.UNITS,
        sense_resistor: Optional[float] = O.SENSE_RESISTOR,
        channels: Optional[str] = O.CHANNELS,
        drop_bad_rows: bool = O.DROP_BAD_ROWS,
        decimal: Optional[str] = O.DECIMAL,
        sweep_rate: float = O.SWEEP_RATE,
        pair: bool = O.PAIR,
        quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
        force: bool = O.FORCE,
        json_: bool = O.JSON,
    ):
        """Fit a model (or every model: --model all) to I-V data by simulating the measured
        voltage waveform.

        Start values come from the data: each model's threshold parameters start at the
        extracted median V_set / V_reset, its resistances at R_LRS / R_HRS, in the data's
        SET polarity (a model of the other convention is used with its terminals
        swapped).  Writes the fitted card (provenance "fit" with data hash and stderr),
        report.md/.txt, overlay.png (both branches, HRS included) and simulated.csv
        (measured and fitted current side by side).  Every fit gets a verdict, quality
        good | fair | poor with reasons (limits in docs/fitting.md); a poor fit prints one
        warning line on stderr and --strict makes it exit 1.  --json prints
        {"parameters": {name: {value, stderr, unit}}, "metrics": {median_abs_log10_error,
        v_set_rmse, v_reset_rmse}, "card": PATH, "quality", "quality_reasons", ...};
        with --model all {"ranking": [{model, median_abs_log10_error, v_set_rmse,
        v_reset_rmse, n_free, aic, bic, fit_s}, ...], "best": MODEL}, best first.

        Examples:

          memli fit memli/data/bundled/llzo_tip_generated.csv --model li_filament --max-cycles 20 --out out/fit --json

          memli fit memli/data/bundled/llzo_tip_generated.csv --model all --max-cycles 5 --out out/rank --json

          memli fit memli/data/bundled/llzo_w_probe_generated.csv --card llzo_w_probe --param k_set_per_s,k_reset_per_s --max-cycles 5 --per-cycle none --out out/fit_w

          memli fit memli/data/bundled/oxide_potdep_generated.csv --pulses --model yakopcic --param ap_per_s,an_per_s,a1_a --x0 x=0.05 --out out/pulses --json
        """
        run_fit(**locals())


def check_plausible(d, units) -> None:
    """DataError (one line) when the loaded record cannot be a memristor's I-V in SI units:
    currents of amperes or voltages of hundreds of volts (a unit read wrongly, or columns
    that are not voltage and current).  Explicit ``--units`` skip the check."""
    import numpy as np

    from ..errors import DataError
    if units:
        return
    _, v, i, _ = d.arrays()
    files = ", ".join(f["path"] if isinstance(f, dict) else str(f)
                      for f in d.meta.get("files", [])[:2]) or "data"
    imax = float(np.nanmax(np.abs(i))) if len(i) else 0.0
    vmax = float(np.nanmax(np.abs(v))) if len(v) else 0.0
    if imax >= 0.5:
        raise DataError(f"{files}: current column reaches {imax:.3g} A, implausible for a "
                        "memristor (expected below 0.5 A); if the column is in mA or uA pass "
                        "--units i=mA (or i=uA), else choose the current column with --columns")
    if vmax >= 100.0:
        raise DataError(f"{files}: voltage column reaches {vmax:.3g} V, implausible for a "
                        "memristor sweep (expected below 100 V); if it is in mV pass "
                        "--units v=mV, else choose the voltage column with --columns")


def _fit_data(d, polarity, sweep_rate, read_voltage, offset, areas):
    """FitData through the extraction's analysis (same polarity, offset, cycles, floor and
    compliance as ``memli extract``); (FitData, analysis or None)."""
    from ..data.analysis import analyse
    from ..fit import FitData
    try:
        an = analyse(d, read_voltage_v=read_voltage, polarity=polarity,
                     sweep_rate_v_per_s=sweep_rate, offset=offset, area_m2=areas)
    except TypeError:            # an analysis without these options
        an = None
    if an is None:
        return FitData.from_ivdata(d, polarity, sweep_rate), None
    return FitData.from_analysis(an, d, polarity != "auto"), an


def _areas_r_lrs(an):
    """(area in m^2, median R_LRS in ohm) per area, from the analysis' per-cycle rows."""
    import numpy as np
    if an is None:
        return []
    by = {}
    for r in an.cycles:
        ra, rl = r.get("ra_lrs_ohm_m2"), r.get("r_lrs_ohm")
        if ra and rl:
            by.setdefault(round(ra / rl, 30), []).append(rl)
    return [(a, float(np.median(v))) for a, v in by.items()]


def run_fit(data, out, model, card, params, per_cycle, max_cycles, r_series, loss, max_nfev,
            max_points, bootstrap, read_voltage, polarity, start, strict, area, sheet, offset,
            columns, units, sense_resistor, channels, drop_bad_rows, decimal, sweep_rate, pair,
            quiet, force, json_, pulses=False, x0=None):
    """The body of ``memli fit`` (options as in its --help)."""
    import typer

    from ..cli import emit_json
    from ..errors import DataError, MemliError
    from ..fit import fit
    from ..fit.report import summary, write_outputs
    from ._dataopts import (check_not_input_folder, check_positive, check_read_voltage,
                            load_data, parse_areas)

    check_positive(read_voltage=read_voltage, max_nfev=max_nfev, max_points=max_points,
                   sweep_rate=sweep_rate, max_cycles=max_cycles)
    if bootstrap < 0:
        raise DataError(f"--bootstrap {bootstrap}: expected 0 (off) or a number of refits")
    losses = ("linear", "soft_l1", "huber", "cauchy", "arctan")
    if loss not in losses:
        raise DataError(f"--loss {loss!r}: expected one of {list(losses)}")
    if start not in ("data", "card"):
        raise DataError(f"--start {start}: expected data or card")
    if polarity not in ("auto", "negative_set", "positive_set"):
        raise DataError(f"--polarity {polarity}: expected auto, negative_set or positive_set")
    every = model == "all"
    if every and card:
        raise DataError("--model all fits every model from its own card; drop --card")
    if every and params:
        raise DataError("--model all: --param names one model's parameters; drop it")
    card_in = [card] if card and Path(card).exists() else []
    # outputs are checked before the (possibly long) fit; an input is never an output
    from ..outputs import guard
    guard([out] if out.suffix.lower() == ".json" else [], [*data, *card_in], force,
          folder=None if out.suffix.lower() == ".json" else out)
    x0_map = _parse_x0(x0)
    if pulses:
        return _fit_pulses(data, out, model, card, params, x0_map, max_nfev, force, json_,
                           strict)
    areas = parse_areas(area)
    d = load_data(data, columns, units, sense_resistor, channels, drop_bad_rows, decimal,
                  polarity, pair, sheets=sheet)
    files = [f["path"] if isinstance(f, dict) else str(f) for f in d.meta.get("files", [])]
    check_plausible(d, units)
    check_read_voltage(d, read_voltage)
    for f in files:
        check_not_input_folder(out, [f])
    outs = _output_set(out, model, card, every, force, [*files, *card_in])
    fd, an = _fit_data(d, polarity, sweep_rate, read_voltage, offset, areas)
    if fd.n_cycles < 1 or fd.t_s.size < 10:
        raise DataError(f"{', '.join(files[:2]) or 'data'}: {fd.t_s.size} samples in "
                        f"{fd.n_cycles} cycles; a fit needs at least one sweep cycle (10 "
                        "samples or more)")
    if max_cycles and fd.n_cycles:
        fd = fd.select_cycles(range(min(max_cycles, fd.n_cycles)))
    names = [p.strip() for p in params.split(",") if p.strip()] if params else None
    pc = per_cycle or "none"
    pc_arg = False if pc == "none" else (True if pc == "auto" else
                                         [p.strip() for p in pc.split(",") if p.strip()])
    from ..cards import load_card
    from ..models.base import get_model
    m_obj = load_card(card).model if card else (get_model(model) if model and not every
                                                else None)
    if m_obj is not None:
        states = {st.name for st in m_obj.states}
        for nm in (names or []) + (pc_arg if isinstance(pc_arg, list) else []):
            if nm not in m_obj.params and not (nm in (names or []) and nm.startswith(
                    "init:") and nm[5:] in states):
                raise DataError(f"--param/--per-cycle {nm!r}: not a parameter of model "
                                f"{m_obj.name!r}." + m_obj.suggest(nm))
    from ..progress import progress_bar
    with progress_bar("fit", quiet, transient=True) as cb:
        progress = None if cb is None else (lambda stage, done, total:
                                             cb(done, total, stage))
        kw = dict(r_series_ohm=r_series, loss=loss, max_nfev=max_nfev, progress=progress,
                  polarity=fd.polarity, read_voltage_v=read_voltage, max_points=max_points,
                  bootstrap=bootstrap, start=start)
        if every:
            return _fit_all(fd, an, out, outs, kw, json_, strict, quiet)
        try:
            res = fit(fd, model=model, card=card, params=names, per_cycle=pc_arg, **kw)
        except MemliError as e:
            if pc_arg is True and "per-cycle" in str(e):
                res = fit(fd, model=model, card=card, params=names, per_cycle=False, **kw)
            else:
                raise
    with outs:
        paths = write_outputs(res, out, force=force, outputs=outs)
    summ = summary(res, paths["card"])
    summ["outputs"] = paths
    if json_:
        emit_json(summ)
    else:
        typer.echo(res.report())
        typer.echo(f"wrote {paths['card']}, {paths['report_md']} and {paths['simulated_csv']}")
    _warn_and_exit(res.verdict, res.card.model.base_name, strict)


def _warn_and_exit(verdict, model, strict):
    import typer
    if verdict.get("quality") == "poor":
        why = "; ".join(verdict.get("reasons", [])) or "see the report"
        typer.echo(f"memli: warning: the fit of {model} is poor ({why})", err=True)
        if strict:
            raise typer.Exit(1)


def _output_set(out, model, card, every, force, inputs):
    """The run's :class:`memli.outputs.OutputSet` (checked now, before the fit): the
    folder ``out`` (with ``--model all``: one subfolder per model and the ranking), or
    the folder of the card path ``out`` (*.json) with its report files."""
    from ..fit.core import _start_card
    from ..fit.report import output_paths
    from ..models.base import registry
    from ..outputs import OutputSet
    if every:
        names = ["ranking.json", "ranking.md", "ranking.png"]
        for m in registry():
            names += [f"{m}/{p.name}" for k, p in output_paths(out / m, "card").items()
                      if k != "card"]
        return OutputSet(out, names, force, inputs=inputs)
    cname = f"{_start_card(model, card).name}_fit"
    paths = output_paths(out, cname)
    return OutputSet(paths["card"].parent, [p.name for p in paths.values()], force,
                     inputs=inputs)


def _fit_all(fd, an, out, outs, kw, json_, strict, quiet):
    """``--model all``: every model fitted, ranked; outputs per model in OUT/<model>/."""
    import json

    import typer

    from ..cli import emit_json
    from ..fit.rank import device_type, fit_all, ranking
    from ..fit.report import write_outputs
    from ..fsio import json_clean, write_text_atomic
    results = fit_all(fd, **kw)
    rank = ranking(results)
    dev = device_type(results, rank, _areas_r_lrs(an))
    outputs = {}
    best = next((r["model"] for r in rank if r["quality"] != "failed"), None)
    summ = {"ranking": rank, "best": best, "polarity": fd.polarity,
            "generated": fd.generated, "device_type": dev, "outputs": outputs}
    with outs:
        for m, res in results.items():
            if not isinstance(res, Exception):
                outputs[m] = write_outputs(res, out / m, outputs=outs)
        try:
            from ..fit.plots import plot_ranking
            plot_ranking(results, rank, outs.path("ranking.png"), fd.generated)
            summ["outputs"]["ranking_png"] = str(out / "ranking.png")
        except Exception:     # noqa: BLE001 - a figure that fails does not lose the ranking
            pass
        write_text_atomic(outs.path("ranking.json"),
                          json.dumps(json_clean(summ), indent=2) + "\n")
        write_text_atomic(outs.path("ranking.md"), ranking_md(summ))
    if json_:
        emit_json(summ)
    else:
        typer.echo(ranking_md(summ))
    if dev.get("statement") and not json_ and not quiet:
        typer.echo(f"memli: note: {dev['statement']}", err=True)
    verdict = results[best].verdict if best else {"quality": "poor",
                                                    "reasons": ["every model failed"]}
    _warn_and_exit(verdict, best or "every model", strict)


def ranking_md(summ) -> str:
    """The ranking as a markdown report (table, device type, overlays side by side)."""
    def f(x, fmt=".4g"):
        return "-" if x is None else format(x, fmt)
    lines = ["# Model ranking" + (" (GENERATED data)" if summ.get("generated") else ""), "",
             f"SET polarity of the data: {summ['polarity']}. Best model: "
             f"**{summ['best']}**.", "",
             "| rank | model | quality | median abs log10 error | V_set RMSE (V) | "
             "V_reset RMSE (V) | free parameters | AIC | BIC | fit (s) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in enumerate(summ["ranking"]):
        lines.append(f"| {k + 1} | {r['model']} | {r['quality']} | "
                     f"{f(r['median_abs_log10_error'], '.3g')} | {f(r['v_set_rmse'], '.3g')} | "
                     f"{f(r['v_reset_rmse'], '.3g')} | {f(r['n_free'], 'd')} | {f(r['aic'])} | "
                     f"{f(r['bic'])} | {f(r['fit_s'], '.2f')} |")
    dev = summ.get("device_type", {})
    lines += ["", f"Device type: {dev.get('type', 'unknown')}"
              + (f": {dev['statement']}" if dev.get("statement") else ""), ""]
    lines += [f"- {e}" for e in dev.get("evidence", [])]
    if "ranking_png" in summ.get("outputs", {}):
        lines += ["", "![overlays, best first](ranking.png)"]
    return "\n".join(lines) + "\n"


def _parse_x0(text):
    from ..errors import DataError
    if not text:
        return None
    out = {}
    for part in text.split(","):
        if not part.strip():
            continue
        k, _, v = part.partition("=")
        try:
            out[k.strip()] = float(v)
        except ValueError:
            raise DataError(f"--x0 {part.strip()}: expected NAME=VALUE, e.g. x=0.05") from None
    return out


def _fit_pulses(data, out, model, card, params, x0, max_nfev, force, json_, strict):
    """``--pulses``: fit a pulse-response table; card, report, pulses.png, simulated.csv."""
    import json

    import typer

    from ..cli import emit_json
    from ..data.pulses import load_pulses
    from ..errors import DataError
    from ..fit.pulses import fit_pulses
    from ..fsio import json_clean, write_text_atomic
    from ._dataopts import check_not_input_folder
    if len(data) != 1:
        raise DataError(f"--pulses: give one pulse table, got {len(data)} arguments")
    check_not_input_folder(out, data)
    from ..outputs import OutputSet
    paths = {"card": out / "card.json", "report_txt": out / "report.txt",
             "pulses_png": out / "pulses.png", "simulated_csv": out / "simulated.csv",
             "summary_json": out / "fit.json"}
    card_in = [card] if card and Path(card).exists() else []
    outs = OutputSet(out, [p.name for p in paths.values()], force,
                     inputs=[*data, *card_in])
    tab = load_pulses(data[0])
    names = [p.strip() for p in params.split(",") if p.strip()] if params else None
    res = fit_pulses(tab, model=model, card=card, params=names, x0=x0, max_nfev=max_nfev)
    with outs:
        st = {k: outs.path(p.name) for k, p in paths.items()}
        res.card.save(st["card"], force=True)
        write_text_atomic(st["report_txt"], res.report() + "\n")
        gen = "# GENERATED data (not a measurement)\n" if tab.generated else ""
        write_text_atomic(st["simulated_csv"], gen + "pulse,amplitude_v,g_meas_siemens,"
                          "g_fit_siemens\n" + "".join(
                              f"{int(n)},{a:.6g},{g:.6e},{f:.6e}\n" for n, a, g, f in
                              zip(tab.pulse, tab.amplitude_v, tab.g_siemens, res.g_fit_siemens)))
        from ..fit.plots import plot_pulses
        plot_pulses(res, st["pulses_png"])
        summ = {"parameters": {k: {"value": p.value, "stderr": p.stderr, "unit": p.unit,
                                   **({"note": p.why_no_stderr} if p.why_no_stderr else {})}
                               for k, p in res.params.items() if p.vary},
                "metrics": res.metrics, "card": str(paths["card"]),
                "model": res.card.model.base_name, "model_used": res.card.model.name,
                "generated": tab.generated, "n_pulses": len(tab),
                "quality": res.verdict["quality"], "quality_reasons": res.verdict["reasons"],
                "elapsed_s": res.elapsed_s, "outputs": {k: str(p) for k, p in paths.items()}}
        write_text_atomic(st["summary_json"], json.dumps(json_clean(summ), indent=2) + "\n")
    if json_:
        emit_json(summ)
    else:
        typer.echo(res.report())
    _warn_and_exit(res.verdict, res.card.model.base_name, strict)
