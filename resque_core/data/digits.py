"""The embedded default: scikit-learn's bundled handwritten digits (no download)."""

from __future__ import annotations

from resque_core.data.arrays import ArrayDataset


class DigitsDataset(ArrayDataset):
    """1,797 grey 8x8 digits, classes "0".."9", pixel values 0..16 scaled to [0, 1]."""

    def __init__(self) -> None:
        from sklearn.datasets import load_digits

        bunch = load_digits()
        images = bunch.images.astype("float32").reshape(-1, 1, 8, 8)
        names = [str(int(t)) for t in bunch.target_names]
        super().__init__(images, bunch.target, names, name="digits", scale=1 / 16)
