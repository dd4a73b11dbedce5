"""The input spec of a model whose checkpoint does not record one, inferred from its data.

Size and channels are read, never guessed: the size from the data's first image, the channels from
the model's first convolution (else the data). Mean/std cannot be read from anything, so they are
assumed (ImageNet's for a torchvision architecture on RGB, else 0.5) and the note says so.
"""

from __future__ import annotations

from torch import nn

from resque_core.data.base import ImageDataset, InputSpec
from resque_core.errors import CheckpointError

__all__ = ["IMAGENET_MEAN", "IMAGENET_STD", "assumed_norm", "data_spec", "infer_input_spec"]

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def assumed_norm(channels: int, arch: dict | None) -> tuple[tuple[float, ...], tuple[float, ...], str]:
    """``(mean, std, name)`` assumed for a model without a recorded normalisation."""
    if channels == 3 and (arch or {}).get("kind") == "torchvision":
        return IMAGENET_MEAN, IMAGENET_STD, "ImageNet's (usual for a torchvision architecture)"
    return (0.5,) * channels, (0.5,) * channels, "0.5"


def data_spec(data: ImageDataset, arch: dict | None, channels: int | None = None) -> tuple[InputSpec, str]:
    """``(spec, norm)``: size (and channels, unless given) of ``data``'s first image, mean/std assumed."""
    if len(data) == 0:
        raise CheckpointError("the checkpoint has no input spec and the data is empty", setting="input_spec")
    channels_in, height, width = (int(n) for n in data.image(0).shape)
    channels = channels or channels_in
    mean, std, norm = assumed_norm(channels, arch)
    return InputSpec((height, width), channels, mean, std), norm


def infer_input_spec(model: nn.Module, arch: dict | None, data: ImageDataset) -> tuple[InputSpec, str]:
    """``(spec, note)``: the spec from ``data`` and ``model``, and a sentence saying what was assumed."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    spec, norm = data_spec(data, arch, conv.in_channels if conv is not None and conv.in_channels in (1, 3) else None)
    (height, width), channels = spec.size, spec.channels
    note = (
        f"input spec inferred: {height}x{width}, {channels} channel(s) from the data and the model; "
        f"mean/std assumed {norm}. Set the input spec if the model was trained otherwise."
    )
    return spec, note
