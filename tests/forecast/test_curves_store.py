"""Each run's evaluation curve in the records store: saved with its record, read back, moved as a gzip CSV."""

from __future__ import annotations

import gzip
import sqlite3

import pandas as pd
import pytest

from resque_core.errors import RecordsError
from resque_core.forecast.curves import CURVE_COLUMNS, CURVE_KEY, curves_path
from resque_core.forecast.records import RecordStore
from tests.forecast.bad_databases import Immutable
from tests.records_fixtures import synthetic_records


def _points(n: int, top: float) -> list[dict]:
    """``n + 1`` evaluations from epoch 0, accuracy rising to ``top``, 3 s and 2e-4 kWh an epoch."""
    return [
        {"epoch": e / 2, "val_acc": 0.2 + (top - 0.2) * e / n, "seconds": 1.5 * e, "energy_kwh": 1e-4 * e}
        for e in range(n + 1)
    ]


def _rows_with_curves(n: int = 3) -> list[dict]:
    rows = synthetic_records(n).to_dict("records")
    return [{**row, CURVE_KEY: _points(2 + i, 0.9)} for i, row in enumerate(rows)]


def test_rows_and_their_curves_are_stored_together_and_read_back_by_run(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    assert store.add(_rows_with_curves()) == 3
    curves = store.curves()
    assert list(curves.columns) == list(CURVE_COLUMNS)
    assert curves.groupby("run_id").size().to_dict() == {"syn-0-0": 3, "syn-0-1": 4, "syn-0-2": 5}
    last = store.curves(["syn-0-2"])
    assert last["epoch"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert last["val_acc"].iloc[-1] == pytest.approx(0.9) and last["seconds"].iloc[-1] == pytest.approx(6.0)
    assert last["energy_kwh"].tolist() == pytest.approx([0.0, 1e-4, 2e-4, 3e-4, 4e-4])
    assert set(store.curves()["run_id"]) == set(store.all()["run_id"])


def test_a_run_added_again_replaces_its_curve_and_one_without_a_curve_keeps_it(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    store.add(_rows_with_curves(1))
    row = synthetic_records(1).to_dict("records")[0]
    store.add([{**row, CURVE_KEY: _points(1, 0.5)}])
    assert store.curves()["val_acc"].tolist() == pytest.approx([0.2, 0.5])
    store.add([row])  # no curve: the stored one stays
    assert len(store.curves()) == 2 and len(store.all()) == 1


def test_a_bad_curve_stores_neither_its_run_nor_its_curve(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    rows = _rows_with_curves(2)
    rows[1][CURVE_KEY][-1]["val_acc"] = 1.5
    with pytest.raises(RecordsError, match="val_acc"):
        store.add(rows)
    assert store.all().empty and store.curves().empty


def test_a_store_made_before_curves_opens_gains_the_table_and_keeps_its_records(tmp_path):
    path = tmp_path / "old.sqlite"
    old = ["run_id", "date", "run_kind", "index_kind", "index_value", "epochs", "censored", "seconds"]
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE records ({', '.join(old)}, PRIMARY KEY (run_id))")
        conn.execute("INSERT INTO records VALUES ('old-1', '2026-01-01', 'retrain', 'dist', 0.1, 3, 0, 60)")
    conn.close()
    store = RecordStore(path)
    assert store.all()["run_id"].tolist() == ["old-1"] and store.curves().empty
    with sqlite3.connect(path) as conn:
        tables = sorted(row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        columns = [row[1] for row in conn.execute("PRAGMA table_info(curves)")]
    conn.close()
    assert tables == ["curves", "records"] and columns == list(CURVE_COLUMNS)
    store.add(_rows_with_curves(1))
    assert sorted(store.all()["run_id"]) == ["old-1", "syn-0-0"] and store.curves()["run_id"].unique() == ["syn-0-0"]


def test_a_curves_table_of_another_program_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE curves (x, y)")
    conn.close()
    with pytest.raises(RecordsError, match="not a RESQUE records database"):
        RecordStore(path).check()


def test_export_writes_the_curves_beside_the_csv_and_import_reads_them_back(tmp_path):
    store = RecordStore(tmp_path / "a.sqlite")
    store.add(_rows_with_curves())
    out = tmp_path / "history.csv"
    assert store.export_csv(out) == 3
    beside = curves_path(out)
    assert beside.name == "history.curves.csv.gz"
    text = gzip.decompress(beside.read_bytes()).decode()
    assert text.splitlines()[0] == ",".join(CURVE_COLUMNS) and len(text.splitlines()) == 1 + 3 + 4 + 5
    other = RecordStore(tmp_path / "b.sqlite")
    assert other.import_csv(out) == 3
    pd.testing.assert_frame_equal(other.curves(), store.curves())


def test_curves_of_runs_the_records_lack_are_refused(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    strays = pd.DataFrame([{"run_id": "nobody", **p} for p in _points(1, 0.5)])
    with pytest.raises(RecordsError, match="nobody"):
        store.add(synthetic_records(1), strays)
    assert store.all().empty


def test_a_curve_the_database_refuses_takes_its_record_back_with_it(tmp_path):
    """Record and curve are one transaction: a curve insert that fails in SQLite leaves no record behind."""
    path = tmp_path / "records.sqlite"
    store = RecordStore(path).check()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON curves BEGIN SELECT RAISE(ABORT, 'refused'); END")
    conn.close()
    with pytest.raises(RecordsError, match="refused"):
        store.add(_rows_with_curves(2))
    assert store.all().empty and store.curves().empty


def test_the_shipped_records_read_the_curves_beside_them_and_none_when_none_ship(tmp_path, monkeypatch):
    import resque_core.forecast.shipped as shipped

    default = shipped.shipped_curves()  # every run of the default calibration ships its curve
    assert list(default.columns) == list(CURVE_COLUMNS)
    assert set(default["run_id"]) == set(shipped.shipped_records()["run_id"])
    library = tmp_path / "calibration"
    library.mkdir()
    store = RecordStore(tmp_path / "records.sqlite")
    store.add(_rows_with_curves())
    store.export_csv(library / "fam.csv")
    monkeypatch.setattr(shipped, "asset_path", lambda relative: tmp_path / relative)  # a library of one family
    assert len(shipped.shipped_records("library fam")) == 3
    pd.testing.assert_frame_equal(shipped.shipped_curves("library fam"), store.curves(), check_exact=False)
    curves_path(library / "fam.csv").unlink()
    assert shipped.shipped_curves("library fam").empty
    with pytest.raises(RecordsError, match="no shipped records"):
        shipped.shipped_curves("elsewhere")


def test_a_read_only_store_made_before_curves_is_still_read(tmp_path):
    path = tmp_path / "records.sqlite"
    RecordStore(path).add(synthetic_records(4))
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE curves")  # as the previous version left it
    conn.close()
    with Immutable(path):
        store = RecordStore(path)
        assert len(store.all()) == 4 and store.curves().empty
