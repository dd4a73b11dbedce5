"""A user's own ResNet saved the usual ways loads to the same logits; the bad cases name their fix."""

from __future__ import annotations

import pytest
import torch

from resque_core.data import open_source
from resque_core.data.base import InputSpec
from resque_core.errors import CheckpointError, LayerError
from resque_core.model.input_spec import IMAGENET_MEAN, IMAGENET_STD
from resque_core.model.layers import resolve_layer
from resque_core.model.source import ModelSource
from tests.own_model_fixtures import batch, save_all, small_resnet

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
SPEC = InputSpec((32, 32), 3, IMAGENET_MEAN, IMAGENET_STD)
SMALL_RESNET = {"kind": "torchvision", "name": "resnet18", "kwargs": {"num_classes": 10}, "stem": "small"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_all(tmp_path_factory.mktemp("own"))


def _source(saved, how: str, **kwargs) -> ModelSource:
    if how == "model_file":
        return ModelSource(str(saved["state_dict"]), True, model_file=f"{saved['model_file']}:Net", **kwargs)
    arch = "resnet18" if how in ("state_dict", "training") else None
    return ModelSource(str(saved[how]), how == "pickle", arch=arch, **kwargs)


@pytest.mark.parametrize("how", ["state_dict", "training", "pickle", "torchscript", "model_file"])
def test_every_save_gives_the_same_logits(saved, how):
    loaded = _source(saved, how, input_spec=SPEC).load()
    with torch.inference_mode():
        expected, got = small_resnet()(batch()), loaded.model(batch())
    assert torch.allclose(got, expected, atol=1e-5)
    assert loaded.class_names == [str(i) for i in range(10)] and loaded.input_spec == SPEC
    if how in ("state_dict", "training"):  # classes and stem read from the weights
        assert loaded.arch == SMALL_RESNET and loaded.format == "state_dict"
    assert loaded.format == {"pickle": "pickle", "torchscript": "torchscript"}.get(how, "state_dict")


def test_input_spec_is_read_from_the_data_not_guessed(saved):
    data = open_source(str(saved["data"]))
    loaded = _source(saved, "state_dict").load(data=data)
    assert loaded.input_spec == SPEC  # 32x32 RGB from the data; ImageNet's mean/std for a torchvision arch
    assert "inferred: 32x32, 3 channel(s)" in loaded.meta["input_spec_source"]
    assert "ImageNet's" in loaded.meta["input_spec_source"]
    pickled = _source(saved, "pickle").load(data=data)
    assert pickled.input_spec == InputSpec((32, 32), 3, (0.5,) * 3, (0.5,) * 3)  # no arch: 0.5 assumed
    with pytest.raises(CheckpointError) as err:
        _source(saved, "state_dict").load()
    assert err.value.setting == "input_spec" and "does not record its input spec" in err.value.message


def test_explicit_stem_and_classes_that_fit_load(saved):
    loaded = _source(saved, "training", stem="small", num_classes=10, input_spec=SPEC).load()
    assert loaded.arch == SMALL_RESNET


@pytest.mark.parametrize(
    ("kwargs", "setting", "value", "says"),
    [
        ({"stem": "imagenet"}, "stem", "small", "conv1 is 3x3 in the weights"),
        ({"num_classes": 5}, "num_classes", 10, "fc has 10 outputs in the weights"),
        ({"arch": "resnet34"}, "arch", "resnet18", "they look like resnet18"),
        ({"arch": None}, "arch", "resnet18", "bare weights (they look like resnet18)"),
        ({"arch": "no_such_net"}, "arch", "resnet18", "unknown architecture 'no_such_net'"),
    ],
)
def test_weights_that_do_not_fit_name_the_fix(saved, kwargs, setting, value, says):
    source = ModelSource(str(saved["training"]), arch=kwargs.pop("arch", "resnet18"), input_spec=SPEC, **kwargs)
    with pytest.raises(CheckpointError) as err:
        source.load()
    assert (err.value.setting, err.value.value) == (setting, value)
    assert says in err.value.message


def test_model_file_needs_trust_and_an_existing_file_and_class(saved):
    spec = f"{saved['model_file']}:Net"
    with pytest.raises(CheckpointError) as err:
        ModelSource(str(saved["state_dict"]), False, model_file=spec, input_spec=SPEC).load()
    assert err.value.setting == "trust" and "was not run" in err.value.message
    with pytest.raises(CheckpointError) as err:
        ModelSource(str(saved["state_dict"]), True, model_file="nowhere/net.py:Net", input_spec=SPEC).load()
    assert err.value.setting == "model_file" and "'nowhere/net.py' does not exist" in err.value.message
    with pytest.raises(CheckpointError) as err:
        ModelSource(str(saved["state_dict"]), True, model_file=f"{saved['model_file']}:Nope", input_spec=SPEC).load()
    assert "no nn.Module class 'Nope' (it has: BasicBlock, Net, ResNet)" in err.value.message


def test_pickle_without_trust_names_the_trust_setting(saved):
    with pytest.raises(CheckpointError) as err:
        ModelSource(str(saved["pickle"]), input_spec=SPEC).load()
    assert err.value.setting == "trust" and "torchvision.models.resnet.ResNet" in err.value.message


def test_torchscript_inner_layer_is_refused_in_words(saved):
    loaded = _source(saved, "torchscript", input_spec=SPEC).load()
    assert "logits" in loaded.meta["layer_note"]
    assert resolve_layer(loaded.model, None)[0] == "output"
    with pytest.raises(LayerError, match="cannot be read from a TorchScript model, only 'output'"):
        resolve_layer(loaded.model, "layer4")
