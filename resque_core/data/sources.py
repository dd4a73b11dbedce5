"""One entry point for every data source: ``open_source("digits" | PATH | "torchvision:NAME")``."""

from __future__ import annotations

import logging
from pathlib import Path

from resque_core.data.base import ImageDataset
from resque_core.errors import DataError

log = logging.getLogger(__name__)

ACCEPTED_FORMS = (
    "'digits' (the embedded default), 'shapes' (generated 32x32 RGB shapes), a folder of class sub-folders of "
    "PNG/JPEG images, a .zip of such a folder, a .npz with arrays x and y, or 'torchvision:NAME' "
    "(e.g. torchvision:CIFAR10)"
)


def default_data_root() -> Path:
    """Where torchvision datasets are cached unless told otherwise."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("resque")) / "torchvision"


def open_source(
    spec: str,
    *,
    allow_download: bool = False,
    data_root: str | Path | None = None,
    max_unzipped_bytes: int = 512 * 2**20,
    extract_to: str | Path | None = None,
) -> ImageDataset:
    """Open a dataset from its description.

    Args:
        spec: ``"digits"``, ``"shapes"``, a folder path, a ``.zip`` or ``.npz`` path, or ``"torchvision:NAME[:test]"``.
        allow_download: let torchvision datasets be downloaded when missing from ``data_root``.
        data_root: torchvision cache folder (default: a per-user cache dir).
        max_unzipped_bytes: refuse zips that expand past this many bytes.
        extract_to: the existing folder a zip is extracted in (default: the temp folder).

    Raises:
        DataError: the source cannot be found or read; the message says what to do.
    """
    text = str(spec).strip()
    if text == "digits":
        from resque_core.data.digits import DigitsDataset

        return DigitsDataset()
    if text == "shapes":
        from resque_core.data.generated import ShapesDataset

        return ShapesDataset()
    if text.startswith("torchvision:"):
        from resque_core.data.torchvision_source import TorchvisionDataset

        name, _, split = text.removeprefix("torchvision:").partition(":")
        root = Path(data_root) if data_root is not None else default_data_root()
        return TorchvisionDataset(name, root, allow_download, train=_train_split(split, text))
    return _open_path(Path(text).expanduser(), max_unzipped_bytes, extract_to)


def _train_split(split: str, text: str) -> bool:
    if split in ("", "train"):
        return True
    if split == "test":
        return False
    raise DataError(f"torchvision split must be 'train' or 'test' (torchvision:NAME:test); got {text!r}")


def _open_path(path: Path, max_unzipped_bytes: int, extract_to: str | Path | None) -> ImageDataset:
    if not path.exists():
        raise DataError(f"no such file or folder: {str(path)!r}. A data source is one of: {ACCEPTED_FORMS}")
    if path.is_dir():
        from resque_core.data.folder import FolderDataset

        return FolderDataset(path)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        from resque_core.data.zipped import ZipDataset

        return ZipDataset(path, max_unzipped_bytes=max_unzipped_bytes, extract_to=extract_to)
    if suffix == ".npz":
        from resque_core.data.npz import NpzDataset

        return NpzDataset(path)
    raise DataError(f"cannot read {path.name!r} as a dataset. A data source is one of: {ACCEPTED_FORMS}")
