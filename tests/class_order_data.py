"""The embedded digits written as a folder, a zip and an npz whose classes are named or ordered
differently from the default models' ("0".."9"): the class-order check's test data."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# Alphabetical: eight five four nine one seven six three two zero, so the data's label 0 is the digit 8.
WORD_MAP = {word: digit for digit, word in enumerate(WORDS)}


def digit_pixels(per_class: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The digits as uint8 (N, 8, 8) and their labels; ``per_class`` keeps the first of each class."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = np.clip(np.round(bunch.images / 16 * 255), 0, 255).astype(np.uint8)
    y = bunch.target.astype(np.int64)
    if per_class is not None:
        keep = np.sort(np.concatenate([np.flatnonzero(y == c)[:per_class] for c in range(10)]))
        x, y = x[keep], y[keep]
    return x, y


def write_word_folder(root: Path, per_class: int | None = None) -> tuple[Path, Path]:
    """``root/digits/<word>/<k>.png`` and ``root/digits.npz`` with the same images in the folder's order.

    The npz keeps the true digit labels ("0".."9"), so it is the correctly ordered twin of the folder.
    """
    x, y = digit_pixels(per_class)
    folder = root / "digits"
    order = []
    for word in sorted(WORDS):
        (folder / word).mkdir(parents=True)
        for k, i in enumerate(np.flatnonzero(y == WORD_MAP[word])):
            Image.fromarray(x[i], mode="L").save(folder / word / f"{k:04d}.png")
            order.append(i)
    npz = root / "digits.npz"
    np.savez(npz, x=x[order], y=y[order])
    return folder, npz


def zip_folder(folder: Path, target: Path) -> Path:
    """``folder`` as a zip with its class folders under one top folder."""
    with zipfile.ZipFile(target, "w") as zf:
        for file in sorted(folder.rglob("*.png")):
            zf.write(file, file.relative_to(folder.parent))
    return target
