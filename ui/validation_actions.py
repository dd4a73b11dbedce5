"""The Validate page's steps: start a real retraining run of the loaded model on the new data (in a thread,
``ui.validate_job``), and add the finished run to the local calibration history once."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from ui.actions import data_pair, done_result, forecast_rule, loaded_model
from ui.plain_text import file_name
from ui.state import current, result


def start_validation(state: MutableMapping, settings: Any) -> Any:
    """Start a validation run (``ValidationSettings``) of the loaded model on the new data, in a thread.

    The run keeps the index it is recorded against and the forecast it is compared with (if current).
    The calibration history it will be added to is checked first: a database it cannot write to is
    named (``RecordsError``) before anything is trained.
    """
    from resque_core.forecast.records import RecordStore
    from ui import validate_job

    report = done_result(state, "index", "compute it again on the Index page (the run is recorded against it)")
    RecordStore().check()
    model, data = result(state, "model"), result(state, "data")
    _, new_data = data_pair(data, model)
    loaded = loaded_model(model, data)
    job = validate_job.start(
        loaded,
        new_data,
        settings,
        index=report,
        forecast=current(state, "forecast"),
        forecast_rule=forecast_rule(state),
        model_name=file_name(model.checkpoint),
        dataset_name=file_name(data.original),
    )
    state["validate_job"] = job
    return job


def record_validation(state: MutableMapping, job: Any) -> str:
    """Add a finished validation run to the local calibration history (once); the history's path."""
    from resque_core.calibration.validation import validation_family, validation_record
    from resque_core.forecast.records import RecordStore

    if job.recorded_path is None:
        model, data = result(state, "model"), result(state, "data")
        family = validation_family(loaded_model(model, data), data_pair(data, model)[1], job.settings)
        record = validation_record(
            job.result, job.index, job.settings, model=job.model_name, dataset=job.dataset_name, family=family
        )
        row = record.to_row()
        store = RecordStore()
        store.add([record.store_row()])  # the record with its curve
        job.record, job.recorded_path = row, str(store.path)
    return job.recorded_path
