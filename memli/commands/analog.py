"""`memli analog`: trained networks on crossbar tiles of memli devices."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import DataError

_HELP = ("Trained networks on crossbar tiles of a card's devices: conductance range and "
         "levels from programming the device model, exact tile solves, and each "
         "non-ideality (wires, levels, variability, c2c, faults, drift, read noise, DAC, "
         "ADC) switchable and reported alone.\n\n"
         "Example:  memli analog digits --card llzo_tip --tile 64 --json")


def _opts():
    """Typer options shared by ``infer`` and ``digits`` (non-idealities)."""
    return dict(
        tile=typer.Option(128, "--tile", help="tile size, cells per side"),
        scheme=typer.Option("differential", "--scheme",
                            help="differential (column pairs) or reference (one column + a "
                                 "reference column per tile)"),
        read_v=typer.Option(0.1, "--read-voltage", help="word-line voltage of a full-scale input, V"),
        r_wire_ohm=typer.Option(1.0, "--r-wire", help="word/bit-line segment resistance, ohm"),
        r_driver_ohm=typer.Option(0.0, "--r-driver", help="word-line driver resistance, ohm"),
        r_sense_ohm=typer.Option(0.0, "--r-sense", help="bit-line sense resistance, ohm"),
        levels=typer.Option(True, "--levels/--no-levels",
                            help="snap conductances to the device's programmable levels"),
        variability=typer.Option(0.0, "--variability",
                                 help="device-to-device spread (relative sd; card block + "
                                      "rates/thresholds)"),
        c2c=typer.Option(0.0, "--c2c", help="cycle-to-cycle spread per programming pulse"),
        stuck_on=typer.Option(0.0, "--stuck-on", help="stuck-at-on fault rate (0-1)"),
        stuck_off=typer.Option(0.0, "--stuck-off", help="stuck-at-off fault rate (0-1)"),
        drift_s=typer.Option(0.0, "--drift-time", help="time from programming to read, s (model "
                                                    "held at 0 V)"),
        read_noise=typer.Option(0.0, "--read-noise", help="relative sd of each cell current per "
                                                          "read"),
        dac_bits=typer.Option(8, "--dac-bits", help="DAC resolution, bits"),
        adc_bits=typer.Option(8, "--adc-bits", help="ADC resolution, bits"),
        adc_range=typer.Option(1.0, "--adc-range",
                               help="ADC full scale as a fraction of the largest ideal tile "
                                    "current on the batch (< 1 clips)"),
        ideal=typer.Option(False, "--ideal", help="every non-ideality off (zero wires, "
                                                  "continuous levels, 16-bit converters)"),
        breakdown=typer.Option(True, "--breakdown/--no-breakdown",
                               help="also run each active non-ideality alone"),
        seed=typer.Option(0, "--seed", help="random seed (faults, spreads, noise)"),
    )


def _config(a: dict):
    from ..analog.infer import AnalogConfig
    # ranges and finiteness: memli/commands/_bounds.py
    cfg = AnalogConfig(tile=a["tile"], scheme=a["scheme"], read_v=a["read_v"],
                       r_wire_ohm=a["r_wire_ohm"], r_driver_ohm=a["r_driver_ohm"],
                       r_sense_ohm=a["r_sense_ohm"], levels=a["levels"],
                       variability=a["variability"], c2c=a["c2c"], stuck_on=a["stuck_on"],
                       stuck_off=a["stuck_off"], drift_s=a["drift_s"],
                       read_noise=a["read_noise"], dac_bits=a["dac_bits"],
                       adc_bits=a["adc_bits"], adc_range=a["adc_range"], seed=a["seed"])
    try:
        cfg.check()
    except DataError as e:
        raise DataError(str(e).replace("analog settings: ", "options: ")) from None
    return cfg.ideal() if a["ideal"] else cfg


def _check_out(out: Optional[Path], force: bool, inputs=()) -> None:
    """Before any work: --out is not an input, and exists only with --force."""
    if out is not None:
        from ..outputs import guard
        guard([out], [p for p in inputs if p is not None], force)


def _finish(res, out: Optional[Path], force: bool, json_: bool, inputs=()):
    from ..cli import emit_json
    from ..fsio import json_clean, write_text_atomic
    summary = res.summary()
    if out is not None:
        _check_out(out, force, inputs)
        write_text_atomic(Path(out), json.dumps(json_clean(summary), indent=2, sort_keys=True)
                          + "\n")
    if json_:
        emit_json(summary)
    else:
        typer.echo(f"accuracy: float {100 * res.accuracy_float:.1f} %, analog "
                   f"{100 * res.accuracy_analog:.1f} % on {res.inputs} inputs, {res.tiles} "
                   f"tile(s); solves {res.solve_s:.3g} s ({res.per_input_s:.3g} s per input)")
        for k, v in res.breakdown.items():
            typer.echo(f"  {k} alone: {100 * v:.1f} %")


def _load_array(path: Path, opt: str):
    import numpy as np
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{opt} {p}: no such file")
    try:
        a = np.load(p, allow_pickle=False)
    except Exception as e:  # noqa: BLE001
        raise DataError(f"{opt} {p}: not a numpy .npy array ({e})") from None
    if a.dtype.kind not in "iuf":
        raise DataError(f"{opt} {p}: dtype {a.dtype}; expected real numbers")
    return a


def register(app: typer.Typer):
    an = typer.Typer(no_args_is_help=True, help=_HELP)
    app.add_typer(an, name="analog")
    o = _opts()

    @an.command("infer")
    def infer_cmd(
        weights: Path = typer.Option(..., "--weights", help="W.npz (W0, b0, W1, b1, ...) or "
                                     "model.pkl (fitted scikit-learn MLPClassifier)"),
        inputs: Path = typer.Option(..., "--inputs", help="X.npy (k, n_in) inputs"),
        labels: Optional[Path] = typer.Option(None, "--labels", help="y.npy (k,) integer "
                                              "labels; without them the float network's "
                                              "predictions are the reference"),
        card: str = typer.Option("llzo_tip", "--card", help="card name or path"),
        tile: int = o["tile"], scheme: str = o["scheme"], read_v: float = o["read_v"],
        r_wire_ohm: float = o["r_wire_ohm"], r_driver_ohm: float = o["r_driver_ohm"],
        r_sense_ohm: float = o["r_sense_ohm"], levels: bool = o["levels"],
        variability: float = o["variability"], c2c: float = o["c2c"],
        stuck_on: float = o["stuck_on"], stuck_off: float = o["stuck_off"],
        drift_s: float = o["drift_s"], read_noise: float = o["read_noise"],
        dac_bits: int = o["dac_bits"], adc_bits: int = o["adc_bits"],
        adc_range: float = o["adc_range"], ideal: bool = o["ideal"],
        breakdown: bool = o["breakdown"], seed: int = o["seed"],
        out: Optional[Path] = typer.Option(None, "--out", help="write the summary JSON here"),
        force: bool = typer.Option(False, "--force", help="overwrite --out"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Accuracy of a trained network read out on tiles of a card's devices.

        Prints accuracy_float, accuracy_analog, breakdown (each active non-ideality
        alone), tiles, inputs, solve_s and per_input_s.

        Example:

          python -c "import numpy as np; r=np.random.default_rng(0); np.savez('W.npz', W0=r.normal(size=(16,4)), b0=np.zeros(4)); np.save('X.npy', r.random((50,16)))"
          memli analog infer --weights W.npz --inputs X.npy --card llzo_tip --tile 16 --json
        """
        import numpy as np
        from ..analog.infer import run_analog
        from ..analog.mapping import forward, load_layers
        cfg = _config(dict(locals()))
        _check_out(out, force, (weights, inputs, labels, card))
        layers = load_layers(weights)
        x = _load_array(inputs, "--inputs")
        if x.ndim != 2 or x.shape[1] != layers[0].w.shape[0]:
            raise DataError(f"--inputs {inputs}: shape {x.shape}; expected (k, "
                            f"{layers[0].w.shape[0]}) for these weights")
        if not np.all(np.isfinite(x)):
            raise DataError(f"--inputs {inputs}: contains NaN or inf")
        if labels is not None:
            y = _load_array(labels, "--labels").ravel()
            if y.shape != (x.shape[0],):
                raise DataError(f"--labels {labels}: {y.size} labels; expected {x.shape[0]}")
        else:
            y = np.argmax(forward(layers, x), axis=1)
        res = run_analog(layers, x, y, card, cfg, breakdown=breakdown)
        _finish(res, out, force, json_, (weights, inputs, labels, card))

    @an.command("digits")
    def digits_cmd(
        card: str = typer.Option("llzo_tip", "--card", help="card name or path"),
        hidden: int = typer.Option(32, "--hidden", help="hidden units of the MLP"),
        tile: int = o["tile"], scheme: str = o["scheme"], read_v: float = o["read_v"],
        r_wire_ohm: float = o["r_wire_ohm"], r_driver_ohm: float = o["r_driver_ohm"],
        r_sense_ohm: float = o["r_sense_ohm"], levels: bool = o["levels"],
        variability: float = o["variability"], c2c: float = o["c2c"],
        stuck_on: float = o["stuck_on"], stuck_off: float = o["stuck_off"],
        drift_s: float = o["drift_s"], read_noise: float = o["read_noise"],
        dac_bits: int = o["dac_bits"], adc_bits: int = o["adc_bits"],
        adc_range: float = o["adc_range"], ideal: bool = o["ideal"],
        breakdown: bool = o["breakdown"], seed: int = o["seed"],
        out: Optional[Path] = typer.Option(None, "--out", help="write the summary JSON here"),
        force: bool = typer.Option(False, "--force", help="overwrite --out"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Built-in task: an MLP trained on scikit-learn's 8x8 digits, read out on tiles.

        The 450 test images (stratified 25 % split, seeded) are the inputs.

        Example:

          memli analog digits --card llzo_tip --json
          memli analog digits --card oxide_10k --tile 64 --variability 0.05 --stuck-on 0.001 --json
        """
        from ..analog.infer import digits_mlp, run_analog
        cfg = _config(dict(locals()))
        _check_out(out, force, (card,))
        layers, x, y = digits_mlp(hidden, 0)
        res = run_analog(layers, x, y, card, cfg, breakdown=breakdown)
        _finish(res, out, force, json_, (card,))
