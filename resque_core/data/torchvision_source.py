"""torchvision's classic image datasets, read from a local cache; downloaded only when allowed."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from resque_core.data.arrays import ArrayDataset
from resque_core.errors import DataError

log = logging.getLogger(__name__)

SUPPORTED: tuple[str, ...] = ("CIFAR10", "CIFAR100", "MNIST", "FashionMNIST", "KMNIST", "SVHN")
_DOWNLOAD_MB = {"CIFAR10": 163, "CIFAR100": 161, "MNIST": 12, "FashionMNIST": 30, "KMNIST": 20, "SVHN": 182}


class TorchvisionDataset(ArrayDataset):
    """A torchvision dataset held as its uint8 arrays (no per-image PIL round trip).

    Args:
        name: one of ``SUPPORTED`` (e.g. ``"CIFAR10"``).
        root: the folder torchvision reads from and downloads into.
        allow_download: fetch the dataset when it is not in ``root``.
        train: the training split (default) or the test split.

    Raises:
        DataError: unknown name, not in ``root`` without ``allow_download``, or a failed download.
    """

    def __init__(self, name: str, root: str | Path, allow_download: bool = False, *, train: bool = True) -> None:
        if name not in SUPPORTED:
            raise DataError(f"unknown torchvision dataset {name!r}; supported: {', '.join(SUPPORTED)}")
        root = Path(root).expanduser()
        raw = _construct(name, root, allow_download, train)
        images, targets, classes = _arrays(name, raw)
        split = "" if train else "-test"
        super().__init__(images, targets, classes, name=f"{name}{split}", scale=1 / 255)
        self.root = root


def _construct(name: str, root: Path, allow_download: bool, train: bool):
    import torchvision.datasets

    factory = getattr(torchvision.datasets, name)
    kwargs = {"split": "train" if train else "test"} if name == "SVHN" else {"train": train}
    try:
        return factory(str(root), download=False, **kwargs)
    except RuntimeError as exc:
        if not allow_download:
            raise DataError(
                f"torchvision dataset {name} is not in {root} (or is incomplete); allow the download "
                f"(about {_DOWNLOAD_MB[name]} MB) with allow_download=True (CLI: --allow-download), "
                "or copy the dataset there"
            ) from exc
    log.info("downloading torchvision dataset %s into %s", name, root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        return factory(str(root), download=True, **kwargs)
    except Exception as exc:  # urllib, socket, tarfile and integrity errors all mean the same to the user
        raise DataError(
            f"could not download torchvision dataset {name} into {root} ({type(exc).__name__}: {exc}); "
            "check the network connection, or copy the dataset there and retry"
        ) from exc


def _arrays(name: str, raw) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(N, C, H, W) uint8 images, int64 labels and class names of a constructed torchvision dataset."""
    data = raw.data.numpy() if hasattr(raw.data, "numpy") else np.asarray(raw.data)
    if name.startswith("CIFAR"):
        images = np.moveaxis(data, 3, 1)  # stored (N, H, W, C)
    elif name == "SVHN":
        images = data  # stored (N, C, H, W)
    else:
        images = data[:, None]  # grey (N, H, W)
    labels = raw.labels if name == "SVHN" else raw.targets
    targets = np.asarray(labels.numpy() if hasattr(labels, "numpy") else labels, dtype=np.int64)
    if name == "SVHN":
        classes = [str(d) for d in range(10)]
    else:
        classes = [re.sub(r"^(\d+) - .*$", r"\1", str(c)) for c in raw.classes]  # MNIST's "0 - zero" -> "0"
    return images, targets, classes
