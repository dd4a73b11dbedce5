"""``ModelSource``: its command-line flags and its plain dict give back the same source."""

from __future__ import annotations

import argparse

from resque_core.commands.model_args import add_model_arguments, model_source
from resque_core.data.base import InputSpec
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource

SPEC = InputSpec(size=(32, 32), channels=3, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
SOURCE = ModelSource("w.pt", trust=True, arch="resnet18", num_classes=7, stem="small", input_spec=SPEC,
                     model_file="m.py:Net")  # fmt: skip


def _parsed(words: list[str]) -> ModelSource:
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    return model_source(parser.parse_args(words))


def test_the_flags_read_back_into_the_same_source():
    assert _parsed(SOURCE.to_args()) == SOURCE
    assert ModelSource().to_args() == ["--checkpoint", "default"]
    assert _parsed(ModelSource().to_args()) == ModelSource()


def test_a_request_holds_its_source_and_reads_the_page_s_flat_dict():
    request = IndexRequest.from_inputs({**SOURCE.inputs(), "shift": "gaussian_noise:2", "seed": 3})
    assert request == IndexRequest(model=SOURCE, shift="gaussian_noise:2", seed=3)
    assert hash(request) == hash(IndexRequest(model=SOURCE, shift="gaussian_noise:2", seed=3))
    assert request.model.input_spec == SPEC and request.model.num_classes == 7
    assert IndexRequest.from_inputs({"kind": "task"}) == IndexRequest(kind="task")
