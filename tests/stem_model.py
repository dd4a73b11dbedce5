"""A ResNet-18 with a 3x3 stem that kept its max-pool, trained here in seconds (20 Adam steps on the digits
0-3 at 8x8, ImageNet's normalisation, as the page assumes for a torchvision model): its weights alone cannot
say the max-pool is there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from resque_core.data.base import InputSpec
from resque_core.model.input_spec import IMAGENET_MEAN, IMAGENET_STD
from tests.class_order_data import digit_pixels

SPEC = InputSpec((8, 8), 3, IMAGENET_MEAN, IMAGENET_STD)


def train_maxpool_resnet(folder: Path) -> tuple[Path, Path]:
    """(state_dict path, npz path) in ``folder``: the trained model's weights and its original data (80 images)."""
    import torchvision

    x, y = digit_pixels(per_class=20)
    keep = y < 4
    x, y = x[keep], y[keep]
    grey = torch.tensor(x, dtype=torch.float32)[:, None].repeat(1, 3, 1, 1) / 255
    images = (grey - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    labels = torch.tensor(y)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=4)
    model.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    for _ in range(20):
        batch = torch.randint(0, len(images), (16,))
        loss = nn.functional.cross_entropy(model.train()(images[batch]), labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    torch.save(model.state_dict(), folder / "resnet.pt")
    np.savez(folder / "digits4.npz", x=x, y=y)
    return folder / "resnet.pt", folder / "digits4.npz"
