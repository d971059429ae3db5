"""Training runs and parameter sweeps of the in-situ trained crossbar.

:func:`run_training` builds a crossbar for a task and trains it;
:func:`accuracy_sweep` repeats it over a parameter (device variability, on/off
ratio, wire resistance, degradation rate, conditioning cycles, card) and seeds.
"""
from __future__ import annotations

import numpy as np

from ..errors import DataError
from .devices import as_card
from .network import Crossbar, Programming, train
from .tasks import digits_task, letters_task

__all__ = ["get_task", "lrs_conductance", "run_training", "accuracy_sweep", "SWEEPS"]

#: sweepable settings and their default values
SWEEPS = {
    "variability": [0.0, 0.1, 0.2, 0.4, 0.8],
    "on_off": [1.5, 3.0, 10.0, 100.0, 1e4],
    "r_wire_ohm": [0.0, 0.1, 0.3, 1.0, 3.0],
    "k_deg_per_m2": [1e7, 1e12, 1e13, 1e14],
    "n_condition": [0, 3, 10, 30],
}


def get_task(name: str, seed: int = 0, n_train: int | None = None):
    if name == "letters":
        return letters_task()
    if name == "digits":
        return digits_task(seed=seed, n_train=n_train)
    raise DataError(f"task {name!r}; expected 'letters' or 'digits'")


def lrs_conductance(card, read_v: float = 0.1) -> float:
    """Conductance of a bridged, conditioned device (x = 1, other states at init), S."""
    card = as_card(card)
    m = card.model
    x = m.initial_state().astype(float)
    if "x" in m.state_names:
        x[m.state_names.index("x")] = 1.0
    return float(m.numeric.current(read_v, x, card.vector) / read_v)


def run_training(card="llzo_tip", task="digits", epochs: int | None = None,
                 variability: float = 0.05, seed: int = 0, r_wire_ohm: float = 0.0,
                 on_off: float | None = None, mode: str = "depress", n_condition: int = 3,
                 scheme: str = "ideal",
                 params=None, batch_size: int | None = 256, n_train: int | None = None,
                 stop_at_100: bool = False, progress=None):
    """Build a crossbar for ``task`` on ``card`` and train it.

    Parameters
    ----------
    card : Card or str
    task : {"letters", "digits"} or Task
    epochs : int, optional
        Default 50 (letters), 10 (digits).
    variability : float
        Device-to-device spread (see :class:`memli.neuro.devices.DeviceArray`).
    seed : int
        Seeds the devices and the mini-batch order (the digits split is fixed).
    r_wire_ohm : float
        Wire segment resistance, ohm.
    on_off : float, optional
        Cap the on/off ratio with a parallel leak ``G_LRS / on_off``.
    mode : {"depress", "bipolar"}
    n_condition : int
        SET/RESET conditioning cycles before forming (device age).
    scheme : {"ideal", "v2", "v3"}
        Write selection scheme (half-select disturb for v2, v3).
    params : mapping, optional
        Card parameter overrides (e.g. ``{"k_deg_per_m2": 1e13}``).
    batch_size, n_train, stop_at_100, progress
        See :func:`memli.neuro.network.train`.

    Returns
    -------
    (dict, TrainResult)
        Summary with ``card``, ``task``, ``train_accuracy``, ``test_accuracy``,
        ``weight_updates``, ``pulses``, ``refreshes``, ``epochs``, ``mean_d``.
    """
    t = get_task(task, n_train=n_train) if isinstance(task, str) else task
    if epochs is None:
        epochs = 50 if t.name == "letters" else 10
    card = as_card(card)
    if params:
        card = card.with_values(**params)
    g_leak = lrs_conductance(card) / on_off if on_off else 0.0
    prog = Programming(n_condition=int(n_condition))
    xb = Crossbar(card, t.n_in, t.n_out, variability, seed, prog=prog, mode=mode,
                  scheme=scheme, r_wire_ohm=r_wire_ohm, g_leak_siemens=g_leak)
    if t.name == "letters":
        batch_size = None
    res = train(xb, t.x_train, t.y_train, t.x_test, t.y_test, epochs=epochs,
                batch_size=batch_size, stop_at_100=stop_at_100, rng=seed, progress=progress)
    summary = {
        "card": card.name, "task": t.name, "mode": mode, "variability": variability,
        "seed": seed, "scheme": scheme, "r_wire_ohm": r_wire_ohm, "on_off": on_off,
        "n_condition": n_condition,
        "epochs": res.epochs, "train_accuracy": res.final_train_accuracy,
        "test_accuracy": res.final_test_accuracy, "weight_updates": res.weight_updates,
        "pulses": res.pulses, "refreshes": res.refreshes,
        "first_epoch_100": (next((k + 1 for k, a in enumerate(res.train_accuracy)
                                  if a >= 1.0), None)),
        "mean_d": res.mean_d[-1] if res.mean_d else None,
        "train_history": res.train_accuracy, "test_history": res.test_accuracy,
    }
    return summary, res


def accuracy_sweep(name: str, values=None, card="llzo_tip", task="digits",
                   seeds=(0, 1), progress=None, **kw) -> dict:
    """Final test accuracy versus one setting, over seeds.

    ``name`` is one of :data:`SWEEPS` (``k_deg_per_m2`` is a card parameter) or
    ``"card"`` (values: card names).  Other keywords go to :func:`run_training`.

    Returns
    -------
    dict
        ``name``, ``values``, ``accuracy`` (n_values, n_seeds), ``mean``, ``std``,
        ``mean_d`` (n_values,).
    """
    if values is None:
        if name not in SWEEPS:
            raise DataError(f"sweep {name!r}; expected one of {sorted(SWEEPS) + ['card']}")
        values = SWEEPS[name]
    acc = np.zeros((len(values), len(seeds)))
    dd = np.zeros(len(values))
    total = len(values) * len(seeds)
    k = 0
    for i, v in enumerate(values):
        for j, s in enumerate(seeds):
            args = dict(kw)
            if name == "card":
                args["card"] = v
            elif name == "k_deg_per_m2":
                args["card"] = card
                args["params"] = {**(kw.get("params") or {}), "k_deg_per_m2": v}
            else:
                args["card"] = card
                args[name] = v
            summ, _ = run_training(task=task, seed=s, **args)
            acc[i, j] = summ["test_accuracy"]
            dd[i] += (summ["mean_d"] or 0.0) / len(seeds)
            k += 1
            if progress is not None:
                progress(k, total, summ["test_accuracy"])
    return {"name": name, "values": list(values), "accuracy": acc,
            "mean": acc.mean(axis=1), "std": acc.std(axis=1), "mean_d": dd}
