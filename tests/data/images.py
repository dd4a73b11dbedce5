"""Tiny real image trees for the folder and zip tests, written with Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def grey(value: int, size: tuple[int, int] = (6, 5)) -> Image.Image:
    """A flat grey image of ``size`` (width, height) with a one-pixel mark so images differ."""
    pixels = np.full((size[1], size[0]), value, dtype=np.uint8)
    pixels[0, 0] = 255 - value
    return Image.fromarray(pixels, mode="L")


def write_tree(root: Path, classes: dict[str, int], per_class: int = 3, fmt: str = "PNG") -> Path:
    """``root/<class>/<k>.png`` images, each class a different grey level."""
    for name, value in classes.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for k in range(per_class):
            suffix = "png" if fmt == "PNG" else "jpg"
            grey(value + k).save(root / name / f"{k}.{suffix}", format=fmt)
    return root
