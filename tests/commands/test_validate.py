"""``python -m resque_core validate``: a real retraining run, measured, recorded like the Validate page's."""

from __future__ import annotations

import json

import pytest

from resque_core.cli import main
from resque_core.forecast.records import RECORD_COLUMNS, RecordStore
from resque_core.index import IndexRequest, compute_index


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
