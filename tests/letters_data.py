"""Ten letters (A..J) rendered as 8x8 grey images, shifted a pixel or two and lightly noised: data the
shipped digits model was never trained on (it scores near chance there), saved as an npz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

LETTERS = "ABCDEFGHIJ"


def letter_pixels(per_class: int = 30, size_px: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, size_px, size_px) letters and their labels (0 = "A"), ``per_class`` of each."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for label, letter in enumerate(LETTERS):
        for _ in range(per_class):
            canvas = Image.new("L", (16, 16), 0)
            dx, dy = rng.integers(0, 6, size=2)
            ImageDraw.Draw(canvas).text((int(dx) + 2, int(dy)), letter, fill=255)
            x = np.asarray(canvas.resize((size_px, size_px), Image.BILINEAR), dtype=np.float32)
            x = np.clip(x + rng.normal(0, 12, x.shape), 0, 255)
            images.append(x.astype(np.uint8))
            labels.append(label)
    return np.stack(images), np.asarray(labels, dtype=np.int64)


def write_letters(folder: Path, per_class: int = 30, size_px: int = 8) -> Path:
    """``folder/letters.npz`` (x, y) of rendered letters."""
    x, y = letter_pixels(per_class, size_px)
    path = folder / f"letters_{size_px}.npz"
    np.savez(path, x=x, y=y)
    return path
