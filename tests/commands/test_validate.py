"""``python -m resque_core validate``: a real retraining run, measured, recorded like the Validate page's."""

from __future__ import annotations

import json

import pytest

from resque_core.cli import main
from resque_core.forecast.records import RECORD_COLUMNS, RecordStore
from resque_core.index import IndexRequest, compute_index
from resque_core.units import bound_text


def test_validate_retrains_measures_and_records(tmp_path, capsys):
    db = tmp_path / "runs.sqlite"
    argv = ["validate", "--shift", "gaussian_noise:3", "--max-epochs", "1", "--no-energy", "--record"]
    assert main([*argv, "--db", str(db), "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["index_value"] == pytest.approx(compute_index(IndexRequest(shift="gaussian_noise:3")).value)
    assert (row["shift_type"], row["shift_level"], row["seed"]) == ("gaussian_noise", 3, 0)
    assert row["epochs"] == pytest.approx(1.0) and row["censored"] == 1 and row["max_epochs"] == 1
    assert row["seconds"] > 0 and row["kwh"] is None and row["run_id"].startswith("validate-")
    stored = RecordStore(db).all()
    assert len(stored) == 1 and list(stored.columns) == list(RECORD_COLUMNS)  # the sweep's columns
    assert stored["epochs"].iloc[0] == pytest.approx(row["epochs"])
    curve = RecordStore(db).curves([row["run_id"]])  # its curve, stored with it: start to cap
    assert (curve["epoch"].iloc[0], curve["epoch"].iloc[-1]) == (0.0, pytest.approx(1.0)) and len(curve) > 2
    assert curve["val_acc"].iloc[0] == pytest.approx(row["start_acc"]) and curve["energy_kwh"].isna().all()
    assert curve["seconds"].iloc[-1] == pytest.approx(row["seconds"]) and curve["seconds"].is_monotonic_increasing


def test_a_censored_run_reads_as_a_lower_bound(capsys):
    assert main(["validate", "--shift", "gaussian_noise:5", "--max-epochs", "1", "--no-energy"]) == 0
    out = capsys.readouterr().out
    assert ">= 1 epochs (censored at the cap)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-epochs", "0"], "--max-epochs must be >= 1"),
        (["--shift", "fog:2"], "unknown shift type"),
        (["--checkpoint", "/nonexistent.pt"], "does not exist"),
    ],
)
def test_bad_input_is_one_line(argv, message, capsys):
    assert main(["validate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def _records_with_curves(tmp_path):
    """Synthetic records of the digits model's family, each with an evaluation curve (so a forecast answers any T)."""
    from resque_core.forecast.curves import curves_path, write_curves_csv
    from tests.records_fixtures import synthetic_curves, synthetic_records

    records = synthetic_records(40, cap=10.0)
    records["base_acc"] = 0.95
    path = tmp_path / "records.csv"
    records.to_csv(path, index=False)
    write_curves_csv(synthetic_curves(records), curves_path(path))
    return path


def test_the_run_retrains_to_the_forecast_s_target_and_sits_beside_it(tmp_path, capsys):
    """--target-acc: the run stops at T, the forecast is for T, and each measure says whether it was covered."""
    db = tmp_path / "runs.sqlite"
    argv = ["validate", "--shift", "gaussian_noise:5", "--max-epochs", "2", "--no-energy", "--target-acc", "0.8"]
    argv += ["--records", str(_records_with_curves(tmp_path)), "--record", "--db", str(db), "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target"] == {"kind": "acc", "value": 0.8, "label": "accuracy 0.8 on the new data", "accuracy": 0.8}
    assert out["target_rule"] == "fixed(0.8)" and out["target_acc"] == pytest.approx(0.8)
    assert out["forecast_target"] == "accuracy 0.8 on the new data" == out["forecast"]["target"]
    assert out["note"] is None and out["forecast"]["target_note"] is None  # like for like
    assert out["records_pooling"] is None and out["records_cap"] is None  # one family; their cap 10 >= this run's 2
    for measure in ("epochs", "seconds", "kwh"):
        m, iv = out["measures"][measure], out["forecast"][measure]
        assert (m["point"], m["low"], m["high"]) == (iv["point"], iv["low"], iv["high"])
    epochs = out["measures"]["epochs"]
    assert epochs["measured"] == pytest.approx(out["epochs"]) and epochs["censored"] == bool(out["censored"])
    if not out["censored"]:
        assert epochs["covered"] == (epochs["low"] <= out["epochs"] <= epochs["high"])
    assert out["measures"]["seconds"]["measured"] == pytest.approx(out["seconds"])
    assert out["measures"]["kwh"]["measured"] is None and out["measures"]["kwh"]["covered"] is None  # no meter
    rows = {r["measure"]: r for r in out["comparison"]}
    assert rows["Epochs"]["measured"] == bound_text(out["epochs"], bool(out["censored"]))
    stored = RecordStore(db).curves([out["run_id"]])  # the run joins the records with its curve
    assert stored["val_acc"].iloc[0] == pytest.approx(out["start_acc"]) and len(stored) > 2


def test_the_default_target_is_two_points_below_the_clean_accuracy(capsys):
    from resque_core.model.checkpoint import load_checkpoint

    argv = ["validate", "--shift", "gaussian_noise:1", "--max-epochs", "1", "--no-energy", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    clean = load_checkpoint("default").accuracy
    assert out["target"]["kind"] == "drop" and out["target"]["accuracy"] == pytest.approx(clean - 0.02)
    assert out["target_rule"] == f"fixed({clean - 0.02:g})"
    assert out["forecast_target"] == out["target"]["label"]  # the shipped default's curves answer the same target
    assert out["note"] is None or "no evaluation curves" not in out["note"]


def test_a_target_both_ways_is_refused_before_training(capsys):
    argv = ["validate", "--shift", "gaussian_noise:1", "--target-acc", "0.9", "--target-drop", "0.02"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "not both" in err and "epoch" not in err.split("not both")[1] and len(err.strip().splitlines()) == 1


def test_bad_records_fail_before_any_training(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("index_kind,epochs\ndist,1\n")
    assert main(["validate", "--shift", "gaussian_noise:2", "--records", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "epoch 1" not in captured.err and len(captured.err.strip().splitlines()) == 1


def test_a_drop_target_on_weights_without_an_accuracy_names_base_acc(tmp_path, capsys):
    import torch

    from resque_core.model.checkpoint import load_checkpoint

    default = load_checkpoint("default")
    torch.save(default.model.state_dict(), tmp_path / "weights.pt")  # bare weights: no recorded accuracy
    spec = json.dumps(default.input_spec.to_dict())
    argv = ["validate", "--checkpoint", str(tmp_path / "weights.pt"), "--arch", "SmallCNN", "--input-spec", spec]
    argv += ["--shift", "gaussian_noise:3", "--no-energy", "--max-epochs", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the target (within 2 points") and "give it with --base-acc" in err
    assert "epoch" not in err and len(err.strip().splitlines()) == 1
