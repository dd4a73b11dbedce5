"""Where a model comes from and how to read it: the one object the dashboard and every command build.

A user's model arrives as one of: our own checkpoint, TorchScript, a bare ``state_dict`` or a
training-checkpoint dict (which need ``arch``, and may need ``num_classes`` and ``stem``), a trusted
full pickle, or weights plus the user's own model class (``model_file``, trusted only).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from resque_core.data.base import ImageDataset, InputSpec
from resque_core.model.architectures import STEMS
from resque_core.model.loaded import LoadedModel

__all__ = ["STEMS", "ModelSource"]


@dataclass(frozen=True)
class ModelSource:
    """A checkpoint and what it takes to read it.

    Attributes:
        checkpoint: a file path, or "default" (digits 0-9) / "default-0-4" (digits 0-4).
        trust: allow code from the file to run (a full pickle, or ``model_file``): only for files you trust.
        arch: architecture of bare weights: a torchvision classification model ("resnet18") or "SmallCNN".
        num_classes: outputs of the classifier (None: read from the weights).
        stem: "imagenet" (7x7 stride-2 conv and max-pool), "small" (3x3 stride-1 first conv, no max-pool,
            the usual CIFAR-style change), "small-maxpool" (3x3 first conv, max-pool kept) or "auto" (read
            from the weights; whether a 3x3 stem kept its max-pool is measured on the original data).
        input_spec: image size, channels and normalisation, when the checkpoint does not carry them.
        model_file: "path/to/my_model.py:ClassName", the user's own architecture for bare weights (trusted only).
    """

    checkpoint: str = "default"
    trust: bool = False
    arch: str | None = None
    num_classes: int | None = None
    stem: str = "auto"
    input_spec: InputSpec | None = None
    model_file: str | None = None

    def load(self, data: ImageDataset | Callable[[], ImageDataset] | None = None) -> LoadedModel:
        """The model, loaded safely (``load_checkpoint``).

        Args:
            data: the model's original data, to infer the input spec from when neither the checkpoint
                nor ``input_spec`` gives it (recorded in the result's ``meta["input_spec_source"]``); a
                callable returning it is only called then.
        """
        from resque_core.model.checkpoint import load_checkpoint

        settings = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "checkpoint"}
        return load_checkpoint(self.checkpoint, data=data, **settings)  # each setting is the keyword of its name

    def to_args(self) -> list[str]:
        """The command-line flags that describe this source (``python -m resque_core ... --checkpoint ...``)."""
        words = ["--checkpoint", self.checkpoint]
        if self.arch:
            words += ["--arch", self.arch]
        if self.num_classes:
            words += ["--num-classes", str(self.num_classes)]
        if self.stem != "auto":
            words += ["--stem", self.stem]
        if self.input_spec is not None:
            words += ["--input-spec", json.dumps(self.input_spec.to_dict(), separators=(",", ":"))]
        if self.model_file:
            words += ["--model-file", self.model_file]
        if self.trust:
            words.append("--trust-checkpoint")
        return words

    def inputs(self) -> dict[str, Any]:
        """A plain JSON-able dict (scenarios, cache keys, ``IndexRequest.from_inputs``)."""
        out = asdict(self)
        out["input_spec"] = self.input_spec.to_dict() if self.input_spec is not None else None
        return out

    @classmethod
    def from_inputs(cls, inputs: dict[str, Any]) -> ModelSource:
        """The inverse of ``inputs``."""
        spec = inputs.get("input_spec")
        return cls(**{**inputs, "input_spec": InputSpec.from_dict(spec) if isinstance(spec, dict) else spec})
