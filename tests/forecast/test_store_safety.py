"""The records store never loses a run and never harms a database that is not its own.

Real SQLite files: random bytes, a truncated store, another program's tables, a read-only file or
folder, and a database another process holds under ``BEGIN EXCLUSIVE``. Each is refused in one
sentence naming the file (``RecordStore.check``, and ``forecast --records db`` exits 2), and the
file is left byte for byte as it was.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest

from resque_core.cli import main
from resque_core.errors import RecordsError
from resque_core.forecast.records import RECORD_COLUMNS, RecordStore
from tests.forecast.bad_databases import BAD, Immutable, filled_store, lock, release
from tests.records_fixtures import synthetic_records


@pytest.fixture(autouse=True)
def _short_busy_wait(monkeypatch):
    monkeypatch.setenv("RESQUE_DB_BUSY_S", "0.3")


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_database_is_refused_in_one_sentence_and_left_untouched(tmp_path, case):
    path = tmp_path / "records.sqlite"
    make, message = BAD[case]
    make(path)
    before = path.read_bytes()
    with pytest.raises(RecordsError, match="move") as caught:
        RecordStore(path).check()
    text = str(caught.value)
    assert message in text and str(path) in text and "\n" not in text
    with pytest.raises(RecordsError):
        RecordStore(path).add(synthetic_records(3))
    assert path.read_bytes() == before  # never altered, never overwritten


@pytest.mark.parametrize("case", list(BAD))
def test_forecast_from_a_bad_database_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, case):
    path = tmp_path / "records.sqlite"
    BAD[case][0](path)
    monkeypatch.setenv("RESQUE_DB", str(path))
    assert main(["forecast", "--index", "0.05", "--records", "db"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and str(path) in err
    assert "set RESQUE_DB to another file" in err  # the way out, for a store found through RESQUE_DB


def test_our_own_older_layout_gains_its_missing_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    old = ["run_id", "date", "run_kind", "index_kind", "index_value", "epochs", "censored", "seconds"]
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE records ({', '.join(old)})")
        conn.execute("INSERT INTO records VALUES ('old-1', '2026-01-01', 'retrain', 'dist', 0.1, 3, 0, 60)")
    conn.close()
    store = RecordStore(path).check()
    with sqlite3.connect(path) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    conn.close()
    assert columns[: len(old)] == old and sorted(columns) == sorted(RECORD_COLUMNS)
    assert store.all()["run_id"].tolist() == ["old-1"]


def test_a_read_only_database_is_refused_before_anything_runs(tmp_path):
    path = tmp_path / "records.sqlite"
    filled_store(path)
    before = path.read_bytes()
    with Immutable(path), pytest.raises(RecordsError, match="cannot be written") as caught:
        RecordStore(path).check()
    assert str(path) in str(caught.value) and "writable" in str(caught.value)
    assert path.read_bytes() == before
    assert len(RecordStore(path).all()) == 40  # reading it was never the problem


def test_a_database_in_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    filled_store(folder / "records.sqlite")
    with Immutable(folder):
        with pytest.raises(RecordsError, match="cannot be written"):
            RecordStore(folder / "records.sqlite").check()  # the journal cannot be made beside it
        with pytest.raises(RecordsError, match="cannot be written"):
            RecordStore(folder / "new.sqlite").check()


def test_a_locked_database_is_waited_on_then_named(tmp_path, monkeypatch, capsys):
    path = tmp_path / "records.sqlite"
    filled_store(path)
    holder = lock(path)
    try:
        with pytest.raises(RecordsError) as caught:
            RecordStore(path).check()
        assert str(caught.value) == (
            f"the records database {path} is locked by another program (waited 0.6 s): "
            "let it finish or close it, then run again"
        )
        monkeypatch.setenv("RESQUE_DB", str(path))
        assert main(["forecast", "--index", "0.05", "--records", "db"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is locked by another program" in err
    finally:
        release(holder)
    assert len(RecordStore(path).check().all()) == 40


def test_a_lock_released_while_waiting_lets_the_write_through(tmp_path, monkeypatch):
    monkeypatch.setenv("RESQUE_DB_BUSY_S", "30")
    path = tmp_path / "records.sqlite"
    filled_store(path)
    holder = lock(path)
    outcome = {}
    writer = threading.Thread(target=lambda: outcome.update(n=RecordStore(path).add(synthetic_records(5, seed=9))))
    writer.start()
    release(holder)
    writer.join(timeout=60)
    assert outcome == {"n": 5} and len(RecordStore(path).all()) == 45


def test_writers_at_the_same_moment_keep_every_run(tmp_path):
    path = tmp_path / "records.sqlite"
    start = threading.Barrier(4)
    errors = []

    def write(seed):
        start.wait()
        try:
            for part in range(5):
                RecordStore(path).add(synthetic_records(4, seed=100 * seed + part))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(RecordStore(path).all()) == 4 * 5 * 4
