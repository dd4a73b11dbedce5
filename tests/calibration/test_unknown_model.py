"""A model the library does not know: the forecast carried across families, and the self-calibration offer."""

from __future__ import annotations

import pytest
import torch

from resque_core.calibration.config import SelfCalibration
from resque_core.calibration.library import get_family
from resque_core.calibration.plan import plan_self_calibration
from resque_core.calibration.unknown_model import unknown_model_advice
from resque_core.data import DigitsDataset, InputSpec
from resque_core.forecast.records import default_records
from resque_core.model.architectures import SmallCNN
from resque_core.model.checkpoint import load_checkpoint, save_checkpoint
from tests.family_fixtures import TRAIN_EPOCHS, share_of_training, three_family_records


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    """A SmallCNN at 8x8 (the library's is 16x16): a family the library lacks, trained for 20 epochs."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("model") / "mine.pt"
    arch = {"kind": "resque", "name": "SmallCNN", "kwargs": {"num_classes": 10, "in_channels": 1}}
    spec = InputSpec((8, 8), 1, (0.3,), (0.3,))
    save_checkpoint(path, SmallCNN(), arch, spec, [str(c) for c in range(10)], 0.9, {"epochs": 20})
    return str(path), load_checkpoint(str(path))


def test_a_library_family_needs_no_advice():
    loaded = get_family("digits-mlp").load()
    assert unknown_model_advice(loaded, DigitsDataset(), "m.pt", "digits", 0.05, records=default_records()) is None


def test_unknown_model_gets_leave_one_family_out_epochs_and_the_command(stranger):
    path, loaded = stranger
    data = DigitsDataset()
    records = three_family_records(noise=0.01)
    advice = unknown_model_advice(loaded, data, path, "digits", 0.05, records=records, train_epochs=TRAIN_EPOCHS)
    t = advice.transfer
    assert t.unit == "train_fraction"  # the unit this model has a reference for (its 20 epochs) and that transfers
    assert t.point == pytest.approx(20 * float(share_of_training(0.05)), rel=0.05)
    assert t.low < t.point < t.high and t.check.n_families == 3
    minutes = advice.self_calibration_minutes
    assert (
        advice.command
        == f"python -m resque_core calibrate --checkpoint {path} --original digits --max-minutes {minutes}"
    )
    sentence = advice.sentence()
    assert "not in the calibration library" in sentence and "leave-one-family-out" in sentence
    assert f"would take about {minutes} min: python -m resque_core calibrate" in sentence
    # the command's budget is one the planner accepts for this model: it plans the forecaster's minimum
    plan = plan_self_calibration(loaded, data, SelfCalibration(max_minutes=minutes, measure_energy=True))
    assert plan.meets_minimum and plan.estimated_s <= 60 * minutes
    assert advice.to_dict()["transfer"]["unit"] == "train_fraction"


def test_the_accuracy_drop_carries_the_forecast_when_it_held_better_for_a_family_left_out(stranger):
    """Each family's index scale differs (x1, x3, x9), its accuracy drop does not: given it, the advice rests on it."""
    path, loaded = stranger
    records = three_family_records(noise=0.01)
    retrain = records.run_kind == "retrain"
    records.loc[retrain, "acc_drop"] = records.loc[retrain, "index_value"]  # the share's true signal
    scale = records["arch"].map({"SmallCNN": 1.0, "SmallResNet": 3.0, "MLP": 9.0})
    records.loc[retrain, "index_value"] = records.loc[retrain, "index_value"] * scale[retrain]
    common = (loaded, DigitsDataset(), path, "digits", 0.05)
    by_index = unknown_model_advice(*common, records=records, train_epochs=TRAIN_EPOCHS).transfer
    by_drop = unknown_model_advice(*common, records=records, train_epochs=TRAIN_EPOCHS, acc_drop=0.05).transfer
    assert by_index.signal == "index_value" and by_drop.signal == "acc_drop"
    assert by_drop.check.mae_epochs < by_index.check.mae_epochs / 3
    assert by_drop.point == pytest.approx(20 * float(share_of_training(0.05)), rel=0.05)
    assert "come from the accuracy drop on 3 other families' runs" in by_drop.sentence()


def test_with_one_family_the_advice_says_nothing_was_left_out(stranger):
    path, loaded = stranger
    advice = unknown_model_advice(loaded, DigitsDataset(), path, "digits", 0.05, records=default_records())
    assert advice.transfer is None and advice.library == ("SmallCNN 16x16x1",)
    assert advice.sentence().startswith(
        "The calibration library holds runs of SmallCNN 16x16x1 only, so no family could be left out"
    )


def test_forecast_command_gives_the_advice_for_an_unknown_checkpoint_when_asked(stranger, capsys):
    import json

    from resque_core.cli import main

    path, _ = stranger
    asked = ["--checkpoint", path, "--data", "digits", "--advice"]
    assert main(["forecast", "--index", "0.05", "--checkpoint", path, "--data", "digits", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)  # not asked: nothing is timed, the note says what is known
    assert plain["unknown_model"] is None and "leave-one-family-out" not in plain["family_note"]
    assert main(["forecast", "--index", "0.05", *asked, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    advice = payload["unknown_model"]
    assert payload["family_note"] == f"{plain['family_note']} {advice['sentence']}"
    assert advice["command"].startswith(f"python -m resque_core calibrate --checkpoint {path} --original digits")
    assert payload["family_note"].endswith(
        f"for it. Its energy per epoch is theirs too: measure a probe of your model. {advice['sentence']}"
    )
    assert "would take about" in advice["sentence"]
    assert advice["library"] == ["MLP 8x8x1", "SmallCNN 16x16x1", "SmallResNet 32x32x3"]  # the shipped library
    carried = advice["transfer"]
    assert carried["signal"] == "index" and carried["n_families"] == 3 and carried["unit"] == "train_fraction"
    assert carried["epochs"]["low"] <= carried["epochs"]["point"] <= carried["epochs"]["high"]
    assert main(["forecast", "--index", "0.05", "--acc-drop", "0.1", *asked, "--json"]) == 0
    with_drop = json.loads(capsys.readouterr().out)["unknown_model"]["transfer"]
    assert with_drop["lofo_mae_epochs"] <= carried["lofo_mae_epochs"]  # the signal that held better for a family
    assert main(["forecast", "--index", "0.05", *asked]) == 0
    out = capsys.readouterr().out
    assert "NOTE: This forecast comes from runs of SmallCNN (" in out and "leave-one-family-out" in out
    assert main(["forecast", "--index", "0.05", "--checkpoint", path, "--data", "digits"]) == 0
    assert "advice: --advice carries the calibration library's runs over" in capsys.readouterr().out
