"""The embedded default: scikit-learn's bundled handwritten digits (no download)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from resque_core.data.arrays import ArrayDataset


class DigitsDataset(ArrayDataset):
    """1,797 grey 8x8 digits, classes "0".."9", pixel values 0..16 scaled to [0, 1]."""

    def __init__(self) -> None:
        images, targets = _load_digits()
        names = [str(c) for c in range(10)]
        super().__init__(images.astype("float32").reshape(-1, 1, 8, 8), targets, names, name="digits", scale=1 / 16)


def _load_digits() -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 8, 8) and targets (N,) as ``sklearn.datasets.load_digits`` gives them.

    The file is read directly: importing scikit-learn's datasets costs seconds (scipy, pandas) that
    ``python -m resque_core index`` would spend before any work.
    """
    path = _bundled_csv()
    if path is None:  # another layout of scikit-learn's package data: let it find its file
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return bunch.images, bunch.target
    data = np.loadtxt(path, delimiter=",")
    return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)


def _bundled_csv() -> Path | None:
    """scikit-learn's ``digits.csv.gz``, located without importing scikit-learn."""
    spec = importlib.util.find_spec("sklearn")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(locations[0]) / "datasets" / "data" / "digits.csv.gz" if locations else None
    return path if path is not None and path.is_file() else None
