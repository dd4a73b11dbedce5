"""A model the library does not know: one answer (the library's runs carried across families, its time and energy
only from the model itself) and the self-calibration offer, named as the user named their model and data."""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

import pytest
import torch

from resque_core.calibration.library import get_family
from resque_core.calibration.model_forecast import carry, forecast_for_model
from resque_core.calibration.unknown_model import unknown_model_advice
from resque_core.cli import main
from resque_core.data import DigitsDataset, InputSpec
from resque_core.forecast.costing import CostSettings
from resque_core.forecast.family import CARRIED, family_of, is_carried
from resque_core.forecast.pipeline import Evidence, FitSettings, Records, choose_records, make_forecast
from resque_core.forecast.records import default_records
from resque_core.model.architectures import SmallCNN
from resque_core.model.checkpoint import load_checkpoint, save_checkpoint
from resque_core.units import number_text
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


def _library(frame) -> Records:
    return Records(frame, CARRIED)


def _headline(interval) -> str:
    """How the note quotes the headline epochs (``units.number_text``, as the page and the command write them)."""
    low, high = number_text(interval.low), number_text(interval.high)
    return f"({number_text(interval.point)} epochs, 80% interval {low}-{high})"


def test_a_library_family_needs_no_advice():
    loaded = get_family("digits-mlp").load()
    assert unknown_model_advice(loaded, DigitsDataset(), "m.pt", "digits", records=default_records()) is None


def test_the_library_runs_are_carried_in_the_unit_that_held_best_for_a_family_left_out(stranger):
    _, loaded = stranger
    library = _library(three_family_records(noise=0.01))
    carried = carry(loaded, Evidence(index=0.05), FitSettings(), library, TRAIN_EPOCHS)
    t = carried.transfer
    assert t.unit == "train_fraction"  # the unit this model has a reference for (its 20 epochs) and that transfers
    assert t.point == pytest.approx(20 * float(share_of_training(0.05)), rel=0.05)
    assert t.low < t.point < t.high and t.check.n_families == 3
    assert carried.target.kind == "records" and "carry no evaluation curves" in carried.target_note


def test_the_accuracy_drop_carries_the_forecast_when_it_held_better_for_a_family_left_out(stranger):
    """Each family's index scale differs (x1, x3, x9), its accuracy drop does not: given it, the forecast uses it."""
    _, loaded = stranger
    records = three_family_records(noise=0.01)
    retrain = records.run_kind == "retrain"
    records.loc[retrain, "acc_drop"] = records.loc[retrain, "index_value"]  # the share's true signal
    scale = records["arch"].map({"SmallCNN": 1.0, "SmallResNet": 3.0, "MLP": 9.0})
    records.loc[retrain, "index_value"] = records.loc[retrain, "index_value"] * scale[retrain]
    library = _library(records)
    by_index = carry(loaded, Evidence(index=0.05), FitSettings(), library, TRAIN_EPOCHS).transfer
    by_drop = carry(loaded, Evidence(index=0.05, acc_drop=0.05), FitSettings(), library, TRAIN_EPOCHS).transfer
    assert by_index.signal == "index_value" and by_drop.signal == "acc_drop"
    assert by_drop.check.mae_epochs < by_index.check.mae_epochs / 3
    assert by_drop.point == pytest.approx(20 * float(share_of_training(0.05)), rel=0.05)


def test_the_carried_runs_answer_the_team_s_target_read_off_their_curves(stranger):
    """Each run's accuracy climbs 0.5 -> 0.9 over twice its own epochs: "back to 0.8" takes 1.5 times them."""
    import pandas as pd

    from resque_core.forecast.targets import Target

    _, loaded = stranger
    records = three_family_records(noise=0.01)
    retrain = records[records.run_kind == "retrain"]
    curves = pd.DataFrame(
        [
            {"run_id": run, "epoch": 2 * epochs * step / 4, "val_acc": 0.5 + 0.1 * step, "seconds": 20 * epochs * step}
            for run, epochs in zip(retrain.run_id, retrain.epochs, strict=True)
            for step in range(5)
        ]
    ).assign(energy_kwh=None)
    library = Records(records, CARRIED, curves)
    carried = carry(loaded, Evidence(index=0.05), FitSettings(target=Target.acc(0.8)), library, TRAIN_EPOCHS)
    assert carried.target == Target.acc(0.8) and carried.unreached.n_unreached == 0
    assert carried.transfer.point == pytest.approx(1.5 * 20 * float(share_of_training(0.05)), rel=0.05)
    forecast = forecast_for_model(
        Evidence(index=0.05),
        choose_records("default", family_of(loaded)),
        CostSettings(),
        loaded=loaded,
        settings=FitSettings(target=Target.acc(0.8)),
        library=library,
        train_epochs=TRAIN_EPOCHS,
    )
    assert (
        forecast.target == "accuracy 0.8 on the new data"
        and forecast.measures["epochs"].point == carried.transfer.point
    )
    assert (
        f"its epochs to accuracy 0.8 on the new data {_headline(forecast.measures['epochs'])}" in forecast.family_note
    )


def test_the_headline_is_the_carried_answer_and_the_note_quotes_it(stranger):
    _, loaded = stranger
    library = _library(three_family_records(noise=0.01))
    evidence = Evidence(index=0.05)
    records = choose_records("default", family_of(loaded))  # the shipped SmallCNN 16x16: another family
    forecast = forecast_for_model(
        evidence, records, CostSettings(), loaded=loaded, library=library, train_epochs=TRAIN_EPOCHS
    )
    t = carry(loaded, evidence, FitSettings(), library, TRAIN_EPOCHS).transfer
    epochs = forecast.measures["epochs"]
    assert (epochs.point, epochs.low, epochs.high) == (t.point, t.low, t.high)
    note = forecast.family_note
    assert note.startswith("Your model, SmallCNN (") and "is of a family the calibration library lacks" in note
    assert _headline(epochs) in note and "a family left out was forecast with MAE" in note
    # nothing of the other family's is left beside it: no time, energy, from-scratch figures or its signal sentence
    assert set(forecast.measures) == {"epochs"} and not forecast.scratch
    assert forecast.signals is None and forecast.benchmark == () and is_carried(forecast)
    assert "Time, kWh and CO2 are not shown: the records' figures per epoch are another model's" in note
    assert forecast.source.energy == "not measured"


def test_time_and_energy_come_only_from_figures_of_the_model_itself(stranger):
    _, loaded = stranger
    library = _library(three_family_records(noise=0.01))
    records = choose_records("default", family_of(loaded))
    common = {"loaded": loaded, "library": library, "train_epochs": TRAIN_EPOCHS}
    typed = CostSettings(
        energy="kwh-per-epoch", kwh_per_epoch=2e-3, seconds_per_epoch=30.0, intensity="typed", intensity_g_per_kwh=400
    )
    forecast = forecast_for_model(Evidence(index=0.05), records, typed, **common)
    epochs = forecast.measures["epochs"].point
    assert forecast.measures["kwh"].point == pytest.approx(epochs * 2e-3)
    assert forecast.measures["seconds"].point == pytest.approx(epochs * 30.0)
    assert forecast.measures["co2_kg"].point == pytest.approx(epochs * 2e-3 * 0.4)
    assert "Time and energy per epoch are the figures you gave for your model." in forecast.family_note
    # a hardware profile without this model's seconds per epoch would borrow the records' (another family's)
    profile = CostSettings(energy="profile", profile="nvidia-a100-sxm")
    unpriced = forecast_for_model(Evidence(index=0.05), records, profile, **common)
    assert set(unpriced.measures) == {"epochs"} and "Time, kWh and CO2 are not shown" in unpriced.family_note
    timed = forecast_for_model(Evidence(index=0.05), records, replace(profile, seconds_per_epoch=30.0), **common)
    assert timed.measures["seconds"].point == pytest.approx(epochs * 30.0) and "kwh" in timed.measures
    assert "modeled for your model: " in timed.family_note


def test_with_one_family_in_the_library_the_records_epochs_stay_and_the_note_says_whose(stranger):
    _, loaded = stranger
    evidence, records = Evidence(index=0.05), choose_records("default", family_of(loaded))
    forecast = forecast_for_model(evidence, records, CostSettings(), loaded=loaded, library=_library(default_records()))
    theirs = make_forecast(evidence, records, CostSettings(), family=family_of(loaded))
    assert forecast.measures["epochs"] == theirs.measures["epochs"] and not is_carried(forecast)
    note = forecast.family_note
    assert note.startswith("This forecast comes from runs of SmallCNN (28.1k parameters, 16x16 grey images")
    assert f"The epochs shown {_headline(forecast.measures['epochs'])[:-1]}, to " in note and "are theirs" in note
    assert "seconds" not in forecast.measures and "kwh" not in forecast.measures


def test_index_then_forecast_for_a_resnet18_give_one_answer_priced_by_its_own_probe(tmp_path, capsys):
    """As a new user would: a torchvision ResNet-18 state_dict and its own (tiny) data, none of it the library's;
    ``index``, then the ``forecast`` command it suggests, then with a probe of the model and the advice."""
    from tests.own_model_fixtures import save_all

    paths = save_all(tmp_path, size_px=8)
    spec = json.dumps({"size": [8, 8], "channels": 3, "mean": [0.5] * 3, "std": [0.25] * 3})
    own = ["--checkpoint", str(paths["state_dict"]), "--arch", "resnet18", "--input-spec", spec]
    shifted = ["--original", str(paths["data"]), "--shift", "gaussian_noise:3", "--accept-low-accuracy"]
    assert main(["index", *own, *shifted]) == 0  # its last line: the forecast command, in the user's own words
    hint = capsys.readouterr().out.strip().splitlines()[-1]
    ask = shlex.split(hint.removeprefix("next: "))[3:]
    compact = json.dumps(json.loads(spec), separators=(",", ":"))
    assert ask[:2] == ["forecast", "--index"] and ask[3] == "--acc-drop"
    assert ask[5:] == [*own[:4], "--input-spec", compact, "--data", str(paths["data"])]
    assert main([*ask, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    epochs, note = payload["epochs"], payload["family_note"]
    assert f"({number_text(epochs['point'])} epochs, 80% interval {number_text(epochs['low'])}-" in note
    assert note.startswith("Your model, resnet18 (11.2M parameters, 8x8 RGB images), is of a family the calibration")
    assert "carried from the accuracy drop" in note and payload["source"]["records"].startswith(CARRIED)
    # not one figure per epoch of another family: no time, energy, CO2, from-scratch figures, nor their fit report
    assert all(payload[m] is None for m in ("seconds", "kwh", "co2_kg", "grad_norm", "param_change"))
    assert payload["scratch"] is None and payload["fit_report"] is None and payload["signals"] is None
    assert "Measure a probe of your model on your data (forecast --probe" in note
    assert main(ask) == 0
    out = capsys.readouterr().out
    table = {
        line.split()[0]: line.split()[1]
        for line in out.splitlines()
        if line.split()[:1] in (["Epochs"], ["Time"], ["Energy"])
    }
    assert f"NOTE: {note}" in out and table == {"Epochs": number_text(epochs["point"])}  # no time, no energy
    assert "advice: --advice sizes a self-calibration" in out
    probed = [*ask, "--probe", "--probe-steps", "2", "--accept-low-accuracy", "--advice", "--json"]
    assert main(probed) == 0
    payload = json.loads(capsys.readouterr().out)
    probe, note = payload["probe"], payload["family_note"]
    assert payload["epochs"] == epochs  # the same answer, now priced by the model's own probe
    assert payload["seconds"]["point"] == pytest.approx(epochs["point"] * probe["seconds_per_epoch"])
    assert payload["kwh"]["point"] == pytest.approx(epochs["point"] * probe["kwh_per_epoch"])
    assert "Time and energy per epoch are your model's own: probe (median of " in note and "not shown" not in note
    advice = payload["unknown_model"]
    minutes = advice["self_calibration_minutes"]
    words = ["python", "-m", "resque_core", "calibrate", *own[:4], "--input-spec", compact]
    tail = ["--original", str(paths["data"]), "--accept-low-accuracy", "--max-minutes", str(minutes)]
    assert advice["command"] == shlex.join([*words, *tail])  # the checks the user chose, repeated
    assert "digits" not in advice["command"] and note.endswith(advice["sentence"])


def test_records_that_name_no_model_keep_their_answer_and_their_note(stranger):
    """A user's history without the family columns may be of this very model: nothing of it is dropped."""
    from tests.records_fixtures import synthetic_records

    _, loaded = stranger
    history = Records(synthetic_records(n=30, n_scratch=4).drop(columns=["arch", "input_size"]), "user history")
    forecast = forecast_for_model(Evidence(index=0.05), history, CostSettings(), loaded=loaded)
    assert forecast == make_forecast(Evidence(index=0.05), history, CostSettings(), family=family_of(loaded))
    assert forecast.family_note.startswith("The calibration records do not name the model they were measured on")
    assert "seconds" in forecast.measures and not is_carried(forecast)
