"""A loaded model and what it expects as input: what checkpoint loading returns and the rest consumes."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from resque_core.data.base import InputSpec

__all__ = ["LoadedModel"]


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A model ready to embed with: in eval mode, on the CPU, with what it expects as input.

    Attributes:
        model: the network, in eval mode.
        input_spec: image size, channels and normalisation the model was trained with.
        class_names: one name per output of the classifier.
        arch: ``{"kind", "name", "kwargs"}`` when known (our format, bare state_dict), else None.
        accuracy: accuracy on a held-out split in [0, 1], when the checkpoint records it.
        source: the path it was loaded from.
        format: "resque", "torchscript", "state_dict" or "pickle".
        meta: free-form provenance (seed, versions, date, command...).
    """

    model: nn.Module
    input_spec: InputSpec
    class_names: list[str]
    arch: dict | None
    accuracy: float | None
    source: str
    format: str
    meta: dict = field(default_factory=dict)
