"""Naming a model's layers: the default embedding layer, resolving a name, listing them all.

Layers are named as in ``model.named_modules()``. ``"NAME:input"`` names the *input* of module
NAME; the default layer is the input of the model's last ``nn.Linear`` (the penultimate
representation), e.g. ``"classifier:input"`` for ``SmallCNN`` or ``"fc:input"`` for a ResNet.
A loaded TorchScript model cannot be hooked (torch raises "register_forward_hook is not supported on
ScriptModules", scripted and traced alike): its only layer is ``"output"``, the logits.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from resque_core.errors import LayerError
from resque_core.model.loaded import LoadedModel

INPUT_SUFFIX = ":input"
OUTPUT = "output"  # the model's own output (logits): the only layer of a TorchScript model
TORCHSCRIPT_NOTE = (
    "TorchScript cannot be hooked inside, so RESQUE embeds its output, the logits, not the input of the "
    "final classifier that the forecast's calibration assumes; the index may differ from the calibrated one. "
    "Load the weights as a state_dict (with the architecture) to embed the usual layer"
)


@dataclass(frozen=True)
class LayerInfo:
    """One embeddable layer: its name, module type and per-sample output shape (no batch dim)."""

    name: str
    type: str
    output_shape: tuple[int, ...] | None


def default_layer(model: nn.Module) -> str:
    """The input of the last ``nn.Linear`` in module order, as ``"NAME:input"`` ("output" for TorchScript)."""
    if isinstance(model, torch.jit.ScriptModule):
        return OUTPUT
    linears = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise LayerError("the model has no nn.Linear classifier: choose a layer (see `layers`)")
    return linears[-1] + INPUT_SUFFIX


def resolve_layer(model: nn.Module, layer: str | None) -> tuple[str, nn.Module, bool]:
    """``(name, module, is_input)`` for a layer name (None means the default layer)."""
    layer = layer or default_layer(model)
    if layer == OUTPUT:
        return OUTPUT, model, False
    if isinstance(model, torch.jit.ScriptModule):
        raise LayerError(f"layer {layer!r} cannot be read from a TorchScript model, only 'output'. {TORCHSCRIPT_NOTE}")
    base = layer.removesuffix(INPUT_SUFFIX)
    modules = dict(model.named_modules())
    if not base or base not in modules:
        valid = [n for n in modules if n]
        shown = ", ".join(valid[:40]) + (" ..." if len(valid) > 40 else "")
        raise LayerError(f"layer {layer!r} does not exist; valid layers: {shown} (or NAME:input, or output)")
    return layer, modules[base], layer.endswith(INPUT_SUFFIX)


def list_layers(loaded: LoadedModel) -> list[LayerInfo]:
    """Every named module with its output shape, from one dry run on a zero batch.

    The default layer (``NAME:input`` of the final linear) is listed just before that linear. A
    module called several times per forward reports its first call (the one embedding uses).
    """
    model, spec = loaded.model, loaded.input_spec
    if isinstance(model, torch.jit.ScriptModule):  # compiled: no hooks, only the output can be read
        with torch.inference_mode():
            out = model(torch.zeros(2, spec.channels, *spec.size))
        return [LayerInfo(OUTPUT, "TorchScript output (logits)", tuple(out.shape[1:]))]
    default = default_layer(model) if any(isinstance(m, nn.Linear) for m in model.modules()) else None
    shapes: dict[str, tuple[int, ...] | None] = {}
    handles = []

    def make_hook(name: str, as_input: bool):
        def hook(_module, inputs, output=None):
            value = inputs[0] if as_input else output
            if name not in shapes:
                shapes[name] = tuple(value.shape[1:]) if isinstance(value, torch.Tensor) else None

        return hook

    named = [(n, m) for n, m in model.named_modules() if n]
    try:
        for name, module in named:
            if default and name + INPUT_SUFFIX == default:
                handles.append(module.register_forward_pre_hook(make_hook(default, True)))
            handles.append(module.register_forward_hook(make_hook(name, False)))
        with torch.inference_mode():
            model(torch.zeros(2, spec.channels, *spec.size))
    finally:
        for h in handles:
            h.remove()
    rows = []
    for name, module in named:
        if default and name + INPUT_SUFFIX == default:
            rows.append(LayerInfo(default, f"input of {type(module).__name__}", shapes.get(default)))
        rows.append(LayerInfo(name, type(module).__name__, shapes.get(name)))
    return rows
