"""The pipeline's steps as the pages (and the one-click demo) run them: gather settings, call the
engine through ``ui.cache``, store the result in session state. No figure is computed here.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from resque_core.errors import ScheduleError
from ui import cache
from ui.state import result, set_result

DEFAULT_DATA = {"original": "digits", "new": None, "shift": "gaussian_noise:5", "kind": "dist", "seed": 0}
DEFAULT_MODEL = {"checkpoint": "default", "trust": False}
DEFAULT_INDEX = {"layer": None, "device": "auto", "batch_size": 256}
DEFAULT_FORECAST = {"calibration": "default", "level": 0.8}
DEFAULT_COST = {"intensity": "zone", "zone": "DE"}  # CostSettings fields: the demo's grid, the rest as the CLI
DEFAULT_SCHEDULE = {
    "provider": "illustrative",
    "zone": "DE",
    "horizon_h": 48,
    "deadline_h": None,
    "interruptible": False,
}
Progress = Callable[[int, int], None]


def load_data_and_model(state: MutableMapping, data_inputs: dict, model_inputs: dict) -> None:
    """Load (and cache) the checkpoint and the data pair, then mark both stages done."""
    loaded = cache.model(model_inputs["checkpoint"], model_inputs["trust"])
    cache.data_pair(data_inputs, tuple(loaded.class_names))
    set_result(state, "model", model_inputs, model_inputs)
    set_result(state, "data", data_inputs, data_inputs)


def run_index(state: MutableMapping, settings: dict, progress: Progress | None = None) -> Any:
    """Compute the index for the loaded data and model with ``settings`` (layer, device, batch size)."""
    request = {**result(state, "data"), **result(state, "model"), **settings}
    report = cache.index_report(request, progress)
    set_result(state, "index", report, settings)
    return report


def run_forecast(
    state: MutableMapping, settings: dict, cost: Any = None, csv_bytes: bytes | None = None, probe: Any = None
) -> Any:
    """Forecast retraining cost at the current index with ``settings`` (calibration, level), priced by ``cost``.

    ``cost`` is a ``CostSettings`` (None: ``DEFAULT_COST``), priced by ``build_costing`` exactly as the
    ``forecast`` command prices its flags; ``probe`` is the probe result its "probe" basis needs.
    """
    from dataclasses import asdict

    from resque_core.forecast.costing import CostSettings, build_costing

    cost = cost if cost is not None else CostSettings(**DEFAULT_COST)
    report = result(state, "index")
    records = cache.records(settings["calibration"], csv_bytes)
    fitted = cache.forecaster(settings["calibration"], report.kind, settings["level"], csv_bytes)
    costing = build_costing(cost, probe=probe, records=records)
    forecast = fitted.predict(report.value, costing=costing, shift_type=fitted.shift_type_for(report.shift))
    state["fc_csv"] = csv_bytes  # the records behind this forecast, for its calibration curve
    set_result(state, "forecast", forecast, {**settings, **asdict(cost)})
    return forecast


def calibration_curve(state: MutableMapping, measure: str = "epochs") -> Any:
    """The curve the current forecast used for ``measure`` (``Forecaster.curve``), with its records."""
    forecast, settings = result(state, "forecast"), state["inputs"]["forecast"]
    report = result(state, "index")
    fitted = cache.forecaster(settings["calibration"], forecast.index_kind, settings["level"], state.get("fc_csv"))
    return fitted.curve(measure, shift_type=fitted.shift_type_for(report.shift), around=forecast.index)


def recorded_runs_csv() -> bytes:
    """The local calibration history (``RecordStore``) as CSV, read now (it grows with each validation)."""
    from resque_core.forecast.records import RecordStore

    return RecordStore().all().to_csv(index=False).encode()


def probe(state: MutableMapping) -> Any:
    """Probe energy and time per epoch for the loaded model on the new data (cached)."""
    return cache.probe(result(state, "data"), result(state, "model"))


def self_calibrate(state: MutableMapping, settings: Any, progress: Callable[[str], None] | None = None) -> bytes:
    """Self-calibrate the loaded model with ``settings`` (a ``SelfCalibration``); the records as CSV."""
    from resque_core.calibration.campaigns import records_frame, self_calibrate

    model_inputs, data_inputs = result(state, "model"), result(state, "data")
    sweep = self_calibrate(
        model_inputs["checkpoint"], data_inputs["original"], settings, progress=progress, trust=model_inputs["trust"]
    )
    return records_frame(sweep).to_csv(index=False).encode()


def start_validation(state: MutableMapping, settings: Any) -> Any:
    """Start a validation run (``ValidationSettings``) of the loaded model on the new data, in a thread."""
    from ui import validate_job

    model_inputs, data_inputs = result(state, "model"), result(state, "data")
    loaded = cache.model(model_inputs["checkpoint"], model_inputs["trust"])
    _, new_data = cache.data_pair(data_inputs, tuple(loaded.class_names))
    state["validate_job"] = validate_job.start(loaded, new_data, settings)
    return state["validate_job"]


def record_validation(state: MutableMapping, job: Any) -> str:
    """Add a finished validation run to the local calibration history (once); the history's path."""
    from resque_core.calibration.validation import validation_record
    from resque_core.forecast.records import RecordStore

    if job.recorded_path is None:
        row = validation_record(
            job.result,
            result(state, "index"),
            job.settings,
            model=str(result(state, "model")["checkpoint"]),
            dataset=str(result(state, "data")["original"]),
        )
        store = RecordStore()
        store.add([row])
        job.recorded_path = str(store.path)
    return job.recorded_path


def run_schedule(
    state: MutableMapping,
    settings: dict,
    csv_bytes: bytes | None = None,
    api_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Any, Any]:
    """Plan the forecast job (its time and energy) in the chosen grid data, as ``schedule`` in the CLI does.

    ``now`` defaults to the clock, to the minute; it also pins where the illustrative profile starts.
    """
    from resque_core.grid.base import minute_now
    from resque_core.grid.job import schedule_job

    forecast = result(state, "forecast")
    missing = [m for m in ("seconds", "kwh") if m not in forecast.measures]
    if missing:
        raise ScheduleError(f"the forecast has no {' or '.join(missing)}: choose a hardware basis on the Forecast page")
    now = now or minute_now()
    client = cache.provider(
        settings["provider"], api_key=api_key, postcode=settings.get("postcode"), csv_bytes=csv_bytes, now=now
    )
    deadline = now + timedelta(hours=settings["deadline_h"]) if settings.get("deadline_h") else None
    schedule, series = schedule_job(
        client,
        settings["zone"],
        max(forecast.measures["seconds"].point, 1.0),
        max(forecast.measures["kwh"].point, 0.0),
        now=now,
        horizon_s=settings["horizon_h"] * 3600.0,
        deadline=deadline,
        interruptible=settings.get("interruptible", False),
    )
    set_result(state, "schedule", (schedule, series), {k: v for k, v in settings.items() if k != "api_key"})
    return schedule, series


def schedule_of(state: MutableMapping) -> dict[str, Any]:
    """The stored schedule as a scenario section (``SchedulePlan.to_dict`` names)."""
    from resque_core.reporting.scenario import schedule_section

    return schedule_section(*result(state, "schedule"))


def run_demo(state: MutableMapping, progress: Progress | None = None) -> None:
    """The one-click demo: default data, model and calibration, illustrative grid profile."""
    load_data_and_model(state, dict(DEFAULT_DATA), dict(DEFAULT_MODEL))
    run_index(state, dict(DEFAULT_INDEX), progress)
    run_forecast(state, dict(DEFAULT_FORECAST))
    run_schedule(state, dict(DEFAULT_SCHEDULE))
    state["scenario_name"] = "demo: digits, gaussian noise 5, DE"
    state["demo_ran"] = True
