"""A ResNet-18 with a 3x3 stem that kept its max-pool, trained here: its weights cannot say so (a max-pool has
none), so both variants are measured on its original data, the right one is used, and the CLI says so."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from resque_core.data import open_source
from resque_core.model.checkpoint import load_checkpoint
from tests.commands.in_process import run_main
from tests.stem_model import SPEC, train_maxpool_resnet


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def maxpool_model(tmp_path_factory):
    return train_maxpool_resnet(tmp_path_factory.mktemp("maxpool"))


def test_the_max_pool_is_measured_kept_and_said(maxpool_model):
    weights, data = maxpool_model
    loaded = load_checkpoint(str(weights), arch="resnet18", input_spec=SPEC, data=open_source(str(data)))
    assert loaded.meta["stem"] == "small-maxpool" and isinstance(loaded.model.maxpool, nn.MaxPool2d)
    note = loaded.meta["stem_note"]
    assert "cannot tell whether the max-pool was kept: measured on 80 original images" in note
    assert "so the stem is small-maxpool (with the max-pool)" in note and "set the stem" in note
    with_pool = float(note.split("with the max-pool ")[1].split("%")[0])
    without = float(note.split("without the max-pool ")[1].split("%")[0])
    assert with_pool > 80 and without < 50


def test_an_explicit_stem_is_used_as_given(maxpool_model):
    weights, data = maxpool_model
    for stem, pool in (("small", nn.Identity), ("small-maxpool", nn.MaxPool2d)):
        loaded = load_checkpoint(str(weights), arch="resnet18", input_spec=SPEC, stem=stem, data=open_source(str(data)))
        assert isinstance(loaded.model.maxpool, pool) and "stem_note" not in loaded.meta


def test_the_cli_index_says_which_stem_and_why(maxpool_model, capsys):
    weights, data = maxpool_model
    argv = ["index", "--checkpoint", str(weights), "--arch", "resnet18", "--original", str(data)]
    argv += ["--input-spec", json.dumps(SPEC.to_dict()), "--device", "cpu"]
    code, out, err = run_main(capsys, *argv)
    assert code == 0, err
    assert "note: the weights have a 3x3 conv1 but cannot tell whether the max-pool was kept" in out
    assert "so the stem is small-maxpool" in out
