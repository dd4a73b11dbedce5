"""A dataset from a folder of class sub-folders of images: ``root/<class>/<image>.png``.

Every image is decoded once when the folder is opened, so unreadable files are found up front:
they are skipped and named in ``problems`` (and logged). Images are converted to one mode: grey
if every image is grey, else RGB. Sizes may differ; ``Preprocessed`` resizes them to the model's.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from resque_core.data.base import ImageDataset
from resque_core.errors import DataError

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
_ALPHA_MODES = frozenset({"LA", "La", "RGBA", "RGBa", "PA"})


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in path.relative_to(root).parts)


class FolderDataset(ImageDataset):
    """Images in ``root/<class>/...`` (class folders sorted by name; nested folders are searched).

    Args:
        path: the folder.
        name: the dataset's name (default: the folder's name).

    Raises:
        DataError: no class sub-folders, a class with no readable image, or nothing readable at all.
    """

    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        root = Path(path)
        if not root.is_dir():
            raise DataError(f"{str(root)!r} is not a folder; expected a folder of class sub-folders of images")
        self.root = root
        self.name = name or root.name
        self.problems: list[str] = []
        class_dirs = self._class_dirs(root)
        files, targets, modes, sizes = [], [], [], []
        for label, class_dir in enumerate(class_dirs):
            for file, mode, size in self._scan_class(class_dir):
                files.append(file)
                targets.append(label)
                modes.append(mode)
                sizes.append(size)
        self.class_names = [d.name for d in class_dirs]
        self.files = files
        self.targets = np.asarray(targets, dtype=np.int64)
        self._check_classes()
        self.grey = all(m in _GREY_MODES for m in modes)
        self._note_conversions(modes, sizes)
        for note in self.problems:
            log.warning("%s: %s", self.name, note)

    def _class_dirs(self, root: Path) -> list[Path]:
        entries = sorted((p for p in root.iterdir() if not _hidden(p, root)), key=lambda p: p.name)
        dirs = [p for p in entries if p.is_dir()]
        loose = [p for p in entries if not p.is_dir()]
        if not dirs:
            hint = " (its images sit at the top: move them into one sub-folder per class)" if loose else ""
            raise DataError(f"{self.name!r} has no class sub-folders{hint}; expected {self.name}/<class>/<image>.png")
        self.problems += [f"skipped {p.name}: a file outside the class folders" for p in loose]
        return dirs

    def _scan_class(self, class_dir: Path) -> list[tuple[Path, str, tuple[int, int]]]:
        found = []
        for file in sorted(p for p in class_dir.rglob("*") if p.is_file() and not _hidden(p, class_dir)):
            where = file.relative_to(self.root).as_posix()
            if file.suffix.lower() not in IMAGE_SUFFIXES:
                self.problems.append(f"skipped {where}: not an image file (PNG or JPEG expected)")
                continue
            try:
                mode, size = _inspect(file)
            except DataError as exc:
                self.problems.append(f"skipped {where}: {_named(exc, file, where)}")
                continue
            found.append((file, mode, size))
        return found

    def _check_classes(self) -> None:
        if len(self.files) == 0:
            raise DataError(f"no readable image in {self.name!r}: " + "; ".join(self.problems[:5] or ["it is empty"]))
        empty = [name for name, n in self.class_counts().items() if n == 0]
        if empty:
            names = ", ".join(f"'{n}'" for n in empty)
            raise DataError(
                f"class folder(s) {names} in {self.name!r} contain no readable image; add images or remove them"
            )

    def _note_conversions(self, modes: list[str], sizes: list[tuple[int, int]]) -> None:
        target = "grey" if self.grey else "RGB"
        converted = Counter(m for m in modes if m != ("L" if self.grey else "RGB"))
        if converted:
            detail = ", ".join(f"{n} in mode {m}" for m, n in sorted(converted.items()))
            self.problems.append(f"converted images to {target}: {detail}")
        alpha = sum(m in _ALPHA_MODES for m in modes)
        if alpha:
            self.problems.append(f"dropped the alpha channel of {alpha} image(s)")
        size_counts = Counter(sizes)
        if len(size_counts) > 1:
            detail = ", ".join(f"{w}x{h} ({n})" for (w, h), n in size_counts.most_common(5))
            self.problems.append(
                f"images have {len(size_counts)} sizes (WxH: {detail}); they are resized for the model"
            )

    def image(self, i: int) -> torch.Tensor:
        file = self.files[i]
        try:
            return _read_pixels(file, self.grey)
        except DataError as exc:
            where = file.relative_to(self.root).as_posix()
            raise DataError(f"{where}: {_named(exc, file, where)} (did it change after opening?)") from exc


def _named(exc: Exception, file: Path, where: str) -> str:
    """``exc``'s message with the file's server path (which PIL quotes) replaced by its name in the dataset."""
    return str(exc).replace(str(file), where)


def _inspect(file: Path) -> tuple[str, tuple[int, int]]:
    """Decode the image fully once; return its mode and (width, height)."""
    from PIL import Image

    try:
        with Image.open(file) as im:
            im.load()
            return im.mode, im.size
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise DataError(f"cannot be read as an image ({type(exc).__name__}: {exc})") from exc


def _read_pixels(file: Path, grey: bool) -> torch.Tensor:
    """One image as float32 (C, H, W) in [0, 1], grey (C=1) or RGB (C=3)."""
    from PIL import Image

    try:
        with Image.open(file) as im:
            array = _to_unit_array(im, grey)
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise DataError(f"cannot be read as an image ({exc})") from exc
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor[None] if tensor.ndim == 2 else tensor.permute(2, 0, 1).contiguous()


def _to_unit_array(im, grey: bool) -> np.ndarray:
    """Pixels of a PIL image as float32 in [0, 1], (H, W) if ``grey`` else (H, W, 3)."""
    if im.mode.startswith("I") or im.mode == "F":
        values = np.asarray(im, dtype=np.float32)
        high = float(values.max())
        if im.mode == "F":
            peak = 1.0 if high <= 1 else 255.0
        else:  # 16-bit grey ("I;16", or "I" from a 16-bit PNG), unless the values fit in 8 bits
            peak = 65535.0 if im.mode.startswith("I;16") or high > 255 else 255.0
        values = np.clip(values / peak, 0.0, 1.0)
        return values if grey else np.repeat(values[..., None], 3, axis=2)
    return np.asarray(im.convert("L" if grey else "RGB"), dtype=np.float32) / 255.0
