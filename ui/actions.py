"""The pipeline's steps as the pages (and the one-click demo) run them: gather settings, call the
engine through ``ui.cache``, store the result in session state. No figure is computed here.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
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
ILLUSTRATIVE_CSV = Path(__file__).with_name("illustrative_grid_48h.csv")
ILLUSTRATIVE_LABEL = "illustrative, not live data: a bundled 48-h profile anchored at the current hour"
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


def recorded_runs_csv() -> bytes:
    """The local calibration history (``RecordStore``) as CSV, read now (it grows with each validation)."""
    from resque_core.forecast.records import RecordStore

    return RecordStore().all().to_csv(index=False).encode()


def probe(state: MutableMapping) -> Any:
    """Probe energy and time per epoch for the loaded model on the new data (cached)."""
    return cache.probe(result(state, "data"), result(state, "model"))


def self_calibrate(
    state: MutableMapping, shift_types: list[str], minutes: float, progress: Callable[[str], None] | None = None
) -> bytes:
    """Self-calibrate on the loaded model (each shift type at levels 1-5) and return the records as CSV."""
    from resque_core.calibration.campaigns import records_frame, self_calibrate
    from resque_core.calibration.config import SweepConfig

    model_inputs, data_inputs = result(state, "model"), result(state, "data")
    shifts = tuple(f"{kind}:{level}" for kind in shift_types for level in range(1, 6))
    cfg = SweepConfig(shifts=shifts, seeds=(0,), max_minutes=float(minutes), max_epochs=15, scratch_epochs=10)
    sweep = self_calibrate(
        model_inputs["checkpoint"],
        data_inputs["original"],
        cfg,
        meter=None,
        progress=progress,
        trust=model_inputs["trust"],
    )
    return records_frame(sweep).to_csv(index=False).encode()


def intensity_series(settings: dict, csv_bytes: bytes | None = None, api_key: str | None = None) -> Any:
    """The grid series the schedule settings ask for (the illustrative profile is anchored at this hour)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    if settings["provider"] == "illustrative":
        from resque_core.grid.csvfile import CsvProvider

        return CsvProvider(illustrative_csv(now), name="illustrative 48-h profile", kind="modeled").read(
            settings["zone"]
        )
    client = cache.provider(
        settings["provider"], api_key=api_key, postcode=settings.get("postcode"), csv_bytes=csv_bytes
    )
    return client.intensity(settings["zone"], now, now + timedelta(hours=settings["horizon_h"]))


def illustrative_csv(start: datetime) -> bytes:
    """The bundled profile (hour offsets) as the CSV provider's ``datetime,carbon_intensity`` from ``start``."""
    rows = ["datetime,carbon_intensity"]
    for line in ILLUSTRATIVE_CSV.read_text().splitlines()[1:]:
        hour, value = line.split(",")
        rows.append(f"{(start + timedelta(hours=int(hour))).isoformat()},{value}")
    return "\n".join(rows).encode()


def run_schedule(
    state: MutableMapping, settings: dict, csv_bytes: bytes | None = None, api_key: str | None = None
) -> tuple[Any, Any]:
    """Plan the forecast job (its time and energy) in the chosen grid series."""
    from resque_core.grid.schedule import plan

    forecast = result(state, "forecast")
    missing = [m for m in ("seconds", "kwh") if m not in forecast.measures]
    if missing:
        raise ScheduleError(f"the forecast has no {' or '.join(missing)}: choose a hardware basis on the Forecast page")
    series = intensity_series(settings, csv_bytes, api_key)
    deadline = None
    if settings.get("deadline_h"):
        deadline = series.start + timedelta(hours=settings["deadline_h"])
    schedule = plan(
        series,
        max(forecast.measures["seconds"].point, 1.0),
        max(forecast.measures["kwh"].point, 0.0),
        deadline=deadline,
        interruptible=settings.get("interruptible", False),
    )
    set_result(state, "schedule", (schedule, series), {k: v for k, v in settings.items() if k != "api_key"})
    return schedule, series


def data_kind(settings: dict, series: Any) -> tuple[str, str]:
    """(kind, label) of the grid data for display: illustrative, modeled average, forecast..."""
    if settings["provider"] == "illustrative":
        return "illustrative", ILLUSTRATIVE_LABEL
    return series.kind, series.source


def schedule_of(state: MutableMapping) -> dict[str, Any]:
    """The stored schedule as a scenario section, labeled by the provider the user chose."""
    from resque_core.reporting.scenario import schedule_section

    plan, series = result(state, "schedule")
    settings = state["inputs"]["schedule"]
    kind, label = data_kind(settings, series)
    return schedule_section(plan, series, kind, label, provider=settings["provider"])


def run_demo(state: MutableMapping, progress: Progress | None = None) -> None:
    """The one-click demo: default data, model and calibration, illustrative grid profile."""
    load_data_and_model(state, dict(DEFAULT_DATA), dict(DEFAULT_MODEL))
    run_index(state, dict(DEFAULT_INDEX), progress)
    run_forecast(state, dict(DEFAULT_FORECAST))
    run_schedule(state, dict(DEFAULT_SCHEDULE))
    state["scenario_name"] = "demo: digits, gaussian noise 5, DE"
    state["demo_ran"] = True
