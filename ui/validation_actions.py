"""The Validate page's steps: start a real retraining run of the loaded model on the new data (in a thread,
``ui.validate_job``), and add the finished run to the local calibration history once."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from ui.actions import data_pair, done_result, loaded_model
from ui.plain_text import file_name
from ui.state import result


def start_validation(state: MutableMapping, settings: Any) -> Any:
    """Start a validation run (``ValidationSettings``) of the loaded model on the new data, in a thread.

    The run keeps the index it is recorded against and the forecast it is compared with: the forecast for the
    run's own target (``forecast_at``). The calibration history it will be added to is checked first: a
    database it cannot write to is named (``RecordsError``) before anything is trained, and so is a target the
    model cannot give (a drop without a clean accuracy).
    """
    from resque_core.calibration.like_for_like import records_cap_note
    from resque_core.forecast.records import RecordStore
    from ui import validate_job

    report = done_result(state, "index", "compute it again on the Index page (the run is recorded against it)")
    RecordStore().check()
    model, data = result(state, "model"), result(state, "data")
    _, new_data = data_pair(data, model)
    loaded = loaded_model(model, data)
    settings.target_acc()  # raises before any training when the target cannot be set
    forecast, pooling = forecast_at(state, settings.target)
    cap = records_cap_note(_records(state, loaded).frame, settings.max_epochs)
    job = validate_job.start(
        loaded,
        new_data,
        settings,
        index=report,
        forecast=forecast,
        notes=tuple(note for note in (pooling, cap) if note),
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


def forecast_at(state: MutableMapping, target: Any) -> tuple[Any, str | None]:
    """The forecast for ``target`` at the current index, from the Forecast page's records (else the shipped ones
    for the model's family), at its interval level; and the line saying which families' runs it pools, if any.

    The ``validate`` command's step: the same records cut to the model's family (``forecast.pooling``), fitted to
    the run's target, unpriced (the records' own time and kWh).
    """
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import Evidence, FitSettings, make_forecast
    from resque_core.forecast.pooling import family_runs

    report = done_result(state, "index", "compute it again on the Index page")
    loaded = loaded_model(result(state, "model"), result(state, "data"))
    family = family_of(loaded)
    records, pooling = family_runs(_records(state, loaded), family)
    level = (state.get("inputs", {}).get("forecast") or {}).get("level", 0.8)
    fit = FitSettings(level=level, target=target)
    return make_forecast(Evidence.of(report), records, family=family, settings=fit), pooling


def _records(state: MutableMapping, loaded: Any) -> Any:
    """The records behind the Forecast page's forecast, else the shipped ones for the model's family."""
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import choose_records

    return state.get("fc_records") or choose_records("default", family_of(loaded))
