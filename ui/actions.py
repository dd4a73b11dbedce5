"""The pipeline's steps as the pages (and the one-click demo) run them: take typed settings
(``ui.settings``), call the engine through ``ui.cache``, store the result in session state. Pages
call these, never ``ui.cache`` or the record store. No figure is computed here.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from resque_core.errors import ResqueError, ScheduleError
from resque_core.model.source import ModelSource
from ui import cache
from ui.settings import DEMO_COST, DataChoice, ForecastSettings, IndexSettings, ScheduleSettings
from ui.state import current, digest, result, set_result, status

Progress = Callable[[int, int], None]


def done_result(state: MutableMapping, stage: str, fix: str) -> Any:
    """The stage's result when done; else a ``ResqueError`` saying ``fix`` (never compute from a stale result)."""
    value = current(state, stage)
    if value is None:
        raise ResqueError(f"the {stage} is {status(state, stage)}: {fix}")
    return value


def loaded_model(model: ModelSource, data: DataChoice | None = None) -> Any:
    """The ``LoadedModel`` of a checkpoint choice (cached, shared across sessions); a checkpoint without
    an input spec reads it from ``data``'s original source, as ``compute_index`` does."""
    return cache.model(model.inputs(), data.original if data is not None else None)


def checkpoint_hints(path: str | None) -> dict:
    """Architecture guess, classes and stem read from a checkpoint's bare weights, to pre-fill the page."""
    return cache.weights_hints(path) if path else {}


def data_input_spec(original: str | None, arch: str | None) -> dict | None:
    """The input spec (``InputSpec.to_dict``) the original data suggests for ``arch``; None without data."""
    if not original:
        return None
    try:
        return cache.data_spec(original, arch)
    except ResqueError:  # unreadable data is reported when it is loaded, not while pre-filling
        return None


def data_pair(data: DataChoice, model: ModelSource) -> tuple[Any, Any]:
    """``(original, new)`` datasets exactly as the index will see them (the same prepared pair, cached)."""
    return cache.data_pair(data.inputs(), model.inputs())


def class_check(data: DataChoice, model: ModelSource) -> Any:
    """Whether the original data's classes are in the model's order (``resque_core.index.class_check``), cached."""
    return cache.class_check(data.inputs(), model.inputs())


def layers(model: ModelSource, data: DataChoice | None = None) -> list[Any]:
    """The model's embeddable layers with their output shapes."""
    return cache.layers(model.inputs(), data.original if data is not None else None)


def hardware_profiles() -> dict[str, dict]:
    """Hardware power profiles by name (modeled figures)."""
    return cache.hardware_profiles()


def load_data_and_model(state: MutableMapping, data: DataChoice, model: ModelSource) -> None:
    """Load (and cache) the checkpoint and the data pair, then mark both stages done."""
    data_pair(data, model)
    set_result(state, "model", model, model.inputs())
    set_result(state, "data", data, data.inputs())


def run_index(state: MutableMapping, settings: IndexSettings, progress: Progress | None = None) -> Any:
    """Compute the index for the loaded data and model with ``settings`` (layer, device, batch size)."""
    data, model = result(state, "data").inputs(), result(state, "model").inputs()
    report = cache.index_report(data, model, settings.inputs(), progress)
    set_result(state, "index", report, settings.inputs())
    return report


def run_forecast(
    state: MutableMapping,
    settings: ForecastSettings,
    cost: Any = None,
    csv_bytes: bytes | None = None,
    probe: Any = None,
) -> Any:
    """Forecast retraining cost at the current index with ``settings`` (calibration, level), priced by ``cost``.

    The ``forecast`` command's step (``forecast.pipeline.make_forecast``) on the records the page chose.
    ``cost`` is a ``CostSettings`` (None: ``DEMO_COST``); ``probe`` the probe result its "probe" basis needs.
    """
    from dataclasses import asdict

    from resque_core.calibration.model_forecast import forecast_for_model
    from resque_core.forecast.costing import CostSettings
    from resque_core.forecast.family import family_of
    from resque_core.forecast.pipeline import Evidence, FitSettings
    from resque_core.forecast.pooling import family_runs

    cost = cost if cost is not None else CostSettings(**DEMO_COST)
    report = done_result(state, "index", "compute it again on the Index page")
    loaded = loaded_model(result(state, "model"), result(state, "data"))
    family = family_of(loaded)
    records, pooling = family_runs(cache.records(settings.calibration, csv_bytes, family), family)
    fit = FitSettings(level=settings.level, target=settings.target())
    forecast = forecast_for_model(Evidence.of(report), records, cost, probe=probe, loaded=loaded, settings=fit)
    state["fc_records"] = records  # the records behind this forecast, for its curve and Validate's forecast
    state["fc_probe"] = probe  # shown beside the forecast: its median, spread and rounds
    state["fc_pooling"] = pooling  # the line naming the families a local store's records pool (None: one)
    made_from = {"records_csv": digest(csv_bytes), "probe": probe}
    set_result(state, "forecast", forecast, {**settings.inputs(), **asdict(cost)}, made_from)
    return forecast


def unknown_model_advice(state: MutableMapping) -> Any:
    """How long a self-calibration on the loaded model would take, when the library lacks its family (the
    ``forecast --advice`` of the CLI): it times a few training steps, so it runs only when asked. The current
    forecast's note gets the offer and its command, which names the user's files by their own names (never the
    server's upload folders); returns the ``UnknownModelAdvice`` (None: the library has the family).
    """
    from resque_core.calibration.unknown_model import DataChecks, with_unknown_model_note

    forecast = done_result(state, "forecast", "forecast again on the Forecast page")
    model, data = result(state, "model"), result(state, "data")
    loaded = loaded_model(model, data)
    named_model, named_data = command_names(model, data)
    checks = DataChecks(data.class_map, data.accept_low_accuracy)
    opened = cache.source(data.original)
    noted, advice = with_unknown_model_note(forecast, loaded, opened, named_model, named_data, checks)
    if advice is not None:
        state["results"]["forecast"] = noted
    return advice


def command_names(model: ModelSource, data: DataChoice) -> tuple[ModelSource, str]:
    """The model and original data as a command the user runs on their own machine names them: an upload or a
    server file by its file name (a placeholder they fill with their path), and for their own model the digits
    (the default model's data) as ``YOUR_DATA``."""
    from dataclasses import replace

    from resque_core.model.checkpoint import DEFAULT_NAMES
    from ui.plain_text import file_name

    own = model.checkpoint not in DEFAULT_NAMES
    named = replace(
        model,
        checkpoint=file_name(model.checkpoint) if own else model.checkpoint,
        model_file=file_name(model.model_file) if model.model_file else None,
    )
    original = file_name(data.original)
    return named, "YOUR_DATA" if own and original == "digits" else original


def calibration_curve(state: MutableMapping, measure: str = "epochs") -> Any:
    """The curve the current forecast used for ``measure`` (``Forecaster.curve``), with its records."""
    from resque_core.forecast.pipeline import FitSettings, fitted

    forecast, settings = result(state, "forecast"), state["inputs"]["forecast"]
    report = result(state, "index")
    chosen = ForecastSettings(
        level=settings["level"],
        target_kind=settings.get("target_kind", "drop"),
        target_value=settings.get("target_value", 0.02),
    )
    fit = FitSettings(level=chosen.level, target=chosen.target())
    forecaster = fitted(state["fc_records"], forecast.index_kind, fit)
    shift_type = forecaster.shift_type_for(report.shift) if report.labels == "given" else None
    return forecaster.curve(measure, shift_type=shift_type, around=forecast.index)


def recorded_runs_csv() -> bytes:
    """The local calibration history (``RecordStore``) as CSV, read now (it grows with each validation)."""
    from resque_core.forecast.records import RecordStore

    return RecordStore().all().to_csv(index=False).encode()


def probe(state: MutableMapping, progress: Progress | None = None, steps: int = 20) -> Any:
    """Probe energy and time per epoch for the loaded model on the new data, repeated until stable (cached).

    ``progress`` is called with (rounds done, most rounds) while it runs; ``steps``: training steps per
    round (the CLI's ``--probe-steps``).
    """
    data, model = result(state, "data").inputs(), result(state, "model").inputs()
    return cache.probe(data, model, steps=steps, progress=progress)


def self_calibrate(
    state: MutableMapping,
    settings: Any,
    progress: Callable[[Any], None] | None = None,
    executor: str = "local",
    address: str | None = None,
) -> tuple:
    """Self-calibrate the loaded model with ``settings`` (a ``SelfCalibration``), telling ``progress`` each
    ``SweepEvent``; the records as CSV and the sweep's ``Outcome`` (one message: usable, or what is missing).
    ``executor`` and ``address`` are ``calibrate``'s: "local" (one run after another) or "ray" (a local Ray,
    or the cluster at ``address``).

    As the ``calibrate`` command does, each finished case is added to the local calibration history
    (``RecordStore``) as it ends, so a session that closes mid-way keeps them; a history it cannot
    write to is named (``RecordsError``) before anything is trained.
    """
    from resque_core.calibration.campaigns import records_frame, self_calibrate
    from resque_core.calibration.executors import make_executor
    from resque_core.calibration.plan import needed_records
    from resque_core.calibration.progress import outcome
    from resque_core.forecast.records import RecordStore

    model, data = result(state, "model"), result(state, "data")
    store = RecordStore().check()
    runs_on = make_executor(executor, **({"address": address} if executor == "ray" else {}))
    original = cache.source(data.original)  # opened once; an uploaded zip is extracted in the session's folder
    checks = {"class_map": data.class_map, "accept_low_accuracy": data.accept_low_accuracy}
    settings = replace(settings, epoch_images=settings.epoch_images or retraining_images(model, data))
    sweep = self_calibrate(model, original, settings, progress=progress, **checks, on_rows=store.add, executor=runs_on)
    state["selfcal_notes"] = sweep.notes  # its plan, caps, data and cost scaling: said beside its forecast
    return records_frame(sweep).to_csv(index=False).encode(), outcome(sweep, needed_records())


def retraining_images(model: ModelSource, data: DataChoice) -> int | None:
    """Images one epoch of the real retraining on the new data runs over (as Validate splits it); None: no new data."""
    from resque_core.calibration.validation import ValidationSettings, validation_family

    new = data_pair(data, model)[1]
    return validation_family(loaded_model(model, data), new, ValidationSettings()).n_train if new is not None else None


def run_schedule(
    state: MutableMapping,
    settings: ScheduleSettings,
    csv_bytes: bytes | None = None,
    api_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Any, Any]:
    """Plan the job (the forecast's, or one given by hand) in the chosen grid data, as ``schedule`` in the CLI does.

    ``now`` defaults to the clock, to the minute; it also pins where the illustrative profile starts.
    """
    from resque_core.grid.base import minute_now
    from resque_core.grid.job import schedule_job

    duration_s, energy_kwh, upstream = scheduled_job(state, settings)
    now = now or minute_now()
    client = cache.provider(
        settings.provider, api_key=api_key, postcode=settings.postcode, csv_bytes=csv_bytes, now=now
    )
    deadline = now + timedelta(hours=settings.deadline_h) if settings.deadline_h else None
    schedule, series = schedule_job(
        client,
        settings.zone,
        duration_s,
        energy_kwh,
        now=now,
        horizon_s=settings.horizon_h * 3600.0,
        deadline=deadline,
        interruptible=settings.interruptible,
    )
    made_from = {"grid_csv": digest(csv_bytes), "now": now}
    set_result(state, "schedule", (schedule, series), settings.inputs(), made_from, upstream)
    return schedule, series


def scheduled_job(state: MutableMapping, settings: ScheduleSettings) -> tuple[float, float, tuple | None]:
    """The job's seconds and kWh (at least 1 s): the one given by hand, made from no forecast (upstream ``()``),
    else the forecast's point values."""
    if settings.job_h is not None:
        return max(settings.job_h * 3600.0, 1.0), max(settings.job_kwh or 0.0, 0.0), ()
    forecast = done_result(state, "forecast", "forecast again on the Forecast page")
    missing = [m for m in ("seconds", "kwh") if m not in forecast.measures]
    if missing:
        raise ScheduleError(
            f"the forecast has no {' or '.join(missing)}: measure a probe of your model or choose a hardware basis "
            "on the Forecast page"
        )
    return max(forecast.measures["seconds"].point, 1.0), max(forecast.measures["kwh"].point, 0.0), None


def schedule_of(state: MutableMapping) -> dict[str, Any]:
    """The stored schedule as a scenario section (``SchedulePlan.to_dict`` names)."""
    from resque_core.reporting.scenario import schedule_section

    return schedule_section(*result(state, "schedule"))


def run_demo(state: MutableMapping, progress: Progress | None = None) -> None:
    """The one-click demo: default data, model and calibration, an example price, the illustrative grid profile
    laid out for the forecast's zone (``DEMO_COST``'s)."""
    load_data_and_model(state, DataChoice(), ModelSource())
    run_index(state, IndexSettings(), progress)
    run_forecast(state, ForecastSettings())
    run_schedule(state, ScheduleSettings())
    state["scenario_name"] = f"demo: digits, gaussian noise 5, {DEMO_COST['zone']}"
    state["demo_ran"] = True
