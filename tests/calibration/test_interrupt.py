"""A calibration keeps every finished run: each is committed as it ends, and a signal stops it cleanly.

Real subprocesses (``python -m resque_core calibrate``) on the embedded digits, a real SQLite file,
real SIGINT, SIGTERM and SIGKILL sent once the database holds a finished case.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from resque_core.forecast.records import RecordStore, load_records_csv

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHIFTS = "gaussian_blur:4,gaussian_noise:2,contrast:3,gaussian_noise:4,gaussian_blur:2,contrast:5"
LONG_SWEEP = [
    "calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits",
    "--shifts", SHIFTS, "--plan", "fixed", "--seeds", "2", "--max-epochs", "3", "--scratch-epochs", "3",
    "--data-fraction", "0.5", "--no-energy", "--threads", "1",
]  # fmt: skip
PLANNED_ROWS = 6 * 2 + 6  # a retraining run per case, a from-scratch run per shift


def _start(db: pathlib.Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "resque_core", *LONG_SWEEP, "--db", str(db)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _stored(db: pathlib.Path) -> int:
    """Rows committed so far, read without writing (0 before the table exists)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return 0
    try:
        return conn.execute("SELECT count(*) FROM records").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def _wait_for_rows(db: pathlib.Path, proc: subprocess.Popen, deadline_s: float = 120) -> int:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        rows = _stored(db)
        if rows:
            return rows
        if proc.poll() is not None:
            pytest.fail(f"the calibration ended before storing a run: {proc.communicate()}")
        time.sleep(0.05)  # a polling interval: the condition is the committed row
    proc.kill()
    pytest.fail(f"no run stored within {deadline_s} s")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_keeps_the_finished_runs_and_says_how_many(tmp_path, sig):
    db = tmp_path / "records.sqlite"
    proc = _start(db)
    seen = _wait_for_rows(db, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    last = err.strip().splitlines()[-1]
    match = re.fullmatch(
        rf"interrupted by {sig.name}: (\d+) finished runs? kept in {re.escape(str(db))}; "
        r"the run in progress was abandoned",
        last,
    )
    assert match, err
    kept = int(match.group(1))
    stored = RecordStore(db).check().all()
    assert len(stored) == kept and seen <= kept < PLANNED_ROWS  # stopped early, nothing finished was lost
    assert "Traceback" not in err and out == ""
    _every_case_whole(stored)


def test_kill_9_loses_at_most_the_case_in_progress(tmp_path):
    db = tmp_path / "records.sqlite"
    proc = _start(db)
    seen = _wait_for_rows(db, proc)
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    stored = RecordStore(db).check().all()  # not damaged: every commit is whole
    assert seen <= len(stored) < PLANNED_ROWS
    _every_case_whole(stored)


def _every_case_whole(stored) -> None:
    """Each first-seed case stored has both its from-scratch and its retraining record (one commit per case)."""
    first = stored[stored["seed"] == 0]
    assert len(first) >= 2
    for shift, runs in first.groupby("shift"):
        assert sorted(runs["run_kind"]) == ["retrain", "scratch"], shift


def test_an_interrupted_demo_writes_its_finished_runs_to_out_and_says_so(tmp_path):
    out = tmp_path / "demo.csv"
    argv = ["calibrate", "--demo", "--types", "gaussian_noise", "--no-tasks", "--seeds", "2", "--max-epochs", "3"]
    argv += ["--scratch-epochs", "3", "--no-energy", "--threads", "1", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "resque_core", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    for line in proc.stderr:  # the sweep's progress, a line per event: wait for the first finished case
        if "retrain index=" in line:
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130, rest
    match = re.search(r"interrupted by SIGINT: (\d+) finished runs? kept in (\S+); the run in progress", rest)
    assert match and match.group(2) == str(out), rest
    frame = load_records_csv(out)
    assert len(frame) == int(match.group(1)) and 2 <= len(frame) < 15  # 5 levels x 2 seeds + 5 from scratch
    assert frame["run_id"].str.startswith("demo-").all() and frame["run_id"].nunique() == len(frame)
