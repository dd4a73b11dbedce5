"""``CalibrationRecord``: the typed record, and the CSV row it is stored as."""

from __future__ import annotations

import dataclasses

import pytest

from resque_core.calibration.record import CalibrationRecord
from resque_core.forecast.records import RECORD_COLUMNS, default_records, validate_records
from resque_core.retraining.rule import StoppingRule

RULE = StoppingRule("reachable", tolerance=0.02, scratch_frac=0.97, with_finetune=True)


def test_its_fields_are_the_csv_columns_in_order_then_the_curve():
    assert tuple(f.name for f in dataclasses.fields(CalibrationRecord)) == (*RECORD_COLUMNS, "curve")


def test_a_record_goes_to_a_row_and_back():
    record = CalibrationRecord(run_id="r1", run_kind="retrain", index_kind="dist", index_value=0.05, shift="contrast:2",
                               shift_level=2, seed=1, target_rule=RULE, target_acc=0.9, epochs=2.5, censored=False,
                               max_epochs=30, kwh=0.001)  # fmt: skip
    row = record.to_row()
    assert list(row) == list(RECORD_COLUMNS)
    assert row["target_rule"] == "min(base-2pt, 0.97*max(scratch, finetune))" and row["censored"] == 0
    assert CalibrationRecord.from_row(row) == record
    frame = validate_records([row])  # the store's and the forecaster's view of the same run
    again = CalibrationRecord.from_row(frame.iloc[0].to_dict())
    assert again == record and isinstance(again.seed, int) and again.censored is False


def test_the_shipped_records_read_into_records_and_back():
    frame = default_records()
    records = [CalibrationRecord.from_row(row) for row in frame.to_dict("records")]
    assert len(records) == 284 and {r.target_rule for r in records} == {RULE}  # digits-cnn: 213 retraining, 71 scratch
    first = records[0]
    assert first.epochs == pytest.approx(frame.loc[0, "epochs"]) and first.censored == bool(frame.loc[0, "censored"])
    rebuilt = validate_records([r.to_row() for r in records])
    assert rebuilt.equals(frame)
