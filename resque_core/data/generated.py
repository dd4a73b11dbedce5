"""A procedurally generated 10-class RGB image set ("shapes"): made on the spot, deterministic by seed, no download.

Each image is 32x32 RGB: one shape (or pattern) of one class, at a random position, size and
rotation-free orientation, in a random foreground colour on a random background colour whose
brightness is far from the foreground's (so the class survives conversion to grey), plus a little
pixel noise. The classes are drawn as masks over a coordinate grid for all images at once:

====  ==========  ==========================================
 0    disc        inside a circle
 1    square      inside an axis-aligned square
 2    diamond     inside a square turned 45 degrees
 3    ring        between two circles
 4    plus        two crossing bars
 5    cross       two crossing diagonals, within a square
 6    triangle    an upward triangle
 7    hstripes    horizontal stripes over the whole image
 8    vstripes    vertical stripes over the whole image
 9    checker     a checkerboard within a square
====  ==========  ==========================================

It gives the model library an RGB family next to the grey digits (``calibration.library``).
"""

from __future__ import annotations

import numpy as np

from resque_core.data.arrays import ArrayDataset
from resque_core.errors import DataError

__all__ = ["SHAPE_CLASSES", "ShapesDataset", "make_shapes"]

SHAPE_CLASSES: tuple[str, ...] = (
    "disc",
    "square",
    "diamond",
    "ring",
    "plus",
    "cross",
    "triangle",
    "hstripes",
    "vstripes",
    "checker",
)
SIDE = 32
NOISE_STD = 0.03


class ShapesDataset(ArrayDataset):
    """``n_per_class`` images of each of the 10 shape classes, 3x32x32 in [0, 1], the same for the same seed."""

    def __init__(self, n_per_class: int = 100, seed: int = 0) -> None:
        images, targets = make_shapes(n_per_class, seed)
        name = "shapes" if (n_per_class, seed) == (100, 0) else f"shapes:{n_per_class}:{seed}"
        super().__init__(images, targets, list(SHAPE_CLASSES), name=name, scale=1 / 255)


def make_shapes(n_per_class: int, seed: int = 0, side: int = SIDE) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, side, side) as uint8 and targets (N,), classes in turn (0, 1, ..., 9, 0, 1, ...).

    Raises:
        DataError: ``n_per_class`` is below 1.
    """
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class < 1:
        raise DataError(f"the shapes set needs at least 1 image per class; got {n_per_class!r}")
    rng = np.random.default_rng(seed)
    n = int(n_per_class) * len(SHAPE_CLASSES)
    targets = np.arange(n) % len(SHAPE_CLASSES)
    radius = rng.uniform(0.28, 0.42, n)[:, None, None] * side
    centre = rng.uniform(-0.12, 0.12, (n, 2)) * side + side / 2
    period = rng.uniform(4.0, 7.0, n)[:, None, None]
    ys, xs = np.mgrid[0:side, 0:side].astype(np.float32) + 0.5
    dx, dy = xs[None] - centre[:, 0, None, None], ys[None] - centre[:, 1, None, None]
    masks = np.zeros((n, side, side), dtype=bool)
    for c in range(len(SHAPE_CLASSES)):
        rows = targets == c
        masks[rows] = _mask(c, dx[rows], dy[rows], radius[rows], period[rows], xs, ys)
    fg, bg = _colours(rng, n)
    pixels = np.where(masks[:, None], fg[:, :, None, None], bg[:, :, None, None])
    pixels = pixels + rng.normal(0.0, NOISE_STD, pixels.shape)
    return np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8), targets.astype(np.int64)


def _mask(c: int, dx, dy, r, period, xs, ys) -> np.ndarray:
    """The class-``c`` mask of each image (offsets ``dx``, ``dy`` from its centre, size ``r``)."""
    ax, ay = np.abs(dx), np.abs(dy)
    bar = 0.28 * r
    inside = np.maximum(ax, ay) < r
    if c == 0:
        return np.hypot(dx, dy) < r
    if c == 1:
        return np.maximum(ax, ay) < 0.85 * r
    if c == 2:
        return ax + ay < 1.1 * r
    if c == 3:
        return (np.hypot(dx, dy) < r) & (np.hypot(dx, dy) > 0.6 * r)
    if c == 4:
        return ((ax < bar) & (ay < r)) | ((ay < bar) & (ax < r))
    if c == 5:
        return ((np.abs(dx - dy) < 1.4 * bar) | (np.abs(dx + dy) < 1.4 * bar)) & inside
    if c == 6:
        return (dy < 0.8 * r) & (dy > -r) & (ax < (dy + r) / 2)
    if c == 7:
        return np.broadcast_to(np.sin(2 * np.pi * ys[None] / period) > 0, dx.shape)
    if c == 8:
        return np.broadcast_to(np.sin(2 * np.pi * xs[None] / period) > 0, dx.shape)
    return ((np.floor((dx + r) / (0.5 * r)) + np.floor((dy + r) / (0.5 * r))) % 2 == 0) & inside


def _colours(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and background RGB colours (n, 3): one light and one dark, in random order, both tinted."""
    light = 0.65 + 0.35 * rng.random((n, 3))
    dark = 0.35 * rng.random((n, 3))
    swap = rng.random(n) < 0.5
    fg = np.where(swap[:, None], dark, light)
    bg = np.where(swap[:, None], light, dark)
    return fg.astype(np.float32), bg.astype(np.float32)
