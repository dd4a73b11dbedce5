"""Models: loading checkpoints safely, the shipped architectures, and naming their layers.

Checkpoints are untrusted input: ``load_checkpoint`` reads them with ``weights_only=True`` and refuses a
full pickle unless ``trust=True``. See docs/engine.md.
"""

from __future__ import annotations

from resque_core.model.architectures import SmallCNN, build_model
from resque_core.model.checkpoint import load_checkpoint, save_checkpoint
from resque_core.model.layers import LayerInfo, default_layer, list_layers, resolve_layer
from resque_core.model.loaded import LoadedModel
from resque_core.model.source import STEMS, ModelSource

__all__ = [
    "STEMS",
    "ModelSource",
    "LayerInfo",
    "LoadedModel",
    "SmallCNN",
    "build_model",
    "default_layer",
    "list_layers",
    "load_checkpoint",
    "resolve_layer",
    "save_checkpoint",
]
