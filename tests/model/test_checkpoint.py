"""Checkpoint loading: all four formats and every bad input."""

from __future__ import annotations

import os
import pickle

import pytest
import torch
from torch import nn

from resque_core.data.base import InputSpec
from resque_core.errors import CheckpointError
from resque_core.model.architectures import SmallCNN
from resque_core.model.checkpoint import load_checkpoint, save_checkpoint
from resque_core.model.layers import default_layer, list_layers

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
SPEC = InputSpec((16, 16), 1, (0.5,), (0.25,))
ARCH = {"kind": "resque", "name": "SmallCNN", "kwargs": {"num_classes": 3, "width": 4, "hidden": 8}}


def _model() -> nn.Module:
    torch.manual_seed(0)
    return SmallCNN(num_classes=3, width=4, hidden=8).eval()


def _logits(model: nn.Module) -> torch.Tensor:
    torch.manual_seed(1)
    with torch.no_grad():
        return model(torch.rand(2, 1, 16, 16))


def test_own_format_round_trip(tmp_path):
    model = _model()
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, ARCH, SPEC, ["a", "b", "c"], accuracy=0.9, meta={"seed": 3})
    loaded = load_checkpoint(str(path))
    assert loaded.format == "resque"
    assert loaded.input_spec == SPEC
    assert loaded.class_names == ["a", "b", "c"]
    assert loaded.accuracy == pytest.approx(0.9)
    assert loaded.meta == {"seed": 3}
    assert loaded.arch == ARCH
    assert not loaded.model.training
    assert torch.allclose(_logits(loaded.model), _logits(model))


def test_torchscript_detected_by_contents_not_extension(tmp_path):
    model = _model()
    path = tmp_path / "scripted.weird"
    torch.jit.script(model).save(str(path))
    loaded = load_checkpoint(str(path), input_spec=SPEC)
    assert loaded.format == "torchscript"
    assert loaded.class_names == ["0", "1", "2"]  # inferred from the output width
    assert torch.allclose(_logits(loaded.model), _logits(model))
    assert default_layer(loaded.model) == "output"
    assert [(i.name, i.output_shape) for i in list_layers(loaded)] == [("output", (3,))]


def test_torchscript_without_spec_says_how_to_give_one(tmp_path):
    path = tmp_path / "s.pt"
    torch.jit.script(_model()).save(str(path))
    with pytest.raises(CheckpointError, match="input spec"):
        load_checkpoint(str(path))


def test_bare_state_dict_with_torchvision_arch(tmp_path):
    import torchvision

    model = torchvision.models.resnet18(num_classes=7).eval()
    path = tmp_path / "sd.pt"
    torch.save(model.state_dict(), path)
    loaded = load_checkpoint(str(path), arch="resnet18", input_spec=InputSpec((32, 32), 3, (0,) * 3, (1,) * 3))
    assert loaded.format == "state_dict"
    assert loaded.arch == {"kind": "torchvision", "name": "resnet18", "kwargs": {"num_classes": 7}}
    assert len(loaded.class_names) == 7
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(loaded.model(x), model(x), atol=1e-6)


def test_bare_state_dict_smallcnn_infers_sizes_and_strips_dataparallel_prefix(tmp_path):
    model = _model()
    path = tmp_path / "sd.pt"
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, path)
    loaded = load_checkpoint(str(path), arch="SmallCNN", input_spec=SPEC)
    assert loaded.arch["kwargs"] == {"num_classes": 3, "in_channels": 1, "width": 4, "hidden": 8}
    assert torch.allclose(_logits(loaded.model), _logits(model))


def test_bare_state_dict_without_arch_is_refused(tmp_path):
    path = tmp_path / "sd.pt"
    torch.save(_model().state_dict(), path)
    with pytest.raises(CheckpointError, match="arch"):
        load_checkpoint(str(path))


def test_state_dict_that_does_not_fit_names_keys(tmp_path):
    state = _model().state_dict()
    state.pop("fc1.bias")
    state["extra.weight"] = torch.zeros(2, 2)
    state["classifier.bias"] = torch.zeros(5)
    path = tmp_path / "bad.pt"
    save_checkpoint(path, _model(), ARCH, SPEC, ["a", "b", "c"])
    obj = torch.load(path, weights_only=True)
    obj["state_dict"] = state
    torch.save(obj, path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(str(path))
    msg = str(err.value)
    assert "missing: fc1.bias" in msg and "unexpected: extra.weight" in msg
    assert "mismatched: classifier.bias (5,) vs (3,)" in msg


def test_pickled_module_needs_trust(tmp_path):
    model = _model()
    path = tmp_path / "full.pt"
    torch.save(model, path)
    with pytest.raises(CheckpointError, match="set trust=True") as err:
        load_checkpoint(str(path), input_spec=SPEC)
    assert "SmallCNN" in str(err.value)
    loaded = load_checkpoint(str(path), input_spec=SPEC, trust=True)
    assert loaded.format == "pickle"
    assert torch.allclose(_logits(loaded.model), _logits(model))


class _Evil:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("writer", ["pickle", "torch"])
def test_malicious_pickle_is_refused_and_never_executed(tmp_path, writer):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    if writer == "pickle":
        path.write_bytes(pickle.dumps(_Evil(str(marker))))
    else:
        torch.save({"state_dict": _Evil(str(marker))}, path)
    with pytest.raises(CheckpointError, match="refused") as err:
        load_checkpoint(str(path))
    assert "system" in str(err.value)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"hello, this is not a model\n", "text file"),
        (bytes(range(256)) * 4, "not a PyTorch checkpoint"),
    ],
)
def test_non_checkpoint_files(tmp_path, content, match):
    path = tmp_path / "x.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=match):
        load_checkpoint(str(path))


def test_zip_that_is_not_a_model(tmp_path):
    import zipfile

    path = tmp_path / "x.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(CheckpointError, match="zip archive without a PyTorch model"):
        load_checkpoint(str(path))


def test_dict_without_weights_and_tensor(tmp_path):
    path = tmp_path / "d.pt"
    torch.save({"epoch": 3, "lr": 0.1}, path)
    with pytest.raises(CheckpointError, match="without model weights.*epoch"):
        load_checkpoint(str(path))
    torch.save(torch.zeros(3), path)
    with pytest.raises(CheckpointError, match="holds a Tensor"):
        load_checkpoint(str(path))


def test_missing_file():
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint("/nonexistent/model.pt")
