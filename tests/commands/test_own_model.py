"""``layers`` and ``index`` on a user's own ResNet saved five ways: the same layers and the same index
for the same weights, inferred input specs said, and errors that name the flag to use."""

from __future__ import annotations

import json

import pytest
import torch

from resque_core.cli import main
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource
from tests.own_model_fixtures import SPEC_JSON, save_all

torch.set_num_threads(1)
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
FORMATS = ("state_dict", "training", "pickle", "torchscript", "model_file")


SPEC_8_JSON = json.dumps({**json.loads(SPEC_JSON), "size": [8, 8]})  # for the index: a sixteenth of 32x32's work


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_all(tmp_path_factory.mktemp("own_cli"))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The same model with 8x8 images, for the index (its passes over the data do not depend on the size)."""
    return save_all(tmp_path_factory.mktemp("own_cli_small"), size_px=8)


def model_flags(saved, how: str) -> list[str]:
    """The flags that read the model saved ``how``."""
    if how == "model_file":
        return ["--checkpoint", str(saved["state_dict"]), "--model-file", f"{saved['model_file']}:Net", "--trust"]
    flags = ["--checkpoint", str(saved[how])]
    return flags + {"pickle": ["--trust-checkpoint"], "torchscript": []}.get(how, ["--arch", "resnet18"])


def _json(capsys, argv: list[str]):
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@pytest.mark.parametrize("how", ["state_dict", "training", "pickle", "model_file"])
def test_layers_are_the_same_for_every_save(saved, how, capsys):
    rows = _json(capsys, ["layers", *model_flags(saved, how), "--input-spec", SPEC_JSON, "--json"])
    by_name = {row["name"]: row for row in rows}
    assert by_name["fc:input"]["default"] and by_name["fc:input"]["output_shape"] == [512]
    assert by_name["conv1"]["output_shape"] == [64, 32, 32]  # small stem: no downsampling
    assert by_name["maxpool"]["type"] == "Identity"


def test_torchscript_layers_say_logits(saved, capsys):
    rows = _json(capsys, ["layers", *model_flags(saved, "torchscript"), "--input-spec", SPEC_JSON, "--json"])
    assert rows == [{"name": "output", "type": "TorchScript output (logits)", "output_shape": [10], "default": True}]


def test_index_is_the_same_for_every_save(small, capsys):
    """At the logits (the one layer TorchScript has), every save gives the same index, and the API agrees."""
    base = ["index", "--original", str(small["data"]), "--device", "cpu", "--seed", "0", "--json"]
    values = {}
    for how in FORMATS:
        layer = [] if how == "torchscript" else ["--layer", "output"]
        values[how] = _json(capsys, [*base, *model_flags(small, how), "--input-spec", SPEC_8_JSON, *layer])["resque"]
    assert len({round(v, 6) for v in values.values()}) == 1, values
    assert 0 < values["state_dict"] < 1
    model = ModelSource(str(small["state_dict"]), arch="resnet18")
    request = IndexRequest(model=model, original=str(small["data"]), layer="output", device="cpu", max_points=0)
    assert compute_index(request).value == pytest.approx(values["state_dict"], abs=1e-6)  # spec from the data


def test_index_without_input_spec_reads_it_from_the_data(small, capsys):
    base = ["index", "--original", str(small["data"]), "--device", "cpu", "--json"]
    inferred = _json(capsys, [*base, *model_flags(small, "training")])
    given = _json(capsys, [*base, *model_flags(small, "training"), "--input-spec", SPEC_8_JSON])
    assert inferred["resque"] == pytest.approx(given["resque"], abs=1e-9) and inferred["layer"] == "fc:input"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--arch", "resnet18", "--stem", "imagenet"], "conv1 is 3x3 in the weights; the weights do not fit"),
        (["--arch", "resnet18", "--num-classes", "5"], "use --num-classes 10"),
        (["--arch", "resnet18", "--stem", "imagenet"], "use --stem small"),
        ([], "use --arch resnet18"),
        (["--model-file", "my_model.py:Net"], "use --trust-checkpoint"),
        (["--model-file", "nowhere.py:Net", "--trust"], "model file 'nowhere.py' does not exist: use --model-file"),
    ],
)
def test_bad_model_flags_name_the_flag(saved, extra, message, capsys):
    capsys.readouterr()
    assert main(["layers", "--checkpoint", str(saved["training"]), "--input-spec", SPEC_JSON, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "(set " not in err


def test_layers_of_spec_less_weights_ask_for_the_input_spec(saved, capsys):
    capsys.readouterr()
    assert main(["layers", "--checkpoint", str(saved["state_dict"]), "--arch", "resnet18"]) == 2
    err = capsys.readouterr().err
    assert "does not record its input spec" in err and 'use --input-spec \'{"size": [H, W]' in err


def test_torchscript_layer_request_is_refused(saved, capsys):
    capsys.readouterr()
    argv = ["index", "--original", str(saved["data"]), *model_flags(saved, "torchscript"), "--layer", "layer4"]
    assert main([*argv, "--input-spec", SPEC_JSON, "--device", "cpu"]) == 2
    assert "only 'output'" in capsys.readouterr().err


def test_layers_read_the_input_spec_from_the_original_data(saved, capsys):
    """Like index, layers takes the model's data to infer the image size and channels from."""
    capsys.readouterr()
    argv = ["layers", "--checkpoint", str(saved["state_dict"]), "--arch", "resnet18", "--stem", "small"]
    assert main([*argv, "--original", str(saved["data"]), "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["conv1"]["output_shape"] == [64, 32, 32] and sum(row["default"] for row in rows.values()) == 1
