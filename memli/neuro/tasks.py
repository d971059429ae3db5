"""Datasets for the in-situ training demos: 3x3 letters and scikit-learn's 8x8 digits.

The letters are the three 3x3 pixel patterns "z", "v", "n" of [prezioso2015]; noisy
versions flip pixels.  The digits are ``sklearn.datasets.load_digits`` (1797 8x8
images, 16 grey levels, shipped with scikit-learn [pedregosa2011]).

References
----------
.. [prezioso2015] M. Prezioso et al., Nature 521, 61-64 (2015), doi:10.1038/nature14441.
.. [pedregosa2011] F. Pedregosa et al., "Scikit-learn: Machine Learning in Python",
   JMLR 12, 2825-2830 (2011).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LETTERS", "Task", "letters_task", "digits_task", "noisy_letters", "add_bias"]

#: 3x3 patterns, row-major, 1 = dark pixel
LETTERS = {
    "z": np.array([[1, 1, 1], [0, 1, 0], [1, 1, 1]], float),
    "v": np.array([[1, 0, 1], [1, 0, 1], [0, 1, 0]], float),
    "n": np.array([[1, 1, 1], [1, 0, 1], [1, 0, 1]], float),
}


@dataclass
class Task:
    """Inputs in [0, 1] with a trailing bias column of ones, and integer labels."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list

    @property
    def n_in(self) -> int:
        return self.x_train.shape[1]

    @property
    def n_out(self) -> int:
        return len(self.classes)


def add_bias(x: np.ndarray) -> np.ndarray:
    return np.hstack([x, np.ones((x.shape[0], 1))])


def noisy_letters(n_flips: int = 1):
    """Every version of each letter with exactly ``n_flips`` pixels flipped."""
    from itertools import combinations
    xs, ys = [], []
    for k, pat in enumerate(LETTERS.values()):
        flat = pat.ravel()
        for idx in combinations(range(9), n_flips):
            v = flat.copy()
            v[list(idx)] = 1 - v[list(idx)]
            xs.append(v)
            ys.append(k)
    return np.array(xs), np.array(ys)


def letters_task(n_flips_test: int = 1) -> Task:
    """Train on the three clean letters; test on all ``n_flips_test``-pixel-flipped ones."""
    x = np.array([p.ravel() for p in LETTERS.values()])
    y = np.arange(3)
    xt, yt = noisy_letters(n_flips_test)
    return Task("letters", add_bias(x), y, add_bias(xt), yt, list(LETTERS))


def digits_task(test_fraction: float = 0.25, seed: int = 0, n_train: int | None = None) -> Task:
    """scikit-learn's 8x8 digits, pixels scaled to [0, 1], stratified split (seeded)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = d.data / 16.0
    xtr, xte, ytr, yte = train_test_split(x, d.target, test_size=test_fraction,
                                          random_state=seed, stratify=d.target)
    if n_train:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    return Task("digits", add_bias(xtr), ytr, add_bias(xte), yte, list(range(10)))
