"""Layer names: the default embedding layer, resolving a name, listing shapes with one dry run."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from resque_core.data.base import InputSpec
from resque_core.errors import LayerError
from resque_core.model.architectures import SmallCNN
from resque_core.model.checkpoint import load_checkpoint, save_checkpoint
from resque_core.model.layers import default_layer, list_layers, resolve_layer

torch.set_num_threads(1)
SPEC = InputSpec((16, 16), 1, (0.5,), (0.25,))
ARCH = {"kind": "resque", "name": "SmallCNN", "kwargs": {"num_classes": 3, "width": 4, "hidden": 8}}


def _model() -> nn.Module:
    torch.manual_seed(0)
    return SmallCNN(num_classes=3, width=4, hidden=8).eval()


def test_layers_and_default_layer(tmp_path):
    path = tmp_path / "m.pt"
    save_checkpoint(path, _model(), ARCH, SPEC, ["a", "b", "c"])
    loaded = load_checkpoint(str(path))
    assert default_layer(loaded.model) == "classifier:input"
    layers = {info.name: info for info in list_layers(loaded)}
    assert layers["classifier:input"].output_shape == (8,)
    assert layers["classifier:input"].type == "input of Linear"
    assert layers["relu"].output_shape == (8,)
    assert layers["features.0"].output_shape == (4, 16, 16)
    assert layers["features"].output_shape == (16, 4, 4)
    assert layers["classifier"].output_shape == (3,)
    names = [info.name for info in list_layers(loaded)]
    assert names.index("classifier:input") == names.index("classifier") - 1


def test_unknown_layer_lists_valid_names():
    with pytest.raises(LayerError, match="does not exist; valid layers: features, features.0"):
        resolve_layer(_model(), "nope")
    assert resolve_layer(_model(), "output")[0] == "output"
    with pytest.raises(LayerError, match="no nn.Linear"):
        default_layer(nn.Sequential(nn.Conv2d(1, 2, 3)))
