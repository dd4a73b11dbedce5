"""The one dataset interface every source, view and shift shares.

An ``ImageDataset`` is a map-style torch dataset of ``(image, label)`` pairs where the image is a
float32 tensor of shape (C, H, W) with values in [0, 1], at the source's native size and channels,
and the label is an int in ``range(len(class_names))``. Model-specific preprocessing (resize,
channels, mean/std) is applied by ``Preprocessed`` from an ``InputSpec``; shifts act in pixel
space before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset

from resque_core.errors import DataError


@dataclass(frozen=True)
class InputSpec:
    """What a model expects as input.

    Attributes:
        size: (height, width) in pixels.
        channels: 1 (grey) or 3 (RGB).
        mean: per-channel mean subtracted after scaling pixels to [0, 1].
        std: per-channel standard deviation divided after the mean.
    """

    size: tuple[int, int]
    channels: int
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def to_dict(self) -> dict:
        return {"size": list(self.size), "channels": self.channels, "mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_dict(cls, d: dict) -> InputSpec:
        try:
            spec = cls(
                size=(int(d["size"][0]), int(d["size"][1])),
                channels=int(d["channels"]),
                mean=tuple(float(m) for m in d["mean"]),
                std=tuple(float(s) for s in d["std"]),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise DataError(f"input spec must have size [H, W], channels, mean and std; got {d!r}") from exc
        if spec.channels not in (1, 3) or len(spec.mean) != spec.channels or len(spec.std) != spec.channels:
            raise DataError(f"input spec needs 1 or 3 channels with one mean/std each; got {d!r}")
        if min(spec.size) < 1 or min(spec.std) <= 0:
            raise DataError(f"input spec needs a positive size and std; got {d!r}")
        return spec


class ImageDataset(Dataset):
    """Base class: subclasses set ``name``, ``class_names`` and ``targets`` and implement ``image``."""

    name: str = "dataset"
    class_names: list[str]
    targets: np.ndarray  # int64, shape (N,)

    def __len__(self) -> int:
        return int(len(self.targets))

    def image(self, i: int) -> torch.Tensor:
        """Image ``i`` as float32 (C, H, W) in [0, 1]."""
        raise NotImplementedError

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.image(int(i)), int(self.targets[i])

    def class_indices(self) -> dict[int, np.ndarray]:
        """Sample indices of each class, for every class in ``class_names`` (possibly empty)."""
        return {c: np.flatnonzero(self.targets == c) for c in range(len(self.class_names))}

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.targets, minlength=len(self.class_names))
        return {name: int(n) for name, n in zip(self.class_names, counts, strict=False)}
