"""Live runs in the records database: written as they happen, read by anyone sharing the file."""

from __future__ import annotations

import sqlite3

import pytest

from resque_core.errors import RecordsError
from resque_core.forecast.records import RecordStore
from resque_core.live.prior import Prior
from resque_core.live.store import LivePoint, LiveRun, RunStore, utc_now


def a_run(run_id: str = "live-a-1", prior: Prior | None = None) -> LiveRun:
    now = utc_now()
    return LiveRun(run_id, "a", "running", now, now, "host", 1, 0.9, "accuracy 0.9", 10.0, prior, "DEU", 380.95)


def test_points_are_read_back_by_another_store_on_the_same_file(tmp_path):
    db = tmp_path / "records.sqlite"
    RunStore(db).begin(a_run(prior=Prior(4, 2, 9, index=0.04, index_kind="dist")))
    writer = RunStore(db)
    writer.add_point("live-a-1", LivePoint(0.0, 0.5, 0.0, 0.0, utc_now()), "codecarbon-estimate")
    writer.add_point("live-a-1", LivePoint(1.0, 0.7, 12.5, 0.01, utc_now()))
    (run,) = RunStore(db).runs()  # a reader that wrote nothing (another process, another machine)
    assert [p.val_acc for p in run.points] == [0.5, 0.7]
    assert run.points[1].seconds == 12.5 and run.points[1].energy_kwh == 0.01
    assert run.energy_source == "codecarbon-estimate" and run.prior.index == 0.04 and run.status == "running"
    RunStore(db).finish("live-a-1", "finished", record_id="live-a-1")
    assert RunStore(db).runs("live-a-1")[0].status == "finished"


def test_the_records_store_still_reads_a_database_with_live_runs(tmp_path):
    db = tmp_path / "records.sqlite"
    RunStore(db).begin(a_run())
    assert RecordStore(db).check().all().empty


def test_a_foreign_database_is_refused_and_left_alone(tmp_path):
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(RecordsError, match="not a RESQUE records database"):
        RunStore(db).begin(a_run())
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert tables == ["invoices"]


def test_an_unknown_status_is_refused(tmp_path):
    store = RunStore(tmp_path / "r.sqlite")
    store.begin(a_run())
    with pytest.raises(RecordsError, match="unknown run status"):
        store.finish("live-a-1", "done")
