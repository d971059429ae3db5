"""`memli neuro`: plasticity, a spiking synapse, and an in-situ trained crossbar."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import DataError
from ..progress import progress_bar


def _accuracy(acc) -> str:
    return f"accuracy {100 * acc:.1f} %"


def _num(opt: str, value, lo=None, strict: bool = False):
    """Check one numeric option: finite and ``>= lo`` (``> lo`` with ``strict``).

    Raises :class:`DataError` naming ``opt`` (one line, exit 2 on the command line).
    """
    if value is None:
        return value
    if not math.isfinite(value):
        raise DataError(f"{opt} {value}: expected a finite number")
    if lo is not None and (value <= lo if strict else value < lo):
        raise DataError(f"{opt} {value}: expected a number {'>' if strict else '>='} {lo:g}")
    return value


def _choice(opt: str, value: str, choices) -> str:
    if value not in choices:
        raise DataError(f"{opt} {value!r}: expected one of {', '.join(choices)}")
    return value


#: lower bound (and strictness) of each sweepable setting's values
#: sweep NAME -> (lower bound, lower bound strict, upper bound) of its --value entries
_SWEEP_BOUNDS = {"variability": (0.0, False, 10.0), "on_off": (0.0, True, 1e15),
                 "r_wire_ohm": (0.0, False, 1e9), "k_deg_per_m2": (0.0, False, 1e30),
                 "n_condition": (0.0, False, 1000.0)}


def _sweep_values(name: str, values):
    """Parse and check ``--value`` strings of ``neuro sweep NAME``."""
    if not values or name == "card":
        return values or None
    out = []
    lo, strict, hi = _SWEEP_BOUNDS.get(name, (None, False, None))
    if len(values) > 50:
        raise DataError(f"--value: {len(values)} values; at most 50 per sweep")
    for v in values:
        try:
            x = float(v)
        except ValueError:
            raise DataError(f"--value {v!r}: expected a number for sweep {name}") from None
        _num("--value", x, lo, strict)
        if hi is not None and x > hi:
            raise DataError(f"--value {v}: expected at most {hi:g} for sweep {name}")
        if name == "n_condition":
            if x != int(x):
                raise DataError(f"--value {v!r}: expected a whole number of cycles")
            x = int(x)
        out.append(x)
    return out


_SETS: dict = {}


def _card_paths(cards) -> list:
    cards = [cards] if isinstance(cards, (str, Path)) else list(cards or ())
    return [Path(c) for c in cards if c is not None and Path(str(c)).is_file()]


def _outdir(out: Optional[Path], names, force: bool, inputs=()) -> Optional[Path]:
    """Check ``out`` (never an input, existing files only with --force) and return the
    staging folder the run writes into; :func:`_commit` publishes it whole."""
    if out is None:
        return None
    from ..outputs import OutputSet
    st = OutputSet(out, names, force, inputs=_card_paths(inputs))
    st.begin()
    _SETS[st.stage] = st
    return st.stage


def _commit(stage: Optional[Path]) -> None:
    if stage is not None:
        _SETS.pop(stage).commit()


def _write_json(path: Path, obj) -> None:
    from ..cards import write_text_atomic
    from ..fsio import json_clean
    write_text_atomic(path, json.dumps(json_clean(obj), indent=2, sort_keys=True) + "\n")


def register(app: typer.Typer):
    neuro_app = typer.Typer(no_args_is_help=True, help=(
        "Neuromorphic circuits on memli devices: plasticity (pulse trains, STDP), a "
        "memristive synapse + LIF neuron (memli and ngspice), and a crossbar trained in "
        "situ with the Manhattan rule.\n\nExample:  memli neuro train --card llzo_tip "
        "--task letters --json"))
    app.add_typer(neuro_app, name="neuro")

    @neuro_app.command("stdp")
    def stdp_cmd(
        card: List[str] = typer.Argument(..., help="card name(s) or path(s)"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder (stdp.png, "
                                           "stdp.json)"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """STDP window: conductance change after one pre/post spike pair vs dt.

        Pre and post spikes (memli.neuro.plasticity.PRE_SPIKE / POST_SPIKE) overlap on
        the device; the device simulator integrates each pair.  Reports the raw
        relative change, the unpaired baseline and the pairing-induced part.

        Example:

          memli neuro stdp llzo_tip llzo_pad_500um --out out/stdp --json
        """
        from ..cli import emit_json
        from ..neuro.plasticity import stdp_window
        outp = _outdir(out, ["stdp.png", "stdp.json"], force, card)
        results = [stdp_window(c) for c in card]
        summary = {"cards": [{
            "card": r.card_name, "dt_s": r.dt_s.tolist(), "dg_rel": r.dg_rel.tolist(),
            "dg_pairing": r.dg_pairing.tolist(), "g0_siemens": r.g0_siemens,
            "unpaired_rel": r.dg_unpaired_siemens / r.g0_siemens,
            "lone_pre_rel": r.single_pre_dg_siemens / r.g0_siemens,
            "lone_post_rel": r.single_post_dg_siemens / r.g0_siemens} for r in results]}
        if outp:
            from ..neuro.plots import plot_stdp
            plot_stdp(results, outp / "stdp.png")
            _write_json(outp / "stdp.json", summary)
            _commit(outp)
        if json_:
            emit_json(summary)
        else:
            for c in summary["cards"]:
                k = max(range(len(c["dt_s"])), key=lambda i: abs(c["dg_pairing"][i]))
                typer.echo(f"{c['card']}: G0 = {c['g0_siemens']:.3g} S; largest pairing-"
                           f"induced change {100 * c['dg_pairing'][k]:+.1f} % at dt = "
                           f"{1e3 * c['dt_s'][k]:+.2f} ms; unpaired spikes "
                           f"{100 * c['unpaired_rel']:+.1f} %")

    @neuro_app.command("potentiation")
    def pot_cmd(
        card: List[str] = typer.Argument(..., help="card name(s) or path(s)"),
        n_dep: int = typer.Option(20, "--n-dep", help="depressing (RESET) pulses"),
        n_pot: int = typer.Option(20, "--n-pot", help="potentiating (SET) pulses"),
        v_reset: Optional[float] = typer.Option(
            None, "--v-reset", help="RESET pulse amplitude, V (default: the model's)"),
        v_set: Optional[float] = typer.Option(
            None, "--v-set", help="SET pulse amplitude, V (default: the model's)"),
        width: Optional[float] = typer.Option(
            None, "--width", help="pulse width, s (default: the model's)"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder "
                                           "(potentiation.png, potentiation.json)"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Conductance vs pulse number: identical RESET pulses, then identical SET pulses.

        Starts from the LRS after three conditioning sweeps (-0.25..+0.25 V).

        Example:

          memli neuro potentiation llzo_tip llzo_pad_200um --out out/pot
        """
        from ..cli import emit_json
        from ..neuro.plasticity import potentiation_depression
        _num("--n-dep", n_dep, 0)
        _num("--n-pot", n_pot, 0)
        if n_dep + n_pot == 0:
            raise DataError("--n-dep 0 and --n-pot 0: expected at least one pulse")
        _num("--v-reset", v_reset)
        _num("--v-set", v_set)
        _num("--width", width, 0.0, strict=True)
        outp = _outdir(out, ["potentiation.png", "potentiation.json"], force, card)
        res = [potentiation_depression(c, n_dep, n_pot, v_reset, v_set, width) for c in card]
        summary = {"cards": [{"card": r.card_name, "pulse": r.pulse.tolist(),
                              "v_pulse_v": r.v_pulse_v.tolist(),
                              "g_siemens": r.g_siemens.tolist()} for r in res]}
        if outp:
            from ..neuro.plots import plot_pulses
            plot_pulses(res, outp / "potentiation.png")
            _write_json(outp / "potentiation.json", summary)
            _commit(outp)
        if json_:
            emit_json(summary)
        else:
            for r in res:
                g = r.g_siemens
                typer.echo(f"{r.card_name}: G {g[0]:.3g} S -> {g[n_dep]:.3g} S after {n_dep} "
                           f"RESET pulses -> {g[-1]:.3g} S after {n_pot} SET pulses")

    @neuro_app.command("train")
    def train_cmd(
        card: str = typer.Option("llzo_tip", "--card", help="card name or path"),
        task: str = typer.Option("letters", "--task", help="letters | digits"),
        epochs: Optional[int] = typer.Option(None, "--epochs", help="epochs (default 50 "
                                             "letters, 10 digits)"),
        variability: float = typer.Option(0.05, "--variability", help="device-to-device "
                                          "spread (relative sd; 0.05 = 5 %)"),
        seed: int = typer.Option(0, "--seed", help="random seed"),
        r_wire: float = typer.Option(0.0, "--r-wire", help="wire segment resistance, ohm"),
        on_off: Optional[float] = typer.Option(None, "--on-off", help="cap the on/off ratio "
                                               "with a parallel leak G_LRS/ON_OFF"),
        mode: str = typer.Option("depress", "--mode", help="depress (RESET-only Manhattan "
                                 "steps + refresh) | bipolar (SET + RESET)"),
        n_condition: int = typer.Option(3, "--n-condition", help="SET/RESET conditioning "
                                        "cycles before training"),
        scheme: str = typer.Option("ideal", "--scheme", help="write selection: ideal | v2 | "
                                   "v3 (line-bias schemes with half-select disturb)"),
        param: Optional[List[str]] = typer.Option(None, "--param", help="NAME=VALUE card "
                                                  "override (SI), repeatable"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder "
                                           "(training.png, training.json)"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Train a differential crossbar in situ with the Manhattan rule.

        letters: 3x3 z, v, n on a 10 x 6 crossbar (Prezioso et al., Nature 521, 61
        (2015)); test set = every 1-pixel-flipped letter.  digits: scikit-learn 8x8
        digits, 65 x 20 crossbar, 75/25 split.  The JSON has train_accuracy,
        test_accuracy and weight_updates (Manhattan steps applied to weights).

        Examples:

          memli neuro train --card llzo_tip --task letters --json

          memli neuro train --card llzo_pad_500um --task digits --epochs 10 --out out/pad
        """
        from ..cli import emit_json
        from ..neuro.experiments import run_training
        from ._parse import parse_assignments
        if task not in ("letters", "digits"):
            raise DataError(f"--task {task!r}; expected letters or digits")
        _num("--epochs", epochs, 1)
        _num("--variability", variability, 0.0)
        _num("--seed", seed, 0)
        _num("--r-wire", r_wire, 0.0)
        _num("--on-off", on_off, 0.0, strict=True)
        _num("--n-condition", n_condition, 0)
        _choice("--mode", mode, ("depress", "bipolar"))
        _choice("--scheme", scheme, ("ideal", "v2", "v3"))
        outp = _outdir(out, ["training.png", "training.json"], force, card)
        with progress_bar(f"train {task}", quiet, _accuracy) as cb:
            summary, _ = run_training(card, task, epochs, variability, seed, r_wire, on_off,
                                      mode, n_condition, scheme, parse_assignments(param),
                                      progress=cb)
        if outp:
            from ..neuro.plots import plot_training
            plot_training([summary], outp / "training.png",
                          title=f"{task} on {summary['card']} ({mode})")
            _write_json(outp / "training.json", summary)
            _commit(outp)
        if json_:
            emit_json(summary)
        else:
            typer.echo(f"{summary['card']} {task}: train {100 * summary['train_accuracy']:.1f}"
                       f" %, test {100 * summary['test_accuracy']:.1f} % after "
                       f"{summary['epochs']} epochs, {summary['weight_updates']} weight "
                       f"updates ({summary['pulses']} pulses)")

    @neuro_app.command("sweep")
    def sweep_cmd(
        name: str = typer.Argument(..., help="variability | on_off | r_wire_ohm | "
                                   "k_deg_per_m2 | n_condition | card"),
        values: Optional[List[str]] = typer.Option(None, "--value", help="value to try "
                                                   "(repeatable; default: a built-in list)"),
        card: str = typer.Option("llzo_tip", "--card", help="card name or path"),
        task: str = typer.Option("digits", "--task", help="letters | digits"),
        epochs: Optional[int] = typer.Option(None, "--epochs", help="epochs per run"),
        seeds: int = typer.Option(2, "--seeds", help="seeds per value"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder (sweep_NAME."
                                           "png, sweep_NAME.json)"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Test accuracy vs one setting (mean and sd over seeds).

        Example:

          memli neuro sweep variability --task digits --epochs 10 --out out/sweeps
        """
        from ..cli import emit_json
        from ..neuro.experiments import SWEEPS, accuracy_sweep
        _choice("NAME", name, tuple(SWEEPS) + ("card",))
        if task not in ("letters", "digits"):
            raise DataError(f"--task {task!r}; expected letters or digits")
        _num("--epochs", epochs, 1)
        _num("--seeds", seeds, 1)
        vals = _sweep_values(name, values)
        outp = _outdir(out, [f"sweep_{name}.png", f"sweep_{name}.json"], force, card)
        with progress_bar(f"sweep {name}", quiet, _accuracy) as cb:
            sw = accuracy_sweep(name, vals, card=card, task=task, seeds=tuple(range(seeds)),
                                epochs=epochs, progress=cb)
        summary = {"name": name, "values": sw["values"], "task": task,
                   "mean_test_accuracy": sw["mean"].tolist(),
                   "std_test_accuracy": sw["std"].tolist(),
                   "test_accuracy": sw["accuracy"].tolist(), "mean_d": sw["mean_d"].tolist()}
        if outp:
            from ..neuro.plots import plot_sweep
            plot_sweep(sw, outp / f"sweep_{name}.png")
            _write_json(outp / f"sweep_{name}.json", summary)
            _commit(outp)
        if json_:
            emit_json(summary)
        else:
            for v, m, s in zip(sw["values"], sw["mean"], sw["std"]):
                typer.echo(f"{name} = {v}: test accuracy {100 * m:.1f} +- {100 * s:.1f} %")

    @neuro_app.command("lif")
    def lif_cmd(
        card: str = typer.Argument("llzo_tip", help="card name or path"),
        n_pre: int = typer.Option(5, "--n-pre", help="pre-synaptic pulses"),
        v_pre: float = typer.Option(0.15, "--v-pre", help="pre-synaptic pulse amplitude, V "
                                    "(about 0.2: the synapse potentiates)"),
        netlist: Optional[Path] = typer.Option(None, "--netlist", help="write the ngspice "
                                               "deck here"),
        ngspice: bool = typer.Option(True, "--ngspice/--no-ngspice", help="also run ngspice "
                                     "and compare spike times"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder (lif.png, "
                                           "lif.json)"),
        force: bool = typer.Option(False, "--force", help="overwrite existing outputs"),
        json_: bool = typer.Option(False, "--json", help="print the summary as JSON"),
    ):
        """Memristive synapse + leaky integrate-and-fire neuron, in memli and ngspice.

        Example:

          memli neuro lif llzo_tip --netlist out/lif.cir --out out/lif --json
        """
        from ..cards import write_text_atomic
        from ..cli import emit_json
        from ..neuro.lif import (LIFParams, compare_spikes, lif_netlist, run_lif_ngspice,
                                 simulate_lif)
        _num("--n-pre", n_pre, 1)
        _num("--v-pre", v_pre)
        lp = LIFParams(n_pre=n_pre, v_pre_v=v_pre)
        outp = _outdir(out, ["lif.png", "lif.json"], force, card)
        if netlist is not None:
            from ..outputs import guard
            guard([netlist], _card_paths(card), force, option="--netlist")
            write_text_atomic(netlist, lif_netlist(card, lp))
        r = simulate_lif(card, lp)
        s = run_lif_ngspice(card, lp) if ngspice else None
        summary = {"card": str(card), "spikes_memli_s": r.spikes_s.tolist(),
                   "x_final": float(r.x[0, -1])}
        if s is not None:
            summary["spikes_ngspice_s"] = s["spikes_s"].tolist()
            summary.update(compare_spikes(r.spikes_s, s["spikes_s"]))
        if outp:
            from ..neuro.plots import plot_lif
            plot_lif(r, s, outp / "lif.png")
            _write_json(outp / "lif.json", summary)
            _commit(outp)
        if json_:
            emit_json(summary)
        else:
            typer.echo(f"memli: {r.spikes_s.size} spikes at "
                       + ", ".join(f"{1e3 * t:.4f}" for t in r.spikes_s) + " ms")
            if s is not None:
                typer.echo(f"ngspice: {s['spikes_s'].size} spikes; largest difference "
                           f"{100 * summary['max_dt_over_isi']:.3f} % of the mean ISI")
