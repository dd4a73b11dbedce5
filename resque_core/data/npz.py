"""A dataset from a ``.npz`` file with arrays ``x`` (images), ``y`` (labels) and optional ``class_names``.

``x`` is (N, H, W), (N, H, W, C) or (N, C, H, W) with C in 1, 3 (or 4: alpha is dropped), as
uint8 (0..255) or float (0..1, or 0..255, which is rescaled and noted). ``y`` holds integer labels
0..K-1. Every malformed input is refused with a ``DataError`` saying what is wrong.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import numpy as np

from resque_core.data.arrays import ArrayDataset
from resque_core.errors import DataError

log = logging.getLogger(__name__)

_CHANNELS = (1, 3, 4)


class NpzDataset(ArrayDataset):
    """Images and labels from a ``.npz``; loaded with ``allow_pickle=False``."""

    def __init__(self, path: str | Path) -> None:
        path = Path(path)
        x, y, names = _read(path)
        problems: list[str] = []
        images = _to_nchw(x, path.name, problems)
        scale = _scale(images, path.name, problems)
        targets = _labels(y, len(images), path.name, problems)
        class_names = _class_names(names, targets, path.name, problems)
        for note in problems:
            log.warning("%s: %s", path.name, note)
        super().__init__(images, targets, class_names, name=path.stem, scale=scale, problems=problems)


def _read(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path.name}: is not a readable .npz file ({exc})") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"{path.name}: holds a single array, not a .npz archive; save it with np.savez(path, x=..., y=...)"
        )
    with archive:
        keys = list(archive.files)
        if "x" not in keys or "y" not in keys:
            found = ", ".join(keys) if keys else "none"
            raise DataError(f"{path.name}: a .npz dataset needs arrays 'x' (images) and 'y' (labels); found: {found}")
        try:
            names = archive["class_names"] if "class_names" in keys else None
            return archive["x"], archive["y"], names
        except ValueError as exc:  # object arrays would need pickle, which is refused
            raise DataError(f"{path.name}: holds object arrays, not loaded for safety; save plain arrays") from exc
        except (OSError, zipfile.BadZipFile, EOFError) as exc:
            raise DataError(f"{path.name}: an array in it cannot be read ({exc})") from exc


def _to_nchw(x: np.ndarray, label: str, problems: list[str]) -> np.ndarray:
    """A view of ``x`` as (N, C, H, W) with C in 1 or 3."""
    if x.dtype.kind not in "uif" or x.dtype == np.bool_:
        raise DataError(f"{label}: x must hold numbers (uint8 or float); got dtype {x.dtype}")
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[3] in _CHANNELS and x.shape[1] not in (1, 3):
        x = np.moveaxis(x, 3, 1)
    elif not (x.ndim == 4 and x.shape[1] in _CHANNELS):
        raise DataError(
            f"{label}: x has shape {x.shape}; expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3"
        )
    if x.shape[0] == 0 or min(x.shape[2:]) < 1:
        raise DataError(f"{label}: x has shape {x.shape}: no images")
    if x.shape[1] == 4:
        problems.append("dropped the alpha channel of 4-channel images")
        x = x[:, :3]
    return x


def _scale(x: np.ndarray, label: str, problems: list[str]) -> float:
    """The factor that maps ``x`` to [0, 1], refusing NaN/inf and values out of range."""
    if x.dtype.kind == "f":
        bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
        if bad:
            raise DataError(f"{label}: x contains {bad} NaN or infinite values; clean or drop those images")
    low, high = float(x.min()), float(x.max())
    if low < 0 or high > 255:
        raise DataError(f"{label}: pixel values span {low:g}..{high:g}; expected 0..1 (float) or 0..255")
    if x.dtype.kind == "f" and high <= 1:
        return 1.0
    if x.dtype.kind == "f":
        problems.append(f"float pixels span {low:g}..{high:g}: read as 0..255 and divided by 255")
    return 1 / 255


def _labels(y: np.ndarray, n: int, label: str, problems: list[str]) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n:
        raise DataError(f"{label}: y must be 1-D with one label per image; x has {n} images, y has shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or not np.array_equal(y, np.round(y)):
            bad = int(np.flatnonzero(~np.isfinite(y) | (y != np.round(y)))[0])
            raise DataError(f"{label}: labels must be integers; y[{bad}] = {y[bad].item()!r}")
        problems.append("float labels converted to integers")
    elif y.dtype.kind not in "iu" or y.dtype == np.bool_:
        raise DataError(f"{label}: labels must be integers 0..K-1; got dtype {y.dtype}")
    y = y.astype(np.int64)
    if (y < 0).any():
        bad = int(np.flatnonzero(y < 0)[0])
        raise DataError(f"{label}: labels must be 0 or more; y[{bad}] = {y[bad]}")
    return y


def _class_names(names: np.ndarray | None, y: np.ndarray, label: str, problems: list[str]) -> list[str]:
    if names is None:
        k = int(y.max()) + 1
        empty = sorted(set(range(k)) - set(np.unique(y).tolist()))
        if empty:
            problems.append(
                f"labels skip {len(empty)} class number(s) ({', '.join(map(str, empty[:10]))}): empty classes"
            )
        return [str(c) for c in range(k)]
    if names.ndim != 1 or names.dtype.kind not in "US":
        raise DataError(f"{label}: class_names must be a 1-D array of strings; got {names.dtype} {names.shape}")
    class_names = [str(n) for n in names.tolist()]
    if len(set(class_names)) != len(class_names):
        raise DataError(f"{label}: class_names has repeated names: {class_names}")
    if int(y.max()) >= len(class_names):
        bad = int(np.flatnonzero(y >= len(class_names))[0])
        raise DataError(
            f"{label}: labels must be 0..{len(class_names) - 1} for {len(class_names)} class names; y[{bad}] = {y[bad]}"
        )
    counts = np.bincount(y, minlength=len(class_names))
    empty = [n for n, k in zip(class_names, counts, strict=True) if k == 0]
    if empty:
        problems.append(f"classes with no samples: {', '.join(empty[:10])}")
    return class_names
