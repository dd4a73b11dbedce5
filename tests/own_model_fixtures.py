"""A user's own model saved the usual ways: a small-stem torchvision ResNet-18 (10 classes, random
weights) as a state_dict, a training-checkpoint dict, a full pickle, TorchScript and weights plus a
model file; and 60 RGB images of 10 classes in an npz (32x32, or smaller where a journey trains it)."""

from __future__ import annotations

import json
import pathlib
import textwrap

import numpy as np
import torch
from torch import nn

SPEC_JSON = json.dumps({"size": [32, 32], "channels": 3, "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]})
MODEL_FILE_SOURCE = textwrap.dedent(
    """
    from torch import nn
    from torchvision.models.resnet import BasicBlock, ResNet


    class Net(ResNet):
        def __init__(self, num_classes=10):
            super().__init__(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)
            self.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
            self.maxpool = nn.Identity()
    """
)


def small_resnet() -> nn.Module:
    """ResNet-18, 10 classes, CIFAR stem (3x3 stride-1 conv1, no max-pool), seeded random weights."""
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None, num_classes=10)
    model.conv1 = nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)
    model.maxpool = nn.Identity()
    with torch.no_grad():  # non-trivial batch-norm statistics, so a wrong layout cannot pass by chance
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model.eval()


def save_all(folder: pathlib.Path, size_px: int = 32) -> dict[str, pathlib.Path]:
    """The model saved five ways, and ``size_px``-square data; paths by name.

    A training step of ResNet-18 on 8x8 images costs about a sixteenth of one on 32x32 (the convolutions
    scale with the area), which bounds the journeys that retrain it on a loaded machine.
    """
    model = small_resnet()
    paths = {name: folder / f"{name}.pt" for name in ("state_dict", "training", "pickle", "torchscript")}
    torch.save(model.state_dict(), paths["state_dict"])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    training = {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(), "epoch": 3}
    torch.save({k: v for k, v in training.items()}, paths["training"])
    torch.save(model, paths["pickle"])
    torch.jit.script(model).save(str(paths["torchscript"]))
    paths["model_file"] = folder / "my_model.py"
    paths["model_file"].write_text(MODEL_FILE_SOURCE)
    rng = np.random.default_rng(0)
    x = rng.random((60, size_px, size_px, 3)).astype("float32")
    y = np.repeat(np.arange(10), 6)
    paths["data"] = folder / "mine.npz"
    np.savez(paths["data"], x=x, y=y)
    return paths


def batch() -> torch.Tensor:
    """A fixed input batch, already normalised."""
    torch.manual_seed(1)
    return torch.randn(4, 3, 32, 32)
