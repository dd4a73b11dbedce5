"""Zips of class folders named as the default digits model's classes ("0".."9"), of random grey PNGs: an
upload that the page and the CLI open like a user's (the model scores near chance on them, by design)."""

from __future__ import annotations

import io
import zipfile

import numpy as np
from PIL import Image


def digits_zip_bytes(per_class: int = 4, size_px: int = 8, seed: int = 0) -> bytes:
    """The zip's bytes: ``digits/<label>/<i>.png``, ``per_class`` images of ``size_px`` square per class."""
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for label in range(10):
            for i in range(per_class):
                png = io.BytesIO()
                Image.fromarray(rng.integers(0, 255, (size_px, size_px), dtype=np.uint8)).save(png, format="PNG")
                zf.writestr(f"digits/{label}/{i}.png", png.getvalue())
    return buf.getvalue()
