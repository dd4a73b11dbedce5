"""Small uint8 thumbnails of a dataset, a few per class, for the dashboard to show."""

from __future__ import annotations

import numpy as np
import torch

from resque_core.data.base import ImageDataset


def sample_grid(dataset: ImageDataset, per_class: int, seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """Up to ``per_class`` seeded random images of each class, as (class name, H x W x C uint8) pairs.

    Classes come in ``class_names`` order; a class with fewer samples gives all it has.
    """
    rng = np.random.default_rng(seed)
    grid = []
    for c, members in dataset.class_indices().items():
        chosen = rng.choice(members, size=min(per_class, len(members)), replace=False) if len(members) else []
        for i in sorted(int(i) for i in chosen):
            pixels = dataset.image(i).clamp(0, 1).mul(255).round().to(torch.uint8)
            grid.append((dataset.class_names[c], pixels.permute(1, 2, 0).numpy()))
    return grid
