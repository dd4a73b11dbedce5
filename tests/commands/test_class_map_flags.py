"""``calibrate`` and ``forecast --probe`` train the model on the data's labels: like ``index``, they refuse
data whose classes are out of the model's order until ``--class-map`` confirms a mapping."""

from __future__ import annotations

import pytest
import torch

from resque_core.calibration.campaigns import self_calibrate
from resque_core.cli import main
from resque_core.model.source import ModelSource
from tests.class_order_data import write_word_folder, zip_folder


@pytest.fixture(scope="module", autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def word_zip(tmp_path_factory):
    root = tmp_path_factory.mktemp("words")
    folder, _ = write_word_folder(root, per_class=30)
    return str(zip_folder(folder, root / "words.zip"))


@pytest.mark.parametrize(
    "argv",
    [
        ["calibrate", "--checkpoint", "default", "--original", "{zip}", "--max-cases", "1"],
        ["forecast", "--index", "0.1", "--probe", "--data", "{zip}"],
    ],
)
def test_training_commands_refuse_out_of_order_classes(word_zip, argv, capsys):
    assert main([a.replace("{zip}", word_zip) for a in argv]) == 2
    err = capsys.readouterr().err
    assert "looks like the model's output 8" in err and "--class-map auto" in err


def test_self_calibration_relabels_through_the_class_map(word_zip, monkeypatch):
    """The sweep is handed the relabeled data (checked here, before any retraining runs)."""
    import resque_core.calibration.campaigns as campaigns
    from resque_core.calibration.config import SelfCalibration

    seen = {}

    class Stop(Exception):
        pass

    def cases(loaded, data, cfg):
        seen["classes"], seen["targets"] = list(data.class_names), data.targets.copy()
        raise Stop

    monkeypatch.setattr(campaigns, "DistCases", cases)
    with pytest.raises(Stop):
        self_calibrate(ModelSource("default"), word_zip, SelfCalibration(measure_energy=False), class_map="auto")
    assert seen["classes"] == [str(d) for d in range(10)]
    assert sorted(set(seen["targets"].tolist())) == list(range(10))
    assert seen["targets"][:30].tolist() == [8] * 30  # the zip's first class, "eight"
