"""A dataset held as one in-memory array: the digits, ``.npz`` files and torchvision's array datasets."""

from __future__ import annotations

import numpy as np
import torch

from resque_core.data.base import ImageDataset


class ArrayDataset(ImageDataset):
    """Images stored as an (N, C, H, W) array, converted to float32 in [0, 1] one at a time.

    Args:
        images: (N, C, H, W) array of any real dtype (a view is fine: nothing is copied).
        targets: (N,) integer labels in ``range(len(class_names))``.
        class_names: one name per class.
        name: a short label for the dataset.
        scale: factor mapping stored values to [0, 1] (1/255 for uint8, 1/16 for the digits).
        problems: notes about what was converted while loading.
    """

    def __init__(
        self,
        images: np.ndarray,
        targets: np.ndarray,
        class_names: list[str],
        name: str,
        scale: float = 1.0,
        problems: list[str] | None = None,
    ) -> None:
        self.images = images
        self.targets = np.asarray(targets, dtype=np.int64)
        self.class_names = list(class_names)
        self.name = name
        self.scale = float(scale)
        self.problems = list(problems or [])

    def image(self, i: int) -> torch.Tensor:
        pixels = np.asarray(self.images[i], dtype=np.float32) * np.float32(self.scale)
        return torch.from_numpy(np.ascontiguousarray(pixels))
