"""Every new run gets its own id, so runs made at the same moment on one database all survive.

Ids used to be a per-second prefix and the case: two self-calibrations started in the same second
replaced each other's records, and so did two Validate runs finishing together.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import threading

import torch

from resque_core.calibration.rows import run_id
from resque_core.calibration.validation import ValidationSettings, validate, validation_record
from resque_core.forecast.records import RecordStore
from resque_core.index.compute import index_of, prepare_index
from resque_core.index.request import IndexRequest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SELF_CALIBRATION = [
    "calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits",
    "--shifts", "gaussian_blur:4,gaussian_noise:2,contrast:3", "--data-fraction", "0.5", "--no-energy",
    "--max-cases", "1", "--max-epochs", "2", "--scratch-epochs", "2", "--seeds", "1", "--json",
]  # fmt: skip


def test_run_ids_are_random_and_carry_no_time():
    ids = {run_id("self", "retrain", "gaussian_noise:3", 0) for _ in range(1000)}
    assert len(ids) == 1000
    one = next(iter(ids))
    assert re.fullmatch(r"self-retrain-gaussian_noise:3-s0-[0-9a-f]{32}", one)
    assert run_id("validate", "retrain", None, 2).startswith("validate-retrain-data-s2-")


def test_two_self_calibrations_at_once_on_one_database_keep_every_record(tmp_path):
    db = tmp_path / "records.sqlite"
    argv = [sys.executable, "-m", "resque_core", *SELF_CALIBRATION, "--db", str(db)]
    env = {**os.environ, "RESQUE_DB_BUSY_S": "30"}
    procs = [
        subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outputs  # one case each: too few records for the forecaster
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert [s["runs"] for s in summaries] == [2, 2] and {s["db"] for s in summaries} == {str(db)}
    stored = RecordStore(db).all()
    assert len(stored) == 4 and stored["run_id"].nunique() == 4
    assert sorted(stored["run_kind"]) == ["retrain", "retrain", "scratch", "scratch"]


def test_two_validate_runs_finishing_together_keep_both(tmp_path):
    torch.set_num_threads(1)
    request = IndexRequest(shift="gaussian_noise:3", max_points=0)
    loaded, pair = prepare_index(request)
    report = index_of(request, loaded, pair)
    settings = ValidationSettings(max_epochs=1, measure_energy=False, base_acc=loaded.accuracy)
    result = validate(loaded, pair.new, settings)
    db, start, errors = tmp_path / "records.sqlite", threading.Barrier(2), []

    def finish() -> None:  # two browser sessions' runs, recorded in the same second
        row = validation_record(result, report, settings, model="default", dataset="digits").to_row()
        start.wait()
        try:
            RecordStore(db).add([row])
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stored = RecordStore(db).all()
    assert errors == [] and len(stored) == 2 and stored["run_id"].str.startswith("validate-retrain-").all()
    assert stored["epochs"].tolist() == [result.epochs, result.epochs]
