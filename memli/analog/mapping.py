"""Trained weights as a list of dense layers: numpy ``.npz``, scikit-learn, torch.

A network is a list of :class:`Layer` ``y = act(x W + b)``, ``W`` (n_in, n_out).

* ``.npz``: arrays ``W0, b0, W1, b1, ...`` (``b`` optional, zero when absent) and an
  optional string array ``activation`` (``relu`` default, ``identity``, ``tanh``,
  ``logistic``) applied between layers (the last layer is read out by argmax).
* ``.pkl`` / ``.pickle``: a fitted ``sklearn.neural_network.MLPClassifier`` (its
  ``coefs_``, ``intercepts_`` and ``activation``).  Pickles run code when loaded:
  load only files you trust.
* a torch ``nn.Module`` (in Python): its ``nn.Linear`` layers in order, with ReLU
  between them (torch is optional; nothing here imports it unless given a module).
"""
from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError

ACTIVATIONS = ("relu", "identity", "tanh", "logistic")


@dataclass
class Layer:
    """Dense layer: weights ``w`` (n_in, n_out), bias ``b`` (n_out,), activation name."""

    w: np.ndarray
    b: np.ndarray
    activation: str = "relu"

    def act(self, z):
        if self.activation == "relu":
            return np.maximum(z, 0.0)
        if self.activation == "tanh":
            return np.tanh(z)
        if self.activation == "logistic":
            return 1.0 / (1.0 + np.exp(-z))
        return z


def forward(layers, x) -> np.ndarray:
    """Float reference: the last layer's pre-activation (k, n_out)."""
    h = np.asarray(x, float)
    for k, L in enumerate(layers):
        z = h @ L.w + L.b
        h = z if k == len(layers) - 1 else L.act(z)
    return h


def _check(layers, where):
    if not layers:
        raise DataError(f"{where}: no layers found")
    for k, L in enumerate(layers):
        if L.w.ndim != 2 or L.b.shape != (L.w.shape[1],):
            raise DataError(f"{where}: layer {k}: W {L.w.shape}, b {L.b.shape}; expected "
                            "W (n_in, n_out) and b (n_out,)")
        if not (np.all(np.isfinite(L.w)) and np.all(np.isfinite(L.b))):
            raise DataError(f"{where}: layer {k}: non-finite weights")
        if k and layers[k - 1].w.shape[1] != L.w.shape[0]:
            raise DataError(f"{where}: layer {k} takes {L.w.shape[0]} inputs but layer "
                            f"{k - 1} gives {layers[k - 1].w.shape[1]}")
        if L.activation not in ACTIVATIONS:
            raise DataError(f"{where}: activation {L.activation!r}; expected one of "
                            f"{list(ACTIVATIONS)}")
    return layers


def from_sklearn(model, where: str = "<MLPClassifier>"):
    """Layers of a fitted scikit-learn MLPClassifier / MLPRegressor."""
    if not hasattr(model, "coefs_"):
        raise DataError(f"{where}: {type(model).__name__} has no coefs_; expected a fitted "
                        "sklearn.neural_network.MLPClassifier")
    act = getattr(model, "activation", "relu")
    return _check([Layer(np.asarray(W, float), np.asarray(b, float), act)
                   for W, b in zip(model.coefs_, model.intercepts_)], where)


def from_torch(module, where: str = "<torch module>"):
    """Layers of the ``nn.Linear`` modules of a torch module, in order, ReLU between."""
    lin = [m for m in module.modules() if type(m).__name__ == "Linear"]
    if not lin:
        raise DataError(f"{where}: no nn.Linear layers")
    out = []
    for m in lin:
        W = m.weight.detach().cpu().numpy().astype(float).T
        b = (m.bias.detach().cpu().numpy().astype(float) if m.bias is not None
             else np.zeros(W.shape[1]))
        out.append(Layer(W, b, "relu"))
    return _check(out, where)


def load_layers(src):
    """Layers from a path (.npz, .pkl), a fitted MLPClassifier, a torch module or a list
    of (W, b) pairs."""
    if isinstance(src, (list, tuple)):
        return _check([x if isinstance(x, Layer) else Layer(np.asarray(x[0], float),
                                                           np.asarray(x[1], float))
                       for x in src], "<layers>")
    if hasattr(src, "coefs_"):
        return from_sklearn(src)
    if hasattr(src, "modules") and hasattr(src, "parameters"):
        return from_torch(src)
    path = Path(src)
    if not path.exists():
        raise DataError(f"{path}: no such weights file")
    if path.suffix == ".npz":
        try:
            z = np.load(path, allow_pickle=False)
        except Exception as e:  # noqa: BLE001
            raise DataError(f"{path}: not a numpy .npz file ({e})") from None
        act = str(z["activation"]) if "activation" in z.files else "relu"
        layers, k = [], 0
        while f"W{k}" in z.files:
            W = np.asarray(z[f"W{k}"], float)
            b = np.asarray(z[f"b{k}"], float) if f"b{k}" in z.files else np.zeros(W.shape[1])
            layers.append(Layer(W, b, act))
            k += 1
        if not layers:
            raise DataError(f"{path}: arrays {z.files}; expected W0, b0, W1, b1, ...")
        return _check(layers, str(path))
    if path.suffix in (".pkl", ".pickle"):
        try:
            with open(path, "rb") as fh:
                model = pickle.load(fh)
        except Exception as e:  # noqa: BLE001
            raise DataError(f"{path}: cannot unpickle ({type(e).__name__}: {e})") from None
        return from_sklearn(model, str(path))
    raise DataError(f"{path}: unknown weights format {path.suffix!r}; expected .npz "
                    "(W0, b0, ...) or .pkl (a fitted scikit-learn MLPClassifier)")
