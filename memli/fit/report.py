"""Outputs of a fit: the fitted card, a markdown report with figures, the JSON summary."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..fsio import json_clean
from ..cards import write_text_atomic
from ..errors import MemliError
from .core import FitResult


def output_paths(out, card_name: str | None = None) -> dict:
    """``out`` is a folder (card ``<folder>/card.json``) or a ``.json`` card path (report
    files beside it, prefixed by its stem)."""
    out = Path(out)
    if out.suffix.lower() == ".json":
        d, stem = out.parent, out.stem + "_"
        card = out
    else:
        d, stem = out, ""
        card = out / f"{card_name or 'card'}.json"
    return {"card": card, "report_md": d / f"{stem}report.md",
            "report_txt": d / f"{stem}report.txt", "overlay_png": d / f"{stem}overlay.png",
            "summary_json": d / f"{stem}fit.json", "per_cycle_png": d / f"{stem}per_cycle.png",
            "per_cycle_csv": d / f"{stem}per_cycle.csv",
            "simulated_csv": d / f"{stem}simulated.csv"}


def summary(res: FitResult, card_path) -> dict:
    """The ``memli fit --json`` summary: parameters (value, stderr, unit), metrics, card."""
    params = {k: {"value": p.value, "stderr": p.stderr, "unit": p.unit,
                  **({"note": p.why_no_stderr} if p.why_no_stderr else {}),
                  **({"stderr_bootstrap": p.stderr_bootstrap}
                     if p.stderr_bootstrap is not None else {})}
              for k, p in res.params.items() if p.vary}
    out = {"parameters": params, "metrics": dict(res.metrics), "card": str(card_path),
           "model": res.card.model.base_name, "generated": res.data.generated,
           "n_points": res.n_points, "reduced_chi_square": res.redchi,
           "elapsed_s": res.elapsed_s}
    v = res.verdict or {}
    out["quality"] = v.get("quality")
    out["quality_reasons"] = list(v.get("reasons", []))
    out["per_cycle_errors"] = [
        {k: r[k] for k in ("cycle", "rms_log10_error", "v_set_error", "v_reset_error")}
        for r in v.get("per_cycle", [])]
    out["polarity"] = res.data.polarity
    out["model_used"] = res.card.model.name
    out["compliance_by_polarity"] = {("positive" if s > 0 else "negative"): a
                                     for s, a in sorted(res.data.compliance_by_sign.items())}
    out["n_free"] = res.n_free
    out["aic"] = res.aic
    out["bic"] = res.bic
    out["start_from_data"] = res.start_info.get("from_data", {})
    out["initial_state"] = res.start_info.get("initial_state_fitted", {})
    if res.per_cycle:
        out["variability"] = res.per_cycle["variability"]
    return out


def write_outputs(res: FitResult, out, force: bool = False, plots: bool = True,
                  outputs=None, inputs=()) -> dict:
    """Write card, report (md + txt), overlay plot, per-cycle table; return the paths.

    The files appear together (:class:`memli.outputs.OutputSet` over the card's folder,
    or ``outputs``, an entered set whose folder holds this one); an input (the data,
    ``inputs`` such as the start card) is never replaced, with or without ``force``."""
    from ..outputs import OutputSet
    paths = output_paths(out, res.card.name)
    for f in res.data.files:
        if Path(f["path"]).resolve().parent == paths["card"].resolve().parent:
            raise MemliError(f"{paths['card'].parent}: is the folder of input {f['path']}; "
                             "choose another --out (inputs' folders are never written to)")
    own = outputs is None
    if own:
        ins = [f["path"] if isinstance(f, dict) else f for f in res.data.files] + list(inputs)
        outputs = OutputSet(paths["card"].parent, [p.name for p in paths.values()], force,
                            inputs=ins)
        outputs.__enter__()
    try:
        root = outputs.folder.resolve()
        staged = {k: outputs.path(p.resolve().relative_to(root).as_posix())
                  for k, p in paths.items()}
        _write_files(res, paths, staged, plots)
        written = {k: str(paths[k]) for k in paths if staged[k].exists()}
    except BaseException as e:
        if own:
            outputs.__exit__(type(e), e, e.__traceback__)
        raise
    if own:
        outputs.__exit__(None, None, None)
    return written


def _write_files(res, paths, staged, plots):
    """The files of :func:`write_outputs`, written at ``staged`` (names from ``paths``)."""
    res.card.save(staged["card"], force=True)
    txt = res.report()
    write_text_atomic(staged["report_txt"], txt + "\n")
    gen = " (GENERATED data)" if res.data.generated else ""
    figs = []
    write_text_atomic(staged["simulated_csv"], simulated_csv(res))
    if plots:
        from ..data.plots import plot_params_hist
        from .plots import plot_overlay
        plot_overlay(res, staged["overlay_png"])
        figs.append(paths["overlay_png"])
        if res.per_cycle and res.per_cycle["n_ok"]:
            pc = res.per_cycle
            plot_params_hist({k: pc["values"][:, j] for j, k in enumerate(pc["names"])},
                             staged["per_cycle_png"], f"per-cycle fits{gen}")
            figs.append(paths["per_cycle_png"])
    if res.per_cycle and res.per_cycle["n_ok"]:
        pc = res.per_cycle
        lines = ([f"# per-cycle fits of {res.card.model.name}: fitted to GENERATED data "
                  "(simulated), not a measurement"] if res.data.generated else [])
        lines.append("cycle," + ",".join(pc["names"]))
        for c, row in zip(pc["cycles"], pc["values"]):
            lines.append(f"{c}," + ",".join(f"{x:.6g}" for x in row))
        write_text_atomic(staged["per_cycle_csv"], "\n".join(lines) + "\n")
    md = [f"# Fit of model `{res.card.model.name}`{gen}", "",
          f"Card written: `{paths['card'].name}` (start card `{res.start_card.name}`).", ""]
    if res.data.generated:
        md += ["**The data are GENERATED (simulated with measurement effects), not measured.**",
               ""]
    m = res.metrics
    v = res.verdict or {}
    md += [f"**Quality: {v.get('quality', 'n/a')}**"
           + (": " + "; ".join(v.get("reasons", [])) if v.get("reasons") else ""), ""]
    if res.card.model.is_reversed:
        md += [f"The data SET at {res.data.polarity}; model `{res.card.model.base_name}` is "
               f"used with its terminals swapped (`{res.card.model.name}`).", ""]
    md += ["## Goodness of fit", "",
           "| metric | value |", "|---|---|",
           *[f"| {k} | {'n/a' if v is None else f'{v:.4g}'} |" for k, v in m.items()],
           f"| reduced chi-square (decades^2) | {res.redchi:.4g} |",
           f"| points / parameters | {res.n_points} / {len(res.names)} |", "",
           "## Parameters", "", "| name | value | stderr | % | unit | init | note |",
           "|---|---|---|---|---|---|---|"]
    for p in res.params.values():
        if not p.vary:
            continue
        se = "" if p.stderr is None else f"{p.stderr:.3g}"
        rel = "" if p.stderr is None or not p.value else f"{abs(p.stderr / p.value) * 100:.2f}"
        md.append(f"| {p.name} | {p.value:.6g} | {se} | {rel} | {p.unit} | {p.init:.6g} | "
                  f"{p.why_no_stderr or ''} |")
    if v.get("per_cycle"):
        md += ["", "## Per cycle", "", "| cycle | RMS log10 error (decades) | V_set data / fit (V) "
               "| V_reset data / fit (V) |", "|---|---|---|---|"]

        def f(x):
            return "-" if x is None else f"{x:.3g}"
        for r in v["per_cycle"]:
            md.append(f"| {r['cycle']} | {f(r['rms_log10_error'])} | {f(r['v_set_data'])} / "
                      f"{f(r['v_set_fit'])} | {f(r['v_reset_data'])} / {f(r['v_reset_fit'])} |")
    md += ["", "## lmfit-style report", "", "```", txt, "```", ""]
    for f in figs:
        md.append(f"![{f.stem}]({f.name})")
    write_text_atomic(staged["report_md"], "\n".join(md) + "\n")
    summ = summary(res, paths["card"])
    write_text_atomic(staged["summary_json"], json.dumps(_clean(summ), indent=2) + "\n")


_clean = json_clean

def simulated_csv(res: FitResult) -> str:
    """The measured record with the fitted simulation beside it: ``t_s, v_v, i_meas_a,
    i_fit_a, cycle`` (GENERATED header line when the data are generated)."""
    import io
    d = res.data
    buf = io.StringIO()
    gen = "GENERATED data (not a measurement); " if d.generated else ""
    buf.write(f"# {gen}fit of model {res.card.model.name} (card {res.card.name}); "
              f"SET polarity {d.polarity}\n")
    buf.write("t_s,v_v,i_meas_a,i_fit_a,cycle\n")
    for t, v, i, f, c in zip(d.t_s, d.v_v, d.i_a, res.i_fit_a, d.cycle):
        buf.write(f"{t:.9g},{v:.6g},{i:.6e},{f:.6e},{int(c)}\n")
    return buf.getvalue()
