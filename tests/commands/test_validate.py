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


def _records_with_rule(tmp_path, label: str):
    from resque_core.forecast.records import default_records

    records = default_records()
    records.loc[records["run_kind"] == "retrain", "target_rule"] = label
    path = tmp_path / "records.csv"
    records.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("label", "rule", "tolerance"),
    [("base-3pt", "base-minus", 0.03), ("plateau(0.02x3)", "plateau", None)],
)
def test_auto_rule_stops_like_the_records(tmp_path, capsys, label, rule, tolerance):
    """The run stops by the records' rule (band, patience, tolerance included) and says the rules match."""
    path = _records_with_rule(tmp_path, label)
    argv = ["validate", "--shift", "gaussian_noise:2", "--max-epochs", "2", "--no-energy", "--records", str(path)]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target_rule"] == label
    assert f"records' rule `{label}`" in out["rule_note"]
    stopping = next(r for r in out["comparison"] if r["measure"] == "Stopping rule")
    assert stopping["interval"] == "the same rule" and stopping["forecast (modeled)"] == label
    epochs = next(r for r in out["comparison"] if r["measure"] == "Epochs")
    assert epochs["measured"] == bound_text(out["epochs"], bool(out["censored"]))
    assert epochs["measured"].startswith(">= ") == bool(out["censored"])
    assert out["forecast"]["epochs"]["point"] >= 0
    assert out["arch"] and out["n_params"] > 0  # the record names its model family, as the page's does


def test_an_irreproducible_rule_is_said_and_plateau_used(capsys):
    """The shipped records stop by the "reachable" rule: one run cannot, and the output says so."""
    assert main(["validate", "--shift", "gaussian_noise:2", "--max-epochs", "1", "--no-energy"]) == 0
    out = capsys.readouterr().out
    assert "which one run cannot reproduce" in out and "the rules differ: not like with like" in out
    assert "Epochs: measured >= 1; forecast" in out


def test_bad_records_fail_before_any_training(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("index_kind,epochs\ndist,1\n")
    assert main(["validate", "--shift", "gaussian_noise:2", "--records", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "epoch 1" not in captured.err and len(captured.err.strip().splitlines()) == 1


def test_base_minus_on_weights_without_an_accuracy_names_base_acc(tmp_path, capsys):
    import torch

    from resque_core.model.checkpoint import load_checkpoint

    default = load_checkpoint("default")
    torch.save(default.model.state_dict(), tmp_path / "weights.pt")  # bare weights: no recorded accuracy
    spec = json.dumps(default.input_spec.to_dict())
    argv = ["validate", "--checkpoint", str(tmp_path / "weights.pt"), "--arch", "SmallCNN", "--input-spec", spec]
    argv += ["--shift", "gaussian_noise:3", "--rule", "base-minus", "--no-energy", "--max-epochs", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the base-minus rule") and "give it with --base-acc" in err and "epoch" not in err
    assert len(err.strip().splitlines()) == 1
