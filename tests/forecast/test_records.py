"""Calibration records: schema validation with actionable errors, the SQLite store, CSV round trips."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from resque_core.errors import RecordsError
from resque_core.forecast import records as records_module
from resque_core.forecast.records import (
    RECORD_COLUMNS,
    RecordStore,
    default_records,
    load_records_csv,
    validate_records,
)
from tests.records_fixtures import synthetic_records

MINIMAL = "index_kind,index_value,epochs,censored,run_kind\ndist,0.02,3.5,0,retrain\ndist,0.05,9.0,1,retrain\n"


def test_minimal_csv_loads_typed_with_every_column():
    frame = load_records_csv(io.StringIO(MINIMAL))
    assert list(frame.columns) == list(RECORD_COLUMNS)
    assert frame["index_value"].tolist() == [0.02, 0.05]
    assert frame["epochs"].tolist() == [3.5, 9.0]
    assert frame["censored"].tolist() == [0, 1]
    assert frame["kwh"].isna().all() and frame["shift"].isna().all()


def test_comment_lines_are_provenance_and_skipped(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("# made by calibrate --demo on cpu\n" + MINIMAL)
    assert len(load_records_csv(path)) == 2


def test_full_schema_round_trips_through_csv(tmp_path):
    frame = synthetic_records(12, n_scratch=3)
    path = tmp_path / "full.csv"
    frame.to_csv(path, index=False)
    loaded = load_records_csv(path)
    assert len(loaded) == 15
    np.testing.assert_allclose(loaded["epochs"], frame["epochs"])
    assert loaded["shift"].iloc[0] == "gaussian_noise:1"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "is empty"),
        ("\n\n", "is empty"),
        ("index_kind,index_value,epochs,censored,run_kind\n", "has no rows"),
        ("index_kind,index_value,censored\ndist,0.1,0\n", "epochs, run_kind"),
        ("index_kind,index_value,epochs,censored,run_kind\ndist,0.1,3,0,retrain\ndist,abc,3,0,retrain\n", "row 2"),
        ("index_kind,index_value,epochs,censored,run_kind\ndist,0.1,3,0,retrain\ndist,0.2,,0,retrain\n", "epochs"),
        ("index_kind,index_value,epochs,censored,run_kind\nshape,0.1,3,0,retrain\n", "unknown index_kind 'shape'"),
        ("index_kind,index_value,epochs,censored,run_kind\ndist,0.1,3,0,finetune\n", "unknown run_kind"),
        ("index_kind,index_value,epochs,censored,run_kind\ndist,0.1,-3,0,retrain\n", "epochs is negative"),
        ("index_kind,index_value,epochs,censored,run_kind\ndist,0.1,3,2,retrain\n", "censored must be 0 or 1"),
        ("index_kind,index_value,epochs,censored,run_kind,kwh\ndist,0.1,3,0,retrain,lots\n", "column kwh"),
    ],
)
def test_bad_csv_gives_an_actionable_error(text, message):
    with pytest.raises(RecordsError, match=message):
        load_records_csv(io.StringIO(text))


def test_non_numeric_error_names_row_column_and_value():
    text = "index_kind,index_value,epochs,censored,run_kind\ndist,0.1,3,0,retrain\ndist,0.2,many,0,retrain\n"
    with pytest.raises(RecordsError) as info:
        load_records_csv(io.StringIO(text))
    assert "row 2 (CSV line 3), column epochs: 'many' is not a number; fix or empty that cell" in str(info.value)


def test_missing_file_is_a_records_error(tmp_path):
    with pytest.raises(RecordsError, match="cannot read records file"):
        load_records_csv(tmp_path / "nope.csv")


def test_censored_accepts_true_false():
    frame = validate_records([{"index_kind": "dist", "index_value": 0.1, "epochs": 3, "censored": "True",
                               "run_kind": "retrain"}])  # fmt: skip
    assert frame["censored"].tolist() == [1]


def test_store_round_trips_csv_and_replaces_by_run_id(tmp_path, monkeypatch):
    monkeypatch.setenv("RESQUE_DB", str(tmp_path / "db" / "records.sqlite"))
    store = RecordStore()
    assert store.path == tmp_path / "db" / "records.sqlite"
    source = tmp_path / "in.csv"
    synthetic_records(10, n_scratch=2).to_csv(source, index=False)
    assert store.import_csv(source) == 12
    assert store.import_csv(source) == 12
    assert len(store.all()) == 12  # same run_ids: replaced, not duplicated
    out = tmp_path / "out.csv"
    assert store.export_csv(out) == 12
    original, exported = load_records_csv(source), load_records_csv(out)
    original = original.sort_values("run_id").reset_index(drop=True)
    exported = exported.sort_values("run_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(original, exported, check_dtype=False)


def test_store_filters_by_kind_and_names_ids_for_user_rows(tmp_path):
    store = RecordStore(tmp_path / "r.sqlite")
    assert store.all().empty
    rows = [
        {"index_kind": "dist", "index_value": 0.1, "epochs": 3, "censored": 0, "run_kind": "retrain"},
        {"index_kind": "task", "index_value": 0.4, "epochs": 5, "censored": 0, "run_kind": "retrain"},
    ]
    assert store.add(rows) == 2
    task = store.all("task")
    assert task["epochs"].tolist() == [5.0]
    assert all(rid.startswith("user-") for rid in store.all()["run_id"])
    with pytest.raises(RecordsError, match="unknown index kind"):
        store.all("other")


def test_store_in_an_unwritable_place_is_a_records_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RecordsError, match="cannot open the records database"):
        RecordStore(blocker / "sub" / "r.sqlite").all()


def test_default_records_missing_says_how_to_make_them(tmp_path, monkeypatch):
    monkeypatch.setattr(records_module, "DEFAULT_CSV", tmp_path / "calibration_default.csv")
    with pytest.raises(RecordsError, match="calibrate --demo"):
        default_records()
    synthetic_records(9).to_csv(tmp_path / "calibration_default.csv", index=False)
    assert len(default_records()) == 9
