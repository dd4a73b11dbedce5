"""``calibrate --out`` on a full disk: the earlier records file is kept byte for byte, one line says why, exit 2.

It used to print a 39-line ``OSError`` traceback and leave ``--out`` holding truncated new rows.
"""

from __future__ import annotations

import os

import torch

from resque_core.forecast.records import RecordStore
from tests.commands.in_process import run_main
from tests.full_disk import full_disk

TINY = [
    "calibrate", "--checkpoint", "resque_core/assets/default_digits_0-9.pt", "--original", "digits",
    "--shifts", "gaussian_blur:4", "--data-fraction", "0.5", "--no-energy",
    "--max-cases", "1", "--max-epochs", "2", "--scratch-epochs", "2", "--seeds", "1",
]  # fmt: skip
OLD_CSV = b"run_id,index_kind,index_value,epochs,censored,run_kind\nold-1,dist,0.02,3,0,retrain\n"
OLD_JSON = b'{"what": "last week\'s calibration"}\n'


def test_calibrate_out_on_a_full_disk_keeps_the_earlier_file(tmp_path, capsys, monkeypatch):
    torch.set_num_threads(1)
    db, disk = tmp_path / "records.sqlite", tmp_path / "disk"
    with full_disk(disk, {"old.csv": OLD_CSV, "old.json": OLD_JSON}, monkeypatch):
        before = sorted(os.listdir(disk))
        code, out, err = run_main(capsys, *TINY, "--db", str(db), "--out", str(disk / "old.csv"))
        after = sorted(os.listdir(disk))
        kept = (disk / "old.csv").read_bytes(), (disk / "old.json").read_bytes()
    assert (code, out, after, kept) == (2, "", before, (OLD_CSV, OLD_JSON))
    assert "Traceback" not in err and err.splitlines()[-1] == (
        f"error: cannot write {disk / 'old.csv'}: no space left on device; the earlier file is unchanged: "
        "free some space or choose another path with --out"
    )
    assert len(RecordStore(db).all()) == 2  # the finished runs are in the database all the same
