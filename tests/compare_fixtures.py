"""Three candidate checkpoints trained on the digits in the test, as a user's bare ``state_dict`` files read with
``CKPT:ARCH``: a good SmallCNN, a SmallCNN that saw 200 images for 6 epochs (the clear loser on accuracy) and an
MLP. They are trained at the input spec the loader infers for a bare checkpoint on the digits (8x8, mean and std
0.5), so that nothing but the file and its architecture is given."""

from __future__ import annotations

import pathlib

import torch
from torch import nn

from resque_core.data import open_source
from resque_core.data.base import InputSpec
from resque_core.data.split import paper_split
from resque_core.model.architectures import MLP, SmallCNN

SPEC = InputSpec((8, 8), 1, (0.5,), (0.5,))


def digits_tensors() -> tuple[torch.Tensor, torch.Tensor]:
    """The digits' original part (the paper's split, seed 0) as the models see it."""
    from resque_core.data.views import Preprocessed

    original, _ = paper_split(open_source("digits"), seed=0)
    view = Preprocessed(original, SPEC)
    x = torch.stack([view[i][0] for i in range(len(view))])
    return x, torch.as_tensor(original.targets, dtype=torch.int64)


def trained(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    order = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(x), generator=order).split(32):
            optimiser.zero_grad()
            nn.functional.cross_entropy(model(x[batch]), y[batch]).backward()
            optimiser.step()
    return model.eval()


def save_candidates(folder: pathlib.Path) -> dict[str, str]:
    """The three candidates as ``CKPT:ARCH`` specs, by role: "cnn", "weak_cnn" (the loser) and "mlp"."""
    x, y = digits_tensors()
    torch.manual_seed(0)
    models = {
        "cnn": (trained(SmallCNN(num_classes=10, in_channels=1), x, y, epochs=6), "SmallCNN"),
        "weak_cnn": (trained(SmallCNN(num_classes=10, in_channels=1), x[:200], y[:200], epochs=6), "SmallCNN"),
        "mlp": (trained(MLP(num_classes=10, in_features=64), x, y, epochs=4), "MLP"),
    }
    specs = {}
    for role, (model, arch) in models.items():
        path = folder / f"{role}.pt"
        torch.save(model.state_dict(), path)
        specs[role] = f"{path}:{arch}"
    return specs
