"""The PyTorch steps retraining is built of: one training step, an evaluation, data to tensors, the model copy."""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from resque_core.errors import RetrainError
from resque_core.retraining.config import RetrainConfig

_MAX_BYTES = 2 * 1024**3


def train_step(net: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, device) -> tuple:
    """One Adam step; returns (mean loss, correct count, global gradient L2 norm)."""
    x, y = x.to(device), y.to(device)
    optimizer.zero_grad(set_to_none=True)
    logits = net(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    grads = [p.grad.detach().norm(2) for p in net.parameters() if p.grad is not None]
    grad_norm = float(torch.linalg.vector_norm(torch.stack(grads))) if grads else 0.0
    optimizer.step()
    return loss.item(), int((logits.argmax(1) == y).sum()), grad_norm


def evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor, device, batch_size: int = 512) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``net`` on tensors ``x``, ``y``."""
    was_training, loss, correct = net.training, 0.0, 0
    net.eval()
    with torch.inference_mode():
        for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True):
            logits = net(xb.to(device))
            loss += float(nn.functional.cross_entropy(logits, yb.to(device), reduction="sum"))
            correct += int((logits.argmax(1) == yb.to(device)).sum())
    net.train(was_training)
    return loss / len(y), correct / len(y)


def materialize(dataset: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack a dataset of ``(image, label)`` into two tensors (the data is read and shifted once)."""
    if isinstance(dataset, torch.utils.data.TensorDataset):
        return dataset.tensors[0].float(), dataset.tensors[1].long()
    n = len(dataset)
    if n == 0:
        raise RetrainError("the dataset is empty: retraining needs at least one sample")
    first = dataset[0][0]
    if first.numel() * 4 * n > _MAX_BYTES:
        raise RetrainError(f"{n} samples of shape {tuple(first.shape)} exceed 2 GiB; use a smaller data fraction")
    loader = torch.utils.data.DataLoader(dataset, batch_size=256, shuffle=False, num_workers=0)
    xs, ys = zip(*loader, strict=True)
    return torch.cat(xs).float(), torch.cat(ys).long()


def prepare_model(model: nn.Module, config: RetrainConfig, num_classes: int) -> nn.Module:
    """A trainable copy: re-initialised (seeded) when ``from_scratch``, with a fresh head when ``head="new"``."""
    net = copy.deepcopy(model)
    torch.manual_seed(config.seed)
    if config.from_scratch:
        for module in net.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    if config.head == "new":
        name, old = _last_linear(net)
        parent = net.get_submodule(name.rpartition(".")[0]) if "." in name else net
        setattr(parent, name.rpartition(".")[2], nn.Linear(old.in_features, num_classes, bias=old.bias is not None))
    for p in net.parameters():
        p.requires_grad_(True)
    return net.train()


def _last_linear(net: nn.Module) -> tuple[str, nn.Linear]:
    linears = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise RetrainError("the model has no linear classifier layer to replace; use head='keep'")
    return linears[-1]


def class_count(config: RetrainConfig, train_set: Any, y_tr: torch.Tensor, y_val: torch.Tensor) -> int:
    """Classes the trained head must have: the config's, the dataset's class names, or the largest label + 1."""
    if config.num_classes is not None:
        return config.num_classes
    names = getattr(train_set, "class_names", None)
    return len(names) if names else int(max(y_tr.max(), y_val.max())) + 1


def check_labels(net: nn.Module, y_tr: torch.Tensor, y_val: torch.Tensor) -> None:
    """Refuse labels the model cannot output (new classes need ``head="new"``)."""
    outputs = _last_linear(net)[1].out_features if any(isinstance(m, nn.Linear) for m in net.modules()) else None
    top = int(max(y_tr.max(), y_val.max()))
    if int(min(y_tr.min(), y_val.min())) < 0 or (outputs is not None and top >= outputs):
        raise RetrainError(f"labels run to {top} but the model has {outputs} outputs; use head='new' for new classes")


def training_device(name: str) -> torch.device:
    """The torch device for "cpu", "cuda" or "auto" (refusing "cuda" without a GPU)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RetrainError("device 'cuda' asked for but no GPU is available; use 'cpu' or 'auto'")
    return torch.device(name)
