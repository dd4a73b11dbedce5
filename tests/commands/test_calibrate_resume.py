"""``calibrate`` prints the whole command that continues a sweep (an auto plan's choices fixed, the
database named), that command works exactly as printed, and its ``--out`` holds the whole sweep."""

from __future__ import annotations

import os
import re
import shlex
import signal
import threading
import time

import pandas as pd

from resque_core.forecast.curves import curves_path, read_curves_csv
from resque_core.forecast.records import RecordStore
from tests.commands.in_process import run_main

SELF = ["calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits"]
SMALL = ["--shifts", "gaussian_blur:4,gaussian_noise:2,contrast:3", "--data-fraction", "0.5", "--no-energy"]
TINY = ["--max-epochs", "2", "--scratch-epochs", "2", "--seeds", "1"]
POLLS = 2400  # at most 2400 looks at the database, 0.05 s apart


def _stop_after_first_case(db) -> threading.Thread:
    """A thread that sends this process SIGTERM once the sweep has stored its first case (2 records)."""

    def watch() -> None:
        for _ in range(POLLS):
            if db.exists() and len(RecordStore(db).all()) >= 2:
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(0.05)  # a polling interval: the condition is the committed case

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_the_printed_command_resumes_and_its_out_holds_the_whole_sweep(tmp_path, capsys):
    db, first_out, out = tmp_path / "r.sqlite", tmp_path / "first.csv", tmp_path / "whole.csv"
    watcher = _stop_after_first_case(db)
    code, _, err = run_main(capsys, *SELF, *SMALL, *TINY, "--db", str(db), "--out", str(first_out))
    watcher.join()
    assert code == 143, err  # stopped by SIGTERM after a case or two
    kept = len(RecordStore(db).all())
    assert 2 <= kept < 6
    (line,) = [x for x in err.splitlines() if ": continue it with: " in x]
    sweep_id, command = re.match(r"sweep (sweep-[0-9a-f]{12}): continue it with: (.*)$", line).groups()
    words = shlex.split(command)
    assert words[:4] == ["python", "-m", "resque_core", "calibrate"] and words[-2:] == ["--resume", sweep_id]
    assert "--plan fixed" in command and f"--db {db}" in command and "--max-epochs 2" in command
    assert len(pd.read_csv(first_out)) == kept  # each finished case: its retraining and from-scratch runs

    words[words.index("--out") + 1] = str(out)  # the same command, writing elsewhere to compare
    code, _, err = run_main(capsys, *words[3:])
    assert code == 1, err  # finished; 3 retraining records are too few for the forecaster (it says so)
    assert "needs --plan fixed" not in err and f"resuming: {kept} runs already stored" in err
    stored = RecordStore(db).all()
    assert len(stored) == 6 and (stored["sweep_id"] == sweep_id).all()
    whole = pd.read_csv(out)
    assert sorted(whole["run_id"]) == sorted(stored["run_id"])  # the first run's records too, not only the new
    curves = read_curves_csv(curves_path(out))  # and the curves of all of them
    assert sorted(curves["run_id"].unique()) == sorted(stored["run_id"])
    assert set(whole["shift"]) == {"gaussian_blur:4", "gaussian_noise:2", "contrast:3"}
