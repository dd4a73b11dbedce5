"""The records database is checked before anything is trained, and the summary is strict JSON.

A calibration used to run its whole sweep and then lose every record to a database it could not
write; now a bad database is one line and exit 2 before the model is even loaded.
"""

from __future__ import annotations

import json

import pytest
import torch

from resque_core.cli import main
from resque_core.forecast.records import RecordStore
from tests.forecast.bad_databases import BAD, Immutable, filled_store, lock, release

SELF_CALIBRATION = [
    "calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits",
    "--shifts", "gaussian_blur:4,gaussian_noise:2,contrast:3", "--data-fraction", "0.5", "--no-energy",
    "--max-cases", "1", "--max-epochs", "2", "--scratch-epochs", "2", "--seeds", "1",
]  # fmt: skip
VALIDATE = ["validate", "--shift", "gaussian_noise:3", "--max-epochs", "1", "--no-energy", "--record"]


@pytest.fixture(autouse=True)
def _quick(monkeypatch):
    torch.set_num_threads(1)
    monkeypatch.setenv("RESQUE_DB_BUSY_S", "0.2")


def _refused(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1  # no progress line: nothing ran
    return captured.err


@pytest.mark.parametrize("case", list(BAD))
def test_calibrate_and_validate_refuse_a_bad_database_before_any_training(tmp_path, capsys, case):
    db = tmp_path / "records.sqlite"
    make, message = BAD[case]
    make(db)
    before = db.read_bytes()
    for argv in ([*SELF_CALIBRATION, "--db", str(db)], [*VALIDATE, "--db", str(db)]):
        err = _refused(argv, capsys)
        assert err.startswith("error: ") and message in err and str(db) in err and "use another file" in err
    assert db.read_bytes() == before


def test_a_read_only_database_is_refused_before_any_training(tmp_path, capsys):
    db = tmp_path / "records.sqlite"
    filled_store(db)
    with Immutable(db):
        err = _refused([*SELF_CALIBRATION, "--db", str(db)], capsys)
    assert "cannot be written" in err and str(db) in err


def test_a_locked_database_is_named_before_any_training(tmp_path, capsys):
    db = tmp_path / "records.sqlite"
    filled_store(db)
    holder = lock(db)
    try:
        err = _refused([*SELF_CALIBRATION, "--db", str(db)], capsys)
    finally:
        release(holder)
    assert err == f"error: the records database {db} is locked by another program (waited 0.4 s): " + (
        "let it finish or close it, then run again\n"
    )


def _no_constants(name: str):
    raise AssertionError(f"{name} is not JSON")


def test_calibrate_json_without_energy_is_strict_json(tmp_path, capsys):
    db, out = tmp_path / "records.sqlite", tmp_path / "self.csv"
    assert main([*SELF_CALIBRATION, "--db", str(db), "--out", str(out), "--json"]) == 1  # one case: too few records
    text = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(text, parse_constant=_no_constants)  # NaN or Infinity would fail here
    assert summary["energy"] == "not measured (--no-energy): kWh and CO2 are null"
    compared = summary["scratch_vs_retrain"][0]
    assert compared["scratch_kwh"] is None and compared["retrain_kwh_mean"] is None
    assert compared["scratch_epochs"] > 0 and summary["runs"] == 2 and summary["db"] == str(db)
    provenance = json.loads(out.with_suffix(".json").read_text(), parse_constant=_no_constants)
    assert provenance["summary"]["scratch_vs_retrain"][0]["scratch_kwh"] is None
    assert len(RecordStore(db).all()) == 2
