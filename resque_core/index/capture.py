"""Capture one layer's value during a forward pass with a hook (``capture``), pooled to one vector per image.

The hook captures the chosen layer's output (or input, for ``"NAME:input"``) and, unless told
otherwise, raises a private exception so the rest of the network never runs. Spatial outputs
(B, C, H, W) are averaged to (B, C), token outputs (B, T, D) to (B, D) (``pool``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

from resque_core.errors import LayerError
from resque_core.model.layers import OUTPUT, resolve_layer

__all__ = ["capture", "hooked_forward", "pool"]


class _StopForward(Exception):
    """Raised by the hook once the chosen layer has run, so later layers are skipped."""


def pool(output: torch.Tensor, flatten: bool = False) -> torch.Tensor:
    """(B, C, H, W) -> (B, C) by spatial mean, (B, T, D) -> (B, D) by token mean; ``flatten`` keeps all."""
    if flatten or output.ndim == 2:
        return output.reshape(output.shape[0], -1)
    if output.ndim == 4:
        return output.mean(dim=(2, 3))
    if output.ndim == 3:
        return output.mean(dim=1)
    return output.reshape(output.shape[0], -1)


@contextlib.contextmanager
def capture(model: nn.Module, layer: str | None, stop: bool = True) -> Iterator[dict]:
    """Hook ``layer`` for the duration of the block; its first value per forward lands in ``box["out"]``."""
    if isinstance(model, torch.jit.ScriptModule):  # compiled: no hooks, only its output can be read
        resolve_layer(model, layer)  # refuses any layer but the output, saying why
        yield {"name": OUTPUT, "direct": True}
        return
    name, module, as_input = resolve_layer(model, layer)
    box: dict = {"name": name}

    def hook(_module, inputs, output=None):
        if "out" in box:  # a module called twice per forward: keep its first call
            return
        value = inputs[0] if as_input else output
        if not isinstance(value, torch.Tensor):
            raise LayerError(f"layer {name!r} outputs a {type(value).__name__}, not a tensor; choose another")
        box["out"] = value
        if stop:
            raise _StopForward

    handle = module.register_forward_pre_hook(hook) if as_input else module.register_forward_hook(hook)
    try:
        yield box
    finally:
        handle.remove()


def hooked_forward(model: nn.Module, images: torch.Tensor, box: dict) -> tuple[torch.Tensor, object]:
    """The hooked layer's value, and the model's output (None when the hook stopped the forward)."""
    box.pop("out", None)
    if box.get("direct"):
        output = model(images)
        return output, output
    output = None
    with contextlib.suppress(_StopForward):
        output = model(images)
    if "out" not in box:
        raise LayerError(f"layer {box['name']!r} was not reached by the forward pass; choose another")
    return box["out"], output
